// SimilarityOptions (similarity.h): the MinHash similarity settings NearDupOptions and
// IndexOptions share, their validation and the LSH shape they derive.
#include "neardup/advanced/similarity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "neardup/advanced/index.h"
#include "neardup/advanced/near_dup.h"

namespace neardup {
namespace {

Status check(void (*change)(SimilarityOptions&)) {
  SimilarityOptions o;
  change(o);
  return o.validate();
}

void expect_invalid(const Status& st, const std::string& what) {
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
}

TEST(SimilarityOptionsTest, DefaultsAreValid) {
  const SimilarityOptions o;
  EXPECT_TRUE(o.validate().ok()) << o.validate().to_string();
  EXPECT_EQ(o.threshold, 0.8);
  EXPECT_EQ(o.minhash.num_perm, 128u);
  EXPECT_EQ(o.bands, 0u);
  EXPECT_EQ(o.rows, 0u);
}

TEST(SimilarityOptionsTest, ThresholdMustBeInZeroOne) {
  const double bad[] = {0.0, -0.5, 1.0000001, 2.0, std::nan(""), INFINITY};
  for (const double t : bad) {
    SimilarityOptions o;
    o.threshold = t;
    const Status st = o.validate();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << t;
    expect_invalid(st, "threshold must be in (0, 1]");
  }
  for (const double t : {1e-9, 0.3, 1.0}) {
    SimilarityOptions o;
    o.threshold = t;
    EXPECT_TRUE(o.validate().ok()) << t;
  }
}

TEST(SimilarityOptionsTest, BandsAndRowsComeTogetherAndFitTheSlots) {
  expect_invalid(check([](SimilarityOptions& o) { o.bands = 4; }), "set both LSH bands and rows");
  expect_invalid(check([](SimilarityOptions& o) { o.rows = 4; }), "set both LSH bands and rows");
  EXPECT_FALSE(check([](SimilarityOptions& o) {
                 o.bands = 20;
                 o.rows = 7;  // 140 > 128 slots
               }).ok());
  EXPECT_TRUE(check([](SimilarityOptions& o) {
                o.bands = 16;
                o.rows = 8;  // exactly 128
              }).ok());
}

TEST(SimilarityOptionsTest, PipelineAndMinHashAreCheckedFirst) {
  expect_invalid(check([](SimilarityOptions& o) { o.pipeline.shingle.k = 0; }), "shingle k");
  expect_invalid(check([](SimilarityOptions& o) {
                   o.minhash.num_perm = 0;
                   o.threshold = 0;  // also wrong, but MinHash's error comes first
                 }),
                 "num_perm");
}

TEST(SimilarityOptionsTest, LshParamsAreExplicitOrDerivedWithTheMinHashSeed) {
  SimilarityOptions o;
  o.minhash.seed = 7;
  LshParams derived = o.lsh_params();
  const LshParams expected = LshParams::for_recall(0.8, 128);
  EXPECT_EQ(derived.bands, expected.bands);
  EXPECT_EQ(derived.rows, expected.rows);
  EXPECT_EQ(derived.seed, 7u);
  o.threshold = 0.5;
  EXPECT_NE(o.lsh_params().rows, derived.rows);  // follows the threshold
  o.bands = 10;
  o.rows = 6;
  const LshParams given = o.lsh_params();
  EXPECT_EQ(given.bands, 10u);
  EXPECT_EQ(given.rows, 6u);
  EXPECT_EQ(given.seed, 7u);
}

// NearDupOptions and IndexOptions carry one SimilarityOptions: their validate() and
// lsh_params() are its own, and designated initializers reach it.
TEST(SimilarityOptionsTest, EmbeddedInBothOptionStructs) {
  // (Every field before the last one named is spelled out: -Wextra warns about skipped ones.)
  const SimilarityOptions s{.pipeline = {}, .minhash = {}, .threshold = 0.6, .bands = 8, .rows = 4};
  const NearDupOptions near{.similarity = s};
  const IndexOptions index{.similarity = s};
  EXPECT_TRUE(near.validate().ok());
  EXPECT_TRUE(index.validate().ok());
  EXPECT_EQ(near.lsh_params().bands, 8u);
  EXPECT_EQ(index.lsh_params().rows, 4u);
  NearDupOptions bad_near;
  bad_near.similarity.threshold = 1.5;
  IndexOptions bad_index;
  bad_index.similarity.bands = 3;
  EXPECT_EQ(bad_near.validate().to_string(), bad_near.similarity.validate().to_string());
  EXPECT_EQ(bad_index.validate().to_string(), bad_index.similarity.validate().to_string());
  EXPECT_FALSE(bad_near.validate().ok());
  EXPECT_FALSE(bad_index.validate().ok());
  EXPECT_TRUE(NearDupClusterer::create(near).ok());
  EXPECT_FALSE(NearDupIndex::create(bad_index).ok());
}

}  // namespace
}  // namespace neardup

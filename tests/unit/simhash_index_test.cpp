// SimHashIndex (simhash_index.h) below the Deduplicator facade: the fingerprint API the CLI uses,
// empty documents, options and file round trips, and the loader's checks behind the checksum
// (files whose checksum was recomputed after a change). The facade's behaviour (matching,
// removal, truncated and flipped files, concurrency) is in deduplicator_test.cpp.
#include "neardup/advanced/simhash_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "neardup/advanced/hash.h"
#include "support/expect_ok.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

using fixtures::random_text;

SimHashIndex make(SimHashIndexOptions o = {}) {
  return testing::expect_ok(SimHashIndex::create(o));
}

uint64_t get_u64(const std::string& b, std::size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
void put_u64(std::string& b, std::size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
// Recomputes the header's checksum after a change to the payload, so that the loader's later
// checks are the ones that must catch it.
std::string rechecksum(std::string b) {
  put_u64(b, 56, hash64(b.data() + 64, b.size() - 64, 0));
  return b;
}

TEST(SimHashIndexTest, FingerprintIsTheSimHashOfTheShingles) {
  for (const uint32_t bits : {64u, 128u}) {
    SimHashIndexOptions o;
    o.pipeline.shingle.k = 3;
    o.pipeline.shingle.seed = 7;
    o.simhash.bits = bits;
    o.simhash.seed = 11;
    const SimHashIndex index = make(o);
    ShingleHasher shingler(o.pipeline);
    const SimHasher hasher(o.simhash);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 20; ++i) {
      const std::string text = random_text(rng, 150);
      const TextFingerprint fp = index.fingerprint(text);
      const std::span<const uint64_t> sh = shingler.hash(text);
      const Fingerprint128 want =
          bits == 64 ? Fingerprint128{hasher.fingerprint64(sh), 0} : hasher.fingerprint128(sh);
      EXPECT_EQ(fp.value, want);
      EXPECT_FALSE(fp.empty);
    }
    EXPECT_TRUE(index.fingerprint("").empty);
    EXPECT_TRUE(index.fingerprint(" \n\t ").empty);
    EXPECT_EQ(index.fingerprint("").value, Fingerprint128{});
  }
}

// An empty document's fingerprint is all zeros, but it matches nothing, not even a (non-empty)
// document whose fingerprint happens to be zero; the flag survives a save and load.
TEST(SimHashIndexTest, EmptyDocumentsMatchNothingEvenAtTheSameFingerprint) {
  SimHashIndex index = make();
  ASSERT_TRUE(index.add_fingerprint("empty", TextFingerprint{{0, 0}, true}).ok());
  const TextFingerprint zero{{0, 0}, false};
  EXPECT_TRUE(index.query_fingerprint(zero)->empty());
  ASSERT_TRUE(index.add_fingerprint("zero", zero).ok());
  ASSERT_TRUE(index.add_fingerprint("near-zero", TextFingerprint{{0x5, 0}, false}).ok());
  const auto check = [&](const SimHashIndex& x) {
    Result<std::vector<IndexMatch>> m = x.query_fingerprint(zero);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 2u);
    EXPECT_EQ((*m)[0].id, "zero");
    EXPECT_EQ((*m)[0].similarity, 1.0);
    EXPECT_EQ((*m)[1].id, "near-zero");
    EXPECT_EQ((*m)[1].similarity, 1.0 - 2.0 / 64.0);
    EXPECT_EQ(x.size(), 3u);
    EXPECT_TRUE(x.contains("empty"));
  };
  check(index);
  Result<SimHashIndex> loaded = SimHashIndex::deserialize(index.serialize(), "mem");
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  check(*loaded);
}

TEST(SimHashIndexTest, FingerprintCallsCheckTheWidth) {
  SimHashIndex index = make();
  const TextFingerprint wide{{1, 1}, false};
  EXPECT_EQ(index.add_fingerprint("a", wide).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.query_fingerprint(wide).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.add_if_new_fingerprint("a", wide).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.size(), 0u);
  SimHashIndexOptions o;
  o.simhash.bits = 128;
  o.max_distance = 7;
  SimHashIndex wide_index = make(o);
  ASSERT_TRUE(wide_index.add_fingerprint("a", wide).ok());
  Result<AddIfNewResult> r = wide_index.add_if_new_fingerprint("b", TextFingerprint{{1, 0}, false});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->added);
  EXPECT_EQ(r->match.id, "a");
  EXPECT_EQ(r->match.similarity, 1.0 - 1.0 / 128.0);
}

// The CLI path (fingerprint on worker threads, then add_fingerprint in order) and the text path
// build the same index; the file is a deterministic function of the documents and options, and
// every option (pipeline flags, explicit blocks) comes back from it.
TEST(SimHashIndexTest, FingerprintAndTextPathsGiveTheSameFileAndOptionsRoundTrip) {
  SimHashIndexOptions o;
  o.pipeline.normalize.strip_punctuation = true;
  o.pipeline.normalize.decode_html_entities = false;  // not the default
  o.pipeline.tokenize.canonical_numbers = true;
  o.pipeline.shingle.kind = ShingleKind::kChar;
  o.pipeline.shingle.k = 6;
  o.pipeline.shingle.seed = 5;
  o.simhash.seed = 9;
  o.max_distance = 4;
  o.blocks = 7;
  SimHashIndex by_text = make(o), by_fp = make(o);
  std::mt19937_64 rng(2);
  for (int i = 0; i < 50; ++i) {
    const std::string text = random_text(rng, 30);
    ASSERT_TRUE(by_text.add("d" + std::to_string(i), text).ok());
    ASSERT_TRUE(by_fp.add_fingerprint("d" + std::to_string(i), by_fp.fingerprint(text)).ok());
  }
  const std::string bytes = by_text.serialize();
  EXPECT_EQ(bytes, by_fp.serialize());
  EXPECT_EQ(bytes, by_text.serialize());
  EXPECT_EQ(by_text.blocks(), 7u);
  EXPECT_EQ(by_text.tables(), 35u);  // C(7, 4)
  Result<SimHashIndex> back = SimHashIndex::deserialize(bytes, "mem");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  const SimHashIndexOptions& b = back->options();
  EXPECT_TRUE(b.pipeline.normalize.strip_punctuation);
  EXPECT_FALSE(b.pipeline.normalize.decode_html_entities);
  EXPECT_TRUE(b.pipeline.tokenize.canonical_numbers);
  EXPECT_EQ(b.pipeline.shingle.kind, ShingleKind::kChar);
  EXPECT_EQ(b.pipeline.shingle.k, 6u);
  EXPECT_EQ(b.pipeline.shingle.seed, 5u);
  EXPECT_EQ(b.simhash.seed, 9u);
  EXPECT_EQ(b.max_distance, 4u);
  EXPECT_EQ(b.blocks, 7u);
  EXPECT_EQ(back->tables(), 35u);
  EXPECT_EQ(back->serialize(), bytes);
}

// Changes that keep the checksum valid are still caught by the layout and consistency checks.
TEST(SimHashIndexTest, LoaderChecksMoreThanTheChecksum) {
  SimHashIndex index = make();
  ASSERT_TRUE(index.add("a", "one two three four five six").ok());
  ASSERT_TRUE(index.add("bb", "").ok());
  const std::string good = index.serialize();
  ASSERT_TRUE(SimHashIndex::deserialize(good, "mem").ok());
  // Layout (64-byte header; options section at 64: 16-byte section head, 64-byte body).
  constexpr std::size_t kOptions = 64 + 16, kIds = kOptions + 64;
  const auto status = [](const std::string& b) {
    Result<SimHashIndex> r = SimHashIndex::deserialize(b, "mem");
    return r.ok() ? Status() : r.status();
  };
  const auto expect_corrupt = [&](const std::string& b, const char* what) {
    const Status st = status(rechecksum(b));
    EXPECT_EQ(st.code(), StatusCode::kCorruptData) << what << ": " << st.to_string();
    EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
  };
  std::string b = good;
  b[kOptions + 28] = 4;  // stored max_distance differs from the header's 3
  expect_corrupt(b, "inconsistent header");
  b = good;
  b[kOptions + 56] = 1;  // an unknown weighting
  expect_corrupt(b, "invalid options");
  b = good;
  b[kOptions + 24] = 96;  // bits
  expect_corrupt(b, "invalid options");
  b = good;
  put_u64(b, kIds + 16, 3);  // the ids section claims 3 ids
  expect_corrupt(b, "inconsistent counts");
  b = good;
  b[kIds + 16 + 8] = 5;  // first id length 5 (the section holds 3 id bytes)
  expect_corrupt(b, "id lengths");
  b = good;
  b[b.size() - 8 + 1] = 2;  // the second document's flags byte: an unknown bit
  // (the flags section body is u64 count + 2 bytes, padded to 8: the bytes sit at size-8..size-6)
  expect_corrupt(b, "invalid flags");
  // Header fields: count and blocks.
  b = good;
  put_u64(b, 40, 3);
  expect_corrupt(b, "inconsistent counts");
  b = good;
  b[24] = 6;  // blocks used
  expect_corrupt(b, "blocks");
  // A truncated section head and trailing bytes (the header's payload size adjusted).
  b = good + std::string(16, '\0');
  put_u64(b, 48, get_u64(b, 48) + 16);
  expect_corrupt(b, "inconsistent layout");
  b = good;
  b[64] = 9;  // the first section's tag
  expect_corrupt(b, "expected the options section");
}

}  // namespace
}  // namespace neardup

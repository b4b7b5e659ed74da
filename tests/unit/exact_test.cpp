#include "neardup/advanced/exact.h"

#include <gtest/gtest.h>

#include <string>

#include "neardup/advanced/normalize.h"

namespace neardup {
namespace {

TEST(ExactIndexTest, FirstOccurrenceIsNewAndLaterOnesPointToIt) {
  ExactIndex index;
  auto a = index.add(exact_key("alpha"), 0);
  auto b = index.add(exact_key("beta"), 1);
  auto c = index.add(exact_key("alpha"), 2);
  EXPECT_TRUE(a.is_new);
  EXPECT_TRUE(b.is_new);
  EXPECT_FALSE(c.is_new);
  EXPECT_EQ(c.first, 0u);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.find(exact_key("beta")), std::optional<uint64_t>(1));
  EXPECT_FALSE(index.find(exact_key("gamma")).has_value());
  EXPECT_GT(index.memory_bytes(), 0u);
}

TEST(ExactIndexTest, KeysDifferForTextsThatDifferInOneByte) {
  EXPECT_NE(exact_key("the cat sat"), exact_key("the cat sat."));
  EXPECT_NE(exact_key(""), exact_key(" "));
  EXPECT_EQ(exact_key("same"), exact_key(std::string("same")));
}

TEST(ExactIndexTest, NoCollisionsAmongManyDistinctTexts) {
  ExactIndex index;
  index.reserve(200000);
  for (uint64_t i = 0; i < 200000; ++i) {
    auto m = index.add(exact_key("doc " + std::to_string(i)), i);
    ASSERT_TRUE(m.is_new) << i;
  }
  EXPECT_EQ(index.size(), 200000u);
}

TEST(ExactIndexTest, NormalizationMakesEncodingVariantsExactDuplicates) {
  Normalizer norm;
  std::string a, b, c;
  norm.normalize("Xiaomi will build  300,000 cars \xE2\x80\x9Cthis year\xE2\x80\x9D.", a);
  // Full-width X, a no-break space, a zero-width space, straight quotes, different case.
  norm.normalize(
      "\xEF\xBC\xB8iaomi WILL build\xC2\xA0 300,000 c\xE2\x80\x8B"
      "ars \"this year\".",
      b);
  norm.normalize("Xiaomi will build 300,000 trucks \"this year\".", c);
  EXPECT_EQ(exact_key(a), exact_key(b)) << a << " | " << b;
  EXPECT_NE(exact_key(a), exact_key(c));
}

}  // namespace
}  // namespace neardup

// HammingIndex: parameter derivation, exactness against brute force for every k, concurrency,
// save/load round trips and corrupt files.
#include "neardup/advanced/hamming_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/fixtures.h"

namespace neardup {
namespace {

// n random fingerprints, a third of them planted near an earlier one (0..max_flip bits flipped),
// so every distance up to max_flip occurs many times.
std::vector<Fingerprint128> planted(std::size_t n, uint32_t bits, uint32_t max_flip,
                                    uint64_t seed) {
  return fixtures::planted_fingerprints(n, bits, max_flip, 3, seed);
}

std::vector<HammingPair> brute_pairs(const std::vector<Fingerprint128>& v, uint32_t k) {
  std::vector<HammingPair> out;
  for (uint32_t a = 0; a < v.size(); ++a) {
    for (uint32_t b = a + 1; b < v.size(); ++b) {
      const uint32_t d = hamming(v[a], v[b]);
      if (d <= k) out.push_back({a, b, d});
    }
  }
  return out;
}

std::vector<HammingMatch> brute_query(const std::vector<Fingerprint128>& v, const Fingerprint128& q,
                                      uint32_t k) {
  std::vector<HammingMatch> out;
  for (uint32_t a = 0; a < v.size(); ++a) {
    const uint32_t d = hamming(v[a], q);
    if (d <= k) out.push_back({a, d});
  }
  std::sort(out.begin(), out.end(), [](const HammingMatch& x, const HammingMatch& y) {
    return x.distance != y.distance ? x.distance < y.distance : x.id < y.id;
  });
  return out;
}

HammingIndex build(const HammingIndexParams& p, const std::vector<Fingerprint128>& v) {
  Result<HammingIndex> index = HammingIndex::create(p);
  EXPECT_TRUE(index.ok()) << index.status().to_string();
  for (const Fingerprint128& f : v) EXPECT_TRUE(index->add(f).ok());
  return std::move(index.value());
}

TEST(HammingIndexTest, BlocksAndTablesFollowFromDistanceAndSize) {
  // Small corpora: B = k + 1 (Manku et al.'s simplest layout); 1M at k = 3: 5 blocks, 10 tables.
  EXPECT_EQ((HammingIndexParams{.max_distance = 3, .expected_size = 1000}).resolved_blocks(), 4u);
  EXPECT_EQ((HammingIndexParams{.max_distance = 3, .expected_size = 1000}).tables(), 4u);
  HammingIndexParams big{.max_distance = 3, .expected_size = 1u << 20};
  EXPECT_EQ(big.resolved_blocks(), 5u);
  EXPECT_EQ(big.tables(), 10u);
  EXPECT_EQ((HammingIndexParams{.max_distance = 0}).tables(), 1u);
  HammingIndexParams explicit_blocks{.max_distance = 3, .blocks = 7};
  EXPECT_EQ(explicit_blocks.tables(), 35u);  // C(7, 3)
  ASSERT_TRUE(explicit_blocks.validate().ok());
  Result<HammingIndex> index = HammingIndex::create(explicit_blocks);
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->tables(), 35u);
  EXPECT_EQ(index->params().blocks, 7u);
}

TEST(HammingIndexTest, ValidateRejectsBadParameters) {
  EXPECT_EQ((HammingIndexParams{.bits = 32}).validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((HammingIndexParams{.max_distance = 64}).validate().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((HammingIndexParams{.max_distance = 3, .blocks = 3}).validate().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((HammingIndexParams{.max_distance = 3, .blocks = 65}).validate().code(),
            StatusCode::kInvalidArgument);
  // C(40, 10) tables are far beyond the limit.
  EXPECT_EQ((HammingIndexParams{.max_distance = 10, .blocks = 40}).validate().code(),
            StatusCode::kOutOfRange);
  EXPECT_FALSE(HammingIndex::create({.bits = 100}).ok());
}

// The core promise: for every k up to the maximum, query() and all_pairs() return exactly what
// brute force returns, for both widths, derived and explicit block counts, and any thread count.
TEST(HammingIndexTest, MatchesBruteForceForEveryDistance) {
  struct Case {
    HammingIndexParams params;
    uint32_t flips;
  };
  const Case cases[] = {
      {{.bits = 64, .max_distance = 3}, 5},
      {{.bits = 64, .max_distance = 5, .expected_size = 100000}, 7},
      {{.bits = 64, .max_distance = 3, .blocks = 7}, 5},
      {{.bits = 64, .max_distance = 0}, 2},
      {{.bits = 128, .max_distance = 6}, 8},
      {{.bits = 128, .max_distance = 3, .blocks = 9}, 5},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    const std::vector<Fingerprint128> v = planted(2000, c.params.bits, c.flips, seed++);
    const HammingIndex index = build(c.params, v);
    ASSERT_EQ(index.size(), v.size());
    std::vector<HammingMatch> got;
    std::vector<HammingPair> pairs;
    for (uint32_t k = 0; k <= c.params.max_distance; ++k) {
      const std::vector<HammingPair> want = brute_pairs(v, k);
      for (unsigned threads : {1u, 3u}) {
        ASSERT_TRUE(index.all_pairs(k, pairs, threads).ok());
        ASSERT_EQ(pairs, want) << "bits " << c.params.bits << " blocks " << index.params().blocks
                               << " k " << k << " threads " << threads;
      }
      if (k == c.params.max_distance) {
        EXPECT_GT(want.size(), v.size() / 10);  // the planted pairs are there
      }
      for (std::size_t i = 0; i < v.size(); i += 7) {
        ASSERT_TRUE(index.query(v[i], k, got).ok());
        ASSERT_EQ(got, brute_query(v, v[i], k)) << "k " << k << " query " << i;
      }
      // Queries that are not in the index.
      const std::vector<Fingerprint128> probes = planted(50, c.params.bits, c.flips, seed + 1000);
      for (const Fingerprint128& q : probes) {
        ASSERT_TRUE(index.query(q, k, got).ok());
        ASSERT_EQ(got, brute_query(v, q, k));
      }
    }
  }
}

TEST(HammingIndexTest, RejectsDistanceAboveMaximumAndWideFingerprintsOn64Bits) {
  Result<HammingIndex> index = HammingIndex::create({.bits = 64, .max_distance = 3});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->add(Fingerprint128{1, 2}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index->size(), 0u);
  ASSERT_TRUE(index->add(uint64_t{42}).ok());
  std::vector<HammingMatch> out{{9, 9}};
  EXPECT_EQ(index->query(uint64_t{42}, 4, out).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(out.empty());
  std::vector<HammingPair> pairs;
  EXPECT_EQ(index->all_pairs(4, pairs).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(index->query(uint64_t{43}, 1, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (HammingMatch{0, 1}));
  EXPECT_EQ(index->fingerprint(0), (Fingerprint128{42, 0}));
}

TEST(HammingIndexTest, IdsFollowInsertionOrderAndCopiesAreAllFound) {
  Result<HammingIndex> index = HammingIndex::create({.bits = 64, .max_distance = 2});
  ASSERT_TRUE(index.ok());
  for (uint32_t i = 0; i < 100; ++i) {
    Result<uint32_t> id = index->add(uint64_t{0xABCDEF});
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, i);
  }
  std::vector<HammingPair> pairs;
  ASSERT_TRUE(index->all_pairs(0, pairs).ok());
  EXPECT_EQ(pairs.size(), 100u * 99u / 2u);  // each pair once, although it shares every table
}

TEST(HammingIndexTest, ConcurrentQueriesWithOneWriterSeeConsistentResults) {
  const std::vector<Fingerprint128> v = planted(4000, 64, 3, 77);
  Result<HammingIndex> created = HammingIndex::create({.bits = 64, .max_distance = 3});
  ASSERT_TRUE(created.ok());
  HammingIndex& index = *created;
  for (std::size_t i = 0; i < 1000; ++i) ASSERT_TRUE(index.add(v[i]).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      std::vector<HammingMatch> got;
      std::size_t i = static_cast<std::size_t>(r);
      while (!done.load()) {
        // v[i % 1000] was added before the readers started, so it always finds itself.
        const Fingerprint128& q = v[i % 1000];
        if (!index.query(q, 3, got).ok() || got.empty() || got[0].distance != 0) ++bad;
        for (const HammingMatch& m : got) {
          if (m.distance > 3 || hamming(index.fingerprint(m.id), q) != m.distance) ++bad;
        }
        i += 3;
      }
    });
  }
  for (std::size_t i = 1000; i < v.size(); ++i) ASSERT_TRUE(index.add(v[i]).ok());
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  std::vector<HammingPair> pairs;
  ASSERT_TRUE(index.all_pairs(3, pairs, 2).ok());
  EXPECT_EQ(pairs, brute_pairs(v, 3));
}

TEST(HammingIndexTest, SaveLoadRoundTripKeepsParamsFingerprintsAndAnswers) {
  for (uint32_t bits : {64u, 128u}) {
    const std::vector<Fingerprint128> v = planted(500, bits, 4, bits);
    const HammingIndex index = build({.bits = bits, .max_distance = 4, .blocks = 6}, v);
    const auto dir = fixtures::temp_dir("hamming_roundtrip_" + std::to_string(bits));
    const std::string path = (dir / "fp.ndh").string();
    ASSERT_TRUE(index.save(path).ok());
    Result<HammingIndex> loaded = HammingIndex::load(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
    EXPECT_EQ(loaded->size(), v.size());
    EXPECT_EQ(loaded->params().bits, bits);
    EXPECT_EQ(loaded->params().max_distance, 4u);
    EXPECT_EQ(loaded->params().blocks, 6u);
    EXPECT_EQ(loaded->tables(), 15u);
    for (uint32_t i = 0; i < v.size(); ++i) ASSERT_EQ(loaded->fingerprint(i), v[i]);
    std::vector<HammingPair> a, b;
    ASSERT_TRUE(index.all_pairs(4, a).ok());
    ASSERT_TRUE(loaded->all_pairs(4, b).ok());
    EXPECT_EQ(a, b);
    // Deterministic bytes: serialize(load(save(x))) == serialize(x).
    EXPECT_EQ(loaded->serialize(), index.serialize());
    EXPECT_EQ(fixtures::read_file(path), index.serialize());
  }
}

TEST(HammingIndexTest, EmptyIndexRoundTrips) {
  Result<HammingIndex> index = HammingIndex::create({});
  ASSERT_TRUE(index.ok());
  Result<HammingIndex> again = HammingIndex::deserialize(index->serialize(), "mem");
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->size(), 0u);
  std::vector<HammingPair> pairs{{1, 2, 3}};
  ASSERT_TRUE(again->all_pairs(3, pairs).ok());
  EXPECT_TRUE(pairs.empty());
}

TEST(HammingIndexTest, GoldenFileHeader) {
  Result<HammingIndex> index = HammingIndex::create({.bits = 64, .max_distance = 3, .blocks = 4});
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(index->add(uint64_t{0x0123456789ABCDEF}).ok());
  const std::string bytes = index->serialize();
  ASSERT_EQ(bytes.size(), 64u + 16u + 24u + 16u + 16u + 8u);
  EXPECT_EQ(bytes.substr(0, 8), "NDUPHAMM");
  EXPECT_EQ(bytes[8], 1);    // version
  EXPECT_EQ(bytes[12], 2);   // kind
  EXPECT_EQ(bytes[16], 64);  // bits
  EXPECT_EQ(bytes[20], 3);   // max distance
  EXPECT_EQ(bytes[24], 4);   // blocks
  EXPECT_EQ(bytes[28], 4);   // tables
  EXPECT_EQ(bytes[40], 1);   // count
  // The fingerprint, little-endian, at the end of the payload.
  EXPECT_EQ(bytes.substr(bytes.size() - 8), std::string("\xEF\xCD\xAB\x89\x67\x45\x23\x01", 8));
}

TEST(HammingIndexTest, RejectsTruncatedCorruptAndWrongVersionFiles) {
  const std::vector<Fingerprint128> v = planted(20, 128, 3, 5);
  const HammingIndex index = build({.bits = 128, .max_distance = 3}, v);
  const std::string good = index.serialize();
  ASSERT_TRUE(HammingIndex::deserialize(good, "good").ok());

  // Every proper prefix is rejected as corrupt (never a crash, never a partial index).
  for (std::size_t len = 0; len < good.size(); ++len) {
    Result<HammingIndex> r = HammingIndex::deserialize(good.substr(0, len), "cut");
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData) << len;
  }
  // Every single flipped byte is detected.
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    Result<HammingIndex> r = HammingIndex::deserialize(bad, "flip");
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_TRUE(r.status().code() == StatusCode::kCorruptData ||
                r.status().code() == StatusCode::kUnsupportedVersion)
        << i;
  }
  std::string wrong_version = good;
  wrong_version[8] = 2;
  Result<HammingIndex> r = HammingIndex::deserialize(wrong_version, "v2");
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupportedVersion);
  EXPECT_NE(r.status().message().find("version 2"), std::string::npos);

  r = HammingIndex::deserialize(good + std::string(8, '\0'), "long");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptData);
  EXPECT_NE(r.status().message().find("unexpected bytes"), std::string::npos);

  std::string flipped_payload = good;
  flipped_payload[good.size() - 3] ^= 1;
  r = HammingIndex::deserialize(flipped_payload, "sum");
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos);

  r = HammingIndex::deserialize("NDUPINDX" + good.substr(8), "minhash");
  EXPECT_NE(r.status().message().find("bad magic"), std::string::npos);

  r = HammingIndex::load("/nonexistent/dir/x.ndh");
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace neardup

// Bounded-memory clustering (advanced/spill.h): the external merge sort, the spilled string
// table, and the spilling clusterers, which must give exactly the in-memory clusterers' answers
// for any memory budget, batch size and thread count.
#include "neardup/advanced/spill.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "neardup/advanced/parallel.h"
#include "spill/external_sort.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

std::string words(int first, int last) { return fixtures::numbered_words(first, last, "w"); }

struct U64Less {
  bool operator()(uint64_t a, uint64_t b) const noexcept { return a < b; }
};

std::string temp_dir() { return fixtures::temp_dir("spill_test").string(); }

std::size_t entries_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

TEST(ExternalSorter, SortsWithManyRunsAndMergePasses) {
  const std::string dir = temp_dir();
  std::mt19937_64 rng(11);
  std::vector<uint64_t> values(200000);
  for (auto& v : values) v = rng() % 50000;  // many equal values
  for (std::size_t buffer : {std::size_t{8} << 10, std::size_t{1} << 20, std::size_t{64} << 20}) {
    for (std::size_t merge : {std::size_t{128} << 10, std::size_t{16} << 20}) {
      uint64_t bytes = 0, runs = 0, passes = 0;
      spill::ExternalSorter<uint64_t, U64Less> sorter(dir, buffer, &bytes, &runs, &passes);
      for (uint64_t v : values) ASSERT_TRUE(sorter.add(v).ok());
      ASSERT_TRUE(sorter.finish(merge).ok());
      std::vector<uint64_t> got;
      uint64_t v = 0;
      while (sorter.next(v)) got.push_back(v);
      ASSERT_TRUE(sorter.status().ok());
      std::vector<uint64_t> want = values;
      std::sort(want.begin(), want.end());
      ASSERT_EQ(got, want) << "buffer " << buffer << " merge " << merge;
      // 8 KiB holds 1024 values: 196 runs, merged two-at-a-time (128 KiB / 64 KiB) in passes.
      if (buffer == (std::size_t{8} << 10)) {
        EXPECT_EQ(runs, 196u);
        EXPECT_GE(bytes, values.size() * sizeof(uint64_t));
        if (merge == (std::size_t{128} << 10)) {
          EXPECT_GE(passes, 7u);  // ceil(log2(196)) - 1
        }
      }
      if (buffer == (std::size_t{64} << 20)) {  // fits: nothing written
        EXPECT_EQ(runs, 0u);
        EXPECT_EQ(bytes, 0u);
      }
    }
  }
  EXPECT_EQ(entries_in(dir), 0u);  // temporary files are unlinked at once
}

TEST(SpilledStrings, RoundTripsInOrderAndByNumber) {
  SpillOptions spill{.tmp_dir = temp_dir(), .memory_bytes = 1 << 20};
  Result<SpilledStrings> s = SpilledStrings::create(spill);
  ASSERT_TRUE(s.ok()) << s.status().message();
  std::vector<std::string> want;
  for (int i = 0; i < 5000; ++i) {
    want.push_back(i % 7 == 0 ? std::string()
                              : "id-" + std::to_string(i) +
                                    std::string(static_cast<std::size_t>(i % 13), 'x'));
  }
  want.push_back(std::string("b\xff\0c", 4));  // any bytes
  for (const auto& w : want) ASSERT_TRUE(s->append(w).ok());
  ASSERT_TRUE(s->seal().ok());
  ASSERT_EQ(s->size(), want.size());
  std::string got;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_TRUE(s->get(i, got).ok());
    ASSERT_EQ(got, want[i]) << i;
  }
  for (std::size_t i : {std::size_t{4999}, std::size_t{0}, std::size_t{2500}}) {
    ASSERT_TRUE(s->get(i, got).ok());
    EXPECT_EQ(got, want[i]);
  }
  EXPECT_EQ(s->get(want.size(), got).code(), StatusCode::kOutOfRange);
}

TEST(ParseByteSize, UnitsAndErrors) {
  EXPECT_EQ(*parse_byte_size("100000"), 100000u);
  EXPECT_EQ(*parse_byte_size("512K"), 512u << 10);
  EXPECT_EQ(*parse_byte_size("256M"), 256u << 20);
  EXPECT_EQ(*parse_byte_size("256MB"), 256u << 20);
  EXPECT_EQ(*parse_byte_size("256MiB"), 256u << 20);
  EXPECT_EQ(*parse_byte_size("1g"), uint64_t{1} << 30);
  EXPECT_EQ(*parse_byte_size("1.5G"), uint64_t{3} << 29);
  for (const char* bad : {"", "-5", "+5", "0", "G", "1X", "1 G", "nan", "inf", "1e30T", "M1"}) {
    EXPECT_FALSE(parse_byte_size(bad).ok()) << bad;
  }
}

TEST(SpillOptions, Validates) {
  EXPECT_TRUE((SpillOptions{.tmp_dir = temp_dir(), .memory_bytes = 64 << 10}).validate().ok());
  EXPECT_FALSE((SpillOptions{.tmp_dir = temp_dir(), .memory_bytes = 1000}).validate().ok());
  EXPECT_FALSE(
      (SpillOptions{.tmp_dir = "/nonexistent/dir", .memory_bytes = 1 << 20}).validate().ok());
  EXPECT_GT(available_memory_bytes(), 0u);
}

// A corpus with chains of near-duplicates, exact copies near and far, empty documents and copies
// of them: every case the in-memory clusterer treats specially.
std::vector<std::string> tricky_corpus(std::size_t families, std::size_t docs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> texts;
  for (std::size_t d = 0; d < docs; ++d) {
    const int base = static_cast<int>(rng() % families) * 1000;
    const int shift = static_cast<int>(rng() % 12);
    texts.push_back(words(base + shift, base + shift + 60 + static_cast<int>(rng() % 40)));
    if (d % 9 == 0) texts.push_back(texts.back());
    if (d % 17 == 0) texts.push_back("");
    if (d % 23 == 0 && d > 0) texts.push_back(texts[d / 2]);
    if (d % 31 == 0) texts.push_back("a b");  // too short for a word 5-shingle: no band keys
  }
  return texts;
}

std::vector<Assignment> in_memory(const std::vector<std::string>& texts, const NearDupOptions& o,
                                  std::span<const double> priority) {
  auto c = NearDupClusterer::create(o);
  NearDupClusterer::Scratch scratch;
  PreparedDoc doc;
  for (const auto& t : texts) {
    c->prepare(t, doc, scratch);
    c->add(doc);
  }
  return c->finish(priority);
}

TEST(SpillingNearDupClusterer, SameAssignmentsAsInMemory) {
  const std::vector<std::string> texts = tricky_corpus(60, 1500, 5);
  std::vector<double> lengths;
  for (const auto& t : texts) lengths.push_back(static_cast<double>(t.size()));
  const std::string dir = temp_dir();
  for (VerifyMode verify : {VerifyMode::kShingles, VerifyMode::kSignature}) {
    NearDupOptions o;
    o.similarity.threshold = 0.7;
    o.verify = verify;
    for (bool by_length : {false, true}) {
      const std::span<const double> priority =
          by_length ? std::span<const double>(lengths) : std::span<const double>();
      const std::vector<Assignment> want = in_memory(texts, o, priority);
      std::size_t merged = 0;
      for (std::size_t i = 0; i < want.size(); ++i) merged += want[i].cluster != i ? 1u : 0u;
      ASSERT_GT(merged, 300u);  // the corpus really has near-duplicates
      for (uint64_t budget : {uint64_t{64} << 10, uint64_t{1} << 20, uint64_t{1} << 30}) {
        for (unsigned threads : {1u, 3u}) {
          auto c = SpillingNearDupClusterer::create(o, {.tmp_dir = dir, .memory_bytes = budget});
          ASSERT_TRUE(c.ok()) << c.status().message();
          const ParallelRunner run = [threads](std::size_t n, const ParallelBody& body) {
            parallel_for(n, threads, body);
          };
          std::vector<NearDupClusterer::Scratch> scratch(threads);
          const std::size_t batch = threads == 1 ? 1 : 97;
          std::vector<PreparedDoc> prepared(batch);
          for (std::size_t b = 0; b < texts.size(); b += batch) {
            const std::size_t n = std::min(batch, texts.size() - b);
            run(n, [&](std::size_t i, unsigned w) {
              c->prepare(texts[b + i], prepared[i], scratch[w]);
            });
            ASSERT_TRUE(c->add_batch(std::span<const PreparedDoc>(prepared.data(), n), run).ok());
          }
          std::vector<Assignment> got;
          const Status st = c->finish(
              priority,
              [&](uint32_t doc, const Assignment& a) {
                EXPECT_EQ(doc, got.size());  // in document order
                got.push_back(a);
                return Status();
              },
              run);
          ASSERT_TRUE(st.ok()) << st.message();
          ASSERT_EQ(got.size(), want.size());
          for (std::size_t i = 0; i < want.size(); ++i) {
            ASSERT_EQ(got[i].cluster, want[i].cluster) << "doc " << i << " budget " << budget;
            ASSERT_EQ(got[i].representative, want[i].representative) << "doc " << i;
            ASSERT_EQ(got[i].similarity, want[i].similarity) << "doc " << i;
          }
          const SpillStats& ss = c->spill_stats();
          if (budget == (uint64_t{64} << 10)) {
            EXPECT_GT(ss.runs, 10u);  // the small budget really spilled, in many runs
            EXPECT_GT(ss.merge_passes, 0u);
          }
          if (budget == (uint64_t{1} << 30)) {
            EXPECT_EQ(ss.runs, 0u);
          }
          EXPECT_EQ(c->stats().documents, texts.size());
        }
      }
    }
  }
  EXPECT_EQ(entries_in(dir), 0u);
}

TEST(SpillingNearDupClusterer, RefusesRepresentativeLinkageAndTinyBudgets) {
  NearDupOptions o;
  o.linkage = Linkage::kRepresentative;
  EXPECT_EQ(SpillingNearDupClusterer::create(o, {.tmp_dir = temp_dir()}).status().code(),
            StatusCode::kInvalidArgument);
  // 100,000 documents need 800 KB of per-document arrays: more than a 64 KiB budget allows.
  auto c = SpillingNearDupClusterer::create(NearDupOptions{},
                                            {.tmp_dir = temp_dir(), .memory_bytes = 64 << 10});
  ASSERT_TRUE(c.ok());
  std::vector<PreparedDoc> docs(1000);
  NearDupClusterer::Scratch scratch;
  for (auto& d : docs) c->prepare("", d, scratch);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(c->add_batch(docs).ok());
  const Status st = c->finish({}, [](uint32_t, const Assignment&) { return Status(); });
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.message().find("100000 documents"), std::string::npos) << st.message();
}

TEST(SpillingNearDupClusterer, SinkErrorStopsFinish) {
  auto c = SpillingNearDupClusterer::create(NearDupOptions{}, {.tmp_dir = temp_dir()});
  ASSERT_TRUE(c.ok());
  PreparedDoc d;
  NearDupClusterer::Scratch scratch;
  c->prepare(words(0, 50), d, scratch);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->add_batch(std::span<const PreparedDoc>(&d, 1)).ok());
  int calls = 0;
  const Status st = c->finish({}, [&](uint32_t, const Assignment&) {
    ++calls;
    return calls == 2 ? Status::io_error("disk full") : Status();
  });
  EXPECT_EQ(st.message(), "disk full");
  EXPECT_EQ(calls, 2);
}

TEST(SpillingExactClusterer, SameAssignmentsAsInMemory) {
  const std::vector<std::string> texts = tricky_corpus(30, 3000, 9);
  ExactClusterer mem;
  ExactClusterer::Scratch ms;
  PreparedExact pe;
  std::vector<uint32_t> want;
  for (const auto& t : texts) {
    mem.prepare(t, pe, ms);
    want.push_back(mem.add(pe).cluster);
  }
  for (uint64_t budget : {uint64_t{64} << 10, uint64_t{1} << 30}) {
    auto c = SpillingExactClusterer::create({}, {.tmp_dir = temp_dir(), .memory_bytes = budget});
    ASSERT_TRUE(c.ok());
    ExactClusterer::Scratch scratch;
    std::vector<PreparedExact> batch(1);
    for (const auto& t : texts) {
      c->prepare(t, batch[0], scratch);
      ASSERT_TRUE(c->add_batch(batch).ok());
    }
    std::vector<uint32_t> got;
    ASSERT_TRUE(c->finish([&](uint32_t doc, const Assignment& a) {
                   EXPECT_EQ(doc, got.size());
                   EXPECT_EQ(a.representative, a.cluster);
                   got.push_back(a.cluster);
                   return Status();
                 }).ok());
    EXPECT_EQ(got, want);
    EXPECT_EQ(c->stats().clusters, mem.stats().clusters);
    EXPECT_EQ(c->stats().duplicates, mem.stats().duplicates);
    EXPECT_EQ(c->stats().empty, mem.stats().empty);
    if (budget == (uint64_t{64} << 10)) {
      EXPECT_GT(c->spill_stats().runs, 1u);
    }
  }
}

// A full temporary directory: a 256 KiB tmpfs (needs root; skipped otherwise). The error names
// the directory and says it is full; nothing is left in it.
TEST(SpillingNearDupClusterer, FullDiskIsAClearError) {
  const std::string dir = temp_dir() + "/tiny";
  std::filesystem::create_directories(dir);
  if (::geteuid() != 0 || ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "needs root to mount a small tmpfs";
  }
  Status st;
  {
    auto c = SpillingNearDupClusterer::create(NearDupOptions{},
                                              {.tmp_dir = dir, .memory_bytes = 64 << 10});
    ASSERT_TRUE(c.ok());
    NearDupClusterer::Scratch scratch;
    std::vector<PreparedDoc> docs(50);
    for (int round = 0; round < 200 && st.ok(); ++round) {
      for (std::size_t i = 0; i < docs.size(); ++i) {
        const int base = (round * 50 + static_cast<int>(i)) * 300;
        c->prepare(words(base, base + 200), docs[i], scratch);
      }
      st = c->add_batch(docs);
    }
    if (st.ok()) st = c->finish({}, [](uint32_t, const Assignment&) { return Status(); });
  }
  const std::size_t left = entries_in(dir);
  ::umount(dir.c_str());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find(dir), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("full"), std::string::npos) << st.message();
  EXPECT_EQ(left, 0u);
}

}  // namespace
}  // namespace neardup

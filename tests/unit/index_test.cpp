// NearDupIndex: add/query/add_if_new, the saved file (round trip, determinism, golden header,
// corrupt files), concurrency and memory per document. The `neardup index` CLI is in
// tests/cli/index_cli_test.cpp.
#include "neardup/advanced/index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "neardup/advanced/hash.h"
#include "support/expect_ok.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using fixtures::read_file;
using fixtures::temp_dir;
using fixtures::write_file;
// random_text(): words drawn from a 5000-word vocabulary, so two such texts share almost no
// 5-word shingle. near_copy(): the middle word replaced, about 5 of ~200 shingles change,
// J ~ 0.95.
using fixtures::near_copy;
using fixtures::random_text;

NearDupIndex make_index(IndexOptions o = {}) { return testing::expect_ok(NearDupIndex::create(o)); }

// The tiny index used by the golden and corrupt-file tests: two documents, 128 slots, with HTML
// entities kept as they are (the default before 0.2): the golden header pins that a file with
// the old default is written, byte for byte, as before.
NearDupIndex tiny_index() {
  IndexOptions o;
  o.similarity.pipeline.normalize.decode_html_entities = false;
  NearDupIndex index = make_index(o);
  EXPECT_TRUE(index.add("a", "the quick brown fox jumps over the lazy dog").ok());
  EXPECT_TRUE(index.add("b", "lorem ipsum dolor sit amet consectetur adipiscing elit").ok());
  return index;
}

void put_u64_at(std::string& bytes, std::size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}
// Recomputes the header checksum so that a deliberately inconsistent payload passes it.
void fix_checksum(std::string& bytes) {
  put_u64_at(bytes, 56, hash64(bytes.data() + 64, bytes.size() - 64, 0));
}

// Parses `bytes` as a saved index (deserialize(), the in-memory half of load()).
Status load_bytes(const std::string& bytes, const std::string& name) {
  Result<NearDupIndex> r = NearDupIndex::deserialize(bytes, name);
  return r.ok() ? Status() : r.status();
}

// The same through a file and load().
Status load_file(const std::string& bytes, const std::string& name) {
  static const fs::path dir = temp_dir("index_load");
  const fs::path p = dir / name;
  write_file(p, bytes);
  Result<NearDupIndex> r = NearDupIndex::load(p.string());
  return r.ok() ? Status() : r.status();
}

TEST(IndexTest, FindsNearCopiesAndNotUnrelatedDocuments) {
  NearDupIndex index = make_index();
  std::mt19937_64 rng(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    texts.push_back(random_text(rng, 200));
    ASSERT_TRUE(index.add("doc" + std::to_string(i), texts.back()).ok());
  }
  EXPECT_EQ(index.size(), 300u);
  for (int i = 0; i < 300; i += 7) {
    Result<std::vector<IndexMatch>> m = index.query(near_copy(texts[static_cast<std::size_t>(i)]));
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 1u) << i;
    EXPECT_EQ((*m)[0].id, "doc" + std::to_string(i));
    EXPECT_GE((*m)[0].similarity, 0.8);
    EXPECT_LT((*m)[0].similarity, 1.0);
  }
  for (int i = 0; i < 20; ++i) {
    Result<std::vector<IndexMatch>> m = index.query(random_text(rng, 200));
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m->empty());
  }
}

TEST(IndexTest, MatchesAreBestFirstWithTiesInAddOrderAndCapped) {
  NearDupIndex index = make_index();
  std::mt19937_64 rng(11);
  const std::string text = random_text(rng, 200);
  ASSERT_TRUE(index.add("near", near_copy(text)).ok());
  ASSERT_TRUE(index.add("x", text).ok());
  ASSERT_TRUE(index.add("y", text).ok());
  ASSERT_TRUE(index.add("other", random_text(rng, 200)).ok());
  Result<std::vector<IndexMatch>> m = index.query(text);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].id, "x");
  EXPECT_EQ((*m)[1].id, "y");
  EXPECT_EQ((*m)[2].id, "near");
  EXPECT_EQ((*m)[0].similarity, 1.0);
  EXPECT_EQ((*m)[1].similarity, 1.0);
  EXPECT_LT((*m)[2].similarity, 1.0);
  Result<std::vector<IndexMatch>> one = index.query(text, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id, "x");
  Result<std::vector<IndexMatch>> none = index.query(text, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(IndexTest, AddIfNewAddsOnlyDocumentsWithoutAMatch) {
  NearDupIndex index = make_index();
  std::mt19937_64 rng(3);
  const std::string a = random_text(rng, 150);
  Result<AddIfNewResult> r = index.add_if_new("a", a);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->added);
  r = index.add_if_new("a2", near_copy(a));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->added);
  EXPECT_EQ(r->match.id, "a");
  EXPECT_GE(r->match.similarity, 0.8);
  r = index.add_if_new("b", random_text(rng, 150));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->added);
  EXPECT_EQ(index.size(), 2u);
}

TEST(IndexTest, EmptyDocumentsAreStoredButMatchNothing) {
  NearDupIndex index = make_index();
  ASSERT_TRUE(index.add("empty", "").ok());
  ASSERT_TRUE(index.add("blank", "   ").ok());
  EXPECT_EQ(index.size(), 2u);
  Result<std::vector<IndexMatch>> m = index.query("");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->empty());
  Result<AddIfNewResult> r = index.add_if_new("again", "");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->added);
}

TEST(IndexTest, CreateRejectsInvalidOptions) {
  IndexOptions o;
  o.similarity.threshold = 0;
  EXPECT_EQ(NearDupIndex::create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.similarity.bands = 4;
  EXPECT_EQ(NearDupIndex::create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.similarity.bands = 20;
  o.similarity.rows = 20;  // 400 > 128 slots
  EXPECT_FALSE(NearDupIndex::create(o).ok());
}

TEST(IndexTest, SignatureApiAgreesWithTextApi) {
  NearDupIndex by_text = make_index();
  NearDupIndex by_sig = make_index();
  std::mt19937_64 rng(5);
  std::vector<uint32_t> sig(by_sig.num_perm());
  std::vector<uint32_t> wrong(by_sig.num_perm() + 1);
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text = random_text(rng, 100);
    ASSERT_TRUE(by_text.add(std::to_string(i), text).ok());
    ASSERT_TRUE(by_sig.sign(text, sig).ok());
    ASSERT_TRUE(by_sig.add_signature(std::to_string(i), sig).ok());
  }
  EXPECT_EQ(by_text.serialize(), by_sig.serialize());
  EXPECT_EQ(by_sig.sign(text, wrong).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(by_sig.add_signature("x", wrong).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(by_sig.query_signature(wrong).ok());
}

TEST(IndexTest, SaveLoadRoundTripGivesSameResultsAndIdenticalBytes) {
  IndexOptions o;
  o.similarity.threshold = 0.7;
  o.similarity.pipeline.shingle = {.kind = ShingleKind::kChar, .k = 7, .seed = 9};
  o.similarity.pipeline.normalize.decode_html_entities = false;  // not the default
  o.similarity.minhash.num_perm = 64;
  o.similarity.minhash.seed = 42;
  NearDupIndex index = make_index(o);
  std::mt19937_64 rng(13);
  std::vector<std::string> texts;
  for (int i = 0; i < 2500; ++i) {  // more than two signature chunks and several table growths
    texts.push_back(random_text(rng, 60));
    ASSERT_TRUE(index.add("id-" + std::to_string(i), texts.back()).ok());
  }
  const fs::path path = temp_dir("index_roundtrip") / "i.ndx";
  ASSERT_TRUE(index.save(path.string()).ok());
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  Result<NearDupIndex> loaded = NearDupIndex::load(path.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->size(), index.size());
  EXPECT_EQ(loaded->options().similarity.threshold, 0.7);
  EXPECT_EQ(loaded->options().similarity.pipeline.shingle.kind, ShingleKind::kChar);
  EXPECT_EQ(loaded->options().similarity.pipeline.shingle.k, 7u);
  EXPECT_FALSE(loaded->options().similarity.pipeline.normalize.decode_html_entities);
  EXPECT_EQ(loaded->lsh_params().bands, index.lsh_params().bands);
  for (int i = 0; i < 2500; i += 97) {
    const std::string q = near_copy(texts[static_cast<std::size_t>(i)]);
    Result<std::vector<IndexMatch>> a = index.query(q);
    Result<std::vector<IndexMatch>> b = loaded->query(q);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_FALSE(a->empty());
    ASSERT_EQ(a->size(), b->size());
    for (std::size_t j = 0; j < a->size(); ++j) {
      EXPECT_EQ((*a)[j].id, (*b)[j].id);
      EXPECT_EQ((*a)[j].similarity, (*b)[j].similarity);
    }
  }
  const fs::path again = path.parent_path() / "again.ndx";
  ASSERT_TRUE(loaded->save(again.string()).ok());
  EXPECT_EQ(read_file(path), read_file(again));
}

TEST(IndexTest, SameInputsGiveByteIdenticalFiles) {
  EXPECT_EQ(tiny_index().serialize(), tiny_index().serialize());
  NearDupIndex other = tiny_index();
  ASSERT_TRUE(other.add("c", "one more").ok());
  EXPECT_NE(tiny_index().serialize(), other.serialize());
}

// The header of the tiny index, pinned. Bytes 0-55 are the documented layout (magic "NDUPINDX",
// version 1, kind 1, 128 slots, 14 bands x 7 rows as for_recall(0.8, 128) picks, seed 1,
// 2 documents, payload size); bytes 56-63 are the XXH3 of the payload, which pins the payload
// layout and, through the stored signatures, the whole normalize/shingle/MinHash pipeline. If
// this test fails, saved indexes are no longer readable as before: bump kIndexFormatVersion (or
// fix the regression) and update the pin deliberately.
TEST(IndexTest, GoldenHeaderOfTinyIndex) {
  const std::string bytes = tiny_index().serialize();
  ASSERT_GE(bytes.size(), 64u);
  std::string hex;
  for (std::size_t i = 0; i < 64; ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(bytes[i]));
    hex += b;
  }
  EXPECT_EQ(hex,
            "4e445550494e4458"    // magic "NDUPINDX"
            "01000000"            // format version 1
            "01000000"            // kind 1 (MinHash, 32-bit signatures)
            "80000000"            // 128 slots
            "0e000000"            // 14 bands
            "07000000"            // 7 rows
            "00000000"            // reserved
            "0100000000000000"    // seed 1
            "0200000000000000"    // 2 documents
            "9804000000000000"    // 1176 payload bytes
            "83636c31ee27cacc");  // XXH3-64 of the payload
  EXPECT_EQ(bytes.size(), 64u + 1176u);
}

// An index saved with entities kept (the default before 0.2) keeps them after loading: a page
// is normalized as it was when the index was built, so re-fetched pages still match. A new
// index decodes them: a copy with encoded quotes matches the plain page.
TEST(IndexTest, OldDefaultFileStillKeepsEntitiesAndNewIndexesDecodeThem) {
  const std::string plain =
      "the minister said \"we will not raise taxes\" and the markets rose sharply on the news, "
      "while analysts said the outlook for the year remained uncertain at best";
  const std::string encoded =
      "the minister said &quot;we will not raise taxes&quot; and the markets rose sharply on "
      "the news, while analysts said the outlook for the year remained uncertain at best";
  Result<NearDupIndex> old = NearDupIndex::deserialize(tiny_index().serialize(), "old.ndx");
  ASSERT_TRUE(old.ok()) << old.status().to_string();
  EXPECT_FALSE(old->options().similarity.pipeline.normalize.decode_html_entities);
  ASSERT_TRUE(old->add("plain", plain).ok());
  Result<std::vector<IndexMatch>> in_old = old->query(encoded);
  ASSERT_TRUE(in_old.ok());
  for (const IndexMatch& m : *in_old) EXPECT_LT(m.similarity, 1.0);  // "quot" is a word there

  NearDupIndex fresh = make_index();
  EXPECT_TRUE(fresh.options().similarity.pipeline.normalize.decode_html_entities);
  ASSERT_TRUE(fresh.add("plain", plain).ok());
  Result<std::vector<IndexMatch>> in_new = fresh.query(encoded);
  ASSERT_TRUE(in_new.ok());
  ASSERT_EQ(in_new->size(), 1u);
  EXPECT_EQ(in_new->front().similarity, 1.0);
  Result<NearDupIndex> reloaded = NearDupIndex::deserialize(fresh.serialize(), "new.ndx");
  ASSERT_TRUE(reloaded.ok());
  EXPECT_TRUE(reloaded->options().similarity.pipeline.normalize.decode_html_entities);
}

TEST(IndexTest, TruncatedFileIsRejectedAtEveryLength) {
  const std::string bytes = tiny_index().serialize();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    Status st = load_bytes(bytes.substr(0, len), "t.ndx");
    ASSERT_EQ(st.code(), StatusCode::kCorruptData) << len << ": " << st.to_string();
    if (len >= 64) {
      EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();
    }
  }
  EXPECT_TRUE(load_bytes(bytes, "t.ndx").ok());
  EXPECT_TRUE(load_file(bytes, "t.ndx").ok());
  EXPECT_EQ(load_file(bytes.substr(0, bytes.size() - 1), "t.ndx").code(), StatusCode::kCorruptData);
  EXPECT_EQ(load_file("", "empty.ndx").code(), StatusCode::kCorruptData);
}

TEST(IndexTest, AnyFlippedByteIsRejected) {
  const std::string bytes = tiny_index().serialize();
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    Status st = load_bytes(bad, "f.ndx");
    ASSERT_FALSE(st.ok()) << "flipped byte " << at << " was not detected";
    if (at >= 8 && at < 12) {
      EXPECT_EQ(st.code(), StatusCode::kUnsupportedVersion);
    } else {
      EXPECT_EQ(st.code(), StatusCode::kCorruptData) << at << ": " << st.to_string();
    }
    if (at >= 64) {
      EXPECT_NE(st.message().find("checksum mismatch"), std::string::npos) << at;
    }
  }
}

TEST(IndexTest, WrongMagicAndVersionHaveDistinctErrors) {
  std::string bytes = tiny_index().serialize();
  std::string magic = bytes;
  magic[0] = 'X';
  Status st = load_file(magic, "m.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
  EXPECT_NE(st.message().find("not a neardup index"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("m.ndx"), std::string::npos) << st.message();
  EXPECT_NE(load_bytes("hello", "short.ndx").message().find("not a neardup index"),
            std::string::npos);
  std::string version = bytes;
  version[8] = 2;
  st = load_file(version, "v.ndx");
  EXPECT_EQ(st.code(), StatusCode::kUnsupportedVersion);
  EXPECT_NE(st.message().find("version 2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("version 1"), std::string::npos) << st.message();
  EXPECT_EQ(NearDupIndex::load("/nonexistent/dir/x.ndx").status().code(), StatusCode::kIoError);
}

TEST(IndexTest, AbsurdCountsAreRejectedBeforeAllocating) {
  const std::string bytes = tiny_index().serialize();
  // Header document count.
  std::string bad = bytes;
  put_u64_at(bad, 40, uint64_t{1} << 60);
  Status st = load_bytes(bad, "c1.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
  bad = bytes;
  put_u64_at(bad, 40, 3);
  st = load_bytes(bad, "c2.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
  EXPECT_NE(st.message().find("inconsistent counts"), std::string::npos) << st.message();
  // The options section is 16 + 64 bytes, so the ids section header starts at payload offset
  // 80 (file offset 144): {tag, 0, length}, then the id count at file offset 160.
  bad = bytes;
  put_u64_at(bad, 160, uint64_t{1} << 62);
  fix_checksum(bad);
  st = load_bytes(bad, "c3.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
  EXPECT_NE(st.message().find("inconsistent counts"), std::string::npos) << st.message();
  // An absurd section length.
  bad = bytes;
  put_u64_at(bad, 152, uint64_t{1} << 61);
  fix_checksum(bad);
  st = load_bytes(bad, "c4.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
  EXPECT_NE(st.message().find("inconsistent layout"), std::string::npos) << st.message();
  // A huge id length.
  bad = bytes;
  bad[168 + 3] = static_cast<char>(0x7F);
  fix_checksum(bad);
  st = load_bytes(bad, "c5.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
  EXPECT_NE(st.message().find("inconsistent counts"), std::string::npos) << st.message();
  // Trailing garbage.
  st = load_bytes(bytes + "xx", "c6.ndx");
  EXPECT_EQ(st.code(), StatusCode::kCorruptData);
}

TEST(IndexTest, EmptyIndexRoundTrips) {
  NearDupIndex index = make_index();
  const fs::path path = temp_dir("index_empty") / "e.ndx";
  ASSERT_TRUE(index.save(path.string()).ok());
  Result<NearDupIndex> loaded = NearDupIndex::load(path.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->size(), 0u);
  Result<std::vector<IndexMatch>> m = loaded->query("anything at all here");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->empty());
  EXPECT_EQ(loaded->serialize(), index.serialize());
}

TEST(IndexTest, SaveToUnwritablePathIsIoError) {
  EXPECT_EQ(tiny_index().save("/nonexistent/dir/x.ndx").code(), StatusCode::kIoError);
}

// Four threads query while one thread adds. Documents added before the threads start must
// always be found (adds never remove anything); documents being added are either not yet
// visible or found under their own id. Under ThreadSanitizer this also checks the locking.
TEST(IndexTest, ConcurrentQueriesWhileOneThreadAdds) {
  NearDupIndex index = make_index();
  std::mt19937_64 rng(21);
  std::vector<std::string> before, during;
  for (int i = 0; i < 200; ++i) before.push_back(random_text(rng, 80));
  for (int i = 0; i < 600; ++i) during.push_back(random_text(rng, 80));
  for (std::size_t i = 0; i < before.size(); ++i) {
    ASSERT_TRUE(index.add("b" + std::to_string(i), before[i]).ok());
  }
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0}, found_during{0}, queries{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      std::size_t i = static_cast<std::size_t>(t);
      // At least one full pass, then until the writer is done.
      for (int pass = 0; pass < 2 || !done.load(); ++pass) {
        const std::size_t b = i % before.size(), d = i % during.size();
        Result<std::vector<IndexMatch>> m = index.query(before[b], 2);
        if (!m.ok() || m->empty() || (*m)[0].id != "b" + std::to_string(b)) ++wrong;
        m = index.query(during[d], 2);
        if (!m.ok()) {
          ++wrong;
        } else if (!m->empty()) {
          if ((*m)[0].id != "d" + std::to_string(d)) ++wrong;
          ++found_during;
        }
        ++queries;
        (void)index.size();
        i += 7;
      }
    });
  }
  for (std::size_t i = 0; i < during.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(index.add("d" + std::to_string(i), during[i]).ok());
    } else {
      Result<AddIfNewResult> r = index.add_if_new("d" + std::to_string(i), during[i]);
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(r->added);
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(queries.load(), 0);
  EXPECT_EQ(index.size(), before.size() + during.size());
  // Everything is visible after the writer finished.
  for (std::size_t i = 0; i < during.size(); i += 50) {
    Result<std::vector<IndexMatch>> m = index.query(during[i]);
    ASSERT_TRUE(m.ok());
    ASSERT_FALSE(m->empty());
    EXPECT_EQ((*m)[0].id, "d" + std::to_string(i));
  }
}

// The header promises <= 1 KiB per document at 128 slots (short ids). Signatures are random
// (add_signature), which costs the same memory as signed text and keeps the test fast.
TEST(IndexTest, MemoryPerDocumentIsBelowOneKiB) {
  NearDupIndex index = make_index();
  std::mt19937_64 rng(99);
  std::vector<uint32_t> sig(index.num_perm());
  constexpr std::size_t kDocs = 100000;
  for (std::size_t i = 0; i < kDocs; ++i) {
    for (auto& v : sig) v = static_cast<uint32_t>(rng());
    ASSERT_TRUE(index.add_signature("doc" + std::to_string(i), sig).ok());
  }
  ASSERT_EQ(index.size(), kDocs);
  const double per_doc = static_cast<double>(index.memory_bytes()) / static_cast<double>(kDocs);
  // 512 B of signature is the floor.
  EXPECT_GT(per_doc, 512.0);
  EXPECT_LE(per_doc, 1024.0) << per_doc;
  std::printf("[ memory ] %.0f bytes/doc at %zu docs, 128 slots, %u bands\n", per_doc, kDocs,
              index.lsh_params().bands);
}

}  // namespace
}  // namespace neardup

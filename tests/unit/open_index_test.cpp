// open_index (open_index.h): one loader for both index kinds, chosen by the file's magic, whose
// errors are those of the loader the file was meant for (what Deduplicator::load and `neardup
// index add|query` report).
#include "neardup/advanced/open_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <variant>

#include "neardup/advanced/hamming_index.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using fixtures::read_file;
using fixtures::temp_dir;
using fixtures::write_file;

constexpr const char* kTexts[] = {
    "the quick brown fox jumps over the lazy dog near the river bank today",
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor",
    ""};  // an empty document too

NearDupIndex minhash_index() {
  Result<NearDupIndex> r = NearDupIndex::create({});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r->add("m" + std::to_string(i), kTexts[i]).ok());
  return std::move(r.value());
}

SimHashIndex simhash_index() {
  Result<SimHashIndex> r = SimHashIndex::create({});
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r->add("s" + std::to_string(i), kTexts[i]).ok());
  return std::move(r.value());
}

Status open_status(const fs::path& path) {
  Result<AnyIndex> r = open_index(path.string());
  return r.ok() ? Status() : r.status();
}

void expect_error(const Status& st, StatusCode code, const fs::path& path,
                  const std::string& what) {
  EXPECT_EQ(st.code(), code) << st.to_string();
  EXPECT_EQ(st.message().rfind(path.string() + ": ", 0), 0u) << st.message();  // path first
  EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
}

TEST(OpenIndexTest, OpensAMinHashIndexAsSaved) {
  const fs::path path = temp_dir("open_index_minhash") / "i.ndx";
  const NearDupIndex saved = minhash_index();
  ASSERT_TRUE(saved.save(path.string()).ok());
  Result<AnyIndex> r = open_index(path.string());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(index_kind(*r), IndexKind::kMinHash);
  const NearDupIndex* index = std::get_if<NearDupIndex>(&*r);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->size(), 3u);
  EXPECT_EQ(index->serialize(), read_file(path));  // every option and document came back
  Result<std::vector<IndexMatch>> m = index->query(kTexts[0]);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ(m->front().id, "m0");
}

TEST(OpenIndexTest, OpensASimHashIndexAsSaved) {
  const fs::path path = temp_dir("open_index_simhash") / "i.nds";
  SimHashIndexOptions o;
  o.simhash.bits = 128;
  o.max_distance = 5;
  Result<SimHashIndex> saved = SimHashIndex::create(o);
  ASSERT_TRUE(saved.ok());
  ASSERT_TRUE(saved->add("s0", kTexts[0]).ok());
  ASSERT_TRUE(saved->add("s1", kTexts[1]).ok());
  ASSERT_TRUE(saved->save(path.string()).ok());
  Result<AnyIndex> r = open_index(path.string());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(index_kind(*r), IndexKind::kSimHash);
  const SimHashIndex* index = std::get_if<SimHashIndex>(&*r);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->bits(), 128u);
  EXPECT_EQ(index->options().max_distance, 5u);
  EXPECT_EQ(index->serialize(), read_file(path));
  Result<std::vector<IndexMatch>> m = index->query(kTexts[1]);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ(m->front().id, "s1");
}

TEST(OpenIndexTest, UnknownMagicIsRejectedByName) {
  const fs::path dir = temp_dir("open_index_magic");
  std::string bytes = minhash_index().serialize();
  bytes.replace(0, 8, "NDUPZZZZ");
  write_file(dir / "zzzz.ndx", bytes);
  expect_error(open_status(dir / "zzzz.ndx"), StatusCode::kCorruptData, dir / "zzzz.ndx",
               "not a neardup index (unknown magic)");
  write_file(dir / "text.ndx", "{\"id\": 1, \"text\": \"a JSON line, not an index\"}\n");
  expect_error(open_status(dir / "text.ndx"), StatusCode::kCorruptData, dir / "text.ndx",
               "not a neardup index (unknown magic)");
  // A bare HammingIndex file (fingerprints without ids) is named as such.
  Result<HammingIndex> h = HammingIndex::create({});
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->add(Fingerprint64{42}).ok());
  write_file(dir / "bare.nds", h->serialize());
  expect_error(open_status(dir / "bare.nds"), StatusCode::kCorruptData, dir / "bare.nds",
               "not a neardup index (a bare Hamming index");
  // Shorter than a magic and no prefix of one: the MinHash loader's message.
  write_file(dir / "short", "hello");
  expect_error(open_status(dir / "short"), StatusCode::kCorruptData, dir / "short",
               "not a neardup index (bad magic)");
}

// Each damaged file gets exactly the status of the loader of its kind.
TEST(OpenIndexTest, TruncatedFilesGetTheirKindsMessages) {
  const fs::path dir = temp_dir("open_index_truncated");
  const std::string minhash = minhash_index().serialize();
  const std::string simhash = simhash_index().serialize();
  struct Case {
    std::string name, bytes;
    bool is_simhash;
    const char* what;
  };
  const Case cases[] = {
      {"minhash_payload", minhash.substr(0, minhash.size() - 8), false, "truncated: the header"},
      {"minhash_header", minhash.substr(0, 40), false, "truncated: 40 bytes"},
      {"minhash_magic", minhash.substr(0, 6), false, "truncated: 6 bytes"},
      {"ndup", minhash.substr(0, 4), false, "truncated: 4 bytes"},  // either kind: MinHash's
      {"simhash_payload", simhash.substr(0, simhash.size() - 3), true, "truncated: the header"},
      {"simhash_header", simhash.substr(0, 63), true, "truncated: 63 bytes"},
      {"simhash_magic", simhash.substr(0, 6), true, "truncated: 6 bytes"},
  };
  for (const Case& c : cases) {
    const fs::path path = dir / c.name;
    write_file(path, c.bytes);
    const Status st = open_status(path);
    expect_error(st, StatusCode::kCorruptData, path, c.what);
    const Status own = c.is_simhash ? SimHashIndex::load(path.string()).status()
                                    : NearDupIndex::load(path.string()).status();
    EXPECT_EQ(st.to_string(), own.to_string()) << c.name;
  }
}

TEST(OpenIndexTest, EmptyFileIsNotAnIndex) {
  const fs::path path = temp_dir("open_index_empty") / "empty.ndx";
  write_file(path, "");
  expect_error(open_status(path), StatusCode::kCorruptData, path,
               "empty file, not a neardup index");
}

TEST(OpenIndexTest, DirectoriesAndMissingFilesAreIoErrors) {
  const fs::path dir = temp_dir("open_index_dir");
  expect_error(open_status(dir), StatusCode::kIoError, dir, "not a regular file");
  expect_error(open_status(dir / "missing.ndx"), StatusCode::kIoError, dir / "missing.ndx",
               "cannot open");
}

TEST(OpenIndexTest, CorruptPayloadsKeepTheirKindsMessages) {
  const fs::path dir = temp_dir("open_index_corrupt");
  std::string minhash = minhash_index().serialize();
  std::string simhash = simhash_index().serialize();
  minhash[minhash.size() - 20] ^= 1;
  simhash[simhash.size() - 20] ^= 1;
  write_file(dir / "m", minhash);
  write_file(dir / "s", simhash);
  expect_error(open_status(dir / "m"), StatusCode::kCorruptData, dir / "m", "checksum mismatch");
  expect_error(open_status(dir / "s"), StatusCode::kCorruptData, dir / "s", "checksum mismatch");
  std::string v2 = simhash_index().serialize();
  v2[8] = 2;
  write_file(dir / "v2", v2);
  expect_error(open_status(dir / "v2"), StatusCode::kUnsupportedVersion, dir / "v2",
               "SimHash index format version 2");
}

}  // namespace
}  // namespace neardup

// Sketch files (advanced/stages.h): round trip, and a damaged file is an error, never a crash
// or a silently different record.
#include "neardup/advanced/stages.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/fixtures.h"

namespace neardup {
namespace {

std::vector<SketchRecord> sample_records(const SketchFileInfo& info) {
  auto c = SpillingNearDupClusterer::create(info.near,
                                            SpillOptions{.tmp_dir = "", .memory_bytes = 1 << 20});
  EXPECT_TRUE(c.ok());
  NearDupClusterer::Scratch scratch;
  PreparedDoc prepared;
  std::vector<SketchRecord> out;
  for (const std::string& text : {fixtures::random_text(1, 60), std::string(), std::string("a b"),
                                  fixtures::random_text(2, 30)}) {
    SketchRecord r;
    r.id = "doc-" + std::to_string(out.size()) + std::string(out.size(), '\xff');
    c->prepare(text, prepared, scratch);
    c->sketch(prepared, r.doc);
    r.empty = text.empty();
    out.push_back(r);
  }
  return out;
}

std::vector<SketchRecord> read_all(const std::string& path, Status& status) {
  std::vector<SketchRecord> out;
  Result<SketchReader> r = SketchReader::open(path);
  if (!r.ok()) {
    status = r.status();
    return out;
  }
  for (;;) {
    SketchRecord rec;
    Result<bool> more = r->next(rec);
    if (!more.ok()) {
      status = more.status();
      return out;
    }
    if (!*more) break;
    out.push_back(rec);
  }
  status = Status();
  return out;
}

bool same(const SketchRecord& a, const SketchRecord& b) {
  return a.id == b.id && a.empty == b.empty && a.doc.exact_key == b.doc.exact_key &&
         a.doc.text_bytes == b.doc.text_bytes && a.doc.band_keys == b.doc.band_keys &&
         a.doc.set == b.doc.set && a.doc.signature32 == b.doc.signature32;
}

TEST(SketchFile, RoundTripsAndRefusesEveryDamagedPayloadByte) {
  const auto dir = fixtures::temp_dir("sketch_file");
  for (VerifyMode verify : {VerifyMode::kShingles, VerifyMode::kSignature}) {
    SketchFileInfo info;
    info.shard = 1;
    info.shards = 3;
    info.near.verify = verify;
    info.near.similarity.threshold = 0.7;
    const std::vector<SketchRecord> records = sample_records(info);
    const std::string path = (dir / "s.nds").string();
    std::filesystem::remove(path);
    {
      Result<SketchWriter> w = SketchWriter::create(path, info);
      ASSERT_TRUE(w.ok()) << w.status().message();
      for (const auto& r : records) ASSERT_TRUE(w->add(r).ok());
      EXPECT_FALSE(std::filesystem::exists(path));  // not before close()
      ASSERT_TRUE(w->close().ok());
    }
    Status st;
    const std::vector<SketchRecord> back = read_all(path, st);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_EQ(back.size(), records.size());
    for (std::size_t i = 0; i < back.size(); ++i) EXPECT_TRUE(same(back[i], records[i])) << i;
    Result<SketchReader> r = SketchReader::open(path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->info().shard, 1u);
    EXPECT_EQ(r->info().shards, 3u);
    EXPECT_EQ(r->info().documents, records.size());
    EXPECT_TRUE(same_sketch_options(r->info(), info));
    SketchFileInfo other = info;
    other.near.similarity.threshold = 0.8;
    EXPECT_FALSE(same_sketch_options(r->info(), other));

    const std::string good = fixtures::read_file(path);
    const std::string bad_path = (dir / "bad.nds").string();
    // Every byte of the header and options, then every 29th byte of the records.
    for (std::size_t i = 0; i < good.size(); i += i < 128 ? 1 : 29) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(bytes[i] ^ 0x01);
      fixtures::write_file(bad_path, bytes);
      const std::vector<SketchRecord> got = read_all(bad_path, st);
      if (i >= 64) {
        EXPECT_FALSE(st.ok()) << "payload byte " << i;  // the checksum covers every one
      } else if (st.ok()) {
        // A header field that still reads as valid (the shard number) changes only the info.
        ASSERT_EQ(got.size(), records.size()) << "header byte " << i;
        for (std::size_t k = 0; k < got.size(); ++k) EXPECT_TRUE(same(got[k], records[k]));
      }
    }
    for (std::size_t len : {std::size_t{0}, std::size_t{10}, std::size_t{64}, good.size() - 1}) {
      fixtures::write_file(bad_path, good.substr(0, len));
      read_all(bad_path, st);
      EXPECT_EQ(st.code(), StatusCode::kCorruptData) << len << ": " << st.message();
    }
  }
}

// A record whose lengths (id bytes, shingle-set words) exceed what is left of the payload is
// refused before anything is allocated for it. Found by fuzz/fuzz_sketch_reader.cpp: a 1 KiB file
// whose record claimed 2^31 shingle words made the reader allocate 16 GiB (input in
// fuzz/corpus/sketch_reader/crash-record-length-past-payload). The lengths used here are small
// enough that the reader before the fix allocated them and failed later, with another message.
TEST(SketchFile, RecordLengthsPastThePayloadAreRefusedBeforeAllocating) {
  const auto dir = fixtures::temp_dir("sketch_file_lengths");
  SketchFileInfo info;
  info.near.verify = VerifyMode::kShingles;
  const std::vector<SketchRecord> records = sample_records(info);
  const std::string path = (dir / "s.nds").string();
  {
    Result<SketchWriter> w = SketchWriter::create(path, info);
    ASSERT_TRUE(w.ok()) << w.status().message();
    for (const auto& r : records) ASSERT_TRUE(w->add(r).ok());
    ASSERT_TRUE(w->close().ok());
  }
  const std::string good = fixtures::read_file(path);
  constexpr std::size_t kFirstRecord = 64 + 64;  // header, options
  // (offset in the record head, value): the id's length, then the shingle set's word count.
  for (const auto& [offset, value] :
       {std::pair<std::size_t, uint32_t>{0, 1u << 26}, {36, 1u << 23}}) {
    std::string bytes = good;
    for (int i = 0; i < 4; ++i) {
      bytes[kFirstRecord + offset + static_cast<std::size_t>(i)] =
          static_cast<char>((value >> (8 * i)) & 0xFF);
    }
    const std::string bad = (dir / "bad.nds").string();
    fixtures::write_file(bad, bytes);
    Status st;
    read_all(bad, st);
    EXPECT_EQ(st.code(), StatusCode::kCorruptData) << offset;
    EXPECT_NE(st.message().find("record 1 claims"), std::string::npos) << st.message();
  }
}

TEST(SketchFile, WriterWithoutCloseLeavesNothing) {
  const auto dir = fixtures::temp_dir("sketch_file_abandoned");
  const std::string path = (dir / "s.nds").string();
  fixtures::write_file(path, "previous");
  {
    Result<SketchWriter> w = SketchWriter::create(path, SketchFileInfo{});
    ASSERT_TRUE(w.ok());
  }
  EXPECT_EQ(fixtures::read_file(path), "previous");
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_FALSE(
      SketchWriter::create(
          path,
          SketchFileInfo{
              .mode = SketchMode::kNear, .shard = 2, .shards = 2, .near = {}, .documents = 0})
          .ok());
}

}  // namespace
}  // namespace neardup

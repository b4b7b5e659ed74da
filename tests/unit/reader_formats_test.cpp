// Inputs are what they claim to be: xz and bzip2 decompression, binary files refused (or skipped
// and counted), and a directory of shards read record by record with collision-free ids.
#include <bzlib.h>
#include <gtest/gtest.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "neardup/advanced/reader.h"
#include "test_util.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using testing::temp_dir;
using testing::write_file;

std::string xz(const std::string& data) {
  std::string out(lzma_stream_buffer_bound(data.size()), '\0');
  std::size_t pos = 0;
  const lzma_ret r = lzma_easy_buffer_encode(
      6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(data.data()), data.size(),
      reinterpret_cast<uint8_t*>(out.data()), &pos, out.size());
  EXPECT_EQ(r, LZMA_OK);
  out.resize(pos);
  return out;
}

std::string bzip2(const std::string& data) {
  auto len = static_cast<unsigned>(data.size() + data.size() / 100 + 600);
  std::string out(len, '\0');
  std::string in = data;
  const int r = BZ2_bzBuffToBuffCompress(out.data(), &len, in.data(),
                                         static_cast<unsigned>(in.size()), 9, 0, 0);
  EXPECT_EQ(r, BZ_OK);
  out.resize(len);
  return out;
}

std::string gzip(const std::string& data) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, data.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_EQ(ZSTD_isError(n), 0u);
  out.resize(n);
  return out;
}

struct Read {
  Status status;
  std::vector<Document> docs;
  ReaderStats stats;
  InputFormat format = InputFormat::kAuto;
};

Read read_path(const fs::path& path, ReaderOptions opt = {}) {
  Read r;
  Result<std::unique_ptr<DocumentReader>> reader = DocumentReader::open(path.string(), opt);
  if (!reader.ok()) {
    r.status = reader.status();
    return r;
  }
  Document doc;
  for (;;) {
    Result<bool> more = (*reader)->next(doc);
    if (!more.ok()) {
      r.status = more.status();
      break;
    }
    if (!*more) break;
    r.docs.push_back(doc);
  }
  r.stats = (*reader)->stats();
  r.format = (*reader)->format();
  return r;
}

// Enough text that the compressed streams span several of the decoder's 256 KiB input chunks.
std::string corpus(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += R"({"id":"d)" + std::to_string(i) + R"(","text":"document number )" + std::to_string(i) +
         " with a body of words that " + std::to_string(i * 7919 % 10007) + " varies\"}\n";
  }
  return s;
}

void expect_corpus(const Read& r, int n) {
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; i += n / 7 + 1) {
    EXPECT_EQ(r.docs[static_cast<std::size_t>(i)].id, "d" + std::to_string(i));
  }
  EXPECT_EQ(r.docs.back().id, "d" + std::to_string(n - 1));
}

TEST(ReaderFormatsTest, XzAndBzip2AreDecompressedWholeAcrossChunksAndStreams) {
  const fs::path dir = temp_dir("fmt_xz_bz2");
  const std::string a = corpus(30000), b = corpus(5);
  write_file(dir / "c.jsonl.xz", xz(a));
  write_file(dir / "c.jsonl.bz2", bzip2(a));
  expect_corpus(read_path(dir / "c.jsonl.xz"), 30000);
  expect_corpus(read_path(dir / "c.jsonl.bz2"), 30000);
  // Concatenated streams (cat a.xz b.xz, pbzip2) decode to the concatenated text.
  write_file(dir / "two.xz", xz(a) + xz(b));
  write_file(dir / "two.bz2", bzip2(a) + bzip2(b));
  for (const char* name : {"two.xz", "two.bz2"}) {
    ReaderOptions o;
    o.format = InputFormat::kJsonl;
    const Read r = read_path(dir / name, o);
    ASSERT_TRUE(r.status.ok()) << name << ": " << r.status.message();
    EXPECT_EQ(r.docs.size(), 30005u) << name;
    EXPECT_EQ(r.docs.back().id, "d4") << name;
  }
  // By magic bytes, whatever the name.
  write_file(dir / "noext", xz(b));
  EXPECT_EQ(read_path(dir / "noext").docs.size(), 5u);
}

TEST(ReaderFormatsTest, TruncatedOrCorruptXzAndBzip2AreErrorsNeverShortData) {
  const fs::path dir = temp_dir("fmt_bad");
  const std::string a = corpus(20000);
  const std::string x = xz(a), z = bzip2(a);
  write_file(dir / "t.jsonl.xz", x.substr(0, x.size() / 2));
  write_file(dir / "t.jsonl.bz2", z.substr(0, z.size() / 2));
  for (const char* name : {"t.jsonl.xz", "t.jsonl.bz2"}) {
    const Read r = read_path(dir / name);
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData) << name;
    EXPECT_NE(r.status.message().find("truncated"), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find(name), std::string::npos) << r.status.message();
  }
  std::string xc = x, zc = z;
  xc[xc.size() / 2] = static_cast<char>(xc[xc.size() / 2] ^ 0x55);
  zc[zc.size() / 2] = static_cast<char>(zc[zc.size() / 2] ^ 0x55);
  write_file(dir / "c.jsonl.xz", xc);
  write_file(dir / "c.jsonl.bz2", zc);
  for (const char* name : {"c.jsonl.xz", "c.jsonl.bz2"}) {
    const Read r = read_path(dir / name);
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData) << name << ": " << r.status.message();
  }
  // A compression suffix without its magic bytes is not passed through as text.
  write_file(dir / "plain.xz", "{\"id\":\"a\",\"text\":\"x\"}\n");
  write_file(dir / "plain.bz2", "{\"id\":\"a\",\"text\":\"x\"}\n");
  EXPECT_EQ(read_path(dir / "plain.xz").status.message(),
            (dir / "plain.xz").string() + ": not an xz stream (bad magic bytes)");
  EXPECT_EQ(read_path(dir / "plain.bz2").status.message(),
            (dir / "plain.bz2").string() + ": not a bzip2 stream (bad magic bytes)");
  write_file(dir / "empty.xz", "");
  EXPECT_EQ(read_path(dir / "empty.xz").status.code(), StatusCode::kCorruptData);
}

TEST(ReaderFormatsTest, BinaryFilesAreRefusedWithWhatTheyAre) {
  const fs::path dir = temp_dir("fmt_binary");
  const std::string elf = std::string(
                              "\x7F"
                              "ELF\x02\x01\x01",
                              7) +
                          std::string(200, '\0');
  write_file(dir / "prog", elf);
  write_file(dir / "prog.gz", gzip(elf));  // binary inside a compressed file too
  write_file(dir / "u16.txt", std::string("\xFF\xFEh\0i\0", 6));
  write_file(dir / "img.png", std::string("\x89PNG\r\n\x1A\n", 8) + "IHDR");
  for (const char* name : {"prog", "prog.gz"}) {
    const Read r = read_path(dir / name);
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData);
    EXPECT_EQ(r.status.message(), (dir / name).string() +
                                      ": not a text file: an ELF executable or library "
                                      "(skip_bad / --skip-bad skips such files)");
  }
  EXPECT_NE(read_path(dir / "u16.txt").status.message().find("UTF-16"), std::string::npos);
  EXPECT_NE(read_path(dir / "img.png").status.message().find("a PNG image"), std::string::npos);
  // A NUL byte in the first 64 KiB, after some valid records.
  std::string text = corpus(3);
  text += std::string("{\"id\":\"x\",\"text\":\"a\0b\"}\n", 24);
  write_file(dir / "nul.jsonl", text);
  const Read r = read_path(dir / "nul.jsonl");
  EXPECT_EQ(r.status.code(), StatusCode::kCorruptData);
  EXPECT_NE(r.status.message().find("a NUL byte at offset " + std::to_string(text.find('\0'))),
            std::string::npos)
      << r.status.message();
  EXPECT_TRUE(r.docs.empty()) << "the whole first read is checked before any record";
  // A NUL past the first 64 KiB is not looked for: the record is read (and repaired later).
  std::string late = corpus(2000);
  ASSERT_GT(late.size(), std::size_t{64} << 10);
  late += std::string("{\"id\":\"x\",\"text\":\"a\0b\"}\n", 24);
  write_file(dir / "late.jsonl", late);
  EXPECT_TRUE(read_path(dir / "late.jsonl").status.ok());
}

TEST(ReaderFormatsTest, SkipBadSkipsAndCountsBinaryFiles) {
  const fs::path dir = temp_dir("fmt_binary_skip");
  write_file(dir / "prog", std::string("\x7F"
                                       "ELF",
                                       4) +
                               std::string(64, '\0'));
  ReaderOptions o;
  o.skip_bad = true;
  Read r = read_path(dir / "prog", o);
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(r.docs.empty());
  EXPECT_EQ(r.stats.skipped_files, 1u);
  // In a directory of documents, the binary file is skipped and the text files kept.
  const fs::path docs = temp_dir("fmt_binary_dir");
  write_file(docs / "a.txt", "alpha");
  write_file(docs / "b.bin", std::string("x\0y", 3));
  write_file(docs / "c.txt", "gamma");
  o.format = InputFormat::kDirectory;
  r = read_path(docs, o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "a.txt");
  EXPECT_EQ(r.docs[1].id, "c.txt");
  EXPECT_EQ(r.stats.skipped_files, 1u);
  o.skip_bad = false;
  r = read_path(docs, o);
  EXPECT_EQ(r.status.code(), StatusCode::kCorruptData);
  EXPECT_NE(r.status.message().find("b.bin: not a text file"), std::string::npos);
}

TEST(ReaderFormatsTest, DirectoryOfShardsIsReadRecordByRecordInSortedOrder) {
  const fs::path dir = temp_dir("fmt_shards");
  fs::create_directories(dir / "2026");
  write_file(dir / "part-0000.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\n{\"text\":\"no id\"}\n");
  write_file(dir / "part-0001.jsonl.zst", zstd("{\"id\":\"b\",\"text\":\"two\"}\n"));
  write_file(dir / "2026/part-0002.tsv.xz", xz("c\tthree\n"));
  write_file(dir / "part-0003.jsonl.bz2", bzip2("{\"text\":\"x\"}\n{\"text\":\"y\"}\n"));
  write_file(dir / "_SUCCESS", "");
  write_file(dir / ".part-0000.jsonl.crc", std::string("\x01\x02\0", 3));
  const Read r = read_path(dir);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.format, InputFormat::kShards);
  std::vector<std::string> ids, texts;
  for (const Document& d : r.docs) {
    ids.push_back(d.id);
    texts.push_back(d.text);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "a", "part-0000.jsonl:2", "b",
                                           "part-0003.jsonl.bz2:1", "part-0003.jsonl.bz2:2"}));
  EXPECT_EQ(texts, (std::vector<std::string>{"three", "one", "no id", "two", "x", "y"}));
  EXPECT_EQ(r.docs[0].source, (dir / "2026/part-0002.tsv.xz").string());
  EXPECT_EQ(r.docs[2].line, 2u);
  EXPECT_EQ(r.stats.files, 4u) << "shards counted, hidden files left out";
  EXPECT_EQ(r.stats.records, 6u);
  // --format dir still reads every file as one document.
  ReaderOptions o;
  o.format = InputFormat::kDirectory;
  o.skip_bad = true;  // the .crc file is binary
  const Read d = read_path(dir, o);
  ASSERT_TRUE(d.status.ok()) << d.status.message();
  EXPECT_EQ(d.format, InputFormat::kDirectory);
  EXPECT_EQ(d.docs.size(), 5u);
}

TEST(ReaderFormatsTest, MixedDirectoryAsksForAFormatAndFormatsParse) {
  const fs::path dir = temp_dir("fmt_mixed");
  write_file(dir / "a.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\n");
  write_file(dir / "notes.txt", "some notes");
  const Read r = read_path(dir);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find("a.jsonl"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("notes.txt"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("--format shards"), std::string::npos);
  ReaderOptions o;
  o.format = InputFormat::kShards;
  const Read s = read_path(dir, o);  // explicit: .txt is a shard of lines
  ASSERT_TRUE(s.status.ok()) << s.status.message();
  ASSERT_EQ(s.docs.size(), 2u);
  EXPECT_EQ(s.docs[1].id, "notes.txt:1");
  EXPECT_EQ(read_path(dir / "a.jsonl", o).status.code(), StatusCode::kIoError);  // not a dir
  // A directory of plain documents stays one document per file.
  const fs::path docs = temp_dir("fmt_docs");
  write_file(docs / "x.txt", "one");
  write_file(docs / "y.html", "<p>two</p>");
  EXPECT_EQ(read_path(docs).format, InputFormat::kDirectory);
  EXPECT_EQ(read_path(docs).docs.size(), 2u);
  ASSERT_TRUE(parse_input_format("shards").ok());
  EXPECT_EQ(*parse_input_format("shards"), InputFormat::kShards);
  EXPECT_EQ(input_format_name(InputFormat::kShards), "shards");
}

}  // namespace
}  // namespace neardup

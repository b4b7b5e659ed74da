#include "neardup/advanced/reader.h"

#include <bzlib.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using fixtures::temp_dir;
using fixtures::write_file;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::string gzip(const std::string& data) {
  z_stream s{};
  // 15 + 16: deflate window 2^15 with a gzip header and trailer.
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, static_cast<uLong>(data.size())) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string zstd(const std::string& data, bool checksum = true) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  EXPECT_FALSE(ZSTD_isError(n));
  ZSTD_freeCCtx(c);
  out.resize(n);
  return out;
}

struct ReadResult {
  Status status;  // the first error, or ok
  std::vector<Document> docs;
  ReaderStats stats;
  InputFormat format = InputFormat::kAuto;
  uint64_t input_size = 0;
  uint64_t input_consumed = 0;
};

ReadResult read_all(const fs::path& path, const ReaderOptions& opt = {}) {
  ReadResult r;
  auto reader = DocumentReader::open(path.string(), opt);
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
  r.input_size = (*reader)->input_size();
  r.input_consumed = (*reader)->input_consumed();
  return r;
}

ReaderOptions jsonl() {
  ReaderOptions o;
  o.format = InputFormat::kJsonl;
  return o;
}

Result<std::string> read_source(const std::string& path) {
  Result<std::unique_ptr<ByteSource>> src = ByteSource::open(path);
  if (!src.ok()) return src.status();
  std::string out;
  char buf[4096];
  for (;;) {
    Result<std::size_t> n = (*src)->read(buf, sizeof(buf));
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

// --- formats and options ----------------------------------------------------------------------

TEST(ReaderTest, ParseInputFormatAcceptsTheDocumentedNamesAndRoundTrips) {
  for (InputFormat f : {InputFormat::kAuto, InputFormat::kJsonl, InputFormat::kTsv,
                        InputFormat::kLines, InputFormat::kDirectory}) {
    Result<InputFormat> parsed = parse_input_format(input_format_name(f));
    ASSERT_TRUE(parsed.ok()) << input_format_name(f);
    EXPECT_EQ(*parsed, f);
  }
  EXPECT_EQ(input_format_name(InputFormat::kDirectory), "dir");
  Result<InputFormat> bad = parse_input_format("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(ReaderTest, OptionsValidateRejectsEmptyOrEqualFieldsAndZeroLimit) {
  EXPECT_TRUE(ReaderOptions{}.validate().ok());
  ReaderOptions o;
  o.text_field = "";
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
  o = {};
  o.id_field = "";
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
  o = {};
  o.id_field = "text";
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
  o = {};
  o.max_record_bytes = 0;
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
  auto dir = temp_dir("reader_opts");
  write_file(dir / "a.jsonl", "{\"text\":\"x\"}\n");
  EXPECT_EQ(read_all(dir / "a.jsonl", o).status.code(), StatusCode::kInvalidArgument);
}

// --- JSONL --------------------------------------------------------------------------------------

TEST(ReaderTest, JsonlReadsIdTextRawSourceAndLine) {
  auto dir = temp_dir("reader_jsonl_basic");
  const std::string l1 = R"({"id":"a","text":"hello world","extra":[1,{"x":null}]})";
  const std::string l2 = R"({"text":"second","id":"b"})";
  write_file(dir / "d.jsonl", l1 + "\n" + l2 + "\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.format, InputFormat::kJsonl);
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "a");
  EXPECT_EQ(r.docs[0].text, "hello world");
  EXPECT_EQ(r.docs[0].raw, l1);
  EXPECT_EQ(r.docs[0].source, (dir / "d.jsonl").string());
  EXPECT_EQ(r.docs[0].line, 1u);
  EXPECT_EQ(r.docs[1].id, "b");
  EXPECT_EQ(r.docs[1].text, "second");
  EXPECT_EQ(r.docs[1].line, 2u);
  EXPECT_EQ(r.stats.records, 2u);
  EXPECT_EQ(r.stats.files, 1u);
  EXPECT_EQ(r.stats.bytes, l1.size() + l2.size() + 2);
  EXPECT_EQ(r.input_size, l1.size() + l2.size() + 2);
  EXPECT_EQ(r.input_consumed, r.input_size);
}

TEST(ReaderTest, JsonlUsesCustomIdAndTextFields) {
  auto dir = temp_dir("reader_jsonl_fields");
  write_file(dir / "d.jsonl", R"({"id":"no","text":"no","url":"u1","body":"b1"})"
                              "\n");
  ReaderOptions o = jsonl();
  o.id_field = "url";
  o.text_field = "body";
  ReadResult r = read_all(dir / "d.jsonl", o);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].id, "u1");
  EXPECT_EQ(r.docs[0].text, "b1");
}

TEST(ReaderTest, JsonlNumericIdBecomesItsDecimalText) {
  auto dir = temp_dir("reader_jsonl_numid");
  write_file(
      dir / "d.jsonl",
      "{\"id\":42,\"text\":\"a\"}\n{\"id\": -7 ,\"text\":\"b\"}\n"
      "{\"id\":123456789012345678901234567890,\"text\":\"c\"}\n{\"id\":1.5e3,\"text\":\"d\"}\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 4u);
  EXPECT_EQ(r.docs[0].id, "42");
  EXPECT_EQ(r.docs[1].id, "-7");
  EXPECT_EQ(r.docs[2].id, "123456789012345678901234567890");
  EXPECT_EQ(r.docs[3].id, "1.5e3");
}

TEST(ReaderTest, JsonlIdOfAnotherTypeOrBadNumberIsMalformed) {
  auto dir = temp_dir("reader_jsonl_badid");
  for (const char* line :
       {R"({"id":null,"text":"a"})", R"({"id":true,"text":"a"})", R"({"id":[1],"text":"a"})",
        R"({"id":12abc,"text":"a"})", R"({"id":01,"text":"a"})"}) {
    write_file(dir / "d.jsonl", std::string(line) + "\n");
    ReadResult r = read_all(dir / "d.jsonl", jsonl());
    EXPECT_EQ(r.status.code(), StatusCode::kParseError) << line;
    EXPECT_TRUE(r.docs.empty()) << line;
  }
}

// Issue 15 item 6b: a missing id was the bare line number, which a real id "3" could share.
TEST(ReaderTest, JsonlMissingIdBecomesFileAndOneBasedLineNumber) {
  auto dir = temp_dir("reader_jsonl_noid");
  write_file(dir / "d.jsonl",
             "{\"text\":\"a\"}\n\n{\"text\":\"b\"}\n{\"id\":\"3\",\"text\":\"c\"}\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 3u);
  const std::string file = (dir / "d.jsonl").string();
  EXPECT_EQ(r.docs[0].id, file + ":1");
  EXPECT_EQ(r.docs[1].id, file + ":3");  // the blank line still counts
  EXPECT_EQ(r.docs[2].id, "3");
  EXPECT_EQ(r.stats.missing_id, 2u);
  EXPECT_EQ(r.docs[1].line, 3u);
}

TEST(ReaderTest, JsonlDecodesEscapesAndUnicode) {
  auto dir = temp_dir("reader_jsonl_escapes");
  write_file(dir / "d.jsonl",
             R"({"id":"\u0041\"q\"","text":"a\nb\tc \\ \/ \"x\" \u00e9 \u20ac \ud83d\ude00 é"})"
             "\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].id, "A\"q\"");
  EXPECT_EQ(r.docs[0].text, "a\nb\tc \\ / \"x\" \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xC3\xA9");
  EXPECT_EQ(r.stats.lenient, 0u);
}

TEST(ReaderTest, JsonlEscapedKeysMatchTheirDecodedName) {
  auto dir = temp_dir("reader_jsonl_keys");
  write_file(dir / "d.jsonl", R"({"\u0074ext":"t","i\u0064":"x"})"
                              "\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].text, "t");
  EXPECT_EQ(r.docs[0].id, "x");
}

TEST(ReaderTest, JsonlMalformedLineErrorNamesFileAndLine) {
  auto dir = temp_dir("reader_jsonl_malformed");
  const fs::path p = dir / "data.jsonl";
  write_file(p, "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\": oops}\n{\"text\":\"d\"}\n");
  auto reader = DocumentReader::open(p.string(), {});
  ASSERT_TRUE(reader.ok());
  Document doc;
  ASSERT_TRUE(*(*reader)->next(doc));
  ASSERT_TRUE(*(*reader)->next(doc));
  Result<bool> bad = (*reader)->next(doc);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kParseError);
  EXPECT_NE(bad.status().message().find(p.string() + ":3: malformed JSON"), std::string::npos)
      << bad.status().message();
  // A malformed record is passed over: the reader continues with line 4.
  Result<bool> next = (*reader)->next(doc);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(*next);
  EXPECT_EQ(doc.text, "d");
  EXPECT_EQ(doc.line, 4u);
}

TEST(ReaderTest, JsonlSkipBadCountsMalformedRecordsAndContinues) {
  auto dir = temp_dir("reader_jsonl_skip");
  write_file(dir / "d.jsonl",
             "{\"text\":\"a\"}\nnot json\n[1,2]\n{\"id\":\"x\"}\n{\"text\":3}\n"
             "{\"text\":\"b\"} {\"text\":\"c\"}\n{\"text\":\"e\",}\n{\"text\":\"f\"}\n");
  ReaderOptions o = jsonl();
  o.skip_bad = true;
  ReadResult r = read_all(dir / "d.jsonl", o);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, "a");
  EXPECT_EQ(r.docs[1].text, "f");
  EXPECT_EQ(r.docs[1].line, 8u);
  EXPECT_EQ(r.stats.skipped, 6u);
  EXPECT_EQ(r.stats.records, 2u);
}

TEST(ReaderTest, JsonlRecordThatIsNotAnObjectIsMalformed) {
  auto dir = temp_dir("reader_jsonl_notobj");
  for (const char* line : {"[1,2]", "\"text\"", "42", "null", "{\"text\":\"a\""}) {
    write_file(dir / "d.jsonl", std::string(line) + "\n");
    ReadResult r = read_all(dir / "d.jsonl", jsonl());
    EXPECT_EQ(r.status.code(), StatusCode::kParseError) << line;
    EXPECT_NE(r.status.message().find("d.jsonl:1:"), std::string::npos) << r.status.message();
  }
}

TEST(ReaderTest, JsonlMissingTextFieldIsMalformed) {
  auto dir = temp_dir("reader_jsonl_notext");
  write_file(dir / "d.jsonl", "{\"id\":\"a\",\"body\":\"x\"}\n");
  ReadResult r = read_all(dir / "d.jsonl");
  EXPECT_EQ(r.status.code(), StatusCode::kParseError);
  EXPECT_NE(r.status.message().find("missing text field \"text\""), std::string::npos)
      << r.status.message();
}

TEST(ReaderTest, JsonlTextThatIsNotAStringIsMalformed) {
  auto dir = temp_dir("reader_jsonl_textnotstr");
  for (const char* line :
       {R"({"text":1})", R"({"text":true})", R"({"text":["a"]})", R"({"text":{"a":"b"}})"}) {
    write_file(dir / "d.jsonl", std::string(line) + "\n");
    ReadResult r = read_all(dir / "d.jsonl", jsonl());
    EXPECT_EQ(r.status.code(), StatusCode::kParseError) << line;
    EXPECT_NE(r.status.message().find("is not a string"), std::string::npos) << r.status.message();
  }
}

// Issue 15, item 7: `"text": null` stopped the run; it is empty text, counted in null_text, on
// the simdjson path and on the lenient one (taken for the invalid UTF-8 byte of record c).
TEST(ReaderTest, JsonlNullTextIsEmptyTextAndCounted) {
  auto dir = temp_dir("reader_jsonl_nulltext");
  write_file(dir / "d.jsonl",
             "{\"id\":\"a\",\"text\":null}\n"
             "{\"id\":\"b\",\"text\":\"words\"}\n"
             "{\"id\":\"c\",\"note\":\"\xFF\",\"text\" : null }\n"
             "{\"id\":\"d\",\"text\":nul}\n");
  ReaderOptions o = jsonl();
  o.skip_bad = true;
  ReadResult r = read_all(dir / "d.jsonl", o);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].id, "a");
  EXPECT_EQ(r.docs[0].text, "");
  EXPECT_EQ(r.docs[1].text, "words");
  EXPECT_EQ(r.docs[2].id, "c");
  EXPECT_EQ(r.docs[2].text, "");
  EXPECT_EQ(r.stats.null_text, 2u);
  EXPECT_EQ(r.stats.lenient, 1u);
  EXPECT_EQ(r.stats.skipped, 1u);  // `nul` is not JSON
}

TEST(ReaderTest, JsonlTrailingContentAfterTheObjectIsMalformed) {
  auto dir = temp_dir("reader_jsonl_trailing");
  write_file(dir / "d.jsonl", "{\"text\":\"a\"} {\"text\":\"b\"}\n");
  EXPECT_EQ(read_all(dir / "d.jsonl").status.code(), StatusCode::kParseError);
  write_file(dir / "d.jsonl", "{\"text\":\"a\"}  \t\n");  // trailing blanks are fine
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.docs.size(), 1u);
}

// simdjson rejects invalid UTF-8, raw control characters and lone surrogates; the reader keeps
// such records through its lenient parser (counted), so no document is lost: the bytes pass
// through for the Normalizer to repair, and a lone surrogate becomes U+FFFD.
TEST(ReaderTest, JsonlInvalidUtf8AndControlCharactersAreKeptAndCounted) {
  auto dir = temp_dir("reader_jsonl_utf8");
  write_file(dir / "d.jsonl",
             "{\"id\":\"a\",\"text\":\"bad \xFF\xC3 bytes \\u00e9\"}\n"
             "{\"id\":\"b\",\"text\":\"raw\ttab\"}\n"
             "{\"id\":\"c\",\"text\":\"lone \\ud800 x \\udc00 y \\ud83d\\ude00\"}\n"
             "{\"id\":\"d\",\"text\":\"ok\"}\n"
             "{\"id\":\"e\",\"text\":\"bad escape \\x \xFF\"}\n");
  ReaderOptions o = jsonl();
  o.skip_bad = true;
  ReadResult r = read_all(dir / "d.jsonl", o);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 4u);
  EXPECT_EQ(r.docs[0].text, "bad \xFF\xC3 bytes \xC3\xA9");
  EXPECT_EQ(r.docs[1].text, "raw\ttab");
  EXPECT_EQ(r.docs[2].text, "lone \xEF\xBF\xBD x \xEF\xBF\xBD y \xF0\x9F\x98\x80");
  EXPECT_EQ(r.docs[3].text, "ok");
  EXPECT_EQ(r.stats.lenient, 3u);
  EXPECT_EQ(r.stats.skipped, 1u);  // an invalid escape is still malformed
}

// Both JSON paths (simdjson, and the lenient parser taken for invalid UTF-8) accept the same
// nesting: 1022 containers inside a field value. Deeper records are malformed, never a crash
// (simdjson On-Demand asserts in unoptimized builds if iterated past its max depth).
TEST(ReaderTest, JsonlDeepNestingIsBoundedTheSameOnBothPaths) {
  auto dir = temp_dir("reader_jsonl_deep");
  auto nested = [](std::size_t d) { return std::string(d, '[') + "1" + std::string(d, ']'); };
  std::string content;
  for (const char* text : {"\"ok\"", "\"\xFF\""}) {
    for (std::size_t d : {std::size_t{1022}, std::size_t{1023}, std::size_t{5000}}) {
      content += "{\"x\":" + nested(d) + ",\"text\":" + text + "}\n";
      content += std::string("{\"x\":{\"y\":[]},\"text\":") + text + "}\n";  // a shallow control
    }
  }
  write_file(dir / "d.jsonl", content);
  ReaderOptions o = jsonl();
  o.skip_bad = true;
  ReadResult r = read_all(dir / "d.jsonl", o);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  std::vector<uint64_t> lines;
  for (const Document& d : r.docs) lines.push_back(d.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 4, 6, 7, 8, 10, 12}));
  EXPECT_EQ(r.stats.skipped, 4u);
  EXPECT_EQ(r.stats.lenient, 4u);
}

// --- line handling --------------------------------------------------------------------------

TEST(ReaderTest, BlankLinesAreSkippedAndCounted) {
  auto dir = temp_dir("reader_blank");
  write_file(dir / "d.jsonl", "\n{\"text\":\"a\"}\n   \n\t\r\n\n{\"text\":\"b\"}\n\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.stats.blank_lines, 5u);
  EXPECT_EQ(r.docs[1].line, 6u);
}

TEST(ReaderTest, CrlfLineEndingsAreStripped) {
  auto dir = temp_dir("reader_crlf");
  write_file(dir / "d.jsonl", "{\"text\":\"a\"}\r\n{\"text\":\"b\\r\"}\r\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].raw, "{\"text\":\"a\"}");
  EXPECT_EQ(r.docs[1].text, "b\r");  // an escaped \r inside the text is content
  write_file(dir / "d.txt", "one\r\ntwo\r\r\n");
  r = read_all(dir / "d.txt");
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, "one");
  EXPECT_EQ(r.docs[1].text, "two\r");  // only one '\r' is removed
}

TEST(ReaderTest, Utf8BomAtFileStartIsStripped) {
  auto dir = temp_dir("reader_bom");
  write_file(dir / "d.jsonl", "\xEF\xBB\xBF{\"text\":\"a\"}\n");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].raw, "{\"text\":\"a\"}");
  write_file(dir / "d.txt", "\xEF\xBB\xBFline one\n\xEF\xBB\xBFline two\n");
  r = read_all(dir / "d.txt");
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, "line one");
  EXPECT_EQ(r.docs[1].text, "\xEF\xBB\xBFline two");  // only at the start of the file
  // A BOM alone, or a BOM before a content-detected JSONL file.
  write_file(dir / "bom_only", "\xEF\xBB\xBF");
  EXPECT_TRUE(read_all(dir / "bom_only").docs.empty());
  write_file(dir / "noext", "\xEF\xBB\xBF{\"text\":\"z\"}");
  r = read_all(dir / "noext");
  EXPECT_EQ(r.format, InputFormat::kJsonl);
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].text, "z");
}

TEST(ReaderTest, LastLineWithoutNewlineIsRead) {
  auto dir = temp_dir("reader_nonl");
  write_file(dir / "d.jsonl", "{\"text\":\"a\"}\n{\"id\":7,\"text\":\"b\"}");
  ReadResult r = read_all(dir / "d.jsonl");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[1].text, "b");
  EXPECT_EQ(r.docs[1].id, "7");
  write_file(dir / "t.txt", "x\ny\r");
  r = read_all(dir / "t.txt");
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[1].text, "y");
}

TEST(ReaderTest, EmptyFileHasNoDocuments) {
  auto dir = temp_dir("reader_empty");
  for (const char* name : {"e.jsonl", "e.tsv", "e.txt", "e"}) {
    write_file(dir / name, "");
    ReadResult r = read_all(dir / name);
    ASSERT_TRUE(r.status.ok()) << name << r.status.to_string();
    EXPECT_TRUE(r.docs.empty()) << name;
    EXPECT_EQ(r.stats.bytes, 0u);
  }
  write_file(dir / "e.jsonl.zst", zstd(""));
  ReadResult r = read_all(dir / "e.jsonl.zst");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_TRUE(r.docs.empty());
}

// Lines of many lengths across the 1 MiB refill boundary, with CRLF pairs split by it.
TEST(ReaderTest, LinesSpanningBufferRefillsAreReadExactly) {
  auto dir = temp_dir("reader_refill");
  std::string content;
  std::vector<std::string> expect;
  uint64_t x = 12345;
  while (content.size() < (std::size_t{3} << 20)) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    std::string line(static_cast<std::size_t>(1 + (x >> 33) % 20000), 'a');
    line[0] = static_cast<char>('b' + expect.size() % 20);
    expect.push_back(line);
    content += line;
    content += (expect.size() % 3 == 0) ? "\r\n" : "\n";
  }
  write_file(dir / "d.txt", content);
  ReadResult r = read_all(dir / "d.txt");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i) {
    ASSERT_EQ(r.docs[i].text, expect[i]) << "line " << i + 1;
    ASSERT_EQ(r.docs[i].id, std::to_string(i + 1));
  }
  EXPECT_EQ(r.stats.bytes, content.size());
}

TEST(ReaderTest, HundredMegabyteLineIsReadWhole) {
  const std::size_t n = kSanitized ? (std::size_t{8} << 20) : (std::size_t{100} << 20);
  auto dir = temp_dir("reader_bigline");
  {
    std::string text(n, 'x');
    for (std::size_t i = 0; i < n; i += 4096) text[i] = ' ';
    write_file(dir / "d.jsonl", "{\"text\":\"small\"}\n{\"id\":\"big\",\"text\":\"" + text +
                                    "\\n\"}\n{\"text\":\"z\"}\n");
  }
  auto reader = DocumentReader::open((dir / "d.jsonl").string(), {});
  ASSERT_TRUE(reader.ok());
  Document doc;
  ASSERT_TRUE(*(*reader)->next(doc));
  Result<bool> more = (*reader)->next(doc);
  ASSERT_TRUE(more.ok()) << more.status().to_string();
  ASSERT_TRUE(*more);
  EXPECT_EQ(doc.id, "big");
  ASSERT_EQ(doc.text.size(), n + 1);
  EXPECT_EQ(doc.text[0], ' ');
  EXPECT_EQ(doc.text[4096], ' ');
  EXPECT_EQ(doc.text[n - 1], 'x');
  EXPECT_EQ(doc.text.back(), '\n');
  EXPECT_EQ(std::count(doc.text.begin(), doc.text.end(), ' '),
            static_cast<long>((n + 4095) / 4096));
  ASSERT_TRUE(*(*reader)->next(doc));
  EXPECT_EQ(doc.text, "z");
  EXPECT_EQ(doc.line, 3u);
  EXPECT_EQ((*reader)->stats().lenient, 0u);  // the long-line path is not counted as a repair
  fs::remove_all(dir);
}

TEST(ReaderTest, MaxRecordBytesIsEnforced) {
  auto dir = temp_dir("reader_maxrec");
  const std::string big = "{\"text\":\"" + std::string(3000, 'y') + "\"}";
  write_file(dir / "d.jsonl", "{\"text\":\"a\"}\n" + big + "\n{\"text\":\"c\"}\n" + big);
  ReaderOptions o = jsonl();
  o.max_record_bytes = 1000;
  auto reader = DocumentReader::open((dir / "d.jsonl").string(), o);
  ASSERT_TRUE(reader.ok());
  Document doc;
  ASSERT_TRUE(*(*reader)->next(doc));
  Result<bool> bad = (*reader)->next(doc);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(bad.status().message().find("d.jsonl:2:"), std::string::npos);
  Result<bool> after = (*reader)->next(doc);  // continues after the oversized record
  ASSERT_TRUE(after.ok() && *after);
  EXPECT_EQ(doc.text, "c");
  EXPECT_EQ(doc.line, 3u);
  bad = (*reader)->next(doc);  // the last one has no newline
  EXPECT_EQ(bad.status().code(), StatusCode::kOutOfRange);
  after = (*reader)->next(doc);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after);

  o.skip_bad = true;
  ReadResult r = read_all(dir / "d.jsonl", o);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.stats.skipped, 2u);
  // A record of exactly the limit is accepted, even with a CR before its newline.
  o.max_record_bytes = big.size();
  r = read_all(dir / "d.jsonl", o);
  EXPECT_EQ(r.docs.size(), 4u);
  write_file(dir / "crlf.jsonl", big + "\r\n");
  r = read_all(dir / "crlf.jsonl", o);
  EXPECT_EQ(r.docs.size(), 1u);
}

// --- TSV and lines ----------------------------------------------------------------------------

TEST(ReaderTest, TsvSplitsAtTheFirstTabAndKeepsFurtherTabsInText) {
  auto dir = temp_dir("reader_tsv");
  write_file(dir / "d.tsv", "a\thello\tworld\t\nb\t\n\n");
  ReadResult r = read_all(dir / "d.tsv");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.format, InputFormat::kTsv);
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "a");
  EXPECT_EQ(r.docs[0].text, "hello\tworld\t");
  EXPECT_EQ(r.docs[0].raw, "a\thello\tworld\t");
  EXPECT_EQ(r.docs[1].id, "b");
  EXPECT_EQ(r.docs[1].text, "");
  EXPECT_EQ(r.stats.blank_lines, 1u);
}

TEST(ReaderTest, TsvLineWithoutTabIsMalformed) {
  auto dir = temp_dir("reader_tsv_bad");
  write_file(dir / "d.tsv", "a\tx\nno tab here\nc\ty\n");
  ReadResult r = read_all(dir / "d.tsv");
  EXPECT_EQ(r.status.code(), StatusCode::kParseError);
  EXPECT_NE(r.status.message().find("d.tsv:2:"), std::string::npos) << r.status.message();
  ReaderOptions o;
  o.skip_bad = true;
  r = read_all(dir / "d.tsv", o);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[1].id, "c");
  EXPECT_EQ(r.stats.skipped, 1u);
}

TEST(ReaderTest, LinesFormatUsesLineNumbersAsIds) {
  auto dir = temp_dir("reader_lines");
  write_file(dir / "d.txt", "first\n\nthird {\"not\":\"json\"}\n");
  ReadResult r = read_all(dir / "d.txt");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.format, InputFormat::kLines);
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "1");
  EXPECT_EQ(r.docs[0].text, "first");
  EXPECT_EQ(r.docs[1].id, "3");
  EXPECT_EQ(r.docs[1].text, "third {\"not\":\"json\"}");
}

// --- detection ---------------------------------------------------------------------------------

TEST(ReaderTest, AutoDetectsFormatBySuffix) {
  auto dir = temp_dir("reader_auto_suffix");
  const std::string json = "{\"id\":\"i\",\"text\":\"t\"}\n";
  write_file(dir / "a.jsonl.gz", gzip(json));
  write_file(dir / "a.NDJSON", json);
  write_file(dir / "a.json.zst", zstd(json));
  write_file(dir / "b.tsv.gz", gzip("{id\ttext\n"));  // the suffix beats the content
  write_file(dir / "c.txt", "{\"id\":\"i\",\"text\":\"t\"}\n");
  EXPECT_EQ(read_all(dir / "a.jsonl.gz").format, InputFormat::kJsonl);
  EXPECT_EQ(read_all(dir / "a.NDJSON").format, InputFormat::kJsonl);
  EXPECT_EQ(read_all(dir / "a.json.zst").format, InputFormat::kJsonl);
  ReadResult tsv = read_all(dir / "b.tsv.gz");
  EXPECT_EQ(tsv.format, InputFormat::kTsv);
  ASSERT_EQ(tsv.docs.size(), 1u);
  EXPECT_EQ(tsv.docs[0].id, "{id");
  ReadResult txt = read_all(dir / "c.txt");
  EXPECT_EQ(txt.format, InputFormat::kLines);
  ASSERT_EQ(txt.docs.size(), 1u);
  EXPECT_EQ(txt.docs[0].text, "{\"id\":\"i\",\"text\":\"t\"}");
  // Record files beside a .txt: shards or documents? kAuto asks (ReaderFormatsTest has the rest).
  EXPECT_EQ(read_all(dir).status.code(), StatusCode::kInvalidArgument);
}

TEST(ReaderTest, AutoDetectsFormatByContent) {
  auto dir = temp_dir("reader_auto_content");
  write_file(dir / "j", "\n  \n  {\"text\":\"t\"}\n");
  write_file(dir / "l", "plain words\n{\"text\":\"t\"}\n");
  write_file(dir / "z", zstd("{\"text\":\"compressed, unnamed\"}\n"));
  ReadResult j = read_all(dir / "j");
  EXPECT_EQ(j.format, InputFormat::kJsonl);
  ASSERT_EQ(j.docs.size(), 1u);
  EXPECT_EQ(j.docs[0].line, 3u);
  ReadResult l = read_all(dir / "l");
  EXPECT_EQ(l.format, InputFormat::kLines);
  EXPECT_EQ(l.docs.size(), 2u);
  ReadResult z = read_all(dir / "z");
  EXPECT_EQ(z.format, InputFormat::kJsonl);
  ASSERT_EQ(z.docs.size(), 1u);
  EXPECT_EQ(z.docs[0].text, "compressed, unnamed");
}

// --- compression --------------------------------------------------------------------------------

std::string sample_jsonl(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += "{\"id\":" + std::to_string(i) + ",\"text\":\"document number " + std::to_string(i) +
         " with some words \\u00e9\"}\n";
  }
  return s;
}

TEST(ReaderTest, GzipAndZstdRoundTripIdenticalToPlain) {
  auto dir = temp_dir("reader_roundtrip");
  const std::string plain = sample_jsonl(50000);  // several MB: many refills
  write_file(dir / "d.jsonl", plain);
  write_file(dir / "d.jsonl.gz", gzip(plain));
  write_file(dir / "d.jsonl.zst", zstd(plain));
  ReadResult a = read_all(dir / "d.jsonl");
  ReadResult b = read_all(dir / "d.jsonl.gz");
  ReadResult c = read_all(dir / "d.jsonl.zst");
  ASSERT_TRUE(a.status.ok() && b.status.ok() && c.status.ok())
      << b.status.to_string() << c.status.to_string();
  ASSERT_EQ(a.docs.size(), 50000u);
  ASSERT_EQ(b.docs.size(), a.docs.size());
  ASSERT_EQ(c.docs.size(), a.docs.size());
  for (std::size_t i = 0; i < a.docs.size(); ++i) {
    ASSERT_EQ(b.docs[i].raw, a.docs[i].raw);
    ASSERT_EQ(c.docs[i].text, a.docs[i].text);
    ASSERT_EQ(c.docs[i].id, a.docs[i].id);
  }
  EXPECT_EQ(b.stats.bytes, plain.size());
  EXPECT_EQ(c.stats.bytes, plain.size());
  // Progress is measured in compressed bytes and reaches the file size.
  EXPECT_EQ(b.input_size, fs::file_size(dir / "d.jsonl.gz"));
  EXPECT_EQ(b.input_consumed, b.input_size);
  EXPECT_EQ(c.input_size, fs::file_size(dir / "d.jsonl.zst"));
  EXPECT_EQ(c.input_consumed, c.input_size);
}

TEST(ReaderTest, MultiMemberGzipAndMultiFrameZstdReadAllParts) {
  auto dir = temp_dir("reader_multimember");
  const std::string p1 = sample_jsonl(3);
  const std::string p2 = "{\"text\":\"second member\"}\n";
  write_file(dir / "m.jsonl.gz", gzip(p1) + gzip("") + gzip(p2));
  ReadResult r = read_all(dir / "m.jsonl.gz");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 4u);
  EXPECT_EQ(r.docs[3].text, "second member");
  write_file(dir / "m.jsonl.zst", zstd(p1) + zstd(p2, false));
  r = read_all(dir / "m.jsonl.zst");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.docs.size(), 4u);
  EXPECT_EQ(r.docs[3].text, "second member");
}

TEST(ReaderTest, TruncatedGzipIsCorruptData) {
  auto dir = temp_dir("reader_trunc_gz");
  const std::string z = gzip(sample_jsonl(2000));
  // Cut inside the deflate data, inside the CRC/size trailer, and one byte short.
  for (std::size_t cut : {z.size() / 2, z.size() - 6, z.size() - 1, std::size_t{5}}) {
    write_file(dir / "t.jsonl.gz", z.substr(0, cut));
    ReadResult r = read_all(dir / "t.jsonl.gz");
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData) << "cut " << cut << r.status.to_string();
    ReaderOptions o;
    o.skip_bad = true;  // decompression errors are never skipped
    EXPECT_EQ(read_all(dir / "t.jsonl.gz", o).status.code(), StatusCode::kCorruptData);
  }
}

TEST(ReaderTest, GzipCrcMismatchAndTrailingGarbageAreCorruptData) {
  auto dir = temp_dir("reader_crc_gz");
  std::string z = gzip(sample_jsonl(100));
  std::string bad_crc = z;
  bad_crc[bad_crc.size() - 8] = static_cast<char>(bad_crc[bad_crc.size() - 8] ^ 0x01);
  write_file(dir / "c.jsonl.gz", bad_crc);
  EXPECT_EQ(read_all(dir / "c.jsonl.gz").status.code(), StatusCode::kCorruptData);
  write_file(dir / "g.jsonl.gz", z + "garbage");
  EXPECT_EQ(read_all(dir / "g.jsonl.gz").status.code(), StatusCode::kCorruptData);
}

TEST(ReaderTest, TruncatedZstdIsCorruptData) {
  auto dir = temp_dir("reader_trunc_zst");
  const std::string z = zstd(sample_jsonl(2000));
  for (std::size_t cut : {z.size() / 2, z.size() - 4, z.size() - 1, std::size_t{6}}) {
    write_file(dir / "t.jsonl.zst", z.substr(0, cut));
    ReadResult r = read_all(dir / "t.jsonl.zst");
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData) << "cut " << cut << r.status.to_string();
    EXPECT_NE(r.status.message().find("t.jsonl.zst"), std::string::npos);
  }
}

TEST(ReaderTest, CorruptByteInZstdIsAnError) {
  auto dir = temp_dir("reader_flip_zst");
  const std::string z = zstd(sample_jsonl(2000));  // with a content checksum
  for (std::size_t at : {z.size() / 3, z.size() / 2, z.size() - 2}) {
    std::string bad = z;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    write_file(dir / "f.jsonl.zst", bad);
    ReadResult r = read_all(dir / "f.jsonl.zst");
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData) << "at " << at;
  }
}

TEST(ReaderTest, CompressedSuffixWithoutMagicIsCorruptData) {
  auto dir = temp_dir("reader_badmagic");
  write_file(dir / "p.jsonl.gz", "{\"text\":\"plain\"}\n");
  write_file(dir / "p.jsonl.zst", "{\"text\":\"plain\"}\n");
  write_file(dir / "e.jsonl.gz", "");
  EXPECT_EQ(read_all(dir / "p.jsonl.gz").status.code(), StatusCode::kCorruptData);
  EXPECT_EQ(read_all(dir / "p.jsonl.zst").status.code(), StatusCode::kCorruptData);
  EXPECT_EQ(read_all(dir / "e.jsonl.gz").status.code(), StatusCode::kCorruptData);
}

TEST(ByteSourceTest, DetectsCompressionByMagicBytesWithoutSuffix) {
  auto dir = temp_dir("bytesource_magic");
  const std::string data = sample_jsonl(10);
  write_file(dir / "gz_inside", gzip(data));
  write_file(dir / "zst_inside", zstd(data));
  write_file(dir / "plain", data);
  for (const char* name : {"gz_inside", "zst_inside", "plain"}) {
    Result<std::string> got = read_source((dir / name).string());
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(*got, data) << name;
  }
  write_file(dir / "one_byte", "\x1f");  // shorter than any magic
  Result<std::string> one = read_source((dir / "one_byte").string());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, "\x1f");
}

TEST(ByteSourceTest, DashReadsStandardInput) {
  auto dir = temp_dir("bytesource_stdin");
  const std::string data = sample_jsonl(5);
  write_file(dir / "in.zst", zstd(data));
  const int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  const int fd = ::open((dir / "in.zst").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, STDIN_FILENO), STDIN_FILENO);
  ::close(fd);
  Result<std::string> got = read_source("-");
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(*got, data);
}

TEST(ReaderTest, NonexistentFileIsIoError) {
  auto dir = temp_dir("reader_missing");
  ReadResult r = read_all(dir / "nope.jsonl");
  EXPECT_EQ(r.status.code(), StatusCode::kIoError);
  EXPECT_NE(r.status.message().find("nope.jsonl"), std::string::npos);
  ReaderOptions o;
  o.format = InputFormat::kDirectory;
  EXPECT_EQ(read_all(dir / "nope", o).status.code(), StatusCode::kIoError);
  o.format = InputFormat::kJsonl;  // a directory where a file is expected
  EXPECT_EQ(read_all(dir, o).status.code(), StatusCode::kIoError);
}

// --- directories ---------------------------------------------------------------------------

TEST(ReaderTest, DirectoryReadsNestedFilesSortedWithCompressedMembers) {
  auto dir = temp_dir("reader_dir");
  fs::create_directories(dir / "b" / "c");
  fs::create_directories(dir / "a");
  write_file(dir / "z.txt", "zed\n");
  write_file(dir / "b" / "c" / "deep.txt",
             "\xEF\xBB\xBF"
             "deep");
  write_file(dir / "a" / "one.txt", "one");
  write_file(dir / "b" / "two.txt.gz", gzip("two gz"));
  write_file(dir / "b" / "three.zst", zstd("three zst"));
  write_file(dir / "B.txt", "capital");
  write_file(dir / "empty.txt", "");
  ReadResult r = read_all(dir);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.format, InputFormat::kDirectory);
  std::vector<std::string> ids;
  for (const Document& d : r.docs) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"B.txt", "a/one.txt", "b/c/deep.txt", "b/three.zst",
                                           "b/two.txt.gz", "empty.txt", "z.txt"}));
  ASSERT_EQ(r.docs.size(), 7u);
  EXPECT_EQ(r.docs[1].text, "one");
  EXPECT_EQ(r.docs[2].text, "deep");  // BOM removed from the text
  EXPECT_EQ(r.docs[2].raw,
            "\xEF\xBB\xBF"
            "deep");
  EXPECT_EQ(r.docs[3].text, "three zst");
  EXPECT_EQ(r.docs[4].text, "two gz");
  EXPECT_EQ(r.docs[5].text, "");
  EXPECT_EQ(r.docs[6].text, "zed\n");  // file bytes as they are
  EXPECT_EQ(r.docs[6].line, 0u);
  EXPECT_EQ(r.docs[6].source, (dir / "z.txt").string());
  EXPECT_EQ(r.stats.files, 7u);
  EXPECT_EQ(r.stats.records, 7u);
  EXPECT_EQ(r.input_consumed, r.input_size);
  EXPECT_GT(r.input_size, 0u);
}

TEST(ReaderTest, DirectoryCorruptMemberIsAnErrorEvenWithSkipBad) {
  auto dir = temp_dir("reader_dir_corrupt");
  write_file(dir / "a.txt", "fine");
  write_file(dir / "b.txt.gz", gzip("truncated member").substr(0, 10));
  ReaderOptions o;
  o.skip_bad = true;
  ReadResult r = read_all(dir, o);
  EXPECT_EQ(r.status.code(), StatusCode::kCorruptData);
  EXPECT_EQ(r.docs.size(), 1u);
  EXPECT_NE(r.status.message().find("b.txt.gz"), std::string::npos);
}

TEST(ReaderTest, DirectoryUnreadableFileIsIoError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read any file";
  auto dir = temp_dir("reader_dir_unreadable");
  write_file(dir / "a.txt", "secret");
  fs::permissions(dir / "a.txt", fs::perms::none);
  ReadResult r = read_all(dir);
  fs::permissions(dir / "a.txt", fs::perms::owner_all);
  EXPECT_EQ(r.status.code(), StatusCode::kIoError);
}

TEST(ReaderTest, DirectoryDanglingSymlinkIsIoErrorNotSilentlySkipped) {
  auto dir = temp_dir("reader_dir_dangling");
  write_file(dir / "a.txt", "fine");
  fs::create_symlink(dir / "missing.txt", dir / "b.txt");
  ReaderOptions o;
  o.skip_bad = true;
  ReadResult r = read_all(dir, o);
  EXPECT_EQ(r.status.code(), StatusCode::kIoError);
  EXPECT_NE(r.status.message().find("b.txt"), std::string::npos) << r.status.message();
}

TEST(ReaderTest, DirectoryFileOverMaxRecordBytesIsOutOfRangeOrSkipped) {
  auto dir = temp_dir("reader_dir_max");
  write_file(dir / "a.txt", "short");
  write_file(dir / "b.txt", std::string(5000, 'b'));
  write_file(dir / "c.txt", "also short");
  ReaderOptions o;
  o.max_record_bytes = 100;
  ReadResult r = read_all(dir, o);
  EXPECT_EQ(r.status.code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status.message().find("b.txt"), std::string::npos);
  o.skip_bad = true;
  r = read_all(dir, o);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.stats.skipped, 1u);
}

// --- live input (try_next) -----------------------------------------------------------------

// A pipe whose read end the reader opens as /dev/fd/N (its own descriptor: closing the write
// end here is the end of the input).
struct LivePipe {
  int read_fd = -1, write_fd = -1;
  LivePipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read_fd = fds[0];
      write_fd = fds[1];
    }
  }
  ~LivePipe() {
    if (read_fd >= 0) ::close(read_fd);
    close_writer();
  }
  std::string path() const { return "/dev/fd/" + std::to_string(read_fd); }
  bool write(const std::string& s) const {
    return ::write(write_fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
  }
  void close_writer() {
    if (write_fd >= 0) ::close(write_fd);
    write_fd = -1;
  }
};

// Reads with try_next() until it reports something other than a document; appends the ids.
NextOutcome drain(DocumentReader& reader, std::vector<std::string>& ids) {
  Document doc;
  for (;;) {
    Result<NextOutcome> got = reader.try_next(doc);
    EXPECT_TRUE(got.ok()) << got.status().to_string();
    if (!got.ok() || *got != NextOutcome::kDocument) return got.ok() ? *got : NextOutcome::kEnd;
    ids.push_back(doc.id);
  }
}

TEST(ReaderTest, TryNextOnAnIdlePipeReturnsWouldBlockAndKeepsAPartialLine) {
  LivePipe pipe;
  ASSERT_GE(pipe.read_fd, 0);
  ASSERT_TRUE(pipe.write("{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"te"));
  auto reader = DocumentReader::open(pipe.path(), jsonl());
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  std::vector<std::string> ids;
  EXPECT_EQ(drain(**reader, ids), NextOutcome::kWouldBlock);
  EXPECT_EQ(ids, std::vector<std::string>({"a"}));
  // The rest of the line, then a blank line (skipped), then half of the next record.
  ASSERT_TRUE(pipe.write("xt\":\"two\"}\n\n{\"id\":\"c\""));
  EXPECT_EQ(drain(**reader, ids), NextOutcome::kWouldBlock);
  EXPECT_EQ(ids, std::vector<std::string>({"a", "b"}));
  ASSERT_TRUE(pipe.write(",\"text\":\"three\"}\n"));
  pipe.close_writer();
  EXPECT_EQ(drain(**reader, ids), NextOutcome::kEnd);
  EXPECT_EQ(ids, std::vector<std::string>({"a", "b", "c"}));
  EXPECT_EQ((*reader)->stats().records, 3u);
  EXPECT_EQ((*reader)->stats().blank_lines, 1u);
  // The last record may also end without a newline, and next() still waits as before. (Opening
  // waits for the first 4 bytes, to detect compression.)
  LivePipe again;
  ASSERT_TRUE(again.write("x\nyy"));
  ReaderOptions lines;
  lines.format = InputFormat::kLines;
  auto r2 = DocumentReader::open(again.path(), lines);
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  Document doc;
  Result<bool> more = (*r2)->next(doc);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(doc.text, "x");
  Result<NextOutcome> got = (*r2)->try_next(doc);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, NextOutcome::kWouldBlock);
  again.close_writer();
  more = (*r2)->next(doc);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(doc.text, "yy");
  EXPECT_EQ(drain(**r2, ids), NextOutcome::kEnd);
}

TEST(ReaderTest, TryNextOnACompressedPipeWouldBlockOnceTheDecoderHasUsedItsInput) {
  for (const bool use_zstd : {false, true}) {
    SCOPED_TRACE(use_zstd ? "zstd" : "gzip");
    const std::string part1 = sample_jsonl(3), part2 = "{\"id\":\"last\",\"text\":\"x\"}\n";
    LivePipe pipe;
    ASSERT_TRUE(pipe.write(use_zstd ? zstd(part1) : gzip(part1)));
    auto reader = DocumentReader::open(pipe.path(), jsonl());
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    std::vector<std::string> ids;
    EXPECT_EQ(drain(**reader, ids), NextOutcome::kWouldBlock);
    EXPECT_EQ(ids, std::vector<std::string>({"0", "1", "2"}));
    // A second member / frame, then the end.
    ASSERT_TRUE(pipe.write(use_zstd ? zstd(part2) : gzip(part2)));
    pipe.close_writer();
    EXPECT_EQ(drain(**reader, ids), NextOutcome::kEnd);
    EXPECT_EQ(ids, std::vector<std::string>({"0", "1", "2", "last"}));
  }
}

TEST(ReaderTest, TryNextNeverWouldBlockOnFilesAndDirectories) {
  auto dir = temp_dir("reader_try_next_files");
  const std::string plain = sample_jsonl(30000);  // several refills of the line buffer
  write_file(dir / "d.jsonl", plain);
  write_file(dir / "d.jsonl.gz", gzip(plain));
  write_file(dir / "d.jsonl.zst", zstd(plain));
  for (const char* name : {"d.jsonl", "d.jsonl.gz", "d.jsonl.zst"}) {
    auto reader = DocumentReader::open((dir / name).string(), {});
    ASSERT_TRUE(reader.ok()) << reader.status().to_string();
    std::vector<std::string> ids;
    EXPECT_EQ(drain(**reader, ids), NextOutcome::kEnd) << name;
    EXPECT_EQ(ids.size(), 30000u) << name;
  }
  ReaderOptions o;
  o.format = InputFormat::kDirectory;
  auto reader = DocumentReader::open(dir.string(), o);  // the default try_next: next()
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  std::vector<std::string> ids;
  EXPECT_EQ(drain(**reader, ids), NextOutcome::kEnd);
  EXPECT_EQ(ids, std::vector<std::string>({"d.jsonl", "d.jsonl.gz", "d.jsonl.zst"}));
}

// --- real data ------------------------------------------------------------------------------

TEST(ReaderTest, ReadsTheReutersCorpus) {
  auto root = fixtures::shared_datasets();
  if (!root) GTEST_SKIP() << "shared datasets not available";
  const fs::path p = *root / "reuters21578" / "reuters.jsonl.zst";
  if (!fs::exists(p)) GTEST_SKIP() << "reuters.jsonl.zst not available";
  auto reader = DocumentReader::open(p.string(), {});
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->format(), InputFormat::kJsonl);
  Document doc;
  uint64_t n = 0;
  uint64_t empty = 0;
  for (;;) {
    Result<bool> more = (*reader)->next(doc);
    ASSERT_TRUE(more.ok()) << more.status().to_string();
    if (!*more) break;
    ++n;
    if (doc.text.empty()) ++empty;
  }
  EXPECT_EQ(n, 19043u);
  EXPECT_EQ(empty, 0u);
  EXPECT_EQ((*reader)->stats().skipped, 0u);
  EXPECT_EQ((*reader)->input_consumed(), (*reader)->input_size());
}

// --- xz and bzip2, binary files, directories of shards ----------------------------------------
// Inputs are what they claim to be.

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

// Enough text that the compressed streams span several of the decoder's 256 KiB input chunks.
std::string corpus(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += R"({"id":"d)" + std::to_string(i) + R"(","text":"document number )" + std::to_string(i) +
         " with a body of words that " + std::to_string(i * 7919 % 10007) + " varies\"}\n";
  }
  return s;
}

void expect_corpus(const ReadResult& r, int n) {
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
  expect_corpus(read_all(dir / "c.jsonl.xz"), 30000);
  expect_corpus(read_all(dir / "c.jsonl.bz2"), 30000);
  // Concatenated streams (cat a.xz b.xz, pbzip2) decode to the concatenated text.
  write_file(dir / "two.xz", xz(a) + xz(b));
  write_file(dir / "two.bz2", bzip2(a) + bzip2(b));
  for (const char* name : {"two.xz", "two.bz2"}) {
    ReaderOptions o;
    o.format = InputFormat::kJsonl;
    const ReadResult r = read_all(dir / name, o);
    ASSERT_TRUE(r.status.ok()) << name << ": " << r.status.message();
    EXPECT_EQ(r.docs.size(), 30005u) << name;
    EXPECT_EQ(r.docs.back().id, "d4") << name;
  }
  // By magic bytes, whatever the name.
  write_file(dir / "noext", xz(b));
  EXPECT_EQ(read_all(dir / "noext").docs.size(), 5u);
}

TEST(ReaderFormatsTest, TruncatedOrCorruptXzAndBzip2AreErrorsNeverShortData) {
  const fs::path dir = temp_dir("fmt_bad");
  const std::string a = corpus(20000);
  const std::string x = xz(a), z = bzip2(a);
  write_file(dir / "t.jsonl.xz", x.substr(0, x.size() / 2));
  write_file(dir / "t.jsonl.bz2", z.substr(0, z.size() / 2));
  for (const char* name : {"t.jsonl.xz", "t.jsonl.bz2"}) {
    const ReadResult r = read_all(dir / name);
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
    const ReadResult r = read_all(dir / name);
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData) << name << ": " << r.status.message();
  }
  // A compression suffix without its magic bytes is not passed through as text.
  write_file(dir / "plain.xz", "{\"id\":\"a\",\"text\":\"x\"}\n");
  write_file(dir / "plain.bz2", "{\"id\":\"a\",\"text\":\"x\"}\n");
  EXPECT_EQ(read_all(dir / "plain.xz").status.message(),
            (dir / "plain.xz").string() + ": not an xz stream (bad magic bytes)");
  EXPECT_EQ(read_all(dir / "plain.bz2").status.message(),
            (dir / "plain.bz2").string() + ": not a bzip2 stream (bad magic bytes)");
  write_file(dir / "empty.xz", "");
  EXPECT_EQ(read_all(dir / "empty.xz").status.code(), StatusCode::kCorruptData);
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
    const ReadResult r = read_all(dir / name);
    EXPECT_EQ(r.status.code(), StatusCode::kCorruptData);
    EXPECT_EQ(r.status.message(), (dir / name).string() +
                                      ": not a text file: an ELF executable or library "
                                      "(skip_bad / --skip-bad skips such files)");
  }
  EXPECT_NE(read_all(dir / "u16.txt").status.message().find("UTF-16"), std::string::npos);
  EXPECT_NE(read_all(dir / "img.png").status.message().find("a PNG image"), std::string::npos);
  // A NUL byte in the first 64 KiB, after some valid records.
  std::string text = corpus(3);
  text += std::string("{\"id\":\"x\",\"text\":\"a\0b\"}\n", 24);
  write_file(dir / "nul.jsonl", text);
  const ReadResult r = read_all(dir / "nul.jsonl");
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
  EXPECT_TRUE(read_all(dir / "late.jsonl").status.ok());
}

TEST(ReaderFormatsTest, SkipBadSkipsAndCountsBinaryFiles) {
  const fs::path dir = temp_dir("fmt_binary_skip");
  write_file(dir / "prog", std::string("\x7F"
                                       "ELF",
                                       4) +
                               std::string(64, '\0'));
  ReaderOptions o;
  o.skip_bad = true;
  ReadResult r = read_all(dir / "prog", o);
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(r.docs.empty());
  EXPECT_EQ(r.stats.skipped_files, 1u);
  // In a directory of documents, the binary file is skipped and the text files kept.
  const fs::path docs = temp_dir("fmt_binary_dir");
  write_file(docs / "a.txt", "alpha");
  write_file(docs / "b.bin", std::string("x\0y", 3));
  write_file(docs / "c.txt", "gamma");
  o.format = InputFormat::kDirectory;
  r = read_all(docs, o);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].id, "a.txt");
  EXPECT_EQ(r.docs[1].id, "c.txt");
  EXPECT_EQ(r.stats.skipped_files, 1u);
  o.skip_bad = false;
  r = read_all(docs, o);
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
  const ReadResult r = read_all(dir);
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
  const ReadResult d = read_all(dir, o);
  ASSERT_TRUE(d.status.ok()) << d.status.message();
  EXPECT_EQ(d.format, InputFormat::kDirectory);
  EXPECT_EQ(d.docs.size(), 5u);
}

TEST(ReaderFormatsTest, MixedDirectoryAsksForAFormatAndFormatsParse) {
  const fs::path dir = temp_dir("fmt_mixed");
  write_file(dir / "a.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\n");
  write_file(dir / "notes.txt", "some notes");
  const ReadResult r = read_all(dir);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find("a.jsonl"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("notes.txt"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("--format shards"), std::string::npos);
  ReaderOptions o;
  o.format = InputFormat::kShards;
  const ReadResult s = read_all(dir, o);  // explicit: .txt is a shard of lines
  ASSERT_TRUE(s.status.ok()) << s.status.message();
  ASSERT_EQ(s.docs.size(), 2u);
  EXPECT_EQ(s.docs[1].id, "notes.txt:1");
  EXPECT_EQ(read_all(dir / "a.jsonl", o).status.code(), StatusCode::kIoError);  // not a dir
  // A directory of plain documents stays one document per file.
  const fs::path docs = temp_dir("fmt_docs");
  write_file(docs / "x.txt", "one");
  write_file(docs / "y.html", "<p>two</p>");
  EXPECT_EQ(read_all(docs).format, InputFormat::kDirectory);
  EXPECT_EQ(read_all(docs).docs.size(), 2u);
  ASSERT_TRUE(parse_input_format("shards").ok());
  EXPECT_EQ(*parse_input_format("shards"), InputFormat::kShards);
  EXPECT_EQ(input_format_name(InputFormat::kShards), "shards");
}

// ---- byte ranges of one file (ReaderOptions::byte_begin/byte_end, locate_records) ----

struct ReadDoc {
  std::string id, text, raw;
  uint64_t line;
  bool operator==(const ReadDoc&) const = default;
};

std::vector<ReadDoc> read_all(const std::string& path, const ReaderOptions& options) {
  std::vector<ReadDoc> out;
  auto r = DocumentReader::open(path, options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return out;
  Document d;
  for (;;) {
    Result<bool> more = (*r)->next(d);
    EXPECT_TRUE(more.ok()) << more.status().message();
    if (!more.ok() || !*more) break;
    out.push_back({d.id, d.text, d.raw, d.line});
  }
  return out;
}

// A JSONL file with what makes cutting hard: records with and without ids (made-up ids carry
// line numbers), blank lines, CRLF, a long record, a BOM, and an unterminated last line.
std::string awkward_jsonl() {
  std::string s = "\xEF\xBB\xBF";
  for (int i = 0; i < 60; ++i) {
    if (i % 7 == 3) s += "\n";
    if (i % 5 == 0) {
      s += "{\"text\":\"record without id " + std::to_string(i) + "\"}\n";
    } else if (i % 11 == 0) {
      s +=
          "{\"id\":\"r" + std::to_string(i) + "\",\"text\":\"" + std::string(3000, 'x') + "\"}\r\n";
    } else {
      s += "{\"id\":\"r" + std::to_string(i) + "\",\"text\":\"words of record " +
           std::to_string(i) + "\"}\n";
    }
  }
  s += "{\"id\":\"last\",\"text\":\"no newline after me\"}";
  return s;
}

TEST(ReaderByteRange, ConsecutiveRangesReadEveryRecordOnceWithTheWholeReadsLineNumbers) {
  const auto dir = temp_dir("byte_range");
  const std::string path = (dir / "c.jsonl").string();
  const std::string data = awkward_jsonl();
  write_file(path, data);
  const std::vector<ReadDoc> whole = read_all(path, ReaderOptions{});
  ASSERT_EQ(whole.size(), 61u);
  const uint64_t size = data.size();
  // Every number of ranges from 1 to 9, and cuts at every byte of a window in the middle (a
  // cut on a newline, just after one, inside a record).
  std::vector<std::vector<uint64_t>> cuts;
  for (uint64_t n = 1; n <= 9; ++n) {
    std::vector<uint64_t> c;
    for (uint64_t i = 0; i <= n; ++i) c.push_back(size * i / n);
    cuts.push_back(c);
  }
  for (uint64_t at = 1500; at < 1700; ++at) cuts.push_back({0, at, size});
  for (const auto& c : cuts) {
    for (const bool known_lines : {false, true}) {
      std::vector<ReadDoc> pieces;
      uint64_t lines = 0;
      for (std::size_t i = 0; i + 1 < c.size(); ++i) {
        ReaderOptions o;
        o.byte_begin = c[i];
        o.byte_end = c[i + 1];
        if (known_lines) o.lines_before = lines;
        for (const ReadDoc& d : read_all(path, o)) pieces.push_back(d);
        Result<RecordRange> range = locate_records(path, c[i], c[i + 1], true);
        ASSERT_TRUE(range.ok()) << range.status().message();
        lines += range->lines;
      }
      ASSERT_EQ(pieces, whole) << "cuts " << c.size() - 1 << " at " << c[1]
                               << (known_lines ? " (lines given)" : " (lines counted)");
      // The line counts of consecutive ranges add up to the file's lines (60 records, 9 blank
      // lines, the last line).
      EXPECT_EQ(lines, 70u);
    }
  }
}

TEST(ReaderByteRange, RangesOfALinesFileAndEmptyRanges) {
  const auto dir = temp_dir("byte_range_lines");
  const std::string path = (dir / "c.txt").string();
  write_file(path, "alpha beta\ngamma delta\n\nepsilon zeta\n");
  ReaderOptions all;
  all.format = InputFormat::kLines;
  const std::vector<ReadDoc> whole = read_all(path, all);
  ASSERT_EQ(whole.size(), 3u);
  ReaderOptions a = all, b = all;
  a.byte_end = 13;  // inside "gamma delta": that record starts before 13, so it is a's
  b.byte_begin = 13;
  std::vector<ReadDoc> pieces = read_all(path, a);
  ASSERT_EQ(pieces.size(), 2u);
  for (const ReadDoc& d : read_all(path, b)) pieces.push_back(d);
  EXPECT_EQ(pieces, whole);
  EXPECT_EQ(pieces[2].id, whole[2].id);  // made-up ids carry the whole file's line numbers
  ReaderOptions none = all;
  none.byte_begin = 100;  // past the end: nothing
  EXPECT_TRUE(read_all(path, none).empty());
}

TEST(ReaderByteRange, CompressedFilesDirectoriesAndStdinRefuseARange) {
  const auto dir = temp_dir("byte_range_refused");
  write_file(dir / "c.jsonl.gz", gzip("{\"id\":\"a\",\"text\":\"x\"}\n"));
  std::filesystem::create_directories(dir / "d");
  write_file(dir / "d" / "c.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n");
  ReaderOptions o;
  o.byte_begin = 1;
  for (const std::string& path :
       {(dir / "c.jsonl.gz").string(), (dir / "d").string(), std::string("-")}) {
    auto r = DocumentReader::open(path, o);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().message();
  }
  Result<bool> gz = splittable_file((dir / "c.jsonl.gz").string());
  ASSERT_TRUE(gz.ok());
  EXPECT_FALSE(*gz);
  Result<bool> plain = splittable_file((dir / "d" / "c.jsonl").string());
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(*plain);
  EXPECT_FALSE(splittable_file((dir / "missing").string()).ok());
}

}  // namespace
}  // namespace neardup

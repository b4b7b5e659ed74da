#include "span_common.h"

#include <cstdio>

namespace neardup::cli {
namespace {

inline bool is_json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Past the JSON string starting at s[i] == '"'; npos when it does not end.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Past the JSON value starting at s[i]; npos when it does not end.
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        i = skip_string(s, i);
        if (i == std::string_view::npos) return i;
        --i;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && !is_json_space(s[i])) ++i;
  return i;
}

// The key between quotes, with the escapes \" \\ \/ undone (other escapes stay as written).
std::string_view key_text(std::string_view raw, std::string& buf) {
  if (raw.find('\\') == std::string_view::npos) return raw;
  buf.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == '/')) {
      buf.push_back(raw[++i]);
    } else {
      buf.push_back(raw[i]);
    }
  }
  return buf;
}

// [vb, ve) of the value of the top-level key `name` in the object `rec` (the first one).
bool find_field(std::string_view rec, std::string_view name, std::size_t& vb, std::size_t& ve) {
  std::size_t i = 0;
  std::string buf;
  auto ws = [&]() {
    while (i < rec.size() && is_json_space(rec[i])) ++i;
  };
  ws();
  if (i >= rec.size() || rec[i] != '{') return false;
  ++i;
  while (true) {
    ws();
    if (i >= rec.size() || rec[i] != '"') return false;
    const std::size_t ke = skip_string(rec, i);
    if (ke == std::string_view::npos) return false;
    const std::string_view key = key_text(rec.substr(i + 1, ke - i - 2), buf);
    i = ke;
    ws();
    if (i >= rec.size() || rec[i] != ':') return false;
    ++i;
    ws();
    const std::size_t b = i;
    i = skip_value(rec, i);
    if (i == std::string_view::npos) return false;
    if (key == name) {
      vb = b;
      ve = i;
      return true;
    }
    ws();
    if (i < rec.size() && rec[i] == ',') {
      ++i;
      continue;
    }
    return false;
  }
}

uint64_t count_chars(std::string_view s) {
  uint64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

SpanSharedFlags& span_shared_flags() {
  static SpanSharedFlags flags;
  return flags;
}

void add_span_shared_options(po::options_description& desc) {
  if (desc.find_nothrow("min-length", false) != nullptr) return;
  desc.add_options()("min-length", po::value(&span_shared_flags().min_length)->default_value(0),
                     "lines, substring (dedup): drop a document left with fewer characters "
                     "than this after its repeated spans were cut (0: keep every document)");
}

Status rewrite_record(const Document& doc, const std::string& text_field, std::string_view text,
                      std::string& out) {
  out.clear();
  if (doc.line == 0) {  // a document read from a directory: its path is the id
    out = "{\"id\":";
    append_json_string(out, doc.id);
    out += ",\"text\":";
    append_json_string(out, text);
    out += "}";
    return Status();
  }
  if (doc.raw == doc.text) {  // one document per line
    out.assign(text);
    return Status();
  }
  std::size_t first = 0;
  while (first < doc.raw.size() && is_json_space(doc.raw[first])) ++first;
  if (first < doc.raw.size() && doc.raw[first] == '{') {
    std::size_t vb = 0, ve = 0;
    if (!find_field(doc.raw, text_field, vb, ve)) {
      return Status::parse_error("record '" + doc.id + "': cannot find its field '" + text_field +
                                 "' to rewrite");
    }
    out.assign(doc.raw, 0, vb);
    append_json_string(out, text);
    out.append(doc.raw, ve);
    return Status();
  }
  const std::size_t tab = doc.raw.find('\t');  // TSV: id<TAB>text
  out.assign(doc.raw, 0, tab == std::string::npos ? 0 : tab + 1);
  out.append(text);
  return Status();
}

Status finish_span_doc(const Document& doc, const ClusterOptions& opt, SpanDocOut& out,
                       bool want_removed) {
  out.bytes = doc.text.size();
  out.cut_bytes = 0;
  out.dropped = false;
  for (const ByteRange& r : out.ranges) out.cut_bytes += r.end - r.begin;
  if (out.cut_bytes == 0) {
    if (doc.line != 0) {
      out.record = doc.raw;
      return Status();
    }
    return rewrite_record(doc, opt.input.reader.text_field, doc.text, out.record);
  }
  cut_ranges(doc.text, out.ranges, out.cut_text);
  const uint64_t min_length = span_shared_flags().min_length;
  if (min_length > 0) {
    const uint64_t chars = count_chars(out.cut_text);
    if (chars < min_length) {
      out.dropped = true;
      if (want_removed) {
        out.removed += "{\"id\":";
        append_json_string(out.removed, doc.id);
        out.removed += ",\"dropped\":\"min-length\",\"chars\":" + std::to_string(chars) + "}\n";
      }
      return Status();
    }
  }
  return rewrite_record(doc, opt.input.reader.text_field, out.cut_text, out.record);
}

void append_cut_line(std::string& out, std::string_view id, std::string_view text, uint32_t begin,
                     uint32_t end, int64_t docs) {
  out += "{\"id\":";
  append_json_string(out, id);
  out += ",\"begin\":" + std::to_string(begin) + ",\"end\":" + std::to_string(end) + ",\"text\":";
  append_json_string(out, text.substr(begin, end - begin));
  if (docs >= 0) out += ",\"docs\":" + std::to_string(docs);
  out += "}\n";
}

void append_span_share(std::string& line, const SpanRecord& r) {
  line = "{\"id\":";
  append_json_string(line, r.id);
  char buf[192];
  const double fraction =
      r.bytes == 0 ? 0.0 : static_cast<double>(r.repeated_bytes) / static_cast<double>(r.bytes);
  std::snprintf(buf, sizeof buf,
                ",\"bytes\":%llu,\"repeated_bytes\":%llu,\"repeated_fraction\":%.4f,\"units\":%llu,"
                "\"repeated_units\":%llu}\n",
                static_cast<unsigned long long>(r.bytes),
                static_cast<unsigned long long>(r.repeated_bytes), fraction,
                static_cast<unsigned long long>(r.units),
                static_cast<unsigned long long>(r.repeated_units));
  line += buf;
}

std::string SpanTotals::summary() const {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "cut %s (%.2f%% of the text) from %llu of %llu documents, dropped %llu under "
      "--min-length; ",
      format_megabytes(cut_bytes).c_str(),
      bytes == 0 ? 0.0 : 100.0 * static_cast<double>(cut_bytes) / static_cast<double>(bytes),
      static_cast<unsigned long long>(changed), static_cast<unsigned long long>(documents),
      static_cast<unsigned long long>(dropped));
  return buf;
}

Result<std::vector<std::string>> rereadable_inputs(const ClusterOptions& opt, SpooledStdin& spool) {
  std::vector<std::string> inputs = opt.input.inputs;
  for (std::string& input : inputs) {
    if (input != "-") continue;
    if (spool.path().empty()) {
      NEARDUP_RETURN_IF_ERROR(spool.spool(opt.memory_given ? opt.spill.resolved_dir() : ""));
    }
    input = spool.path();
  }
  return inputs;
}

void emit_span_batch(RecordSink& sink, std::vector<Document>& docs, std::size_t n,
                     std::vector<SpanDocOut>& outs, SpanTotals& totals) {
  for (std::size_t i = 0; i < n; ++i) {
    const SpanDocOut& o = outs[i];
    totals.add(o);
    SpanRecord r;
    r.id = docs[i].id;
    r.record = o.dropped ? nullptr : &o.record;
    r.removed = o.removed;
    r.bytes = o.bytes;
    r.repeated_bytes = o.repeated_bytes;
    r.units = o.units;
    r.repeated_units = o.repeated_units;
    sink.spans(r);
  }
}

}  // namespace neardup::cli

// neardup-crawl: a crawler-style loop over the embedding API (deduplicator.h), as an example.
//
//   neardup-crawl --index crawl.ndx pages.jsonl        # prints one verdict per page
//   {"id":"u1","verdict":"new"}
//   {"id":"u2","verdict":"near-duplicate","of":"u1","similarity":0.914}
//
// Streams pages, as `url<TAB>text` lines or as JSONL ({"id": ..., "text": ...}), told apart by
// the input's name (.tsv, .jsonl) or else by its first byte ('{' is JSONL); compressed input is
// read as neardup/advanced/reader.h reads it. Asks add_if_new() for each page and prints the
// verdict. A line without a tab (in a tab-separated input) is an error naming file and line. With
// --index FILE, the index is loaded from FILE if it exists (its saved options win over the command
// line) and saved back to FILE at the end (and every --save-every pages), so the next run remembers
// this run's pages.
// --backend picks the index kind of a new index (MinHash + LSH or SimHash fingerprints); a loaded
// index keeps the backend it was created with (Deduplicator::load reads it from the file).
// Exit codes: 0 success, 1 runtime failure (I/O, corrupt input or index), 2 usage error.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/reader.h"
#include "neardup/deduplicator.h"

namespace {

constexpr const char* kUsage =
    "usage: neardup-crawl [options] [FILE|-]...\n"
    "Reads pages (url<TAB>text lines, or JSONL with \"id\" and \"text\": a '{' first tells\n"
    "JSONL; '-' or no FILE = stdin) and prints one JSON\n"
    "verdict per page: {\"id\":..,\"verdict\":\"new\"} or\n"
    "{\"id\":..,\"verdict\":\"near-duplicate\",\"of\":..,\"similarity\":..}.\n"
    "\n"
    "options:\n"
    "  --index FILE       load the index from FILE if it exists, save it there at the end\n"
    "                     (default: none, the index lives for this run only)\n"
    "  --backend B        minhash (Jaccard >= --threshold) or simhash (SimHash fingerprints\n"
    "                     within --max-distance bits; similarity = 1 - distance/64) for a new\n"
    "                     index (default minhash; a loaded index keeps its backend and options)\n"
    "  --threshold T      minhash: similarity at which a page is a near-duplicate, in (0, 1]\n"
    "                     (default 0.8)\n"
    "  --max-distance K   simhash: most fingerprint bits in which a near-duplicate differs,\n"
    "                     0..63 (default 3)\n"
    "  --shingle-k K      words per shingle (default 5)\n"
    "  --save-every N     also save the index every N pages (default 0 = only at the end)\n"
    "  --id-field F       JSONL id field (default id)\n"
    "  --text-field F     JSONL text field (default text)\n"
    "  --quiet            no summary on stderr\n"
    "  --help             this text\n"
    "  --version          the version\n"
    "exit codes: 0 success, 1 runtime failure, 2 usage error\n";

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "neardup-crawl: %s\n%s", message.c_str(), kUsage);
  return 2;
}

int runtime_error(const neardup::Status& st) {
  std::fprintf(stderr, "neardup-crawl: %s\n", st.message().c_str());
  return 1;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

struct Args {
  std::string index_path;
  neardup::DeduplicatorOptions options;
  uint64_t save_every = 0;
  neardup::ReaderOptions reader;
  bool quiet = false;
  std::vector<std::string> inputs;
};

}  // namespace

int main(int argc, char** argv) {
  Args a;
  a.reader.format = neardup::InputFormat::kAuto;  // JSONL, TSV (.tsv) or lines, by name or content
  bool threshold_given = false, max_distance_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&](std::string_view& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string_view v;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--version") {
      std::fputs("neardup-crawl " NEARDUP_VERSION_STRING "\n", stdout);
      return 0;
    } else if (arg == "--quiet") {
      a.quiet = true;
    } else if (arg == "--index") {
      if (!value(v) || v.empty()) return usage_error("--index needs a FILE");
      a.index_path = v;
    } else if (arg == "--threshold") {
      if (!value(v) || !parse_number(v, a.options.threshold)) {
        return usage_error("--threshold needs a number");
      }
      threshold_given = true;
    } else if (arg == "--backend") {
      if (!value(v)) return usage_error("--backend needs minhash or simhash");
      if (v == "minhash") {
        a.options.backend = neardup::DedupBackend::kMinHash;
      } else if (v == "simhash") {
        a.options.backend = neardup::DedupBackend::kSimHash;
      } else {
        return usage_error("unknown --backend '" + std::string(v) + "' (minhash, simhash)");
      }
    } else if (arg == "--max-distance") {
      if (!value(v) || !parse_number(v, a.options.max_distance)) {
        return usage_error("--max-distance needs a number");
      }
      max_distance_given = true;
    } else if (arg == "--shingle-k") {
      if (!value(v) || !parse_number(v, a.options.shingle_k)) {
        return usage_error("--shingle-k needs a number");
      }
    } else if (arg == "--save-every") {
      if (!value(v) || !parse_number(v, a.save_every)) {
        return usage_error("--save-every needs a number");
      }
    } else if (arg == "--id-field") {
      if (!value(v)) return usage_error("--id-field needs a name");
      a.reader.id_field = v;
    } else if (arg == "--text-field") {
      if (!value(v)) return usage_error("--text-field needs a name");
      a.reader.text_field = v;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else {
      a.inputs.emplace_back(arg);
    }
  }
  if (a.inputs.empty()) a.inputs.emplace_back("-");
  const bool simhash = a.options.backend == neardup::DedupBackend::kSimHash;
  if (threshold_given && simhash) return usage_error("--threshold applies to --backend minhash");
  if (max_distance_given && !simhash) {
    return usage_error("--max-distance applies to --backend simhash");
  }
  if (neardup::Status st = a.options.validate(); !st.ok()) return usage_error(st.message());

  // Load the index of earlier runs, or start a new one.
  std::error_code ec;
  const bool resume = !a.index_path.empty() && std::filesystem::exists(a.index_path, ec);
  neardup::Result<neardup::Deduplicator> made =
      resume ? neardup::Deduplicator::load(a.index_path) : neardup::Deduplicator::create(a.options);
  if (!made.ok()) return runtime_error(made.status());
  neardup::Deduplicator& dedup = *made;
  const std::size_t size_before = dedup.size();

  uint64_t pages = 0, fresh = 0, dups = 0;
  std::string line;
  neardup::Document doc;
  for (const std::string& input : a.inputs) {
    auto reader = neardup::DocumentReader::open(input, a.reader);
    if (!reader.ok()) return runtime_error(reader.status());
    // Not JSONL (no '{' first) and not named .tsv: the reader gives whole lines; a page is
    // url<TAB>text.
    const bool split_lines = (*reader)->format() == neardup::InputFormat::kLines;
    while (true) {
      neardup::Result<bool> more = (*reader)->next(doc);
      if (!more.ok()) return runtime_error(more.status());
      if (!*more) break;
      if (split_lines) {
        const std::size_t tab = doc.text.find('\t');
        if (tab == std::string::npos) {
          return runtime_error(neardup::Status::parse_error(
              doc.source + ":" + std::to_string(doc.line) +
              ": no tab in the line (expected url<TAB>text, or JSONL)"));
        }
        doc.id.assign(doc.text, 0, tab);
        doc.text.erase(0, tab + 1);
      }
      neardup::Result<neardup::DedupVerdict> v = dedup.add_if_new(doc.id, doc.text);
      if (!v.ok()) return runtime_error(v.status().with_context(doc.source));
      line.clear();
      line += "{\"id\":";
      json_string(line, doc.id);
      if (v->added) {
        line += ",\"verdict\":\"new\"}\n";
        ++fresh;
      } else {
        line += ",\"verdict\":\"near-duplicate\",\"of\":";
        json_string(line, v->match.id);
        char sim[32];
        std::snprintf(sim, sizeof sim, ",\"similarity\":%.4g}\n", v->match.similarity);
        line += sim;
        ++dups;
      }
      std::fwrite(line.data(), 1, line.size(), stdout);
      ++pages;
      if (a.save_every != 0 && pages % a.save_every == 0 && !a.index_path.empty()) {
        if (neardup::Status st = dedup.save(a.index_path); !st.ok()) return runtime_error(st);
      }
    }
  }
  if (std::fflush(stdout) != 0) {
    return runtime_error(neardup::Status::io_error("cannot write the output"));
  }
  if (!a.index_path.empty()) {
    if (neardup::Status st = dedup.save(a.index_path); !st.ok()) return runtime_error(st);
  }
  if (!a.quiet) {
    const neardup::DedupStats s = dedup.stats();
    std::fprintf(stderr,
                 "neardup-crawl: %llu pages: %llu new, %llu near-duplicates; %s index %llu -> "
                 "%llu pages, %.0f bytes/page%s%s\n",
                 static_cast<unsigned long long>(pages), static_cast<unsigned long long>(fresh),
                 static_cast<unsigned long long>(dups),
                 std::string(neardup::dedup_backend_name(s.backend)).c_str(),
                 static_cast<unsigned long long>(size_before),
                 static_cast<unsigned long long>(s.documents), s.bytes_per_document,
                 a.index_path.empty() ? "" : ", saved to ", a.index_path.c_str());
  }
  return 0;
}

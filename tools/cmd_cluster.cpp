// neardup cluster: group documents and write one JSON line per input document, in input order.
//
// Modes plug in here; each reads the same inputs and writes the same record:
//   {"id": "...", "cluster": "<id of the cluster's first document>"}
// plus, for a document that duplicates an earlier one, "duplicate_of" (the representative's id)
// and "similarity".
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "neardup/exact.h"
#include "neardup/normalize.h"
#include "neardup/parallel.h"
#include "neardup/reader.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "cluster";
constexpr std::size_t kBatchDocs = 4096;
constexpr uint64_t kBatchBytes = 16u << 20;

struct ClusterOptions {
  CommonOptions common;
  InputOptions input;
  NormalizeFlags normalize;
  std::string mode = "exact";
  std::string output = "-";
};

// Streams documents from all inputs in batches, so that the per-document work of a batch can
// run on all threads while the order of results stays the input order.
class BatchReader {
 public:
  BatchReader(const std::vector<std::string>& inputs, const ReaderOptions& options)
      : inputs_(inputs), options_(options) {}

  // Fills docs[0..count) and returns count (0 at the end of all inputs).
  Result<std::size_t> next(std::vector<Document>& docs) {
    std::size_t count = 0;
    uint64_t bytes = 0;
    while (count < kBatchDocs && bytes < kBatchBytes) {
      if (!reader_) {
        if (next_input_ == inputs_.size()) break;
        const std::string& path = inputs_[next_input_++];
        Result<std::unique_ptr<DocumentReader>> r = DocumentReader::open(path, options_);
        if (!r.ok()) return r.status();
        reader_ = std::move(r.value());
      }
      if (docs.size() <= count) docs.resize(count + 1);
      Result<bool> more = reader_->next(docs[count]);
      if (!more.ok()) return more.status();
      if (!*more) {
        finish_reader();
        continue;
      }
      bytes += docs[count].text.size();
      ++count;
    }
    return count;
  }

  void finish_reader() {
    if (!reader_) return;
    const ReaderStats& s = reader_->stats();
    done_.records += s.records;
    done_.skipped += s.skipped;
    done_.blank_lines += s.blank_lines;
    done_.bytes += s.bytes;
    done_.files += s.files;
    reader_.reset();
  }

  // Totals over all inputs so far.
  ReaderStats stats() const {
    ReaderStats t = done_;
    if (reader_) {
      const ReaderStats& s = reader_->stats();
      t.records += s.records;
      t.skipped += s.skipped;
      t.blank_lines += s.blank_lines;
      t.bytes += s.bytes;
      t.files += s.files;
    }
    return t;
  }

  // Fraction of the input done, or -1 when unknown (several inputs, stdin).
  double done_fraction() const {
    if (inputs_.size() != 1 || !reader_ || reader_->input_size() == 0) return -1;
    return static_cast<double>(reader_->input_consumed()) /
           static_cast<double>(reader_->input_size());
  }

 private:
  const std::vector<std::string>& inputs_;
  ReaderOptions options_;
  std::size_t next_input_ = 0;
  std::unique_ptr<DocumentReader> reader_;
  ReaderStats done_;
};

void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity) {
  line.clear();
  line += "{\"id\":";
  append_json_string(line, id);
  line += ",\"cluster\":";
  append_json_string(line, cluster);
  if (duplicate_of != nullptr) {
    line += ",\"duplicate_of\":";
    append_json_string(line, *duplicate_of);
    char buf[32];
    std::snprintf(buf, sizeof buf, ",\"similarity\":%.4g", similarity);
    line += buf;
  }
  line += "}\n";
}

int run_exact(const ClusterOptions& opt) {
  const unsigned threads = opt.common.resolved_threads();
  const NormalizeOptions norm_options = opt.normalize.options();
  std::vector<Normalizer> normalizers(threads, Normalizer(norm_options));
  std::vector<std::string> scratch(threads);
  std::vector<NormalizeStats> norm_stats(threads);

  Output out;
  if (Status st = out.open(opt.output); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }

  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(kCommand), !opt.common.quiet);
  std::vector<Document> docs;
  std::vector<Hash128> keys;
  std::vector<uint8_t> empty;
  ExactIndex index;
  std::vector<std::string> first_ids;  // cluster number -> id of its first document
  uint64_t documents = 0, duplicates = 0, empty_docs = 0;
  std::string line;

  while (true) {
    Result<std::size_t> got = reader.next(docs);
    if (!got.ok()) {
      progress.finish();
      (void)out.close();  // keep what was written so far
      print_error(kCommand, got.status().message());
      return kExitFailure;
    }
    const std::size_t n = *got;
    if (n == 0) break;
    keys.resize(n);
    empty.resize(n);
    parallel_for(n, threads, [&](std::size_t i, unsigned w) {
      normalizers[w].normalize(docs[i].text, scratch[w], &norm_stats[w]);
      keys[i] = exact_key(scratch[w]);
      empty[i] = scratch[w].empty() ? 1 : 0;
    });
    for (std::size_t i = 0; i < n; ++i) {
      const ExactIndex::Match m = index.add(keys[i], first_ids.size());
      empty_docs += empty[i];
      if (m.is_new) {
        first_ids.push_back(docs[i].id);
        append_record(line, docs[i].id, docs[i].id, nullptr, 0);
      } else {
        ++duplicates;
        const std::string& first = first_ids[m.first];
        append_record(line, docs[i].id, first, &first, 1.0);
      }
      out.write(line);
      ++documents;
    }
    const ReaderStats rs = reader.stats();
    progress.update(documents, rs.bytes, reader.done_fraction());
  }
  progress.finish();
  if (Status st = out.close(); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }

  if (!opt.common.quiet) {
    NormalizeStats ns;
    for (const NormalizeStats& s : norm_stats) ns.add(s);
    const ReaderStats rs = reader.stats();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "mode exact: %llu clusters, %llu duplicates, %llu empty; skipped %llu malformed "
                  "records, %llu blank lines; repaired %llu documents (%llu invalid UTF-8 "
                  "sequences); ",
                  static_cast<unsigned long long>(first_ids.size()),
                  static_cast<unsigned long long>(duplicates),
                  static_cast<unsigned long long>(empty_docs),
                  static_cast<unsigned long long>(rs.skipped),
                  static_cast<unsigned long long>(rs.blank_lines),
                  static_cast<unsigned long long>(ns.documents_repaired),
                  static_cast<unsigned long long>(ns.invalid_sequences));
    print_error(kCommand, std::string(buf) +
                              format_rate_summary(documents, rs.bytes, progress.elapsed_seconds()) +
                              ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

}  // namespace

int cmd_cluster(const std::vector<std::string>& args) {
  ClusterOptions opt;
  po::options_description desc("options");
  desc.add_options()  //
      ("mode", po::value(&opt.mode)->default_value("exact"),
       "exact: documents whose normalized text is identical")  //
      ("output,o", po::value(&opt.output)->default_value("-"),
       "write the records here instead of stdout");
  add_input_options(desc, opt.input);
  add_normalize_options(desc, opt.normalize);
  add_common_options(desc, opt.common);

  po::variables_map vm;
  const int rc = parse_command_line(kCommand, args, desc,
                                    "neardup cluster [--mode exact] [options] FILE|DIR|- ...",
                                    &opt.input.inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;

  if (opt.input.inputs.empty()) {
    print_error(kCommand, "no input given (name files, a directory, or - for stdin)");
    return kExitUsage;
  }
  if (Status st = opt.input.resolve(); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitUsage;
  }
  if (opt.mode == "exact") return run_exact(opt);
  print_error(kCommand, "unknown --mode '" + opt.mode + "' (available: exact)");
  return kExitUsage;
}

}  // namespace neardup::cli

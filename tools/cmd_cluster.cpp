// neardup cluster: group documents and write one JSON line per input document, in input order.
//
// Modes plug in here; each reads the same inputs and writes the same record:
//   {"id": "...", "cluster": "<id of the cluster's first document>"}
// plus, for a document that duplicates an earlier one, "duplicate_of" (the representative's id)
// and "similarity".
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "neardup/exact.h"
#include "neardup/near_dup.h"
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
  // --mode near
  double threshold = 0.8;
  std::string shingle = "word:5";
  uint32_t num_perm = 128;
  std::string minhash = "oph";
  uint32_t bands = 0, rows = 0;
  std::string verify = "shingles";
  std::string linkage = "components";
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
    done_.add(reader_->stats());
    reader_.reset();
  }

  // Totals over all inputs so far.
  ReaderStats stats() const {
    ReaderStats t = done_;
    if (reader_) t.add(reader_->stats());
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

// Reads every input in batches and calls process(docs, n) for each, in input order; reports
// reader errors. The next batch is read on a second thread while the current one is processed,
// so parsing and decompression overlap the per-document work. Returns kExitOk or kExitFailure.
template <class Process>
int for_each_batch(BatchReader& reader, Progress& progress, uint64_t& documents,
                   Process&& process) {
  std::vector<Document> current, next;
  Result<std::size_t> got = reader.next(current);
  while (true) {
    if (!got.ok()) {
      progress.finish();
      print_error(kCommand, got.status().message());
      return kExitFailure;
    }
    const std::size_t n = *got;
    if (n == 0) break;
    // Only the reading task touches `reader` and `next` until get() returns.
    std::future<Result<std::size_t>> ahead =
        std::async(std::launch::async, [&reader, &next] { return reader.next(next); });
    process(current, n);
    got = ahead.get();
    std::swap(current, next);
    documents += n;
    progress.update(documents, reader.stats().bytes, reader.done_fraction());
  }
  progress.finish();
  return kExitOk;
}

std::string reader_summary(const ReaderStats& rs, const NormalizeStats& ns) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "skipped %llu malformed records, %llu blank lines; kept %llu records with invalid "
                "JSON strings; repaired %llu documents (%llu invalid UTF-8 sequences); ",
                static_cast<unsigned long long>(rs.skipped),
                static_cast<unsigned long long>(rs.blank_lines),
                static_cast<unsigned long long>(rs.lenient),
                static_cast<unsigned long long>(ns.documents_repaired),
                static_cast<unsigned long long>(ns.invalid_sequences));
  return buf;
}

Result<NearDupOptions> near_options(const ClusterOptions& opt) {
  NearDupOptions o;
  o.pipeline.normalize = opt.normalize.options();
  Result<ShingleOptions> sh = parse_shingle_spec(opt.shingle);
  if (!sh.ok()) return sh.status();
  o.pipeline.shingle = *sh;
  o.pipeline.shingle.seed = opt.common.seed;
  o.minhash.num_perm = opt.num_perm;
  o.minhash.seed = opt.common.seed;
  if (opt.minhash == "oph") {
    o.minhash.scheme = MinHashScheme::kOnePermutation;
  } else if (opt.minhash == "perm") {
    o.minhash.scheme = MinHashScheme::kPermutations;
  } else {
    return Status::invalid_argument("unknown --minhash '" + opt.minhash + "' (oph, perm)");
  }
  o.threshold = opt.threshold;
  o.bands = opt.bands;
  o.rows = opt.rows;
  if (opt.verify == "shingles") {
    o.verify = VerifyMode::kShingles;
  } else if (opt.verify == "signature") {
    o.verify = VerifyMode::kSignature;
  } else {
    return Status::invalid_argument("unknown --verify '" + opt.verify + "' (shingles, signature)");
  }
  if (opt.linkage == "components") {
    o.linkage = Linkage::kComponents;
  } else if (opt.linkage == "representative") {
    o.linkage = Linkage::kRepresentative;
  } else {
    return Status::invalid_argument("unknown --linkage '" + opt.linkage +
                                    "' (components, representative)");
  }
  NEARDUP_RETURN_IF_ERROR(o.validate());
  return o;
}

int run_near(const ClusterOptions& opt, const NearDupOptions& near) {
  const unsigned threads = opt.common.resolved_threads();
  Result<NearDupClusterer> created = NearDupClusterer::create(near);
  if (!created.ok()) {
    print_error(kCommand, created.status().message());
    return kExitUsage;
  }
  NearDupClusterer& clusterer = *created;
  Output out;
  if (Status st = out.open(opt.output); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  std::vector<NearDupClusterer::Scratch> scratch(threads);
  std::vector<PreparedDoc> prepared;
  std::vector<std::string> ids;
  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(kCommand), !opt.common.quiet);
  uint64_t documents = 0;
  const int rc =
      for_each_batch(reader, progress, documents, [&](std::vector<Document>& docs, std::size_t n) {
        if (prepared.size() < n) prepared.resize(n);
        parallel_for(n, threads, [&](std::size_t i, unsigned w) {
          clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
        });
        for (std::size_t i = 0; i < n; ++i) {
          clusterer.add(prepared[i]);
          ids.push_back(docs[i].id);
        }
      });
  if (rc != kExitOk) {
    (void)out.close();
    return rc;
  }
  const std::vector<NearDupAssignment> assignment = clusterer.finish();
  std::string line;
  uint64_t clusters = 0, duplicates = 0;
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    const NearDupAssignment& a = assignment[i];
    if (a.cluster == i) {
      ++clusters;
      append_record(line, ids[i], ids[i], nullptr, 0);
    } else {
      ++duplicates;
      append_record(line, ids[i], ids[a.cluster], &ids[a.representative], a.similarity);
    }
    out.write(line);
  }
  if (Status st = out.close(); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  if (!opt.common.quiet) {
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats());
    const NearDupStats& st = clusterer.stats();
    const LshParams lsh = clusterer.lsh_params();
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "mode near (threshold %.2f, %s, %u slots, %u bands x %u rows): %llu clusters, "
        "%llu duplicates (%llu exact); %llu candidate pairs, %llu verified, %llu "
        "rejected; index %.1f MB; ",
        near.threshold, opt.shingle.c_str(), near.minhash.num_perm, lsh.bands, lsh.rows,
        static_cast<unsigned long long>(clusters), static_cast<unsigned long long>(duplicates),
        static_cast<unsigned long long>(st.exact_duplicates),
        static_cast<unsigned long long>(st.candidates),
        static_cast<unsigned long long>(st.verified), static_cast<unsigned long long>(st.rejected),
        static_cast<double>(clusterer.memory_bytes()) / 1e6);
    print_error(kCommand, std::string(buf) + reader_summary(reader.stats(), ns) +
                              format_rate_summary(documents, reader.stats().bytes,
                                                  progress.elapsed_seconds()) +
                              ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

int run_exact(const ClusterOptions& opt) {
  const unsigned threads = opt.common.resolved_threads();
  std::vector<Normalizer> normalizers(threads, Normalizer(opt.normalize.options()));
  std::vector<std::string> scratch(threads);
  std::vector<NormalizeStats> norm_stats(threads);

  Output out;
  if (Status st = out.open(opt.output); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(kCommand), !opt.common.quiet);
  std::vector<Hash128> keys;
  std::vector<uint8_t> empty;
  ExactIndex index;
  std::vector<std::string> first_ids;  // cluster number -> id of its first document
  uint64_t documents = 0, duplicates = 0, empty_docs = 0;
  std::string line;
  // Records stream out batch by batch: an exact cluster's id is known when its first member
  // is read, so memory holds only one id per distinct text.
  const int rc =
      for_each_batch(reader, progress, documents, [&](std::vector<Document>& docs, std::size_t n) {
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
        }
      });
  if (rc != kExitOk) {
    (void)out.close();  // keep what was written so far
    return rc;
  }
  if (Status st = out.close(); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  if (!opt.common.quiet) {
    NormalizeStats ns;
    for (const NormalizeStats& s : norm_stats) ns.add(s);
    char buf[256];
    std::snprintf(buf, sizeof buf, "mode exact: %llu clusters, %llu duplicates, %llu empty; ",
                  static_cast<unsigned long long>(first_ids.size()),
                  static_cast<unsigned long long>(duplicates),
                  static_cast<unsigned long long>(empty_docs));
    print_error(kCommand, std::string(buf) + reader_summary(reader.stats(), ns) +
                              format_rate_summary(documents, reader.stats().bytes,
                                                  progress.elapsed_seconds()) +
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
       "exact: identical normalized text; near: MinHash/LSH near-duplicates (Jaccard of "
       "shingle sets >= --threshold)")  //
      ("threshold", po::value(&opt.threshold)->default_value(0.8),
       "near: Jaccard similarity at which documents are near-duplicates")  //
      ("shingle", po::value(&opt.shingle)->default_value("word:5"),
       "near: shingles, word:K (K words) or char:K (K characters)")                      //
      ("num-perm", po::value(&opt.num_perm)->default_value(128), "near: MinHash slots")  //
      ("minhash", po::value(&opt.minhash)->default_value("oph"),
       "near: oph (one-permutation + densification) or perm (k hash functions)")  //
      ("bands", po::value(&opt.bands)->default_value(0),
       "near: LSH bands (0 = derived from --threshold and --num-perm)")                          //
      ("rows", po::value(&opt.rows)->default_value(0), "near: LSH rows per band (0 = derived)")  //
      ("verify", po::value(&opt.verify)->default_value("shingles"),
       "near: check candidates by exact Jaccard of shingle sets (shingles) or by the 32-bit "
       "signature estimate (signature: less memory)")  //
      ("linkage", po::value(&opt.linkage)->default_value("components"),
       "near: components (connected components of verified pairs) or representative (no "
       "chaining: join a cluster only if similar to its first document)")  //
      ("output,o", po::value(&opt.output)->default_value("-"),
       "write the records here instead of stdout");
  add_input_options(desc, opt.input);
  add_normalize_options(desc, opt.normalize);
  add_common_options(desc, opt.common);

  po::variables_map vm;
  const int rc = parse_command_line(kCommand, args, desc,
                                    "neardup cluster [--mode exact|near] [options] FILE|DIR|- ...",
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
  if (opt.mode == "near") {
    Result<NearDupOptions> near = near_options(opt);
    if (!near.ok()) {
      print_error(kCommand, near.status().message());
      return kExitUsage;
    }
    return run_near(opt, *near);
  }
  print_error(kCommand, "unknown --mode '" + opt.mode + "' (available: exact, near)");
  return kExitUsage;
}

}  // namespace neardup::cli

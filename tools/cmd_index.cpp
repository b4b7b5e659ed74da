// neardup index build|add|query: a persistent near-duplicate index file (NearDupIndex).
//
//   neardup index build --index crawl.ndx [--threshold 0.8 ...] day1.jsonl   create and save
//   neardup index add   --index crawl.ndx day2.jsonl                         load, add, save
//   neardup index query --index crawl.ndx [--add] day3.jsonl                 one JSON line per doc
//
// Documents are read in batches; each batch is signed on all threads and then added or queried
// in input order, so the index file and the output are the same for any thread count.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli_common.h"
#include "cluster_common.h"
#include "commands.h"
#include "neardup/index.h"
#include "neardup/parallel.h"
#include "neardup/reader.h"

namespace neardup::cli {
namespace {

constexpr std::size_t kBatchDocs = 4096;
constexpr uint64_t kBatchBytes = 16u << 20;

enum class Action { kBuild, kAdd, kQuery };

struct IndexCliOptions {
  CommonOptions common;
  InputOptions input;
  NormalizeFlags normalize;
  std::string index_path;
  std::string output = "-";
  bool add_new = false;  // query --add
  double threshold = 0.8;
  std::string shingle = "word:5";
  uint32_t num_perm = 128;
  std::string minhash = "oph";
  uint32_t bands = 0, rows = 0;
};

// The same flag parsing as near mode (cluster_common.h).
Result<IndexOptions> index_options(const IndexCliOptions& opt) {
  IndexOptions o;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  o.pipeline = *pipeline;
  Result<MinHashParams> minhash = minhash_params(opt.num_perm, opt.minhash, opt.common.seed);
  if (!minhash.ok()) return minhash.status();
  o.minhash = *minhash;
  o.threshold = opt.threshold;
  o.bands = opt.bands;
  o.rows = opt.rows;
  NEARDUP_RETURN_IF_ERROR(o.validate());
  return o;
}

// Reads all inputs in input order, in batches of documents.
class Batches {
 public:
  Batches(const std::vector<std::string>& inputs, const ReaderOptions& options)
      : inputs_(inputs), options_(options) {}

  Result<std::size_t> next(std::vector<Document>& docs) {
    std::size_t count = 0;
    uint64_t bytes = 0;
    while (count < kBatchDocs && bytes < kBatchBytes) {
      if (!reader_) {
        if (next_input_ == inputs_.size()) break;
        Result<std::unique_ptr<DocumentReader>> r =
            DocumentReader::open(inputs_[next_input_++], options_);
        if (!r.ok()) return r.status();
        reader_ = std::move(r.value());
      }
      if (docs.size() <= count) docs.resize(count + 1);
      Result<bool> more = reader_->next(docs[count]);
      if (!more.ok()) return more.status();
      if (!*more) {
        done_.add(reader_->stats());
        reader_.reset();
        continue;
      }
      bytes += docs[count].text.size();
      ++count;
    }
    return count;
  }
  ReaderStats stats() const {
    ReaderStats t = done_;
    if (reader_) t.add(reader_->stats());
    return t;
  }

 private:
  const std::vector<std::string>& inputs_;
  ReaderOptions options_;
  std::size_t next_input_ = 0;
  std::unique_ptr<DocumentReader> reader_;
  ReaderStats done_;
};

void append_query_record(std::string& line, std::string_view id, const IndexMatch* match) {
  line.clear();
  line += "{\"id\":";
  append_json_string(line, id);
  line += ",\"match\":";
  if (match == nullptr) {
    line += "null}\n";
    return;
  }
  append_json_string(line, match->id);
  char buf[48];
  std::snprintf(buf, sizeof buf, ",\"similarity\":%.4g}\n", match->similarity);
  line += buf;
}

int run(Action action, const std::string& command, const IndexCliOptions& opt) {
  // The index: created from the options (build) or loaded (add, query).
  std::unique_ptr<NearDupIndex> index;
  if (action == Action::kBuild) {
    Result<IndexOptions> o = index_options(opt);
    if (!o.ok()) {
      print_error(command, o.status().message());
      return kExitUsage;
    }
    Result<NearDupIndex> created = NearDupIndex::create(*o);
    if (!created.ok()) {
      print_error(command, created.status().message());
      return kExitUsage;
    }
    index = std::make_unique<NearDupIndex>(std::move(created.value()));
  } else {
    Result<NearDupIndex> loaded = NearDupIndex::load(opt.index_path);
    if (!loaded.ok()) {
      print_error(command, loaded.status().message());
      return kExitFailure;
    }
    index = std::make_unique<NearDupIndex>(std::move(loaded.value()));
  }
  const std::size_t before = index->size();

  Output out;
  if (action == Action::kQuery) {
    if (Status st = out.open(opt.output); !st.ok()) {
      print_error(command, st.message());
      return kExitFailure;
    }
  }
  const unsigned threads = opt.common.resolved_threads();
  const uint32_t k = index->num_perm();
  Batches batches(opt.input.inputs, opt.input.reader);
  Progress progress(command, !opt.common.quiet);
  std::vector<Document> docs;
  std::vector<uint32_t> sigs;
  std::vector<uint8_t> sign_failed;
  std::string line;
  uint64_t documents = 0, matched = 0;
  Status failure;
  while (failure.ok()) {
    Result<std::size_t> got = batches.next(docs);
    if (!got.ok()) {
      failure = got.status();
      break;
    }
    const std::size_t n = *got;
    if (n == 0) break;
    sigs.resize(n * k);
    sign_failed.assign(n, 0);
    parallel_for(n, threads, [&](std::size_t i, unsigned) {
      const std::span<uint32_t> sig(sigs.data() + i * k, k);
      sign_failed[i] = index->sign(docs[i].text, sig).ok() ? 0 : 1;
    });
    for (std::size_t i = 0; i < n && failure.ok(); ++i) {
      const std::span<const uint32_t> sig(sigs.data() + i * k, k);
      if (sign_failed[i] != 0) {
        failure = Status::internal("signing failed");
        break;
      }
      if (action != Action::kQuery) {
        failure = index->add_signature(docs[i].id, sig);
        continue;
      }
      if (opt.add_new) {
        Result<AddIfNewResult> r = index->add_if_new_signature(docs[i].id, sig);
        if (!r.ok()) {
          failure = r.status();
          break;
        }
        matched += r->added ? 0u : 1u;
        append_query_record(line, docs[i].id, r->added ? nullptr : &r->match);
      } else {
        Result<std::vector<IndexMatch>> r = index->query_signature(sig, 1);
        if (!r.ok()) {
          failure = r.status();
          break;
        }
        matched += r->empty() ? 0u : 1u;
        append_query_record(line, docs[i].id, r->empty() ? nullptr : &r->front());
      }
      out.write(line);
    }
    documents += n;
    progress.update(documents, batches.stats().bytes, -1);
  }
  progress.finish();
  if (action == Action::kQuery) {
    if (Status st = out.close(); !st.ok() && failure.ok()) failure = st;
  }
  if (!failure.ok()) {
    print_error(command, failure.message());
    return kExitFailure;
  }
  // query --add saves only when something was added.
  const bool save = action != Action::kQuery || (opt.add_new && index->size() != before);
  if (save) {
    if (Status st = index->save(opt.index_path); !st.ok()) {
      print_error(command, st.message());
      return kExitFailure;
    }
  }
  if (!opt.common.quiet) {
    std::error_code ec;
    const uint64_t file_bytes =
        save || std::filesystem::exists(opt.index_path, ec)
            ? static_cast<uint64_t>(std::filesystem::file_size(opt.index_path, ec))
            : 0;
    const std::size_t total = index->size();
    const LshParams lsh = index->lsh_params();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%llu documents read, %llu added, %llu near-duplicates of indexed documents; "
                  "index %s: %zu documents (threshold %.2f, %u slots, %u bands x %u rows), "
                  "%.1f MB on disk (%.0f bytes/doc), %.1f MB in memory; ",
                  static_cast<unsigned long long>(documents),
                  static_cast<unsigned long long>(total - before),
                  static_cast<unsigned long long>(matched), opt.index_path.c_str(), total,
                  index->options().threshold, k, lsh.bands, lsh.rows,
                  static_cast<double>(ec ? 0 : file_bytes) / 1e6,
                  total == 0 ? 0.0 : static_cast<double>(file_bytes) / static_cast<double>(total),
                  static_cast<double>(index->memory_bytes()) / 1e6);
    print_error(command, std::string(buf) +
                             format_rate_summary(documents, batches.stats().bytes,
                                                 progress.elapsed_seconds()) +
                             ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

void print_index_usage(std::ostream& os) {
  os << "usage: neardup index build --index FILE [options] FILE|DIR|- ...\n"
        "       neardup index add   --index FILE [options] FILE|DIR|- ...\n"
        "       neardup index query --index FILE [--add] [options] FILE|DIR|- ...\n"
        "       neardup index <build|add|query> --help\n\n"
        "build  creates an index of the inputs (MinHash signatures + LSH) and saves it\n"
        "add    loads the index, adds the inputs, saves it (atomic replace)\n"
        "query  one JSON line per input document, in input order:\n"
        "       {\"id\":...,\"match\":\"<best indexed id>\",\"similarity\":0.91} or "
        "{\"id\":...,\"match\":null};\n"
        "       with --add, new documents are added and the index is saved\n\n"
        "exit codes: 0 success, 1 runtime failure (I/O, corrupt index or input),\n"
        "            2 usage error (unknown flag, bad value)\n";
}

}  // namespace

int cmd_index(const std::vector<std::string>& args) {
  if (args.empty()) {
    print_index_usage(std::cerr);
    return kExitUsage;
  }
  const std::string& sub = args[0];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    print_index_usage(std::cout);
    return kExitOk;
  }
  Action action;
  if (sub == "build") {
    action = Action::kBuild;
  } else if (sub == "add") {
    action = Action::kAdd;
  } else if (sub == "query") {
    action = Action::kQuery;
  } else {
    print_error("index", "unknown subcommand '" + sub + "' (build, add, query)");
    return kExitUsage;
  }
  const std::string command = "index " + sub;
  IndexCliOptions opt;
  po::options_description desc("options");
  desc.add_options()("index", po::value(&opt.index_path), "the index file (required)");
  if (action == Action::kBuild) {
    desc.add_options()  //
        ("threshold", po::value(&opt.threshold)->default_value(0.8, "0.8"),
         "estimated Jaccard similarity at which a document matches")  //
        ("shingle", po::value(&opt.shingle)->default_value("word:5"),
         "shingles, word:K (K words) or char:K (K characters)")                      //
        ("num-perm", po::value(&opt.num_perm)->default_value(128), "MinHash slots")  //
        ("minhash", po::value(&opt.minhash)->default_value("oph"),
         "oph (one-permutation + densification) or perm (k hash functions)")  //
        ("bands", po::value(&opt.bands)->default_value(0),
         "LSH bands (0 = derived from --threshold and --num-perm)")  //
        ("rows", po::value(&opt.rows)->default_value(0), "LSH rows per band (0 = derived)");
    add_normalize_options(desc, opt.normalize);
  }
  if (action == Action::kQuery) {
    desc.add_options()  //
        ("add", po::bool_switch(&opt.add_new),
         "add the documents that match nothing (checked and added one by one, in input order) "
         "and save the index")  //
        ("output,o", po::value(&opt.output)->default_value("-"),
         "write the records here instead of stdout");
  }
  add_input_options(desc, opt.input);
  add_common_options(desc, opt.common);

  std::string usage = "neardup " + command + " --index FILE [options] FILE|DIR|- ...";
  if (action != Action::kBuild) {
    usage +=
        "\n\nThe index options (threshold, shingles, normalization, slots, seed) are stored in "
        "the index file.";
  }
  po::variables_map vm;
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const int rc = parse_command_line(command, rest, desc, usage, &opt.input.inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (opt.index_path.empty()) {
    print_error(command, "needs --index FILE");
    return kExitUsage;
  }
  if (action != Action::kBuild && !vm["seed"].defaulted()) {
    print_error(command, "--seed is stored in the index; it can only be set by 'index build'");
    return kExitUsage;
  }
  if (opt.input.inputs.empty()) {
    print_error(command, "no input given (name files, a directory, or - for stdin)");
    return kExitUsage;
  }
  if (Status st = opt.input.resolve(); !st.ok()) {
    print_error(command, st.message());
    return kExitUsage;
  }
  return run(action, command, opt);
}

}  // namespace neardup::cli

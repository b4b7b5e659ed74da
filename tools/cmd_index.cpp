// neardup index build|add|query: a persistent near-duplicate index file, MinHash (NearDupIndex,
// --mode near, the default), SimHash (SimHashIndex, --mode simhash) or containment
// (ContainmentIndex, --mode containment or --measure containment).
//
//   neardup index build --index crawl.ndx [--threshold 0.8 ...] day1.jsonl   create and save
//   neardup index build --index crawl.nds --mode simhash [--max-distance 3] day1.jsonl
//   neardup index build --index crawl.ndc --mode containment [--direction either] day1.jsonl
//   neardup index add   --index crawl.ndx day2.jsonl                         load, add, save
//   neardup index query --index crawl.ndx [--add] day3.jsonl                 one JSON line per doc
//
// add and query read the kind and every option from the index file (its magic bytes).
// Documents are read in batches; each batch is signed (or fingerprinted) on all threads and
// then added or queried in input order, so the index file and the output are the same for any
// thread count.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "batch_runner.h"
#include "cli_common.h"
#include "commands.h"
#include "mode.h"
#include "neardup/advanced/containment_index.h"
#include "neardup/advanced/index.h"
#include "neardup/advanced/open_index.h"
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/simhash_index.h"

namespace neardup::cli {
namespace {

// Larger batches than clustering's: a batch's only per-document state is a signature or a
// fingerprint, so 16 MB of text per batch costs little and keeps the threads busy longer.
constexpr BatchLimits kIndexBatch{.docs = 4096, .bytes = uint64_t{16} << 20};

enum class Action { kBuild, kAdd, kQuery };

// The similarity group (SimilarityFlags: --threshold, --shingle, ..., --bits, --max-distance)
// is a base, as in ClusterOptions.
struct IndexCliOptions : SimilarityFlags {
  CommonOptions common;
  InputOptions input;
  NormalizeFlags normalize;
  std::string index_path;
  std::string output = "-";
  bool add_new = false;                    // query --add
  std::string on_existing_id = "replace";  // build, add: replace | refuse | keep
  std::string mode =
      "near";  // the index kind, a mode of the mode table: near, simhash, containment
  std::string measure = "jaccard";             // --measure containment = --mode containment
  std::string direction = "query-in-indexed";  // containment: what a query asks
};

constexpr double kDefaultContainmentThreshold = 0.9;  // as --mode containment

// The containment index from the same flags as `neardup cluster --mode containment`.
Result<ContainmentIndexOptions> containment_index_options(const IndexCliOptions& opt) {
  ContainmentIndexOptions o;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  o.pipeline = *pipeline;
  o.threshold = opt.threshold_given ? opt.threshold : kDefaultContainmentThreshold;
  o.num_perm = opt.num_perm;
  o.seed = opt.common.seed;
  Result<ContainmentDirection> direction = parse_containment_direction(opt.direction);
  if (!direction.ok()) {
    return Status::invalid_argument("unknown --direction '" + opt.direction +
                                    "' (query-in-indexed, indexed-in-query, either)");
  }
  o.direction = *direction;
  if (Status st = o.validate(); !st.ok()) {
    return Status::invalid_argument(st.message() +
                                    " (--mode containment: --threshold in (0, 1], "
                                    "--num-perm 1..1024)");
  }
  return o;
}

// The similarity group resolved as near mode resolves it (tools/modes/near.cpp).
Result<IndexOptions> index_options(const IndexCliOptions& opt) {
  IndexOptions o;
  Result<SimilarityOptions> similarity = similarity_options(opt, opt.normalize, opt.common.seed);
  if (!similarity.ok()) return similarity.status();
  o.similarity = *similarity;
  NEARDUP_RETURN_IF_ERROR(o.validate());
  return o;
}

// The same flag parsing as `neardup cluster --mode simhash` (tf weights only: an index grows one
// document at a time, without corpus document frequencies).
Result<SimHashIndexOptions> simhash_index_options(const IndexCliOptions& opt) {
  SimHashIndexOptions o;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  o.pipeline = *pipeline;
  o.simhash.bits = opt.simhash_bits;
  o.simhash.seed = opt.common.seed;
  if (!o.simhash.validate().ok()) {
    return Status::invalid_argument("--bits must be 64 or 128, not " +
                                    std::to_string(opt.simhash_bits));
  }
  o.max_distance = opt.max_distance;
  if (Status st = o.validate(); !st.ok()) {
    return Status::invalid_argument("--max-distance " + std::to_string(opt.max_distance) + ": " +
                                    st.message());
  }
  return o;
}

// The two index kinds behind one interface for the batch loop: sketch() signs or fingerprints a
// batch on all threads into slots 0..n-1, then the other calls use those slots in input order.
class CliIndex {
 public:
  virtual ~CliIndex() = default;
  virtual Status sketch(const std::vector<Document>& docs, std::size_t n,
                        const ParallelRunner& run) = 0;
  virtual Status add(std::string_view id, std::size_t slot) = 0;
  virtual Result<std::vector<IndexMatch>> query_best(std::size_t slot) const = 0;
  virtual Result<AddIfNewResult> add_if_new(std::string_view id, std::size_t slot) = 0;
  virtual std::size_t size() const = 0;
  virtual bool contains(std::string_view id) const = 0;
  virtual Result<std::size_t> remove(std::string_view id) = 0;
  virtual std::size_t memory_bytes() const = 0;
  virtual Status save(const std::string& path) const = 0;
  // "threshold 0.80, 128 slots, 14 bands x 9 rows" for the summary.
  virtual std::string describe() const = 0;
  // Whether matches carry containments (query records then print them).
  virtual bool containment() const { return false; }
};

// What every kind forwards to its index as it is: size, membership, removal, memory, save.
template <class Index>
class CliIndexOf : public CliIndex {
 public:
  explicit CliIndexOf(Index index) : index_(std::move(index)) {}
  std::size_t size() const override { return index_.size(); }
  bool contains(std::string_view id) const override { return index_.contains(id); }
  Result<std::size_t> remove(std::string_view id) override { return index_.remove(id); }
  std::size_t memory_bytes() const override { return index_.memory_bytes(); }
  Status save(const std::string& path) const override { return index_.save(path); }

 protected:
  Index index_;
};

class MinHashCliIndex final : public CliIndexOf<NearDupIndex> {
 public:
  using CliIndexOf::CliIndexOf;

  Status sketch(const std::vector<Document>& docs, std::size_t n,
                const ParallelRunner& run) override {
    const uint32_t k = index_.num_perm();
    sigs_.resize(n * k);
    failed_.assign(n, 0);
    run(n, [&](std::size_t i, unsigned) {
      failed_[i] = index_.sign(docs[i].text, slot(i)).ok() ? 0 : 1;
    });
    for (const uint8_t f : failed_) {
      if (f != 0) return Status::internal("signing failed");
    }
    return Status();
  }
  Status add(std::string_view id, std::size_t i) override {
    return index_.add_signature(id, slot(i));
  }
  Result<std::vector<IndexMatch>> query_best(std::size_t i) const override {
    return index_.query_signature(slot(i), 1);
  }
  Result<AddIfNewResult> add_if_new(std::string_view id, std::size_t i) override {
    return index_.add_if_new_signature(id, slot(i));
  }
  std::string describe() const override {
    const LshParams lsh = index_.lsh_params();
    char buf[128];
    std::snprintf(buf, sizeof buf, "threshold %.2f, %u slots, %u bands x %u rows",
                  index_.options().similarity.threshold, index_.num_perm(), lsh.bands, lsh.rows);
    return buf;
  }

 private:
  std::span<uint32_t> slot(std::size_t i) {
    return {sigs_.data() + i * index_.num_perm(), index_.num_perm()};
  }
  std::span<const uint32_t> slot(std::size_t i) const {
    return {sigs_.data() + i * index_.num_perm(), index_.num_perm()};
  }
  std::vector<uint32_t> sigs_;
  std::vector<uint8_t> failed_;
};

class SimHashCliIndex final : public CliIndexOf<SimHashIndex> {
 public:
  using CliIndexOf::CliIndexOf;

  Status sketch(const std::vector<Document>& docs, std::size_t n,
                const ParallelRunner& run) override {
    fps_.resize(n);
    run(n, [&](std::size_t i, unsigned) { fps_[i] = index_.fingerprint(docs[i].text); });
    return Status();
  }
  Status add(std::string_view id, std::size_t i) override {
    return index_.add_fingerprint(id, fps_[i]);
  }
  Result<std::vector<IndexMatch>> query_best(std::size_t i) const override {
    return index_.query_fingerprint(fps_[i], 1);
  }
  Result<AddIfNewResult> add_if_new(std::string_view id, std::size_t i) override {
    return index_.add_if_new_fingerprint(id, fps_[i]);
  }
  std::string describe() const override {
    char buf[128];
    std::snprintf(buf, sizeof buf, "simhash, %u bits, max distance %u, %u tables", index_.bits(),
                  index_.options().max_distance, index_.tables());
    return buf;
  }

 private:
  std::vector<TextFingerprint> fps_;
};

class ContainmentCliIndex final : public CliIndexOf<ContainmentIndex> {
 public:
  using CliIndexOf::CliIndexOf;

  Status sketch(const std::vector<Document>& docs, std::size_t n,
                const ParallelRunner& run) override {
    if (pages_.size() < n) pages_.resize(n);
    run(n, [&](std::size_t i, unsigned) { index_.prepare(docs[i].text, pages_[i]); });
    return Status();
  }
  Status add(std::string_view id, std::size_t i) override {
    return index_.add_prepared(id, pages_[i]);
  }
  Result<std::vector<IndexMatch>> query_best(std::size_t i) const override {
    return index_.query_prepared(pages_[i], 1);
  }
  Result<AddIfNewResult> add_if_new(std::string_view id, std::size_t i) override {
    return index_.add_if_new_prepared(id, pages_[i]);
  }
  std::string describe() const override {
    char buf[160];
    std::snprintf(buf, sizeof buf, "containment %.2f %s, %u slots, %u band entries",
                  index_.options().threshold,
                  std::string(containment_direction_name(index_.options().direction)).c_str(),
                  index_.options().num_perm, index_.band_entries());
    return buf;
  }
  bool containment() const override { return true; }

 private:
  std::vector<ContainmentIndex::PreparedPage> pages_;
};

// Loads an index of any kind, by the file's magic bytes (open_index.h).
Result<std::unique_ptr<CliIndex>> load_index(const std::string& path) {
  Result<AnyIndex> loaded = open_index(path);
  if (!loaded.ok()) return loaded.status();
  if (ContainmentIndex* contained = std::get_if<ContainmentIndex>(&*loaded)) {
    return std::unique_ptr<CliIndex>(std::make_unique<ContainmentCliIndex>(std::move(*contained)));
  }
  if (SimHashIndex* simhash = std::get_if<SimHashIndex>(&*loaded)) {
    return std::unique_ptr<CliIndex>(std::make_unique<SimHashCliIndex>(std::move(*simhash)));
  }
  return std::unique_ptr<CliIndex>(
      std::make_unique<MinHashCliIndex>(std::move(std::get<NearDupIndex>(*loaded))));
}

// A new index from the build flags; errors are usage errors.
Result<std::unique_ptr<CliIndex>> create_index(const IndexCliOptions& opt, Mode mode) {
  if (mode == Mode::kContainment) {
    Result<ContainmentIndexOptions> o = containment_index_options(opt);
    if (!o.ok()) return o.status();
    Result<ContainmentIndex> created = ContainmentIndex::create(*o);
    if (!created.ok()) return created.status();
    return std::unique_ptr<CliIndex>(std::make_unique<ContainmentCliIndex>(std::move(*created)));
  }
  if (mode == Mode::kSimHash) {
    Result<SimHashIndexOptions> o = simhash_index_options(opt);
    if (!o.ok()) return o.status();
    Result<SimHashIndex> created = SimHashIndex::create(*o);
    if (!created.ok()) return created.status();
    return std::unique_ptr<CliIndex>(std::make_unique<SimHashCliIndex>(std::move(*created)));
  }
  Result<IndexOptions> o = index_options(opt);
  if (!o.ok()) return o.status();
  Result<NearDupIndex> created = NearDupIndex::create(*o);
  if (!created.ok()) return created.status();
  return std::unique_ptr<CliIndex>(std::make_unique<MinHashCliIndex>(std::move(*created)));
}

void append_query_record(std::string& line, std::string_view id, const IndexMatch* match,
                         bool containment) {
  line.clear();
  line += "{\"id\":";
  append_json_string(line, id);
  line += ",\"match\":";
  if (match == nullptr) {
    line += "null}\n";
    return;
  }
  append_json_string(line, match->id);
  char buf[128];
  if (containment) {
    std::snprintf(buf, sizeof buf,
                  ",\"similarity\":%.4g,\"query_in_match\":%.4g,\"match_in_query\":%.4g}\n",
                  match->similarity, match->query_in_match, match->match_in_query);
  } else {
    std::snprintf(buf, sizeof buf, ",\"similarity\":%.4g}\n", match->similarity);
  }
  line += buf;
}

int run(Action action, Mode mode, const std::string& command, const IndexCliOptions& opt) {
  // The index: created from the options (build) or loaded (add, query).
  Result<std::unique_ptr<CliIndex>> made =
      action == Action::kBuild ? create_index(opt, mode) : load_index(opt.index_path);
  if (!made.ok()) {
    print_error(command, made.status().message());
    return action == Action::kBuild ? kExitUsage : kExitFailure;
  }
  CliIndex& index = **made;
  const std::size_t before = index.size();

  Output out;
  if (action == Action::kQuery) {
    if (Status st = out.open(opt.output, opt.input.inputs); !st.ok()) {
      print_error(command, st.message());
      return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
  }
  const unsigned threads = opt.common.resolved_threads();
  BatchReader batches(opt.input.inputs, opt.input.reader, kIndexBatch);
  Progress progress(command, !opt.common.quiet);
  std::string line;
  uint64_t documents = 0, matched = 0, replaced = 0, added = 0;
  WorkPool pool(threads);
  const ParallelRunner runner = pool.runner();
  Status failure = run_batches(
      batches, progress, documents, pool,
      [&](std::vector<Document>& docs, std::size_t n) -> Status {
        NEARDUP_RETURN_IF_ERROR(index.sketch(docs, n, runner));
        for (std::size_t i = 0; i < n; ++i) {
          if (action != Action::kQuery) {
            if (opt.on_existing_id != "keep" && index.contains(docs[i].id)) {
              if (opt.on_existing_id == "refuse") {
                return Status::invalid_argument("id '" + docs[i].id + "' (" + docs[i].source + ":" +
                                                std::to_string(docs[i].line) +
                                                ") is already in the index; nothing was saved "
                                                "(--on-existing-id replace replaces it)");
              }
              Result<std::size_t> gone = index.remove(docs[i].id);
              if (!gone.ok()) return gone.status();
              replaced += *gone;
            }
            NEARDUP_RETURN_IF_ERROR(index.add(docs[i].id, i));
            ++added;
            continue;
          }
          if (opt.add_new) {
            Result<AddIfNewResult> r = index.add_if_new(docs[i].id, i);
            if (!r.ok()) return r.status();
            matched += r->added ? 0u : 1u;
            append_query_record(line, docs[i].id, r->added ? nullptr : &r->match,
                                index.containment());
          } else {
            Result<std::vector<IndexMatch>> r = index.query_best(i);
            if (!r.ok()) return r.status();
            matched += r->empty() ? 0u : 1u;
            append_query_record(line, docs[i].id, r->empty() ? nullptr : &r->front(),
                                index.containment());
          }
          out.write(line);
        }
        return Status();
      });
  if (action == Action::kQuery) {
    if (!failure.ok()) {
      out.discard();
    } else if (Status st = out.close(); !st.ok()) {
      failure = st;
    }
  }
  if (!failure.ok()) {
    print_error(command, failure.message());
    return kExitFailure;
  }
  // query --add saves only when something was added.
  const bool save = action != Action::kQuery || (opt.add_new && index.size() != before);
  if (save) {
    if (Status st = index.save(opt.index_path); !st.ok()) {
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
    const std::size_t total = index.size();
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "%llu documents read, %llu added (%llu replacing a document with their id), "
        "%llu near-duplicates of indexed documents; "
        "index %s: %zu documents (%s), "
        "%.1f MB on disk (%.0f bytes/doc), %.1f MB in memory; ",
        static_cast<unsigned long long>(documents),
        static_cast<unsigned long long>(action == Action::kQuery ? total - before : added),
        static_cast<unsigned long long>(replaced), static_cast<unsigned long long>(matched),
        opt.index_path.c_str(), total, index.describe().c_str(),
        static_cast<double>(ec ? 0 : file_bytes) / 1e6,
        total == 0 ? 0.0 : static_cast<double>(file_bytes) / static_cast<double>(total),
        static_cast<double>(index.memory_bytes()) / 1e6);
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
        "build  creates an index of the inputs and saves it: --mode near (default: MinHash\n"
        "       signatures + LSH, matches at estimated Jaccard >= --threshold), --mode simhash\n"
        "       (SimHash fingerprints, matches within --max-distance bits) or --mode containment\n"
        "       (= --measure containment: exact containment >= --threshold, default 0.9, of the\n"
        "       query in an indexed document, --direction query-in-indexed (default),\n"
        "       indexed-in-query or either)\n"
        "add    loads the index (either kind, told by the file), adds the inputs, saves it\n"
        "       (atomic replace)\n"
        "query  one JSON line per input document, in input order:\n"
        "       {\"id\":...,\"match\":\"<best indexed id>\",\"similarity\":0.91} or "
        "{\"id\":...,\"match\":null};\n"
        "       similarity: estimated Jaccard (near), 1 - distance/bits (simhash), exact\n"
        "       containment (containment; also \"query_in_match\" = |Q&M|/|Q| and\n"
        "       \"match_in_query\" = |Q&M|/|M|)\n"
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
  ModeChoice modes(kIndex);
  po::options_description desc("options");
  desc.add_options()("index", po::value(&opt.index_path), "the index file (required)");
  if (action == Action::kBuild) {
    // The kind of index: a mode of the mode table that `index build` accepts.
    modes.add_mode_option(desc, opt.mode, "near");
    modes.add_group(desc, [&opt](po::options_description& d) {
      add_similarity_options(d, opt, SimilarityUse::kIndex);
    });
    modes.add_group(
        desc, [&opt](po::options_description& d) { add_normalize_options(d, opt.normalize); });
    desc.add_options()  //
        ("measure", po::value(&opt.measure)->default_value("jaccard"),
         "jaccard (the --mode's measure) or containment (the same as --mode containment)")  //
        ("direction", po::value(&opt.direction)->default_value("query-in-indexed"),
         "containment: what a query asks: query-in-indexed (is the document contained in an "
         "indexed one?), indexed-in-query (does an indexed one sit inside it?) or either");
  }
  if (action != Action::kQuery) {
    desc.add_options()  //
        ("on-existing-id", po::value(&opt.on_existing_id)->default_value("replace"),
         "a document whose id is already in the index: replace (the old document goes), "
         "refuse (error, the index file stays as it was) or keep (both stay under the id)");
  }
  if (action == Action::kQuery) {
    desc.add_options()  //
        ("add", po::bool_switch(&opt.add_new),
         "add the documents that match nothing (checked and added one by one, in input order) "
         "and save the index");
    add_output_option(desc, opt.output);
  }
  add_input_options(desc, opt.input);
  // add and query take the seed, like every other setting, from the index file.
  add_common_options(desc, opt.common, action == Action::kBuild);

  std::string usage = "neardup " + command + " --index FILE [options] FILE|DIR|- ...";
  if (action != Action::kBuild) {
    usage +=
        "\n\nThe index kind and options (mode, threshold or max distance, shingles, "
        "normalization, slots or bits, seed) are stored in the index file.";
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
  if (opt.on_existing_id != "replace" && opt.on_existing_id != "refuse" &&
      opt.on_existing_id != "keep") {
    print_error(command,
                "unknown --on-existing-id '" + opt.on_existing_id + "' (replace, refuse, keep)");
    return kExitUsage;
  }
  Mode mode = Mode::kNear;
  if (action == Action::kBuild) {
    // --measure containment is --mode containment (with no --mode, or --mode containment).
    if (opt.measure == "containment") {
      if (!vm["mode"].defaulted() && opt.mode != "containment") {
        print_error(command, "--measure containment is --mode containment, not --mode " + opt.mode);
        return kExitUsage;
      }
      opt.mode = "containment";
    } else if (opt.measure != "jaccard") {
      print_error(command, "unknown --measure '" + opt.measure + "' (jaccard, containment)");
      return kExitUsage;
    }
    if (!vm["direction"].defaulted() && opt.mode != "containment") {
      print_error(command, "--direction applies to --mode containment only");
      return kExitUsage;
    }
    // Each kind's own flags only: a flag of the other kind would be silently ignored.
    Result<ModeHandler*> chosen = modes.choose(opt.mode, vm);
    Status st = chosen.ok() ? parse_threshold(opt) : chosen.status();
    if (!st.ok()) {
      print_error(command, st.message());
      return kExitUsage;
    }
    mode = modes.mode();
    // index build's --threshold defaults to near's 0.8; containment's default is 0.9.
    if (mode == Mode::kContainment) opt.threshold_given = !vm["threshold"].defaulted();
  }
  if (opt.input.inputs.empty()) {
    print_error(command, "no input given (name files, a directory, or - for stdin)");
    return kExitUsage;
  }
  if (Status st = opt.input.resolve(); !st.ok()) {
    print_error(command, st.message());
    return kExitUsage;
  }
  return run(action, mode, command, opt);
}

}  // namespace neardup::cli

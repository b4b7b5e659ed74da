// `neardup cluster --mode simhash` (and `dedup --mode simhash`): the flags and the run. The
// clustering itself (canonical exact copies, TF or TF-IDF fingerprints, all pairs within
// --max-distance bits, optional shingle-Jaccard verification, union-find, representatives) is
// neardup::SimHashClusterer (neardup/advanced/simhash_clusterer.h); this file maps the flags to
// its options, feeds it batch by batch and prints the summary line.
// Output: the same as near mode (NearRun).
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cluster_common.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/simhash_clusterer.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

// The defaults of --mode simhash, chosen by measurement (bench/results/near17.md): word
// unigrams as features (an edit moves one feature, not five), TF-IDF weights over the input
// (a page template's words are in every page and weigh nothing), 128 bits, 13 apart: the
// smallest distance that recalls 0.95 of the planted near copies at Jaccard >= 0.9 on every
// benchmark corpus (64 bits at the same recall merges more short templated Reuters notices).
constexpr std::string_view kSimHashShingle = "word:1";
constexpr uint32_t kSimHashBits = 128;
// --max-distance without a value: 13 of 128 bits; 6 of 64 (about the same angle; 7 of 64
// merges template pages).
constexpr uint32_t default_max_distance(uint32_t bits) { return bits == 128 ? 13 : 6; }

struct SimHashModeOptions : ClusterOptions {
  std::string simhash_weights = "tfidf";
};

// The library options from the flags, with the flags' names in the error messages.
Result<SimHashClustererOptions> simhash_config(const SimHashModeOptions& opt) {
  SimHashClustererOptions c;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  c.pipeline = *pipeline;
  NEARDUP_RETURN_IF_ERROR(c.pipeline.validate());
  c.simhash.bits = opt.simhash_bits;
  c.simhash.seed = opt.common.seed;
  if (Status st = c.simhash.validate(); !st.ok()) {
    return Status::invalid_argument("--bits must be 64 or 128, not " +
                                    std::to_string(opt.simhash_bits));
  }
  HammingIndexParams index;
  index.bits = opt.simhash_bits;
  index.max_distance = opt.max_distance;
  if (Status st = index.validate(); !st.ok()) {
    return Status::invalid_argument("--max-distance " + std::to_string(opt.max_distance) + ": " +
                                    st.message());
  }
  c.max_distance = opt.max_distance;
  if (opt.simhash_weights == "tf") {
    c.weights = SimHashWeights::kTf;
  } else if (opt.simhash_weights == "tfidf") {
    c.weights = SimHashWeights::kTfIdf;
  } else if (opt.simhash_weights == "logtf") {
    c.weights = SimHashWeights::kLogTf;
  } else {
    return Status::invalid_argument("unknown --simhash-weights '" + opt.simhash_weights +
                                    "' (tf, logtf, tfidf)");
  }
  if (opt.verify.empty() || opt.verify == "none") {
    c.verify = SimHashVerify::kNone;
  } else if (opt.verify == "shingles") {
    c.verify = SimHashVerify::kShingles;
  } else {
    return Status::invalid_argument("unknown --verify '" + opt.verify +
                                    "' for --mode simhash (none, shingles)");
  }
  c.threshold = opt.threshold;
  if (c.verify == SimHashVerify::kShingles && !(c.threshold >= 0 && c.threshold <= 1)) {
    return Status::invalid_argument("--threshold must be in [0, 1]");
  }
  NEARDUP_RETURN_IF_ERROR(c.validate());
  return c;
}

// Clusters all inputs with SimHashClusterer: the same result shape as near mode. Prints the
// summary (unless --quiet). Returns an exit code.
int run_simhash(std::string_view command, const SimHashModeOptions& opt, NearRun& result) {
  Result<SimHashClustererOptions> configured = simhash_config(opt);
  if (!configured.ok()) {
    print_error(command, configured.status().message());
    return kExitUsage;
  }
  Result<SimHashClusterer> created = SimHashClusterer::create(*configured, opt.set_storage);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return kExitUsage;
  }
  SimHashClusterer& clusterer = *created;
  const SimHashClustererOptions& config = clusterer.options();
  const unsigned threads = opt.common.resolved_threads();
  RepresentativeKeys keys(opt.representative, threads);
  std::vector<SimHashClusterer::Scratch> scratch(threads);
  std::vector<PreparedSimHash> prepared;
  BatchReader reader(opt.input.inputs, opt.input.reader);
  reader.check_ids(id_check_options(opt, command));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  result.ids.clear();
  WorkPool pool(threads);
  const int rc = for_each_batch(command, reader, progress, documents, pool,
                                [&](std::vector<Document>& docs, std::size_t n) {
                                  if (prepared.size() < n) prepared.resize(n);
                                  keys.start_batch(n);
                                  pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                                    clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
                                    keys.read(i, w, docs[i]);
                                  });
                                  for (std::size_t i = 0; i < n; ++i) {
                                    clusterer.add(prepared[i]);
                                    result.ids.push_back(std::move(docs[i].id));
                                    keys.keep(i, prepared[i].text_bytes);
                                  }
                                  return clusterer.status();
                                });
  if (rc != kExitOk) return rc;
  Result<std::vector<double>> priority = keys.priorities();
  if (!priority.ok()) {
    print_error(command, priority.status().message());
    return kExitUsage;
  }
  Result<std::vector<Assignment>> assigned = clusterer.finish(*priority, threads);
  if (!assigned.ok()) {
    print_error(command, assigned.status().message());
    return kExitFailure;
  }
  result.assignment = std::move(*assigned);

  {  // the summary: printed unless --quiet, recorded for --stats either way
    const SimHashStats& st = clusterer.stats();
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats());
    const std::string verify_note = config.verify == SimHashVerify::kShingles
                                        ? ", " + std::to_string(st.verified) + " verified, " +
                                              std::to_string(st.rejected) + " rejected"
                                        : std::string();
    char disk[64] = "";
    if (clusterer.disk_bytes() > 0) {
      std::snprintf(disk, sizeof disk, "; shingle sets on disk %.1f MB",
                    static_cast<double>(clusterer.disk_bytes()) / 1e6);
    }
    const std::string disk_note = disk;
    char buf[640];
    std::snprintf(buf, sizeof buf,
                  "mode simhash (%u bits, max distance %u, %s, %s, %u blocks / %u tables): %llu "
                  "clusters, %llu duplicates (%llu exact), %llu empty; %llu pairs within "
                  "distance%s; index %.1f MB%s; ",
                  config.simhash.bits, config.max_distance, opt.simhash_weights.c_str(),
                  opt.shingle.c_str(), clusterer.index_blocks(), clusterer.index_tables(),
                  static_cast<unsigned long long>(st.clusters),
                  static_cast<unsigned long long>(st.documents - st.clusters),
                  static_cast<unsigned long long>(st.exact_duplicates),
                  static_cast<unsigned long long>(st.empty),
                  static_cast<unsigned long long>(st.pairs), verify_note.c_str(),
                  static_cast<double>(clusterer.index_memory_bytes()) / 1e6, disk_note.c_str());
    RunStats& stats = RunStats::get();
    stats.set("mode", std::string_view("simhash"));
    stats.set("clusters", st.clusters);
    stats.set("duplicates", st.documents - st.clusters);
    stats.set("exact_duplicates", st.exact_duplicates);
    stats.set("empty", st.empty);
    stats.set("pairs_within_distance", st.pairs);
    stats.set("set_store_bytes", uint64_t{clusterer.disk_bytes()});
    print_run_summary(command, buf,
                      reader_summary(reader.stats(), ns) + reader.id_summary() + keys.summary(),
                      documents, reader.stats().bytes, progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

class SimHashMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kNormalizeGroup | kSimilarityGroup; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("simhash-weights", po::value(&opt_.simhash_weights)->default_value("tfidf"),
         "simhash: shingle weights, tf (counts), logtf (1 + ln count) or tfidf (counts x "
         "inverse document frequency over the input)");
  }
  bool uses(std::string_view option, const po::variables_map& vm) const override {
    if (option_in(option, {"seed", "shingle", "verify", "bits", "max-distance", "simhash-weights",
                           "set-store", "tmp-dir"})) {
      return true;
    }
    if (option == "threshold") {  // the Jaccard that --verify shingles asks for
      const auto verify = vm.find("verify");
      return verify != vm.end() && verify->second.as<std::string>() == "shingles";
    }
    return is_normalize_option(option);
  }
  Status resolve(const ClusterOptions& shared) override {
    static_cast<ClusterOptions&>(opt_) = shared;
    if (!opt_.shingle_given) opt_.shingle = std::string(kSimHashShingle);
    if (!opt_.bits_given) opt_.simhash_bits = kSimHashBits;
    if (!opt_.max_distance_given) opt_.max_distance = default_max_distance(opt_.simhash_bits);
    NEARDUP_RETURN_IF_ERROR(parse_threshold(opt_));
    Result<SimHashClustererOptions> c = simhash_config(opt_);
    return c.ok() ? Status() : c.status();
  }
  int run(std::string_view command, RecordSink& sink) override {
    NearRun run;
    const int rc = run_simhash(command, opt_, run);
    if (rc == kExitOk) sink.clustering(run);
    return rc;
  }

 private:
  SimHashModeOptions opt_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_simhash_mode() { return std::make_unique<SimHashMode>(); }

}  // namespace neardup::cli

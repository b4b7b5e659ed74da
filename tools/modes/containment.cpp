// `neardup cluster --mode containment` (and `dedup --mode containment`): document A is
// contained in B when |A ∩ B| / |A| >= --threshold over shingle sets (an article embedded in a
// larger page). The search (partitioned MinHash LSH as in LSH Ensemble, exact verification) and
// the keep policy are neardup::ContainmentClusterer (neardup/advanced/containment.h); this file
// maps the flags to its options, feeds it batch by batch and prints the summary line.
// Output: the near-mode record plus "contained_in" (the id of the best container ranked above
// the document: larger, or as large and earlier) and "containment" for every contained document;
// the cluster and duplicate_of follow --keep (container: the contained documents are the
// duplicates; contained: the pages that hold a smaller document are).
#include <cstdio>
#include <string>
#include <vector>

#include "cluster_common.h"
#include "mode.h"
#include "neardup/advanced/containment.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

constexpr double kDefaultContainmentThreshold = 0.9;

struct ContainmentModeOptions : ClusterOptions {
  std::string keep = "container";
  uint32_t partitions = 16;
  double recall = 0.99;
};

Result<ContainmentOptions> containment_config(const ContainmentModeOptions& opt) {
  ContainmentOptions c;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  c.pipeline = *pipeline;
  c.threshold = opt.threshold_given ? opt.threshold : kDefaultContainmentThreshold;
  c.num_perm = opt.num_perm;
  c.seed = opt.common.seed;
  c.partitions = opt.partitions;
  c.recall = opt.recall;
  if (Status st = c.validate(); !st.ok()) {
    if (!(c.threshold > 0 && c.threshold <= 1)) {
      return Status::invalid_argument("--threshold must be in (0, 1] for --mode containment");
    }
    if (c.num_perm == 0 || c.num_perm > 1024) {
      return Status::invalid_argument("--num-perm must be 1..1024 for --mode containment");
    }
    if (c.partitions == 0 || c.partitions > 64) {
      return Status::invalid_argument("--partitions must be 1..64");
    }
    if (!(c.recall > 0 && c.recall < 1)) {
      return Status::invalid_argument("--lsh-recall must be in (0, 1)");
    }
    return st;
  }
  return c;
}

int run_containment(std::string_view command, const ContainmentModeOptions& opt,
                    ContainmentKeep keep, NearRun& result) {
  Result<ContainmentOptions> configured = containment_config(opt);
  if (!configured.ok()) {
    print_error(command, configured.status().message());
    return kExitUsage;
  }
  Result<ContainmentClusterer> created = ContainmentClusterer::create(*configured);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return kExitUsage;
  }
  ContainmentClusterer& clusterer = *created;
  const unsigned threads = opt.common.resolved_threads();
  std::vector<ContainmentClusterer::Scratch> scratch(threads);
  std::vector<PreparedContainment> prepared;
  BatchReader reader(opt.input.inputs, opt.input.reader);
  reader.check_ids(id_check_options(opt, command));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  result.ids.clear();
  WorkPool pool(threads);
  const int rc = for_each_batch(command, reader, progress, documents, pool,
                                [&](std::vector<Document>& docs, std::size_t n) -> Status {
                                  if (prepared.size() < n) prepared.resize(n);
                                  pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                                    clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
                                  });
                                  for (std::size_t i = 0; i < n; ++i) {
                                    NEARDUP_RETURN_IF_ERROR(clusterer.add(prepared[i]));
                                    result.ids.push_back(std::move(docs[i].id));
                                  }
                                  return Status();
                                });
  if (rc != kExitOk) return rc;
  Result<ContainmentResult> found = clusterer.finish(keep, threads);
  if (!found.ok()) {
    print_error(command, found.status().message());
    return kExitFailure;
  }
  result.assignment = std::move(found->assignment);
  result.contained_in = std::move(found->contained_in);
  result.containment = std::move(found->containment);

  const ContainmentStats& st = clusterer.stats();
  const ContainmentOptions& c = clusterer.options();
  NormalizeStats ns;
  for (const auto& s : scratch) ns.add(s.normalize_stats());
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "mode containment (threshold %.2f, %s, %u slots, %u partitions, recall %.2f, "
      "keep %s): %llu contained in another, %llu kept, %llu empty; %llu candidates, "
      "%llu pairs verified contained, %llu probes below the recall target; ",
      c.threshold, opt.shingle.c_str(), c.num_perm, c.partitions, c.recall,
      std::string(containment_keep_name(keep)).c_str(),
      static_cast<unsigned long long>(st.contained), static_cast<unsigned long long>(st.kept),
      static_cast<unsigned long long>(st.empty), static_cast<unsigned long long>(st.candidates),
      static_cast<unsigned long long>(st.pairs), static_cast<unsigned long long>(st.below_target));
  RunStats& stats = RunStats::get();
  stats.set("mode", std::string_view("containment"));
  stats.set("contained", st.contained);
  stats.set("kept", st.kept);
  stats.set("clusters", st.kept);
  stats.set("duplicates", st.documents - st.kept);
  stats.set("empty", st.empty);
  stats.set("candidates", st.candidates);
  stats.set("contained_pairs", st.pairs);
  stats.set("below_target", st.below_target);
  print_run_summary(command, buf, reader_summary(reader.stats(), ns) + reader.id_summary(),
                    documents, reader.stats().bytes, progress.elapsed_seconds(), threads);
  return kExitOk;
}

class ContainmentMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kNormalizeGroup | kSimilarityGroup; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("keep", po::value(&opt_.keep)->default_value("container"),
         "containment: which side of a contained pair is kept: container (the larger page; the "
         "contained document is the duplicate) or contained (the smaller document; the pages "
         "that embed it are the duplicates)")  //
        ("partitions", po::value(&opt_.partitions)->default_value(16),
         "containment: LSH Ensemble size partitions (equal document counts), 1..64")  //
        ("lsh-recall", po::value(&opt_.recall)->default_value(0.99, "0.99"),
         "containment: probability aimed at that a pair at --threshold becomes a candidate "
         "(then verified exactly)");
  }
  bool uses(std::string_view option, const po::variables_map&) const override {
    return option_in(option, {"seed", "threshold", "shingle", "num-perm", "keep", "partitions",
                              "lsh-recall"}) ||
           is_normalize_option(option);
  }
  Status resolve(const ClusterOptions& shared) override {
    static_cast<ClusterOptions&>(opt_) = shared;
    if (opt_.representative != "first") {
      return Status::invalid_argument(
          "--representative does not apply to --mode containment (--keep decides which "
          "document of a contained pair is kept)");
    }
    NEARDUP_RETURN_IF_ERROR(parse_threshold(opt_));
    Result<ContainmentKeep> keep = parse_containment_keep(opt_.keep);
    if (!keep.ok()) {
      return Status::invalid_argument("unknown --keep '" + opt_.keep + "' (container, contained)");
    }
    keep_ = *keep;
    Result<ContainmentOptions> c = containment_config(opt_);
    return c.ok() ? Status() : c.status();
  }
  int run(std::string_view command, RecordSink& sink) override {
    NearRun run;
    const int rc = run_containment(command, opt_, keep_, run);
    if (rc == kExitOk) sink.clustering(run);
    return rc;
  }

 private:
  ContainmentModeOptions opt_;
  ContainmentKeep keep_ = ContainmentKeep::kContainer;
};

}  // namespace

std::unique_ptr<ModeHandler> make_containment_mode() { return std::make_unique<ContainmentMode>(); }

}  // namespace neardup::cli

// `--mode near` (cluster, dedup; index build picks the MinHash index with it): MinHash
// signatures of the shingles, LSH candidates, verification by shingle Jaccard (or the signature
// estimate), then connected components (or representative linkage). Reads the normalization
// and similarity groups (not --bits, --max-distance) and --seed; owns --linkage.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster_common.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/cluster.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/spill.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

struct NearModeOptions : ClusterOptions {
  std::string linkage = "components";
};

Result<NearDupOptions> near_options(const NearModeOptions& opt) {
  NearDupOptions o;
  Result<SimilarityOptions> similarity = similarity_options(opt, opt.normalize, opt.common.seed);
  if (!similarity.ok()) return similarity.status();
  o.similarity = *similarity;
  if (opt.verify == "shingles" || opt.verify.empty()) {
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

// The summary line of a near run, in memory or spilled (whose pair counts mean: verified,
// linked, rejected), with `tail` after the pair counts; its figures are recorded for --stats.
void print_near_summary(std::string_view command, const ClusterOptions& opt,
                        const NearDupOptions& near, const NearDupStats& st, uint64_t clusters,
                        uint64_t documents, bool spilled, const std::string& tail,
                        const std::string& reader_part, uint64_t bytes, double seconds,
                        unsigned threads) {
  const LshParams lsh = near.lsh_params();
  char buf[512];
  std::snprintf(buf, sizeof buf,
                spilled ? "mode near (threshold %.2f, %s, %u slots, %u bands x %u rows): %llu "
                          "clusters, %llu duplicates (%llu exact); %llu candidate pairs "
                          "verified, %llu linked, %llu rejected; "
                        : "mode near (threshold %.2f, %s, %u slots, %u bands x %u rows): %llu "
                          "clusters, %llu duplicates (%llu exact); %llu candidate pairs, %llu "
                          "verified, %llu rejected; ",
                near.similarity.threshold, opt.shingle.c_str(), near.similarity.minhash.num_perm,
                lsh.bands, lsh.rows, static_cast<unsigned long long>(clusters),
                static_cast<unsigned long long>(documents - clusters),
                static_cast<unsigned long long>(st.exact_duplicates),
                static_cast<unsigned long long>(st.candidates),
                static_cast<unsigned long long>(st.verified),
                static_cast<unsigned long long>(st.rejected));
  RunStats& stats = RunStats::get();
  stats.set("mode", std::string_view("near"));
  stats.set("clusters", clusters);
  stats.set("duplicates", documents - clusters);
  stats.set("exact_duplicates", st.exact_duplicates);
  stats.set("candidate_pairs", st.candidates);
  stats.set("verified_pairs", st.verified);
  stats.set("rejected_pairs", st.rejected);
  print_run_summary(command, std::string(buf) + tail, reader_part, documents, bytes, seconds,
                    threads);
}

// run_near's answer when the run passed the memory limit and stopped to start again spilling.
constexpr int kRestartSpilled = -1;

// Clusters all inputs in memory. Prints the summary (unless --quiet). Returns an exit code, or
// kRestartSpilled when `stop_at_limit` and the in-memory structures passed opt.spill's limit
// (without it, such a run says so once and goes on).
int run_near(std::string_view command, const ClusterOptions& opt, const NearDupOptions& near,
             const SetStorage& storage, NearRun& result, bool stop_at_limit) {
  const unsigned threads = opt.common.resolved_threads();
  Result<NearDupClusterer> created = NearDupClusterer::create(near, storage);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return created.status().code() == StatusCode::kIoError ? kExitFailure : kExitUsage;
  }
  NearDupClusterer& clusterer = *created;
  RepresentativeKeys keys(opt.representative, threads);
  std::vector<NearDupClusterer::Scratch> scratch(threads);
  // Two sets of prepared documents: batch k is prepared into one while batch k-1, in the other,
  // is added to the clusterer.
  std::vector<PreparedDoc> prepared[2];
  std::size_t slot = 0;
  BatchReader reader(opt.input.inputs, opt.input.reader);
  reader.check_ids(id_check_options(opt, command));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  result.ids.clear();
  // --threads N: N threads in all, reading included (see WorkPool). Each batch is prepared
  // (normalize, shingle, sign) on every free thread, then added to the clusterer (index queries,
  // verification, union-find) in input order as the pipeline's serial tail: on the background
  // thread, together with reading the batch after next, while the next batch is prepared. With
  // one thread the same steps run one after the other.
  WorkPool pool(threads);
  const uint64_t limit = opt.spill.memory_bytes;
  uint64_t id_bytes = 0;
  // The duplicate-id table counts in the limit (read while the next batch is being read).
  const auto reader_id_bytes = [&reader] {
    return reader.ids() ? reader.ids()->memory_bytes() : 0;
  };
  bool over_limit = false;
  // Counted by the tails (the adds, in order).
  uint64_t added = 0;
  const auto check_limit = [&](uint64_t bytes) -> Status {
    NEARDUP_RETURN_IF_ERROR(clusterer.status());
    if (!over_limit && bytes > limit) {
      over_limit = true;
      if (stop_at_limit) {
        return Status::out_of_range("the in-memory structures passed the memory limit");
      }
      print_memory_note(command, opt.common.quiet,
                        "the in-memory structures passed the memory limit of " +
                            format_megabytes(limit) + " at " + std::to_string(added) +
                            " documents and cannot spill here (standard input cannot be "
                            "read twice, or --linkage representative); going on in memory");
    }
    return Status();
  };
  std::function<Status()> add_tail;
  const Status batches = run_batches(
      reader, progress, documents, pool,
      [&](std::vector<Document>& docs, std::size_t n) {
        std::vector<PreparedDoc>& batch = prepared[slot];
        slot ^= 1;
        if (batch.size() < n) batch.resize(n);
        keys.start_batch(n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          clusterer.prepare(docs[i].text, batch[i], scratch[w]);
          keys.read(i, w, docs[i]);
        });
        for (std::size_t i = 0; i < n; ++i) {
          result.ids.push_back(std::move(docs[i].id));
          id_bytes += sizeof(std::string) + result.ids.back().size() + 8;  // + the assignment
          keys.keep(i, batch[i].text_bytes);
        }
        // The tail runs on the thread that reads ahead, before it reads: the reader's id table
        // is its own there; id_bytes is taken now, as the next batch's process() changes it.
        add_tail = [&clusterer, &batch, &added, &check_limit, &reader_id_bytes, n, ids = id_bytes] {
          clusterer.add_batch(std::span<const PreparedDoc>(batch.data(), n));
          added += n;
          return check_limit(clusterer.memory_bytes() + ids + reader_id_bytes());
        };
        return Status();
      },
      BatchFill::kFull, &add_tail);
  if (over_limit && stop_at_limit) {
    print_memory_note(command, opt.common.quiet,
                      "the in-memory structures passed the memory limit of " +
                          format_megabytes(limit) + " at " + std::to_string(added) +
                          " documents: starting again, spilling to " + opt.spill.resolved_dir());
    result = NearRun();
    return kRestartSpilled;
  }
  if (!batches.ok()) {
    print_error(command, batches.message());
    return reader.usage_error() ? kExitUsage : kExitFailure;
  }
  Result<std::vector<double>> priority = keys.priorities();
  if (!priority.ok()) {
    print_error(command, priority.status().message());
    return kExitUsage;
  }
  result.assignment = clusterer.finish(*priority);
  if (!clusterer.status().ok()) {
    print_error(command, clusterer.status().message());
    return kExitFailure;
  }

  uint64_t clusters = 0;
  for (std::size_t i = 0; i < result.assignment.size(); ++i) {
    if (result.assignment[i].cluster == i) ++clusters;
  }
  NormalizeStats ns;
  for (const auto& s : scratch) ns.add(s.normalize_stats());
  char tail[96];
  if (clusterer.disk_bytes() > 0) {
    std::snprintf(tail, sizeof tail, "index %.1f MB; shingle sets on disk %.1f MB; ",
                  static_cast<double>(clusterer.memory_bytes()) / 1e6,
                  static_cast<double>(clusterer.disk_bytes()) / 1e6);
  } else {
    std::snprintf(tail, sizeof tail, "index %.1f MB; ",
                  static_cast<double>(clusterer.memory_bytes()) / 1e6);
  }
  RunStats::get().set("index_bytes", uint64_t{clusterer.memory_bytes()});
  RunStats::get().set("set_store_bytes", uint64_t{clusterer.disk_bytes()});
  print_near_summary(command, opt, near, clusterer.stats(), clusters, documents, false, tail,
                     reader_summary(reader.stats(), ns) + reader.id_summary() + keys.summary(),
                     reader.stats().bytes, progress.elapsed_seconds(), threads);
  return kExitOk;
}

// The same run in bounded memory (--memory): the ids go to a spilled string table, the
// clusterer to sorted runs on disk, and the records are written in input order as finish()
// produces them.
int run_near_spilled(std::string_view command, const ClusterOptions& opt,
                     const NearDupOptions& near, RecordSink& sink) {
  const unsigned threads = opt.common.resolved_threads();
  // The id table (--on-duplicate-id) takes its share of the limit; the clusterer the rest.
  SpillOptions spill = opt.spill;
  spill.memory_bytes -= id_table_share(opt);
  Result<SpillingNearDupClusterer> created = SpillingNearDupClusterer::create(near, spill);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return kExitUsage;
  }
  SpillingNearDupClusterer& clusterer = *created;
  clusterer.set_progress(stage_progress(command, opt.common.quiet));
  Result<SpilledStrings> ids = SpilledStrings::create(opt.spill);
  if (!ids.ok()) {
    print_error(command, ids.status().message());
    return kExitFailure;
  }
  RepresentativeKeys keys(opt.representative, threads);
  std::vector<NearDupClusterer::Scratch> scratch(threads);
  std::vector<PreparedDoc> prepared;
  BatchReader reader(opt.input.inputs, opt.input.reader, spill_batch_limits(opt.spill));
  reader.check_ids(id_check_options(opt, command, id_table_share(opt)));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  const ParallelRunner runner = pool.runner();
  int rc = for_each_batch(command, reader, progress, documents, pool,
                          [&](std::vector<Document>& docs, std::size_t n) -> Status {
                            if (prepared.size() < n) prepared.resize(n);
                            keys.start_batch(n);
                            pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                              clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
                              keys.read(i, w, docs[i]);
                            });
                            NEARDUP_RETURN_IF_ERROR(clusterer.add_batch(
                                std::span<const PreparedDoc>(prepared.data(), n), runner));
                            for (std::size_t i = 0; i < n; ++i) {
                              NEARDUP_RETURN_IF_ERROR(ids->append(docs[i].id));
                              keys.keep(i, prepared[i].text_bytes);
                            }
                            return Status();
                          });
  if (rc != kExitOk) return rc;
  std::vector<PreparedDoc>().swap(prepared);
  if (Status st = ids->seal(); !st.ok()) {
    print_error(command, st.message());
    return kExitFailure;
  }
  Result<std::vector<double>> priority = keys.priorities();
  if (!priority.ok()) {
    print_error(command, priority.status().message());
    return kExitUsage;
  }
  SpilledIdResolver names(*ids);
  Status st = clusterer.finish(
      *priority,
      [&](uint32_t doc, const Assignment& a) -> Status {
        NEARDUP_RETURN_IF_ERROR(names.resolve(doc, a));
        sink.record(nullptr, names.id(), names.cluster(), names.representative(), a.similarity);
        return Status();
      },
      runner);
  const uint64_t clusters = names.clusters();
  if (!st.ok()) {
    print_error(command, st.message());
    return kExitFailure;
  }
  NormalizeStats ns;
  for (const auto& s : scratch) ns.add(s.normalize_stats());
  char tail[64];
  std::snprintf(tail, sizeof tail, "memory limit %.1f MB; ",
                static_cast<double>(opt.spill.memory_bytes) / 1e6);
  RunStats::get().set("memory_limit_bytes", opt.spill.memory_bytes);
  print_near_summary(
      command, opt, near, clusterer.stats(), clusters, documents, true,
      std::string(tail) +
          spill_summary(clusterer.spill_stats(), ids->bytes_written(), opt.spill.resolved_dir()),
      reader_summary(reader.stats(), ns) + reader.id_summary() + keys.summary(),
      reader.stats().bytes, progress.elapsed_seconds(), threads);
  return kExitOk;
}

class NearMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kNormalizeGroup | kSimilarityGroup; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("linkage", po::value(&opt_.linkage)->default_value("components"),
         "near: components (connected components of verified pairs) or representative (no "
         "chaining: join a cluster only if similar to its first document)");
  }
  bool uses(std::string_view option, const po::variables_map&) const override {
    return option_in(option, {"seed", "threshold", "shingle", "num-perm", "minhash", "bands",
                              "rows", "verify", "linkage", "memory", "tmp-dir", "set-store"}) ||
           is_normalize_option(option);
  }
  Status resolve(const ClusterOptions& shared) override {
    static_cast<ClusterOptions&>(opt_) = shared;
    NEARDUP_RETURN_IF_ERROR(parse_threshold(opt_));
    Result<NearDupOptions> o = near_options(opt_);
    if (!o.ok()) return o.status();
    near_ = *o;
    storage_ = opt_.set_storage;
    if (opt_.memory_given && near_.linkage != Linkage::kComponents) {
      return Status::invalid_argument(
          "--memory needs --linkage components: representative linkage depends on the order "
          "of insertion and runs in memory only");
    }
    return Status();
  }
  const NearDupOptions* near_dup_options() const override { return &near_; }
  int run(std::string_view command, RecordSink& sink) override {
    // Spill from the start when --memory was given and the input would not fit it (estimated
    // from its size) or cannot be measured; else run in memory, starting again with spilling
    // if the run passes the limit (given or default) and the input can be read again.
    const bool can_spill = near_.linkage == Linkage::kComponents;
    const std::optional<uint64_t> input_bytes = input_bytes_estimate(opt_.input.inputs);
    const uint64_t per_byte = near_.verify == VerifyMode::kShingles && !storage_.on_disk ? 2 : 1;
    if (can_spill && opt_.memory_given &&
        (!input_bytes || *input_bytes * per_byte > opt_.spill.memory_bytes)) {
      return run_near_spilled(command, opt_, near_, sink);
    }
    NearRun run;
    const int rc =
        run_near(command, opt_, near_, storage_, run, can_spill && input_bytes.has_value());
    if (rc == kRestartSpilled) return run_near_spilled(command, opt_, near_, sink);
    if (rc == kExitOk) sink.clustering(run);
    return rc;
  }

 private:
  NearModeOptions opt_;
  NearDupOptions near_;
  SetStorage storage_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_near_mode() { return std::make_unique<NearMode>(); }

}  // namespace neardup::cli

// `--mode exact` (cluster, dedup): documents whose normalized text is identical. Streams: a
// document's record is written as soon as it is read (its cluster is named by the first copy),
// so memory holds one id per distinct text. Reads the normalization group; no seed, no
// similarity options; --representative is first only.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster_common.h"
#include "mode.h"
#include "neardup/advanced/exact_clusterer.h"
#include "neardup/advanced/spill.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

// Calls emit(doc, first) for every document in input order, where `first` is the id of the
// first document with the same normalized text, or null if this is the first. Prints the
// summary (unless --quiet); `read` gets the reader's totals. Returns an exit code.
using ExactEmit = std::function<void(const Document& doc, const std::string* first)>;

int run_exact(std::string_view command, const ClusterOptions& opt, const ExactEmit& emit,
              ReaderStats& read) {
  const unsigned threads = opt.common.resolved_threads();
  // Records stream out batch by batch: an exact cluster's id is known when its first member
  // is read, so memory holds only one id per distinct text (and no per-document assignment).
  ExactClusterer clusterer({.normalize = opt.normalize.options(), .keep_assignments = false});
  std::vector<ExactClusterer::Scratch> scratch(threads);
  std::vector<PreparedExact> prepared;
  std::vector<std::string> first_ids;  // cluster number -> id of its first document
  BatchReader reader(opt.input.inputs, opt.input.reader);
  reader.check_ids(id_check_options(opt, command));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  uint64_t id_bytes = 0;
  bool over_limit = false;
  const int rc = for_each_batch(
      command, reader, progress, documents, pool, [&](std::vector<Document>& docs, std::size_t n) {
        prepared.resize(n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
        });
        for (std::size_t i = 0; i < n; ++i) {
          const ExactMatch m = clusterer.add(prepared[i]);
          if (m.is_new) {
            id_bytes += sizeof(std::string) + docs[i].id.size();
            first_ids.push_back(docs[i].id);
            emit(docs[i], nullptr);
          } else {
            emit(docs[i], &first_ids[m.ordinal]);
          }
        }
        const uint64_t table = reader.ids() ? reader.ids()->memory_bytes() : 0;
        if (!over_limit && clusterer.memory_bytes() + id_bytes + table > opt.spill.memory_bytes) {
          over_limit = true;
          print_memory_note(command, opt.common.quiet,
                            "exact mode holds " +
                                format_megabytes(clusterer.memory_bytes() + id_bytes) +
                                " for the distinct texts, past the default memory "
                                "limit of " +
                                format_megabytes(opt.spill.memory_bytes) +
                                "; going on in memory (give --memory to spill to "
                                "disk instead)");
        }
      });
  if (rc != kExitOk) return rc;
  read = reader.stats();
  {  // the summary: printed unless --quiet, recorded for --stats either way
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats());
    const ExactStats& st = clusterer.stats();
    char buf[256];
    std::snprintf(buf, sizeof buf, "mode exact: %llu clusters, %llu duplicates, %llu empty; ",
                  static_cast<unsigned long long>(st.clusters),
                  static_cast<unsigned long long>(st.duplicates),
                  static_cast<unsigned long long>(st.empty));
    RunStats& stats = RunStats::get();
    stats.set("mode", std::string_view("exact"));
    stats.set("clusters", st.clusters);
    stats.set("duplicates", st.duplicates);
    stats.set("empty", st.empty);
    print_run_summary(command, buf, reader_summary(reader.stats(), ns) + reader.id_summary(),
                      documents, reader.stats().bytes, progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

// The same clustering in bounded memory (--memory): keys to sorted runs, ids to a spilled
// string table; the records come after the whole input is read.
int run_exact_spilled(std::string_view command, const ClusterOptions& opt, RecordSink& sink) {
  const unsigned threads = opt.common.resolved_threads();
  // The id table (--on-duplicate-id) takes its share of the limit; the clusterer the rest.
  SpillOptions spill = opt.spill;
  spill.memory_bytes -= id_table_share(opt);
  Result<SpillingExactClusterer> created =
      SpillingExactClusterer::create({.normalize = opt.normalize.options()}, spill);
  Result<SpilledStrings> ids = SpilledStrings::create(opt.spill);
  for (const Status* st : {&created.status(), &ids.status()}) {
    if (!st->ok()) {
      print_error(command, st->message());
      return kExitFailure;
    }
  }
  SpillingExactClusterer& clusterer = *created;
  clusterer.set_progress(stage_progress(command, opt.common.quiet));
  std::vector<ExactClusterer::Scratch> scratch(threads);
  std::vector<PreparedExact> prepared;
  BatchReader reader(opt.input.inputs, opt.input.reader, spill_batch_limits(opt.spill));
  reader.check_ids(id_check_options(opt, command, id_table_share(opt)));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  const int rc = for_each_batch(command, reader, progress, documents, pool,
                                [&](std::vector<Document>& docs, std::size_t n) -> Status {
                                  prepared.resize(n);
                                  pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                                    clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
                                  });
                                  NEARDUP_RETURN_IF_ERROR(clusterer.add_batch(prepared));
                                  for (std::size_t i = 0; i < n; ++i) {
                                    NEARDUP_RETURN_IF_ERROR(ids->append(docs[i].id));
                                  }
                                  return Status();
                                });
  if (rc != kExitOk) return rc;
  Status st = ids->seal();
  SpilledIdResolver names(*ids);
  if (st.ok()) {
    st = clusterer.finish([&](uint32_t doc, const Assignment& a) -> Status {
      NEARDUP_RETURN_IF_ERROR(names.resolve(doc, a));
      sink.record(nullptr, names.id(), names.cluster(), names.representative(), 1.0);
      return Status();
    });
  }
  if (!st.ok()) {
    print_error(command, st.message());
    return kExitFailure;
  }
  {  // the summary: printed unless --quiet, recorded for --stats either way
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats());
    const ExactStats& es = clusterer.stats();
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "mode exact: %llu clusters, %llu duplicates, %llu empty; memory limit %.1f MB; ",
                  static_cast<unsigned long long>(es.clusters),
                  static_cast<unsigned long long>(es.duplicates),
                  static_cast<unsigned long long>(es.empty),
                  static_cast<double>(opt.spill.memory_bytes) / 1e6);
    RunStats& stats = RunStats::get();
    stats.set("mode", std::string_view("exact"));
    stats.set("clusters", es.clusters);
    stats.set("duplicates", es.duplicates);
    stats.set("empty", es.empty);
    stats.set("memory_limit_bytes", opt.spill.memory_bytes);
    print_run_summary(
        command,
        std::string(buf) +
            spill_summary(clusterer.spill_stats(), ids->bytes_written(), opt.spill.resolved_dir()),
        reader_summary(reader.stats(), ns) + reader.id_summary(), documents, reader.stats().bytes,
        progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

class ExactMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kNormalizeGroup; }
  void add_options(po::options_description&) override {}
  bool uses(std::string_view option, const po::variables_map&) const override {
    return is_normalize_option(option) || option == "memory" || option == "tmp-dir";
  }
  Status resolve(const ClusterOptions& shared) override {
    opt_ = shared;
    if (opt_.representative != "first") {
      return Status::invalid_argument(
          "--mode exact streams its output and keeps the first copy: --representative must be "
          "first (use --mode near for other policies)");
    }
    return Status();
  }
  // With --memory the records come after the whole input is read (dedup reads it twice).
  bool passes_documents() const override { return !opt_.memory_given; }
  int run(std::string_view command, RecordSink& sink) override {
    if (opt_.memory_given) return run_exact_spilled(command, opt_, sink);
    ReaderStats read;
    const int rc = run_exact(
        command, opt_,
        [&sink](const Document& doc, const std::string* first) {
          sink.record(&doc, doc.id, first != nullptr ? *first : doc.id, first, 1.0);
        },
        read);
    if (rc == kExitOk) sink.read_stats(read);
    return rc;
  }

 private:
  ClusterOptions opt_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_exact_mode() { return std::make_unique<ExactMode>(); }

}  // namespace neardup::cli

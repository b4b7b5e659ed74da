// `--mode substring` (dedup): every byte string of at least --min-bytes (and --min-tokens
// white-space tokens) that already occurred earlier in the corpus is cut from the record, as in
// Lee et al. 2022 (deduplicate-text-datasets) but keeping the first occurrence. The whole
// corpus is held in memory with its suffix array: 9 bytes per byte of text at the peak, at most
// --memory / 9 bytes of text and never more than 2^31 - 2 (the 32-bit suffix array); a larger
// input is an error naming the limit, reported as soon as the input passes it. Two passes over
// the input (standard input is spooled first); the output is the same for any --threads (the
// suffix array is built on one thread).
#include <memory>
#include <string>
#include <vector>

#include "cluster_common.h"
#include "mode.h"
#include "neardup/advanced/spans.h"
#include "run_stats.h"
#include "span_common.h"

namespace neardup::cli {
namespace {

int run_substring(std::string_view command, const ClusterOptions& opt,
                  const SubstringOptions& options, RecordSink& sink) {
  const unsigned threads = opt.common.resolved_threads();
  SpooledStdin spool;
  Result<std::vector<std::string>> inputs = rereadable_inputs(opt, spool);
  if (!inputs.ok()) {
    print_error(command, inputs.status().message());
    return kExitFailure;
  }
  Result<SubstringDeduplicator> created = SubstringDeduplicator::create(options);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return kExitFailure;
  }
  SubstringDeduplicator& dedup = *created;
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  int rc;
  {  // first pass: the corpus into memory
    BatchReader reader(*inputs, opt.input.reader);
    reader.check_ids(id_check_options(opt, command));
    rc = for_each_batch(command, reader, progress, documents, pool,
                        [&](std::vector<Document>& docs, std::size_t n) -> Status {
                          for (std::size_t i = 0; i < n; ++i) {
                            Status st = dedup.add(docs[i].text);
                            if (!st.ok()) {
                              return Status::out_of_range(
                                  "--mode substring holds the corpus and its suffix array in "
                                  "memory (9 bytes per byte of text): the input passes its "
                                  "limit of " +
                                  format_megabytes(options.max_bytes) +
                                  " of text (--memory / 9, at most 2 GiB) at document '" +
                                  docs[i].id + "'; raise --memory or cut the corpus into parts");
                            }
                          }
                          return Status();
                        });
    if (rc != kExitOk) return rc;
    if (reader.usage_error()) return kExitUsage;
  }
  const uint64_t corpus_bytes = dedup.bytes();
  if (Status st = dedup.finish(); !st.ok()) {
    print_error(command, st.message());
    return kExitFailure;
  }
  const double sa_seconds = progress.elapsed_seconds();
  std::vector<SpanDocOut> outs;
  SpanTotals totals;
  BatchReader reader(*inputs, opt.input.reader);
  Progress silent(std::string(command), false);
  uint64_t second = 0;
  uint64_t base = 0;  // document number of the batch's first document
  std::vector<Status> errors(threads);
  uint64_t ranges = 0;
  rc = for_each_batch(
      command, reader, silent, second, pool,
      [&](std::vector<Document>& docs, std::size_t n) -> Status {
        if (outs.size() < n) outs.resize(n);
        if (base + n > dedup.documents()) {
          return Status::invalid_argument("the input changed while it was being read twice");
        }
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          SpanDocOut& o = outs[i];
          const Document& doc = docs[i];
          const std::span<const ByteRange> cut = dedup.removed(base + i);
          o.ranges.assign(cut.begin(), cut.end());
          o.removed.clear();
          o.units = 0;
          o.repeated_units = cut.size();
          o.repeated_bytes = 0;
          for (const ByteRange& r : cut) {
            o.repeated_bytes += r.end - r.begin;
            if (r.end > doc.text.size()) {
              if (errors[w].ok()) {
                errors[w] =
                    Status::invalid_argument("the input changed while it was being read twice");
              }
              return;
            }
            append_cut_line(o.removed, doc.id, doc.text, r.begin, r.end, -1);
          }
          if (Status st = finish_span_doc(doc, opt, o, true); !st.ok() && errors[w].ok()) {
            errors[w] = st;
          }
        });
        for (const Status& st : errors) NEARDUP_RETURN_IF_ERROR(st);
        for (std::size_t i = 0; i < n; ++i) ranges += outs[i].repeated_units;
        emit_span_batch(sink, docs, n, outs, totals);
        base += n;
        return Status();
      });
  if (rc != kExitOk) return rc;
  if (second != documents) {
    print_error(command, "the input changed while it was being read twice");
    return kExitFailure;
  }
  sink.read_stats(reader.stats());
  {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "mode substring (min-bytes %u, min-tokens %u): %s of text, %llu repeated "
                  "ranges, suffix array done at %.1f s (peak about %s); ",
                  options.min_bytes, options.min_tokens, format_megabytes(corpus_bytes).c_str(),
                  static_cast<unsigned long long>(ranges), sa_seconds,
                  format_megabytes(corpus_bytes * kSubstringBytesPerInputByte).c_str());
    RunStats& stats = RunStats::get();
    stats.set("mode", std::string_view("substring"));
    stats.set("corpus_bytes", corpus_bytes);
    stats.set("repeated_ranges", ranges);
    stats.set("cut_bytes", totals.cut_bytes);
    stats.set("changed_documents", totals.changed);
    stats.set("dropped_documents", totals.dropped);
    print_run_summary(command, std::string(buf) + totals.summary(),
                      reader_summary(reader.stats(), {}) + reader.id_summary(), documents,
                      reader.stats().bytes, progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

class SubstringMode final : public ModeHandler {
 public:
  unsigned groups() const override { return 0; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("min-bytes", po::value(&min_bytes_)->default_value(100),
         "substring: the shortest repeat cut, in bytes (1..65535)")  //
        ("min-tokens", po::value(&min_tokens_)->default_value(0),
         "substring: a repeat must also span this many white-space separated tokens (Lee et "
         "al. use 50 BPE tokens; 0: bytes only)");
    add_span_shared_options(desc);
  }
  bool uses(std::string_view option, const po::variables_map&) const override {
    return option_in(option, {"memory", "min-bytes", "min-tokens", "min-length"});
  }
  Status resolve(const ClusterOptions& shared) override {
    opt_ = shared;
    if (opt_.representative != "first") {
      return Status::invalid_argument(
          "--mode substring cuts repeats from every record: --representative does not apply");
    }
    options_.min_bytes = min_bytes_;
    options_.min_tokens = min_tokens_;
    options_.max_bytes = std::min<uint64_t>(kSubstringMaxBytes,
                                            opt_.spill.memory_bytes / kSubstringBytesPerInputByte);
    if (min_bytes_ < 1 || min_bytes_ > 65535) {
      return Status::invalid_argument("--min-bytes must be in 1..65535");
    }
    return options_.validate();
  }
  bool rewrites_records() const override { return true; }
  int run(std::string_view command, RecordSink& sink) override {
    if (!sink.rewrites()) {
      print_error(command, "--mode substring writes records: use neardup dedup");
      return kExitUsage;
    }
    return run_substring(command, opt_, options_, sink);
  }

 private:
  uint32_t min_bytes_ = 100, min_tokens_ = 0;
  ClusterOptions opt_;
  SubstringOptions options_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_substring_mode() { return std::make_unique<SubstringMode>(); }

}  // namespace neardup::cli

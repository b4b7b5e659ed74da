// `--mode lines` (dedup, cluster): lines, paragraphs or windows of sentences (--unit) that occur
// in at least --min-docs documents. dedup writes every record with those units cut (the first
// document that has a unit keeps it unless --keep-first no), cluster writes each document's
// repeated share. Two passes over the input (standard input is spooled first): the first counts
// the units in a SpanDeduplicator (bounded by --memory, spilling sorted runs to --tmp-dir), the
// second cuts them in input order. Output is the same for any --threads.
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

struct LinesFlags {
  std::string unit = "line";
  uint32_t min_docs = 2;
  bool keep_first = true;
  uint32_t min_unit_chars = 10;
};

int run_lines(std::string_view command, const ClusterOptions& opt, const SpanDedupOptions& options,
              RecordSink& sink) {
  const unsigned threads = opt.common.resolved_threads();
  SpooledStdin spool;
  Result<std::vector<std::string>> inputs = rereadable_inputs(opt, spool);
  if (!inputs.ok()) {
    print_error(command, inputs.status().message());
    return kExitFailure;
  }
  Result<SpanDeduplicator> created = SpanDeduplicator::create(options, opt.spill);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return kExitFailure;
  }
  SpanDeduplicator& dedup = *created;
  std::vector<SpanDeduplicator::Scratch> scratch;
  for (unsigned w = 0; w < threads; ++w) scratch.emplace_back(options.normalize);
  std::vector<PreparedSpans> prepared;
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  int rc;
  {  // first pass: count the units
    BatchReader reader(*inputs, opt.input.reader);
    reader.check_ids(id_check_options(opt, command));
    rc = for_each_batch(command, reader, progress, documents, pool,
                        [&](std::vector<Document>& docs, std::size_t n) -> Status {
                          if (prepared.size() < n) prepared.resize(n);
                          pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                            dedup.prepare(docs[i].text, prepared[i], scratch[w]);
                          });
                          for (std::size_t i = 0; i < n; ++i) {
                            NEARDUP_RETURN_IF_ERROR(dedup.add(prepared[i]));
                          }
                          return Status();
                        });
    if (rc != kExitOk) return rc;
    if (reader.usage_error()) return kExitUsage;
  }
  if (Status st = dedup.finish(); !st.ok()) {
    print_error(command, st.message());
    return kExitFailure;
  }
  // Second pass: the same documents, cut (dedup) or measured (cluster), in input order.
  const bool rewrite = sink.rewrites();
  const bool want_removed = rewrite;
  std::vector<std::vector<RepeatedUnit>> repeated;
  std::vector<SpanDocOut> outs;
  SpanTotals totals;
  BatchReader reader(*inputs, opt.input.reader);
  Progress silent(std::string(command), false);
  uint64_t second = 0;
  std::vector<Status> errors(threads);
  rc = for_each_batch(
      command, reader, silent, second, pool,
      [&](std::vector<Document>& docs, std::size_t n) -> Status {
        if (prepared.size() < n) prepared.resize(n);
        if (repeated.size() < n) repeated.resize(n);
        if (outs.size() < n) outs.resize(n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          dedup.prepare(docs[i].text, prepared[i], scratch[w]);
        });
        for (std::size_t i = 0; i < n; ++i) {
          NEARDUP_RETURN_IF_ERROR(dedup.next(prepared[i], repeated[i]));
        }
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          SpanDocOut& o = outs[i];
          const PreparedSpans& p = prepared[i];
          const Document& doc = docs[i];
          o.removed.clear();
          o.units = p.hashes.size();
          o.repeated_units = repeated[i].size();
          repeated_content(p, repeated[i], o.ranges);
          o.repeated_bytes = 0;
          for (const ByteRange& r : o.ranges) o.repeated_bytes += r.end - r.begin;
          o.bytes = doc.text.size();
          if (!rewrite) {
            o.cut_bytes = 0;
            o.dropped = false;
            return;
          }
          if (want_removed) {
            for (const RepeatedUnit& u : repeated[i]) {
              if (options.keep_first && u.first) continue;
              const uint32_t a = p.first_piece[u.unit];
              const uint32_t b =
                  std::min<uint32_t>(a + p.window, static_cast<uint32_t>(p.pieces.size()));
              append_cut_line(o.removed, doc.id, doc.text, p.pieces[a].begin, p.pieces[b - 1].end,
                              u.docs);
            }
          }
          repeated_ranges(p, repeated[i], options.keep_first, o.ranges);
          if (Status st = finish_span_doc(doc, opt, o, want_removed); !st.ok() && errors[w].ok()) {
            errors[w] = st;
          }
        });
        for (const Status& st : errors) NEARDUP_RETURN_IF_ERROR(st);
        emit_span_batch(sink, docs, n, outs, totals);
        return Status();
      });
  if (rc != kExitOk) return rc;
  if (second != documents) {
    print_error(command, "the input changed while it was being read twice");
    return kExitFailure;
  }
  sink.read_stats(reader.stats());
  {  // the summary: printed unless --quiet, recorded for --stats either way
    const SpanDedupStats& st = dedup.stats();
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "mode lines (unit %s, min-docs %u): %llu units, %llu distinct in >= %u "
                  "documents (%llu occurrences); ",
                  span_unit_name(options.unit).c_str(), options.min_docs,
                  static_cast<unsigned long long>(st.units),
                  static_cast<unsigned long long>(st.repeated_units), options.min_docs,
                  static_cast<unsigned long long>(st.repeated_occurrences));
    std::string mode_part = buf;
    if (rewrite) mode_part += totals.summary();
    const SpillStats& ss = dedup.spill_stats();
    if (ss.bytes_written > 0) {
      mode_part += "spilled " + format_megabytes(ss.bytes_written) + " to " +
                   opt.spill.resolved_dir() + " in " + std::to_string(ss.runs) + " runs; ";
    }
    RunStats& stats = RunStats::get();
    stats.set("mode", std::string_view("lines"));
    stats.set("units", st.units);
    stats.set("repeated_units", st.repeated_units);
    stats.set("repeated_occurrences", st.repeated_occurrences);
    if (rewrite) {
      stats.set("cut_bytes", totals.cut_bytes);
      stats.set("changed_documents", totals.changed);
      stats.set("dropped_documents", totals.dropped);
    }
    print_run_summary(command, mode_part, reader_summary(reader.stats(), ns) + reader.id_summary(),
                      documents, reader.stats().bytes, progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

class LinesMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kNormalizeGroup; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("unit", po::value(&flags_.unit)->default_value(flags_.unit),
         "lines: what is counted: line, paragraph (lines up to a blank line) or sentences:N "
         "(every window of N consecutive sentences, as CCNet/datatrove's 3-sentence spans)")  //
        ("min-docs", po::value(&flags_.min_docs)->default_value(flags_.min_docs),
         "lines: a unit found in at least this many documents is repeated (>= 2)")  //
        ("keep-first", po::value(&flags_.keep_first)->default_value(true, "yes"),
         "lines (dedup): the first document with a repeated unit keeps it (yes|no)")  //
        ("min-unit-chars", po::value(&flags_.min_unit_chars)->default_value(flags_.min_unit_chars),
         "lines: units shorter than this (characters after normalization) are never counted "
         "or cut");
    add_span_shared_options(desc);
  }
  bool uses(std::string_view option, const po::variables_map&) const override {
    return is_normalize_option(option) ||
           option_in(option, {"memory", "tmp-dir", "unit", "min-docs", "keep-first",
                              "min-unit-chars", "min-length"});
  }
  Status resolve(const ClusterOptions& shared) override {
    opt_ = shared;
    if (opt_.representative != "first") {
      return Status::invalid_argument(
          "--mode lines cuts repeated units from every record: --representative does not apply");
    }
    Result<SpanUnit> unit = parse_span_unit(flags_.unit);
    if (!unit.ok()) return Status::invalid_argument("--unit: " + unit.status().message());
    options_.unit = *unit;
    options_.min_docs = flags_.min_docs;
    options_.keep_first = flags_.keep_first;
    options_.min_unit_chars = flags_.min_unit_chars;
    options_.normalize = opt_.normalize.options();
    if (flags_.min_docs < 2) return Status::invalid_argument("--min-docs must be at least 2");
    return options_.validate();
  }
  bool rewrites_records() const override { return true; }
  int run(std::string_view command, RecordSink& sink) override {
    if (!sink.rewrites() && (!options_.keep_first || span_shared_flags().min_length > 0)) {
      print_error(command, "--keep-first and --min-length apply to dedup only");
      return kExitUsage;
    }
    return run_lines(command, opt_, options_, sink);
  }

 private:
  LinesFlags flags_;
  ClusterOptions opt_;
  SpanDedupOptions options_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_lines_mode() { return std::make_unique<LinesMode>(); }

}  // namespace neardup::cli

// What the span modes (lines.cpp, substring.cpp) share: the flags both read, the two-pass run
// over the input (the second pass rewrites each record in input order), and the records they
// write: the input record with its text field replaced, the --removed lines, and the share of
// repeated text that `cluster --mode lines` reports.
//
// Thread safety: everything runs on the run's threads as batch_runner.h describes; the
// per-document functions touch only their arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster_common.h"
#include "mode.h"
#include "neardup/advanced/spans.h"

namespace neardup::cli {

// --min-length, read by both span modes: registered once (the first mode to ask registers it
// in the command's options; both read the same value).
struct SpanSharedFlags {
  uint64_t min_length = 0;  // documents left with fewer characters after a cut are dropped
};
SpanSharedFlags& span_shared_flags();
void add_span_shared_options(po::options_description& desc);

// The record of `doc` with its text replaced by `text`: a JSONL record keeps every other field
// byte for byte (the field `text_field` gets the new string), a TSV record its id, a line is
// the text; a document read from a directory (one file each) becomes {"id": path, "text": ...}.
// Errors: a JSONL record whose text field cannot be found again.
Status rewrite_record(const Document& doc, const std::string& text_field, std::string_view text,
                      std::string& out);

// One document's output in a span run, filled on a worker thread.
struct SpanDocOut {
  std::string record, removed, cut_text;
  std::vector<ByteRange> ranges;
  bool dropped = false;
  uint64_t bytes = 0, repeated_bytes = 0, units = 0, repeated_units = 0, cut_bytes = 0;
};

// After `out.ranges` (sorted, disjoint) were set for `doc`: cuts them, applies --min-length (to
// a document that lost text), and writes out.record: the input record when nothing was cut.
// A dropped document adds {"id":..., "dropped":"min-length", "chars":N} to out.removed when
// want_removed. Sets bytes, cut_bytes and dropped.
Status finish_span_doc(const Document& doc, const ClusterOptions& opt, SpanDocOut& out,
                       bool want_removed);

// One --removed line: {"id":..., "begin":B, "end":E, "text":..., "docs":D} (docs when >= 0),
// appended to `out`; begin and end are byte offsets into the document's text.
void append_cut_line(std::string& out, std::string_view id, std::string_view text, uint32_t begin,
                     uint32_t end, int64_t docs);

// {"id":..., "bytes":N, "repeated_bytes":R, "repeated_fraction":R/N, "units":U,
// "repeated_units":V} (cluster --mode lines). Overwrites `line`.
void append_span_share(std::string& line, const SpanRecord& r);

// Totals of a span run for the summary line.
struct SpanTotals {
  uint64_t documents = 0, changed = 0, dropped = 0, bytes = 0, cut_bytes = 0;
  void add(const SpanDocOut& d) {
    ++documents;
    bytes += d.bytes;
    cut_bytes += d.cut_bytes;
    changed += d.cut_bytes > 0 ? 1 : 0;
    dropped += d.dropped ? 1 : 0;
  }
  // "cut 12.3 MB (4.1%) from 900 of 1000 documents, dropped 3 under --min-length; "
  std::string summary() const;
};

// The inputs of a two-pass run: standard input ("-") spooled to a temporary file first (in
// --tmp-dir when given).
Result<std::vector<std::string>> rereadable_inputs(const ClusterOptions& opt, SpooledStdin& spool);

// Hands the documents of a batch to the sink in input order, once outs[0..n) are filled.
void emit_span_batch(RecordSink& sink, std::vector<Document>& docs, std::size_t n,
                     std::vector<SpanDocOut>& outs, SpanTotals& totals);

}  // namespace neardup::cli

// neardup dedup: write the input records unchanged, minus the duplicates, keeping one document
// per cluster (the representative chosen by --representative), in input order; optionally a
// sidecar JSONL of what was removed and why. The summary accounts for every record read: "kept K
// of N records, removed D duplicates, skipped S malformed" (K + D + S = N; a record skipped under
// --skip-bad goes to neither file), plus the records with null text when there are any.
//
// Exact mode streams (the first copy is kept). Near and simhash modes read the input twice:
// once to cluster, once to copy the kept records, so memory stays at the clustering's per-document
// cost instead of holding every record; standard input is first spooled to a temporary file.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "cluster_common.h"
#include "commands.h"
#include "mode.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "dedup";

void append_removed(std::string& line, std::string_view id, std::string_view cluster,
                    const std::string& duplicate_of, double similarity) {
  append_record(line, id, cluster, &duplicate_of, similarity);
}

// The kept record: its bytes as read, or for a document read from a directory (one file each)
// its path.
void write_kept(Output& out, const Document& doc) {
  out.write(doc.line == 0 ? doc.id : doc.raw);
  out.write("\n");
}

// Keeps each cluster's representative. A mode that passes the documents (exact) is kept or
// dropped record by record; the clustering of a mode that reads the whole input first (near,
// simhash) is held for the second pass.
class DedupSink final : public RecordSink {
 public:
  DedupSink(Output& out, Output* removed) : out_(out), removed_(removed) {}
  void record(const Document* doc, std::string_view id, std::string_view cluster,
              const std::string* duplicate_of, double similarity) override {
    if (doc == nullptr) {  // a spilled run (--memory): decisions to disk, for the second pass
      spool_decision(id, cluster, duplicate_of, similarity);
      return;
    }
    if (duplicate_of == nullptr) {
      write_kept(out_, *doc);
      ++kept;
      return;
    }
    ++dropped;
    if (removed_ != nullptr) {
      append_removed(line_, id, cluster, *duplicate_of, similarity);
      removed_->write(line_);
    }
  }
  void clustering(NearRun& run) override { run_ = std::move(run); }
  void read_stats(const ReaderStats& stats) override { read = stats; }
  void spans(const SpanRecord& r) override {  // lines, substring: the rewritten record
    if (r.record != nullptr) {
      out_.write(*r.record);
      out_.write("\n");
      ++kept;
    } else {
      ++dropped;
    }
    if (removed_ != nullptr && !r.removed.empty()) removed_->write(r.removed);
  }
  bool rewrites() const override { return true; }
  NearRun& run() { return run_; }
  // The spilled decisions, one per document ("K" id, or "R" id NUL removed-record), or null.
  SpilledStrings* decisions() { return decisions_ ? &*decisions_ : nullptr; }
  const Status& decision_status() const { return decision_status_; }
  void set_spill(const SpillOptions& spill) { spill_ = spill; }

  uint64_t kept = 0, dropped = 0;
  ReaderStats read;  // what was read (and skipped), for the summary

 private:
  void spool_decision(std::string_view id, std::string_view cluster,
                      const std::string* duplicate_of, double similarity) {
    if (!decision_status_.ok()) return;
    if (!decisions_) {
      Result<SpilledStrings> d = SpilledStrings::create(spill_);
      if (!d.ok()) {
        decision_status_ = d.status();
        return;
      }
      decisions_.emplace(std::move(*d));
    }
    decision_.assign(duplicate_of == nullptr ? "K" : "R");
    decision_.append(id);
    if (duplicate_of != nullptr) {
      decision_.push_back('\0');
      append_removed(line_, id, cluster, *duplicate_of, similarity);
      decision_.append(line_);
    }
    decision_status_ = decisions_->append(decision_);
  }

  SpillOptions spill_;
  std::optional<SpilledStrings> decisions_;
  Status decision_status_;
  std::string decision_;
  Output& out_;
  Output* removed_;
  std::string line_;
  NearRun run_;
};

}  // namespace

int cmd_dedup(const std::vector<std::string>& args) {
  ClusterOptions opt;
  std::string removed_path;
  po::options_description desc("options");
  desc.add_options()("removed", po::value(&removed_path),
                     "also write one JSON line per removed document (id, cluster, duplicate_of, "
                     "similarity) to this file; lines and substring modes: one per cut (id, "
                     "begin, end, text; lines: docs) and per dropped document");
  ModeChoice modes(kDedup);
  ModeHandler* mode = nullptr;
  const int rc = parse_cluster_command(kCommand, args, desc, opt, modes, mode);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;

  if (Status st = check_stats_path(opt); !st.ok()) {
    print_error(kCommand, "--stats: " + st.message());
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  Output out, removed;
  if (Status st = out.open(opt.output, opt.input.inputs); !st.ok()) {
    print_error(kCommand, st.message());
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (!removed_path.empty()) {
    if (Status st = removed.open(removed_path, opt.input.inputs); !st.ok()) {
      print_error(kCommand, st.message());
      return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
  }
  std::string line;
  DedupSink sink(out, removed_path.empty() ? nullptr : &removed);
  uint64_t& kept = sink.kept;
  uint64_t& dropped = sink.dropped;
  int result = kExitOk;
  if (mode->passes_documents()) {
    result = mode->run(kCommand, sink);
  } else {
    SpooledStdin spooled;
    for (std::string& input : opt.input.inputs) {
      if (input != "-") continue;
      if (spooled.path().empty()) {
        if (Status st = spooled.spool(opt.memory_given ? opt.spill.resolved_dir() : std::string());
            !st.ok()) {
          print_error(kCommand, st.message());
          return kExitFailure;
        }
      }
      input = spooled.path();
    }
    // The mode took its inputs when it was resolved: give it the spooled ones (the options
    // were checked already, so this cannot fail).
    if (Status st = mode->resolve(opt); !st.ok()) {
      print_error(kCommand, st.message());
      return kExitUsage;
    }
    sink.set_spill(opt.spill);
    result = mode->run(kCommand, sink);
    if (result == kExitOk && !sink.decision_status().ok()) {
      print_error(kCommand, sink.decision_status().message());
      result = kExitFailure;
    }
    SpilledStrings* decisions = sink.decisions();
    if (result == kExitOk && decisions != nullptr) {
      if (Status st = decisions->seal(); !st.ok()) {
        print_error(kCommand, st.message());
        result = kExitFailure;
      }
    }
    const NearRun& run = sink.run();
    const uint64_t total = decisions != nullptr ? decisions->size() : run.ids.size();
    std::string decision;
    if (result == kExitOk && !mode->rewrites_records()) {
      // Second pass: the same inputs give the same documents in the same order.
      BatchReader reader(opt.input.inputs, opt.input.reader);
      WorkPool pool(opt.common.resolved_threads());
      Progress silent(std::string(kCommand), false);
      uint64_t documents = 0;
      std::size_t k = 0;
      result = for_each_batch(
          kCommand, reader, silent, documents, pool,
          [&](std::vector<Document>& docs, std::size_t n) -> Status {
            for (std::size_t i = 0; i < n; ++i, ++k) {
              if (decisions != nullptr) {
                if (k >= total) {
                  return Status::invalid_argument(
                      "the input changed while it was being read twice");
                }
                NEARDUP_RETURN_IF_ERROR(decisions->get(k, decision));
                const std::string_view d(decision);
                const std::size_t nul = d.find('\0');
                if (d.substr(1, nul == std::string_view::npos ? d.npos : nul - 1) != docs[i].id) {
                  return Status::invalid_argument(
                      "the input changed while it was being read twice");
                }
                if (d[0] == 'K') {
                  write_kept(out, docs[i]);
                  ++kept;
                } else {
                  ++dropped;
                  if (!removed_path.empty()) removed.write(d.substr(nul + 1));
                }
                continue;
              }
              if (k >= run.ids.size() || docs[i].id != run.ids[k]) {
                return Status::invalid_argument("the input changed while it was being read twice");
              }
              const NearDupAssignment& a = run.assignment[k];
              if (a.representative == k) {
                write_kept(out, docs[i]);
                ++kept;
              } else {
                ++dropped;
                if (!removed_path.empty()) {
                  append_removed(line, run.ids[k], run.ids[a.cluster], run.ids[a.representative],
                                 a.similarity);
                  removed.write(line);
                }
              }
            }
            return Status();
          });
      if (result == kExitOk && k != total) {
        print_error(kCommand, "the input changed while it was being read twice");
        result = kExitFailure;
      }
      sink.read = reader.stats();
    }
  }
  if (result != kExitOk) {  // both files stay as they were
    out.discard();
    removed.discard();
    return result;
  }
  Status out_status = out.close();
  Status removed_status = removed_path.empty() ? Status() : removed.close();
  for (const Status* st : {&out_status, &removed_status}) {
    if (!st->ok()) {
      print_error(kCommand, st->message());
      return kExitFailure;
    }
  }
  // A span mode (lines, substring) printed its own summary.
  if (!opt.common.quiet && !mode->rewrites_records()) {
    print_error(kCommand, dedup_summary(kept, dropped, sink.read));
  }
  if (!opt.stats.empty()) {
    RunStats& stats = RunStats::get();
    stats.set("command", kCommand);
    stats.set("kept", kept);
    stats.set("removed", dropped);
    std::vector<std::string> inputs = opt.input.inputs;
    if (!removed_path.empty()) inputs.push_back(removed_path);
    if (Status st = stats.write(opt.stats, inputs); !st.ok()) {
      print_error(kCommand, st.message());
      return kExitFailure;
    }
  }
  return kExitOk;
}

}  // namespace neardup::cli

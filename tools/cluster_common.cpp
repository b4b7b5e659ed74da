#include "cluster_common.h"

#include "run_stats.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>

namespace neardup::cli {

IdCheckOptions id_check_options(const ClusterOptions& opt, std::string_view command,
                                uint64_t max_table_bytes) {
  IdCheckOptions o;
  o.command = std::string(command);
  o.on_duplicate = opt.on_duplicate;
  o.id_field_given = opt.id_field_given;
  o.id_field = opt.input.reader.id_field;
  o.max_table_bytes = max_table_bytes;
  return o;
}

uint64_t id_table_share(const ClusterOptions& opt) {
  if (opt.on_duplicate == OnDuplicateId::kKeep) return 0;
  // Never below the spilling clusterers' smallest budget (SpillOptions::validate: 64 KiB).
  constexpr uint64_t kMinimum = uint64_t{64} << 10;
  const uint64_t limit = opt.spill.memory_bytes;
  return limit <= kMinimum ? 0 : std::min(limit / 8, limit - kMinimum);
}

std::string reader_summary(const ReaderStats& rs, const NormalizeStats& ns) {
  char buf[320];
  std::snprintf(
      buf, sizeof buf,
      "skipped %llu malformed records, %llu blank lines; %llu records with null text; "
      "kept %llu records with invalid JSON strings; repaired %llu documents (%llu "
      "invalid UTF-8 sequences); ",
      static_cast<unsigned long long>(rs.skipped), static_cast<unsigned long long>(rs.blank_lines),
      static_cast<unsigned long long>(rs.null_text), static_cast<unsigned long long>(rs.lenient),
      static_cast<unsigned long long>(ns.documents_repaired),
      static_cast<unsigned long long>(ns.invalid_sequences));
  RunStats& stats = RunStats::get();
  stats.set("records", rs.records);
  stats.set("records_without_id", rs.missing_id);
  stats.set("skipped_malformed", rs.skipped);
  stats.set("blank_lines", rs.blank_lines);
  stats.set("null_text", rs.null_text);
  stats.set("lenient_json", rs.lenient);
  stats.set("files", rs.files);
  stats.set("skipped_files", rs.skipped_files);
  stats.set("documents_repaired", ns.documents_repaired);
  stats.set("invalid_utf8_sequences", ns.invalid_sequences);
  // A corpus of shards: how many files were read (and skipped as not text), first.
  if (rs.files > 1 || rs.skipped_files > 0) {
    return "read " + std::to_string(rs.files) + " files (" + std::to_string(rs.skipped_files) +
           " skipped as not text); " + buf;
  }
  return buf;
}

RepresentativeKeys::RepresentativeKeys(const std::string& representative, unsigned threads)
    : by_length_(representative == "longest"),
      by_field_(representative.rfind("field:", 0) == 0),
      field_(by_field_ ? representative.substr(6) : std::string()),
      extractors_(by_field_ ? threads : 0) {}

std::function<void(std::string_view, uint64_t, uint64_t)> stage_progress(std::string_view command,
                                                                         bool quiet) {
  if (quiet) return {};
  struct State {
    std::string command, stage;
    std::chrono::steady_clock::time_point start, last;
  };
  auto state = std::make_shared<State>();
  state->command = std::string(command);
  return [state](std::string_view stage, uint64_t done, uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (stage != state->stage) {
      state->stage = std::string(stage);
      state->start = state->last = now;
    }
    const double secs = std::chrono::duration<double>(now - state->start).count();
    const bool end = done == total;
    if (end ? secs < 1.0 : now - state->last < std::chrono::seconds(1)) return;
    state->last = now;
    char buf[160];
    std::snprintf(
        buf, sizeof buf, "%s: %.1f M of %.1f M (%.0f%%), %.1f s%s", state->stage.c_str(),
        static_cast<double>(done) / 1e6, static_cast<double>(total) / 1e6,
        total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0, secs,
        end ? ", done" : "");
    print_error(state->command, buf);
  };
}

BatchLimits spill_batch_limits(const SpillOptions& spill) {
  BatchLimits limits;
  limits.bytes = std::clamp<uint64_t>(spill.memory_bytes / 64, 256 << 10, limits.bytes);
  return limits;
}

Status SpilledIdResolver::resolve(uint32_t doc, const Assignment& a) {
  NEARDUP_RETURN_IF_ERROR(ids_.get(doc, id_));
  if (a.cluster == doc) {
    ++clusters_;
    cluster_ = id_;
  } else {
    NEARDUP_RETURN_IF_ERROR(ids_.get(a.cluster, cluster_));
  }
  has_rep_ = a.representative != doc;
  if (!has_rep_) return Status();
  if (a.representative == a.cluster) {
    rep_ = cluster_;
    return Status();
  }
  return ids_.get(a.representative, rep_);
}

Status check_stats_path(const std::string& path, const std::vector<std::string>& inputs) {
  if (path.empty()) return Status();
  if (path == "-") return Status::invalid_argument("--stats needs a file, not -");
  Output probe;  // creates (and discards) its temporary file beside the target
  Status st = probe.open(path, inputs);
  probe.discard();
  return st;
}

Status check_stats_path(const ClusterOptions& opt) {
  return check_stats_path(opt.stats, opt.input.inputs);
}

int write_stats_file(std::string_view command, int rc, const std::string& path,
                     const std::vector<std::string>& inputs) {
  if (rc != kExitOk || path.empty()) return rc;
  if (Status st = RunStats::get().write(path, inputs); !st.ok()) {
    print_error(command, "--stats: " + st.message());
    return kExitFailure;
  }
  return kExitOk;
}

uint64_t default_memory_limit() {
  const uint64_t total = available_memory_bytes();
  return total == 0 ? uint64_t{4} << 30 : total / 2;
}

std::optional<uint64_t> input_bytes_estimate(const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  const auto add_file = [&total](const fs::path& p, uint64_t size) {
    const std::string ext = p.extension().string();
    const bool compressed = ext == ".gz" || ext == ".zst" || ext == ".xz" || ext == ".bz2";
    total += compressed ? 4 * size : size;
  };
  for (const std::string& input : inputs) {
    if (input == "-") return std::nullopt;
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec) return std::nullopt;
    if (fs::is_regular_file(st)) {
      add_file(input, fs::file_size(input, ec));
    } else if (fs::is_directory(st)) {
      for (fs::recursive_directory_iterator it(input, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (it->is_regular_file(ec)) add_file(it->path(), it->file_size(ec));
      }
    } else {
      return std::nullopt;  // a pipe, a device: not known, not re-readable
    }
  }
  return total;
}

std::string format_megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

void print_memory_note(std::string_view command, bool quiet, const std::string& text) {
  if (!quiet) print_error(command, "note: " + text);
}

// "kept 3 of 4 records, removed 0 duplicates, skipped 1 malformed": every record read is kept,
// removed or skipped, so the figures add up; null texts and skipped files when there are any.
std::string dedup_summary(uint64_t kept, uint64_t dropped, const ReaderStats& read) {
  std::string s = "kept " + std::to_string(kept) + " of " +
                  std::to_string(kept + dropped + read.skipped) + " records, removed " +
                  std::to_string(dropped) + " duplicates, skipped " + std::to_string(read.skipped) +
                  " malformed";
  if (read.null_text > 0) {
    s += ", " + std::to_string(read.null_text) + (read.null_text == 1 ? " record" : " records") +
         " with null text (read as empty)";
  }
  if (read.skipped_files > 0) {
    s += ", skipped " + std::to_string(read.skipped_files) + " files that are not text";
  }
  return s;
}

std::string spill_summary(const SpillStats& st, uint64_t id_bytes, const std::string& dir) {
  RunStats& stats = RunStats::get();
  stats.set("spilled", true);
  stats.set("spilled_bytes", st.bytes_written + id_bytes);
  stats.set("sorted_runs", st.runs);
  stats.set("merge_passes", st.merge_passes);
  stats.set("add_seconds", st.add_seconds);
  stats.set("exact_keys_seconds", st.exact_seconds);
  stats.set("link_seconds", st.link_seconds);
  stats.set("assign_seconds", st.assign_seconds);
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "spilled %.1f MB to %s in %llu runs (%llu merge passes); stages: add %.2f s, "
                "exact %.2f s, link %.2f s, assign %.2f s; ",
                static_cast<double>(st.bytes_written + id_bytes) / 1e6, dir.c_str(),
                static_cast<unsigned long long>(st.runs),
                static_cast<unsigned long long>(st.merge_passes), st.add_seconds, st.exact_seconds,
                st.link_seconds, st.assign_seconds);
  return buf;
}

void RepresentativeKeys::keep(std::size_t i, uint64_t text_bytes) {
  if (by_length_) priority_.push_back(static_cast<double>(text_bytes));
  if (by_field_) {
    if (!batch_values_[i]) ++missing_;
    field_values_.push_back(std::move(batch_values_[i]));
  }
}

Result<std::vector<double>> RepresentativeKeys::priorities() {
  if (by_field_ && !field_values_.empty() && missing_ == field_values_.size()) {
    return Status::invalid_argument("no record has the field '" + field_ +
                                    "' (--representative field:" + field_ + ")");
  }
  if (by_field_) priority_ = field_priority(field_values_);
  return std::move(priority_);
}

std::string RepresentativeKeys::summary() const {
  if (missing_ == 0) return std::string();
  return std::to_string(missing_) + (missing_ == 1 ? " record" : " records") +
         " without the field '" + field_ + "' (ranked last); ";
}

void print_run_summary(std::string_view command, std::string_view mode_part,
                       std::string_view reader_part, uint64_t documents, uint64_t bytes,
                       double seconds, unsigned threads) {
  const std::string line = std::string(mode_part) + std::string(reader_part) +
                           format_rate_summary(documents, bytes, seconds) + ", " +
                           std::to_string(threads) + " threads";
  RunStats& stats = RunStats::get();
  stats.set("command", command);
  stats.set("documents", documents);
  stats.set("input_bytes", bytes);
  stats.set("seconds", seconds);
  stats.set("docs_per_second", seconds > 0 ? static_cast<double>(documents) / seconds : 0.0);
  stats.set("mb_per_second", seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0);
  stats.set("threads", uint64_t{threads});
  stats.set("summary", line);
  if (!stats.quiet()) print_error(command, line);
}

void add_cluster_options(po::options_description& desc, ClusterOptions& opt, ModeChoice& modes) {
  modes.add_mode_option(desc, opt.mode, "exact");
  add_output_option(desc, opt.output);
  desc.add_options()  //
      ("stats", po::value(&opt.stats),
       "also write the run's summary as one JSON object to this file (counts, skipped and "
       "repaired records, clusters, timings, bytes spilled, peak memory)")  //
      ("representative", po::value(&opt.representative)->default_value("first"),
       "which member represents a cluster: first, longest, or field:NAME (the largest value "
       "of a JSONL field; numbers compare as numbers; records without it rank last, and a "
       "field that no record has is an error); exact and story modes: first only")  //
      ("measure", po::value(&opt.measure)->default_value("jaccard"),
       "near-duplicates by jaccard (|A & B| / |A | B|, --mode near) or by containment (|A & B| "
       "/ |A| >= --threshold: A is contained in B; the same as --mode containment)")  //
      ("on-duplicate-id", po::value(&opt.on_duplicate_id)->default_value("warn"),
       "an id that occurs twice: error (exit 1 naming it), warn (one line on stderr with the "
       "count and the first; the output is unchanged) or keep (silent). Costs a table of "
       "64-bit id hashes, 11-22 bytes a document; with --memory its share is 1/8 of the limit");
  const unsigned groups = modes.groups();
  if ((groups & kSimilarityGroup) != 0) {
    modes.add_group(desc, [&opt](po::options_description& d) {
      add_similarity_options(d, opt, SimilarityUse::kCluster);
    });
  }
  if ((groups & kStoryFeatureGroup) != 0) {
    modes.add_group(desc, [&opt](po::options_description& d) {
      add_story_feature_options(d, opt, kStoryTitleField | kStoryIdfModel);
    });
  }
  modes.add_group(desc, [&opt](po::options_description& d) {
    d.add_options()  //
        ("memory", po::value(&opt.memory),
         "near and exact: bound the run's memory (e.g. 2G, 512M, 100K): signatures, shingle "
         "sets and keys go to sorted runs in --tmp-dir and the clusters are the same as in "
         "memory (near: --linkage components); lines: the unit counts' sort (default half of "
         "physical memory); substring: at most --memory / 9 bytes of text")  //
        ("tmp-dir", po::value(&opt.tmp_dir),
         "with --memory, and near and simhash modes' shingle sets (--set-store disk): where the "
         "temporary files go (default $TMPDIR, else /tmp); they are removed however the run "
         "ends")  //
        ("set-store", po::value(&opt.set_store)->default_value("disk"),
         "near (--verify shingles) and simhash (tfidf weights or --verify shingles): where the "
         "shingle sets wait: disk (an unlinked temporary file in --tmp-dir; near reads back "
         "candidates only, ~14 B per document in RAM; simhash reads them back once for the "
         "TF-IDF fingerprints, 12 B per document in RAM) or memory (8-12 B per shingle in RAM); "
         "same output");
  });
  modes.add_mode_flags(desc);
  add_input_options(desc, opt.input);
  if ((groups & kNormalizeGroup) != 0) {
    modes.add_group(
        desc, [&opt](po::options_description& d) { add_normalize_options(d, opt.normalize); });
  }
  add_common_options(desc, opt.common);
  modes.add_mode_dependent("seed");  // exact mode hashes no seed
}

Result<ModeHandler*> resolve_cluster_options(ClusterOptions& opt, ModeChoice& modes,
                                             const po::variables_map& vm) {
  // --measure containment is the spelling of --mode containment: it asks for the
  // near-duplicate modes' measure, so it goes with no --mode, near or containment.
  if (opt.measure == "containment") {
    const auto given = vm.find("mode");
    const bool mode_given = given != vm.end() && !given->second.defaulted();
    if (mode_given && opt.mode != "near" && opt.mode != "containment") {
      return Status::invalid_argument(
          "--measure containment applies to near-duplicates (it "
          "selects --mode containment), not to --mode " +
          opt.mode);
    }
    opt.mode = "containment";
  } else if (opt.measure != "jaccard") {
    return Status::invalid_argument("unknown --measure '" + opt.measure +
                                    "' (jaccard, containment)");
  }
  Result<ModeHandler*> mode = modes.choose(opt.mode, vm);
  if (!mode.ok()) return mode.status();
  if (opt.input.inputs.empty()) {
    return Status::invalid_argument("no input given (name files, a directory, or - for stdin)");
  }
  NEARDUP_RETURN_IF_ERROR(opt.input.resolve());
  Result<OnDuplicateId> on_duplicate = parse_on_duplicate_id(opt.on_duplicate_id);
  if (!on_duplicate.ok()) return on_duplicate.status();
  opt.on_duplicate = *on_duplicate;
  opt.id_field_given = vm.count("id-field") > 0 && !vm["id-field"].defaulted();
  const bool field = opt.representative.rfind("field:", 0) == 0;
  if (opt.representative != "first" && opt.representative != "longest" &&
      !(field && opt.representative.size() > 6)) {
    return Status::invalid_argument("unknown --representative '" + opt.representative +
                                    "' (first, longest, field:NAME)");
  }
  // Near and simhash modes keep their shingle sets in --tmp-dir (--set-store disk) even without
  // --memory.
  if (!opt.tmp_dir.empty() && opt.memory.empty() && opt.mode != "near" && opt.mode != "simhash") {
    return Status::invalid_argument(
        "--tmp-dir applies with --memory only (or in near and simhash modes)");
  }
  if (opt.set_store != "disk" && opt.set_store != "memory") {
    return Status::invalid_argument("unknown --set-store '" + opt.set_store + "' (disk, memory)");
  }
  opt.spill.memory_bytes = default_memory_limit();
  if (!opt.tmp_dir.empty()) {
    opt.spill.tmp_dir = opt.tmp_dir;
    if (Status st = opt.spill.validate(); !st.ok()) {
      return Status::invalid_argument("--tmp-dir: " + st.message());
    }
  }
  if (!opt.memory.empty()) {
    Result<uint64_t> bytes = parse_byte_size(opt.memory);
    if (!bytes.ok()) return Status::invalid_argument("--memory: " + bytes.status().message());
    opt.spill.memory_bytes = *bytes;
    opt.spill.tmp_dir = opt.tmp_dir;
    if (Status st = opt.spill.validate(); !st.ok()) {
      return Status::invalid_argument("--memory/--tmp-dir: " + st.message());
    }
    opt.memory_given = true;
  }
  opt.set_storage.on_disk = opt.set_store == "disk";
  opt.set_storage.tmp_dir = opt.spill.resolved_dir();
  NEARDUP_RETURN_IF_ERROR((*mode)->resolve(opt));
  return mode;
}

int parse_cluster_command(std::string_view command, const std::vector<std::string>& args,
                          po::options_description& desc, ClusterOptions& opt, ModeChoice& modes,
                          ModeHandler*& mode) {
  add_cluster_options(desc, opt, modes);
  po::variables_map vm;
  const std::string usage = "neardup " + std::string(command) + " [--mode " + modes.names("|") +
                            "] [options] FILE|DIR|- ...";
  const int rc = parse_command_line(command, args, desc, usage, &opt.input.inputs, vm);
  if (rc != kExitOk) return rc;
  Result<ModeHandler*> chosen = resolve_cluster_options(opt, modes, vm);
  if (!chosen.ok()) {
    print_error(command, chosen.status().message());
    return kExitUsage;
  }
  mode = *chosen;
  RunStats::get().set_quiet(opt.common.quiet);
  return kExitOk;
}

void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity, std::string_view extra) {
  line.clear();
  line += "{\"id\":";
  append_json_string(line, id);
  line += ",\"cluster\":";
  append_json_string(line, cluster);
  if (duplicate_of != nullptr) {
    line += ",\"duplicate_of\":";
    append_json_string(line, *duplicate_of);
    char buf[32];
    std::snprintf(buf, sizeof buf, ",\"similarity\":%.4g", similarity);
    line += buf;
  }
  if (!extra.empty()) {
    line += ',';
    line += extra;
  }
  line += "}\n";
}

void append_contained_in(std::string& line, std::string_view container, double containment) {
  line.resize(line.size() - 2);  // "}\n"
  line += ",\"contained_in\":";
  append_json_string(line, container);
  char buf[32];
  std::snprintf(buf, sizeof buf, ",\"containment\":%.4g}\n", containment);
  line += buf;
}

}  // namespace neardup::cli

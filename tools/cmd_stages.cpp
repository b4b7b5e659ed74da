// neardup sketch | link | apply: `neardup cluster` and `neardup dedup` (near and exact modes) as
// three steps over files, for schedulers without MPI (a Slurm job array, Kubernetes, Spark):
//
//   neardup sketch --mode near --shard I/N -o sketch-I.nds CORPUS...   # N jobs, any machines
//   neardup link -o clusters.jsonl sketch-*.nds                        # one job
//   neardup apply --clusters clusters.jsonl --shard I/N -o kept-I.jsonl CORPUS...   # N jobs
//
// Shard I of N reads a contiguous part of the input's files (each input file, and each file
// of an input directory, counted in reading order). link writes exactly what `neardup cluster`
// writes for the whole input, or with --output-dir one file per shard; the concatenation of the
// apply outputs is exactly what `neardup dedup` writes. Sketch files: advanced/stages.h.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "cluster_common.h"
#include "commands.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/exact_clusterer.h"
#include "neardup/advanced/spill.h"
#include "neardup/advanced/stages.h"
#include "run_stats.h"
#include "stages.h"

namespace neardup::cli {
namespace {

struct Shard {
  uint32_t index = 0, count = 1;
};

Result<Shard> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  const auto bad = [&text]() {
    return Status::invalid_argument("--shard takes I/N with 0 <= I < N (e.g. 3/16), got '" + text +
                                    "'");
  };
  if (slash == std::string::npos) return bad();
  const auto number = [](const std::string& s) -> std::optional<uint64_t> {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return std::stoull(s);
  };
  const auto i = number(text.substr(0, slash)), n = number(text.substr(slash + 1));
  if (!i || !n || *n == 0 || *i >= *n) return bad();
  return Shard{static_cast<uint32_t>(*i), static_cast<uint32_t>(*n)};
}

void add_stats_option(po::options_description& desc, std::string& path) {
  desc.add_options()("stats", po::value(&path),
                     "also write the run's summary as one JSON object to this file (counts, "
                     "timings, bytes spilled, peak memory)");
}

// --stats: checked before the run (not "-", not an input, writable there), as cluster checks it.
int check_stats(std::string_view command, const std::string& path,
                const std::vector<std::string>& inputs) {
  if (Status st = check_stats_path(path, inputs); !st.ok()) {
    print_error(command, "--stats: " + st.message());
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  return kExitOk;
}

// Writes --stats after a successful run; returns the command's exit code.
int finish_stats(std::string_view command, int rc, const std::string& path,
                 const std::vector<std::string>& inputs) {
  RunStats::get().set("command", command);
  return write_stats_file(command, rc, path, inputs);
}

int usage_error(std::string_view command, const Status& st) {
  print_error(command, st.message());
  return kExitUsage;
}
int failure(std::string_view command, const Status& st) {
  print_error(command, st.message());
  return kExitFailure;
}

}  // namespace

Result<ShardPlan> plan_shard(const std::vector<std::string>& inputs, const ReaderOptions& reader,
                             uint32_t index, uint32_t count) {
  ShardPlan out;
  // Byte ranges when every input is a plain file: shard i takes the records that start in the
  // i-th of `count` equal parts of the inputs' bytes, taken one after another.
  bool bytes = !inputs.empty();
  std::vector<uint64_t> sizes;
  for (const std::string& input : inputs) {
    if (input == "-" && count > 1) {
      return Status::invalid_argument("standard input cannot be cut into shards");
    }
    std::error_code ec;
    if (!bytes || input == "-" || !std::filesystem::is_regular_file(input, ec)) {
      bytes = false;
      continue;
    }
    Result<bool> plain = splittable_file(input);
    if (!plain.ok()) return plain.status();
    bytes = *plain;
    if (bytes) sizes.push_back(std::filesystem::file_size(input, ec));
    if (ec) return Status::io_error(input + ": " + ec.message());
  }
  out.total_files = inputs.size();
  if (bytes) {
    out.byte_ranges = true;
    uint64_t total = 0;
    for (uint64_t size : sizes) total += size;
    // total / count * i + (total % count) * i / count: no overflow for any corpus size.
    const auto cut = [&](uint64_t i) { return total / count * i + total % count * i / count; };
    const uint64_t begin = cut(index), end = cut(uint64_t{index} + 1);
    uint64_t at = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const uint64_t lo = std::max(begin, at), hi = std::min(end, at + sizes[i]);
      if (lo < hi) {
        ReaderOptions o = reader;
        if (lo > at || hi < at + sizes[i]) {
          o.byte_begin = lo - at;
          o.byte_end = hi - at;
        }
        out.inputs.push_back(inputs[i]);
        out.options.push_back(o);
        out.input_index.push_back(i);
        ++out.files;
      }
      at += sizes[i];
    }
    return out;
  }
  // Otherwise ranges of files: shard i reads the i-th of `count` parts of the input's files
  // (each input file, and each file of an input directory, counted in reading order).
  std::vector<uint64_t> counts;
  uint64_t total = 0;
  for (const std::string& input : inputs) {
    Result<uint64_t> n = count_input_files(input, reader);
    if (!n.ok()) return n.status();
    counts.push_back(*n);
    total += *n;
  }
  out.total_files = total;
  const uint64_t begin = total * index / count;
  const uint64_t end = total * (uint64_t{index} + 1) / count;
  uint64_t at = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const uint64_t lo = std::max(begin, at), hi = std::min(end, at + counts[i]);
    if (lo < hi) {
      ReaderOptions o = reader;
      o.file_begin = lo - at;
      o.file_end = hi - at;
      out.inputs.push_back(inputs[i]);
      out.options.push_back(o);
      out.input_index.push_back(i);
      out.files += hi - lo;
    }
    at += counts[i];
  }
  return out;
}

// ------------------------------------------------------------------------------------------------

int cmd_sketch(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "sketch";
  ClusterOptions opt;
  std::string shard_text = "0/1", stats_path;
  ModeChoice modes(kSketch);
  po::options_description desc("options");
  modes.add_mode_option(desc, opt.mode, "near");
  desc.add_options()                                                               //
      ("output,o", po::value(&opt.output), "the sketch file to write (required)")  //
      ("shard", po::value(&shard_text)->default_value("0/1"),
       "I/N: sketch the I-th of N contiguous parts of the input (0-based): byte ranges, cut "
       "at record boundaries, when every input is a plain file; else parts of the list of "
       "files (those of input directories counted one by one)");
  add_stats_option(desc, stats_path);
  modes.add_group(desc, [&opt](po::options_description& d) {
    add_similarity_options(d, opt, SimilarityUse::kCluster);
  });
  modes.add_mode_flags(desc);
  add_input_options(desc, opt.input);
  modes.add_group(desc,
                  [&opt](po::options_description& d) { add_normalize_options(d, opt.normalize); });
  add_common_options(desc, opt.common);
  modes.add_mode_dependent("seed");
  po::variables_map vm;
  const int rc = parse_command_line(
      kCommand, args, desc,
      "neardup sketch [--mode near|exact] --shard I/N -o SKETCH [options] FILE|DIR ...",
      &opt.input.inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  Result<ModeHandler*> mode = modes.choose(opt.mode, vm);
  if (!mode.ok()) return usage_error(kCommand, mode.status());
  if (opt.input.inputs.empty()) {
    return usage_error(kCommand, Status::invalid_argument("no input given"));
  }
  if (opt.output.empty() || opt.output == "-") {
    return usage_error(kCommand, Status::invalid_argument("-o SKETCH is required (a file)"));
  }
  if (Status st = opt.input.resolve(); !st.ok()) return usage_error(kCommand, st);
  if (Status st = (*mode)->resolve(opt); !st.ok()) return usage_error(kCommand, st);
  Result<Shard> shard = parse_shard(shard_text);
  if (!shard.ok()) return usage_error(kCommand, shard.status());
  Result<SketchFileInfo> info = sketch_info(opt, **mode, shard->index, shard->count);
  if (!info.ok()) return usage_error(kCommand, info.status());
  if (int st = check_stats(kCommand, stats_path, opt.input.inputs); st != kExitOk) return st;
  RunStats::get().set_quiet(opt.common.quiet);
  return finish_stats(kCommand, write_sketch(kCommand, opt, *info, opt.output), stats_path,
                      opt.input.inputs);
}

Result<SketchFileInfo> sketch_info(const ClusterOptions& opt, const ModeHandler& mode,
                                   uint32_t shard, uint32_t shards) {
  SketchFileInfo info;
  info.shard = shard;
  info.shards = shards;
  if (const NearDupOptions* near = mode.near_dup_options(); near != nullptr) {
    info.mode = SketchMode::kNear;
    info.near = *near;
    if (near->linkage != Linkage::kComponents) {
      return Status::invalid_argument("sketches support --linkage components only");
    }
  } else {
    info.mode = SketchMode::kExact;
    info.near.similarity.pipeline.normalize = opt.normalize.options();
  }
  return info;
}

int write_sketch(std::string_view kCommand, const ClusterOptions& opt, const SketchFileInfo& info,
                 const std::string& path) {
  for (const std::string& input : opt.input.inputs) {
    if (input != "-" && std::filesystem::path(input).lexically_normal() ==
                            std::filesystem::path(path).lexically_normal()) {
      return usage_error(kCommand, Status::invalid_argument("the output is also an input"));
    }
  }
  Result<SketchWriter> writer = SketchWriter::create(path, info);
  if (!writer.ok()) return failure(kCommand, writer.status());
  const int result = sketch_shard(
      kCommand, opt, info, [&](const SketchRecord& r) { return writer->add(r); },
      [&]() { return "sketch " + format_megabytes(writer->bytes()); });
  if (result != kExitOk) return result;  // the writer removes its temporary file
  if (Status st = writer->close(); !st.ok()) return failure(kCommand, st);
  return kExitOk;
}

int sketch_shard(std::string_view kCommand, const ClusterOptions& opt, const SketchFileInfo& info,
                 const SketchSink& sink, const std::function<std::string()>& describe,
                 const ShardPlan* plan) {
  Result<ShardPlan> part =
      plan != nullptr ? Result<ShardPlan>(*plan)
                      : plan_shard(opt.input.inputs, opt.input.reader, info.shard, info.shards);
  if (!part.ok()) return failure(kCommand, part.status());
  const unsigned threads = opt.common.resolved_threads();
  BatchReader reader(part->inputs, part->options);
  Progress progress(std::string(kCommand), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  std::vector<SketchRecord> records;
  NormalizeStats ns;
  int result = kExitOk;
  if (info.mode == SketchMode::kNear) {
    // The spilling clusterer only prepares and sketches here; nothing is added to it.
    Result<SpillingNearDupClusterer> near = SpillingNearDupClusterer::create(
        info.near, SpillOptions{.tmp_dir = "", .memory_bytes = uint64_t{64} << 10});
    if (!near.ok()) return failure(kCommand, near.status());
    std::vector<NearDupClusterer::Scratch> scratch(threads);
    std::vector<PreparedDoc> prepared(threads);
    result = for_each_batch(kCommand, reader, progress, documents, pool,
                            [&](std::vector<Document>& docs, std::size_t n) -> Status {
                              if (records.size() < n) records.resize(n);
                              pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                                near->prepare(docs[i].text, prepared[w], scratch[w]);
                                near->sketch(prepared[w], records[i].doc);
                                records[i].id = docs[i].id;
                                records[i].empty = false;
                              });
                              for (std::size_t i = 0; i < n; ++i) {
                                NEARDUP_RETURN_IF_ERROR(sink(records[i]));
                              }
                              return Status();
                            });
    for (const auto& s : scratch) ns.add(s.normalize_stats());
  } else {
    ExactClusterer exact({.normalize = info.near.similarity.pipeline.normalize});
    std::vector<ExactClusterer::Scratch> scratch(threads);
    result = for_each_batch(kCommand, reader, progress, documents, pool,
                            [&](std::vector<Document>& docs, std::size_t n) -> Status {
                              if (records.size() < n) records.resize(n);
                              pool.parallel_for(n, [&](std::size_t i, unsigned w) {
                                PreparedExact pe;
                                exact.prepare(docs[i].text, pe, scratch[w]);
                                records[i].id = docs[i].id;
                                records[i].empty = pe.empty;
                                records[i].doc.exact_key = pe.key;
                                records[i].doc.text_bytes = docs[i].text.size();
                              });
                              for (std::size_t i = 0; i < n; ++i) {
                                NEARDUP_RETURN_IF_ERROR(sink(records[i]));
                              }
                              return Status();
                            });
    for (const auto& s : scratch) ns.add(s.normalize_stats());
  }
  if (result != kExitOk) return result;
  {  // recorded for --stats; printed unless quiet (RunStats)
    char buf[256];
    std::snprintf(buf, sizeof buf, "shard %u/%u: %s%llu of %llu files, %s; ", info.shard,
                  info.shards, part->byte_ranges ? "byte ranges of " : "",
                  static_cast<unsigned long long>(part->files),
                  static_cast<unsigned long long>(part->total_files), describe().c_str());
    print_run_summary(kCommand, buf, reader_summary(reader.stats(), ns), documents,
                      reader.stats().bytes, progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

// ------------------------------------------------------------------------------------------------

namespace {

// Writes the cluster records of link into one output or one per shard (--output-dir).
class LinkOutput {
 public:
  Status open(const std::string& output, const std::string& dir,
              const std::vector<uint64_t>& shard_docs, const std::vector<std::string>& inputs) {
    shard_docs_ = shard_docs;
    if (dir.empty()) {
      outputs_.push_back(std::make_unique<Output>());
      return outputs_[0]->open(output, inputs);
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::io_error(dir + ": cannot create: " + ec.message());
    for (std::size_t i = 0; i < shard_docs.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "part-%05zu.jsonl", i);
      outputs_.push_back(std::make_unique<Output>());
      NEARDUP_RETURN_IF_ERROR(
          outputs_[i]->open((std::filesystem::path(dir) / name).string(), inputs));
    }
    return Status();
  }
  // The record of the next document in input order.
  void write(const std::string& line) {
    while (outputs_.size() > 1 && current_ + 1 < shard_docs_.size() &&
           written_ == shard_docs_[current_]) {
      ++current_;
      written_ = 0;
    }
    outputs_[outputs_.size() > 1 ? current_ : 0]->write(line);
    ++written_;
  }
  Status close() {
    for (auto& o : outputs_) NEARDUP_RETURN_IF_ERROR(o->close());
    return Status();
  }
  void discard() {
    for (auto& o : outputs_) o->discard();
  }

 private:
  std::vector<std::unique_ptr<Output>> outputs_;
  std::vector<uint64_t> shard_docs_;
  std::size_t current_ = 0;
  uint64_t written_ = 0;
};

}  // namespace

int cmd_link(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "link";
  std::vector<std::string> sketches;
  std::string output = "-", output_dir, memory, tmp_dir, representative = "first", stats_path;
  std::string on_duplicate_id = "warn";
  CommonOptions common;
  po::options_description desc("options");
  desc.add_options()  //
      ("output,o", po::value(&output)->default_value("-"),
       "the cluster records of every document, in input order (default stdout)")  //
      ("output-dir", po::value(&output_dir),
       "instead of --output: one file per shard, DIR/part-00000.jsonl, ...")  //
      ("representative", po::value(&representative)->default_value("first"),
       "which member represents a cluster: first or longest")  //
      ("memory", po::value(&memory),
       "bound the memory (e.g. 2G; default half of physical memory): sorted runs go to "
       "--tmp-dir")                                                                               //
      ("tmp-dir", po::value(&tmp_dir), "where the temporary files go (default $TMPDIR or /tmp)")  //
      ("on-duplicate-id", po::value(&on_duplicate_id)->default_value("warn"),
       "an id that occurs twice in the sketches: error (exit 1 naming it), warn (one line on "
       "stderr with the count and the first) or keep (silent); a table of 64-bit id hashes "
       "within 1/8 of --memory");
  add_stats_option(desc, stats_path);
  add_common_options(desc, common, /*with_seed=*/false);
  po::variables_map vm;
  const int rc = parse_command_line(
      kCommand, args, desc, "neardup link [-o FILE | --output-dir DIR] SKETCH ...", &sketches, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (sketches.empty()) {
    return usage_error(kCommand, Status::invalid_argument("no sketch files given"));
  }
  if (representative != "first" && representative != "longest") {
    return usage_error(kCommand, Status::invalid_argument("--representative must be first or "
                                                          "longest, got '" +
                                                          representative + "'"));
  }
  if (!output_dir.empty() && vm.count("output") && !vm["output"].defaulted()) {
    return usage_error(kCommand,
                       Status::invalid_argument("give --output or --output-dir, not both"));
  }
  SpillOptions spill{.tmp_dir = tmp_dir, .memory_bytes = default_memory_limit()};
  if (!memory.empty()) {
    Result<uint64_t> bytes = parse_byte_size(memory);
    if (!bytes.ok()) return usage_error(kCommand, bytes.status());
    spill.memory_bytes = *bytes;
  }
  if (Status st = spill.validate(); !st.ok()) return usage_error(kCommand, st);
  Result<OnDuplicateId> on_duplicate = parse_on_duplicate_id(on_duplicate_id);
  if (!on_duplicate.ok()) return usage_error(kCommand, on_duplicate.status());
  if (int st = check_stats(kCommand, stats_path, sketches); st != kExitOk) return st;
  RunStats::get().set_quiet(common.quiet);
  LinkConfig config{output, output_dir, representative, spill, common};
  config.on_duplicate = *on_duplicate;
  return finish_stats(kCommand, link_sketches(kCommand, sketches, config), stats_path, sketches);
}

int link_sketches(std::string_view kCommand, const std::vector<std::string>& sketches,
                  const LinkConfig& config) {
  const std::string& output = config.output;
  const std::string& output_dir = config.output_dir;
  const std::string& representative = config.representative;
  const SpillOptions& spill = config.spill;
  const CommonOptions& common = config.common;
  // The sketches, in shard order: all of one run (same mode, options and shard count).
  std::vector<SketchReader> readers;
  for (const std::string& path : sketches) {
    Result<SketchReader> r = SketchReader::open(path);
    if (!r.ok()) return failure(kCommand, r.status());
    readers.push_back(std::move(*r));
  }
  std::vector<std::size_t> order(readers.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&readers](std::size_t a, std::size_t b) {
    return readers[a].info().shard < readers[b].info().shard;
  });
  const SketchFileInfo& first = readers[order[0]].info();

  if (readers.size() != first.shards) {
    return failure(kCommand, Status::invalid_argument(
                                 "the sketches are " + std::to_string(readers.size()) +
                                 " files of a run cut into " + std::to_string(first.shards) +
                                 " shards: give every shard once"));
  }
  std::vector<uint64_t> shard_docs;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const SketchFileInfo& info = readers[order[k]].info();
    if (info.shard != k || info.shards != first.shards) {
      return failure(kCommand, Status::invalid_argument(
                                   sketches[order[k]] + " is shard " + std::to_string(info.shard) +
                                   "/" + std::to_string(info.shards) + "; expected shard " +
                                   std::to_string(k) + "/" + std::to_string(first.shards)));
    }
    if (!same_sketch_options(info, first)) {
      return failure(kCommand, Status::invalid_argument(sketches[order[k]] +
                                                        " was sketched with other "
                                                        "options than " +
                                                        sketches[order[0]] +
                                                        " (mode, shingles, MinHash, "
                                                        "threshold or verify)"));
    }
    shard_docs.push_back(info.documents);
  }

  LinkOutput out;
  if (Status st = out.open(output, output_dir, shard_docs, sketches); !st.ok()) {
    return st.code() == StatusCode::kInvalidArgument ? usage_error(kCommand, st)
                                                     : failure(kCommand, st);
  }
  Result<SpilledStrings> ids = SpilledStrings::create(spill);
  if (!ids.ok()) return failure(kCommand, ids.status());
  const unsigned threads = common.resolved_threads();
  WorkPool pool(threads);
  const ParallelRunner runner = pool.runner();
  const bool near = first.mode == SketchMode::kNear;
  std::optional<SpillingNearDupClusterer> near_clusterer;
  std::optional<SpillingExactClusterer> exact_clusterer;
  if (near) {
    Result<SpillingNearDupClusterer> c = SpillingNearDupClusterer::create(first.near, spill);
    if (!c.ok()) return failure(kCommand, c.status());
    near_clusterer.emplace(std::move(*c));
    near_clusterer->set_progress(stage_progress(kCommand, common.quiet));
  } else {
    Result<SpillingExactClusterer> c = SpillingExactClusterer::create(
        {.normalize = first.near.similarity.pipeline.normalize}, spill);
    if (!c.ok()) return failure(kCommand, c.status());
    exact_clusterer.emplace(std::move(*c));
    exact_clusterer->set_progress(stage_progress(kCommand, common.quiet));
  }
  const bool longest = representative == "longest";
  std::vector<double> priority;
  std::vector<SketchRecord> batch(4096);
  std::vector<SketchedDoc> docs;
  std::vector<PreparedExact> exact_docs;
  Progress progress(std::string(kCommand), !common.quiet);
  uint64_t documents = 0;
  // Ids that occur twice across the sketches (--on-duplicate-id), as `neardup cluster` finds
  // them; errors name the sketch file and the record's number in input order.
  std::optional<IdCheck> id_check;
  if (config.on_duplicate != OnDuplicateId::kKeep) {
    id_check.emplace(IdCheckOptions{.command = std::string(kCommand),
                                    .on_duplicate = config.on_duplicate,
                                    .max_table_bytes = spill.memory_bytes / 8});
  }
  Document id_doc;
  const auto fail = [&](const Status& st) {
    out.discard();
    return failure(kCommand, st);
  };
  for (std::size_t k : order) {
    for (bool more = true; more;) {
      std::size_t n = 0;
      while (n < batch.size()) {
        Result<bool> got = readers[k].next(batch[n]);
        if (!got.ok()) return fail(got.status());
        if (!*got) {
          more = false;
          break;
        }
        ++n;
      }
      if (near) {
        docs.resize(n);
        for (std::size_t i = 0; i < n; ++i) std::swap(docs[i], batch[i].doc);
        Status st = near_clusterer->add_sketched(docs);
        for (std::size_t i = 0; i < n; ++i) std::swap(docs[i], batch[i].doc);
        if (!st.ok()) return fail(st);
      } else {
        exact_docs.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
          exact_docs[i] = PreparedExact{batch[i].doc.exact_key, batch[i].empty};
        }
        if (Status st = exact_clusterer->add_batch(exact_docs); !st.ok()) return fail(st);
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (Status st = ids->append(batch[i].id); !st.ok()) return fail(st);
        if (id_check) {
          id_doc.id = batch[i].id;
          id_doc.source = sketches[k];
          id_doc.line = documents + i + 1;  // the record's number in input order
          if (Status st = id_check->add(id_doc); !st.ok()) return fail(st);
        }
        if (longest) priority.push_back(static_cast<double>(batch[i].doc.text_bytes));
      }
      documents += n;
      progress.update(documents, 0, -1);
    }
  }
  progress.finish();
  if (id_check) id_check->warn();
  if (Status st = ids->seal(); !st.ok()) return fail(st);
  std::string line;
  SpilledIdResolver names(*ids);
  const AssignmentSink sink = [&](uint32_t doc, const Assignment& a) -> Status {
    NEARDUP_RETURN_IF_ERROR(names.resolve(doc, a));
    append_record(line, names.id(), names.cluster(), names.representative(), a.similarity);
    out.write(line);
    return Status();
  };
  Status st = near ? near_clusterer->finish(priority, sink, runner) : exact_clusterer->finish(sink);
  if (!st.ok()) return fail(st);
  if (Status closed = out.close(); !closed.ok()) return failure(kCommand, closed);
  {  // recorded for --stats; printed unless quiet
    const SpillStats& ss = near ? near_clusterer->spill_stats() : exact_clusterer->spill_stats();
    const std::string summary = std::to_string(first.shards) + " sketches, " +
                                std::to_string(documents) + " documents, " +
                                std::to_string(names.clusters()) + " clusters, " +
                                std::to_string(documents - names.clusters()) + " duplicates; " +
                                (id_check ? id_check->summary() : std::string()) +
                                spill_summary(ss, ids->bytes_written(), spill.resolved_dir()) +
                                format_rate_summary(documents, 0, progress.elapsed_seconds());
    RunStats& stats = RunStats::get();
    stats.set("sketches", uint64_t{first.shards});
    stats.set("documents", documents);
    stats.set("clusters", names.clusters());
    stats.set("duplicates", documents - names.clusters());
    if (id_check) stats.set("duplicate_ids", id_check->duplicates());
    if (near) {
      const NearDupStats& ns = near_clusterer->stats();
      stats.set("exact_duplicates", ns.exact_duplicates);
      stats.set("candidates", ns.candidates);
      stats.set("verified", ns.verified);
      stats.set("rejected", ns.rejected);
    }
    stats.set("seconds", progress.elapsed_seconds());
    stats.set("summary", summary);
    if (!common.quiet) print_error(kCommand, summary);
  }
  return kExitOk;
}

// ------------------------------------------------------------------------------------------------

int cmd_apply(const std::vector<std::string>& args) {
  constexpr std::string_view kCommand = "apply";
  InputOptions input;
  CommonOptions common;
  std::string clusters_path, output = "-", removed_path, shard_text = "0/1", stats_path;
  po::options_description desc("options");
  desc.add_options()  //
      ("clusters", po::value(&clusters_path),
       "the cluster records of this shard's documents (link --output-dir's part file), or of "
       "all documents (link -o; this shard's part is found by its ids)")  //
      ("shard", po::value(&shard_text)->default_value("0/1"),
       "I/N: the part of the input to filter, as given to sketch")  //
      ("output,o", po::value(&output)->default_value("-"),
       "the kept records, unchanged (default stdout)")  //
      ("removed", po::value(&removed_path),
       "also write the cluster record of every removed document to this file");
  add_stats_option(desc, stats_path);
  add_input_options(desc, input);
  add_common_options(desc, common, /*with_seed=*/false);
  po::variables_map vm;
  const int rc = parse_command_line(
      kCommand, args, desc,
      "neardup apply --clusters CLUSTERS --shard I/N [-o FILE] [--removed FILE] FILE|DIR ...",
      &input.inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (clusters_path.empty()) {
    return usage_error(kCommand, Status::invalid_argument("--clusters is required"));
  }
  if (input.inputs.empty())
    return usage_error(kCommand, Status::invalid_argument("no input given"));
  if (int st = check_stats(kCommand, stats_path, input.inputs); st != kExitOk) return st;
  RunStats::get().set_quiet(common.quiet);
  if (Status st = input.resolve(); !st.ok()) return usage_error(kCommand, st);
  Result<Shard> shard = parse_shard(shard_text);
  if (!shard.ok()) return usage_error(kCommand, shard.status());
  Result<ShardPlan> part = plan_shard(input.inputs, input.reader, shard->index, shard->count);
  if (!part.ok()) return failure(kCommand, part.status());
  std::FILE* clusters = std::fopen(clusters_path.c_str(), "rb");
  if (clusters == nullptr) {
    return failure(kCommand, Status::io_error(clusters_path + ": cannot open"));
  }
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{clusters};
  std::vector<std::string> all_inputs = input.inputs;
  all_inputs.push_back(clusters_path);
  Output out, removed;
  if (Status st = out.open(output, all_inputs); !st.ok()) {
    return st.code() == StatusCode::kInvalidArgument ? usage_error(kCommand, st)
                                                     : failure(kCommand, st);
  }
  if (!removed_path.empty()) {
    if (Status st = removed.open(removed_path, all_inputs); !st.ok()) {
      return st.code() == StatusCode::kInvalidArgument ? usage_error(kCommand, st)
                                                       : failure(kCommand, st);
    }
  }
  JsonFieldExtractor fields;
  const std::string id_field = "id", dup_field = "duplicate_of";
  char* buf = nullptr;
  std::size_t cap = 0;
  uint64_t line_no = 0, kept = 0, dropped = 0, documents = 0;
  bool first_doc = true;
  // The next cluster record; with a whole-run file, the records before this shard's first
  // document are skipped by id.
  const auto next_record = [&](const std::string& want_id, std::string& record) -> Status {
    for (;;) {
      const ssize_t len = ::getline(&buf, &cap, clusters);
      if (len < 0) {
        return Status::invalid_argument(clusters_path + " ends before the input's document '" +
                                        want_id + "': it does not belong to this input");
      }
      ++line_no;
      record.assign(buf, static_cast<std::size_t>(len));
      if (!record.empty() && record.back() == '\n') record.pop_back();
      std::optional<std::string> id = fields.get(record, id_field);
      if (!id) {
        return Status::corrupt_data(clusters_path + ":" + std::to_string(line_no) +
                                    ": not a cluster record");
      }
      if (*id == want_id) return Status();
      if (!first_doc) {
        return Status::invalid_argument(clusters_path + ":" + std::to_string(line_no) + ": id '" +
                                        *id + "' where the input has '" + want_id +
                                        "': the clusters do not belong to this input");
      }
    }
  };
  const unsigned threads = common.resolved_threads();
  BatchReader reader(part->inputs, part->options);
  WorkPool pool(threads);
  Progress progress(std::string(kCommand), !common.quiet);
  std::string record;
  const int result = for_each_batch(kCommand, reader, progress, documents, pool,
                                    [&](std::vector<Document>& docs, std::size_t n) -> Status {
                                      for (std::size_t i = 0; i < n; ++i) {
                                        NEARDUP_RETURN_IF_ERROR(next_record(docs[i].id, record));
                                        first_doc = false;
                                        if (fields.get(record, dup_field)) {
                                          ++dropped;
                                          if (!removed_path.empty()) {
                                            removed.write(record);
                                            removed.write("\n");
                                          }
                                        } else {
                                          out.write(docs[i].line == 0 ? docs[i].id : docs[i].raw);
                                          out.write("\n");
                                          ++kept;
                                        }
                                      }
                                      return Status();
                                    });
  std::free(buf);
  if (result != kExitOk) {
    out.discard();
    removed.discard();
    return result;
  }
  if (Status st = out.close(); !st.ok()) return failure(kCommand, st);
  if (!removed_path.empty()) {
    if (Status st = removed.close(); !st.ok()) return failure(kCommand, st);
  }
  RunStats& stats = RunStats::get();
  stats.set("documents", documents);
  stats.set("kept", kept);
  stats.set("removed", dropped);
  stats.set("input_bytes", reader.stats().bytes);
  stats.set("seconds", progress.elapsed_seconds());
  if (!common.quiet) {
    print_error(kCommand, "shard " + std::to_string(shard->index) + "/" +
                              std::to_string(shard->count) + ": " +
                              dedup_summary(kept, dropped, reader.stats()));
  }
  return finish_stats(kCommand, kExitOk, stats_path, input.inputs);
}

}  // namespace neardup::cli

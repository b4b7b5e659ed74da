// `neardup cluster --mode story`: the run. Batch (the default) feeds neardup::BatchStoryClusterer
// (features on all threads, then cluster_stories: IDF from the corpus and an optional saved
// model, time order, merging, refinement). Stream (--stream) feeds neardup::StoryStream: each
// document is assigned in input order as it arrives, weighed with running document frequencies
// (started from --idf-model when given), and written batch by batch; memory is bounded by
// --window (neardup/advanced/story_stream.h). On a live feed
// (`tail -f feed.jsonl | neardup cluster --mode story --stream -`) a batch ends as soon as the
// input has nothing more to read right now, and the output is flushed after every batch, so
// each record comes out as soon as its document has arrived. Time values are read with
// neardup::parse_time_value (neardup/advanced/story_time.h).
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster_common.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/story_stream.h"
#include "neardup/advanced/story_time.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

constexpr std::size_t kExplainTerms = 5;  // terms per --explain record

struct StoryCliOptions : ClusterOptions {
  std::string time_field, window;
  bool single_pass = false, stream = false;
  uint32_t latent_rank = 0;
  double latent_weight = StoryOptions{}.latent_weight;
  bool explain = false;
  bool event_amounts = false;
  std::string events;  // --events off|shared|key ("" = the library's default)
  bool no_event_dates = false;
};

// Story mode settings resolved from StoryCliOptions.
struct StoryConfig {
  StoryFeatureOptions features;
  StoryOptions story;
  std::string time_field, title_field, idf_model;
  bool stream = false;   // --stream: assign in input order with running document frequencies
  bool explain = false;  // --explain: each record says why its document is in its cluster
};

Result<StoryConfig> story_config(const StoryCliOptions& opt) {
  StoryConfig c;
  if (opt.threshold_given && opt.threshold_text != "auto") {
    char* end = nullptr;
    c.story.threshold = std::strtod(opt.threshold_text.c_str(), &end);
    if (*end != '\0' || !(c.story.threshold > 0 && c.story.threshold < 1)) {
      return Status::invalid_argument("--threshold must be auto or a number in (0, 1), not '" +
                                      opt.threshold_text + "'");
    }
  }
  if (opt.window.empty() && !opt.time_field.empty()) {
    // The library's rule (story_time.h): three days when the documents carry times.
    c.story.window_seconds = default_story_window_seconds(true);
  }
  if (!opt.window.empty()) {
    if (opt.time_field.empty()) {
      return Status::invalid_argument("--window needs --time-field (the documents' time)");
    }
    Result<double> w = parse_duration(opt.window);
    if (!w.ok()) return Status::invalid_argument("--window: " + w.status().message());
    // The library reads a bare number as seconds; on the command line `--window 3` more likely
    // meant days or hours, so a window other than 0 needs its unit.
    const char last = opt.window.back();
    if (*w != 0 && ((last >= '0' && last <= '9') || last == '.')) {
      return Status::invalid_argument("--window " + opt.window + " has no unit: write " +
                                      opt.window + "s, " + opt.window + "m, " + opt.window +
                                      "h or " + opt.window + "d (0 = never close a cluster)");
    }
    c.story.window_seconds = *w;
  }
  c.stream = opt.stream;
  if (opt.latent_rank > 0 && opt.stream) {
    return Status::invalid_argument(
        "--latent-rank needs the whole batch (the SVD is fitted to it): not with --stream (a "
        "stream uses the latent space of an --idf-model built with idf build --latent-rank)");
  }
  if (opt.explain && opt.stream) {
    return Status::invalid_argument(
        "--explain needs the batch (the final clusters): not with --stream");
  }
  c.explain = opt.explain;
  if (!opt.events.empty()) {
    if (opt.events == "off") {
      c.story.event_rule = StoryEventRule::kOff;
    } else if (opt.events == "shared") {
      c.story.event_rule = StoryEventRule::kShared;
    } else if (opt.events == "key") {
      c.story.event_rule = StoryEventRule::kKey;
    } else {
      return Status::invalid_argument("--events must be off, shared or key, not '" + opt.events +
                                      "'");
    }
  }
  if (opt.event_amounts) {
    if (!opt.events.empty() && opt.events != "shared") {
      return Status::invalid_argument("--event-amounts is --events shared: not with --events " +
                                      opt.events);
    }
    c.story.event_rule = StoryEventRule::kShared;
  }
  c.story.latent_rank = opt.latent_rank;
  c.story.latent_weight = opt.latent_weight;
  if (opt.single_pass || opt.stream) {
    c.story.refine = false;
    c.story.merge_factor = 0;
  }
  c.features = opt.features(opt.common.seed);
  c.features.dates = !opt.no_event_dates;
  NEARDUP_RETURN_IF_ERROR(load_translations(opt, c.features));
  c.time_field = opt.time_field;
  c.title_field = opt.title_field;
  c.idf_model = opt.idf_model;
  NEARDUP_RETURN_IF_ERROR(c.features.validate());
  NEARDUP_RETURN_IF_ERROR(c.story.validate());
  return c;
}

// Clusters all inputs and calls emit once per document in input order (id, the cluster's first
// document's id, whether it is that document, similarity). With --stream, batches end early
// when the input has nothing more to read right now (BatchReader::next_available) and `flush`
// (if set) is called after each batch's records, so that a live feed gets each record
// promptly. Prints the summary (unless --quiet).
using StoryEmit = std::function<void(const std::string& id, const std::string& cluster,
                                     bool founder, float similarity, std::string_view extra)>;

// The "explain" member of a record: the document's top shared terms with the rest of its
// cluster, by name, and its latent cosine with the rest (when the latent layer is on).
void explain_json(const StoryExplanation& e, const std::unordered_map<uint64_t, std::string>& names,
                  std::string& out) {
  out = "\"explain\":{\"terms\":[";
  bool first = true;
  for (uint64_t t : e.terms) {
    const auto it = names.find(t);
    if (it == names.end()) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, it->second);
  }
  out += ']';
  if (!e.events.empty()) {
    out += ",\"events\":[";
    first = true;
    for (uint64_t t : e.events) {
      const auto it = names.find(t);
      if (it == names.end()) continue;
      if (!first) out += ',';
      first = false;
      append_json_string(out, it->second);
    }
    out += ']';
  }
  if (!std::isnan(e.latent)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, ",\"latent\":%.4g", static_cast<double>(e.latent));
    out += buf;
  }
  out += '}';
}

int run_story(std::string_view command, const ClusterOptions& opt, const StoryConfig& config,
              const StoryEmit& emit, const std::function<void()>& flush) {
  const unsigned threads = opt.common.resolved_threads();
  StoryModeOptions mode;
  mode.features = config.features;
  mode.story = config.story;
  mode.timed = !config.time_field.empty();
  mode.names = config.explain;
  std::unordered_map<uint64_t, std::string> names;  // --explain: what each term stands for
  std::optional<DocumentFrequencies> model;
  if (!config.idf_model.empty()) {
    Result<DocumentFrequencies> m = load_idf_model(config.idf_model, config.features);
    if (!m.ok()) {
      print_error(command, m.status().message());
      return kExitFailure;
    }
    model = std::move(*m);
    if (model->latent() != nullptr && config.story.latent_rank > 0) {
      print_error(command, config.idf_model +
                               " holds a latent space (idf build --latent-rank): it is the "
                               "latent layer; --latent-rank (fit one to the batch) is not used "
                               "with it");
      return kExitUsage;
    }
  }
  // One of the two clusterers: the stream answers document by document, the batch at the end.
  std::optional<StoryStream> stream;
  std::optional<BatchStoryClusterer> batch;
  if (config.stream) {
    Result<StoryStream> c =
        StoryStream::create(mode, model ? std::move(*model) : DocumentFrequencies());
    if (!c.ok()) {
      print_error(command, c.status().message());
      return kExitUsage;
    }
    stream.emplace(std::move(*c));
  } else {
    Result<BatchStoryClusterer> c = BatchStoryClusterer::create(mode, std::move(model));
    if (!c.ok()) {
      print_error(command, c.status().message());
      return kExitUsage;
    }
    batch.emplace(std::move(*c));
  }

  const bool want_title = !config.title_field.empty();
  std::vector<StoryScratch> scratch(threads);
  std::vector<JsonFieldExtractor> extractors(mode.timed || want_title ? threads : 0);
  std::vector<uint64_t> with_time_field(threads, 0);  // per worker: records holding the field
  std::vector<PreparedStory> prepared;
  std::vector<std::string> ids;  // batch mode only
  BatchReader reader(opt.input.inputs, opt.input.reader);
  reader.check_ids(id_check_options(opt, command));
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  WorkPool pool(threads);
  const int rc = for_each_batch(
      command, reader, progress, documents, pool,
      [&](std::vector<Document>& docs, std::size_t n) -> Status {
        if (config.stream && documents + n > UINT32_MAX) {
          return Status::out_of_range("a story stream holds at most 4294967295 documents");
        }
        if (prepared.size() < n) prepared.resize(n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          StoryInput in;
          in.text = docs[i].text;
          std::optional<std::string> title;
          if (want_title) title = extractors[w].get(docs[i].raw, config.title_field);
          if (title) in.title = *title;
          if (mode.timed) {
            if (std::optional<std::string> t = extractors[w].get(docs[i].raw, config.time_field)) {
              ++with_time_field[w];
              in.time = parse_time_value(*t);
            }
          }
          if (stream) {
            stream->prepare(in, prepared[i], scratch[w]);
          } else {
            batch->prepare(in, prepared[i], scratch[w]);
          }
        });
        for (std::size_t i = 0; i < n; ++i) {
          if (!stream) {
            for (auto& [term, name] : prepared[i].names) names.try_emplace(term, std::move(name));
            batch->add(prepared[i]);
            ids.push_back(std::move(docs[i].id));
            continue;
          }
          Result<StoryMatch> m = stream->add(prepared[i], docs[i].id);
          if (!m.ok()) return m.status();
          emit(docs[i].id, m->founder ? docs[i].id : std::string(m->cluster_id), m->founder,
               m->similarity, {});
        }
        if (stream && flush) flush();  // once per batch: cheap for files, prompt for a live feed
        return Status();
      },
      // a stream's batches end when a live input has nothing more right now
      config.stream ? BatchFill::kAvailable : BatchFill::kFull);
  if (rc != kExitOk) return rc;
  // A --time-field that no record has is a typo, not a corpus without times (records that lack
  // it are counted "without a usable time"). A stream has written its records by now.
  if (mode.timed && documents > 0 &&
      std::accumulate(with_time_field.begin(), with_time_field.end(), uint64_t{0}) == 0) {
    print_error(command, "no record has the field '" + config.time_field + "' (--time-field)");
    return kExitUsage;
  }

  if (batch) {
    std::vector<StoryExplanation> explain;
    Result<std::vector<Assignment>> assigned =
        batch->finish(config.explain ? &explain : nullptr, kExplainTerms);
    if (!assigned.ok()) {
      print_error(command, assigned.status().message());
      return kExitFailure;
    }
    std::string extra;
    for (std::size_t i = 0; i < assigned->size(); ++i) {
      const Assignment& a = (*assigned)[i];
      if (config.explain) explain_json(explain[i], names, extra);
      emit(ids[i], ids[a.cluster], a.cluster == i, static_cast<float>(a.similarity), extra);
    }
  }

  {  // the summary: printed unless --quiet, recorded for --stats either way
    const StoryStats& st = stream ? stream->stats() : batch->stats();
    char buf[512];
    const std::string threshold =
        std::isnan(config.story.threshold) ? "auto" : std::to_string(config.story.threshold);
    char window[64] = "";
    if (config.story.window_seconds > 0) {
      std::snprintf(window, sizeof window, ", window %gh", config.story.window_seconds / 3600);
    }
    std::snprintf(
        buf, sizeof buf,
        "mode story (%s, threshold %s, language %s%s): %llu clusters of %llu documents; "
        "%llu with a title, %llu without features, %llu without a usable time; ",
        config.stream ? "stream" : "batch", threshold.c_str(), config.features.language.c_str(),
        window, static_cast<unsigned long long>(st.clusters),
        static_cast<unsigned long long>(documents), static_cast<unsigned long long>(st.with_title),
        static_cast<unsigned long long>(st.without_features),
        static_cast<unsigned long long>(st.without_time));
    const ReaderStats rs = reader.stats();
    char rbuf[160];
    std::snprintf(rbuf, sizeof rbuf,
                  "skipped %llu malformed records, %llu blank lines; %llu records with null text; ",
                  static_cast<unsigned long long>(rs.skipped),
                  static_cast<unsigned long long>(rs.blank_lines),
                  static_cast<unsigned long long>(rs.null_text));
    RunStats& stats = RunStats::get();
    stats.set("mode", std::string_view("story"));
    stats.set("clusters", st.clusters);
    stats.set("with_title", st.with_title);
    stats.set("without_features", st.without_features);
    stats.set("without_time", st.without_time);
    stats.set("records", rs.records);
    stats.set("skipped_malformed", rs.skipped);
    stats.set("blank_lines", rs.blank_lines);
    stats.set("null_text", rs.null_text);
    print_run_summary(command, buf, rbuf + reader.id_summary(), documents, rs.bytes,
                      progress.elapsed_seconds(), threads);
  }
  return kExitOk;
}

class StoryMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kSimilarityGroup | kStoryFeatureGroup; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("time-field", po::value(&opt_.time_field),
         "story: JSONL field with the document's time (unix seconds, ISO 8601 or RFC 2822 as "
         "in RSS: 'Tue, 10 Mar 2014 22:24:50 GMT'); documents are clustered in time order; a "
         "field that no record has is a usage error (with --stream: once the input has ended)")  //
        ("window", po::value(&opt_.window),
         "story: close a cluster when its newest report is older than this: a number with a "
         "unit, s, m, h, d or w (e.g. 3d, 12h, 90m), or 0 = never; needs --time-field, with "
         "which it defaults to 3d; memory is bounded by the window")  //
        ("single-pass", po::bool_switch(&opt_.single_pass),
         "story: keep the single-pass assignment (no merging of clusters with close centroids "
         "and no moving of documents to the closest final centroid afterwards)")  //
        ("stream", po::bool_switch(&opt_.stream),
         "story: assign each document as it arrives, in input order, with running document "
         "frequencies (start them with --idf-model); records are written as the documents "
         "arrive (from a live pipe each one as soon as it is read; from files in batches of "
         "2048), and memory is bounded by --window. Implies --single-pass")  //
        ("latent-rank", po::value(&opt_.latent_rank)->default_value(0),
         "story: the latent layer: fit a truncated SVD (LSA) with this many dimensions to the "
         "batch's TF-IDF matrix and mix each document's latent cosine with a cluster into its "
         "similarity (see --latent-weight); 0 = off. Batch only; not with an --idf-model that "
         "holds a latent space (that space is used instead, batch and --stream)")  //
        ("latent-weight", po::value(&opt_.latent_weight)->default_value(opt_.latent_weight),
         "story: with --latent-rank or an --idf-model that holds a latent space (idf build "
         "--latent-rank), similarity = (1 - W) x lexical cosine + W x latent cosine, W in "
         "[0, 1]; 0 turns a model's latent space off")  //
        ("events", po::value(&opt_.events),
         "story: reports of one event agree on its particulars (amounts of at least 1,000, "
         "years excluded, and dates named in the text, e.g. 'March 3' or 2021-03-03); where a "
         "report and a cluster (or two clusters) both have particulars and 20+ effective "
         "terms: 'key' = the first amount or date of one side (its lead figure) must be among "
         "the other's particulars, 'shared' = they must share one, 'off' = ignored (the "
         "default)")  //
        ("event-amounts", po::bool_switch(&opt_.event_amounts),
         "story: the same as --events shared")  //
        ("no-event-dates", po::bool_switch(&opt_.no_event_dates),
         "story: dates named in the text are not event particulars (only amounts are)")  //
        ("explain", po::bool_switch(&opt_.explain),
         "story: add to each record \"explain\": the document's terms that add most to its "
         "similarity with the rest of its cluster (words, amounts, name pairs, English pivots) "
         "and, with --latent-rank, its latent cosine with the rest. Batch only");
  }
  bool uses(std::string_view option, const po::variables_map&) const override {
    return option_in(
        option, {"seed", "threshold", "language", "stem", "title-field", "idf-model", "time-field",
                 "window", "single-pass", "stream", "latent-rank", "translate", "explain",
                 "latent-weight", "event-amounts", "events", "no-event-dates"});
  }
  Status resolve(const ClusterOptions& shared) override {
    static_cast<ClusterOptions&>(opt_) = shared;
    if (opt_.representative != "first") {
      return Status::invalid_argument(
          "--mode story represents a cluster by its earliest report: --representative must be "
          "first");
    }
    Result<StoryConfig> c = story_config(opt_);
    if (!c.ok()) return c.status();
    config_ = std::move(*c);
    return Status();
  }
  int run(std::string_view command, RecordSink& sink) override {
    const StoryEmit emit = [&sink](const std::string& id, const std::string& cluster, bool founder,
                                   float similarity, std::string_view extra) {
      if (!extra.empty()) sink.extra(extra);
      sink.record(nullptr, id, cluster, founder ? nullptr : &cluster, similarity);
    };
    // --stream flushes after each batch: records of a live feed go out as they are made.
    return run_story(command, opt_, config_, emit, [&sink] { sink.flush(); });
  }

 private:
  StoryCliOptions opt_;
  StoryConfig config_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_story_mode() { return std::make_unique<StoryMode>(); }

}  // namespace neardup::cli

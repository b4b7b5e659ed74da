// `neardup cluster --mode story`. Batch (the default): reads every input, extracts story
// features on all threads, weighs them with IDF from the corpus (and an optional saved model)
// and clusters the documents in time order with neardup::cluster_stories (single pass, merge,
// refinement). Stream (--stream): documents are assigned in input order, each one as it
// arrives, weighed with a running document-frequency table (started from --idf-model when
// given), and written batch by batch; memory is bounded by --window, not by the stream's
// length (the ids of open clusters' first reports and the document frequencies stay). On a
// live feed (`tail -f feed.jsonl | neardup cluster --mode story --stream -`) a batch ends as
// soon as the input has nothing more to read right now, and the output is flushed after every
// batch, so each record comes out as soon as its document has arrived.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unordered_map>

#include "cluster_common.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/story.h"

namespace neardup::cli {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads `n` digits at s[pos..] into v.
bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& v) {
  if (pos + n > s.size()) return false;
  v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// 1..12 for an English month name or its three-letter abbreviation ("Mar", "MARCH"), else 0.
unsigned month_of(std::string_view w) {
  static constexpr std::string_view kMonths[12] = {"january",   "february", "march",    "april",
                                                   "may",       "june",     "july",     "august",
                                                   "september", "october",  "november", "december"};
  for (unsigned m = 0; m < 12; ++m) {
    if (iequals(w, kMonths[m]) || (w.size() == 3 && iequals(w, kMonths[m].substr(0, 3)))) {
      return m + 1;
    }
  }
  return 0;
}

bool is_weekday(std::string_view w) {
  static constexpr std::string_view kDays[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                                "friday", "saturday", "sunday"};
  for (std::string_view d : kDays) {
    if (iequals(w, d) || (w.size() == 3 && iequals(w, d.substr(0, 3)))) return true;
  }
  return false;
}

// Seconds east of UTC for a zone written as +HHMM, -HH:MM or a name of RFC 2822 (UT, GMT, Z and
// the North American zones), plus UTC.
std::optional<int64_t> zone_offset(std::string_view z) {
  if (iequals(z, "UT") || iequals(z, "UTC") || iequals(z, "GMT") || iequals(z, "Z")) return 0;
  static constexpr std::pair<std::string_view, int> kNamed[] = {
      {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
      {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const auto& [name, hours] : kNamed) {
    if (iequals(z, name)) return int64_t{hours} * 3600;
  }
  if (z.size() < 5 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  unsigned oh = 0, om = 0;
  std::size_t p = 1;
  if (!digits(z, p, 2, oh)) return std::nullopt;
  p += 2;
  if (p < z.size() && z[p] == ':') ++p;
  if (!digits(z, p, 2, om) || p + 2 != z.size() || oh > 23 || om > 59) return std::nullopt;
  return (z[0] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
}

// Reads a clock time "HH:MM[:SS[.fff]]" at s[pos..] into `seconds` (of the day) and moves pos
// past it; false when there is none.
bool read_clock(std::string_view s, std::size_t& pos, unsigned& seconds) {
  unsigned h = 0, mi = 0, se = 0;
  std::size_t p = pos;
  if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi) ||
      h > 23 || mi > 59) {
    return false;
  }
  p += 5;
  if (p < s.size() && s[p] == ':') {
    if (!digits(s, p + 1, 2, se) || se > 60) return false;
    p += 3;
    if (p < s.size() && s[p] == '.') {
      ++p;
      while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    }
  }
  pos = p;
  seconds = h * 3600 + mi * 60 + se;
  return true;
}

// "HH:MM[:SS[.fff]]" and nothing else -> seconds of the day.
std::optional<unsigned> time_of_day(std::string_view t) {
  std::size_t pos = 0;
  unsigned seconds = 0;
  if (!read_clock(t, pos, seconds) || pos != t.size()) return std::nullopt;
  return seconds;
}

// Day-month-year dates with an English month name: RFC 2822 as in RSS <pubDate>
// ("Tue, 10 Mar 2014 22:24:50 GMT", "10 Mar 2014 22:24 -0500") and dashed forms such as
// "26-FEB-1987 15:01:01.79" (Reuters-21578). A weekday may lead; the time and the zone are
// optional (no zone = UTC); a two-digit year is 19xx from 50, else 20xx (RFC 2822).
std::optional<double> parse_day_month_year(std::string_view s) {
  std::string_view words[6];
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == ' ' || s[i] == ',' || s[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t j = i;
    // '-' separates the date's parts ("26-FEB-1987") but starts a zone ("-0500").
    while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '\t' &&
           !(s[j] == '-' && j > i && n < 3)) {
      ++j;
    }
    if (n == std::size(words)) return std::nullopt;
    words[n++] = s.substr(i, j - i);
    i = j < s.size() && s[j] == '-' && n <= 3 ? j + 1 : j;
  }
  std::size_t w = 0;
  if (w < n && is_weekday(words[w])) ++w;
  if (n - w < 3) return std::nullopt;
  unsigned d = 0, y = 0;
  const std::string_view day = words[w], year = words[w + 2];
  if (!(day.size() <= 2 && digits(day, 0, day.size(), d)) || d < 1 || d > 31) return std::nullopt;
  const unsigned mo = month_of(words[w + 1]);
  if (mo == 0) return std::nullopt;
  if (year.size() == 4 && digits(year, 0, 4, y)) {
  } else if (year.size() == 2 && digits(year, 0, 2, y)) {
    y += y >= 50 ? 1900 : 2000;
  } else {
    return std::nullopt;
  }
  w += 3;
  unsigned seconds = 0;
  int64_t offset = 0;
  if (w < n) {
    const std::optional<unsigned> t = time_of_day(words[w]);
    if (!t) return std::nullopt;
    seconds = *t;
    ++w;
  }
  if (w < n) {
    const std::optional<int64_t> z = zone_offset(words[w]);
    if (!z) return std::nullopt;
    offset = *z;
    ++w;
  }
  if (w != n) return std::nullopt;
  return static_cast<double>(days_from_civil(y, mo, d) * 86400 + seconds - offset);
}

}  // namespace

// A time value: unix seconds (or milliseconds, if above 1e11), ISO 8601
// "YYYY-MM-DD[THH:MM[:SS[.f]]][Z|+HH:MM]", or a day-month-year date with an English month name:
// RFC 2822 "[Tue, ]10 Mar 2014[ 22:24[:50]][ GMT|-0500]" (RSS) or "26-FEB-1987 15:01:01.79";
// nullopt when it is none of these.
std::optional<double> parse_time_value(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // A number: unix seconds (values above 1e11 are taken as milliseconds).
  {
    std::string buf(s);
    char* end = nullptr;
    const double v = std::strtod(buf.c_str(), &end);
    if (end != buf.c_str() && *end == '\0' && std::isfinite(v)) return v > 1e11 ? v / 1000 : v;
  }
  // ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH[:]MM]
  unsigned y = 0, mo = 0, d = 0, seconds = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return parse_day_month_year(s);
  }
  std::size_t pos = 10;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!read_clock(s, pos, seconds)) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size()) {
    // Z or a numeric offset only: zone names are RFC 2822's, not ISO's.
    if (s[pos] != 'Z' && s[pos] != '+' && s[pos] != '-') return std::nullopt;
    const std::optional<int64_t> z = zone_offset(s.substr(pos));
    if (!z) return std::nullopt;
    offset = *z;
  }
  return static_cast<double>(days_from_civil(y, mo, d) * 86400 + seconds - offset);
}

// A duration "3d", "12h", "90m", "3600s" or plain seconds.
Result<double> parse_duration(std::string_view s) {
  if (s.empty()) return Status::invalid_argument("empty duration");
  std::string buf(s);
  char* end = nullptr;
  const double v = std::strtod(buf.c_str(), &end);
  if (end == buf.c_str() || !std::isfinite(v) || v < 0) {
    return Status::invalid_argument("bad duration '" + buf + "' (e.g. 3d, 12h, 90m, 3600s)");
  }
  const std::string unit(end);
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "m" || unit == "min") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (unit == "w") scale = 7 * 86400;
  if (scale == 0) {
    return Status::invalid_argument("bad duration unit in '" + buf + "' (s, m, h, d, w)");
  }
  return v * scale;
}

namespace {

constexpr double kDefaultStoryWindowSeconds = 3 * 86400.0;

struct StoryModeOptions : ClusterOptions {
  std::string time_field, window;
  bool single_pass = false, stream = false;
};

// Story mode settings resolved from StoryModeOptions.
struct StoryConfig {
  StoryFeatureOptions features;
  StoryOptions story;
  std::string time_field, title_field, idf_model;
  bool stream = false;  // --stream: assign in input order with running document frequencies
};

Result<StoryConfig> story_config(const StoryModeOptions& opt) {
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
    // News stories are bursty: a story with no new report for three days is over, and a later
    // report about the same company or place is a new story (as in TDT's time windows).
    c.story.window_seconds = kDefaultStoryWindowSeconds;
  }
  if (!opt.window.empty()) {
    if (opt.time_field.empty()) {
      return Status::invalid_argument("--window needs --time-field (the documents' time)");
    }
    Result<double> w = parse_duration(opt.window);
    if (!w.ok()) return Status::invalid_argument("--window: " + w.status().message());
    c.story.window_seconds = *w;
  }
  c.stream = opt.stream;
  if (opt.single_pass || opt.stream) {
    c.story.refine = false;
    c.story.merge_factor = 0;
  }
  c.features = opt.features(opt.common.seed);
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
                                     bool founder, float similarity)>;

int run_story(std::string_view command, const ClusterOptions& opt, const StoryConfig& config,
              const StoryEmit& emit, const std::function<void()>& flush) {
  const unsigned threads = opt.common.resolved_threads();
  std::vector<StoryFeaturizer> featurizers;
  for (unsigned t = 0; t < threads; ++t) {
    Result<StoryFeaturizer> f = StoryFeaturizer::create(config.features);
    if (!f.ok()) {
      print_error(command, f.status().message());
      return kExitUsage;
    }
    featurizers.push_back(std::move(*f));
  }
  std::optional<DocumentFrequencies> model;
  if (!config.idf_model.empty()) {
    Result<DocumentFrequencies> m = load_idf_model(config.idf_model, config.features);
    if (!m.ok()) {
      print_error(command, m.status().message());
      return kExitFailure;
    }
    model = std::move(*m);
  }
  // Streaming state: the running document frequencies, the clusterer, and the ids of the
  // documents that founded the clusters still open (forgotten when the window closes them).
  std::optional<StoryClusterer> clusterer;
  DocumentFrequencies running;
  std::unordered_map<uint32_t, std::string> founders;
  std::vector<uint32_t> closed;
  StoryVector vector;
  std::vector<StoryTerm> terms;
  if (config.stream) {
    Result<StoryClusterer> c = StoryClusterer::create(config.story);
    if (!c.ok()) {
      print_error(command, c.status().message());
      return kExitUsage;
    }
    clusterer = std::move(*c);
    if (model) running = std::move(*model);
  }

  const bool want_time = !config.time_field.empty();
  const bool want_title = !config.title_field.empty();
  std::vector<JsonFieldExtractor> extractors(want_time || want_title ? threads : 0);
  std::vector<std::optional<std::string>> batch_times, batch_titles;
  std::vector<std::vector<StoryTerm>> features;  // batch: all documents; stream: one batch
  std::vector<double> times;                     // batch mode only
  std::vector<std::string> ids;                  // batch mode only
  double last_time = 0;
  uint64_t missing_time = 0, titled = 0, featureless = 0;

  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0, clusters = 0;
  WorkPool pool(threads);
  // Stream: a live feed's documents are processed as they arrive, not once a batch is full.
  const BatchFill fill = config.stream ? BatchFill::kAvailable : BatchFill::kFull;
  const int rc = for_each_batch(
      command, reader, progress, documents, pool,
      [&](std::vector<Document>& docs, std::size_t n) -> Status {
        if (config.stream && documents + n > UINT32_MAX) {
          return Status::invalid_argument("a story stream holds at most 4294967295 documents");
        }
        const std::size_t base = config.stream ? 0 : features.size();
        features.resize(base + n);
        batch_times.assign(n, std::nullopt);
        batch_titles.assign(n, std::nullopt);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          if (want_time) batch_times[i] = extractors[w].get(docs[i].raw, config.time_field);
          if (want_title) batch_titles[i] = extractors[w].get(docs[i].raw, config.title_field);
          const std::string_view title = batch_titles[i] ? *batch_titles[i] : std::string_view();
          featurizers[w].extract(docs[i].text, title, features[base + i]);
        });
        for (std::size_t i = 0; i < n; ++i) {
          if (batch_titles[i] && !batch_titles[i]->empty()) ++titled;
          if (features[base + i].empty()) ++featureless;
          double t = 0;
          if (want_time) {
            std::optional<double> parsed;
            if (batch_times[i]) parsed = parse_time_value(*batch_times[i]);
            if (parsed) {
              t = last_time = *parsed;
            } else {
              // Counted, and placed at the time of the document before it in the input.
              ++missing_time;
              t = last_time;
            }
          }
          if (!config.stream) {
            ids.push_back(std::move(docs[i].id));
            if (want_time) times.push_back(t);
            continue;
          }
          // Stream: the document counts in the frequencies before it is weighed, so its own
          // terms are never unseen; it is then assigned and emitted.
          const auto index = static_cast<uint32_t>(documents + i);
          running.add(features[i]);
          weigh_story_terms(features[i], running, vector);
          const StoryAssignment a = clusterer->add(vector, t);
          if (a.cluster == index) {
            ++clusters;
            founders.emplace(index, docs[i].id);
            emit(docs[i].id, docs[i].id, true, 1.0f);
          } else {
            emit(docs[i].id, founders.at(a.cluster), false, a.similarity);
          }
        }
        if (config.stream) {
          clusterer->take_closed(closed);
          for (uint32_t c : closed) founders.erase(c);
          if (flush) flush();  // once per batch: cheap for files, prompt for a live feed
        }
        return Status();
      },
      fill);
  if (rc != kExitOk) return rc;

  if (!config.stream) {
    Result<std::vector<StoryAssignment>> assigned =
        cluster_stories(features, times, config.story, model ? &*model : nullptr);
    if (!assigned.ok()) {
      print_error(command, assigned.status().message());
      return kExitFailure;
    }
    for (std::size_t i = 0; i < assigned->size(); ++i) {
      const StoryAssignment& a = (*assigned)[i];
      if (a.cluster == i) ++clusters;
      emit(ids[i], ids[a.cluster], a.cluster == i, a.similarity);
    }
  }

  if (!opt.common.quiet) {
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
        window, static_cast<unsigned long long>(clusters),
        static_cast<unsigned long long>(documents), static_cast<unsigned long long>(titled),
        static_cast<unsigned long long>(featureless),
        static_cast<unsigned long long>(missing_time));
    const ReaderStats rs = reader.stats();
    char rbuf[160];
    std::snprintf(rbuf, sizeof rbuf, "skipped %llu malformed records, %llu blank lines; ",
                  static_cast<unsigned long long>(rs.skipped),
                  static_cast<unsigned long long>(rs.blank_lines));
    print_error(command, std::string(buf) + rbuf +
                             format_rate_summary(documents, rs.bytes, progress.elapsed_seconds()) +
                             ", " + std::to_string(threads) + " threads");
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
         "in RSS: 'Tue, 10 Mar 2014 22:24:50 GMT'); documents are clustered in time order")  //
        ("window", po::value(&opt_.window),
         "story: close a cluster when its newest report is older than this (e.g. 3d, 12h; 0 = "
         "never); needs --time-field, with which it defaults to 3d; memory is bounded by the "
         "window")  //
        ("single-pass", po::bool_switch(&opt_.single_pass),
         "story: keep the single-pass assignment (no merging of clusters with close centroids "
         "and no moving of documents to the closest final centroid afterwards)")  //
        ("stream", po::bool_switch(&opt_.stream),
         "story: assign each document as it arrives, in input order, with running document "
         "frequencies (start them with --idf-model); records are written as the documents "
         "arrive (from a live pipe each one as soon as it is read; from files in batches of "
         "2048), and memory is bounded by --window. Implies --single-pass");
  }
  bool uses(std::string_view option, const po::variables_map&) const override {
    return option_in(option, {"seed", "threshold", "language", "stem", "title-field", "idf-model",
                              "time-field", "window", "single-pass", "stream"});
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
                                   float similarity) {
      sink.record(nullptr, id, cluster, founder ? nullptr : &cluster, similarity);
    };
    // --stream flushes after each batch: records of a live feed go out as they are made.
    return run_story(command, opt_, config_, emit, [&sink] { sink.flush(); });
  }

 private:
  StoryModeOptions opt_;
  StoryConfig config_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_story_mode() { return std::make_unique<StoryMode>(); }

}  // namespace neardup::cli

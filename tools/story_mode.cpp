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
#include <optional>
#include <string>
#include <vector>

#include "cluster_common.h"
#include "jsonl_fields.h"
#include "neardup/advanced/story_stream.h"

namespace neardup::cli {

int run_story(std::string_view command, const ClusterOptions& opt, const StoryConfig& config,
              const StoryEmit& emit, const std::function<void()>& flush) {
  const unsigned threads = opt.common.resolved_threads();
  StoryModeOptions mode;
  mode.features = config.features;
  mode.story = config.story;
  mode.timed = !config.time_field.empty();
  std::optional<DocumentFrequencies> model;
  if (!config.idf_model.empty()) {
    Result<DocumentFrequencies> m = load_idf_model(config.idf_model, config.features);
    if (!m.ok()) {
      print_error(command, m.status().message());
      return kExitFailure;
    }
    model = std::move(*m);
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
  std::vector<PreparedStory> prepared;
  std::vector<std::string> ids;  // batch mode only
  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  const int rc = run_batches(
      command, threads, reader, progress, documents,
      [&](std::vector<Document>& docs, std::size_t n, const ParallelRunner& run) -> Status {
        if (config.stream && documents + n > UINT32_MAX) {
          return Status::out_of_range("a story stream holds at most 4294967295 documents");
        }
        if (prepared.size() < n) prepared.resize(n);
        run(n, [&](std::size_t i, unsigned w) {
          StoryInput in;
          in.text = docs[i].text;
          std::optional<std::string> title;
          if (want_title) title = extractors[w].get(docs[i].raw, config.title_field);
          if (title) in.title = *title;
          if (mode.timed) {
            if (std::optional<std::string> t = extractors[w].get(docs[i].raw, config.time_field)) {
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
            batch->add(prepared[i]);
            ids.push_back(std::move(docs[i].id));
            continue;
          }
          Result<StoryMatch> m = stream->add(prepared[i], docs[i].id);
          if (!m.ok()) return m.status();
          emit(docs[i].id, m->founder ? docs[i].id : std::string(m->cluster_id), m->founder,
               m->similarity);
        }
        if (stream && flush) flush();  // once per batch: cheap for files, prompt for a live feed
        return Status();
      },
      config.stream);  // a stream's batches end when a live input has nothing more right now
  if (rc != kExitOk) return rc;

  if (batch) {
    Result<std::vector<Assignment>> assigned = batch->finish();
    if (!assigned.ok()) {
      print_error(command, assigned.status().message());
      return kExitFailure;
    }
    for (std::size_t i = 0; i < assigned->size(); ++i) {
      const Assignment& a = (*assigned)[i];
      emit(ids[i], ids[a.cluster], a.cluster == i, static_cast<float>(a.similarity));
    }
  }

  if (!opt.common.quiet) {
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
    std::snprintf(rbuf, sizeof rbuf, "skipped %llu malformed records, %llu blank lines; ",
                  static_cast<unsigned long long>(rs.skipped),
                  static_cast<unsigned long long>(rs.blank_lines));
    print_error(command, std::string(buf) + rbuf +
                             format_rate_summary(documents, rs.bytes, progress.elapsed_seconds()) +
                             ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

}  // namespace neardup::cli

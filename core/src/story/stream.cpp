// Story clustering as a mode: the streaming and the batch clusterer (see story_stream.h).
#include <cstdint>
#include <utility>

#include "neardup/advanced/story_stream.h"

#include "neardup/advanced/story_latent.h"

namespace neardup {
namespace {

void prepare_story(const StoryFeatureOptions& features, bool names, const StoryInput& in,
                   PreparedStory& out, std::optional<StoryFeaturizer>& featurizer) {
  if (!featurizer) {
    // The options were validated by create(), so this cannot fail short of memory; if it did,
    // the document is left without features (counted as such) rather than failing the run.
    Result<StoryFeaturizer> f = StoryFeaturizer::create(features);
    if (!f.ok()) {
      out.terms.clear();
      out.time = in.time;
      out.titled = !in.title.empty();
      return;
    }
    featurizer.emplace(std::move(*f));
  }
  featurizer->extract(in.text, in.title, out.terms, names ? &out.names : nullptr);
  out.time = in.time;
  out.titled = !in.title.empty();
}

// Counts the document in `stats` and returns its time: its own, or (timed, none usable) the
// time of the document before it.
double account(const StoryModeOptions& options, const PreparedStory& doc, double& last_time,
               StoryStats& stats) {
  ++stats.documents;
  if (doc.titled) ++stats.with_title;
  if (doc.terms.empty()) ++stats.without_features;
  if (!options.timed) return 0;
  if (doc.time) return last_time = *doc.time;
  ++stats.without_time;
  return last_time;
}

}  // namespace

Status StoryModeOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(features.validate());
  return story.validate();
}

// --- StoryStream ---------------------------------------------------------------------------

StoryStream::StoryStream(const StoryModeOptions& options, StoryClusterer clusterer,
                         DocumentFrequencies df)
    : options_(options), clusterer_(std::move(clusterer)), running_(std::move(df)) {}

Result<StoryStream> StoryStream::create(const StoryModeOptions& options,
                                        DocumentFrequencies model) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  // A stream is a single pass: nothing is merged or refined afterwards.
  StoryOptions story = options.story;
  story.refine = false;
  story.merge_factor = 0;
  Result<StoryClusterer> clusterer = StoryClusterer::create(story);
  if (!clusterer.ok()) return clusterer.status();
  return StoryStream(options, std::move(*clusterer), std::move(model));
}

void StoryStream::prepare(const StoryInput& in, PreparedStory& out, Scratch& scratch) const {
  prepare_story(options_.features, options_.names, in, out, scratch.featurizer_);
}

Result<StoryMatch> StoryStream::add(const PreparedStory& doc, std::string_view id) {
  if (stats_.documents >= UINT32_MAX) {
    return Status::out_of_range("a story stream holds at most 4294967295 documents");
  }
  // Forget the ids of the clusters the previous documents closed: nothing can join them.
  clusterer_.take_closed(closed_);
  for (const uint32_t c : closed_) founders_.erase(c);
  closed_.clear();

  const auto number = static_cast<uint32_t>(stats_.documents);
  const double time = account(options_, doc, last_time_, stats_);
  // The document counts in the frequencies before it is weighed: its own terms are never unseen.
  running_.add(doc.terms);
  weigh_story_terms(doc.terms, running_, vector_);
  // A model with a latent space (DocumentFrequencies::latent): the document's latent vector in
  // that prebuilt space, mixed in by the clusterer (StoryOptions::latent_weight).
  if (const StoryLatentSpace* space = running_.latent();
      space != nullptr && options_.story.latent_weight > 0) {
    space->project(vector_, vector_.latent);
  }
  const StoryAssignment a = clusterer_.add(vector_, time);
  StoryMatch m;
  m.document = number;
  m.cluster = a.cluster;
  m.founder = a.cluster == number;
  m.similarity = m.founder ? 1.0f : a.similarity;
  if (m.founder) {
    ++stats_.clusters;
    m.cluster_id = founders_.emplace(number, std::string(id)).first->second;
  } else {
    // A document joins an open cluster, whose first document's id is still kept.
    const auto it = founders_.find(a.cluster);
    if (it == founders_.end()) return Status::internal("story stream: joined a forgotten cluster");
    m.cluster_id = it->second;
  }
  return m;
}

// --- BatchStoryClusterer -------------------------------------------------------------------

Result<BatchStoryClusterer> BatchStoryClusterer::create(const StoryModeOptions& options,
                                                        std::optional<DocumentFrequencies> model) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  BatchStoryClusterer c(options);
  c.model_ = std::move(model);
  return c;
}

void BatchStoryClusterer::prepare(const StoryInput& in, PreparedStory& out,
                                  Scratch& scratch) const {
  prepare_story(options_.features, options_.names, in, out, scratch.featurizer_);
}

uint32_t BatchStoryClusterer::add(PreparedStory& doc) {
  const auto number = static_cast<uint32_t>(features_.size());
  const double time = account(options_, doc, last_time_, stats_);
  features_.push_back(std::move(doc.terms));
  doc.terms.clear();
  if (options_.timed) times_.push_back(time);
  return number;
}

Result<std::vector<Assignment>> BatchStoryClusterer::finish(std::vector<StoryExplanation>* explain,
                                                            std::size_t explain_terms) {
  Result<std::vector<StoryAssignment>> assigned = cluster_stories(
      features_, times_, options_.story, model_ ? &*model_ : nullptr, explain, explain_terms);
  if (!assigned.ok()) return assigned.status();
  std::vector<Assignment> out(assigned->size());
  stats_.clusters = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const StoryAssignment& a = (*assigned)[i];
    out[i].cluster = a.cluster;
    out[i].representative = a.cluster;
    out[i].similarity = static_cast<double>(a.similarity);
    if (a.cluster == i) ++stats_.clusters;
  }
  return out;
}

}  // namespace neardup

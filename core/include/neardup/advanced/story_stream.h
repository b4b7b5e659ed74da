// Story clustering as a mode: StoryStream (assign each document as it arrives) and
// BatchStoryClusterer (cluster a whole corpus with cluster_stories), both with the shape of every
// mode's clusterer: prepare on any thread, add in input order, answers or finish().
//
//   neardup::StoryModeOptions o;                          // features + StoryOptions + timed
//   o.timed = true;
//   o.story.window_seconds = neardup::default_story_window_seconds(o.timed);   // 3 days
//   auto stream = neardup::StoryStream::create(o);        // optionally with a saved IDF model
//   neardup::StoryStream::Scratch scratch;                // one per thread
//   neardup::PreparedStory doc;
//   for (const Article& a : feed) {                       // in arrival order
//     stream->prepare({a.text, a.title, neardup::parse_time_value(a.date)}, doc, scratch);
//     neardup::Result<neardup::StoryMatch> m = stream->add(doc, a.id);
//     // m->cluster_id: id of the story's first report; m->similarity: cosine when it joined
//   }
//
// prepare() extracts the story features (StoryFeaturizer) of the text and title; it is const and
// runs on any thread. StoryStream::add() counts the document in a running DocumentFrequencies
// table (started from the model given to create(), if any) before weighing it, so its own
// terms are never unseen, then assigns it with a StoryClusterer and answers at once with the
// number and id of its cluster's first document. Memory is bounded by the window
// (StoryOptions::window_seconds), not by the stream's length: the clusterer forgets closed
// clusters, and the stream forgets their first documents' ids. Only the document frequencies
// grow (with the vocabulary).
//
// BatchStoryClusterer::add() keeps the features; finish() runs cluster_stories (IDF from the
// corpus and the model, documents in time order, merging and refinement as StoryOptions says)
// and returns one Assignment per document: cluster = the cluster's earliest report (which also
// represents it), similarity = its StoryAssignment similarity.
//
// Times (StoryModeOptions::timed): a document without a usable time is placed at the time of
// the document before it in the input and counted (StoryStats::without_time). Without `timed`
// every document has time 0. See story_time.h for parsing and the default window.
//
// Thread safety: prepare() concurrently, each thread with its own Scratch; add() and finish()
// single-threaded. Cost: prepare O(text); StoryStream::add as StoryClusterer::add (bounded by the
// posting lists of the document's rarest terms) plus O(terms) for the frequencies;
// BatchStoryClusterer keeps every document's features (~12 bytes per distinct term).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/story.h"
#include "neardup/advanced/story_time.h"
#include "neardup/status.h"

namespace neardup {

struct StoryModeOptions {
  StoryFeatureOptions features;
  StoryOptions story;  // for a stream, refine and merge_factor are ignored (single pass)
  // The documents carry times: a missing one takes the previous document's. Without it, times
  // given to prepare() are ignored and every document has time 0.
  bool timed = false;
  // prepare() also records what each term stands for (PreparedStory::names), for
  // explanations; costs an allocation per term.
  bool names = false;

  Status validate() const;
};

// One document as read.
struct StoryInput {
  std::string_view text;
  std::string_view title;      // may be empty
  std::optional<double> time;  // seconds (parse_time_value); nullopt = none usable
};

// A document after the parallel part of the work (buffers reused between documents).
struct PreparedStory {
  std::vector<StoryTerm> terms;  // StoryFeaturizer::extract of the text and title
  std::optional<double> time;
  bool titled = false;  // the title was not empty
  // With StoryModeOptions::names: (term, what it stands for), sorted by term.
  std::vector<std::pair<uint64_t, std::string>> names;
};

struct StoryStats {
  uint64_t documents = 0;
  uint64_t clusters = 0;          // stream: so far; batch: after finish()
  uint64_t with_title = 0;        // documents with a non-empty title
  uint64_t without_features = 0;  // empty or stop-word-only documents
  uint64_t without_time = 0;      // timed, but no usable time
};

// The per-thread state of prepare(): a StoryFeaturizer, made on first use.
class StoryScratch {
 public:
  StoryScratch() = default;

 private:
  friend class StoryStream;
  friend class BatchStoryClusterer;
  std::optional<StoryFeaturizer> featurizer_;
};

// StoryStream::add()'s answer.
struct StoryMatch {
  uint32_t document = 0;  // this document's number (0, 1, 2, ... in add() order)
  uint32_t cluster = 0;   // number of its cluster's first document
  bool founder = false;   // this document opened the cluster
  float similarity = 1;   // 1 for a founder, else the cosine with the centroid it joined
  // Id of the cluster's first document (the id given to add()); valid until the next add().
  std::string_view cluster_id;
};

class StoryStream {
 public:
  using Scratch = StoryScratch;

  // `model`: document frequencies to start from (e.g. DocumentFrequencies::load of a model
  // built with the same feature settings; not checked here).
  static Result<StoryStream> create(const StoryModeOptions& options,
                                    DocumentFrequencies model = {});

  const StoryModeOptions& options() const noexcept { return options_; }

  // Extracts the features of one document into `out`. Thread-safe.
  void prepare(const StoryInput& in, PreparedStory& out, Scratch& scratch) const;
  // Assigns the next document (see the header comment). out_of_range after 2^32 - 1 documents.
  Result<StoryMatch> add(const PreparedStory& doc, std::string_view id);

  const StoryStats& stats() const noexcept { return stats_; }
  std::size_t open_clusters() const noexcept { return clusterer_.open_clusters(); }
  // The running document frequencies (a model to save for the next run).
  const DocumentFrequencies& document_frequencies() const noexcept { return running_; }

 private:
  StoryStream(const StoryModeOptions& options, StoryClusterer clusterer, DocumentFrequencies df);

  StoryModeOptions options_;
  StoryClusterer clusterer_;
  DocumentFrequencies running_;
  std::unordered_map<uint32_t, std::string> founders_;  // open clusters' first documents' ids
  std::vector<uint32_t> closed_;
  StoryVector vector_;
  double last_time_ = 0;
  StoryStats stats_;
};

class BatchStoryClusterer {
 public:
  using Scratch = StoryScratch;

  // `model`: document frequencies added to the corpus's own (see cluster_stories).
  static Result<BatchStoryClusterer> create(const StoryModeOptions& options,
                                            std::optional<DocumentFrequencies> model = {});

  const StoryModeOptions& options() const noexcept { return options_; }

  // Extracts the features of one document into `out`. Thread-safe.
  void prepare(const StoryInput& in, PreparedStory& out, Scratch& scratch) const;
  // Keeps the next document (takes over doc.terms); returns its number.
  uint32_t add(PreparedStory& doc);
  // Clusters every document added (cluster_stories). Call once. With `explain`, one
  // StoryExplanation per document (up to explain_terms terms each).
  Result<std::vector<Assignment>> finish(std::vector<StoryExplanation>* explain = nullptr,
                                         std::size_t explain_terms = 5);

  const StoryStats& stats() const noexcept { return stats_; }

 private:
  explicit BatchStoryClusterer(const StoryModeOptions& options) : options_(options) {}

  StoryModeOptions options_;
  std::optional<DocumentFrequencies> model_;
  std::vector<std::vector<StoryTerm>> features_;
  std::vector<double> times_;  // timed only
  double last_time_ = 0;
  StoryStats stats_;
};

}  // namespace neardup

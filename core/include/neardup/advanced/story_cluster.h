// Story clustering: TF-IDF story vectors grouped into stories, online (StoryClusterer) or for a
// whole corpus at once (cluster_stories).
//
//   clusters   single pass in time order: each document joins the open cluster whose centroid
//              is most similar, if the similarity clears the threshold, else it opens a new
//              cluster. No transitive closure of pairs, so clusters do not chain.
//   candidates an inverted index from a document's highest-weighted terms to the open clusters
//              whose centroids contain them; the exact cosine is computed only for those, so the
//              cost per document is bounded by the posting lists of its rarest terms (near-linear
//              in the stream; see StoryClusterer).
//   batch      cluster_stories runs the single pass, then merges clusters and refines the
//              assignments against the final centroids (below).
//
// Length calibration. A raw cosine means different things for a 7-word headline and a
// 700-word article: unrelated articles share dozens of ordinary words and reach cosines of
// 0.1-0.2, while two headlines of the same story may share only two words. The threshold
// therefore grows with the document's effective number of terms n = (sum w)^2 / sum w^2:
// scale * n^exponent (see StoryOptions), about 0.1 for a headline and 0.23 for an article.
//
// Damped centroids. A cluster's centroid is the sum of its members' vectors, so a name that
// every member repeats (a celebrity, a company) dominates it, and any document that mentions
// the name reaches a high cosine with it: two stories about one person merge. Documents are
// therefore scored against the centroid with each weight raised to the power 0.7
// (StoryOptions::centroid_exponent): the dominant terms count sublinearly and the rest of the
// document's words have to fit as well. Measured: bench/results/HISTORY.md#story-damping.
//
// Two shared words. In batch clustering a document joins a cluster (in the single pass and in
// refinement) only if the centroid holds at least two of its terms (StoryOptions::
// min_shared_terms): one word in common, a name or a place, makes a topic ("Keith Urban" and
// "Urban Outfitters", a Chinese airspace dispute and "stocks fall on China data"), not a story.
// A wrong join in the pass is permanent, while a split is repaired by the merging below, so the
// pass is made strict; a stream, where nothing repairs a split, keeps one. Measured:
// bench/results/HISTORY.md#story-shared-terms.
//
// Batch merging. After the single pass (and before refinement), clusters whose centroids are
// close merge (StoryOptions::merge_factor). A cluster with at most a tenth of the reports of its
// most similar cluster (StoryOptions::fragment_ratio) is judged as a fragment of it: a few
// reports worded apart from the rest ("pot" for "marijuana", a side angle of the story), none
// close enough alone, but their sum is. The fragment's summed vector is compared with the
// partner's damped centroid at the threshold for its documents' length, exactly as one document
// joining the partner. Measured: bench/results/HISTORY.md#story-fragments.
//
// Example (a stream; story_features.h and document_frequencies.h make `terms` and `df`):
//   auto clusterer = neardup::StoryClusterer::create({.window_seconds = 3 * 86400});
//   neardup::StoryVector vec;
//   for (const Article& a : feed) {                        // in time order
//     features->extract(a.text, a.title, terms);
//     df.add(terms);
//     neardup::weigh_story_terms(terms, df, vec);
//     neardup::StoryAssignment s = clusterer->add(vec, a.unix_time);  // s.cluster, s.similarity
//   }
//   // a whole corpus: neardup::cluster_stories(all_terms, times, {}) -> one assignment each
//
// Thread safety: StoryClusterer is a sequential state machine (one caller at a time).
// cluster_stories keeps no shared state: calls on their own inputs may run at once.
// Cost: StoryClusterer::add, see below: bounded by the posting lists of the document's
// candidate terms and max_candidates cosines, memory bounded by the clusters open in the
// window. cluster_stories: the single pass, plus per merge round and refinement round one sum
// of every cluster's members (O(total terms)) and a candidate search per cluster or document;
// it keeps every document's vector in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "neardup/advanced/document_frequencies.h"
#include "neardup/advanced/story_features.h"
#include "neardup/advanced/story_weighting.h"
#include "neardup/status.h"

namespace neardup {

// How event particulars (StoryOptions::event_rule) gate a join or a merge.
enum class StoryEventRule : uint8_t {
  kOff = 0,  // particulars are ignored
  // The two sides must share a particular (`--events shared`, formerly `--event-amounts`).
  kShared = 1,
  // A key particular of one side (kEventKey: a member's first amount or date, its lead
  // figure) must be among the other side's particulars (`--events key`). Stricter than kShared
  // where two events of one company repeat a background figure (a plan announced before,
  // quoted in the body of both reports) but lead with their own.
  // Under both rules amounts and dates are judged each on their own, where both sides state
  // that kind; the sides conflict when some kind is stated by both and no such kind agrees.
  kKey = 2,
};

struct StoryOptions {
  // The decision threshold on the calibrated similarity, or NaN for the default ("auto"):
  // documents with few effective terms need less evidence than long ones.
  double threshold = std::numeric_limits<double>::quiet_NaN();
  // The automatic threshold for a document with n effective terms is scale * n^exponent.
  double calibration_scale = 0.045;
  double calibration_exponent = 0.385;
  // A document is compared with its clusters' centroids after each centroid term's weight (the
  // sum of the members' weights) is raised to this power, in (0, 1]; 1 = the plain sum. Below 1
  // a term's pull grows sublinearly with the number of members using it (as sublinear TF does
  // within a document), so a name that every member repeats (a company, a celebrity) cannot
  // carry a document into the cluster on its own: its other words have to fit as well. Cluster
  // merging compares the plain sums.
  double centroid_exponent = 0.7;
  // Clusters whose newest document is older than this (seconds, in the documents' own time)
  // are closed: nothing joins them and their memory is released. 0 = never close.
  double window_seconds = 0;
  // The number of a document's highest-weighted terms used to find candidate clusters.
  uint32_t candidate_terms = 12;
  // Centroids keep at most this many terms (the heaviest), bounding memory and time.
  uint32_t max_centroid_terms = 400;
  // A cluster is found through its heaviest index_terms centroid terms (the inverted index
  // holds only those): a document's candidate_terms must meet one of them.
  uint32_t index_terms = 48;
  // Of the clusters found, the exact cosine is computed for the max_candidates that hold the
  // most of the document's weight in its candidate terms.
  uint32_t max_candidates = 32;
  // After the single pass, move each document to the most similar final centroid if that one
  // clears the threshold (batch only).
  bool refine = true;
  int refine_rounds = 1;
  bool refine_split = false;
  // Batch only: after the single pass, merge clusters whose centroids have a cosine of at least
  // merge_factor x the threshold (mutual nearest pairs, repeated until none is left). 0 = off.
  double merge_factor = 2.5;
  // A document with at least this many terms joins a cluster (or moves to one in refinement)
  // only if the cluster's centroid holds at least this many of them, whatever the cosine: one
  // word in common (a name, a place) makes a topic, not a story. 0 = auto: 2 in cluster_stories
  // when merging or refinement follow the single pass (a wrong join in the pass is permanent,
  // while a split is repaired by merging), else 1 (StoryClusterer alone, streams: nothing
  // repairs a split there). At most 64.
  uint32_t min_shared_terms = 0;
  // Batch merging, in [0, 1): a cluster with at most this fraction of the reports of its most
  // similar cluster is a fragment of it (a few reports worded apart from the rest, which the
  // single pass left on their own). A fragment is judged as one document: it merges if its
  // summed vector, against the partner's damped centroid, clears the threshold for its
  // documents' length, as a document joining the partner must. 0 = every pair needs
  // merge_factor.
  double fragment_ratio = 0.1;
  // The latent layer (story_latent.h). latent_rank > 0: cluster_stories fits a truncated SVD
  // of the batch's TF-IDF matrix with this many dimensions and gives every document its latent
  // vector. Wherever a document meets a cluster (or a cluster another), the similarity is then
  // (1 - latent_weight) x the lexical cosine + latent_weight x the latent cosine (of the
  // document's latent vector with the sum of the cluster's), compared with the same
  // length-calibrated threshold. The lexical side still decides which clusters are candidates
  // and the min_shared_terms rule, so the latent score re-ranks and re-scores clusters that
  // share words with the document; it never joins two reports without one. StoryClusterer uses
  // the latent vectors its documents carry (a stream: from a prebuilt space). 0 = off; then
  // a model given to cluster_stories that holds a latent space (DocumentFrequencies::latent,
  // `neardup idf build --latent-rank K`) turns the layer on with that prebuilt space (no SVD
  // of the batch), unless latent_weight is 0. latent_rank > 0 always fits the batch.
  uint32_t latent_rank = 0;
  double latent_weight = 0.25;  // in [0, 1]
  // Event specificity: reports of one event agree on its particulars (StoryTerm::event: its
  // amounts of at least 1,000, years excluded, and the dates it names), while other events of
  // the same company share its name and words but not its figures. The rule applies only where
  // both sides (a document and a cluster, or two clusters) have particulars and at least
  // kEventMinTerms (20) effective terms each: a headline quotes one figure among many; an
  // article states the event's key figures and its rewrites repeat them. Where it applies and
  // fails, the document does not join the cluster (nor move to it in refinement) and the two
  // clusters do not merge; elsewhere similarity is judged as before.
  // Off by default: on the labelled headline and tweet sets no document reaches the length
  // gate (nothing changes), and on the SemEval article pairs it separates 3 of 36 same-story
  // pairs whose outlets lead with different figures, with no fewer false joins
  // (bench/results/story_events.md). kKey is the rule to use for articles without times.
  StoryEventRule event_rule = StoryEventRule::kOff;

  Status validate() const;
};

struct StoryAssignment {
  uint32_t cluster = 0;  // index of the cluster's first document (in add() order)
  // 1 for the cluster's first document; else the cosine with the cluster's centroid: when it
  // joined (StoryClusterer), or with the final centroid without itself (cluster_stories with
  // merge or refinement).
  float similarity = 1.0f;
};

class StoryClusterer {
 public:
  static Result<StoryClusterer> create(const StoryOptions& options);
  StoryClusterer(StoryClusterer&&) noexcept;
  StoryClusterer& operator=(StoryClusterer&&) noexcept;
  ~StoryClusterer();

  // Assigns the next document (index = number of documents added before it; at most 2^32
  // documents). `time` is the document's time in seconds (any origin); pass 0 for all documents
  // when there is none. A time earlier than one already seen does not move the clock back.
  // Cost: O(sum of the posting lengths of the document's candidate terms + candidates x terms),
  // plus O(log) per join for the window. Memory: the centroids and postings of the open
  // clusters only (closed clusters' slots are reused), so with a window it is bounded by the
  // window, not by the length of the stream.
  StoryAssignment add(const StoryVector& doc, double time);

  // The threshold add() applies to a document with this many effective terms.
  double threshold_for(double effective_terms) const;

  std::size_t open_clusters() const noexcept;
  std::size_t documents() const noexcept;

  // Moves out the first-document indices of the clusters closed by the window since the last
  // call (a stream uses it to forget those clusters' names). The list grows until taken.
  void take_closed(std::vector<uint32_t>& first_docs);

 private:
  struct Impl;
  explicit StoryClusterer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Why a document is in its cluster: its terms that add most to its cosine with the rest of
// the cluster (the sum of the other members' vectors), each term's product of the two weights,
// heaviest first; and its latent cosine with the rest (NaN without the latent layer or for a
// cluster of one).
struct StoryExplanation {
  std::vector<uint64_t> terms;
  // The document's event particulars (amounts, dates: StoryVector::particulars) that another
  // member of its cluster also states, sorted by id.
  std::vector<uint64_t> events;
  float latent = std::numeric_limits<float>::quiet_NaN();
};

// Batch story clustering of a whole corpus: IDF from the corpus (or from `model` when given,
// updated with the corpus), documents visited in time order (stable: ties keep input order),
// optional refinement. `times` is empty or has one entry per document. Returns one assignment
// per document in input order; cluster = the input index of the cluster's earliest document.
// With `explain`, fills one StoryExplanation per document with up to `explain_terms` terms.
Result<std::vector<StoryAssignment>> cluster_stories(
    const std::vector<std::vector<StoryTerm>>& features, std::span<const double> times,
    const StoryOptions& options, const DocumentFrequencies* model = nullptr,
    std::vector<StoryExplanation>* explain = nullptr, std::size_t explain_terms = 5);

}  // namespace neardup

// Story clustering: group reports of one news story written in different words.
//
// Near-duplicate hashing cannot do this job: five outlets' reports of one announcement share
// almost no 5-word phrase. What they share is vocabulary: the names, the places, the amounts
// and the rare content words. The engine therefore works on weighted bags of words:
//
//   features   content words (stop words removed, Snowball-stemmed; the language is picked per
//              document from its stop-word profile), canonical amounts ("300,000",
//              "300 thousand" and "300k" are one feature; "$10 billion" and "10 billion dollars"
//              agree because currency words are not features), and capitalised name pairs
//              ("Charles Plosser") as entity features; title words count twice.
//   weights    sublinear TF x IDF (1 + ln tf) * ln((N + 1) / (df + 1)) + 1, the vector scaled to
//              unit length. IDF comes from the corpus in batch mode, from a running table in
//              streaming mode, optionally started from a saved model (DocumentFrequencies::save).
//   clusters   single pass in time order: each document joins the open cluster whose centroid
//              is most similar, if the similarity clears the threshold, else it opens a new
//              cluster. No transitive closure of pairs, so clusters do not chain.
//   candidates an inverted index from a document's highest-weighted terms to the open clusters
//              whose centroids contain them; the exact cosine is computed only for those, so the
//              cost per document is bounded by the posting lists of its rarest terms (near-linear
//              in the stream; see StoryClusterer).
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
// document's words have to fit as well. Measured at the defaults (both changes together, the
// calibration scale rose from 0.035 to 0.045 with it): mstream-news NMI 0.862 -> 0.882, B-cubed
// F1 0.723 -> 0.758; uci-news B-cubed F1 0.830 -> 0.836; averaged over three shuffled input
// orders as well, +0.017 NMI and +0.025 B-cubed on mstream, +0.012 B-cubed on uci.
//
// Two shared words. In batch clustering a document joins a cluster (in the single pass and in
// refinement) only if the centroid holds at least two of its terms (StoryOptions::
// min_shared_terms): one word in common, a name or a place, makes a topic ("Keith Urban" and
// "Urban Outfitters", a Chinese airspace dispute and "stocks fall on China data"), not a story.
// A wrong join in the pass is permanent, while a split is repaired by the merging below, so the
// pass is made strict; a stream, where nothing repairs a split, keeps one. Measured at the
// defaults: mstream-news NMI 0.890 -> 0.902, B-cubed 0.778 -> 0.799; uci-news B-cubed 0.858 ->
// 0.865; over four input orders, NMI 0.872 -> 0.903 and uci 0.856 -> 0.866.
//
// Batch merging. After the single pass (and before refinement), clusters whose centroids are
// close merge (StoryOptions::merge_factor). A cluster with at most a tenth of the reports of its
// most similar cluster (StoryOptions::fragment_ratio) is judged as a fragment of it: a few
// reports worded apart from the rest ("pot" for "marijuana", a side angle of the story), none
// close enough alone, but their sum is. The fragment's summed vector is compared with the
// partner's damped centroid at the threshold for its documents' length, exactly as one document
// joining the partner. Measured at the defaults: uci-news B-cubed F1 0.836 -> 0.858,
// mstream-news NMI 0.882 -> 0.890 and B-cubed 0.758 -> 0.778; averaged over three shuffled
// orders as well, uci +0.017 B-cubed, mstream +0.001 NMI and +0.006 B-cubed.
//
// Thread safety: StoryFeaturizer is not thread-safe (it holds a stemmer and buffers): use one
// per thread. DocumentFrequencies is safe for concurrent const use. StoryClusterer is a
// sequential state machine (one caller at a time).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/status.h"

namespace neardup {

// One feature of a document: a 64-bit term id (hash of the stemmed word, the amount or the
// entity pair) and its raw weighted count (title words count title_boost times).
struct StoryTerm {
  uint64_t term = 0;
  float count = 0;
};

struct StoryFeatureOptions {
  // "auto" (pick per document among the bundled stop-word lists: english, german, french,
  // spanish, italian, portuguese, dutch), one of those names, or "none" (no stop words, no
  // stemming: for text that is already pre-processed).
  std::string language = "auto";
  // Snowball stemming in the document's language. Off by default: on the labelled news sets
  // (UCI headlines, MStream tweets) it merged more unrelated stories than it joined reports.
  bool stem = false;
  bool amounts = true;         // canonical amounts: 300,000 == 300 thousand == 300k
  bool entities = true;        // capitalised name pairs as extra features
  float title_boost = 2.0f;    // count of each title word (>= 1)
  float bigram_weight = 0.0f;  // count of each pair of adjacent content words (0 = off)
  uint64_t seed = 0;           // seeds the term hashes

  Status validate() const;
  // A hash of every setting that decides which term ids a document gives. An IDF model records
  // the fingerprint of the settings it was built with; a model is only valid for those.
  uint32_t fingerprint() const noexcept;
};

class StoryFeaturizer {
 public:
  static Result<StoryFeaturizer> create(const StoryFeatureOptions& options);
  StoryFeaturizer(StoryFeaturizer&&) noexcept;
  StoryFeaturizer& operator=(StoryFeaturizer&&) noexcept;
  ~StoryFeaturizer();

  // Writes the features of one document to `out` (cleared first), one entry per distinct term,
  // sorted by term id. `title` may be empty. Invalid UTF-8 is repaired, never rejected; an empty
  // or stop-word-only document gives no features. No allocation once the buffers are warm.
  void extract(std::string_view text, std::string_view title, std::vector<StoryTerm>& out);

 private:
  struct Impl;
  explicit StoryFeaturizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Document frequencies: how many documents contain each term. A saved table is an IDF model
// (`neardup idf build`) that lets a stream weigh its first documents sensibly.
class DocumentFrequencies {
 public:
  // Counts one document (each distinct term once).
  void add(std::span<const StoryTerm> doc);
  // Adds another table's counts (built with the same feature settings: the fingerprint of this
  // table is kept, or taken from `other` when this one has none).
  void merge(const DocumentFrequencies& other);
  uint64_t documents() const noexcept { return documents_; }
  std::size_t terms() const noexcept { return size_; }
  uint64_t frequency(uint64_t term) const noexcept;
  // StoryFeatureOptions::fingerprint() of the features counted (0 = not recorded); saved with
  // the table, so a model built with other settings can be refused.
  uint32_t feature_fingerprint() const noexcept { return feature_fingerprint_; }
  void set_feature_fingerprint(uint32_t fingerprint) noexcept {
    feature_fingerprint_ = fingerprint;
  }
  // ln((N + 1) / (df + 1)) + 1: >= 1, and largest for terms never seen.
  float idf(uint64_t term) const noexcept {
    const double n = static_cast<double>(documents_);
    return static_cast<float>(std::log((n + 1.0) / (static_cast<double>(frequency(term)) + 1.0)) +
                              1.0);
  }

  // Versioned, checksummed file; a truncated or corrupt file is an error, never a crash.
  Status save(const std::string& path) const;
  static Result<DocumentFrequencies> load(const std::string& path);

 private:
  void grow();
  // Open addressing on the term id; term 0 marks an empty slot (a real term 0 is stored as 1).
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> counts_;
  std::size_t size_ = 0;
  uint64_t documents_ = 0;
  uint32_t feature_fingerprint_ = 0;
};

// A document as a sparse unit vector, sorted by term.
struct StoryVector {
  std::vector<uint64_t> terms;
  std::vector<float> weights;
  float effective_terms = 0;  // (sum w)^2 / sum w^2 of the TF-IDF weights: 1 .. distinct terms
  void clear() {
    terms.clear();
    weights.clear();
    effective_terms = 0;
  }
};

// Weighs raw features by sublinear TF x IDF and scales to unit length.
void weigh_story_terms(std::span<const StoryTerm> doc, const DocumentFrequencies& df,
                       StoryVector& out);

// Cosine of two unit story vectors (the plain dot product).
double story_cosine(const StoryVector& a, const StoryVector& b) noexcept;

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

// Batch story clustering of a whole corpus: IDF from the corpus (or from `model` when given,
// updated with the corpus), documents visited in time order (stable: ties keep input order),
// optional refinement. `times` is empty or has one entry per document. Returns one assignment
// per document in input order; cluster = the input index of the cluster's earliest document.
Result<std::vector<StoryAssignment>> cluster_stories(
    const std::vector<std::vector<StoryTerm>>& features, std::span<const double> times,
    const StoryOptions& options, const DocumentFrequencies* model = nullptr);

}  // namespace neardup

#include "neardup/advanced/exact_clusterer.h"

namespace neardup {

void ExactClusterer::prepare(std::string_view text, PreparedExact& out, Scratch& scratch) const {
  if (!scratch.normalizer_) scratch.normalizer_.emplace(options_.normalize);
  scratch.normalizer_->normalize(text, scratch.normalized_, &scratch.stats_);
  out.key = exact_key(scratch.normalized_);
  out.empty = scratch.normalized_.empty();
}

ExactMatch ExactClusterer::add(const PreparedExact& doc) {
  const auto number = static_cast<uint32_t>(stats_.documents);
  const ExactIndex::Match m = index_.add(doc.key, first_doc_.size());
  if (m.is_new) first_doc_.push_back(number);
  const auto ordinal = static_cast<uint32_t>(m.first);
  const ExactMatch out{number, first_doc_[ordinal], ordinal, m.is_new};
  ++stats_.documents;
  if (m.is_new) {
    ++stats_.clusters;
  } else {
    ++stats_.duplicates;
  }
  if (doc.empty) ++stats_.empty;
  if (options_.keep_assignments) cluster_of_.push_back(out.cluster);
  return out;
}

std::vector<Assignment> ExactClusterer::finish() const {
  std::vector<Assignment> out(cluster_of_.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].cluster = cluster_of_[i];
    out[i].representative = cluster_of_[i];
    out[i].similarity = 1.0;
  }
  return out;
}

}  // namespace neardup

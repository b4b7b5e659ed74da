// Story weighting: sublinear TF x IDF unit vectors and their cosine (see
// neardup/advanced/story_weighting.h).
#include "neardup/advanced/story_weighting.h"

#include <cmath>

#include "story/story_internal.h"

namespace neardup {

void weigh_story_terms(std::span<const StoryTerm> doc, const DocumentFrequencies& df,
                       StoryVector& out) {
  out.clear();
  double sum = 0, sum2 = 0;
  for (const StoryTerm& t : doc) {
    if (!(t.count > 0)) continue;
    if (t.event != 0) {
      out.particulars.push_back(t.term);
      if ((t.event & kEventKey) != 0) out.keys.push_back(t.term);
      if ((t.event & kEventOnly) != 0) continue;  // a particular, not a lexical term
    }
    // Sublinear TF: 1 + ln tf from one occurrence on; a fraction of one occurrence (a word's
    // share of its translations, a bigram weight below 1) counts linearly, so that the weight
    // stays positive and continuous at 1.
    const double c = static_cast<double>(t.count);
    const double w = (c < 1.0 ? c : 1.0 + std::log(c)) * df.idf(t.term);
    out.terms.push_back(t.term);
    out.weights.push_back(static_cast<float>(w));
    sum += w;
    sum2 += w * w;
  }
  if (sum2 <= 0) return;
  const double inv = 1.0 / std::sqrt(sum2);
  for (float& w : out.weights) w = static_cast<float>(w * inv);
  out.effective_terms = static_cast<float>(sum * sum / sum2);
}

double story_cosine(const StoryVector& a, const StoryVector& b) noexcept {
  return story_internal::dot_sorted(a.terms, a.weights, b.terms, b.weights);
}

}  // namespace neardup

// SpanDeduplicator: unit occurrences (hash, document, unit) in an external merge sort; finish()
// walks them in hash order, counts the documents of each unit, and sends the occurrences of
// the repeated ones to a second sort keyed by (document, unit), which next() reads back in
// document order.
#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "neardup/advanced/spans.h"
#include "spill/external_sort.h"

namespace neardup {
namespace {

struct Occurrence {
  uint64_t high, low;
  uint32_t doc, unit;
};
struct OccurrenceLess {
  bool operator()(const Occurrence& a, const Occurrence& b) const noexcept {
    return std::tie(a.high, a.low, a.doc, a.unit) < std::tie(b.high, b.low, b.doc, b.unit);
  }
};

struct Decision {
  uint32_t doc, unit;
  uint32_t group;  // index of the unit's document count
  uint32_t first;  // 1 when doc is the first document with the unit
};
struct DecisionLess {
  bool operator()(const Decision& a, const Decision& b) const noexcept {
    return std::tie(a.doc, a.unit) < std::tie(b.doc, b.unit);
  }
};

using OccurrenceSorter = spill::ExternalSorter<Occurrence, OccurrenceLess>;
using DecisionSorter = spill::ExternalSorter<Decision, DecisionLess>;

}  // namespace

Status SpanDedupOptions::validate() const {
  if (min_docs < 2) return Status::invalid_argument("min_docs must be at least 2");
  if (unit.kind == SpanUnitKind::kSentences && (unit.sentences < 1 || unit.sentences > 1000)) {
    return Status::invalid_argument("sentences per unit must be in 1..1000");
  }
  return normalize.validate();
}

struct SpanDeduplicator::Impl {
  SpanDedupOptions options;
  SpillOptions spill;
  SpanDedupStats stats;
  SpillStats spill_stats;
  std::optional<OccurrenceSorter> occurrences;
  std::optional<DecisionSorter> decisions;
  std::vector<uint32_t> counts;  // documents of each repeated unit, by group
  uint64_t docs_added = 0, docs_read = 0;
  Decision look{};
  bool has_look = false, finished = false;
};

SpanDeduplicator::SpanDeduplicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SpanDeduplicator::SpanDeduplicator(SpanDeduplicator&&) noexcept = default;
SpanDeduplicator& SpanDeduplicator::operator=(SpanDeduplicator&&) noexcept = default;
SpanDeduplicator::~SpanDeduplicator() = default;

Result<SpanDeduplicator> SpanDeduplicator::create(const SpanDedupOptions& options,
                                                  const SpillOptions& spill) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  NEARDUP_RETURN_IF_ERROR(spill.validate());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->spill = spill;
  Impl& m = *impl;
  m.occurrences.emplace(spill.resolved_dir(), static_cast<std::size_t>(spill.memory_bytes / 2),
                        &m.spill_stats.bytes_written, &m.spill_stats.runs,
                        &m.spill_stats.merge_passes);
  return SpanDeduplicator(std::move(impl));
}

const SpanDedupOptions& SpanDeduplicator::options() const noexcept { return impl_->options; }
const SpanDedupStats& SpanDeduplicator::stats() const noexcept { return impl_->stats; }
const SpillStats& SpanDeduplicator::spill_stats() const noexcept { return impl_->spill_stats; }

void SpanDeduplicator::prepare(std::string_view text, PreparedSpans& out, Scratch& s) const {
  const SpanDedupOptions& o = impl_->options;
  split_pieces(text, o.unit.kind, out.pieces);
  out.window = o.unit.kind == SpanUnitKind::kSentences ? o.unit.sentences : 1;
  out.hashes.clear();
  out.first_piece.clear();
  // Every piece normalized once, joined by one space: a window of pieces is then one substring.
  s.normalized.clear();
  s.piece_offsets.clear();
  for (const TextPiece& p : out.pieces) {
    s.normalizer.normalize(text.substr(p.begin, p.end - p.begin), s.window, &s.normalize_stats);
    if (!s.piece_offsets.empty()) s.normalized.push_back(' ');
    s.piece_offsets.push_back(static_cast<uint32_t>(s.normalized.size()));  // start
    s.normalized.append(s.window);
  }
  const std::size_t n = out.pieces.size();
  if (n < out.window) return;
  for (std::size_t j = 0; j + out.window <= n; ++j) {
    const std::size_t last = j + out.window - 1;
    const std::size_t begin = s.piece_offsets[j];
    const std::size_t end = last + 1 < n ? s.piece_offsets[last + 1] - 1 : s.normalized.size();
    const std::string_view unit = std::string_view(s.normalized).substr(begin, end - begin);
    std::size_t chars = 0;
    for (char c : unit) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (chars == 0 || chars < o.min_unit_chars) continue;
    out.hashes.push_back(hash128(unit, o.seed));
    out.first_piece.push_back(static_cast<uint32_t>(j));
  }
}

Status SpanDeduplicator::add(const PreparedSpans& doc) {
  Impl& m = *impl_;
  if (m.finished) return Status::invalid_argument("span dedup: add() after finish()");
  if (m.docs_added >= UINT32_MAX) {
    return Status::out_of_range("span dedup: more than 2^32 - 1 documents");
  }
  const auto d = static_cast<uint32_t>(m.docs_added++);
  for (std::size_t j = 0; j < doc.hashes.size(); ++j) {
    NEARDUP_RETURN_IF_ERROR(m.occurrences->add(
        Occurrence{doc.hashes[j].high, doc.hashes[j].low, d, static_cast<uint32_t>(j)}));
  }
  m.stats.documents = m.docs_added;
  m.stats.units += doc.hashes.size();
  return Status();
}

Status SpanDeduplicator::finish() {
  Impl& m = *impl_;
  if (m.finished) return Status();
  m.finished = true;
  OccurrenceSorter& occ = *m.occurrences;
  NEARDUP_RETURN_IF_ERROR(occ.seal());
  m.decisions.emplace(m.spill.resolved_dir(), static_cast<std::size_t>(m.spill.memory_bytes / 2),
                      &m.spill_stats.bytes_written, &m.spill_stats.runs,
                      &m.spill_stats.merge_passes);
  NEARDUP_RETURN_IF_ERROR(occ.finish(static_cast<std::size_t>(m.spill.memory_bytes / 4)));
  DecisionSorter& dec = *m.decisions;
  // One group (unit) at a time. Its occurrences wait in `pending` until min_docs documents
  // have it (at most the occurrences of min_docs documents), then go straight to the sort.
  std::vector<Occurrence> pending;
  uint64_t high = 0, low = 0;
  uint32_t first_doc = 0, last_doc = 0, docs = 0, group = 0;
  bool open = false, qualified = false;
  auto emit = [&](const Occurrence& o) {
    return dec.add(Decision{o.doc, o.unit, group, o.doc == first_doc ? 1u : 0u});
  };
  auto close = [&]() -> Status {
    if (open && qualified) {
      m.counts.push_back(docs);
      if (m.counts.size() >= UINT32_MAX) {
        return Status::out_of_range("span dedup: more than 2^32 - 1 repeated units");
      }
    }
    pending.clear();
    return Status();
  };
  Occurrence o;
  while (occ.next(o)) {
    if (!open || o.high != high || o.low != low) {
      NEARDUP_RETURN_IF_ERROR(close());
      open = true;
      high = o.high;
      low = o.low;
      first_doc = last_doc = o.doc;
      docs = 1;
      qualified = false;
    } else if (o.doc != last_doc) {
      last_doc = o.doc;
      if (docs < UINT32_MAX) ++docs;
    }
    if (qualified) {
      NEARDUP_RETURN_IF_ERROR(emit(o));
      continue;
    }
    pending.push_back(o);
    if (docs >= m.options.min_docs) {
      qualified = true;
      group = static_cast<uint32_t>(m.counts.size());
      for (const Occurrence& p : pending) NEARDUP_RETURN_IF_ERROR(emit(p));
      pending.clear();
    }
  }
  NEARDUP_RETURN_IF_ERROR(occ.status());
  NEARDUP_RETURN_IF_ERROR(close());
  m.occurrences.reset();
  m.stats.repeated_units = m.counts.size();
  NEARDUP_RETURN_IF_ERROR(dec.finish(static_cast<std::size_t>(m.spill.memory_bytes / 2)));
  m.stats.repeated_occurrences = dec.size();
  m.has_look = dec.next(m.look);
  return dec.status();
}

Status SpanDeduplicator::next(const PreparedSpans& doc, std::vector<RepeatedUnit>& out) {
  Impl& m = *impl_;
  out.clear();
  if (!m.finished) return Status::invalid_argument("span dedup: next() before finish()");
  if (m.docs_read >= m.docs_added) {
    return Status::invalid_argument("span dedup: more documents in the second pass than the first");
  }
  const uint64_t d = m.docs_read++;
  while (m.has_look && m.look.doc == d) {
    if (m.look.unit >= doc.hashes.size()) {
      return Status::invalid_argument(
          "span dedup: a document has fewer units in the second pass (the input changed)");
    }
    out.push_back({m.look.unit, m.counts[m.look.group], m.look.first != 0});
    m.has_look = m.decisions->next(m.look);
    if (!m.has_look) NEARDUP_RETURN_IF_ERROR(m.decisions->status());
  }
  return Status();
}

}  // namespace neardup

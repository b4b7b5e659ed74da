// Document frequencies: the counting table and its IDF model file (see
// neardup/advanced/document_frequencies.h).
#include "neardup/advanced/document_frequencies.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/binary_io.h"
#include "index/index_file.h"
#include "neardup/advanced/hash.h"
#include "neardup/advanced/story_latent.h"
#include "story/story_internal.h"

namespace neardup {
namespace {

// ---------------------------------------------------------------------------------------------
// The IDF model file, version 4: the index files' frame (index/index_file.h) with
//   header   fields32 = {feature fingerprint, latent rank k, latent columns m, 0},
//            field64 = documents, count = terms
//   payload  section 1 "model": [u64 documents][u32 feature fingerprint][u32 k][u32 m][u32 0],
//              the header's values again, under the checksum (the frame checks the payload
//              only)
//            section 2 "terms": an array of `terms` rows (u64 term, u32 count), sorted by term
//            with k > 0:
//            section 3 "latent terms": an array of m rows (u64 term), strictly ascending
//            section 4 "projection": an array of m rows of k floats (V, row-major)
//            section 5 "mean": an array of 1 row of k floats
// so that a flipped bit anywhere is caught: by the frame, or as a header that disagrees with
// the model section. Floats are stored as their IEEE-754 bits.
constexpr uint32_t kDfVersion = 4;
constexpr detail::FileFormat kFormat = {.magic = "NDUPIDF1",
                                        .version = kDfVersion,
                                        .kind = 1,  // document frequencies of story terms
                                        .field3_reserved = true,
                                        .name = "IDF model",
                                        .noun = "IDF model",
                                        .max_count = uint64_t{1} << 40,
                                        .counted = "terms"};
constexpr uint32_t kTagModel = 1;
constexpr uint32_t kTagTerms = 2;
constexpr uint32_t kTagLatentTerms = 3;
constexpr uint32_t kTagProjection = 4;
constexpr uint32_t kTagMean = 5;
constexpr std::size_t kModelBytes = 24;
constexpr std::size_t kDfRecord = 12;  // u64 term, u32 count

// Version 3 (still read, as a model without a latent space): the same frame and sections 1
// and 2, with a 16-byte model section [u64 documents][u32 fingerprint][u32 0] and
// fields32 = {fingerprint, 0, 0, 0}.
constexpr uint32_t kDfVersion3 = 3;
constexpr detail::FileFormat kFormat3 = {.magic = "NDUPIDF1",
                                         .version = kDfVersion3,
                                         .kind = 1,
                                         .field3_reserved = true,
                                         .name = "IDF model",
                                         .noun = "IDF model",
                                         .max_count = uint64_t{1} << 40,
                                         .counted = "terms"};
constexpr std::size_t kModelBytes3 = 16;

// Version 2 (still read): a 40-byte header of its own (magic, version, feature fingerprint,
// documents, entries, checksum), then `entries` records of (u64 term, u32 count). Its checksum
// is XXH3 of the payload seeded with XXH3 of the first 32 header bytes. Version 1 had no
// fingerprint and checked only the payload; it is not read.
constexpr uint32_t kDfVersion2 = 2;
constexpr std::size_t kDfHeader2 = 40;

using detail::get_u32;
using detail::get_u64;
using detail::put_u32;
using detail::put_u64;

using story_internal::slot_of;

}  // namespace

// ---------------------------------------------------------------------------------------------
// DocumentFrequencies

uint64_t DocumentFrequencies::frequency(uint64_t term) const noexcept {
  if (keys_.empty()) return 0;
  if (term == 0) term = 1;
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t i = slot_of(term, mask);; i = (i + 1) & mask) {
    if (keys_[i] == term) return counts_[i];
    if (keys_[i] == 0) return 0;
  }
}

void DocumentFrequencies::grow() {
  const std::size_t cap = keys_.empty() ? 1024 : keys_.size() * 2;
  std::vector<uint64_t> keys(cap, 0);
  std::vector<uint32_t> counts(cap, 0);
  const std::size_t mask = cap - 1;
  for (std::size_t j = 0; j < keys_.size(); ++j) {
    if (keys_[j] == 0) continue;
    std::size_t i = slot_of(keys_[j], mask);
    while (keys[i] != 0) i = (i + 1) & mask;
    keys[i] = keys_[j];
    counts[i] = counts_[j];
  }
  keys_.swap(keys);
  counts_.swap(counts);
}

namespace {
template <class Keys, class Counts>
void bump(Keys& keys, Counts& counts, std::size_t& size, uint64_t term, uint32_t by) {
  const std::size_t mask = keys.size() - 1;
  for (std::size_t i = slot_of(term, mask);; i = (i + 1) & mask) {
    if (keys[i] == term) {
      counts[i] = counts[i] > UINT32_MAX - by ? UINT32_MAX : counts[i] + by;
      return;
    }
    if (keys[i] == 0) {
      keys[i] = term;
      counts[i] = by;
      ++size;
      return;
    }
  }
}
}  // namespace

void DocumentFrequencies::add(std::span<const StoryTerm> doc) {
  ++documents_;
  // Each distinct term once (term 0 is stored as 1, so the two are one term here). The
  // featurizer's output is sorted, so duplicates are neighbours; other input is sorted first.
  const auto key = [](uint64_t term) { return term == 0 ? uint64_t{1} : term; };
  bool sorted = true;
  for (std::size_t i = 1; i < doc.size() && sorted; ++i) {
    sorted = key(doc[i - 1].term) <= key(doc[i].term);
  }
  const auto count = [&](uint64_t term, uint64_t& previous) {
    if (term == previous) return;
    previous = term;
    if ((size_ + 1) * 4 > keys_.size() * 3) grow();
    bump(keys_, counts_, size_, term, 1);
  };
  uint64_t previous = 0;  // never a stored key
  if (sorted) {
    for (const StoryTerm& t : doc) {
      if ((t.event & kEventOnly) == 0) count(key(t.term), previous);
    }
    return;
  }
  std::vector<uint64_t> terms;
  terms.reserve(doc.size());
  for (const StoryTerm& t : doc) {
    if ((t.event & kEventOnly) == 0) terms.push_back(key(t.term));  // particulars only: no df
  }
  std::sort(terms.begin(), terms.end());
  for (uint64_t t : terms) count(t, previous);
}

void DocumentFrequencies::merge(const DocumentFrequencies& other) {
  documents_ += other.documents_;
  if (feature_fingerprint_ == 0) feature_fingerprint_ = other.feature_fingerprint_;
  for (std::size_t j = 0; j < other.keys_.size(); ++j) {
    if (other.keys_[j] == 0) continue;
    if ((size_ + 1) * 4 > keys_.size() * 3) grow();
    bump(keys_, counts_, size_, other.keys_[j], other.counts_[j]);
  }
}

Status DocumentFrequencies::save(const std::string& path) const {
  return detail::save_file(path, kFormat, [this] {
    // Sorted by term, so that equal tables give byte-identical files.
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    entries.reserve(size_);
    for (std::size_t j = 0; j < keys_.size(); ++j) {
      if (keys_[j] != 0) entries.emplace_back(keys_[j], counts_[j]);
    }
    std::sort(entries.begin(), entries.end());
    const uint32_t rank = latent_ ? latent_->rank() : 0;
    const std::span<const uint64_t> vocabulary =
        rank > 0 ? latent_->vocabulary() : std::span<const uint64_t>();
    const auto columns = static_cast<uint32_t>(vocabulary.size());
    std::string file(detail::kFileHeaderBytes, '\0');
    file.reserve(detail::kFileHeaderBytes + 16 + kModelBytes + 32 + size_ * kDfRecord + 8 +
                 (rank > 0 ? 3 * 32 + columns * (8 + 4 * std::size_t{rank}) + 4 * rank + 16 : 0));
    detail::put_section_head(file, kTagModel, kModelBytes);
    put_u64(file, documents_);
    put_u32(file, feature_fingerprint_);
    put_u32(file, rank);
    put_u32(file, columns);
    put_u32(file, 0);
    detail::put_array_head(file, kTagTerms, size_, 3, 4);  // a row: 3 words of 4 bytes
    for (const auto& [term, count] : entries) {
      put_u64(file, term);
      put_u32(file, count);
    }
    detail::pad8(file);
    if (rank > 0) {
      detail::put_array_head(file, kTagLatentTerms, columns, 2, 4);  // a row: one u64
      for (uint64_t t : vocabulary) put_u64(file, t);
      detail::pad8(file);
      detail::put_array_head(file, kTagProjection, columns, rank, 4);
      for (float x : latent_->projection()) put_u32(file, std::bit_cast<uint32_t>(x));
      detail::pad8(file);
      detail::put_array_head(file, kTagMean, 1, rank, 4);
      for (float x : latent_->mean()) put_u32(file, std::bit_cast<uint32_t>(x));
      detail::pad8(file);
    }
    detail::finish_file(file, kFormat,
                        {{feature_fingerprint_, rank, columns, 0}, documents_, size_});
    return file;
  });
}

Result<DocumentFrequencies> DocumentFrequencies::load(const std::string& path) {
  Result<std::string> file = detail::read_whole_file(path);
  if (!file.ok()) return file.status();
  const std::string& bytes = *file;
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  // The magic and the version are where both versions keep them.
  const bool magic = bytes.size() >= kFormat.magic.size() &&
                     std::memcmp(bytes.data(), kFormat.magic.data(), kFormat.magic.size()) == 0;
  const uint32_t version = magic && bytes.size() >= 12 ? get_u32(bytes.data() + 8) : kDfVersion;
  if (version != kDfVersion && version != kDfVersion3 && version != kDfVersion2) {
    return Status::unsupported_version(
        path + ": IDF model version " + std::to_string(version) + ", this build reads versions " +
        std::to_string(kDfVersion2) + " to " + std::to_string(kDfVersion));
  }
  uint64_t documents = 0, entries = 0;
  uint32_t fingerprint = 0, rank = 0, columns = 0;
  const char* records = nullptr;  // `entries` rows of (u64 term, u32 count)
  std::string_view latent_terms, projection, mean;
  if (version == kDfVersion2) {
    if (bytes.size() < kDfHeader2) return corrupt("truncated header");
    documents = get_u64(bytes.data() + 16);
    entries = get_u64(bytes.data() + 24);
    const uint64_t checksum = get_u64(bytes.data() + 32);
    const uint64_t payload = bytes.size() - kDfHeader2;
    if (entries > payload / kDfRecord || entries * kDfRecord != payload) {
      return corrupt("truncated or oversized: the header promises " + std::to_string(entries) +
                     " entries, the payload has " + std::to_string(payload) + " bytes");
    }
    if (hash64(bytes.data() + kDfHeader2, payload, hash64(bytes.data(), 32, 0)) != checksum) {
      return corrupt("checksum mismatch (the model is corrupt)");
    }
    fingerprint = get_u32(bytes.data() + 12);
    records = bytes.data() + kDfHeader2;
  } else {
    const bool v4 = version == kDfVersion;
    Result<detail::CheckedFile> checked = detail::check_file(bytes, path, v4 ? kFormat : kFormat3);
    if (!checked.ok()) return checked.status();
    const detail::FileHeader& h = checked->header;
    if (!v4 && (h.fields32[1] != 0 || h.fields32[2] != 0)) {
      return corrupt("corrupt header (reserved field is not zero)");
    }
    fingerprint = h.fields32[0];
    rank = h.fields32[1];
    columns = h.fields32[2];
    documents = h.field64;
    entries = h.count;
    if (rank > 1000 || (rank == 0) != (columns == 0)) {
      return corrupt("corrupt header (latent rank " + std::to_string(rank) + " with " +
                     std::to_string(columns) + " columns)");
    }
    detail::SectionReader sections(checked->payload, path);
    Result<std::string_view> model =
        sections.next_sized(kTagModel, "model", v4 ? kModelBytes : kModelBytes3);
    if (!model.ok()) return model.status();
    if (get_u64(model->data()) != documents || get_u32(model->data() + 8) != fingerprint ||
        (v4 ? get_u32(model->data() + 12) != rank || get_u32(model->data() + 16) != columns ||
                  get_u32(model->data() + 20) != 0
            : get_u32(model->data() + 12) != 0)) {
      return corrupt(
          "inconsistent header: documents/fingerprint/latent rank differ from the model section");
    }
    Result<std::string_view> terms =
        sections.next_array(kTagTerms, "terms", entries, 3, 4, "12 bytes");
    if (!terms.ok()) return terms.status();
    records = terms->data();
    if (rank > 0) {
      Result<std::string_view> lt =
          sections.next_array(kTagLatentTerms, "latent terms", columns, 2, 4, "8 bytes");
      if (!lt.ok()) return lt.status();
      Result<std::string_view> pr = sections.next_array(kTagProjection, "projection", columns, rank,
                                                        4, std::to_string(rank) + " floats");
      if (!pr.ok()) return pr.status();
      Result<std::string_view> mn =
          sections.next_array(kTagMean, "mean", 1, rank, 4, std::to_string(rank) + " floats");
      if (!mn.ok()) return mn.status();
      latent_terms = *lt;
      projection = *pr;
      mean = *mn;
    }
    if (!sections.at_end()) return corrupt("inconsistent layout: data after the last section");
  }
  DocumentFrequencies df;
  try {
    std::size_t cap = 1024;
    while (cap * 3 < (entries + 1) * 4) cap *= 2;
    df.keys_.assign(cap, 0);
    df.counts_.assign(cap, 0);
    df.documents_ = documents;
    df.feature_fingerprint_ = fingerprint;
    const char* p = records;
    for (uint64_t i = 0; i < entries; ++i, p += kDfRecord) {
      const uint64_t term = get_u64(p);
      const uint32_t count = get_u32(p + 8);
      if (term == 0 || count == 0 || count > documents) {
        return corrupt("invalid entry " + std::to_string(i));
      }
      bump(df.keys_, df.counts_, df.size_, term, count);
    }
    if (df.size_ != entries) return corrupt("duplicate terms");
    if (rank > 0) {
      std::vector<uint64_t> vocabulary(columns);
      for (uint32_t c = 0; c < columns; ++c) vocabulary[c] = get_u64(latent_terms.data() + 8 * c);
      const auto floats = [](std::string_view bytes_of, std::size_t n) {
        std::vector<float> out(n);
        for (std::size_t i = 0; i < n; ++i)
          out[i] = std::bit_cast<float>(get_u32(bytes_of.data() + 4 * i));
        return out;
      };
      Result<StoryLatentSpace> space = StoryLatentSpace::from_parts(
          std::move(vocabulary), floats(projection, std::size_t{columns} * rank),
          floats(mean, rank), rank);
      if (!space.ok()) return corrupt("invalid latent space: " + space.status().message());
      df.latent_ = std::make_shared<const StoryLatentSpace>(std::move(*space));
    }
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the model");
  }
  return df;
}

}  // namespace neardup

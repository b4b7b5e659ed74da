// Document frequencies: the counting table and its IDF model file (see
// neardup/advanced/document_frequencies.h).
#include "neardup/advanced/document_frequencies.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "detail/binary_io.h"
#include "neardup/advanced/hash.h"
#include "story/story_internal.h"

namespace neardup {
namespace {

// ---------------------------------------------------------------------------------------------
// Document-frequency file: 40-byte header (magic, version 2, feature fingerprint, documents,
// entries, checksum), then `entries` records of (u64 term, u32 count), little endian. The
// checksum is XXH3 of the payload seeded with XXH3 of the first 32 header bytes, so a flipped
// bit anywhere is caught. Version 1 had no fingerprint and checked only the payload.
constexpr char kDfMagic[8] = {'N', 'D', 'U', 'P', 'I', 'D', 'F', '1'};
constexpr uint32_t kDfVersion = 2;
constexpr std::size_t kDfHeader = 40;
constexpr std::size_t kDfRecord = 12;

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
    for (const StoryTerm& t : doc) count(key(t.term), previous);
    return;
  }
  std::vector<uint64_t> terms;
  terms.reserve(doc.size());
  for (const StoryTerm& t : doc) terms.push_back(key(t.term));
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
  std::string payload;
  try {
    payload.reserve(size_ * kDfRecord);
    // Sorted by term, so that equal tables give byte-identical files.
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    entries.reserve(size_);
    for (std::size_t j = 0; j < keys_.size(); ++j) {
      if (keys_[j] != 0) entries.emplace_back(keys_[j], counts_[j]);
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& [term, count] : entries) {
      put_u64(payload, term);
      put_u32(payload, count);
    }
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory serializing the model");
  }
  std::string header(kDfMagic, sizeof kDfMagic);
  put_u32(header, kDfVersion);
  put_u32(header, feature_fingerprint_);
  put_u64(header, documents_);
  put_u64(header, size_);
  put_u64(header, hash64(payload.data(), payload.size(), hash64(header.data(), header.size(), 0)));
  try {
    header.append(payload);
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory serializing the model");
  }
  return detail::write_file_atomically(path, header);
}

Result<DocumentFrequencies> DocumentFrequencies::load(const std::string& path) {
  Result<std::string> file = detail::read_whole_file(path);
  if (!file.ok()) return file.status();
  const std::string& bytes = *file;
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  if (bytes.size() < sizeof kDfMagic || std::memcmp(bytes.data(), kDfMagic, sizeof kDfMagic) != 0) {
    return corrupt("not a neardup IDF model (bad magic)");
  }
  if (bytes.size() < kDfHeader) return corrupt("truncated header");
  const uint32_t version = get_u32(bytes.data() + 8);
  if (version != kDfVersion) {
    return Status::unsupported_version(path + ": IDF model version " + std::to_string(version) +
                                       ", this build reads version " + std::to_string(kDfVersion));
  }
  const uint64_t documents = get_u64(bytes.data() + 16);
  const uint64_t entries = get_u64(bytes.data() + 24);
  const uint64_t checksum = get_u64(bytes.data() + 32);
  const uint64_t payload = bytes.size() - kDfHeader;
  if (entries > payload / kDfRecord || entries * kDfRecord != payload) {
    return corrupt("truncated or oversized: the header promises " + std::to_string(entries) +
                   " entries, the payload has " + std::to_string(payload) + " bytes");
  }
  if (hash64(bytes.data() + kDfHeader, payload, hash64(bytes.data(), 32, 0)) != checksum) {
    return corrupt("checksum mismatch (the model is corrupt)");
  }
  DocumentFrequencies df;
  try {
    std::size_t cap = 1024;
    while (cap * 3 < (entries + 1) * 4) cap *= 2;
    df.keys_.assign(cap, 0);
    df.counts_.assign(cap, 0);
    df.documents_ = documents;
    df.feature_fingerprint_ = get_u32(bytes.data() + 12);
    const char* p = bytes.data() + kDfHeader;
    for (uint64_t i = 0; i < entries; ++i, p += kDfRecord) {
      const uint64_t term = get_u64(p);
      const uint32_t count = get_u32(p + 8);
      if (term == 0 || count == 0 || count > documents) {
        return corrupt("invalid entry " + std::to_string(i));
      }
      bump(df.keys_, df.counts_, df.size_, term, count);
    }
    if (df.size_ != entries) return corrupt("duplicate terms");
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the model");
  }
  return df;
}

}  // namespace neardup

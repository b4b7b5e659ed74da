// The ids of an index's documents (NearDupIndex, SimHashIndex), numbered 0, 1, 2, ... in the
// order they were added, and a chained hash table from an id to its documents. Removing
// documents unlinks them from the table; their ids stay (a saved index drops them), and which
// documents are removed is the index's own record. In memory only: never part of a file.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/status.h"

namespace neardup::detail {

class IdTable {
 public:
  // 2^bits chain heads.
  explicit IdTable(unsigned bits) : heads_(std::size_t{1} << bits, kNone) {}

  // The hash the table files `id` under (computed before taking an index's lock).
  static uint64_t hash(std::string_view id) noexcept;

  std::size_t size() const noexcept { return end_.size(); }  // documents, removed ones too
  std::size_t id_bytes() const noexcept { return bytes_.size(); }
  std::string_view id(std::size_t doc) const noexcept {
    const uint64_t b = doc == 0 ? 0 : end_[doc - 1];
    return std::string_view(bytes_).substr(b, end_[doc] - b);
  }
  // Log2 of the chain heads.
  unsigned bits() const noexcept { return static_cast<unsigned>(std::countr_zero(heads_.size())); }
  bool contains(std::string_view id, uint64_t id_hash) const noexcept;

  // Why `id` cannot be added as document size(): an id longer than kMaxIndexIdBytes, or
  // kMaxIndexDocuments documents already.
  Status check_add(std::string_view id) const;
  // Capacity for add(id), so that it cannot throw (std::bad_alloc leaves the table as it was).
  void make_room_for(std::string_view id);
  // Adds document size() under `id` (no allocation once make_room_for(id) succeeded).
  void add(std::string_view id);

  // Unlinks every document with this id, calling removed(doc) for each; returns how many.
  template <typename Removed>
  std::size_t erase(std::string_view id, uint64_t id_hash, Removed removed) noexcept {
    std::size_t n = 0;
    uint32_t* at = &heads_[bucket(id_hash)];
    while (*at != kNone) {
      const uint32_t d = *at;
      if (this->id(d) == id) {
        *at = next_[d];  // unlink; `at` now points at the next document
        removed(d);
        ++n;
      } else {
        at = &next_[d];
      }
    }
    return n;
  }

  // Relinks the documents live(doc) accepts under 2^bits chain heads. Allocates first, so on
  // std::bad_alloc nothing changed.
  template <typename Live>
  void rehash(unsigned bits, Live live) {
    std::vector<uint32_t> heads(std::size_t{1} << bits, kNone);
    heads_.swap(heads);  // no allocation below
    for (std::size_t d = 0; d < size(); ++d) {
      if (live(d)) link(static_cast<uint32_t>(d));
    }
  }

  void reserve(std::size_t documents);
  std::size_t memory_bytes() const noexcept;  // heap bytes (capacity)

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  std::size_t bucket(uint64_t id_hash) const noexcept {
    return static_cast<std::size_t>(id_hash >> (64 - bits()));
  }
  void link(uint32_t doc) noexcept;

  std::string bytes_;          // the ids, concatenated
  std::vector<uint64_t> end_;  // per document: where its id ends in bytes_
  std::vector<uint32_t> heads_;
  std::vector<uint32_t> next_;  // per document: the next document in its chain
};

}  // namespace neardup::detail

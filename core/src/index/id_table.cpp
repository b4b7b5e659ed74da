#include "index/id_table.h"

#include <algorithm>

#include "index/index_support.h"
#include "neardup/advanced/hash.h"
#include "neardup/advanced/index.h"

namespace neardup::detail {

namespace {
// Seed of the id hash (the table is in memory only, so this never reaches a file).
constexpr uint64_t kIdHashSeed = 0x6e64757069647321ull;
}  // namespace

uint64_t IdTable::hash(std::string_view id) noexcept { return hash64(id, kIdHashSeed); }

bool IdTable::contains(std::string_view id, uint64_t id_hash) const noexcept {
  for (uint32_t d = heads_[bucket(id_hash)]; d != kNone; d = next_[d]) {
    if (this->id(d) == id) return true;
  }
  return false;
}

Status IdTable::check_add(std::string_view id) const {
  if (id.size() > kMaxIndexIdBytes) {
    return Status::invalid_argument("id of " + std::to_string(id.size()) +
                                    " bytes exceeds the limit of " +
                                    std::to_string(kMaxIndexIdBytes));
  }
  if (size() >= kMaxIndexDocuments) {
    return Status::out_of_range("index is full (" + std::to_string(size()) + " documents)");
  }
  return Status();
}

void IdTable::make_room_for(std::string_view id) {
  if (bytes_.capacity() - bytes_.size() < id.size()) {
    bytes_.reserve(std::max(bytes_.capacity() * 2, bytes_.size() + id.size()));
  }
  make_room(end_);
  make_room(next_);
}

void IdTable::add(std::string_view id) {
  bytes_.append(id);
  end_.push_back(bytes_.size());
  next_.push_back(kNone);
  link(static_cast<uint32_t>(size() - 1));
}

void IdTable::link(uint32_t doc) noexcept {
  const std::size_t h = bucket(hash(id(doc)));
  next_[doc] = heads_[h];
  heads_[h] = doc;
}

void IdTable::reserve(std::size_t documents) {
  end_.reserve(documents);
  next_.reserve(documents);
}

std::size_t IdTable::memory_bytes() const noexcept {
  return bytes_.capacity() + vector_bytes(end_) + vector_bytes(heads_) + vector_bytes(next_);
}

}  // namespace neardup::detail

// The skeleton both persistent indexes share (NearDupIndex on MinHash signatures, SimHashIndex on
// SimHash fingerprints): the documents' ids and flags, the lock, the scratch pool, add /
// add_if_new / query / remove on a sketch, growth that cannot fail half-way, memory accounting,
// and the file's frame (header, options section, ids section, then the kind's own sections).
//
// A Kind supplies only what depends on the sketch:
//   using Options, Value (what add/query take: a signature span, a fingerprint), Scratch (with a
//     `shingler` and `found`, the ranked (score, document) matches);
//   static constexpr FileFormat kFormat; doc_bytes() (the bytes a saved document's sketch and
//     flags take, to size the file buffer);
//   pipeline(), check(value), sketch(text, scratch) -> Value, prepare(value, scratch) (before
//     the lock: band keys), find_locked(value, scratch, max, docs) -> Status, similarity(score),
//     flags_of(value);
//   make_room(docs) (may throw std::bad_alloc), prepare_rehash(bits) / commit_rehash(prepared,
//     bits, docs) (allocate, then relink without allocating), append(doc, value, scratch) ->
//     Status (the last step of an add that may fail; no allocation), erase(doc, docs) noexcept,
//     reserve(n), memory_bytes();
//   put_options(file) (kOptionsBytes), put_sketches(file, docs, count), file_header(count);
//   static read_options(bytes, header, path) -> Result<Stored>, static read_sketches(sections,
//     stored, count, path) -> Result<Sketches> (with value(d) -> Value), static
//     create(stored, path) -> Result<Kind>.
// Locking: the index's shared_mutex guards the documents and everything in the Kind that
// changes; the Kind's find_locked/append/erase/commit_rehash run with it held.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/binary_io.h"
#include "index/id_table.h"
#include "index/index_file.h"
#include "index/index_support.h"
#include "index/scratch_pool.h"
#include "neardup/advanced/index.h"
#include "neardup/status.h"

namespace neardup::detail {

// Per-document flags. In files only kEmptyDoc appears (a saved index holds no removed documents).
inline constexpr uint8_t kEmptyDoc = 1;    // no shingles: stored, but matches nothing
inline constexpr uint8_t kRemovedDoc = 2;  // removed: never a match again, dropped on save

// The sections every index file starts its payload with.
inline constexpr uint32_t kTagOptions = 1;
inline constexpr uint32_t kTagIds = 2;
inline constexpr std::size_t kOptionsBytes = 64;

// The documents of an index, whatever their sketch: numbered 0, 1, 2, ... in add order.
struct DocTable {
  static constexpr unsigned kMinTableBits = 4;

  // The ids. Removed documents are unlinked from it and flagged kRemovedDoc.
  IdTable ids{kMinTableBits};
  std::vector<uint8_t> flags;
  std::size_t docs = 0;     // document numbers handed out (live and removed)
  std::size_t removed = 0;  // removed documents among them

  std::size_t live() const noexcept { return docs - removed; }
  bool is_live(std::size_t d) const noexcept { return (flags[d] & kRemovedDoc) == 0; }
  bool is_empty(std::size_t d) const noexcept { return (flags[d] & kEmptyDoc) != 0; }
  // Log2 of the id table's chain heads (doubled when the documents outnumber them; MinHash's
  // band tables follow it, see rehash()).
  unsigned table_bits() const noexcept { return ids.bits(); }
};

template <class Kind>
class PersistentIndex {
 public:
  using Value = typename Kind::Value;
  using Scratch = typename Kind::Scratch;

  explicit PersistentIndex(Kind kind) : kind_(std::move(kind)) {}
  PersistentIndex(const PersistentIndex&) = delete;
  PersistentIndex& operator=(const PersistentIndex&) = delete;

  // A pooled scratch whose shingler is made on first use.
  struct Lease : ShinglerLease<Scratch> {
    explicit Lease(const PersistentIndex& index)
        : ShinglerLease<Scratch>(index.pool_, index.kind_.pipeline()) {}
  };

  // Set at creation, never changed: safe to read without the lock.
  const Kind& kind() const noexcept { return kind_; }

  // --- on a text: sketched before any lock is taken -------------------------------------------

  Status add(std::string_view id, std::string_view text) {
    Lease s(*this);
    return insert(id, kind_.sketch(text, *s), *s);
  }
  Result<std::vector<IndexMatch>> query(std::string_view text, std::size_t max_results) const {
    Lease s(*this);
    return find(kind_.sketch(text, *s), *s, max_results);
  }
  Result<AddIfNewResult> add_if_new(std::string_view id, std::string_view text) {
    Lease s(*this);
    return insert_if_new(id, kind_.sketch(text, *s), *s);
  }

  // --- on a sketch the caller made (check() rejects one of the wrong shape) --------------------

  Status add_value(std::string_view id, const Value& v) {
    NEARDUP_RETURN_IF_ERROR(kind_.check(v));
    Lease s(*this);
    return insert(id, v, *s);
  }
  Result<std::vector<IndexMatch>> query_value(const Value& v, std::size_t max_results) const {
    NEARDUP_RETURN_IF_ERROR(kind_.check(v));
    Lease s(*this);
    return find(v, *s, max_results);
  }
  Result<AddIfNewResult> add_if_new_value(std::string_view id, const Value& v) {
    NEARDUP_RETURN_IF_ERROR(kind_.check(v));
    Lease s(*this);
    return insert_if_new(id, v, *s);
  }

  // --- documents ----------------------------------------------------------------------------

  Result<std::size_t> remove(std::string_view id) {
    const uint64_t h = IdTable::hash(id);
    std::unique_lock lock(mu_);
    return docs_.ids.erase(id, h, [this](uint32_t d) {
      kind_.erase(d, docs_);
      docs_.flags[d] |= kRemovedDoc;
      ++docs_.removed;
    });
  }

  bool contains(std::string_view id) const {
    const uint64_t h = IdTable::hash(id);
    std::shared_lock lock(mu_);
    return docs_.ids.contains(id, h);
  }

  std::size_t size() const {
    std::shared_lock lock(mu_);
    return docs_.live();
  }

  std::size_t memory_bytes() const {
    std::shared_lock lock(mu_);
    return sizeof(*this) + kind_.memory_bytes() + docs_.ids.memory_bytes() +
           vector_bytes(docs_.flags);
  }

  // Capacity for `documents` in total, and id and table chains sized for them so that adding
  // them never relinks. A hint: running out of memory leaves the index as it was.
  void reserve(std::size_t documents) {
    std::unique_lock lock(mu_);
    try {
      docs_.ids.reserve(documents);
      docs_.flags.reserve(documents);
      kind_.reserve(documents);
      const auto bits = static_cast<unsigned>(std::bit_width(documents > 1 ? documents - 1 : 1));
      if (bits > docs_.table_bits() && bits < 32) rehash(bits);
    } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): reserve is only a hint
    }
  }

  // --- files --------------------------------------------------------------------------------

  // The file's bytes, copied under the shared lock (queries continue; writers wait for the
  // copy). The header is filled in last (it holds the payload's size and checksum), in place,
  // so the payload is never copied a second time.
  std::string serialize() const {
    std::shared_lock lock(mu_);
    std::string file(kFileHeaderBytes, '\0');
    const std::size_t count = docs_.live();
    // Header, the section heads, options, id bytes, per document an id length and its sketch,
    // and padding.
    file.reserve(kFileHeaderBytes + std::size_t{64} + kOptionsBytes + docs_.ids.id_bytes() +
                 count * (4 + kind_.doc_bytes()) + 64);
    put_section_head(file, kTagOptions, kOptionsBytes);
    kind_.put_options(file);
    // ids (removed documents are not written: a saved index is compact)
    put_ids_section(
        file, kTagIds, docs_.docs, [this](std::size_t d) { return docs_.is_live(d); },
        [this](std::size_t d) { return docs_.ids.id(d); });
    kind_.put_sketches(file, docs_, count);
    pad8(file);
    const FileHeader header = kind_.file_header(count);
    lock.unlock();  // the rest works on this copy only
    finish_file(file, Kind::kFormat, header);
    return file;
  }

  Status save(const std::string& path) const {
    return save_file(path, Kind::kFormat, [this] { return serialize(); });
  }

  // The inverse of serialize(), as a new `Index` (a PersistentIndex<Kind> or a class derived
  // from it). Checks the frame, then the kind's options and sections, before allocating from
  // any count; rebuilds the tables by adding the documents in order.
  template <class Index>
  static Result<std::unique_ptr<Index>> deserialize(std::string_view file,
                                                    const std::string& path) {
    const auto corrupt = [&path](const std::string& what) {
      return Status::corrupt_data(path + ": " + what);
    };
    Result<CheckedFile> checked = check_file(file, path, Kind::kFormat);
    if (!checked.ok()) return checked.status();
    const uint64_t count = checked->header.count;
    // Sections, in order, nothing else.
    SectionReader sections(checked->payload, path);
    Result<std::string_view> options = sections.next_sized(kTagOptions, "options", kOptionsBytes);
    if (!options.ok()) return options.status();
    Result<typename Kind::Stored> stored =
        Kind::read_options(options->data(), checked->header, path);
    if (!stored.ok()) return stored.status();
    Result<IdsReader> ids = IdsReader::read(sections, kTagIds, count);
    if (!ids.ok()) return ids.status();
    Result<typename Kind::Sketches> sketches = Kind::read_sketches(sections, *stored, count, path);
    if (!sketches.ok()) return sketches.status();
    if (!sections.at_end()) return corrupt("inconsistent layout: data after the last section");

    // Everything checked: build the index (its tables are rebuilt from the sketches).
    return guarded_rebuild(path, Kind::kFormat, [&]() -> Result<std::unique_ptr<Index>> {
      Result<Kind> kind = Kind::create(*stored, path);
      if (!kind.ok()) return kind.status();
      auto index = std::make_unique<Index>(std::move(*kind));
      PersistentIndex& x = *index;
      x.reserve(static_cast<std::size_t>(count));
      Lease s(x);
      std::unique_lock lock(x.mu_);
      for (uint64_t d = 0; d < count; ++d) {
        const std::string_view id = ids->next();
        const Value v = sketches->value(d);
        x.kind_.prepare(v, *s);
        if (Status st = x.insert_locked(id, v, *s); !st.ok()) {
          return corrupt("cannot rebuild: " + st.message());
        }
      }
      lock.unlock();
      return index;
    });
  }

 private:
  // A found (score, document) as a match; a Kind with annotate(match, found, scratch) fills in
  // what the score alone cannot say (ContainmentKind: exact containments). Lock held.
  IndexMatch match_of(const std::pair<uint32_t, uint32_t>& found, const Scratch& s) const {
    IndexMatch m;
    m.id = std::string(docs_.ids.id(found.second));
    m.similarity = kind_.similarity(found.first);
    if constexpr (requires { kind_.annotate(m, found, s); }) kind_.annotate(m, found, s);
    return m;
  }

  Status insert(std::string_view id, const Value& v, Scratch& s) {
    kind_.prepare(v, s);
    std::unique_lock lock(mu_);
    return insert_locked(id, v, s);
  }

  Result<std::vector<IndexMatch>> find(const Value& v, Scratch& s, std::size_t max_results) const {
    kind_.prepare(v, s);
    std::vector<IndexMatch> out;
    std::shared_lock lock(mu_);
    NEARDUP_RETURN_IF_ERROR(kind_.find_locked(v, s, max_results, docs_));
    out.reserve(s.found.size());
    for (const auto& m : s.found) out.push_back(match_of(m, s));
    return out;
  }

  // The check and the insert under one exclusive lock, so they are atomic.
  Result<AddIfNewResult> insert_if_new(std::string_view id, const Value& v, Scratch& s) {
    kind_.prepare(v, s);
    std::unique_lock lock(mu_);
    NEARDUP_RETURN_IF_ERROR(kind_.find_locked(v, s, 1, docs_));
    AddIfNewResult r;
    if (!s.found.empty()) {
      r.match = match_of(s.found.front(), s);
      return r;
    }
    NEARDUP_RETURN_IF_ERROR(insert_locked(id, v, s));
    r.added = true;
    return r;
  }

  // Relinks the id chains and the kind's tables with 2^bits heads. Allocates first, so on
  // std::bad_alloc nothing changed.
  void rehash(unsigned bits) {
    auto prepared = kind_.prepare_rehash(bits);
    docs_.ids.rehash(bits, [this](std::size_t d) { return docs_.is_live(d); });  // last allocation
    kind_.commit_rehash(std::move(prepared), bits, docs_);
  }

  // Adds a document; exclusive lock held. Everything that can fail (allocation, the kind's
  // append) happens before the first change, so a failed add leaves the index as it was (apart
  // from spare capacity).
  Status insert_locked(std::string_view id, const Value& v, Scratch& s) {
    NEARDUP_RETURN_IF_ERROR(docs_.ids.check_add(id));
    const bool grow = docs_.docs + 1 > (std::size_t{1} << docs_.table_bits());
    try {
      kind_.make_room(docs_.docs);
      docs_.ids.make_room_for(id);
      make_room(docs_.flags);
      if (grow) rehash(docs_.table_bits() + 1);  // the last allocation
    } catch (const std::bad_alloc&) {
      return Status::out_of_range("out of memory adding document " + std::to_string(docs_.docs));
    }
    NEARDUP_RETURN_IF_ERROR(kind_.append(docs_.docs, v, s));
    // No allocation below.
    docs_.ids.add(id);
    docs_.flags.push_back(kind_.flags_of(v));
    ++docs_.docs;
    return Status();
  }

  Kind kind_;
  mutable std::shared_mutex mu_;  // guards docs_ and the kind's tables
  DocTable docs_;
  ScratchPool<Scratch> pool_;
};

}  // namespace neardup::detail

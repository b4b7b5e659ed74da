// NearDupIndex: a persistent, thread-safe "have I (nearly) seen this page?" index.
//
//   auto index = neardup::NearDupIndex::create({.similarity = {.threshold = 0.8}});      // or
//   load("crawl.ndx") neardup::Result<neardup::AddIfNewResult> r = index->add_if_new(url,
//   page_text); if (r.ok() && !r->added) skip(url, r->match.id, r->match.similarity); auto matches
//   = index->query(other_text);              // best first, similarity >= threshold neardup::Status
//   st = index->save("crawl.ndx");        // atomic replace (path.tmp + rename)
//
// A document is normalized, shingled and signed with MinHash (IndexOptions::similarity's
// pipeline and minhash); the index stores its id and its 32-bit signature (the high half of every
// slot, see minhash.h) and enters it in banded LSH tables. A query signs its text the same way,
// collects the documents sharing at least one band, and verifies each candidate by the 32-bit
// signature estimate of the Jaccard similarity (fraction of equal slots; standard deviation
// sqrt(J(1-J)/num_perm), e.g. 0.035 at J = 0.8, 128 slots). Shingle sets are never stored.
// Empty documents (no shingles) are stored but match nothing (see minhash.h).
//
// Band keys are lsh_band_key() of the 32-bit signature widened to 64 bits per slot, so the LSH
// tables are a function of the stored signatures: they are not saved, but rebuilt on load.
// The bands x rows actually used are stored in the file, so an index loaded by a later build
// keeps its banding even if LshParams::for_recall() changes.
//
// Removal: remove(id) unlinks every document with that id from the LSH chains and the id table
// at once (it is never a candidate again) and flags it removed; its signature and id bytes stay
// allocated until the index is saved and loaded again (save() writes live documents only, so a
// saved file is compact and document numbers are renumbered densely, in add order). Ids are not
// required to be unique; remove() removes all documents carrying the id.
//
// Thread safety: any number of threads may call query(), sign(), size(), contains(),
// memory_bytes() and save() concurrently with each other and with ONE thread (or several: they
// serialize) calling add(), add_if_new(), remove() and reserve(). Normalizing, shingling and
// signing happen before any lock is taken; the index itself is guarded by a std::shared_mutex
// (readers shared, writers exclusive), so a query sees every add that completed before it took its
// lock, and add_if_new()'s check and insert are atomic with respect to other writers. Per-call
// scratch buffers come from an internal pool (a mutex held only to pop/push a pointer). Moving an
// index is not thread-safe.
//
// Memory per document at 128 slots, b bands: 512 B signature + 12*b B of band entries (64-bit key
// and a chain link per band; b = 14 at threshold 0.8) + 4*(b+1)*(1..2) B of bucket heads (load
// factor 0.5..1) + 8 B id offset + 4 B id chain + 1 B removed flag + the id bytes, with vector
// growth slack on top: about 840 B/doc for 100k documents with 9-byte ids; index_test.cpp
// asserts memory_bytes()/size() <= 1 KiB there.
// Growing the bucket arrays (at each power of two) relinks every document under the exclusive
// lock: an O(n * b) pause for queries, amortized O(b) per add. reserve(n) sizes them for n
// documents up front, so adds up to n never relink (load() does this for the stored count).
// Likewise the per-document arrays (band keys and links, ids) double when full, and the add that
// crosses the capacity copies them under the exclusive lock: measured 6 s at 10M documents on the
// test VM. A long-running service should reserve() its expected size (plus headroom) up front.
//
// File format (version 1, little-endian; save() output is a deterministic function of the added
// documents and options, so the same inputs give a byte-identical file):
//   header, 64 bytes:
//     0  char[8] magic "NDUPINDX"           8  u32 format version (1)   12 u32 kind (1)
//     16 u32 num_perm                      20 u32 bands               24 u32 rows
//     28 u32 reserved (0)                  32 u64 minhash seed        40 u64 document count
//     48 u64 payload bytes (file size-64)  56 u64 XXH3-64 (seed 0) of the payload
//   payload: tagged sections, each {u32 tag, u32 0, u64 length, bytes, zero padding to 8}, in
//   this order: 1 = options (shingle kind, k, seed; normalize and tokenize flags; MinHash
//   scheme, num_perm, seed; threshold; bands/rows as given and as used: 64 bytes), 2 = ids (u64
//   count, u32 length per id, the id bytes), 3 = signatures (u64 count, u32 num_perm, u32 0,
//   count*num_perm u32 slots).
// load() checks, with distinct messages: the magic (kCorruptData "not a neardup index"), the
// version (kUnsupportedVersion), the size against the header (truncated / trailing bytes), the
// checksum, the section layout and every count against the bytes actually present (before
// allocating anything from a count) and against the header (kCorruptData "inconsistent ...").
// Every header field is either checked directly or repeated in the checksummed payload, so a
// changed byte anywhere in the file is detected.
// Snapshot saves: serialize() copies the index into one buffer under the SHARED lock, so queries
// keep running during a save and the file is a consistent snapshot of the index at one instant
// (every add/remove that completed before serialize() took the lock, none after); writers wait
// only for that in-memory copy (BM_Index_Serialize: 0.31 s per 100k documents = 51 MB on the
// 2-core test VM, mostly first-touch page faults of the buffer), not for the disk. The buffer is
// then written to a unique temporary file, fsync()ed and renamed over `path`, so a crash leaves
// either the old or the new file, and concurrent saves cannot mix. Peak memory during save: the
// index plus one file-sized buffer. load() maps the file read-only (mmap), validates header,
// checksum and layout on the mapping, then COPIES the signatures and ids into the index's own
// memory and rebuilds the LSH tables (tables pre-sized, no relinking); the mapping is dropped
// before load() returns. So start-up costs one sequential read of the file plus O(n * b) hashing,
// with no second in-memory copy of the file, and the loaded index grows with add() like a new one.
// (The signatures are not used in place from the mapping: the index must stay writable and outlive
// the file.) The file must not be truncated by another process while load() runs (that would fault
// the mapping). Version 1 is the only format so far; a file with any other version is rejected with
// kUnsupportedVersion and a message naming both versions.
//
// Cost: sign ~ shingling + MinHash of the text; query O(bands + candidates * num_perm) after
// signing; add O(bands) amortized (tables double). No allocation per call once warm, except the
// returned matches and ids. Measured (bench_index, 1 thread, 200-word ~1.2 KB texts, 128 slots,
// 100k documents): query 4.1 us (~240k/s; signing is ~90% of it), query_signature 0.54 us,
// add_if_new 6.2 us. At scale (BM_Index_Latency, synthesized signatures, half the queries
// found): query_signature p50/p99 0.60/1.2 us at 100k, 1.15/2.3 us at 1M, 2.0/4.3 us at 10M
// documents; query of a text p50/p99 4.0/5.5, 5.1/7.9, 6.0/29 us; add_if_new_signature 2.1-3.3 us.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/lsh_index.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/similarity.h"
#include "neardup/status.h"

namespace neardup {

struct IndexOptions {
  // Shingles, MinHash, the estimated Jaccard similarity at which a document matches (default
  // 0.8) and the LSH shape (similarity.h).
  SimilarityOptions similarity;

  Status validate() const { return similarity.validate(); }
  LshParams lsh_params() const { return similarity.lsh_params(); }  // explicit or derived
};

struct IndexMatch {
  std::string id;
  double similarity = 0;  // estimated Jaccard similarity (fraction of equal 32-bit slots)
  // ContainmentIndex only (0 otherwise): the exact |Q ∩ M| / |Q| and |Q ∩ M| / |M| of the
  // query Q and this match M (containment_index.h); `similarity` is the larger qualifying one.
  double query_in_match = 0;
  double match_in_query = 0;
};

struct AddIfNewResult {
  bool added = false;  // true: the document was new and is now in the index
  IndexMatch match;    // when !added: the best match (the reason it was not added)
};

inline constexpr uint32_t kIndexFormatVersion = 1;
// Longest id accepted by add() (ids are opaque bytes; uniqueness is not checked).
inline constexpr std::size_t kMaxIndexIdBytes = std::size_t{1} << 20;
// Most documents one index holds (document numbers are 32-bit).
inline constexpr std::size_t kMaxIndexDocuments = 0xFFFFFFF0u;

class NearDupIndex {
 public:
  static Result<NearDupIndex> create(IndexOptions options);
  // Errors: kIoError (cannot open/read), kCorruptData (not an index, truncated, checksum,
  // inconsistent), kUnsupportedVersion. Messages start with the path.
  static Result<NearDupIndex> load(const std::string& path);

  NearDupIndex(NearDupIndex&&) noexcept;
  NearDupIndex& operator=(NearDupIndex&&) noexcept;
  ~NearDupIndex();

  // Adds `text` under `id`. Errors: id longer than kMaxIndexIdBytes, index full.
  Status add(std::string_view id, std::string_view text);
  // Matches with estimated Jaccard >= threshold, best first; ties: earlier added first.
  Result<std::vector<IndexMatch>> query(std::string_view text, std::size_t max_results = 10) const;
  // If some document matches, returns it (best, as query()) and adds nothing; otherwise adds.
  Result<AddIfNewResult> add_if_new(std::string_view id, std::string_view text);
  // Removes every document with this id (see "Removal" above); returns how many (0: none).
  Result<std::size_t> remove(std::string_view id);
  // Whether a (not removed) document has this id.
  bool contains(std::string_view id) const;

  // The same operations on a signature from sign() (out.size() == num_perm()), so that callers
  // can sign on many threads and add in a fixed order.
  Status sign(std::string_view text, std::span<uint32_t> out) const;
  Status add_signature(std::string_view id, std::span<const uint32_t> signature);
  Result<std::vector<IndexMatch>> query_signature(std::span<const uint32_t> signature,
                                                  std::size_t max_results = 10) const;
  Result<AddIfNewResult> add_if_new_signature(std::string_view id,
                                              std::span<const uint32_t> signature);

  // Capacity and LSH chain heads for `documents` in total (a hint: ignored if out of memory).
  void reserve(std::size_t documents);
  // Documents in the index (removed ones are not counted).
  std::size_t size() const;
  // Heap bytes held (signatures, ids, LSH tables; capacity, not just size).
  std::size_t memory_bytes() const;
  const IndexOptions& options() const noexcept;
  const LshParams& lsh_params() const noexcept;
  uint32_t num_perm() const noexcept;

  // Writes the index to `path` (via path + ".tmp" and a rename). Errors: kIoError.
  Status save(const std::string& path) const;
  // The bytes save() writes, and the inverse of that (load() without the file; `name` starts
  // the error messages).
  std::string serialize() const;
  static Result<NearDupIndex> deserialize(std::string_view bytes, const std::string& name);

 private:
  struct State;
  explicit NearDupIndex(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace neardup

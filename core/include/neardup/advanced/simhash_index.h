// SimHashIndex: a persistent, thread-safe "have I (nearly) seen this page?" index on SimHash
// fingerprints: the SimHash counterpart of NearDupIndex (index.h), and the engine behind
// Deduplicator's kSimHash backend (deduplicator.h).
//
//   auto index = neardup::SimHashIndex::create({.max_distance = 3});   // or load("crawl.nds")
//   neardup::Result<neardup::AddIfNewResult> r = index->add_if_new(url, page_text);
//   if (r.ok() && !r->added) skip(url, r->match.id, r->match.similarity);   // 1 - d / bits
//   auto matches = index->query(other_text);           // closest first, d <= max_distance
//   neardup::Status st = index->save("crawl.nds");     // atomic replace, consistent snapshot
//
// A document is normalized and shingled (options.pipeline, default word:5) and fingerprinted
// with SimHash over its shingle hashes, term-frequency weighted (every occurrence weighs 1, see
// simhash.h; TF-IDF needs the document frequencies of a corpus and is not offered for a
// streaming index). The index stores the id and enters the fingerprint in a HammingIndex
// (hamming_index.h: permuted block tables). A query fingerprints its text the same way and gets
// every stored document whose fingerprint is within max_distance bits, exactly: the block tables
// have no false negatives (hamming_index_test.cpp checks them against brute force).
//
// Similarity: a match reports similarity = 1 - d / bits for a Hamming distance d, so identical
// fingerprints give 1 and a match always has similarity >= 1 - max_distance / bits (0.953 at the
// default 3 of 64 bits). This is not a Jaccard estimate: E[d / bits] = theta / pi, where theta is
// the angle between the two documents' shingle-count vectors (Charikar 2002), so 1 - d / bits
// estimates 1 - theta / pi. Rough guide for word:5 shingles, 64 bits, 200-word pages (1000
// pairs): replacing the last word (1 of 196 shingles) moves ~2 bits (89% within 3); replacing
// a middle word (5 shingles) ~4 bits (36% within 3, 83% within 6); unrelated pages ~32 (all
// above 17).
// Ranking: by distance, ties by add order (earlier first), as NearDupIndex.
//
// Empty documents (no shingles: empty or all-whitespace text) are stored but match nothing,
// and a query of an empty text matches nothing (their fingerprint is all zeros, see simhash.h).
//
// Removal: the HammingIndex cannot remove an entry, so remove(id) tombstones every document with
// that id (unlinks it from the id table, flags it removed: it is never reported again); its
// fingerprint stays in the block tables (skipped by queries) until the index is saved and
// loaded again: save() writes live documents only, renumbered densely in add order, so a saved
// file is compact and has no tombstones. Ids are not required to be unique.
//
// Thread safety: as NearDupIndex. Any number of threads may call query(), fingerprint(),
// size(), contains(), memory_bytes(), serialize() and save() concurrently with each other and
// with threads calling add(), add_if_new(), remove() and reserve() (writers serialize).
// Normalizing, shingling and fingerprinting happen before any lock is taken; the ids, flags and
// the HammingIndex are guarded by one std::shared_mutex (readers shared, writers exclusive;
// the HammingIndex's own lock is only ever taken inside it), so a query sees every write that
// completed before it took the lock, and add_if_new()'s check and insert are atomic. Per-call
// scratch buffers come from an internal pool. Moving an index is not thread-safe.
//
// Memory per document (64 bits, max distance 3: 5 blocks, 10 tables): 8 B fingerprint + 10 x
// 4 B chain links + 10 x 4 B x (1..2) bucket heads (load factor 0.5..1) in the HammingIndex,
// plus 8 B id offset + 4 B id chain + 4 B x (1..2) id heads + 1 B flags + the id bytes, with
// vector growth slack on top (stats / memory_bytes() count capacity). A larger max_distance
// means more tables (C(B, k)) and more memory and time per document.
//
// File format (version 1, little-endian, the conventions of index.h; save() output is a
// deterministic function of the live documents and the options):
//   header, 64 bytes:
//     0  char[8] magic "NDUPSIMX"           8  u32 format version (1)   12 u32 kind (3)
//     16 u32 bits                          20 u32 max_distance         24 u32 blocks used
//     28 u32 reserved (0)                  32 u64 SimHash seed         40 u64 document count
//     48 u64 payload bytes (file size-64)  56 u64 XXH3-64 (seed 0) of the payload
//   payload: tagged sections, each {u32 tag, u32 0, u64 length, bytes, zero padding to 8}, in
//   this order: 1 = options (64 bytes: shingle kind, k, seed; normalize and tokenize flags;
//   bits, max_distance, SimHash seed; blocks as given and as used; expected_size; weighting 0 =
//   tf; 0), 2 = ids (u64 count, u32 length per id, the id bytes), 3 = fingerprints (u64 count,
//   u32 words per fingerprint (1 or 2), u32 0, count * words u64), 4 = flags (u64 count, one
//   byte per document: bit 0 = empty document; other bits 0).
// The block tables are rebuilt on load (the per-document arrays are sized for the stored count
// up front; the bucket arrays double as they fill, as in HammingIndex::load). load() and
// deserialize() check, with distinct messages and never a crash: the magic (kCorruptData "not
// a neardup index"), the version (kUnsupportedVersion, naming both versions), the size against
// the header (truncated / trailing bytes), the checksum, the section layout and every count
// against the bytes present (before allocating from a count) and against the header. Every
// header field is checked directly or repeated in the checksummed payload.
//
// Cost: fingerprint = normalize + shingle + 64 float additions per shingle (AVX2); query
// O(tables + candidates) after fingerprinting; add O(tables) amortized (tables double). Measured
// (one thread, 200-word ~1.2 KB pages, 100k documents, max distance 3): fingerprint 2.5 us,
// query_fingerprint p50/p99 0.3-0.4/0.7-0.9 us, query(text) 3.0/4.3 us, add_if_new p50 3.7 us,
// ~150 B per document; see deduplicator.h for the comparison with MinHash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/hamming_index.h"
#include "neardup/advanced/index.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/simhash.h"
#include "neardup/status.h"

namespace neardup {

struct SimHashIndexOptions {
  PipelineOptions pipeline;  // normalization, tokenization, shingles (default word:5)
  SimHashParams simhash;     // bits 64 or 128, seed
  uint32_t max_distance =
      3;                // a document matches when its fingerprint differs in <= this many bits
  uint32_t blocks = 0;  // HammingIndex blocks; 0 = derived from bits, max_distance and
                        // expected_size (hamming_index.h)
  uint64_t expected_size = uint64_t{1} << 20;  // only used to derive blocks

  Status validate() const;
  HammingIndexParams hamming_params() const;
};

// A text's fingerprint (hi = 0 for 64 bits) and whether the text had no shingles.
struct TextFingerprint {
  Fingerprint128 value;
  bool empty = false;
};

inline constexpr uint32_t kSimHashIndexFormatVersion = 1;

class SimHashIndex {
 public:
  static Result<SimHashIndex> create(SimHashIndexOptions options);
  // Errors: kIoError (cannot open/read), kCorruptData (not an index, truncated, checksum,
  // inconsistent), kUnsupportedVersion. Messages start with the path.
  static Result<SimHashIndex> load(const std::string& path);
  // load() without the file; `name` starts the error messages.
  static Result<SimHashIndex> deserialize(std::string_view bytes, const std::string& name);
  // Whether `prefix` (the first bytes of a file, any length > 0) is a prefix of this format's
  // magic, so that callers can dispatch between index kinds (open_index() in open_index.h does
  // that for both kinds).
  static bool has_magic_prefix(std::string_view prefix) noexcept;

  SimHashIndex(SimHashIndex&&) noexcept;
  SimHashIndex& operator=(SimHashIndex&&) noexcept;
  ~SimHashIndex();

  // Adds `text` under `id`. Errors: id longer than kMaxIndexIdBytes, index full, out of memory.
  Status add(std::string_view id, std::string_view text);
  // Documents within max_distance bits, closest first (ties: earlier added first).
  Result<std::vector<IndexMatch>> query(std::string_view text, std::size_t max_results = 10) const;
  // If some document matches, returns the best (as query()) and adds nothing; otherwise adds.
  Result<AddIfNewResult> add_if_new(std::string_view id, std::string_view text);
  // Tombstones every document with this id (see "Removal"); returns how many (0: none).
  Result<std::size_t> remove(std::string_view id);
  bool contains(std::string_view id) const;

  // The same operations on a fingerprint from fingerprint(), so that callers can fingerprint on
  // many threads and add in a fixed order. Errors: hi bits set on a 64-bit index.
  TextFingerprint fingerprint(std::string_view text) const;
  Status add_fingerprint(std::string_view id, const TextFingerprint& fp);
  Result<std::vector<IndexMatch>> query_fingerprint(const TextFingerprint& fp,
                                                    std::size_t max_results = 10) const;
  Result<AddIfNewResult> add_if_new_fingerprint(std::string_view id, const TextFingerprint& fp);

  // Capacity for `documents` in total (a hint: ignored if out of memory).
  void reserve(std::size_t documents);
  // Documents in the index (removed ones are not counted).
  std::size_t size() const;
  // Heap bytes held (HammingIndex, ids, flags; capacity, including removed documents).
  std::size_t memory_bytes() const;
  const SimHashIndexOptions& options() const noexcept;
  uint32_t bits() const noexcept;
  uint32_t tables() const noexcept;  // HammingIndex block tables
  uint32_t blocks() const noexcept;  // resolved

  // Writes a snapshot to `path` atomically (unique temporary file, fsync, rename). kIoError.
  Status save(const std::string& path) const;
  std::string serialize() const;

 private:
  struct State;
  explicit SimHashIndex(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace neardup

// open_index: loads a persistent index file of either kind, NearDupIndex (MinHash, index.h) or
// SimHashIndex (simhash_index.h), telling them apart by the file's first 8 bytes (its magic).
// Deduplicator::load() and `neardup index add|query` both open their files with it.
//
//   neardup::Result<neardup::AnyIndex> index = neardup::open_index("crawl.ndx");
//   if (!index.ok()) return index.status();            // I/O, unknown magic, corrupt, version
//   if (auto* s = std::get_if<neardup::SimHashIndex>(&*index)) use_simhash(std::move(*s));
//   else use_minhash(std::get<neardup::NearDupIndex>(std::move(*index)));
//
// A file whose magic is "NDUPCONT" (all 8 bytes) is loaded by ContainmentIndex::load().
// Dispatch: a file whose first bytes are a prefix of "NDUPSIMX" (and, being at least 5 bytes, no
// longer a prefix of "NDUPINDX") is loaded by SimHashIndex::load(); a full 8-byte magic that
// names neither kind is rejected here (kCorruptData "<path>: not a neardup index (unknown
// magic)", or "(a bare Hamming index of fingerprints, without ids)" for a HammingIndex file);
// everything else, including a file that cannot be opened or read, an empty file, a directory
// and a file shorter than 8 bytes, goes to NearDupIndex::load(), whose messages name the problem
// ("cannot open", "empty file", "not a regular file", "bad magic", "truncated"). So every error
// is the message of the loader the file was meant for, starting with the path. Running out of
// memory is kIoError "<path>: out of memory loading the index".
//
// Thread safety: a free function with no shared state; concurrent calls on different paths (or
// the same one) are safe, but the file must not be rewritten in place meanwhile (save() replaces
// files atomically). Cost: one 8-byte read, then the kind's load(): one sequential read of the
// file and O(documents) rebuilding of its tables (see each header).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "neardup/advanced/containment_index.h"
#include "neardup/advanced/index.h"
#include "neardup/advanced/simhash_index.h"
#include "neardup/status.h"

namespace neardup {

// A loaded index of any kind: index() == 0 is MinHash, 1 SimHash, 2 containment (IndexKind's
// order).
using AnyIndex = std::variant<NearDupIndex, SimHashIndex, ContainmentIndex>;

enum class IndexKind : uint8_t { kMinHash = 0, kSimHash = 1, kContainment = 2 };

inline IndexKind index_kind(const AnyIndex& index) noexcept {
  return static_cast<IndexKind>(index.index());
}

// Loads the index file at `path`, of whichever kind its magic names (see above).
Result<AnyIndex> open_index(const std::string& path);

}  // namespace neardup

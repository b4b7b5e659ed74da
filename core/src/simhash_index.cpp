#include "neardup/simhash_index.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <utility>

#include "detail/binary_io.h"
#include "detail/index_support.h"
#include "detail/scratch_pool.h"
#include "neardup/hash.h"

namespace neardup {

namespace {

using detail::get_u32;
using detail::get_u64;
using detail::pad8;
using detail::put_section_head;
using detail::put_u32;
using detail::put_u64;

constexpr char kMagic[8] = {'N', 'D', 'U', 'P', 'S', 'I', 'M', 'X'};
constexpr std::size_t kHeaderBytes = 64;
constexpr uint32_t kKindSimHash = 3;
constexpr uint32_t kTagOptions = 1;
constexpr uint32_t kTagIds = 2;
constexpr uint32_t kTagFingerprints = 3;
constexpr uint32_t kTagFlags = 4;
constexpr std::size_t kOptionsBytes = 64;
constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr unsigned kMinTableBits = 4;
// Seed of the id hash (the id table is in memory only, so this never reaches a file).
constexpr uint64_t kIdHashSeed = 0x6e64757069647321ull;
// Per-document flags: in memory both, on disk only kEmpty (saved files hold no removed pages).
constexpr uint8_t kEmpty = 1;
constexpr uint8_t kDead = 2;

// --- little-endian encoding (the conventions of index.cpp) -------------------------------------

using detail::make_room;
using detail::normalize_bits;
using detail::normalize_from_bits;
using detail::tokenize_bits;
using detail::vector_bytes;

struct Scratch {
  std::unique_ptr<ShingleHasher> shingler;
  std::vector<HammingMatch> near;
  std::vector<std::pair<uint32_t, uint32_t>> found;  // (distance, doc)
};

}  // namespace

// --- options ------------------------------------------------------------------------------------

HammingIndexParams SimHashIndexOptions::hamming_params() const {
  HammingIndexParams p;
  p.bits = simhash.bits;
  p.max_distance = max_distance;
  p.blocks = blocks;
  p.expected_size = expected_size;
  return p;
}

Status SimHashIndexOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(pipeline.validate());
  if (Status st = simhash.validate(); !st.ok()) {
    return Status::invalid_argument("simhash bits must be 64 or 128, got " +
                                    std::to_string(simhash.bits));
  }
  if (max_distance >= simhash.bits) {
    return Status::invalid_argument("max_distance must be below the fingerprint width " +
                                    std::to_string(simhash.bits) + ", got " +
                                    std::to_string(max_distance));
  }
  if (Status st = hamming_params().validate(); !st.ok()) {
    return Status(st.code(), "max_distance " + std::to_string(max_distance) + ": " + st.message());
  }
  return Status();
}

// --- state --------------------------------------------------------------------------------------

struct SimHashIndex::State {
  SimHashIndexOptions options;
  SimHasher hasher;
  uint32_t words = 1;

  mutable std::shared_mutex mu;  // guards everything below (and every use of `hamming`)
  HammingIndex hamming;          // document number == HammingIndex id
  std::string id_bytes;
  std::vector<uint64_t> id_end;
  // Id table: power-of-two chain heads and, per document, the next document in its bucket.
  // Removed documents are unlinked from it and flagged kDead.
  std::vector<uint32_t> id_heads;
  std::vector<uint32_t> id_next;
  std::vector<uint8_t> flags;
  unsigned table_bits = kMinTableBits;
  std::size_t docs = 0;     // document numbers handed out (live and removed)
  std::size_t removed = 0;  // removed documents among them

  detail::ScratchPool<Scratch> pool;

  State(SimHashIndexOptions o, HammingIndex h)
      : options(o),
        hasher(options.simhash),
        words(options.simhash.bits / 64),
        hamming(std::move(h)) {
    id_heads.assign(std::size_t{1} << table_bits, kNone);
  }

  std::size_t live() const noexcept { return docs - removed; }

  // A pooled scratch whose shingler is made on first use.
  struct Lease : detail::ScratchPool<Scratch>::Lease {
    explicit Lease(const State& s) : detail::ScratchPool<Scratch>::Lease(s.pool) {
      if (!(*this)->shingler) {
        (*this)->shingler = std::make_unique<ShingleHasher>(s.options.pipeline);
      }
    }
  };

  TextFingerprint fingerprint_of(std::string_view text, Scratch& s) const {
    const std::span<const uint64_t> shingles = s.shingler->hash(text);
    uint64_t out[2] = {0, 0};
    hasher.fingerprint(shingles, {}, std::span<uint64_t>(out, words));
    return TextFingerprint{Fingerprint128{out[0], out[1]}, shingles.empty()};
  }

  Status check(const TextFingerprint& fp) const {
    if (words == 1 && fp.value.hi != 0) {
      return Status::invalid_argument("a 128-bit fingerprint given to a 64-bit SimHash index");
    }
    return Status();
  }

  std::string_view id(std::size_t doc) const noexcept {
    const uint64_t b = doc == 0 ? 0 : id_end[doc - 1];
    return std::string_view(id_bytes).substr(b, id_end[doc] - b);
  }
  std::size_t bucket(uint64_t key) const noexcept {
    return static_cast<std::size_t>(key >> (64 - table_bits));
  }

  // The best `max_results` live matches into s.found, closest first. Lock (shared or
  // exclusive) held.
  Status find_locked(const TextFingerprint& q, Scratch& s, std::size_t max_results) const {
    s.found.clear();
    if (max_results == 0 || q.empty || live() == 0) return Status();
    NEARDUP_RETURN_IF_ERROR(hamming.query(q.value, options.max_distance, s.near));
    // s.near is sorted by (distance, id), id = add order: the first live ones are the answer.
    for (const HammingMatch& m : s.near) {
      if (flags[m.id] != 0) continue;  // removed, or an empty document (matches nothing)
      s.found.emplace_back(m.distance, m.id);
      if (s.found.size() == max_results) break;
    }
    return Status();
  }

  IndexMatch match_of(const std::pair<uint32_t, uint32_t>& found) const {
    return IndexMatch{
        std::string(id(found.second)),
        1.0 - static_cast<double>(found.first) / static_cast<double>(options.simhash.bits)};
  }

  void link_id(uint32_t doc) noexcept {
    const std::size_t h = bucket(hash64(id(doc), kIdHashSeed));
    id_next[doc] = id_heads[h];
    id_heads[h] = doc;
  }

  // Rebuilds the id chains with 2^bits heads. Allocates first, so on bad_alloc nothing changed.
  void rehash(unsigned bits) {
    std::vector<uint32_t> heads(std::size_t{1} << bits, kNone);
    table_bits = bits;
    id_heads.swap(heads);
    for (std::size_t d = 0; d < docs; ++d) {
      if ((flags[d] & kDead) == 0) link_id(static_cast<uint32_t>(d));
    }
  }

  // Tombstones every live document with this id; exclusive lock held. Returns how many.
  std::size_t erase_locked(std::string_view doc_id, uint64_t id_hash) noexcept {
    std::size_t n = 0;
    const std::size_t h = bucket(id_hash);
    uint32_t* at = &id_heads[h];
    while (*at != kNone) {
      const uint32_t d = *at;
      if (id(d) == doc_id) {
        *at = id_next[d];  // unlink; `at` now points at the next document
        flags[d] |= kDead;
        ++removed;
        ++n;
      } else {
        at = &id_next[d];
      }
    }
    return n;
  }

  // Adds a document; exclusive lock held. Everything that can fail (allocation, the Hamming
  // index being full) happens before the first change, so a failed add leaves the index as it
  // was (apart from spare capacity).
  Status insert_locked(std::string_view doc_id, const TextFingerprint& fp) {
    if (doc_id.size() > kMaxIndexIdBytes) {
      return Status::invalid_argument("id of " + std::to_string(doc_id.size()) +
                                      " bytes exceeds the limit of " +
                                      std::to_string(kMaxIndexIdBytes));
    }
    if (docs >= kMaxIndexDocuments) {
      return Status::out_of_range("index is full (" + std::to_string(docs) + " documents)");
    }
    try {
      if (id_bytes.capacity() - id_bytes.size() < doc_id.size()) {
        id_bytes.reserve(std::max(id_bytes.capacity() * 2, id_bytes.size() + doc_id.size()));
      }
      make_room(id_end);
      make_room(id_next);
      make_room(flags);
      if (docs + 1 > (std::size_t{1} << table_bits)) rehash(table_bits + 1);
    } catch (const std::bad_alloc&) {
      return Status::out_of_range("out of memory adding document " + std::to_string(docs));
    }
    Result<uint32_t> hid = hamming.add(fp.value);  // the last step that can fail
    if (!hid.ok()) return hid.status();
    if (*hid != docs) return Status::internal("SimHash index: Hamming id out of step");
    // No allocation below.
    id_bytes.append(doc_id);
    id_end.push_back(id_bytes.size());
    id_next.push_back(kNone);
    flags.push_back(fp.empty ? kEmpty : uint8_t{0});
    link_id(static_cast<uint32_t>(docs));
    ++docs;
    return Status();
  }

  std::size_t memory_bytes_locked() const {
    return sizeof(State) + hamming.memory_bytes() + id_bytes.capacity() + vector_bytes(id_end) +
           vector_bytes(id_heads) + vector_bytes(id_next) + vector_bytes(flags);
  }
};

// --- public API ---------------------------------------------------------------------------------

SimHashIndex::SimHashIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
SimHashIndex::SimHashIndex(SimHashIndex&&) noexcept = default;
SimHashIndex& SimHashIndex::operator=(SimHashIndex&&) noexcept = default;
SimHashIndex::~SimHashIndex() = default;

Result<SimHashIndex> SimHashIndex::create(SimHashIndexOptions options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  try {
    Result<HammingIndex> h = HammingIndex::create(options.hamming_params());
    if (!h.ok()) return h.status();
    return SimHashIndex(std::make_unique<State>(options, std::move(*h)));
  } catch (const std::bad_alloc&) {
    return Status::out_of_range("out of memory creating a SimHash index");
  }
}

bool SimHashIndex::has_magic_prefix(std::string_view prefix) noexcept {
  return !prefix.empty() && prefix.size() <= sizeof kMagic &&
         std::memcmp(prefix.data(), kMagic, prefix.size()) == 0;
}

const SimHashIndexOptions& SimHashIndex::options() const noexcept { return state_->options; }
uint32_t SimHashIndex::bits() const noexcept { return state_->options.simhash.bits; }
uint32_t SimHashIndex::tables() const noexcept { return state_->hamming.tables(); }
uint32_t SimHashIndex::blocks() const noexcept { return state_->hamming.params().blocks; }

std::size_t SimHashIndex::size() const {
  std::shared_lock lock(state_->mu);
  return state_->live();
}

std::size_t SimHashIndex::memory_bytes() const {
  std::shared_lock lock(state_->mu);
  return state_->memory_bytes_locked();
}

void SimHashIndex::reserve(std::size_t documents) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  try {
    s.id_end.reserve(documents);
    s.id_next.reserve(documents);
    s.flags.reserve(documents);
    s.hamming.reserve(documents);
    const auto bits = static_cast<unsigned>(std::bit_width(documents > 1 ? documents - 1 : 1));
    if (bits > s.table_bits && bits < 32) s.rehash(bits);
  } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): reserve is only a hint
  }
}

TextFingerprint SimHashIndex::fingerprint(std::string_view text) const {
  const State& s = *state_;
  State::Lease scratch(s);
  return s.fingerprint_of(text, *scratch);
}

Status SimHashIndex::add_fingerprint(std::string_view id, const TextFingerprint& fp) {
  State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(s.check(fp));
  std::unique_lock lock(s.mu);
  return s.insert_locked(id, fp);
}

Result<std::vector<IndexMatch>> SimHashIndex::query_fingerprint(const TextFingerprint& fp,
                                                                std::size_t max_results) const {
  const State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(s.check(fp));
  State::Lease scratch(s);
  std::vector<IndexMatch> out;
  std::shared_lock lock(s.mu);
  NEARDUP_RETURN_IF_ERROR(s.find_locked(fp, *scratch, max_results));
  out.reserve(scratch->found.size());
  for (const auto& m : scratch->found) out.push_back(s.match_of(m));
  return out;
}

Result<AddIfNewResult> SimHashIndex::add_if_new_fingerprint(std::string_view id,
                                                            const TextFingerprint& fp) {
  State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(s.check(fp));
  State::Lease scratch(s);
  std::unique_lock lock(s.mu);
  NEARDUP_RETURN_IF_ERROR(s.find_locked(fp, *scratch, 1));
  AddIfNewResult r;
  if (!scratch->found.empty()) {
    r.match = s.match_of(scratch->found.front());
    return r;
  }
  NEARDUP_RETURN_IF_ERROR(s.insert_locked(id, fp));
  r.added = true;
  return r;
}

Status SimHashIndex::add(std::string_view id, std::string_view text) {
  State& s = *state_;
  State::Lease scratch(s);
  const TextFingerprint fp = s.fingerprint_of(text, *scratch);
  std::unique_lock lock(s.mu);
  return s.insert_locked(id, fp);
}

Result<std::vector<IndexMatch>> SimHashIndex::query(std::string_view text,
                                                    std::size_t max_results) const {
  const State& s = *state_;
  State::Lease scratch(s);
  const TextFingerprint fp = s.fingerprint_of(text, *scratch);
  std::vector<IndexMatch> out;
  std::shared_lock lock(s.mu);
  NEARDUP_RETURN_IF_ERROR(s.find_locked(fp, *scratch, max_results));
  out.reserve(scratch->found.size());
  for (const auto& m : scratch->found) out.push_back(s.match_of(m));
  return out;
}

Result<AddIfNewResult> SimHashIndex::add_if_new(std::string_view id, std::string_view text) {
  State& s = *state_;
  State::Lease scratch(s);
  const TextFingerprint fp = s.fingerprint_of(text, *scratch);
  std::unique_lock lock(s.mu);
  NEARDUP_RETURN_IF_ERROR(s.find_locked(fp, *scratch, 1));
  AddIfNewResult r;
  if (!scratch->found.empty()) {
    r.match = s.match_of(scratch->found.front());
    return r;
  }
  NEARDUP_RETURN_IF_ERROR(s.insert_locked(id, fp));
  r.added = true;
  return r;
}

Result<std::size_t> SimHashIndex::remove(std::string_view id) {
  State& s = *state_;
  const uint64_t h = hash64(id, kIdHashSeed);
  std::unique_lock lock(s.mu);
  return s.erase_locked(id, h);
}

bool SimHashIndex::contains(std::string_view id) const {
  const State& s = *state_;
  const uint64_t h = hash64(id, kIdHashSeed);
  std::shared_lock lock(s.mu);
  for (uint32_t d = s.id_heads[s.bucket(h)]; d != kNone; d = s.id_next[d]) {
    if (s.id(d) == id) return true;
  }
  return false;
}

// --- serialization ------------------------------------------------------------------------------

std::string SimHashIndex::serialize() const {
  const State& s = *state_;
  std::shared_lock lock(s.mu);
  const SimHashIndexOptions& o = s.options;
  const uint32_t used_blocks = s.hamming.params().blocks;
  // One buffer for the whole file; the header is filled in last (it holds the payload's size
  // and checksum). Copied under the shared lock: queries continue, writers wait for the copy.
  std::string file(kHeaderBytes, '\0');
  const std::size_t count = s.live();
  // Header, four 16-byte section heads, options, id bytes, per document an id length, the
  // fingerprint and a flags byte, and padding.
  file.reserve(kHeaderBytes + std::size_t{64} + kOptionsBytes + s.id_bytes.size() +
               count * (4 + 8 * std::size_t{s.words} + 1) + 64);
  const auto live = [&s](std::size_t d) { return (s.flags[d] & kDead) == 0; };
  // options
  put_section_head(file, kTagOptions, kOptionsBytes);
  put_u32(file, static_cast<uint32_t>(o.pipeline.shingle.kind));
  put_u32(file, o.pipeline.shingle.k);
  put_u64(file, o.pipeline.shingle.seed);
  put_u32(file, normalize_bits(o.pipeline.normalize));
  put_u32(file, tokenize_bits(o.pipeline.tokenize));
  put_u32(file, o.simhash.bits);
  put_u32(file, o.max_distance);
  put_u64(file, o.simhash.seed);
  put_u32(file, o.blocks);
  put_u32(file, used_blocks);
  put_u64(file, o.expected_size);
  put_u32(file, 0);  // weighting: term frequency
  put_u32(file, 0);
  // ids (removed documents are not written: a saved index is compact)
  detail::put_ids_section(
      file, kTagIds, s.docs, [&](std::size_t d) { return live(d); },
      [&](std::size_t d) { return s.id(d); });
  // fingerprints
  put_section_head(file, kTagFingerprints, 16 + 8 * std::size_t{s.words} * count);
  put_u64(file, count);
  put_u32(file, s.words);
  put_u32(file, 0);
  for (std::size_t d = 0; d < s.docs; ++d) {
    if (!live(d)) continue;
    const Fingerprint128 f = s.hamming.fingerprint(static_cast<uint32_t>(d));
    put_u64(file, f.lo);
    if (s.words == 2) put_u64(file, f.hi);
  }
  // flags
  put_section_head(file, kTagFlags, 8 + count);
  put_u64(file, count);
  for (std::size_t d = 0; d < s.docs; ++d) {
    if (live(d)) file.push_back(static_cast<char>(s.flags[d] & kEmpty));
  }
  pad8(file);
  lock.unlock();  // the rest works on this copy only

  const std::size_t payload_size = file.size() - kHeaderBytes;
  std::string header;
  header.append(kMagic, sizeof kMagic);
  put_u32(header, kSimHashIndexFormatVersion);
  put_u32(header, kKindSimHash);
  put_u32(header, o.simhash.bits);
  put_u32(header, o.max_distance);
  put_u32(header, used_blocks);
  put_u32(header, 0);
  put_u64(header, o.simhash.seed);
  put_u64(header, count);
  put_u64(header, payload_size);
  put_u64(header, hash64(file.data() + kHeaderBytes, payload_size, 0));
  std::memcpy(file.data(), header.data(), kHeaderBytes);
  return file;
}

Status SimHashIndex::save(const std::string& path) const {
  std::string bytes;
  try {
    bytes = serialize();
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory serializing the index");
  }
  return detail::write_file_atomically(path, bytes);
}

Result<SimHashIndex> SimHashIndex::load(const std::string& path) {
  Result<std::string> bytes = detail::read_whole_file(path);
  if (!bytes.ok()) return bytes.status();
  return deserialize(*bytes, path);
}

Result<SimHashIndex> SimHashIndex::deserialize(std::string_view file, const std::string& path) {
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  if (file.empty()) return corrupt("empty file, not a neardup index");
  if (std::memcmp(file.data(), kMagic, std::min(file.size(), sizeof kMagic)) != 0) {
    return corrupt("not a neardup SimHash index (bad magic)");
  }
  if (file.size() < kHeaderBytes) {
    return corrupt("truncated: " + std::to_string(file.size()) + " bytes, the header alone is 64");
  }
  const char* h = file.data();
  const uint32_t version = get_u32(h + 8);
  if (version != kSimHashIndexFormatVersion) {
    return Status::unsupported_version(path + ": SimHash index format version " +
                                       std::to_string(version) + ", this build reads version " +
                                       std::to_string(kSimHashIndexFormatVersion));
  }
  const uint32_t kind = get_u32(h + 12);
  const uint32_t bits = get_u32(h + 16);
  const uint32_t max_distance = get_u32(h + 20);
  const uint32_t used_blocks = get_u32(h + 24);
  const uint32_t reserved = get_u32(h + 28);
  const uint64_t seed = get_u64(h + 32);
  const uint64_t count = get_u64(h + 40);
  const uint64_t payload_size = get_u64(h + 48);
  const uint64_t checksum = get_u64(h + 56);
  if (kind != kKindSimHash) return corrupt("unknown index kind " + std::to_string(kind));
  if (reserved != 0) return corrupt("corrupt header (reserved field is not zero)");
  const uint64_t have = file.size() - kHeaderBytes;
  if (payload_size > have) {
    return corrupt("truncated: the header promises " + std::to_string(payload_size) +
                   " payload bytes, the file has " + std::to_string(have));
  }
  if (payload_size < have) {
    return corrupt(std::to_string(have - payload_size) + " unexpected bytes after the payload");
  }
  const std::string_view payload = file.substr(kHeaderBytes);
  if (hash64(payload.data(), payload.size(), 0) != checksum) {
    return corrupt("checksum mismatch (the payload is corrupt)");
  }
  if (count > kMaxIndexDocuments) {
    return corrupt("inconsistent counts: " + std::to_string(count) + " documents");
  }

  // Sections, in order, nothing else.
  detail::SectionReader sections(payload, path);

  // options
  Result<std::string_view> body = sections.next(kTagOptions, "options");
  if (!body.ok()) return body.status();
  if (body->size() != kOptionsBytes) {
    return corrupt("inconsistent layout: options section of " + std::to_string(body->size()) +
                   " bytes, expected " + std::to_string(kOptionsBytes));
  }
  const char* p = body->data();
  const uint32_t shingle_kind = get_u32(p);
  const uint32_t norm = get_u32(p + 16);
  const uint32_t tok = get_u32(p + 20);
  const uint32_t weighting = get_u32(p + 56);
  if (shingle_kind > 1 || norm > 127 || tok > 3 || weighting != 0 || get_u32(p + 60) != 0) {
    return corrupt("invalid options (unknown shingle kind, weighting or flag)");
  }
  SimHashIndexOptions o;
  o.pipeline.shingle.kind = static_cast<ShingleKind>(shingle_kind);
  o.pipeline.shingle.k = get_u32(p + 4);
  o.pipeline.shingle.seed = get_u64(p + 8);
  o.pipeline.normalize = normalize_from_bits(norm);
  o.pipeline.tokenize.canonical_numbers = (tok & 1u) != 0;
  o.pipeline.tokenize.split_unspaced_scripts = (tok & 2u) != 0;
  o.simhash.bits = get_u32(p + 24);
  o.max_distance = get_u32(p + 28);
  o.simhash.seed = get_u64(p + 32);
  o.blocks = get_u32(p + 40);
  o.expected_size = get_u64(p + 48);
  if (Status st = o.validate(); !st.ok()) return corrupt("invalid options: " + st.message());
  if (o.simhash.bits != bits || o.max_distance != max_distance || o.simhash.seed != seed) {
    return corrupt("inconsistent header: bits/max_distance/seed differ from the stored options");
  }
  HammingIndexParams hp = o.hamming_params();
  hp.blocks = used_blocks;
  if (get_u32(p + 44) != used_blocks || (o.blocks != 0 && o.blocks != used_blocks) ||
      !hp.validate().ok()) {
    return corrupt("inconsistent header: " + std::to_string(used_blocks) +
                   " blocks do not fit the stored options");
  }
  const uint32_t words = bits / 64;

  // ids
  Result<detail::IdsReader> ids = detail::IdsReader::read(sections, kTagIds, count);
  if (!ids.ok()) return ids.status();

  // fingerprints
  body = sections.next(kTagFingerprints, "fingerprints");
  if (!body.ok()) return body.status();
  const std::string_view fps = *body;
  if (fps.size() < 16 || get_u64(fps.data()) != count || get_u32(fps.data() + 8) != words ||
      get_u32(fps.data() + 12) != 0 || (fps.size() - 16) % (8 * std::size_t{words}) != 0 ||
      (fps.size() - 16) / (8 * std::size_t{words}) != count) {
    return corrupt("inconsistent counts: the fingerprints section does not hold " +
                   std::to_string(count) + " fingerprints of " + std::to_string(bits) + " bits");
  }

  // flags
  body = sections.next(kTagFlags, "flags");
  if (!body.ok()) return body.status();
  const std::string_view fl = *body;
  if (fl.size() < 8 || get_u64(fl.data()) != count || fl.size() - 8 != count) {
    return corrupt("inconsistent counts: the flags section does not hold " + std::to_string(count) +
                   " flags");
  }
  for (uint64_t d = 0; d < count; ++d) {
    if ((static_cast<unsigned char>(fl[8 + d]) & ~unsigned{kEmpty}) != 0) {
      return corrupt("invalid flags for document " + std::to_string(d));
    }
  }
  if (!sections.at_end()) return corrupt("inconsistent layout: data after the last section");

  // Everything checked: build the index (the block tables are rebuilt from the fingerprints).
  try {
    Result<HammingIndex> hamming = HammingIndex::create(hp);
    if (!hamming.ok()) return corrupt("invalid parameters: " + hamming.status().message());
    SimHashIndex index(std::make_unique<State>(o, std::move(*hamming)));
    index.reserve(static_cast<std::size_t>(count));
    State& s = *index.state_;
    std::unique_lock lock(s.mu);
    for (uint64_t d = 0; d < count; ++d) {
      const std::string_view id = ids->next();
      const char* src = fps.data() + 16 + 8 * std::size_t{words} * d;
      const TextFingerprint fp{Fingerprint128{get_u64(src), words == 2 ? get_u64(src + 8) : 0},
                               (static_cast<unsigned char>(fl[8 + d]) & kEmpty) != 0};
      if (Status st = s.insert_locked(id, fp); !st.ok()) {
        return corrupt("cannot rebuild: " + st.message());
      }
    }
    lock.unlock();
    return index;
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the index");
  }
}

}  // namespace neardup

#include "neardup/advanced/simhash_index.h"

#include <bit>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <utility>

#include "detail/binary_io.h"
#include "index/id_table.h"
#include "index/index_file.h"
#include "index/index_support.h"
#include "index/scratch_pool.h"

namespace neardup {

namespace {

using detail::get_u32;
using detail::get_u64;
using detail::put_u32;
using detail::put_u64;

// The header's fields: bits, max distance, blocks in use, reserved; the SimHash seed.
constexpr detail::FileFormat kFormat = {.magic = "NDUPSIMX",
                                        .version = kSimHashIndexFormatVersion,
                                        .kind = 3,  // SimHash
                                        .field3_reserved = true,
                                        .name = "SimHash index",
                                        .noun = "index",
                                        .max_count = kMaxIndexDocuments,
                                        .counted = "documents"};
constexpr uint32_t kTagOptions = 1;
constexpr uint32_t kTagIds = 2;
constexpr uint32_t kTagFingerprints = 3;
constexpr uint32_t kTagFlags = 4;
constexpr std::size_t kOptionsBytes = 64;
constexpr unsigned kMinTableBits = 4;
// Per-document flags: in memory both, on disk only kEmpty (saved files hold no removed pages).
constexpr uint8_t kEmpty = 1;
constexpr uint8_t kDead = 2;

using detail::make_room;
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
  // The ids. Removed documents are unlinked from it and flagged kDead.
  detail::IdTable ids{kMinTableBits};
  std::vector<uint8_t> flags;
  std::size_t docs = 0;     // document numbers handed out (live and removed)
  std::size_t removed = 0;  // removed documents among them

  detail::ScratchPool<Scratch> pool;

  State(SimHashIndexOptions o, HammingIndex h)
      : options(o),
        hasher(options.simhash),
        words(options.simhash.bits / 64),
        hamming(std::move(h)) {}

  std::size_t live() const noexcept { return docs - removed; }

  struct Lease : detail::ShinglerLease<Scratch> {
    explicit Lease(const State& s) : detail::ShinglerLease<Scratch>(s.pool, s.options.pipeline) {}
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
        std::string(ids.id(found.second)),
        1.0 - static_cast<double>(found.first) / static_cast<double>(options.simhash.bits)};
  }

  // Rebuilds the id chains with 2^bits heads. Allocates first, so on bad_alloc nothing changed.
  void rehash(unsigned bits) {
    ids.rehash(bits, [this](std::size_t d) { return (flags[d] & kDead) == 0; });
  }

  // Tombstones every live document with this id; exclusive lock held. Returns how many.
  std::size_t erase_locked(std::string_view doc_id, uint64_t id_hash) noexcept {
    return ids.erase(doc_id, id_hash, [this](uint32_t d) {
      flags[d] |= kDead;
      ++removed;
    });
  }

  // Adds a document; exclusive lock held. Everything that can fail (allocation, the Hamming
  // index being full) happens before the first change, so a failed add leaves the index as it
  // was (apart from spare capacity).
  Status insert_locked(std::string_view doc_id, const TextFingerprint& fp) {
    NEARDUP_RETURN_IF_ERROR(ids.check_add(doc_id));
    try {
      ids.make_room_for(doc_id);
      make_room(flags);
      if (docs + 1 > (std::size_t{1} << ids.bits())) rehash(ids.bits() + 1);
    } catch (const std::bad_alloc&) {
      return Status::out_of_range("out of memory adding document " + std::to_string(docs));
    }
    Result<uint32_t> hid = hamming.add(fp.value);  // the last step that can fail
    if (!hid.ok()) return hid.status();
    if (*hid != docs) return Status::internal("SimHash index: Hamming id out of step");
    // No allocation below.
    ids.add(doc_id);
    flags.push_back(fp.empty ? kEmpty : uint8_t{0});
    ++docs;
    return Status();
  }

  std::size_t memory_bytes_locked() const {
    return sizeof(State) + hamming.memory_bytes() + ids.memory_bytes() + vector_bytes(flags);
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
  return !prefix.empty() && kFormat.magic.starts_with(prefix);
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
    s.ids.reserve(documents);
    s.flags.reserve(documents);
    s.hamming.reserve(documents);
    const auto bits = static_cast<unsigned>(std::bit_width(documents > 1 ? documents - 1 : 1));
    if (bits > s.ids.bits() && bits < 32) s.rehash(bits);
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
  const uint64_t h = detail::IdTable::hash(id);
  std::unique_lock lock(s.mu);
  return s.erase_locked(id, h);
}

bool SimHashIndex::contains(std::string_view id) const {
  const uint64_t h = detail::IdTable::hash(id);
  std::shared_lock lock(state_->mu);
  return state_->ids.contains(id, h);
}

// --- serialization ------------------------------------------------------------------------------

std::string SimHashIndex::serialize() const {
  const State& s = *state_;
  std::shared_lock lock(s.mu);
  const SimHashIndexOptions& o = s.options;
  const uint32_t used_blocks = s.hamming.params().blocks;
  // One buffer for the whole file; the header is filled in last (it holds the payload's size
  // and checksum). Copied under the shared lock: queries continue, writers wait for the copy.
  std::string file(detail::kFileHeaderBytes, '\0');
  const std::size_t count = s.live();
  // Header, four 16-byte section heads, options, id bytes, per document an id length, the
  // fingerprint and a flags byte, and padding.
  file.reserve(detail::kFileHeaderBytes + std::size_t{64} + kOptionsBytes + s.ids.id_bytes() +
               count * (4 + 8 * std::size_t{s.words} + 1) + 64);
  const auto live = [&s](std::size_t d) { return (s.flags[d] & kDead) == 0; };
  // options
  detail::put_section_head(file, kTagOptions, kOptionsBytes);
  detail::put_pipeline(file, o.pipeline);
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
      [&](std::size_t d) { return s.ids.id(d); });
  // fingerprints
  detail::put_array_head(file, kTagFingerprints, count, s.words, 8);
  for (std::size_t d = 0; d < s.docs; ++d) {
    if (!live(d)) continue;
    const Fingerprint128 f = s.hamming.fingerprint(static_cast<uint32_t>(d));
    put_u64(file, f.lo);
    if (s.words == 2) put_u64(file, f.hi);
  }
  // flags
  detail::put_section_head(file, kTagFlags, 8 + count);
  put_u64(file, count);
  for (std::size_t d = 0; d < s.docs; ++d) {
    if (live(d)) file.push_back(static_cast<char>(s.flags[d] & kEmpty));
  }
  detail::pad8(file);
  lock.unlock();  // the rest works on this copy only
  detail::finish_file(file, kFormat,
                      {{o.simhash.bits, o.max_distance, used_blocks, 0}, o.simhash.seed, count});
  return file;
}

Status SimHashIndex::save(const std::string& path) const {
  return detail::save_file(path, kFormat, [this] { return serialize(); });
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
  Result<detail::CheckedFile> checked = detail::check_file(file, path, kFormat);
  if (!checked.ok()) return checked.status();
  const uint32_t bits = checked->header.fields32[0];
  const uint32_t max_distance = checked->header.fields32[1];
  const uint32_t used_blocks = checked->header.fields32[2];
  const uint64_t seed = checked->header.field64;
  const uint64_t count = checked->header.count;

  // Sections, in order, nothing else.
  detail::SectionReader sections(checked->payload, path);

  // options
  Result<std::string_view> body = sections.next_sized(kTagOptions, "options", kOptionsBytes);
  if (!body.ok()) return body.status();
  const char* p = body->data();
  const std::optional<PipelineOptions> pipeline = detail::get_pipeline(p);
  const uint32_t weighting = get_u32(p + 56);
  if (!pipeline || weighting != 0 || get_u32(p + 60) != 0) {
    return corrupt("invalid options (unknown shingle kind, weighting or flag)");
  }
  SimHashIndexOptions o;
  o.pipeline = *pipeline;
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
  Result<std::string_view> fps = sections.next_array(kTagFingerprints, "fingerprints", count, words,
                                                     8, std::to_string(bits) + " bits");
  if (!fps.ok()) return fps.status();

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
  return detail::guarded_rebuild(path, kFormat, [&]() -> Result<SimHashIndex> {
    Result<HammingIndex> hamming = HammingIndex::create(hp);
    if (!hamming.ok()) return corrupt("invalid parameters: " + hamming.status().message());
    SimHashIndex index(std::make_unique<State>(o, std::move(*hamming)));
    index.reserve(static_cast<std::size_t>(count));
    State& s = *index.state_;
    std::unique_lock lock(s.mu);
    for (uint64_t d = 0; d < count; ++d) {
      const std::string_view id = ids->next();
      const char* src = fps->data() + 8 * std::size_t{words} * d;
      const TextFingerprint fp{Fingerprint128{get_u64(src), words == 2 ? get_u64(src + 8) : 0},
                               (static_cast<unsigned char>(fl[8 + d]) & kEmpty) != 0};
      if (Status st = s.insert_locked(id, fp); !st.ok()) {
        return corrupt("cannot rebuild: " + st.message());
      }
    }
    lock.unlock();
    return index;
  });
}

}  // namespace neardup

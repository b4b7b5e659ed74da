#include "neardup/advanced/index.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

// The header's fields: num_perm, bands, rows, reserved; the MinHash seed.
constexpr detail::FileFormat kFormat = {.magic = "NDUPINDX",
                                        .version = kIndexFormatVersion,
                                        .kind = 1,  // MinHash, 32-bit slots
                                        .field3_reserved = true,
                                        .name = "index",
                                        .noun = "index",
                                        .max_count = kMaxIndexDocuments,
                                        .counted = "documents"};
constexpr uint32_t kTagOptions = 1;
constexpr uint32_t kTagIds = 2;
constexpr uint32_t kTagSignatures = 3;
constexpr std::size_t kOptionsBytes = 64;
constexpr uint32_t kNone = 0xFFFFFFFFu;
// Documents per signature chunk: chunks never move, so growth never copies signatures.
constexpr std::size_t kChunkDocs = 1024;
constexpr unsigned kMinTableBits = 4;

using detail::make_room;
using detail::vector_bytes;

}  // namespace

// --- state ------------------------------------------------------------------------------------

namespace {

struct Scratch {
  std::unique_ptr<ShingleHasher> shingler;
  std::vector<uint32_t> signature;
  std::vector<uint64_t> wide;
  std::vector<uint64_t> keys;
  std::vector<uint32_t> candidates;
  std::vector<std::pair<uint32_t, uint32_t>> scored;  // (equal slots, doc)
};

// One band's table: a power-of-two array of chain heads and, per document (implicit index),
// its band key and the next document in its bucket's chain.
struct BandTable {
  std::vector<uint32_t> heads;
  std::vector<uint64_t> key;
  std::vector<uint32_t> next;
};

}  // namespace

struct NearDupIndex::State {
  IndexOptions options;
  LshParams lsh;
  MinHasher hasher;
  uint32_t num_perm = 0;

  mutable std::shared_mutex mu;  // guards everything below
  std::vector<std::unique_ptr<uint32_t[]>> chunks;
  std::vector<BandTable> bands;
  // The ids, with as many chain heads as the band tables. Removed documents are unlinked from it
  // and from every band chain, and flagged in `dead`.
  detail::IdTable ids{kMinTableBits};
  std::vector<uint8_t> dead;
  unsigned table_bits = kMinTableBits;
  std::size_t docs = 0;     // document numbers handed out (live and removed)
  std::size_t removed = 0;  // removed documents among them

  detail::ScratchPool<Scratch> pool;

  State(IndexOptions o, LshParams l)
      : options(std::move(o)),
        lsh(l),
        hasher(options.similarity.minhash),
        num_perm(options.similarity.minhash.num_perm) {
    bands.resize(lsh.bands);
    for (BandTable& t : bands) t.heads.assign(std::size_t{1} << table_bits, kNone);
  }

  std::size_t live() const noexcept { return docs - removed; }

  struct Lease : detail::ShinglerLease<Scratch> {
    explicit Lease(const State& s)
        : detail::ShinglerLease<Scratch>(s.pool, s.options.similarity.pipeline) {}
  };

  std::span<const uint32_t> signature(std::size_t doc) const noexcept {
    return {chunks[doc / kChunkDocs].get() + (doc % kChunkDocs) * num_perm, num_perm};
  }

  void sign_into(std::string_view text, Scratch& s, std::span<uint32_t> out) const {
    const std::span<const uint64_t> shingles = s.shingler->hash(text);
    hasher.sign32(shingles, out);
  }

  // Band keys of a 32-bit signature: lsh_band_key() of the slots zero-extended to 64 bits.
  void band_keys(std::span<const uint32_t> sig, Scratch& s) const {
    s.wide.resize(sig.size());
    for (std::size_t i = 0; i < sig.size(); ++i) s.wide[i] = sig[i];
    s.keys.resize(lsh.bands);
    for (uint32_t b = 0; b < lsh.bands; ++b) {
      s.keys[b] = lsh_band_key(s.wide, b, lsh.rows, lsh.seed);
    }
  }

  std::size_t bucket(uint64_t key) const noexcept {
    return static_cast<std::size_t>(key >> (64 - table_bits));
  }

  // Candidates sharing a band, verified; the best `max_results` into s.scored. Shared lock held.
  void find_locked(std::span<const uint32_t> sig, Scratch& s, std::size_t max_results) const {
    s.candidates.clear();
    s.scored.clear();
    if (max_results == 0 || docs == 0 || is_empty_signature(sig)) return;
    for (uint32_t b = 0; b < lsh.bands; ++b) {
      const BandTable& t = bands[b];
      const uint64_t k = s.keys[b];
      for (uint32_t d = t.heads[bucket(k)]; d != kNone; d = t.next[d]) {
        if (t.key[d] == k) s.candidates.push_back(d);
      }
    }
    if (s.candidates.empty()) return;
    std::sort(s.candidates.begin(), s.candidates.end());
    s.candidates.erase(std::unique(s.candidates.begin(), s.candidates.end()), s.candidates.end());
    for (const uint32_t d : s.candidates) {
      const std::span<const uint32_t> other = signature(d);
      uint32_t equal = 0;
      for (uint32_t i = 0; i < num_perm; ++i) equal += sig[i] == other[i] ? 1u : 0u;
      // The same comparison as estimate_jaccard(sig, other) >= threshold.
      if (static_cast<double>(equal) / static_cast<double>(num_perm) >=
          options.similarity.threshold) {
        s.scored.emplace_back(equal, d);
      }
    }
    const auto better = [](const std::pair<uint32_t, uint32_t>& a,
                           const std::pair<uint32_t, uint32_t>& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    if (s.scored.size() > max_results) {
      std::partial_sort(s.scored.begin(),
                        s.scored.begin() + static_cast<std::ptrdiff_t>(max_results), s.scored.end(),
                        better);
      s.scored.resize(max_results);
    } else {
      std::sort(s.scored.begin(), s.scored.end(), better);
    }
  }

  IndexMatch match_of(const std::pair<uint32_t, uint32_t>& scored) const {
    return IndexMatch{std::string(ids.id(scored.second)),
                      static_cast<double>(scored.first) / static_cast<double>(num_perm)};
  }

  void link(BandTable& t, uint32_t doc) noexcept {
    const std::size_t h = bucket(t.key[doc]);
    t.next[doc] = t.heads[h];
    t.heads[h] = doc;
  }
  // Removes `doc` from the chain starting at heads[h] whose links are `next`.
  static void unlink(std::vector<uint32_t>& heads, std::vector<uint32_t>& next, std::size_t h,
                     uint32_t doc) noexcept {
    uint32_t* at = &heads[h];
    while (*at != kNone && *at != doc) at = &next[*at];
    if (*at == doc) *at = next[doc];
  }

  // Rebuilds every chain with 2^bits heads. Allocates first, so on bad_alloc nothing changed.
  void rehash(unsigned bits) {
    std::vector<std::vector<uint32_t>> heads(bands.size());
    for (auto& h : heads) h.assign(std::size_t{1} << bits, kNone);
    ids.rehash(bits, [this](std::size_t d) { return dead[d] == 0; });  // the last allocation
    table_bits = bits;
    for (std::size_t b = 0; b < bands.size(); ++b) bands[b].heads.swap(heads[b]);
    for (std::size_t d = 0; d < docs; ++d) {
      if (dead[d] != 0 || is_empty_signature(signature(d))) continue;
      for (BandTable& t : bands) link(t, static_cast<uint32_t>(d));
    }
  }

  // Unlinks every live document with this id; exclusive lock held. Returns how many.
  std::size_t erase_locked(std::string_view doc_id, uint64_t id_hash) noexcept {
    return ids.erase(doc_id, id_hash, [this](uint32_t d) {
      if (!is_empty_signature(signature(d))) {
        for (BandTable& t : bands) unlink(t.heads, t.next, bucket(t.key[d]), d);
      }
      dead[d] = 1;
      ++removed;
    });
  }

  // Adds a document; exclusive lock held. Everything that can throw (allocation) happens before
  // the first change, so a failed add leaves the index as it was.
  Status insert_locked(std::string_view doc_id, std::span<const uint32_t> sig,
                       std::span<const uint64_t> keys) {
    NEARDUP_RETURN_IF_ERROR(ids.check_add(doc_id));
    const bool empty = is_empty_signature(sig);
    const bool grow = docs + 1 > (std::size_t{1} << table_bits);
    try {
      if (docs % kChunkDocs == 0 && docs / kChunkDocs == chunks.size()) {
        make_room(chunks);
        chunks.push_back(std::make_unique<uint32_t[]>(kChunkDocs * num_perm));
      }
      ids.make_room_for(doc_id);
      make_room(dead);
      for (BandTable& t : bands) {
        make_room(t.key);
        make_room(t.next);
      }
      if (grow) rehash(table_bits + 1);  // the last allocation
    } catch (const std::bad_alloc&) {
      return Status::out_of_range("out of memory adding document " + std::to_string(docs));
    }
    // No allocation below.
    uint32_t* dst = chunks[docs / kChunkDocs].get() + (docs % kChunkDocs) * num_perm;
    std::copy(sig.begin(), sig.end(), dst);
    const auto doc = static_cast<uint32_t>(docs);
    ids.add(doc_id);
    dead.push_back(0);
    for (std::size_t b = 0; b < bands.size(); ++b) {
      BandTable& t = bands[b];
      t.key.push_back(keys[b]);
      t.next.push_back(kNone);
      if (!empty) link(t, doc);
    }
    ++docs;
    return Status();
  }

  std::size_t memory_bytes_locked() const {
    std::size_t m = sizeof(State) + chunks.size() * kChunkDocs * num_perm * sizeof(uint32_t) +
                    vector_bytes(chunks) + vector_bytes(bands) + ids.memory_bytes() +
                    vector_bytes(dead);
    for (const BandTable& t : bands) {
      m += vector_bytes(t.heads) + vector_bytes(t.key) + vector_bytes(t.next);
    }
    return m;
  }
};

// --- public API -------------------------------------------------------------------------------

NearDupIndex::NearDupIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
NearDupIndex::NearDupIndex(NearDupIndex&&) noexcept = default;
NearDupIndex& NearDupIndex::operator=(NearDupIndex&&) noexcept = default;
NearDupIndex::~NearDupIndex() = default;

Result<NearDupIndex> NearDupIndex::create(IndexOptions options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  const LshParams lsh = options.lsh_params();
  return NearDupIndex(std::make_unique<State>(std::move(options), lsh));
}

const IndexOptions& NearDupIndex::options() const noexcept { return state_->options; }
const LshParams& NearDupIndex::lsh_params() const noexcept { return state_->lsh; }
uint32_t NearDupIndex::num_perm() const noexcept { return state_->num_perm; }

std::size_t NearDupIndex::size() const {
  std::shared_lock lock(state_->mu);
  return state_->live();
}

std::size_t NearDupIndex::memory_bytes() const {
  std::shared_lock lock(state_->mu);
  return state_->memory_bytes_locked();
}

void NearDupIndex::reserve(std::size_t documents) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  try {
    s.ids.reserve(documents);
    s.dead.reserve(documents);
    s.chunks.reserve((documents + kChunkDocs - 1) / kChunkDocs);
    for (BandTable& t : s.bands) {
      t.key.reserve(documents);
      t.next.reserve(documents);
    }
    // Size the chain heads for `documents` now, so that adding them never relinks.
    const auto bits = static_cast<unsigned>(std::bit_width(documents > 1 ? documents - 1 : 1));
    if (bits > s.table_bits && bits < 32) s.rehash(bits);
  } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): reserve is only a hint
  }
}

Status NearDupIndex::sign(std::string_view text, std::span<uint32_t> out) const {
  const State& s = *state_;
  if (out.size() != s.num_perm) {
    return Status::invalid_argument("signature buffer has " + std::to_string(out.size()) +
                                    " slots, the index uses " + std::to_string(s.num_perm));
  }
  State::Lease scratch(s);
  s.sign_into(text, *scratch, out);
  return Status();
}

namespace {
Status check_signature(std::span<const uint32_t> sig, uint32_t num_perm) {
  if (sig.size() != num_perm) {
    return Status::invalid_argument("signature has " + std::to_string(sig.size()) +
                                    " slots, the index uses " + std::to_string(num_perm));
  }
  return Status();
}
}  // namespace

Status NearDupIndex::add_signature(std::string_view id, std::span<const uint32_t> signature) {
  State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(check_signature(signature, s.num_perm));
  State::Lease scratch(s);
  s.band_keys(signature, *scratch);
  std::unique_lock lock(s.mu);
  return s.insert_locked(id, signature, scratch->keys);
}

Result<std::vector<IndexMatch>> NearDupIndex::query_signature(std::span<const uint32_t> signature,
                                                              std::size_t max_results) const {
  const State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(check_signature(signature, s.num_perm));
  State::Lease scratch(s);
  s.band_keys(signature, *scratch);
  std::vector<IndexMatch> out;
  std::shared_lock lock(s.mu);
  s.find_locked(signature, *scratch, max_results);
  out.reserve(scratch->scored.size());
  for (const auto& m : scratch->scored) out.push_back(s.match_of(m));
  return out;
}

Result<AddIfNewResult> NearDupIndex::add_if_new_signature(std::string_view id,
                                                          std::span<const uint32_t> signature) {
  State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(check_signature(signature, s.num_perm));
  State::Lease scratch(s);
  s.band_keys(signature, *scratch);
  std::unique_lock lock(s.mu);
  s.find_locked(signature, *scratch, 1);
  AddIfNewResult r;
  if (!scratch->scored.empty()) {
    r.match = s.match_of(scratch->scored.front());
    return r;
  }
  NEARDUP_RETURN_IF_ERROR(s.insert_locked(id, signature, scratch->keys));
  r.added = true;
  return r;
}

Status NearDupIndex::add(std::string_view id, std::string_view text) {
  State& s = *state_;
  State::Lease scratch(s);
  scratch->signature.resize(s.num_perm);
  s.sign_into(text, *scratch, scratch->signature);
  s.band_keys(scratch->signature, *scratch);
  std::unique_lock lock(s.mu);
  return s.insert_locked(id, scratch->signature, scratch->keys);
}

Result<std::vector<IndexMatch>> NearDupIndex::query(std::string_view text,
                                                    std::size_t max_results) const {
  const State& s = *state_;
  State::Lease scratch(s);
  scratch->signature.resize(s.num_perm);
  s.sign_into(text, *scratch, scratch->signature);
  s.band_keys(scratch->signature, *scratch);
  std::vector<IndexMatch> out;
  std::shared_lock lock(s.mu);
  s.find_locked(scratch->signature, *scratch, max_results);
  out.reserve(scratch->scored.size());
  for (const auto& m : scratch->scored) out.push_back(s.match_of(m));
  return out;
}

Result<AddIfNewResult> NearDupIndex::add_if_new(std::string_view id, std::string_view text) {
  State& s = *state_;
  State::Lease scratch(s);
  scratch->signature.resize(s.num_perm);
  s.sign_into(text, *scratch, scratch->signature);
  s.band_keys(scratch->signature, *scratch);
  std::unique_lock lock(s.mu);
  s.find_locked(scratch->signature, *scratch, 1);
  AddIfNewResult r;
  if (!scratch->scored.empty()) {
    r.match = s.match_of(scratch->scored.front());
    return r;
  }
  NEARDUP_RETURN_IF_ERROR(s.insert_locked(id, scratch->signature, scratch->keys));
  r.added = true;
  return r;
}

Result<std::size_t> NearDupIndex::remove(std::string_view id) {
  State& s = *state_;
  const uint64_t h = detail::IdTable::hash(id);
  std::unique_lock lock(s.mu);
  return s.erase_locked(id, h);
}

bool NearDupIndex::contains(std::string_view id) const {
  const uint64_t h = detail::IdTable::hash(id);
  std::shared_lock lock(state_->mu);
  return state_->ids.contains(id, h);
}

// --- serialization ----------------------------------------------------------------------------

std::string NearDupIndex::serialize() const {
  const State& s = *state_;
  std::shared_lock lock(s.mu);
  const SimilarityOptions& o = s.options.similarity;
  // One buffer for the whole file: the header's 64 bytes are filled in last (they hold the
  // payload's size and checksum), so the payload is never copied a second time.
  std::string payload(detail::kFileHeaderBytes, '\0');
  const std::size_t count = s.live();
  payload.reserve(detail::kFileHeaderBytes + 64 + s.ids.id_bytes() +
                  count * (4 + 4 * std::size_t{s.num_perm}) + 64);
  // options
  detail::put_section_head(payload, kTagOptions, kOptionsBytes);
  detail::put_pipeline(payload, o.pipeline);
  put_u32(payload, static_cast<uint32_t>(o.minhash.scheme));
  put_u32(payload, o.minhash.num_perm);
  put_u64(payload, o.minhash.seed);
  put_u64(payload, std::bit_cast<uint64_t>(o.threshold));
  put_u32(payload, o.bands);
  put_u32(payload, o.rows);
  put_u32(payload, s.lsh.bands);
  put_u32(payload, s.lsh.rows);
  // ids (removed documents are not written: a saved index is compact)
  detail::put_ids_section(
      payload, kTagIds, s.docs, [&](std::size_t d) { return s.dead[d] == 0; },
      [&](std::size_t d) { return s.ids.id(d); });
  // signatures
  detail::put_array_head(payload, kTagSignatures, count, s.num_perm, 4);
  for (std::size_t d = 0; d < s.docs; ++d) {
    if (s.dead[d] != 0) continue;
    if constexpr (std::endian::native == std::endian::little) {
      const std::span<const uint32_t> sig = s.signature(d);
      payload.append(reinterpret_cast<const char*>(sig.data()), sig.size_bytes());
    } else {
      for (const uint32_t v : s.signature(d)) put_u32(payload, v);
    }
  }
  detail::pad8(payload);
  const detail::FileHeader header{{s.num_perm, s.lsh.bands, s.lsh.rows, 0}, o.minhash.seed, count};
  lock.unlock();  // the rest works on this copy only
  detail::finish_file(payload, kFormat, header);
  return payload;
}

Status NearDupIndex::save(const std::string& path) const {
  return detail::save_file(path, kFormat, [this] { return serialize(); });
}

namespace {

using detail::SectionReader;

// A read-only private mapping of a whole file (POSIX mmap); empty files map to an empty view.
class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return Status::io_error(path + ": cannot stat: " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::io_error(path + ": not a regular file");
    }
    MappedFile m;
    m.size_ = static_cast<std::size_t>(st.st_size);
    if (m.size_ > 0) {
      void* p = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        return Status::io_error(path + ": cannot map: " + std::strerror(e));
      }
      ::madvise(p, m.size_, MADV_SEQUENTIAL);
      m.data_ = p;
    }
    ::close(fd);  // the mapping stays valid
    return m;
  }
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  MappedFile& operator=(MappedFile&&) = delete;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  std::string_view bytes() const noexcept {
    return data_ == nullptr ? std::string_view()
                            : std::string_view(static_cast<char*>(data_), size_);
  }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

Result<NearDupIndex> NearDupIndex::load(const std::string& path) {
  Result<MappedFile> mapped = MappedFile::open(path);
  if (!mapped.ok()) return mapped.status();
  return deserialize(mapped->bytes(), path);
}

Result<NearDupIndex> NearDupIndex::deserialize(std::string_view file, const std::string& path) {
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  Result<detail::CheckedFile> checked = detail::check_file(file, path, kFormat);
  if (!checked.ok()) return checked.status();
  const uint32_t num_perm = checked->header.fields32[0];
  const uint32_t bands = checked->header.fields32[1];
  const uint32_t rows = checked->header.fields32[2];
  const uint64_t seed = checked->header.field64;
  const uint64_t count = checked->header.count;

  SectionReader sections(checked->payload, path);
  // options
  Result<std::string_view> body = sections.next_sized(kTagOptions, "options", kOptionsBytes);
  if (!body.ok()) return body.status();
  const char* p = body->data();
  IndexOptions options;
  SimilarityOptions& o = options.similarity;
  const std::optional<PipelineOptions> pipeline = detail::get_pipeline(p);
  const uint32_t scheme = get_u32(p + 24);
  if (!pipeline || scheme > 1) {
    return corrupt("invalid options (unknown shingle kind, scheme or flag)");
  }
  o.pipeline = *pipeline;
  o.minhash.scheme = static_cast<MinHashScheme>(scheme);
  o.minhash.num_perm = get_u32(p + 28);
  o.minhash.seed = get_u64(p + 32);
  o.threshold = std::bit_cast<double>(get_u64(p + 40));
  o.bands = get_u32(p + 48);
  o.rows = get_u32(p + 52);
  if (Status st = o.validate(); !st.ok()) return corrupt("invalid options: " + st.message());
  if (o.minhash.num_perm != num_perm || o.minhash.seed != seed) {
    return corrupt("inconsistent header: num_perm/seed differ from the stored options");
  }
  LshParams lsh{bands, rows, seed};
  if (!lsh.validate(num_perm).ok() || (o.bands != 0 && (o.bands != bands || o.rows != rows)) ||
      get_u32(p + 56) != bands || get_u32(p + 60) != rows) {
    return corrupt("inconsistent header: bands " + std::to_string(bands) + " x rows " +
                   std::to_string(rows) + " do not fit the stored options");
  }

  // ids
  Result<detail::IdsReader> ids = detail::IdsReader::read(sections, kTagIds, count);
  if (!ids.ok()) return ids.status();

  // signatures
  Result<std::string_view> sigs = sections.next_array(kTagSignatures, "signatures", count, num_perm,
                                                      4, std::to_string(num_perm) + " slots");
  if (!sigs.ok()) return sigs.status();
  if (!sections.at_end()) return corrupt("inconsistent layout: data after the last section");

  // Everything checked: build the index (the LSH tables are rebuilt from the signatures).
  return detail::guarded_rebuild(path, kFormat, [&]() -> Result<NearDupIndex> {
    NearDupIndex index(std::make_unique<State>(std::move(options), lsh));
    index.reserve(static_cast<std::size_t>(count));
    State& s = *index.state_;
    State::Lease scratch(s);
    std::vector<uint32_t> sig(num_perm);
    std::unique_lock lock(s.mu);
    for (uint64_t d = 0; d < count; ++d) {
      const std::string_view id = ids->next();
      const char* src = sigs->data() + 4 * d * num_perm;
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(sig.data(), src, 4 * std::size_t{num_perm});
      } else {
        for (uint32_t i = 0; i < num_perm; ++i) sig[i] = get_u32(src + 4 * i);
      }
      s.band_keys(sig, *scratch);
      if (Status st = s.insert_locked(id, sig, scratch->keys); !st.ok()) {
        return corrupt("cannot rebuild: " + st.message());
      }
    }
    lock.unlock();
    return index;
  });
}

}  // namespace neardup

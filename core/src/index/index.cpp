#include "neardup/advanced/index.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detail/binary_io.h"
#include "index/index_file.h"
#include "index/index_support.h"
#include "index/persistent_index.h"

namespace neardup {

namespace detail {

// NearDupIndex's part of the persistent-index skeleton (persistent_index.h): 32-bit MinHash
// signatures, kept in chunks, and banded LSH tables over them (the ids, flags, lock and file
// frame are the skeleton's).
class MinHashKind {
 public:
  using Options = IndexOptions;
  using Value = std::span<const uint32_t>;

  struct Scratch {
    std::unique_ptr<ShingleHasher> shingler;
    std::vector<uint32_t> signature;
    std::vector<uint64_t> wide;
    std::vector<uint64_t> keys;
    std::vector<uint32_t> candidates;
    std::vector<std::pair<uint32_t, uint32_t>> found;  // (equal slots, doc), best first
  };

  // The header's fields: num_perm, bands, rows, reserved; the MinHash seed.
  static constexpr FileFormat kFormat = {.magic = kMinHashIndexMagic,
                                         .version = kIndexFormatVersion,
                                         .kind = 1,  // MinHash, 32-bit slots
                                         .field3_reserved = true,
                                         .name = "index",
                                         .noun = "index",
                                         .max_count = kMaxIndexDocuments,
                                         .counted = "documents"};

  MinHashKind(IndexOptions options, LshParams lsh)
      : options_(std::move(options)),
        lsh_(lsh),
        hasher_(options_.similarity.minhash),
        num_perm_(options_.similarity.minhash.num_perm) {
    bands_.resize(lsh_.bands);
    for (BandTable& t : bands_) t.heads.assign(std::size_t{1} << table_bits_, kNone);
  }

  const IndexOptions& options() const noexcept { return options_; }
  const LshParams& lsh() const noexcept { return lsh_; }
  uint32_t num_perm() const noexcept { return num_perm_; }
  const PipelineOptions& pipeline() const noexcept { return options_.similarity.pipeline; }

  Status check(Value sig) const {
    if (sig.size() != num_perm_) {
      return Status::invalid_argument("signature has " + std::to_string(sig.size()) +
                                      " slots, the index uses " + std::to_string(num_perm_));
    }
    return Status();
  }

  void sign_into(std::string_view text, Scratch& s, std::span<uint32_t> out) const {
    const std::span<const uint64_t> shingles = s.shingler->hash(text);
    hasher_.sign32(shingles, out);
  }
  Value sketch(std::string_view text, Scratch& s) const {
    s.signature.resize(num_perm_);
    sign_into(text, s, s.signature);
    return s.signature;
  }

  // Band keys of a 32-bit signature: lsh_band_key() of the slots zero-extended to 64 bits.
  void prepare(Value sig, Scratch& s) const {
    s.wide.resize(sig.size());
    for (std::size_t i = 0; i < sig.size(); ++i) s.wide[i] = sig[i];
    s.keys.resize(lsh_.bands);
    for (uint32_t b = 0; b < lsh_.bands; ++b) {
      s.keys[b] = lsh_band_key(s.wide, b, lsh_.rows, lsh_.seed);
    }
  }

  // Candidates sharing a band, verified; the best `max_results` into s.found. Lock held.
  Status find_locked(Value sig, Scratch& s, std::size_t max_results, const DocTable& d) const {
    s.candidates.clear();
    s.found.clear();
    if (max_results == 0 || d.docs == 0 || is_empty_signature(sig)) return Status();
    for (uint32_t b = 0; b < lsh_.bands; ++b) {
      const BandTable& t = bands_[b];
      const uint64_t k = s.keys[b];
      for (uint32_t doc = t.heads[bucket(k)]; doc != kNone; doc = t.next[doc]) {
        if (t.key[doc] == k) s.candidates.push_back(doc);
      }
    }
    if (s.candidates.empty()) return Status();
    std::sort(s.candidates.begin(), s.candidates.end());
    s.candidates.erase(std::unique(s.candidates.begin(), s.candidates.end()), s.candidates.end());
    for (const uint32_t doc : s.candidates) {
      const std::span<const uint32_t> other = signature(doc);
      uint32_t equal = 0;
      for (uint32_t i = 0; i < num_perm_; ++i) equal += sig[i] == other[i] ? 1u : 0u;
      // The same comparison as estimate_jaccard(sig, other) >= threshold.
      if (static_cast<double>(equal) / static_cast<double>(num_perm_) >=
          options_.similarity.threshold) {
        s.found.emplace_back(equal, doc);
      }
    }
    const auto better = [](const std::pair<uint32_t, uint32_t>& a,
                           const std::pair<uint32_t, uint32_t>& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    if (s.found.size() > max_results) {
      std::partial_sort(s.found.begin(), s.found.begin() + static_cast<std::ptrdiff_t>(max_results),
                        s.found.end(), better);
      s.found.resize(max_results);
    } else {
      std::sort(s.found.begin(), s.found.end(), better);
    }
    return Status();
  }

  double similarity(uint32_t equal) const noexcept {
    return static_cast<double>(equal) / static_cast<double>(num_perm_);
  }
  static uint8_t flags_of(Value sig) noexcept { return is_empty_signature(sig) ? kEmptyDoc : 0; }

  // Capacity for document `doc` (throws std::bad_alloc, changing nothing but capacity).
  void make_room(std::size_t doc) {
    if (doc % kChunkDocs == 0 && doc / kChunkDocs == chunks_.size()) {
      detail::make_room(chunks_);
      chunks_.push_back(std::make_unique<uint32_t[]>(kChunkDocs * num_perm_));
    }
    for (BandTable& t : bands_) {
      detail::make_room(t.key);
      detail::make_room(t.next);
    }
  }

  std::vector<std::vector<uint32_t>> prepare_rehash(unsigned bits) const {
    std::vector<std::vector<uint32_t>> heads(bands_.size());
    for (auto& h : heads) h.assign(std::size_t{1} << bits, kNone);
    return heads;
  }
  // Relinks every live, non-empty document under the new heads. No allocation.
  void commit_rehash(std::vector<std::vector<uint32_t>> heads, unsigned bits,
                     const DocTable& d) noexcept {
    table_bits_ = bits;
    for (std::size_t b = 0; b < bands_.size(); ++b) bands_[b].heads.swap(heads[b]);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (!d.is_live(doc) || d.is_empty(doc)) continue;
      for (BandTable& t : bands_) link(t, static_cast<uint32_t>(doc));
    }
  }

  // Stores document `doc`'s signature and links it (make_room(doc) succeeded; no allocation).
  Status append(std::size_t doc, Value sig, const Scratch& s) noexcept {
    uint32_t* dst = chunks_[doc / kChunkDocs].get() + (doc % kChunkDocs) * num_perm_;
    std::copy(sig.begin(), sig.end(), dst);
    const bool empty = is_empty_signature(sig);
    for (std::size_t b = 0; b < bands_.size(); ++b) {
      BandTable& t = bands_[b];
      t.key.push_back(s.keys[b]);
      t.next.push_back(kNone);
      if (!empty) link(t, static_cast<uint32_t>(doc));
    }
    return Status();
  }

  // Unlinks a removed document from every band chain.
  void erase(uint32_t doc, const DocTable& d) noexcept {
    if (d.is_empty(doc)) return;
    for (BandTable& t : bands_) unlink(t.heads, t.next, bucket(t.key[doc]), doc);
  }

  void reserve(std::size_t documents) {
    chunks_.reserve((documents + kChunkDocs - 1) / kChunkDocs);
    for (BandTable& t : bands_) {
      t.key.reserve(documents);
      t.next.reserve(documents);
    }
  }

  std::size_t memory_bytes() const noexcept {
    std::size_t m = chunks_.size() * kChunkDocs * num_perm_ * sizeof(uint32_t) +
                    vector_bytes(chunks_) + vector_bytes(bands_);
    for (const BandTable& t : bands_) {
      m += vector_bytes(t.heads) + vector_bytes(t.key) + vector_bytes(t.next);
    }
    return m;
  }

  // --- file ---------------------------------------------------------------------------------

  // A saved document: its 32-bit slots (no flags: emptiness is a function of the signature).
  std::size_t doc_bytes() const noexcept { return 4 * std::size_t{num_perm_}; }

  // The options section: the pipeline; MinHash scheme, num_perm, seed; threshold; bands/rows
  // as given and as used.
  void put_options(std::string& out) const {
    put_similarity_options(out, options_.similarity, lsh_);
  }

  void put_sketches(std::string& out, const DocTable& d, std::size_t count) const {
    put_array_head(out, kTagSignatures, count, num_perm_, 4);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (!d.is_live(doc)) continue;
      if constexpr (std::endian::native == std::endian::little) {
        const std::span<const uint32_t> sig = signature(doc);
        out.append(reinterpret_cast<const char*>(sig.data()), sig.size_bytes());
      } else {
        for (const uint32_t v : signature(doc)) put_u32(out, v);
      }
    }
  }

  FileHeader file_header(std::size_t count) const noexcept {
    return FileHeader{
        {num_perm_, lsh_.bands, lsh_.rows, 0}, options_.similarity.minhash.seed, count};
  }

  struct Stored {
    IndexOptions options;
    LshParams lsh;
  };

  // The options section at `p`, checked on its own and against the header.
  static Result<Stored> read_options(const char* p, const FileHeader& header,
                                     const std::string& path) {
    const auto corrupt = [&path](const std::string& what) {
      return Status::corrupt_data(path + ": " + what);
    };
    const uint32_t num_perm = header.fields32[0];
    const uint32_t bands = header.fields32[1];
    const uint32_t rows = header.fields32[2];
    const uint64_t seed = header.field64;
    Stored stored;
    SimilarityOptions& o = stored.options.similarity;
    const std::optional<SimilarityOptions> read = get_similarity_options(p);
    if (!read) return corrupt("invalid options (unknown shingle kind, scheme or flag)");
    o = *read;
    if (Status st = o.validate(); !st.ok()) return corrupt("invalid options: " + st.message());
    if (o.minhash.num_perm != num_perm || o.minhash.seed != seed) {
      return corrupt("inconsistent header: num_perm/seed differ from the stored options");
    }
    stored.lsh = LshParams{bands, rows, seed};
    if (!stored.lsh.validate(num_perm).ok() ||
        (o.bands != 0 && (o.bands != bands || o.rows != rows)) || get_u32(p + 56) != bands ||
        get_u32(p + 60) != rows) {
      return corrupt("inconsistent header: bands " + std::to_string(bands) + " x rows " +
                     std::to_string(rows) + " do not fit the stored options");
    }
    return stored;
  }

  // The signatures section, checked against the count; value(d) copies document d's slots
  // (the file's bytes need not be aligned).
  class Sketches {
   public:
    Sketches(std::string_view rows, uint32_t num_perm) : rows_(rows), num_perm_(num_perm) {}
    Value value(uint64_t d) {
      sig_.resize(num_perm_);
      const char* src = rows_.data() + 4 * d * num_perm_;
      if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(sig_.data(), src, 4 * std::size_t{num_perm_});
      } else {
        for (uint32_t i = 0; i < num_perm_; ++i) sig_[i] = get_u32(src + 4 * i);
      }
      return sig_;
    }

   private:
    std::string_view rows_;
    uint32_t num_perm_;
    std::vector<uint32_t> sig_;
  };

  static Result<Sketches> read_sketches(SectionReader& sections, const Stored& stored,
                                        uint64_t count, const std::string& /*path*/) {
    const uint32_t num_perm = stored.options.similarity.minhash.num_perm;
    Result<std::string_view> sigs = sections.next_array(
        kTagSignatures, "signatures", count, num_perm, 4, std::to_string(num_perm) + " slots");
    if (!sigs.ok()) return sigs.status();
    return Sketches(*sigs, num_perm);
  }

  static Result<MinHashKind> create(const Stored& stored, const std::string& /*path*/) {
    return MinHashKind(stored.options, stored.lsh);
  }

 private:
  static constexpr uint32_t kTagSignatures = 3;
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  // Documents per signature chunk: chunks never move, so growth never copies signatures.
  static constexpr std::size_t kChunkDocs = 1024;

  // One band's table: a power-of-two array of chain heads and, per document (implicit index),
  // its band key and the next document in its bucket's chain.
  struct BandTable {
    std::vector<uint32_t> heads;
    std::vector<uint64_t> key;
    std::vector<uint32_t> next;
  };

  std::span<const uint32_t> signature(std::size_t doc) const noexcept {
    return {chunks_[doc / kChunkDocs].get() + (doc % kChunkDocs) * num_perm_, num_perm_};
  }
  std::size_t bucket(uint64_t key) const noexcept {
    return static_cast<std::size_t>(key >> (64 - table_bits_));
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

  IndexOptions options_;
  LshParams lsh_;
  MinHasher hasher_;
  uint32_t num_perm_ = 0;
  // Guarded by the index's lock:
  std::vector<std::unique_ptr<uint32_t[]>> chunks_;
  std::vector<BandTable> bands_;
  unsigned table_bits_ = DocTable::kMinTableBits;  // as the id table's
};

}  // namespace detail

struct NearDupIndex::State : detail::PersistentIndex<detail::MinHashKind> {
  using PersistentIndex::PersistentIndex;
};

// --- public API -------------------------------------------------------------------------------

NearDupIndex::NearDupIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
NearDupIndex::NearDupIndex(NearDupIndex&&) noexcept = default;
NearDupIndex& NearDupIndex::operator=(NearDupIndex&&) noexcept = default;
NearDupIndex::~NearDupIndex() = default;

Result<NearDupIndex> NearDupIndex::create(IndexOptions options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  const LshParams lsh = options.lsh_params();
  return NearDupIndex(std::make_unique<State>(detail::MinHashKind(std::move(options), lsh)));
}

const IndexOptions& NearDupIndex::options() const noexcept { return state_->kind().options(); }
const LshParams& NearDupIndex::lsh_params() const noexcept { return state_->kind().lsh(); }
uint32_t NearDupIndex::num_perm() const noexcept { return state_->kind().num_perm(); }

std::size_t NearDupIndex::size() const { return state_->size(); }
std::size_t NearDupIndex::memory_bytes() const { return state_->memory_bytes(); }
void NearDupIndex::reserve(std::size_t documents) { state_->reserve(documents); }

Status NearDupIndex::sign(std::string_view text, std::span<uint32_t> out) const {
  const State& s = *state_;
  if (out.size() != s.kind().num_perm()) {
    return Status::invalid_argument("signature buffer has " + std::to_string(out.size()) +
                                    " slots, the index uses " +
                                    std::to_string(s.kind().num_perm()));
  }
  State::Lease scratch(s);
  s.kind().sign_into(text, *scratch, out);
  return Status();
}

Status NearDupIndex::add_signature(std::string_view id, std::span<const uint32_t> signature) {
  return state_->add_value(id, signature);
}
Result<std::vector<IndexMatch>> NearDupIndex::query_signature(std::span<const uint32_t> signature,
                                                              std::size_t max_results) const {
  return state_->query_value(signature, max_results);
}
Result<AddIfNewResult> NearDupIndex::add_if_new_signature(std::string_view id,
                                                          std::span<const uint32_t> signature) {
  return state_->add_if_new_value(id, signature);
}

Status NearDupIndex::add(std::string_view id, std::string_view text) {
  return state_->add(id, text);
}
Result<std::vector<IndexMatch>> NearDupIndex::query(std::string_view text,
                                                    std::size_t max_results) const {
  return state_->query(text, max_results);
}
Result<AddIfNewResult> NearDupIndex::add_if_new(std::string_view id, std::string_view text) {
  return state_->add_if_new(id, text);
}
Result<std::size_t> NearDupIndex::remove(std::string_view id) { return state_->remove(id); }
bool NearDupIndex::contains(std::string_view id) const { return state_->contains(id); }

// --- serialization ----------------------------------------------------------------------------

std::string NearDupIndex::serialize() const { return state_->serialize(); }
Status NearDupIndex::save(const std::string& path) const { return state_->save(path); }

namespace {

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
  Result<std::unique_ptr<State>> state = State::deserialize<State>(file, path);
  if (!state.ok()) return state.status();
  return NearDupIndex(std::move(*state));
}

}  // namespace neardup

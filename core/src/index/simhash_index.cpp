#include "neardup/advanced/simhash_index.h"

#include <bit>
#include <new>
#include <optional>
#include <utility>

#include "detail/binary_io.h"
#include "index/index_file.h"
#include "index/index_support.h"
#include "index/persistent_index.h"

namespace neardup {

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

namespace detail {

// SimHashIndex's part of the persistent-index skeleton (persistent_index.h): SimHash
// fingerprints in a HammingIndex (document number == HammingIndex id), whose block tables cannot
// remove an entry, so a removed document stays in them and queries skip it by its flag.
class SimHashKind {
 public:
  using Options = SimHashIndexOptions;
  using Value = TextFingerprint;

  struct Scratch {
    std::unique_ptr<ShingleHasher> shingler;
    std::vector<HammingMatch> near;
    std::vector<std::pair<uint32_t, uint32_t>> found;  // (distance, doc), closest first
  };

  // The header's fields: bits, max distance, blocks in use, reserved; the SimHash seed.
  static constexpr FileFormat kFormat = {.magic = kSimHashIndexMagic,
                                         .version = kSimHashIndexFormatVersion,
                                         .kind = 3,  // SimHash
                                         .field3_reserved = true,
                                         .name = "SimHash index",
                                         .noun = "index",
                                         .max_count = kMaxIndexDocuments,
                                         .counted = "documents"};

  SimHashKind(SimHashIndexOptions options, HammingIndex hamming)
      : options_(options),
        hasher_(options_.simhash),
        words_(options_.simhash.bits / 64),
        hamming_(std::move(hamming)) {}

  const SimHashIndexOptions& options() const noexcept { return options_; }
  const PipelineOptions& pipeline() const noexcept { return options_.pipeline; }
  // The HammingIndex's shape (set at creation; its own lock guards the rest).
  const HammingIndex& hamming() const noexcept { return hamming_; }

  Status check(const TextFingerprint& fp) const {
    if (words_ == 1 && fp.value.hi != 0) {
      return Status::invalid_argument("a 128-bit fingerprint given to a 64-bit SimHash index");
    }
    return Status();
  }

  TextFingerprint sketch(std::string_view text, Scratch& s) const {
    const std::span<const uint64_t> shingles = s.shingler->hash(text);
    uint64_t out[2] = {0, 0};
    hasher_.fingerprint(shingles, {}, std::span<uint64_t>(out, words_));
    return TextFingerprint{Fingerprint128{out[0], out[1]}, shingles.empty()};
  }
  static void prepare(const TextFingerprint& /*fp*/, Scratch& /*s*/) noexcept {}

  // The best `max_results` live matches into s.found, closest first. Lock held.
  Status find_locked(const TextFingerprint& q, Scratch& s, std::size_t max_results,
                     const DocTable& d) const {
    s.found.clear();
    if (max_results == 0 || q.empty || d.live() == 0) return Status();
    NEARDUP_RETURN_IF_ERROR(hamming_.query(q.value, options_.max_distance, s.near));
    // s.near is sorted by (distance, id), id = add order: the first live ones are the answer.
    for (const HammingMatch& m : s.near) {
      if (d.flags[m.id] != 0) continue;  // removed, or an empty document (matches nothing)
      s.found.emplace_back(m.distance, m.id);
      if (s.found.size() == max_results) break;
    }
    return Status();
  }

  double similarity(uint32_t distance) const noexcept {
    return 1.0 - static_cast<double>(distance) / static_cast<double>(options_.simhash.bits);
  }
  static uint8_t flags_of(const TextFingerprint& fp) noexcept { return fp.empty ? kEmptyDoc : 0; }

  // The HammingIndex grows by itself (in append); it has no chains to relink here.
  static void make_room(std::size_t /*doc*/) noexcept {}
  struct NoTables {};
  static NoTables prepare_rehash(unsigned /*bits*/) noexcept { return {}; }
  static void commit_rehash(NoTables /*prepared*/, unsigned /*bits*/,
                            const DocTable& /*d*/) noexcept {}

  // Enters document `doc`'s fingerprint: the last step of an add that can fail (the Hamming
  // index full or out of memory), before anything else changed.
  Status append(std::size_t doc, const TextFingerprint& fp, const Scratch& /*s*/) {
    Result<uint32_t> hid = hamming_.add(fp.value);
    if (!hid.ok()) return hid.status();
    if (*hid != doc) return Status::internal("SimHash index: Hamming id out of step");
    return Status();
  }
  // A removed document stays in the block tables (its flag hides it).
  static void erase(uint32_t /*doc*/, const DocTable& /*d*/) noexcept {}

  void reserve(std::size_t documents) { hamming_.reserve(documents); }
  std::size_t memory_bytes() const { return hamming_.memory_bytes(); }

  // --- file ---------------------------------------------------------------------------------

  // A saved document: its fingerprint words and a flags byte.
  std::size_t doc_bytes() const noexcept { return 8 * std::size_t{words_} + 1; }

  // The options section: the pipeline; bits, max_distance, SimHash seed; blocks as given and as
  // used; expected_size; weighting 0 = tf; 0.
  void put_options(std::string& out) const {
    const SimHashIndexOptions& o = options_;
    put_pipeline(out, o.pipeline);
    put_u32(out, o.simhash.bits);
    put_u32(out, o.max_distance);
    put_u64(out, o.simhash.seed);
    put_u32(out, o.blocks);
    put_u32(out, used_blocks());
    put_u64(out, o.expected_size);
    put_u32(out, 0);  // weighting: term frequency
    put_u32(out, 0);
  }

  // The fingerprints and the flags sections.
  void put_sketches(std::string& out, const DocTable& d, std::size_t count) const {
    put_array_head(out, kTagFingerprints, count, words_, 8);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (!d.is_live(doc)) continue;
      const Fingerprint128 f = hamming_.fingerprint(static_cast<uint32_t>(doc));
      put_u64(out, f.lo);
      if (words_ == 2) put_u64(out, f.hi);
    }
    put_section_head(out, kTagFlags, 8 + count);
    put_u64(out, count);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (d.is_live(doc)) out.push_back(static_cast<char>(d.flags[doc] & kEmptyDoc));
    }
  }

  FileHeader file_header(std::size_t count) const noexcept {
    return FileHeader{{options_.simhash.bits, options_.max_distance, used_blocks(), 0},
                      options_.simhash.seed,
                      count};
  }

  struct Stored {
    SimHashIndexOptions options;
    HammingIndexParams hamming;  // with the blocks in use
  };

  // The options section at `p`, checked on its own and against the header.
  static Result<Stored> read_options(const char* p, const FileHeader& header,
                                     const std::string& path) {
    const auto corrupt = [&path](const std::string& what) {
      return Status::corrupt_data(path + ": " + what);
    };
    const uint32_t bits = header.fields32[0];
    const uint32_t max_distance = header.fields32[1];
    const uint32_t used_blocks = header.fields32[2];
    const uint64_t seed = header.field64;
    const std::optional<PipelineOptions> pipeline = get_pipeline(p);
    const uint32_t weighting = get_u32(p + 56);
    if (!pipeline || weighting != 0 || get_u32(p + 60) != 0) {
      return corrupt("invalid options (unknown shingle kind, weighting or flag)");
    }
    Stored stored;
    SimHashIndexOptions& o = stored.options;
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
    stored.hamming = o.hamming_params();
    stored.hamming.blocks = used_blocks;
    if (get_u32(p + 44) != used_blocks || (o.blocks != 0 && o.blocks != used_blocks) ||
        !stored.hamming.validate().ok()) {
      return corrupt("inconsistent header: " + std::to_string(used_blocks) +
                     " blocks do not fit the stored options");
    }
    return stored;
  }

  // The fingerprints and flags sections, checked against the count and each other.
  class Sketches {
   public:
    Sketches(std::string_view rows, std::string_view flags, uint32_t words)
        : rows_(rows), flags_(flags), words_(words) {}
    TextFingerprint value(uint64_t d) const {
      const char* src = rows_.data() + 8 * std::size_t{words_} * d;
      return TextFingerprint{Fingerprint128{get_u64(src), words_ == 2 ? get_u64(src + 8) : 0},
                             (static_cast<unsigned char>(flags_[8 + d]) & kEmptyDoc) != 0};
    }

   private:
    std::string_view rows_, flags_;
    uint32_t words_;
  };

  static Result<Sketches> read_sketches(SectionReader& sections, const Stored& stored,
                                        uint64_t count, const std::string& path) {
    const auto corrupt = [&path](const std::string& what) {
      return Status::corrupt_data(path + ": " + what);
    };
    const uint32_t bits = stored.options.simhash.bits;
    const uint32_t words = bits / 64;
    Result<std::string_view> fps = sections.next_array(kTagFingerprints, "fingerprints", count,
                                                       words, 8, std::to_string(bits) + " bits");
    if (!fps.ok()) return fps.status();
    Result<std::string_view> body = sections.next(kTagFlags, "flags");
    if (!body.ok()) return body.status();
    const std::string_view fl = *body;
    if (fl.size() < 8 || get_u64(fl.data()) != count || fl.size() - 8 != count) {
      return corrupt("inconsistent counts: the flags section does not hold " +
                     std::to_string(count) + " flags");
    }
    for (uint64_t d = 0; d < count; ++d) {
      if ((static_cast<unsigned char>(fl[8 + d]) & ~unsigned{kEmptyDoc}) != 0) {
        return corrupt("invalid flags for document " + std::to_string(d));
      }
    }
    return Sketches(*fps, fl, words);
  }

  static Result<SimHashKind> create(const Stored& stored, const std::string& path) {
    Result<HammingIndex> hamming = HammingIndex::create(stored.hamming);
    if (!hamming.ok()) {
      return Status::corrupt_data(path + ": invalid parameters: " + hamming.status().message());
    }
    return SimHashKind(stored.options, std::move(*hamming));
  }

 private:
  static constexpr uint32_t kTagFingerprints = 3;
  static constexpr uint32_t kTagFlags = 4;

  uint32_t used_blocks() const noexcept { return hamming_.params().blocks; }

  SimHashIndexOptions options_;
  SimHasher hasher_;
  uint32_t words_ = 1;
  HammingIndex hamming_;  // guarded by the index's lock (every use; its own lock only inside)
};

}  // namespace detail

struct SimHashIndex::State : detail::PersistentIndex<detail::SimHashKind> {
  using PersistentIndex::PersistentIndex;
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
    return SimHashIndex(std::make_unique<State>(detail::SimHashKind(options, std::move(*h))));
  } catch (const std::bad_alloc&) {
    return Status::out_of_range("out of memory creating a SimHash index");
  }
}

bool SimHashIndex::has_magic_prefix(std::string_view prefix) noexcept {
  return !prefix.empty() && detail::kSimHashIndexMagic.starts_with(prefix);
}

const SimHashIndexOptions& SimHashIndex::options() const noexcept {
  return state_->kind().options();
}
uint32_t SimHashIndex::bits() const noexcept { return state_->kind().options().simhash.bits; }
uint32_t SimHashIndex::tables() const noexcept { return state_->kind().hamming().tables(); }
uint32_t SimHashIndex::blocks() const noexcept { return state_->kind().hamming().params().blocks; }

std::size_t SimHashIndex::size() const { return state_->size(); }
std::size_t SimHashIndex::memory_bytes() const { return state_->memory_bytes(); }
void SimHashIndex::reserve(std::size_t documents) { state_->reserve(documents); }

TextFingerprint SimHashIndex::fingerprint(std::string_view text) const {
  const State& s = *state_;
  State::Lease scratch(s);
  return s.kind().sketch(text, *scratch);
}

Status SimHashIndex::add_fingerprint(std::string_view id, const TextFingerprint& fp) {
  return state_->add_value(id, fp);
}
Result<std::vector<IndexMatch>> SimHashIndex::query_fingerprint(const TextFingerprint& fp,
                                                                std::size_t max_results) const {
  return state_->query_value(fp, max_results);
}
Result<AddIfNewResult> SimHashIndex::add_if_new_fingerprint(std::string_view id,
                                                            const TextFingerprint& fp) {
  return state_->add_if_new_value(id, fp);
}

Status SimHashIndex::add(std::string_view id, std::string_view text) {
  return state_->add(id, text);
}
Result<std::vector<IndexMatch>> SimHashIndex::query(std::string_view text,
                                                    std::size_t max_results) const {
  return state_->query(text, max_results);
}
Result<AddIfNewResult> SimHashIndex::add_if_new(std::string_view id, std::string_view text) {
  return state_->add_if_new(id, text);
}
Result<std::size_t> SimHashIndex::remove(std::string_view id) { return state_->remove(id); }
bool SimHashIndex::contains(std::string_view id) const { return state_->contains(id); }

// --- serialization ------------------------------------------------------------------------------

std::string SimHashIndex::serialize() const { return state_->serialize(); }
Status SimHashIndex::save(const std::string& path) const { return state_->save(path); }

Result<SimHashIndex> SimHashIndex::load(const std::string& path) {
  Result<std::string> bytes = detail::read_whole_file(path);
  if (!bytes.ok()) return bytes.status();
  return deserialize(*bytes, path);
}

Result<SimHashIndex> SimHashIndex::deserialize(std::string_view file, const std::string& path) {
  Result<std::unique_ptr<State>> state = State::deserialize<State>(file, path);
  if (!state.ok()) return state.status();
  return SimHashIndex(std::move(*state));
}

}  // namespace neardup

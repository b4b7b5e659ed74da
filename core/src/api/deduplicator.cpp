#include "neardup/deduplicator.h"

#include <new>
#include <utility>
#include <variant>

#include "neardup/advanced/containment.h"
#include "neardup/advanced/containment_index.h"
#include "neardup/advanced/index.h"
#include "neardup/advanced/open_index.h"
#include "neardup/advanced/simhash_index.h"

namespace neardup {

// The backend interface behind the facade. Each backend owns its index and options; the facade
// only forwards. Every method must be safe to call concurrently (see the header's contract).
class Deduplicator::Backend {
 public:
  virtual ~Backend() = default;
  virtual Status add(std::string_view id, std::string_view text) = 0;
  virtual Result<std::vector<DedupMatch>> query(std::string_view text,
                                                std::size_t max_results) const = 0;
  virtual Result<DedupVerdict> add_if_new(std::string_view id, std::string_view text) = 0;
  virtual Result<std::size_t> remove(std::string_view id) = 0;
  virtual bool contains(std::string_view id) const = 0;
  virtual std::size_t size() const = 0;
  virtual void reserve(std::size_t documents) = 0;
  virtual Status save(const std::string& path) const = 0;
  virtual DedupStats stats() const = 0;
  virtual const DeduplicatorOptions& options() const noexcept = 0;
};

namespace {

IndexOptions to_index_options(const DeduplicatorOptions& o) {
  IndexOptions index;
  SimilarityOptions& x = index.similarity;
  x.pipeline.shingle.kind = o.char_shingles ? ShingleKind::kChar : ShingleKind::kWord;
  x.pipeline.shingle.k = o.shingle_k;
  x.minhash.num_perm = o.num_perm;
  x.minhash.seed = o.seed;
  x.threshold = o.threshold;
  x.bands = o.bands;
  x.rows = o.rows;
  return index;
}

DeduplicatorOptions from_index_options(const IndexOptions& index) {
  const SimilarityOptions& x = index.similarity;
  DeduplicatorOptions o;
  o.backend = DedupBackend::kMinHash;
  o.char_shingles = x.pipeline.shingle.kind == ShingleKind::kChar;
  o.shingle_k = x.pipeline.shingle.k;
  o.num_perm = x.minhash.num_perm;
  o.seed = x.minhash.seed;
  o.threshold = x.threshold;
  o.bands = x.bands;
  o.rows = x.rows;
  return o;
}

DedupMatch to_match(IndexMatch&& m) {
  DedupMatch out;
  out.id = std::move(m.id);
  out.similarity = m.similarity;
  out.query_in_match = m.query_in_match;
  out.match_in_query = m.match_in_query;
  return out;
}

// NearDupIndex and SimHashIndex share one interface (add, query, add_if_new, remove, contains,
// size, reserve, save, memory_bytes); describe() fills in what differs in the stats.
void describe(const NearDupIndex& index, const DeduplicatorOptions& options, DedupStats& s) {
  s.backend = DedupBackend::kMinHash;
  s.threshold = options.threshold;
  s.num_perm = index.num_perm();
  s.bands = index.lsh_params().bands;
  s.rows = index.lsh_params().rows;
}

void describe(const SimHashIndex& index, const DeduplicatorOptions& /*options*/, DedupStats& s) {
  s.backend = DedupBackend::kSimHash;
  s.simhash_bits = index.bits();
  s.max_distance = index.options().max_distance;
  s.tables = index.tables();
  s.threshold = 1.0 - static_cast<double>(s.max_distance) / static_cast<double>(s.simhash_bits);
}

void describe(const ContainmentIndex& index, const DeduplicatorOptions& /*options*/,
              DedupStats& s) {
  s.backend = DedupBackend::kContainment;
  s.threshold = index.options().threshold;
  s.num_perm = index.options().num_perm;
  s.band_entries = index.band_entries();
}

template <typename Index>
class IndexBackend final : public Deduplicator::Backend {
 public:
  IndexBackend(Index index, DeduplicatorOptions options)
      : index_(std::move(index)), options_(options) {}

  Status add(std::string_view id, std::string_view text) override { return index_.add(id, text); }

  Result<std::vector<DedupMatch>> query(std::string_view text,
                                        std::size_t max_results) const override {
    Result<std::vector<IndexMatch>> r = index_.query(text, max_results);
    if (!r.ok()) return r.status();
    std::vector<DedupMatch> out;
    out.reserve(r->size());
    for (IndexMatch& m : *r) out.push_back(to_match(std::move(m)));
    return out;
  }

  Result<DedupVerdict> add_if_new(std::string_view id, std::string_view text) override {
    Result<AddIfNewResult> r = index_.add_if_new(id, text);
    if (!r.ok()) return r.status();
    return DedupVerdict{r->added, to_match(std::move(r->match))};
  }

  Result<std::size_t> remove(std::string_view id) override { return index_.remove(id); }
  bool contains(std::string_view id) const override { return index_.contains(id); }
  std::size_t size() const override { return index_.size(); }
  void reserve(std::size_t documents) override { index_.reserve(documents); }
  Status save(const std::string& path) const override { return index_.save(path); }

  DedupStats stats() const override {
    DedupStats s;
    // Two reads under two locks: with concurrent writers the pair may be from different
    // instants, which is fine for statistics.
    s.documents = index_.size();
    s.memory_bytes = index_.memory_bytes();
    s.bytes_per_document =
        s.documents == 0 ? 0.0
                         : static_cast<double>(s.memory_bytes) / static_cast<double>(s.documents);
    describe(index_, options_, s);
    return s;
  }

  const DeduplicatorOptions& options() const noexcept override { return options_; }

 private:
  Index index_;
  DeduplicatorOptions options_;
};
using MinHashBackend = IndexBackend<NearDupIndex>;
using SimHashBackend = IndexBackend<SimHashIndex>;
using ContainmentBackend = IndexBackend<ContainmentIndex>;

// kContainment: the batch search's shingles (the shingle seed is the MinHash seed, as in
// find_contained), so that the index and find_contained / --mode containment agree.
ContainmentIndexOptions to_containment_options(const DeduplicatorOptions& o) {
  ContainmentIndexOptions x;
  x.pipeline.shingle.kind = o.char_shingles ? ShingleKind::kChar : ShingleKind::kWord;
  x.pipeline.shingle.k = o.shingle_k;
  x.pipeline.shingle.seed = o.seed;
  x.threshold = o.threshold;
  x.num_perm = o.num_perm;
  x.seed = o.seed;
  x.direction = static_cast<ContainmentDirection>(o.containment_direction);
  return x;
}

DeduplicatorOptions from_containment_options(const ContainmentIndexOptions& x) {
  DeduplicatorOptions o;
  o.backend = DedupBackend::kContainment;
  o.char_shingles = x.pipeline.shingle.kind == ShingleKind::kChar;
  o.shingle_k = x.pipeline.shingle.k;
  o.threshold = x.threshold;
  o.num_perm = x.num_perm;
  o.seed = x.seed;
  o.containment_direction = static_cast<DedupDirection>(x.direction);
  return o;
}

SimHashIndexOptions to_simhash_options(const DeduplicatorOptions& o) {
  SimHashIndexOptions x;
  x.pipeline.shingle.kind = o.char_shingles ? ShingleKind::kChar : ShingleKind::kWord;
  x.pipeline.shingle.k = o.shingle_k;
  x.simhash.bits = o.simhash_bits;
  x.simhash.seed = o.seed;
  x.max_distance = o.max_distance;
  return x;
}

DeduplicatorOptions from_simhash_options(const SimHashIndexOptions& x) {
  DeduplicatorOptions o;
  o.backend = DedupBackend::kSimHash;
  o.char_shingles = x.pipeline.shingle.kind == ShingleKind::kChar;
  o.shingle_k = x.pipeline.shingle.k;
  o.seed = x.simhash.seed;
  o.max_distance = x.max_distance;
  o.simhash_bits = x.simhash.bits;
  return o;
}

}  // namespace

std::string_view dedup_backend_name(DedupBackend backend) noexcept {
  switch (backend) {
    case DedupBackend::kMinHash:
      return "minhash";
    case DedupBackend::kSimHash:
      return "simhash";
    case DedupBackend::kContainment:
      return "containment";
  }
  return "unknown";
}

Status DeduplicatorOptions::validate() const {
  switch (backend) {
    case DedupBackend::kMinHash:
      return to_index_options(*this).validate();
    case DedupBackend::kSimHash:
      return to_simhash_options(*this).validate();
    case DedupBackend::kContainment:
      if (shingle_k == 0 || shingle_k > 64) {
        return Status::out_of_range("shingle_k must be 1..64, got " + std::to_string(shingle_k));
      }
      return to_containment_options(*this).validate();
  }
  return Status::invalid_argument("unknown deduplicator backend " +
                                  std::to_string(static_cast<unsigned>(backend)));
}

Deduplicator::Deduplicator(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
Deduplicator::Deduplicator(Deduplicator&&) noexcept = default;
Deduplicator& Deduplicator::operator=(Deduplicator&&) noexcept = default;
Deduplicator::~Deduplicator() = default;

Result<Deduplicator> Deduplicator::create(const DeduplicatorOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  try {
    if (options.backend == DedupBackend::kSimHash) {
      Result<SimHashIndex> index = SimHashIndex::create(to_simhash_options(options));
      if (!index.ok()) return index.status();
      return Deduplicator(std::make_unique<SimHashBackend>(std::move(*index), options));
    }
    if (options.backend == DedupBackend::kContainment) {
      Result<ContainmentIndex> index = ContainmentIndex::create(to_containment_options(options));
      if (!index.ok()) return index.status();
      return Deduplicator(std::make_unique<ContainmentBackend>(std::move(*index), options));
    }
    Result<NearDupIndex> index = NearDupIndex::create(to_index_options(options));
    if (!index.ok()) return index.status();
    return Deduplicator(std::make_unique<MinHashBackend>(std::move(*index), options));
  } catch (const std::bad_alloc&) {
    return Status::out_of_range("out of memory creating the index");
  }
}

Result<Deduplicator> Deduplicator::load(const std::string& path) {
  // open_index() picks the kind by the file's magic; that kind's loader checks everything.
  Result<AnyIndex> index = open_index(path);
  if (!index.ok()) return index.status();
  try {
    if (SimHashIndex* simhash = std::get_if<SimHashIndex>(&*index)) {
      DeduplicatorOptions options = from_simhash_options(simhash->options());
      return Deduplicator(std::make_unique<SimHashBackend>(std::move(*simhash), options));
    }
    if (ContainmentIndex* contained = std::get_if<ContainmentIndex>(&*index)) {
      DeduplicatorOptions options = from_containment_options(contained->options());
      return Deduplicator(std::make_unique<ContainmentBackend>(std::move(*contained), options));
    }
    NearDupIndex& minhash = std::get<NearDupIndex>(*index);
    DeduplicatorOptions options = from_index_options(minhash.options());
    return Deduplicator(std::make_unique<MinHashBackend>(std::move(minhash), options));
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the index");
  }
}

// Allocation failures inside the backends come back as Status where they matter (adding,
// loading, saving); here the remaining std::bad_alloc (e.g. a result vector) is converted too.
#define NEARDUP_FACADE_CALL(expr, what)                    \
  try {                                                    \
    return expr;                                           \
  } catch (const std::bad_alloc&) {                        \
    return Status::out_of_range("out of memory in " what); \
  }

Status Deduplicator::add(std::string_view id,
                         std::string_view text){NEARDUP_FACADE_CALL(backend_->add(id, text), "add")}

Result<std::vector<DedupMatch>> Deduplicator::query(std::string_view text,
                                                    std::size_t max_results) const {
    NEARDUP_FACADE_CALL(backend_->query(text, max_results), "query")}

Result<DedupVerdict> Deduplicator::add_if_new(std::string_view id, std::string_view text){
    NEARDUP_FACADE_CALL(backend_->add_if_new(id, text), "add_if_new")}

Result<std::size_t> Deduplicator::remove(std::string_view id){
    NEARDUP_FACADE_CALL(backend_->remove(id), "remove")}

Status Deduplicator::save(const std::string& path) const {
  NEARDUP_FACADE_CALL(backend_->save(path), "save")
}

#undef NEARDUP_FACADE_CALL

bool Deduplicator::contains(std::string_view id) const { return backend_->contains(id); }
std::size_t Deduplicator::size() const { return backend_->size(); }
void Deduplicator::reserve(std::size_t documents) { backend_->reserve(documents); }
DedupStats Deduplicator::stats() const { return backend_->stats(); }
const DeduplicatorOptions& Deduplicator::options() const noexcept { return backend_->options(); }

namespace {
ContainmentOptions containment_options(const ContainmentSearchOptions& o) {
  ContainmentOptions c;
  c.pipeline.shingle.kind = o.char_shingles ? ShingleKind::kChar : ShingleKind::kWord;
  c.pipeline.shingle.k = o.shingle_k;
  c.pipeline.shingle.seed = o.seed;
  c.threshold = o.threshold;
  c.num_perm = o.num_perm;
  c.seed = o.seed;
  return c;
}
}  // namespace

Status ContainmentSearchOptions::validate() const {
  if (shingle_k == 0 || shingle_k > 64) {
    return Status::out_of_range("shingle_k must be 1..64, got " + std::to_string(shingle_k));
  }
  return containment_options(*this).validate();
}

Result<std::vector<ContainedPage>> find_contained(const std::vector<std::string_view>& pages,
                                                  const ContainmentSearchOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  Result<ContainmentClusterer> created = ContainmentClusterer::create(containment_options(options));
  if (!created.ok()) return created.status();
  ContainmentClusterer::Scratch scratch;
  PreparedContainment doc;
  for (const std::string_view page : pages) {
    created->prepare(page, doc, scratch);
    NEARDUP_RETURN_IF_ERROR(created->add(doc));
  }
  Result<ContainmentResult> r = created->finish(ContainmentKeep::kContainer);
  if (!r.ok()) return r.status();
  std::vector<ContainedPage> out;
  for (std::size_t i = 0; i < r->contained_in.size(); ++i) {
    if (r->contained_in[i] == kNotContained) continue;
    out.push_back({i, r->contained_in[i], r->containment[i]});
  }
  return out;
}

}  // namespace neardup

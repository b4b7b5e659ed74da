#include "neardup/advanced/simhash_clusterer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "detail/sort_hashes.h"
#include "neardup/advanced/near_dup.h"  // jaccard_sorted
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/spill.h"
#include "spill/temp_file.h"

namespace neardup {
namespace {

// 1 + ln(c) for c = 1..64 as literals, so that log-tf fingerprints do not depend on the C
// library's log(); counts above 64 (rare) extend the last entry with log().
constexpr float kLogTf[64] = {
    1.0f,      1.693147f, 2.098612f, 2.386294f, 2.609438f, 2.791759f, 2.94591f,  3.079442f,
    3.197225f, 3.302585f, 3.397895f, 3.484907f, 3.564949f, 3.639057f, 3.70805f,  3.772589f,
    3.833213f, 3.890372f, 3.944439f, 3.995732f, 4.044522f, 4.091042f, 4.135494f, 4.178054f,
    4.218876f, 4.258097f, 4.295837f, 4.332205f, 4.367296f, 4.401197f, 4.433987f, 4.465736f,
    4.496508f, 4.526361f, 4.555348f, 4.583519f, 4.610918f, 4.637586f, 4.663562f, 4.688879f,
    4.713572f, 4.73767f,  4.7612f,   4.78419f,  4.806662f, 4.828641f, 4.850148f, 4.871201f,
    4.89182f,  4.912023f, 4.931826f, 4.951244f, 4.970292f, 4.988984f, 5.007333f, 5.025352f,
    5.043051f, 5.060443f, 5.077537f, 5.094345f, 5.110874f, 5.127134f, 5.143135f, 5.158883f};

thread_local detail::HashSortScratch tls_sort;  // prepare() runs on many threads

void sort_hashes(std::vector<uint64_t>& v) { detail::sort_hashes(v.data(), v.size(), tls_sort); }

float log_tf(std::size_t count) {
  if (count <= 64) return kLogTf[count - 1];
  return kLogTf[63] + std::log(static_cast<float>(count) / 64.0f);
}

}  // namespace

Status SimHashClustererOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(pipeline.validate());
  NEARDUP_RETURN_IF_ERROR(simhash.validate());
  HammingIndexParams index;
  index.bits = simhash.bits;
  index.max_distance = max_distance;
  NEARDUP_RETURN_IF_ERROR(index.validate());
  if (weights != SimHashWeights::kTf && weights != SimHashWeights::kTfIdf &&
      weights != SimHashWeights::kLogTf) {
    return Status::invalid_argument("SimHashClustererOptions: unknown weights");
  }
  if (verify != SimHashVerify::kNone && verify != SimHashVerify::kShingles) {
    return Status::invalid_argument("SimHashClustererOptions: unknown verify mode");
  }
  if (verify == SimHashVerify::kShingles && !(threshold >= 0 && threshold <= 1)) {
    return Status::invalid_argument("SimHashClustererOptions: threshold must be in [0, 1]");
  }
  return Status();
}

// The temporary file of the sets on disk: one record per first copy with shingles, in input
// order: its n sorted distinct shingles (8 bytes each), then with kTfIdf their n counts (floats),
// padded to a multiple of 8 bytes so that every record starts aligned.
struct SimHashClusterer::SetFile {
  spill::TempFile file;
};

namespace {

uint64_t record_bytes(uint32_t n, bool counts) {
  const uint64_t b = uint64_t{n} * sizeof(uint64_t) + (counts ? uint64_t{n} * sizeof(float) : 0);
  return (b + 7) / 8 * 8;
}

}  // namespace

SimHashClusterer::SimHashClusterer(SimHashClustererOptions options)
    : options_(std::move(options)), hasher_(options_.simhash), words_(hasher_.words()) {}

Result<SimHashClusterer> SimHashClusterer::create(SimHashClustererOptions options,
                                                  SetStorage storage) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  SimHashClusterer c(std::move(options));
  if (storage.on_disk && c.keeps_sets()) {
    SpillOptions where;
    where.tmp_dir = storage.tmp_dir;
    Result<spill::TempFile> f = spill::TempFile::create(where.resolved_dir());
    if (!f.ok()) return f.status();
    c.file_ = std::make_shared<SetFile>();
    c.file_->file = std::move(*f);
  }
  return c;
}

void SimHashClusterer::prepare(std::string_view text, PreparedSimHash& out,
                               Scratch& scratch) const {
  if (!scratch.shingler_) scratch.shingler_ = std::make_unique<ShingleHasher>(options_.pipeline);
  const bool tfidf = options_.weights == SimHashWeights::kTfIdf;
  const bool keep_sets = tfidf || options_.verify == SimHashVerify::kShingles;
  const std::span<const uint64_t> shingles = scratch.shingler_->hash(text);
  out.exact_key = exact_key(scratch.shingler_->last_normalized());
  out.empty = shingles.empty();
  out.text_bytes = text.size();
  if (options_.weights == SimHashWeights::kTf) {
    hasher_.fingerprint(shingles, {}, std::span<uint64_t>(out.fingerprint, words_));
  } else if (options_.weights == SimHashWeights::kLogTf) {
    std::vector<uint64_t>& f = scratch.features_;
    std::vector<float>& w = scratch.weights_;
    f.assign(shingles.begin(), shingles.end());
    sort_hashes(f);
    w.clear();
    std::size_t m = 0;
    for (std::size_t a = 0; a < f.size();) {
      std::size_t b = a + 1;
      while (b < f.size() && f[b] == f[a]) ++b;
      f[m++] = f[a];
      w.push_back(log_tf(b - a));
      a = b;
    }
    f.resize(m);
    hasher_.fingerprint(f, w, std::span<uint64_t>(out.fingerprint, words_));
  }
  out.features.clear();
  out.counts.clear();
  if (keep_sets) {
    out.features.assign(shingles.begin(), shingles.end());
    sort_hashes(out.features);
    std::size_t m = 0;
    for (std::size_t a = 0; a < out.features.size();) {
      std::size_t b = a + 1;
      while (b < out.features.size() && out.features[b] == out.features[a]) ++b;
      out.features[m++] = out.features[a];
      if (tfidf) out.counts.push_back(static_cast<float>(b - a));
      a = b;
    }
    out.features.resize(m);
  }
}

uint32_t SimHashClusterer::add(PreparedSimHash& doc) {
  const bool tfidf = options_.weights == SimHashWeights::kTfIdf;
  const bool keep_sets = tfidf || options_.verify == SimHashVerify::kShingles;
  const auto number = static_cast<uint32_t>(canon_.size());
  const ExactIndex::Match m = exact_.add(doc.exact_key, number);
  const bool copy = !m.is_new;
  const uint32_t first = copy ? static_cast<uint32_t>(m.first) : number;
  canon_.push_back(first);
  empty_.push_back(doc.empty ? 1 : 0);
  ++stats_.documents;
  stats_.empty += doc.empty ? 1 : 0;
  stats_.exact_duplicates += copy ? 1 : 0;
  for (uint32_t w = 0; w < words_; ++w) {
    fps_.push_back(copy ? fps_[std::size_t{first} * words_ + w] : doc.fingerprint[w]);
  }
  if (!keep_sets) return number;
  if (tfidf && !copy) {  // document frequencies over the distinct texts
    terms_.clear();
    for (const uint64_t f : doc.features) terms_.push_back({f, 1.0f});
    df_.add(terms_);
  }
  if (!file_) {
    sets_.emplace_back();
    if (!copy) sets_.back() = std::move(doc.features);
    if (tfidf) {
      counts_.emplace_back();
      if (!copy) counts_.back() = std::move(doc.counts);
    }
    return number;
  }
  const auto n = static_cast<uint32_t>(copy ? 0 : doc.features.size());
  set_pos_.push_back(disk_bytes_);
  set_len_.push_back(n);
  if (n == 0 || !status_.ok()) return number;
  Status s = file_->file.append(doc.features.data(), n * sizeof(uint64_t));
  uint64_t written = n * sizeof(uint64_t);
  if (s.ok() && tfidf) {
    s = file_->file.append(doc.counts.data(), n * sizeof(float));
    written += n * sizeof(float);
  }
  static constexpr char kPad[8] = {};
  const uint64_t padded = record_bytes(n, tfidf);
  if (s.ok() && padded > written) s = file_->file.append(kPad, padded - written);
  if (!s.ok()) status_ = std::move(s);
  disk_bytes_ += padded;
  return number;
}

std::span<const uint64_t> SimHashClusterer::set_of(std::size_t d, std::vector<uint64_t>& buffer) {
  if (!file_) return sets_[d];
  const uint32_t n = set_len_[d];
  if (n == 0 || !status_.ok()) return {};
  if (buffer.size() < n) buffer.resize(n);
  Status s = file_->file.read_at(set_pos_[d], buffer.data(), n * sizeof(uint64_t));
  if (!s.ok()) {
    status_ = std::move(s);
    return {};
  }
  return {buffer.data(), n};
}

// TF-IDF fingerprints of the first copies, now that the document frequencies are complete.
Status SimHashClusterer::tfidf_fingerprints(unsigned threads) {
  const std::size_t total = canon_.size();
  std::vector<std::vector<float>> weights(std::max(1u, threads));
  // The IDF of the common (low) document frequencies, computed once instead of a log() per
  // shingle of every document; the same values as DocumentFrequencies::idf().
  std::vector<float> idf_by_df(4096);
  for (std::size_t f = 0; f < idf_by_df.size(); ++f) idf_by_df[f] = df_.idf_of_frequency(f);
  const auto idf = [&](uint64_t term) {
    const uint64_t f = df_.frequency(term);
    return f < idf_by_df.size() ? idf_by_df[f] : df_.idf_of_frequency(f);
  };
  const auto sign = [&](std::size_t d, std::span<const uint64_t> f, const float* counts,
                        unsigned w) {
    std::vector<float>& wt = weights[w];
    wt.resize(f.size());
    for (std::size_t j = 0; j < f.size(); ++j) {
      float c;
      std::memcpy(&c, counts + j, sizeof c);  // on disk the counts follow the shingles
      wt[j] = c * idf(f[j]);
    }
    hasher_.fingerprint(f, wt, std::span<uint64_t>(fps_.data() + d * words_, words_));
  };
  if (!file_) {
    parallel_for(total, threads, [&](std::size_t d, unsigned w) {
      if (canon_[d] == d) sign(d, sets_[d], counts_[d].data(), w);
    });
    std::vector<std::vector<float>>().swap(counts_);
    return Status();
  }
  // On disk: consecutive records in chunks of <= 16 MiB (or one larger record), each read with
  // one pread and fingerprinted on every thread.
  constexpr uint64_t kChunk = uint64_t{16} << 20;
  std::vector<uint64_t> chunk;
  for (std::size_t d = 0; d < total;) {
    const uint64_t start = set_pos_[d];
    std::size_t e = d + 1;
    uint64_t end = start + record_bytes(set_len_[d], true);
    while (e < total) {
      const uint64_t next = set_pos_[e] + record_bytes(set_len_[e], true);
      if (next - start > kChunk) break;
      end = next;
      ++e;
    }
    try {
      chunk.resize((end - start) / sizeof(uint64_t));
    } catch (...) {
      return Status::out_of_range("out of memory reading the shingle sets back");
    }
    if (end > start) {
      NEARDUP_RETURN_IF_ERROR(file_->file.read_at(start, chunk.data(), end - start));
    }
    parallel_for(e - d, threads, [&](std::size_t i, unsigned w) {
      const std::size_t doc = d + i;
      if (canon_[doc] != doc) return;
      const uint32_t n = set_len_[doc];
      const uint64_t* f = chunk.data() + (set_pos_[doc] - start) / sizeof(uint64_t);
      sign(doc, {f, n}, reinterpret_cast<const float*>(f + n), w);
    });
    d = e;
  }
  return Status();
}

Fingerprint128 SimHashClusterer::fingerprint(std::size_t d) const noexcept {
  return Fingerprint128{fps_[d * words_], words_ == 2 ? fps_[d * words_ + 1] : 0};
}

Result<std::vector<Assignment>> SimHashClusterer::finish(std::span<const double> priority,
                                                         unsigned threads) {
  const std::size_t total = canon_.size();
  const bool verify = options_.verify == SimHashVerify::kShingles;

  if (file_) {
    if (status_.ok()) status_ = file_->file.flush();
    if (!status_.ok()) return status_;
  }
  // TF-IDF: the fingerprints, now that the document frequencies of the distinct texts are known.
  if (options_.weights == SimHashWeights::kTfIdf) {
    NEARDUP_RETURN_IF_ERROR(tfidf_fingerprints(threads));
    for (std::size_t d = 0; d < total; ++d) {
      if (canon_[d] != d) {
        for (uint32_t w = 0; w < words_; ++w) {
          fps_[d * words_ + w] = fps_[std::size_t{canon_[d]} * words_ + w];
        }
      }
    }
  }
  // The index of the first copies with shingles, and every pair within max_distance.
  HammingIndexParams params;
  params.bits = options_.simhash.bits;
  params.max_distance = options_.max_distance;
  std::vector<uint32_t> index_doc;
  for (std::size_t d = 0; d < total; ++d) {
    if (canon_[d] == d && empty_[d] == 0) index_doc.push_back(static_cast<uint32_t>(d));
  }
  params.expected_size = index_doc.size();
  Result<HammingIndex> created = HammingIndex::create(params);
  if (!created.ok()) return created.status();
  index_.emplace(std::move(*created));
  index_->reserve(index_doc.size());
  for (const uint32_t d : index_doc) {
    if (Result<uint32_t> id = index_->add(fingerprint(d)); !id.ok()) return id.status();
  }
  std::vector<HammingPair> pairs;
  NEARDUP_RETURN_IF_ERROR(index_->all_pairs(params.max_distance, pairs, threads));
  std::vector<uint64_t> set_a, set_b;  // sets read from the file
  stats_.pairs = pairs.size();

  UnionFind uf(total);
  for (std::size_t d = 0; d < total; ++d) {
    if (canon_[d] != d) uf.unite(canon_[d], static_cast<uint32_t>(d));
  }
  for (const HammingPair& p : pairs) {
    const uint32_t a = index_doc[p.a], b = index_doc[p.b];
    if (verify) {
      if (jaccard_sorted(set_of(a, set_a), set_of(b, set_b)) < options_.threshold) {
        ++stats_.rejected;
        continue;
      }
      ++stats_.verified;
    }
    uf.unite(a, b);
  }

  if (!status_.ok()) return status_;
  std::vector<Assignment> out(total);
  for (std::size_t i = 0; i < total; ++i) {
    out[i].cluster = uf.find(static_cast<uint32_t>(i));
    stats_.clusters += out[i].cluster == i ? 1u : 0u;
  }
  assign_representatives(out, priority);
  for (std::size_t i = 0; i < total; ++i) {
    Assignment& a = out[i];
    const uint32_t x = canon_[i], y = canon_[a.representative];
    if (a.representative == i || x == y) {
      a.similarity = 1.0;
    } else if (verify) {
      a.similarity = jaccard_sorted(set_of(x, set_a), set_of(y, set_b));
    } else {
      a.similarity = 1.0 - static_cast<double>(hamming(fingerprint(x), fingerprint(y))) /
                               static_cast<double>(options_.simhash.bits);
    }
  }
  if (!status_.ok()) return status_;
  return out;
}

uint32_t SimHashClusterer::index_blocks() const noexcept {
  return index_ ? index_->params().blocks : 0;
}
uint32_t SimHashClusterer::index_tables() const noexcept { return index_ ? index_->tables() : 0; }
std::size_t SimHashClusterer::index_memory_bytes() const {
  return index_ ? index_->memory_bytes() : 0;
}

}  // namespace neardup

// `neardup cluster --mode simhash` (and `dedup --mode simhash`): SimHash fingerprints of the
// shingles, every pair within --max-distance bits from a permuted-block Hamming index
// (all_pairs), optional verification by exact shingle Jaccard, union-find components.
//
// Per document (parallel, batch by batch): normalize, shingle, exact key; the TF fingerprint at
// once, or (--simhash-weights tfidf) the sorted distinct shingles with their counts, fingerprinted
// once the document frequencies of the whole input are known. Exact copies (same normalized
// text) are linked with similarity 1 and only their first copy enters the index. Documents
// without shingles (empty text) enter no index: they are near-duplicates of nothing.
// Output: the same as near mode (NearRun): cluster = the first member, representative by
// --representative, similarity = 1 - d/bits to the representative (or the verified Jaccard).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cluster_common.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/cluster.h"
#include "neardup/advanced/exact.h"
#include "neardup/advanced/hamming_index.h"
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/simhash.h"
#include "neardup/advanced/story.h"

namespace neardup::cli {
namespace {

struct SimHashModeOptions : ClusterOptions {
  std::string simhash_weights = "tf";
};

struct SimHashConfig {
  PipelineOptions pipeline;
  SimHashParams simhash;
  HammingIndexParams index;
  bool tfidf = false;
  bool verify = false;  // exact shingle Jaccard >= threshold
  double threshold = 0.8;
};

Result<SimHashConfig> simhash_config(const SimHashModeOptions& opt) {
  SimHashConfig c;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  c.pipeline = *pipeline;
  NEARDUP_RETURN_IF_ERROR(c.pipeline.validate());
  c.simhash.bits = opt.simhash_bits;
  c.simhash.seed = opt.common.seed;
  if (Status st = c.simhash.validate(); !st.ok()) {
    return Status::invalid_argument("--bits must be 64 or 128, not " +
                                    std::to_string(opt.simhash_bits));
  }
  c.index.bits = opt.simhash_bits;
  c.index.max_distance = opt.max_distance;
  if (Status st = c.index.validate(); !st.ok()) {
    return Status::invalid_argument("--max-distance " + std::to_string(opt.max_distance) + ": " +
                                    st.message());
  }
  if (opt.simhash_weights == "tf") {
    c.tfidf = false;
  } else if (opt.simhash_weights == "tfidf") {
    c.tfidf = true;
  } else {
    return Status::invalid_argument("unknown --simhash-weights '" + opt.simhash_weights +
                                    "' (tf, tfidf)");
  }
  if (opt.verify.empty() || opt.verify == "none") {
    c.verify = false;
  } else if (opt.verify == "shingles") {
    c.verify = true;
  } else {
    return Status::invalid_argument("unknown --verify '" + opt.verify +
                                    "' for --mode simhash (none, shingles)");
  }
  c.threshold = opt.threshold;
  if (c.verify && !(c.threshold >= 0 && c.threshold <= 1)) {
    return Status::invalid_argument("--threshold must be in [0, 1]");
  }
  return c;
}

// One document of a batch after the parallel step.
struct Prepared {
  uint64_t fp[2] = {0, 0};
  Hash128 key;
  bool empty = false;
  std::vector<uint64_t> features;  // sorted distinct shingles (tfidf or verify)
  std::vector<float> counts;       // their counts (tfidf)
};

// Clusters all inputs (union-find over the pairs within --max-distance bits, optionally
// verified by shingle Jaccard): the same result shape as near mode. Prints the summary (unless
// --quiet). Returns an exit code.
int run_simhash(std::string_view command, const SimHashModeOptions& opt, NearRun& result) {
  Result<SimHashConfig> configured = simhash_config(opt);
  if (!configured.ok()) {
    print_error(command, configured.status().message());
    return kExitUsage;
  }
  const SimHashConfig& config = *configured;
  const unsigned threads = opt.common.resolved_threads();
  const SimHasher hasher(config.simhash);
  const uint32_t words = hasher.words();
  const bool keep_sets = config.tfidf || config.verify;
  const bool by_length = opt.representative == "longest";
  const bool by_field = opt.representative.rfind("field:", 0) == 0;
  const std::string field = by_field ? opt.representative.substr(6) : std::string();

  std::vector<std::unique_ptr<ShingleHasher>> shinglers(threads);
  for (auto& s : shinglers) s = std::make_unique<ShingleHasher>(config.pipeline);
  std::vector<JsonFieldExtractor> extractors(by_field ? threads : 0);
  std::vector<Prepared> prepared;
  std::vector<std::optional<std::string>> batch_values, field_values;
  std::vector<double> priority;

  // Per document.
  std::vector<uint64_t> fps;                // words per document (copies: their first copy's)
  std::vector<uint32_t> canon;              // first document with the same normalized text
  std::vector<uint8_t> empty;               // no shingles
  std::vector<std::vector<uint64_t>> sets;  // keep_sets: sorted distinct shingles (first copies)
  std::vector<std::vector<float>> counts;   // tfidf: their counts
  ExactIndex exact;
  uint64_t exact_copies = 0, empty_docs = 0;

  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  result.ids.clear();
  WorkPool pool(threads);
  const int rc = for_each_batch(
      command, reader, progress, documents, pool, [&](std::vector<Document>& docs, std::size_t n) {
        if (prepared.size() < n) prepared.resize(n);
        batch_values.resize(n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          Prepared& p = prepared[i];
          const std::span<const uint64_t> shingles = shinglers[w]->hash(docs[i].text);
          p.key = exact_key(shinglers[w]->last_normalized());
          p.empty = shingles.empty();
          if (!config.tfidf) hasher.fingerprint(shingles, {}, std::span<uint64_t>(p.fp, words));
          if (keep_sets) {
            p.features.assign(shingles.begin(), shingles.end());
            std::sort(p.features.begin(), p.features.end());
            p.counts.clear();
            std::size_t m = 0;
            for (std::size_t a = 0; a < p.features.size();) {
              std::size_t b = a + 1;
              while (b < p.features.size() && p.features[b] == p.features[a]) ++b;
              p.features[m++] = p.features[a];
              if (config.tfidf) p.counts.push_back(static_cast<float>(b - a));
              a = b;
            }
            p.features.resize(m);
          }
          if (by_field) batch_values[i] = extractors[w].get(docs[i].raw, field);
        });
        for (std::size_t i = 0; i < n; ++i) {
          Prepared& p = prepared[i];
          const auto doc = static_cast<uint32_t>(canon.size());
          const ExactIndex::Match m = exact.add(p.key, doc);
          const bool copy = !m.is_new;
          canon.push_back(copy ? static_cast<uint32_t>(m.first) : doc);
          empty.push_back(p.empty ? 1 : 0);
          empty_docs += p.empty ? 1 : 0;
          exact_copies += copy ? 1 : 0;
          for (uint32_t w = 0; w < words; ++w)
            fps.push_back(copy ? fps[canon.back() * words + w] : p.fp[w]);
          if (keep_sets) {
            sets.emplace_back();
            if (!copy) sets.back() = std::move(p.features);
          }
          if (config.tfidf) {
            counts.emplace_back();
            if (!copy) counts.back() = std::move(p.counts);
          }
          result.ids.push_back(std::move(docs[i].id));
          if (by_length) priority.push_back(static_cast<double>(docs[i].text.size()));
          if (by_field) field_values.push_back(std::move(batch_values[i]));
        }
      });
  if (rc != kExitOk) return rc;
  const std::size_t total = canon.size();

  // TF-IDF: document frequencies over the distinct texts, then the fingerprints.
  if (config.tfidf) {
    DocumentFrequencies df;
    std::vector<StoryTerm> terms;
    for (std::size_t d = 0; d < total; ++d) {
      if (canon[d] != d) continue;
      terms.clear();
      for (const uint64_t f : sets[d]) terms.push_back({f, 1.0f});
      df.add(terms);
    }
    std::vector<std::vector<float>> weights(threads);
    parallel_for(total, threads, [&](std::size_t d, unsigned w) {
      if (canon[d] != d) return;
      std::vector<float>& wt = weights[w];
      wt.resize(sets[d].size());
      for (std::size_t j = 0; j < wt.size(); ++j) wt[j] = counts[d][j] * df.idf(sets[d][j]);
      hasher.fingerprint(sets[d], wt, std::span<uint64_t>(fps.data() + d * words, words));
    });
    for (std::size_t d = 0; d < total; ++d) {
      if (canon[d] != d) {
        for (uint32_t w = 0; w < words; ++w) fps[d * words + w] = fps[canon[d] * words + w];
      }
    }
    std::vector<std::vector<float>>().swap(counts);
  }
  const auto fingerprint = [&](std::size_t d) {
    return Fingerprint128{fps[d * words], words == 2 ? fps[d * words + 1] : 0};
  };

  // The index of the first copies with shingles, and every pair within max_distance.
  HammingIndexParams params = config.index;
  std::vector<uint32_t> index_doc;
  for (std::size_t d = 0; d < total; ++d) {
    if (canon[d] == d && empty[d] == 0) index_doc.push_back(static_cast<uint32_t>(d));
  }
  params.expected_size = index_doc.size();
  Result<HammingIndex> index = HammingIndex::create(params);
  if (!index.ok()) {
    print_error(command, index.status().message());
    return kExitUsage;
  }
  index->reserve(index_doc.size());
  for (const uint32_t d : index_doc) {
    if (Result<uint32_t> id = index->add(fingerprint(d)); !id.ok()) {
      print_error(command, id.status().message());
      return kExitFailure;
    }
  }
  std::vector<HammingPair> pairs;
  if (Status st = index->all_pairs(params.max_distance, pairs, threads); !st.ok()) {
    print_error(command, st.message());
    return kExitFailure;
  }

  UnionFind uf(total);
  for (std::size_t d = 0; d < total; ++d) {
    if (canon[d] != d) uf.unite(canon[d], static_cast<uint32_t>(d));
  }
  uint64_t verified = 0, rejected = 0;
  for (const HammingPair& p : pairs) {
    const uint32_t a = index_doc[p.a], b = index_doc[p.b];
    if (config.verify) {
      if (jaccard_sorted(sets[a], sets[b]) < config.threshold) {
        ++rejected;
        continue;
      }
      ++verified;
    }
    uf.unite(a, b);
  }

  // Assignment: cluster = first member; representative by priority (as in near mode).
  if (by_field) priority = field_priority(field_values);
  std::vector<NearDupAssignment>& out = result.assignment;
  out.assign(total, NearDupAssignment{});
  for (std::size_t i = 0; i < total; ++i) {
    out[i].cluster = uf.find(static_cast<uint32_t>(i));
    out[i].representative = out[i].cluster;
  }
  if (priority.size() == total) {
    for (std::size_t i = 0; i < total; ++i) {
      uint32_t& rep = out[out[i].cluster].representative;
      if (priority[i] > priority[rep]) rep = static_cast<uint32_t>(i);
    }
    for (std::size_t i = 0; i < total; ++i) {
      out[i].representative = out[out[i].cluster].representative;
    }
  }
  for (std::size_t i = 0; i < total; ++i) {
    NearDupAssignment& a = out[i];
    const uint32_t x = canon[i], y = canon[a.representative];
    if (a.representative == i || x == y) {
      a.similarity = 1.0;
    } else if (config.verify) {
      a.similarity = jaccard_sorted(sets[x], sets[y]);
    } else {
      a.similarity = 1.0 - static_cast<double>(hamming(fingerprint(x), fingerprint(y))) /
                               static_cast<double>(config.simhash.bits);
    }
  }

  if (!opt.common.quiet) {
    uint64_t clusters = 0;
    for (std::size_t i = 0; i < total; ++i) clusters += out[i].cluster == i ? 1u : 0u;
    NormalizeStats ns;
    for (const auto& s : shinglers) ns.add(s->stats());
    const std::string verify_note = config.verify
                                        ? ", " + std::to_string(verified) + " verified, " +
                                              std::to_string(rejected) + " rejected"
                                        : std::string();
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "mode simhash (%u bits, max distance %u, %s, %s, %u blocks / %u tables): %llu "
        "clusters, %llu duplicates (%llu exact), %llu empty; %llu pairs within "
        "distance%s; index %.1f MB; ",
        config.simhash.bits, params.max_distance, opt.simhash_weights.c_str(), opt.shingle.c_str(),
        index->params().blocks, index->tables(), static_cast<unsigned long long>(clusters),
        static_cast<unsigned long long>(total - clusters),
        static_cast<unsigned long long>(exact_copies), static_cast<unsigned long long>(empty_docs),
        static_cast<unsigned long long>(pairs.size()), verify_note.c_str(),
        static_cast<double>(index->memory_bytes()) / 1e6);
    print_error(command, std::string(buf) + reader_summary(reader.stats(), ns) +
                             format_rate_summary(documents, reader.stats().bytes,
                                                 progress.elapsed_seconds()) +
                             ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

class SimHashMode final : public ModeHandler {
 public:
  unsigned groups() const override { return kNormalizeGroup | kSimilarityGroup; }
  void add_options(po::options_description& desc) override {
    desc.add_options()  //
        ("simhash-weights", po::value(&opt_.simhash_weights)->default_value("tf"),
         "simhash: shingle weights, tf (counts) or tfidf (counts x inverse document frequency "
         "over the input)");
  }
  bool uses(std::string_view option, const po::variables_map& vm) const override {
    if (option_in(option,
                  {"seed", "shingle", "verify", "bits", "max-distance", "simhash-weights"})) {
      return true;
    }
    if (option == "threshold") {  // the Jaccard that --verify shingles asks for
      const auto verify = vm.find("verify");
      return verify != vm.end() && verify->second.as<std::string>() == "shingles";
    }
    return is_normalize_option(option);
  }
  Status resolve(const ClusterOptions& shared) override {
    static_cast<ClusterOptions&>(opt_) = shared;
    NEARDUP_RETURN_IF_ERROR(parse_threshold(opt_));
    Result<SimHashConfig> c = simhash_config(opt_);
    return c.ok() ? Status() : c.status();
  }
  int run(std::string_view command, RecordSink& sink) override {
    NearRun run;
    const int rc = run_simhash(command, opt_, run);
    if (rc == kExitOk) sink.clustering(run);
    return rc;
  }

 private:
  SimHashModeOptions opt_;
};

}  // namespace

std::unique_ptr<ModeHandler> make_simhash_mode() { return std::make_unique<SimHashMode>(); }

}  // namespace neardup::cli

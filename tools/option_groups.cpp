#include "option_groups.h"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "neardup/advanced/parallel.h"
#include "neardup/advanced/story_translate.h"

namespace neardup::cli {

constexpr unsigned kMaxThreads = 1024;

unsigned CommonOptions::resolved_threads() const {
  return threads == 0 ? hardware_threads() : threads;
}

void add_common_options(po::options_description& desc, CommonOptions& opts, bool with_seed) {
  desc.add_options()  //
      ("threads", po::value(&opts.threads)->default_value(0)->notifier([](unsigned t) {
        // Each thread holds a batch's scratch (a featurizer, shingle buffers): a count past
        // what any machine runs only exhausts memory or process ids. A negative count reaches
        // here wrapped to a huge unsigned value.
        if (t > kMaxThreads) {
          throw po::error(
              "--threads must be 0 (all hardware threads) to " + std::to_string(kMaxThreads) +
              ", not " +
              (t > (1u << 31) ? std::to_string(static_cast<int>(t)) : std::to_string(t)));
        }
      }),
       "worker threads (0 = all hardware threads, at most 1024); output is identical for any "
       "count");
  if (with_seed) {
    desc.add_options()("seed", po::value(&opts.seed)->default_value(1), "seed for all hashing");
  }
  desc.add_options()  //
      ("quiet,q", po::bool_switch(&opts.quiet), "no progress line and no summary on stderr");
}

void add_output_option(po::options_description& desc, std::string& output) {
  desc.add_options()  //
      ("output,o", po::value(&output)->default_value("-"),
       "write the records here instead of stdout");
}

Status InputOptions::resolve() {
  Result<InputFormat> f = parse_input_format(format);
  if (!f.ok()) return f.status();
  reader.format = *f;
  return reader.validate();
}

void add_input_options(po::options_description& desc, InputOptions& opts) {
  desc.add_options()  //
      ("format", po::value(&opts.format)->default_value("auto"),
       "input format: auto, jsonl, tsv, lines, dir (one document per file), shards (a "
       "directory of record files) (auto: by file name, then by content; a directory of "
       "JSONL/TSV files is read as shards)")  //
      ("id-field", po::value(&opts.reader.id_field)->default_value("id"),
       "JSONL field holding the document id; a record without it gets FILE:LINE (counted in "
       "the summary); given, a field that no record has is a usage error")  //
      ("text-field", po::value(&opts.reader.text_field)->default_value("text"),
       "JSONL field holding the document text")  //
      ("skip-bad", po::bool_switch(&opts.reader.skip_bad),
       "skip and count malformed records instead of stopping with an error")  //
      ("max-record-bytes",
       po::value(&opts.reader.max_record_bytes)->default_value(uint64_t{1} << 31),
       "longest record accepted, in bytes");
}

NormalizeOptions NormalizeFlags::options() const {
  NormalizeOptions o;
  o.nfkc = !no_nfkc;
  o.case_fold = !no_case_fold;
  o.remove_invisible = !keep_invisible;
  o.unify_punctuation = !no_unify_punctuation;
  o.decode_html_entities = !no_decode_html;
  o.strip_punctuation = strip_punctuation;
  o.fold_whitespace = !no_fold_whitespace;
  return o;
}

void add_normalize_options(po::options_description& desc, NormalizeFlags& f) {
  desc.add_options()                                                                             //
      ("no-nfkc", po::bool_switch(&f.no_nfkc), "skip Unicode NFKC normalization (default: on)")  //
      ("no-case-fold", po::bool_switch(&f.no_case_fold), "keep letter case (default: fold)")     //
      ("keep-invisible", po::bool_switch(&f.keep_invisible),
       "keep zero-width characters, BOMs and soft hyphens (default: remove)")  //
      ("no-unify-punctuation", po::bool_switch(&f.no_unify_punctuation),
       "keep curly quotes, dash variants and Unicode spaces as they are (default: unify)")  //
      ("decode-html", po::bool_switch(&f.decode_html),
       "decode HTML entities such as &amp;, &quot; and &#8217; (the default since 0.2; "
       "accepted for old command lines)")  //
      ("no-decode-html", po::bool_switch(&f.no_decode_html)->notifier([&f](bool no) {
        // Notified after --decode-html (variables are notified in name order).
        if (no && f.decode_html) {
          throw po::error("--decode-html and --no-decode-html contradict each other");
        }
      }),
       "keep HTML entities as they are (the default before 0.2)")  //
      ("strip-punctuation", po::bool_switch(&f.strip_punctuation),
       "turn punctuation and symbols into spaces (default: off)")  //
      ("no-fold-whitespace", po::bool_switch(&f.no_fold_whitespace),
       "keep runs of white space (default: fold to one space)");
}

bool is_normalize_option(std::string_view option) {
  static const po::options_description group = [] {
    static NormalizeFlags unused;
    po::options_description d;
    add_normalize_options(d, unused);
    return d;
  }();
  return group.find_nothrow(std::string(option), false) != nullptr;
}

void add_similarity_options(po::options_description& desc, SimilarityFlags& f, SimilarityUse use) {
  const bool cluster = use == SimilarityUse::kCluster;
  // In the clustering commands the default depends on the mode (a number, or story's auto).
  po::typed_value<std::string>* threshold = po::value(&f.threshold_text);
  if (!cluster) threshold->default_value("0.8");
  threshold->notifier([&f](const std::string&) { f.threshold_given = true; });
  // --shingle and --max-distance: in the clustering commands the default depends on the mode
  // (simhash fingerprints unigrams, bench/results/near17.md), in `index build` it is fixed.
  po::typed_value<std::string>* shingle = po::value(&f.shingle);
  po::typed_value<uint32_t>* max_distance = po::value(&f.max_distance);
  po::typed_value<uint32_t>* bits = po::value(&f.simhash_bits);
  if (cluster) {
    shingle->notifier([&f](const std::string&) { f.shingle_given = true; });
    max_distance->notifier([&f](uint32_t) { f.max_distance_given = true; });
    bits->notifier([&f](uint32_t) { f.bits_given = true; });
  } else {
    shingle->default_value("word:5");
    max_distance->default_value(3);
    bits->default_value(64);
  }
  desc.add_options()  //
      ("threshold", threshold,
       cluster ? "near: Jaccard similarity at which documents are near-duplicates (default 0.8); "
                 "simhash, with --verify shingles: the shingle Jaccard a pair needs (default "
                 "0.8); containment: the share of a document's shingles another must hold to "
                 "contain it (default 0.9); story: similarity to a cluster's centroid needed "
                 "to join it, or auto (default: calibrated to each document's length)"
               : "near: estimated Jaccard similarity at which a document matches")  //
      ("shingle", shingle,
       cluster ? "near, simhash, containment: shingles, word:K (K words) or char:K (K "
                 "characters) (default: word:5; simhash: word:1)"
               : "near, simhash: shingles, word:K (K words) or char:K (K characters)")  //
      ("num-perm", po::value(&f.num_perm)->default_value(128),
       "near, containment: MinHash slots")  //
      ("minhash", po::value(&f.minhash)->default_value("oph"),
       "near: oph (one-permutation + densification) or perm (k hash functions)")  //
      ("bands", po::value(&f.bands)->default_value(0),
       "near: LSH bands (0 = derived from --threshold and --num-perm)")  //
      ("rows", po::value(&f.rows)->default_value(0), "near: LSH rows per band (0 = derived)");
  if (cluster) {
    desc.add_options()  //
        ("verify", po::value(&f.verify),
         "near: check candidates by exact Jaccard of shingle sets (shingles, the default) or by "
         "the 32-bit signature estimate (signature: less memory); simhash: none (the default) "
         "or shingles (keep only pairs whose sets of --shingle features have Jaccard >= "
         "--threshold)");
  }
  desc.add_options()  //
      ("bits", bits,
       cluster ? "simhash: fingerprint width, 64 or 128 (default 128)"
               : "simhash: fingerprint width, 64 or 128")  //
      ("max-distance", max_distance,
       cluster ? "simhash: near-duplicates differ in at most this many fingerprint bits (below "
                 "--bits; default 13 of 128 bits, 6 of 64; Manku et al. use 3 of 64 for "
                 "5-shingles); similarity = 1 - distance/bits"
               : "simhash: near-duplicates differ in at most this many fingerprint bits (below "
                 "--bits; Manku et al. use 3 of 64); similarity = 1 - distance/bits");
}

Status parse_threshold(SimilarityFlags& f) {
  if (!f.threshold_given) return Status();
  char* end = nullptr;
  f.threshold = std::strtod(f.threshold_text.c_str(), &end);
  if (f.threshold_text.empty() || *end != '\0') {
    return Status::invalid_argument("--threshold must be a number, not '" + f.threshold_text + "'");
  }
  return Status();
}

Result<PipelineOptions> pipeline_options(const NormalizeFlags& normalize,
                                         const std::string& shingle, uint64_t seed) {
  PipelineOptions p;
  p.normalize = normalize.options();
  Result<ShingleOptions> sh = parse_shingle_spec(shingle);
  if (!sh.ok()) return sh.status();
  p.shingle = *sh;
  p.shingle.seed = seed;
  return p;
}

Result<MinHashParams> minhash_params(uint32_t num_perm, const std::string& scheme, uint64_t seed) {
  MinHashParams m;
  m.num_perm = num_perm;
  m.seed = seed;
  if (scheme == "oph") {
    m.scheme = MinHashScheme::kOnePermutation;
  } else if (scheme == "perm") {
    m.scheme = MinHashScheme::kPermutations;
  } else {
    return Status::invalid_argument("unknown --minhash '" + scheme + "' (oph, perm)");
  }
  return m;
}

Result<SimilarityOptions> similarity_options(const SimilarityFlags& flags,
                                             const NormalizeFlags& normalize, uint64_t seed) {
  SimilarityOptions o;
  Result<PipelineOptions> p = pipeline_options(normalize, flags.shingle, seed);
  if (!p.ok()) return p.status();
  Result<MinHashParams> m = minhash_params(flags.num_perm, flags.minhash, seed);
  if (!m.ok()) return m.status();
  o.pipeline = *p;
  o.minhash = *m;
  o.threshold = flags.threshold;
  o.bands = flags.bands;
  o.rows = flags.rows;
  return o;
}

StoryFeatureOptions StoryFeatureFlags::features(uint64_t seed) const {
  StoryFeatureOptions o;
  o.language = language;
  o.stem = stem;
  o.seed = seed;
  return o;
}

void add_story_feature_options(po::options_description& desc, StoryFeatureFlags& f,
                               unsigned parts) {
  desc.add_options()  //
      ("language", po::value(&f.language)->default_value("auto"),
       "story: stop words and stemming: auto (per document), english, german, french, "
       "spanish, italian, portuguese, dutch, or none (text already pre-processed); an IDF "
       "model fits only runs with its --language, --stem and --seed")  //
      ("stem", po::bool_switch(&f.stem),
       "story: Snowball-stem words in the document's language (off by default)")  //
      ("translate", po::value(&f.translate)->default_value("none"),
       "story: none, or freedict: map the words of German, French and Spanish documents to "
       "English through the FreeDict dictionaries (Debian dict-freedict-deu-eng, -fra-eng, "
       "-spa-eng; converted on first use into a table cached in $NEARDUP_CACHE_DIR, else "
       "$XDG_CACHE_HOME/neardup or ~/.cache/neardup)");
  if ((parts & kStoryTitleField) != 0) {
    desc.add_options()  //
        ("title-field", po::value(&f.title_field)->default_value("title"),
         "story: JSONL field with a title, whose words count twice (ignored when absent)");
  }
  if ((parts & kStoryIdfModel) != 0) {
    desc.add_options()  //
        ("idf-model", po::value(&f.idf_model),
         "story: start document frequencies from this model (neardup idf build)");
  }
}

Status load_translations(const StoryFeatureFlags& flags, StoryFeatureOptions& features) {
  if (flags.translate == "none") return Status();
  if (flags.translate != "freedict") {
    return Status::invalid_argument("--translate must be none or freedict, not '" +
                                    flags.translate + "'");
  }
  namespace fs = std::filesystem;
  const char* dict_env = std::getenv("NEARDUP_FREEDICT_DIR");
  const fs::path dict_dir =
      dict_env != nullptr && *dict_env != '\0' ? dict_env : "/usr/share/dictd";
  fs::path cache;
  if (const char* c = std::getenv("NEARDUP_CACHE_DIR"); c != nullptr && *c != '\0') {
    cache = c;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    cache = fs::path(x) / "neardup";
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    cache = fs::path(h) / ".cache" / "neardup";
  }
  static const std::pair<const char*, const char*> kDicts[] = {
      {"deu", "german"}, {"fra", "french"}, {"spa", "spanish"}};
  for (const auto& [code, language] : kDicts) {
    const std::string name = std::string("freedict-") + code + "-eng";
    fs::path dict = dict_dir / (name + ".dict.dz");
    std::error_code ec;
    if (!fs::exists(dict, ec)) dict = dict_dir / (name + ".dict");
    if (!fs::exists(dict, ec)) continue;
    const fs::path table = cache.empty() ? fs::path() : cache / (name + ".ndxlt");
    std::optional<TranslationTable> t;
    if (!table.empty() && fs::exists(table, ec) &&
        fs::last_write_time(table, ec) >= fs::last_write_time(dict, ec) && !ec) {
      Result<TranslationTable> loaded = TranslationTable::load(table.string());
      if (loaded.ok() && loaded->language() == language) t.emplace(std::move(*loaded));
    }
    if (!t) {
      Result<TranslationTable> made = TranslationTable::from_freedict(dict.string(), language);
      if (!made.ok()) return made.status();
      if (!table.empty()) {
        // A cache that cannot be written only costs the conversion again next time.
        fs::create_directories(cache, ec);
        if (!ec) (void)made->save(table.string());
      }
      t.emplace(std::move(*made));
    }
    features.translations.push_back(std::make_shared<const TranslationTable>(std::move(*t)));
  }
  if (features.translations.empty()) {
    return Status::invalid_argument(
        "--translate freedict: no FreeDict dictionary in " + dict_dir.string() +
        " (install dict-freedict-deu-eng, dict-freedict-fra-eng or dict-freedict-spa-eng)");
  }
  return Status();
}

Result<DocumentFrequencies> load_idf_model(const std::string& path,
                                           const StoryFeatureOptions& features) {
  Result<DocumentFrequencies> model = DocumentFrequencies::load(path);
  if (!model.ok()) return model.status();
  const uint32_t built = model->feature_fingerprint();
  if (built != 0 && built != features.fingerprint()) {
    return Status::invalid_argument(
        path +
        ": this IDF model was built with other feature settings (--language, --stem or "
        "--seed) than this run; rebuild it with `neardup idf build` and the same flags");
  }
  return model;
}

}  // namespace neardup::cli

// The Python extension module `neardup._neardup`: pybind11 bindings over the library's own
// clusterers, sketches, index facade, story stream and scores. The package `neardup`
// (python/neardup/__init__.py) wraps it in Python's idiom; this file does the work.
//
// Rules kept here:
//  - Texts are read once, with the GIL held, into string views of the Python objects (kept alive
//    by a list this module owns); every batch call then releases the GIL and runs the library's
//    prepare / sign steps on `threads` threads (0 = all), exactly as the CLI's batch loop does,
//    so the results are the CLI's for any thread count.
//  - Options are the CLI's flags with '-' spelled '_', with the CLI's defaults; an option the
//    mode does not read is a ValueError (the CLI's usage error), an unknown one a TypeError.
//  - Library errors become exceptions carrying the library's message: invalid argument / out of
//    range / parse error -> ValueError, I/O, corrupt file, unsupported version, not found ->
//    OSError, internal -> RuntimeError.
//  - None (and float NaN, pandas' missing value) is an empty text, counted as a null text;
//    bytes are taken as they are; str with lone surrogates is encoded with "surrogatepass" and
//    the invalid UTF-8 that gives is repaired by the library (U+FFFD, counted), as the CLI does
//    with invalid bytes.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/eval.h"
#include "neardup/advanced/exact_clusterer.h"
#include "neardup/advanced/hamming_index.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/parallel.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/simhash.h"
#include "neardup/advanced/simhash_clusterer.h"
#include "neardup/advanced/story_stream.h"
#include "neardup/advanced/story_time.h"
#include "neardup/deduplicator.h"
#include "neardup/status.h"

namespace py = pybind11;

namespace neardup::python {
namespace {

// ---------------------------------------------------------------------------------------------
// Errors

[[noreturn]] void raise_status(const Status& st) {
  PyObject* type = PyExc_RuntimeError;
  switch (st.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kParseError:
      type = PyExc_ValueError;
      break;
    case StatusCode::kIoError:
    case StatusCode::kCorruptData:
    case StatusCode::kUnsupportedVersion:
    case StatusCode::kNotFound:
      type = PyExc_OSError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, st.message().c_str());
  throw py::error_already_set();
}

void check(const Status& st) {
  if (!st.ok()) raise_status(st);
}

template <class T>
T take(Result<T>&& r) {
  if (!r.ok()) raise_status(r.status());
  return std::move(*r);
}

// ---------------------------------------------------------------------------------------------
// Texts

bool is_missing(PyObject* o) {
  return o == Py_None || (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o)));
}

// A str that is not pure ASCII as UTF-8, in a bytes object appended to `keep` (CPython keeps
// such a str in UCS-1/2/4; PyUnicode_AsUTF8AndSize would cache the copy inside the str for as
// long as it lives, doubling a corpus held in Python). Lone surrogates keep their bytes
// ("surrogatepass"); the library repairs them to U+FFFD and counts them.
std::string_view encode_str(PyObject* o, std::vector<py::object>& keep) {
  PyObject* b = PyUnicode_AsUTF8String(o);
  if (b == nullptr) {
    PyErr_Clear();
    b = PyUnicode_AsEncodedString(o, "utf-8", "surrogatepass");
  }
  if (b == nullptr) throw py::error_already_set();
  keep.push_back(py::reinterpret_steal<py::object>(b));
  return {PyBytes_AS_STRING(b), static_cast<std::size_t>(PyBytes_GET_SIZE(b))};
}

// The length of encode_str(o) without encoding.
std::size_t utf8_length(PyObject* o) {
  const int kind = PyUnicode_KIND(o);
  const void* data = PyUnicode_DATA(o);
  const Py_ssize_t n = PyUnicode_GET_LENGTH(o);
  std::size_t bytes = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    const Py_UCS4 c = PyUnicode_READ(kind, data, i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return bytes;
}

// The UTF-8 bytes of one text (str, bytes, bytearray, None/NaN), or a TypeError naming `what`.
// A str that is not ASCII is encoded into `encoded`, or, when `deferred` is given, left empty
// and reported there (Texts::materialize encodes it later, batch by batch).
std::string_view text_view(PyObject* o, std::vector<py::object>& encoded, uint64_t& nulls,
                           const char* what, std::size_t index, bool* deferred = nullptr) {
  if (PyUnicode_Check(o)) {
    if (PyUnicode_IS_COMPACT_ASCII(o)) {  // ASCII is UTF-8: read the str's own buffer
      return {static_cast<const char*>(PyUnicode_DATA(o)),
              static_cast<std::size_t>(PyUnicode_GET_LENGTH(o))};
    }
    if (deferred != nullptr) {
      *deferred = true;
      return {};
    }
    return encode_str(o, encoded);
  }
  if (PyBytes_Check(o)) {
    return {PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o))};
  }
  if (PyByteArray_Check(o)) {  // mutable: copy
    PyObject* b = PyBytes_FromStringAndSize(PyByteArray_AS_STRING(o), PyByteArray_GET_SIZE(o));
    if (b == nullptr) throw py::error_already_set();
    encoded.push_back(py::reinterpret_steal<py::object>(b));
    return {PyBytes_AS_STRING(b), static_cast<std::size_t>(PyBytes_GET_SIZE(b))};
  }
  if (is_missing(o)) {
    ++nulls;
    return {};
  }
  throw py::type_error(std::string(what) + "[" + std::to_string(index) + "] is " +
                       Py_TYPE(o)->tp_name + ", not str, bytes or None");
}

// A sequence of texts as string views into Python objects that this struct keeps alive. ASCII
// str and bytes are read in place; a str that is not ASCII is encoded to UTF-8 only for the
// batch being processed (materialize), so a call never holds a UTF-8 copy of the whole input.
struct Texts {
  py::list items;                   // our own references to the caller's objects
  std::vector<py::object> encoded;  // copies kept for the whole call (bytearray)
  std::vector<py::object> batch;    // UTF-8 copies of the current batch's non-ASCII str
  std::vector<std::string_view> views;
  std::vector<uint32_t> pending;  // indices of the non-ASCII str, in increasing order
  uint64_t nulls = 0;

  std::size_t size() const noexcept { return views.size(); }
  // The UTF-8 length of text i (valid before materialize).
  std::size_t bytes(std::size_t i) const {
    PyObject* o = PyList_GET_ITEM(items.ptr(), static_cast<Py_ssize_t>(i));
    return PyUnicode_Check(o) && !PyUnicode_IS_COMPACT_ASCII(o) ? utf8_length(o) : views[i].size();
  }
  // Makes views[start, start + n) valid, dropping the previous batch's copies (whose views must
  // not be read any more). The GIL must be held.
  void materialize(std::size_t start, std::size_t n) {
    batch.clear();
    auto it = std::lower_bound(pending.begin(), pending.end(), start);
    for (; it != pending.end() && *it < start + n; ++it) {
      views[*it] = encode_str(PyList_GET_ITEM(items.ptr(), static_cast<Py_ssize_t>(*it)), batch);
    }
  }
  // materialize() from a section that released the GIL.
  void materialize_released(std::size_t start, std::size_t n) {
    if (pending.empty()) return;
    py::gil_scoped_acquire acquire;
    materialize(start, n);
  }
};

Texts to_texts(py::handle iterable, const char* what = "texts") {
  if (PyUnicode_Check(iterable.ptr()) || PyBytes_Check(iterable.ptr())) {
    throw py::type_error(std::string(what) +
                         " must be an iterable of texts, not a single str or bytes (wrap it "
                         "in a list)");
  }
  if (iterable.is_none())
    throw py::type_error(std::string(what) + " must be an iterable, not None");
  Texts t;
  t.items = py::list(py::reinterpret_borrow<py::object>(iterable));  // TypeError if not iterable
  const std::size_t n = t.items.size();
  if (n > UINT32_MAX) throw py::value_error(std::string(what) + ": more than 2^32 texts");
  t.views.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    bool deferred = false;
    t.views.push_back(text_view(PyList_GET_ITEM(t.items.ptr(), static_cast<Py_ssize_t>(i)),
                                t.encoded, t.nulls, what, i, &deferred));
    if (deferred) t.pending.push_back(static_cast<uint32_t>(i));
  }
  return t;
}

// One text argument (str/bytes; None is an empty text).
std::string_view one_text(py::handle o, std::vector<py::object>& keep, const char* what) {
  uint64_t nulls = 0;
  if (o.is_none()) return {};
  if (!PyUnicode_Check(o.ptr()) && !PyBytes_Check(o.ptr()) && !PyByteArray_Check(o.ptr())) {
    throw py::type_error(std::string(what) + " must be str or bytes, not " +
                         Py_TYPE(o.ptr())->tp_name);
  }
  return text_view(o.ptr(), keep, nulls, what, 0);
}

// An id: str or bytes (None is a TypeError: an id has to name something).
std::string_view id_view(py::handle o, std::vector<py::object>& keep) {
  if (o.is_none()) throw py::type_error("id must be str or bytes, not None");
  return one_text(o, keep, "id");
}

unsigned resolve_threads(int threads) {
  if (threads < 0) throw py::value_error("threads must be >= 0 (0 = all hardware threads)");
  return threads == 0 ? hardware_threads() : static_cast<unsigned>(threads);
}

// ---------------------------------------------------------------------------------------------
// Options: the CLI's flags, '-' spelled '_'

const std::set<std::string>& normalize_keys() {
  static const std::set<std::string> k = {
      "no_nfkc",     "no_case_fold",   "keep_invisible",    "no_unify_punctuation",
      "decode_html", "no_decode_html", "strip_punctuation", "no_fold_whitespace"};
  return k;
}

// The keyword options of one call: which ones the mode reads, typed getters with defaults.
class Options {
 public:
  Options(py::dict kwargs, std::string mode, std::set<std::string> allowed, bool normalize)
      : kw_(std::move(kwargs)), mode_(std::move(mode)), allowed_(std::move(allowed)) {
    if (normalize) allowed_.insert(normalize_keys().begin(), normalize_keys().end());
    static const std::set<std::string> known = [] {
      std::set<std::string> k = {"threads",        "seed",
                                 "representative", "threshold",
                                 "shingle",        "num_perm",
                                 "minhash",        "bands",
                                 "rows",           "verify",
                                 "linkage",        "bits",
                                 "max_distance",   "simhash_weights",
                                 "language",       "stem",
                                 "idf_model",      "window",
                                 "single_pass",    "stream",
                                 "times",          "titles",
                                 "set_store",      "tmp_dir"};
      k.insert(normalize_keys().begin(), normalize_keys().end());
      return k;
    }();
    for (auto item : kw_) {
      const std::string key = py::str(item.first);
      if (allowed_.count(key) != 0) continue;
      if (known.count(key) == 0) {
        throw py::type_error("unexpected keyword argument '" + key + "'");
      }
      throw py::value_error("option '" + key + "' is not used by " + mode_);
    }
  }

  bool has(const char* key) const { return kw_.contains(key) && !kw_[key].is_none(); }
  py::object raw(const char* key) const {
    if (!has(key)) return py::none();
    return kw_[key];
  }

  template <class T>
  T get(const char* key, T fallback) const {
    if (!has(key)) return fallback;
    py::object v = kw_[key];
    if constexpr (std::is_same_v<T, bool>) {
      if (!PyBool_Check(v.ptr())) {
        throw py::type_error(std::string("option '") + key + "' must be True or False");
      }
      return v.ptr() == Py_True;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!PyUnicode_Check(v.ptr())) {
        throw py::type_error(std::string("option '") + key + "' must be a str");
      }
      return v.cast<std::string>();
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!PyFloat_Check(v.ptr()) && !PyLong_Check(v.ptr())) {
        throw py::type_error(std::string("option '") + key + "' must be a number");
      }
      return v.cast<T>();
    } else {
      if (!PyLong_Check(v.ptr()) || PyBool_Check(v.ptr())) {
        throw py::type_error(std::string("option '") + key + "' must be an int");
      }
      const long long x = v.cast<long long>();
      if (x < 0 || static_cast<unsigned long long>(x) > std::numeric_limits<T>::max()) {
        throw py::value_error(std::string("option '") + key +
                              "' is out of range: " + std::to_string(x));
      }
      return static_cast<T>(x);
    }
  }

  NormalizeOptions normalize() const {
    NormalizeOptions o;
    o.nfkc = !get("no_nfkc", false);
    o.case_fold = !get("no_case_fold", false);
    o.remove_invisible = !get("keep_invisible", false);
    o.unify_punctuation = !get("no_unify_punctuation", false);
    // HTML entities are decoded by default, as in the CLI; decode_html=True is accepted (a
    // no-op) and no_decode_html=True turns decoding off.
    if (get("decode_html", false) && get("no_decode_html", false)) {
      throw py::value_error("decode_html and no_decode_html contradict each other");
    }
    o.decode_html_entities = !get("no_decode_html", false);
    o.strip_punctuation = get("strip_punctuation", false);
    o.fold_whitespace = !get("no_fold_whitespace", false);
    return o;
  }

  // As the CLI's pipeline_options(): normalization, --shingle, --seed.
  PipelineOptions pipeline(const char* default_shingle = "word:5") const {
    PipelineOptions p;
    p.normalize = normalize();
    p.shingle = take(parse_shingle_spec(get<std::string>("shingle", default_shingle)));
    p.shingle.seed = get<uint64_t>("seed", 1);
    check(p.validate());
    return p;
  }

  // As the CLI's minhash_params(): --num-perm, --minhash, --seed.
  MinHashParams minhash() const {
    MinHashParams m;
    m.num_perm = get<uint32_t>("num_perm", 128);
    m.seed = get<uint64_t>("seed", 1);
    const std::string scheme = get<std::string>("minhash", "oph");
    if (scheme == "oph") {
      m.scheme = MinHashScheme::kOnePermutation;
    } else if (scheme == "perm") {
      m.scheme = MinHashScheme::kPermutations;
    } else {
      throw py::value_error("unknown minhash '" + scheme + "' (oph, perm)");
    }
    check(m.validate());
    return m;
  }

  unsigned threads() const {
    if (!has("threads")) return hardware_threads();
    return resolve_threads(static_cast<int>(get<uint32_t>("threads", 0)));
  }

 private:
  py::dict kw_;
  std::string mode_;
  std::set<std::string> allowed_;
};

// ---------------------------------------------------------------------------------------------
// Batches: the CLI's batch loop over texts held in memory

constexpr std::size_t kBatch = 2048;

template <class Body>
void run_parallel(std::size_t n, unsigned threads, Body&& body) {
  parallel_for(n, threads, std::forward<Body>(body));
}

ParallelRunner runner_for(unsigned threads) {
  if (threads <= 1) return {};
  return [threads](std::size_t n, const ParallelBody& body) { parallel_for(n, threads, body); };
}

// Representative priorities: "first" (none), "longest" (text bytes), or one number per text.
std::vector<double> priorities(py::object representative, const Texts& texts) {
  std::vector<double> p;
  if (representative.is_none()) return p;
  if (PyUnicode_Check(representative.ptr())) {
    const std::string r = representative.cast<std::string>();
    if (r == "first") return p;
    if (r == "longest") {
      p.reserve(texts.size());
      for (std::size_t i = 0; i < texts.size(); ++i)
        p.push_back(static_cast<double>(texts.bytes(i)));
      return p;
    }
    throw py::value_error("unknown representative '" + r +
                          "' (first, longest, field:NAME with neardup.dedup, or a sequence of "
                          "one score per text)");
  }
  py::list values(representative);
  if (values.size() != texts.views.size()) {
    throw py::value_error("representative: " + std::to_string(values.size()) + " scores for " +
                          std::to_string(texts.views.size()) + " texts");
  }
  p.reserve(values.size());
  for (auto v : values) p.push_back(v.is_none() ? -HUGE_VAL : v.cast<double>());
  return p;
}

struct ClusterOut {
  std::vector<Assignment> assignment;
  py::dict stats;
};

py::tuple to_arrays(ClusterOut& out) {
  const std::size_t n = out.assignment.size();
  py::array_t<int64_t> cluster(static_cast<py::ssize_t>(n));
  py::array_t<int64_t> rep(static_cast<py::ssize_t>(n));
  py::array_t<double> sim(static_cast<py::ssize_t>(n));
  auto c = cluster.mutable_unchecked<1>();
  auto r = rep.mutable_unchecked<1>();
  auto s = sim.mutable_unchecked<1>();
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<py::ssize_t>(i);
    c(k) = out.assignment[i].cluster;
    r(k) = out.assignment[i].representative;
    s(k) = out.assignment[i].similarity;
  }
  return py::make_tuple(cluster, rep, sim, out.stats);
}

ClusterOut cluster_exact(Texts& texts, const Options& opt, py::object representative) {
  if (!representative.is_none() &&
      !(PyUnicode_Check(representative.ptr()) && representative.cast<std::string>() == "first")) {
    throw py::value_error(
        "mode exact keeps the first copy: representative must be 'first' (use mode='near' for "
        "other policies)");
  }
  ExactClusterer clusterer(ExactOptions{.normalize = opt.normalize()});
  const unsigned threads = opt.threads();
  ClusterOut out;
  NormalizeStats ns;
  {
    py::gil_scoped_release release;
    std::vector<ExactClusterer::Scratch> scratch(threads);
    std::vector<PreparedExact> prepared(kBatch);
    for (std::size_t start = 0; start < texts.views.size(); start += kBatch) {
      const std::size_t n = std::min(kBatch, texts.views.size() - start);
      texts.materialize_released(start, n);
      run_parallel(n, threads, [&](std::size_t i, unsigned w) {
        clusterer.prepare(texts.views[start + i], prepared[i], scratch[w]);
      });
      for (std::size_t i = 0; i < n; ++i) (void)clusterer.add(prepared[i]);
    }
    out.assignment = clusterer.finish();
    for (const auto& s : scratch) ns.add(s.normalize_stats());
  }
  const ExactStats& st = clusterer.stats();
  out.stats["mode"] = "exact";
  out.stats["clusters"] = st.clusters;
  out.stats["duplicates"] = st.duplicates;
  out.stats["empty"] = st.empty;
  out.stats["invalid_utf8_repaired"] = ns.documents_repaired;
  return out;
}

// As the CLI: near and simhash keep their shingle sets in a temporary file in tmp_dir unless
// set_store="memory" (same clusters either way).
SetStorage set_storage(const Options& opt) {
  const std::string set_store = opt.get<std::string>("set_store", "disk");
  if (set_store != "disk" && set_store != "memory") {
    throw py::value_error("unknown set_store '" + set_store + "' (disk, memory)");
  }
  SetStorage storage;
  storage.on_disk = set_store == "disk";
  storage.tmp_dir = opt.get<std::string>("tmp_dir", "");
  return storage;
}

ClusterOut cluster_near(Texts& texts, const Options& opt, py::object representative) {
  NearDupOptions o;
  o.similarity.pipeline = opt.pipeline();
  o.similarity.minhash = opt.minhash();
  o.similarity.threshold = opt.get("threshold", 0.8);
  o.similarity.bands = opt.get<uint32_t>("bands", 0);
  o.similarity.rows = opt.get<uint32_t>("rows", 0);
  const std::string verify = opt.get<std::string>("verify", "shingles");
  if (verify == "shingles") {
    o.verify = VerifyMode::kShingles;
  } else if (verify == "signature") {
    o.verify = VerifyMode::kSignature;
  } else {
    throw py::value_error("unknown verify '" + verify + "' (shingles, signature)");
  }
  const std::string linkage = opt.get<std::string>("linkage", "components");
  if (linkage == "components") {
    o.linkage = Linkage::kComponents;
  } else if (linkage == "representative") {
    o.linkage = Linkage::kRepresentative;
  } else {
    throw py::value_error("unknown linkage '" + linkage + "' (components, representative)");
  }
  check(o.validate());
  NearDupClusterer clusterer = take(NearDupClusterer::create(o, set_storage(opt)));
  const std::vector<double> priority = priorities(representative, texts);
  const unsigned threads = opt.threads();
  ClusterOut out;
  NormalizeStats ns;
  {
    py::gil_scoped_release release;
    std::vector<NearDupClusterer::Scratch> scratch(threads);
    std::vector<PreparedDoc> prepared(kBatch);
    const ParallelRunner runner = runner_for(threads);
    for (std::size_t start = 0; start < texts.views.size(); start += kBatch) {
      const std::size_t n = std::min(kBatch, texts.views.size() - start);
      texts.materialize_released(start, n);
      run_parallel(n, threads, [&](std::size_t i, unsigned w) {
        clusterer.prepare(texts.views[start + i], prepared[i], scratch[w]);
      });
      clusterer.add_batch(std::span<const PreparedDoc>(prepared.data(), n), runner);
      if (!clusterer.status().ok()) break;
    }
    if (clusterer.status().ok()) out.assignment = clusterer.finish(priority);
    for (const auto& s : scratch) ns.add(s.normalize_stats());
  }
  check(clusterer.status());  // a full temporary directory: OSError
  const NearDupStats& st = clusterer.stats();
  const LshParams lsh = clusterer.lsh_params();
  uint64_t clusters = 0;
  for (std::size_t i = 0; i < out.assignment.size(); ++i)
    clusters += out.assignment[i].cluster == i;
  out.stats["mode"] = "near";
  out.stats["clusters"] = clusters;
  out.stats["duplicates"] = out.assignment.size() - clusters;
  out.stats["exact_duplicates"] = st.exact_duplicates;
  out.stats["candidate_pairs"] = st.candidates;
  out.stats["verified_pairs"] = st.verified;
  out.stats["rejected_pairs"] = st.rejected;
  out.stats["bands"] = lsh.bands;
  out.stats["rows"] = lsh.rows;
  out.stats["index_bytes"] = clusterer.memory_bytes();
  out.stats["invalid_utf8_repaired"] = ns.documents_repaired;
  return out;
}

SimHashClustererOptions simhash_config(const Options& opt) {
  SimHashClustererOptions c;
  // The CLI's simhash defaults (tools/modes/simhash.cpp, chosen in bench/results/near17.md):
  // word unigrams, TF-IDF weights, 128 bits, 13 apart (6 of 64).
  c.pipeline = opt.pipeline("word:1");
  c.simhash.bits = opt.get<uint32_t>("bits", 128);
  c.simhash.seed = opt.get<uint64_t>("seed", 1);
  if (!c.simhash.validate().ok()) {
    throw py::value_error("bits must be 64 or 128, not " + std::to_string(c.simhash.bits));
  }
  HammingIndexParams index;
  index.bits = c.simhash.bits;
  index.max_distance = opt.get<uint32_t>("max_distance", c.simhash.bits == 128 ? 13u : 6u);
  if (Status st = index.validate(); !st.ok()) {
    throw py::value_error("max_distance " + std::to_string(index.max_distance) + ": " +
                          st.message());
  }
  c.max_distance = index.max_distance;
  const std::string weights = opt.get<std::string>("simhash_weights", "tfidf");
  if (weights == "tf") {
    c.weights = SimHashWeights::kTf;
  } else if (weights == "tfidf") {
    c.weights = SimHashWeights::kTfIdf;
  } else if (weights == "logtf") {
    c.weights = SimHashWeights::kLogTf;
  } else {
    throw py::value_error("unknown simhash_weights '" + weights + "' (tf, logtf, tfidf)");
  }
  const std::string verify = opt.get<std::string>("verify", "none");
  if (verify == "none") {
    c.verify = SimHashVerify::kNone;
  } else if (verify == "shingles") {
    c.verify = SimHashVerify::kShingles;
  } else {
    throw py::value_error("unknown verify '" + verify + "' for mode simhash (none, shingles)");
  }
  if (opt.has("threshold") && c.verify != SimHashVerify::kShingles) {
    throw py::value_error(
        "option 'threshold' is not used by mode 'simhash' unless verify='shingles'");
  }
  c.threshold = opt.get("threshold", 0.8);
  if (c.verify == SimHashVerify::kShingles && !(c.threshold >= 0 && c.threshold <= 1)) {
    throw py::value_error("threshold must be in [0, 1]");
  }
  check(c.validate());
  return c;
}

ClusterOut cluster_simhash(Texts& texts, const Options& opt, py::object representative) {
  SimHashClusterer clusterer =
      take(SimHashClusterer::create(simhash_config(opt), set_storage(opt)));
  const std::vector<double> priority = priorities(representative, texts);
  const unsigned threads = opt.threads();
  ClusterOut out;
  NormalizeStats ns;
  Status failed;
  {
    py::gil_scoped_release release;
    std::vector<SimHashClusterer::Scratch> scratch(threads);
    std::vector<PreparedSimHash> prepared(kBatch);
    for (std::size_t start = 0; start < texts.views.size(); start += kBatch) {
      const std::size_t n = std::min(kBatch, texts.views.size() - start);
      texts.materialize_released(start, n);
      run_parallel(n, threads, [&](std::size_t i, unsigned w) {
        clusterer.prepare(texts.views[start + i], prepared[i], scratch[w]);
      });
      for (std::size_t i = 0; i < n; ++i) (void)clusterer.add(prepared[i]);
    }
    Result<std::vector<Assignment>> a = clusterer.finish(priority, threads);
    if (a.ok()) {
      out.assignment = std::move(*a);
    } else {
      failed = a.status();
    }
    for (const auto& s : scratch) ns.add(s.normalize_stats());
  }
  check(failed);
  const SimHashStats& st = clusterer.stats();
  out.stats["mode"] = "simhash";
  out.stats["clusters"] = st.clusters;
  out.stats["duplicates"] = st.documents - st.clusters;
  out.stats["exact_duplicates"] = st.exact_duplicates;
  out.stats["empty"] = st.empty;
  out.stats["pairs_within_distance"] = st.pairs;
  out.stats["verified_pairs"] = st.verified;
  out.stats["rejected_pairs"] = st.rejected;
  out.stats["tables"] = clusterer.index_tables();
  out.stats["invalid_utf8_repaired"] = ns.documents_repaired;
  return out;
}

// Story options, as the CLI's story_config(): threshold ("auto" or a number in (0, 1)), window
// (a duration with its unit, or seconds as a number; needs times), single_pass, stream,
// language, stem, seed, idf_model.
struct StorySetup {
  StoryModeOptions mode;
  std::optional<DocumentFrequencies> model;
};

StorySetup story_setup(const Options& opt, bool timed, bool stream) {
  StorySetup s;
  s.mode.timed = timed;
  StoryOptions& story = s.mode.story;
  if (opt.has("threshold")) {
    py::object t = opt.raw("threshold");
    if (PyUnicode_Check(t.ptr())) {
      if (t.cast<std::string>() != "auto") {
        throw py::value_error("threshold must be 'auto' or a number in (0, 1)");
      }
    } else {
      story.threshold = opt.get("threshold", 0.0);
      if (!(story.threshold > 0 && story.threshold < 1)) {
        throw py::value_error("threshold must be 'auto' or a number in (0, 1), not " +
                              std::to_string(story.threshold));
      }
    }
  }
  story.window_seconds = default_story_window_seconds(timed);
  if (opt.has("window")) {
    if (!timed) throw py::value_error("window needs times (the documents' time)");
    py::object w = opt.raw("window");
    if (PyUnicode_Check(w.ptr())) {
      const std::string text = w.cast<std::string>();
      Result<double> d = parse_duration(text);
      if (!d.ok()) throw py::value_error("window: " + d.status().message());
      const char last = text.empty() ? '0' : text.back();
      if (*d != 0 && ((last >= '0' && last <= '9') || last == '.')) {
        throw py::value_error("window '" + text +
                              "' has no unit: write s, m, h, d or w, or pass a number of seconds");
      }
      story.window_seconds = *d;
    } else {
      story.window_seconds = opt.get("window", 0.0);
      if (!(story.window_seconds >= 0)) throw py::value_error("window must be >= 0 seconds");
    }
  }
  if (opt.get("single_pass", false) || stream) {
    story.refine = false;
    story.merge_factor = 0;
  }
  s.mode.features.language = opt.get<std::string>("language", "auto");
  s.mode.features.stem = opt.get("stem", false);
  s.mode.features.seed = opt.get<uint64_t>("seed", 1);
  check(s.mode.features.validate());
  check(story.validate());
  if (opt.has("idf_model")) {
    const std::string path = py::str(opt.raw("idf_model"));
    DocumentFrequencies m = take(DocumentFrequencies::load(path));
    const uint32_t built = m.feature_fingerprint();
    if (built != 0 && built != s.mode.features.fingerprint()) {
      throw py::value_error(path +
                            ": this IDF model was built with other feature settings (language, "
                            "stem or seed) than this run");
    }
    s.model = std::move(m);
  }
  return s;
}

// A time value: None / NaN (none), a number (unix seconds; milliseconds above 1e11, as
// parse_time_value), a str (parse_time_value), or an object with .timestamp() (datetime,
// pandas.Timestamp).
std::optional<double> time_value(py::handle t) {
  if (t.is_none() || is_missing(t.ptr())) return std::nullopt;
  if (PyUnicode_Check(t.ptr())) return parse_time_value(t.cast<std::string>());
  if (PyBytes_Check(t.ptr())) return parse_time_value(std::string(t.cast<py::bytes>()));
  if (PyBool_Check(t.ptr())) throw py::type_error("a time must be a number, str or datetime");
  if (PyLong_Check(t.ptr()) || PyFloat_Check(t.ptr()) || PyNumber_Check(t.ptr())) {
    if (py::hasattr(t, "timestamp")) return t.attr("timestamp")().cast<double>();
    const double v = t.cast<double>();
    if (!std::isfinite(v)) return std::nullopt;
    return parse_time_value(std::to_string(static_cast<long long>(v)));
  }
  if (py::hasattr(t, "timestamp")) return t.attr("timestamp")().cast<double>();
  throw py::type_error(std::string("a time must be a number, str or datetime, not ") +
                       Py_TYPE(t.ptr())->tp_name);
}

std::vector<std::optional<double>> times_of(py::object times, std::size_t n) {
  std::vector<std::optional<double>> out;
  if (times.is_none()) return out;
  py::list list(times);
  if (list.size() != n) {
    throw py::value_error("times: " + std::to_string(list.size()) + " values for " +
                          std::to_string(n) + " texts");
  }
  out.reserve(n);
  for (auto t : list) out.push_back(time_value(t));
  return out;
}

ClusterOut cluster_story(Texts& texts, const Options& opt) {
  const bool stream = opt.get("stream", false);
  std::vector<std::optional<double>> times = times_of(opt.raw("times"), texts.views.size());
  const bool timed = opt.has("times");
  Texts titles;
  if (opt.has("titles")) {
    titles = to_texts(opt.raw("titles"), "titles");
    if (titles.views.size() != texts.views.size()) {
      throw py::value_error("titles: " + std::to_string(titles.views.size()) + " titles for " +
                            std::to_string(texts.views.size()) + " texts");
    }
  }
  StorySetup setup = story_setup(opt, timed, stream);
  const unsigned threads = opt.threads();
  const std::size_t total = texts.views.size();
  ClusterOut out;
  Status failed;
  StoryStats st;
  {
    py::gil_scoped_release release;
    std::vector<StoryScratch> scratch(threads);
    std::vector<PreparedStory> prepared(kBatch);
    auto prepare_batch = [&](auto& clusterer, std::size_t start, std::size_t n) {
      texts.materialize_released(start, n);
      titles.materialize_released(start, n);
      run_parallel(n, threads, [&](std::size_t i, unsigned w) {
        StoryInput in;
        in.text = texts.views[start + i];
        if (!titles.views.empty()) in.title = titles.views[start + i];
        if (timed) in.time = times[start + i];
        clusterer.prepare(in, prepared[i], scratch[w]);
      });
    };
    if (stream) {
      Result<StoryStream> created = StoryStream::create(
          setup.mode, setup.model ? std::move(*setup.model) : DocumentFrequencies());
      if (!created.ok()) {
        failed = created.status();
      } else {
        StoryStream& s = *created;
        out.assignment.resize(total);
        for (std::size_t start = 0; start < total && failed.ok(); start += kBatch) {
          const std::size_t n = std::min(kBatch, total - start);
          prepare_batch(s, start, n);
          for (std::size_t i = 0; i < n; ++i) {
            Result<StoryMatch> m = s.add(prepared[i], std::string_view());
            if (!m.ok()) {
              failed = m.status();
              break;
            }
            out.assignment[start + i] = {m->cluster, m->cluster, m->similarity};
          }
        }
        st = s.stats();
      }
    } else {
      Result<BatchStoryClusterer> created =
          BatchStoryClusterer::create(setup.mode, std::move(setup.model));
      if (!created.ok()) {
        failed = created.status();
      } else {
        BatchStoryClusterer& b = *created;
        for (std::size_t start = 0; start < total; start += kBatch) {
          const std::size_t n = std::min(kBatch, total - start);
          prepare_batch(b, start, n);
          for (std::size_t i = 0; i < n; ++i) (void)b.add(prepared[i]);
        }
        Result<std::vector<Assignment>> a = b.finish();
        if (a.ok()) {
          out.assignment = std::move(*a);
        } else {
          failed = a.status();
        }
        st = b.stats();
      }
    }
  }
  check(failed);
  uint64_t clusters = 0;
  for (std::size_t i = 0; i < out.assignment.size(); ++i)
    clusters += out.assignment[i].cluster == i;
  out.stats["mode"] = "story";
  out.stats["clusters"] = clusters;
  out.stats["with_title"] = st.with_title;
  out.stats["without_features"] = st.without_features;
  out.stats["without_time"] = st.without_time;
  return out;
}

py::tuple cluster(py::object texts_in, const std::string& mode, py::dict kwargs) {
  static const std::set<std::string> near = {
      "threads", "seed", "representative", "threshold", "shingle",   "num_perm", "minhash",
      "bands",   "rows", "verify",         "linkage",   "set_store", "tmp_dir"};
  static const std::set<std::string> simhash = {
      "threads",         "seed",      "representative", "shingle", "verify", "bits", "max_distance",
      "simhash_weights", "threshold", "set_store",      "tmp_dir"};
  static const std::set<std::string> exact = {"threads", "representative"};
  static const std::set<std::string> story = {"threads", "seed",      "threshold", "language",
                                              "stem",    "idf_model", "window",    "single_pass",
                                              "stream",  "times",     "titles"};
  const std::string what = "mode '" + mode + "'";
  if (mode != "near" && mode != "exact" && mode != "simhash" && mode != "story") {
    throw py::value_error("unknown mode '" + mode + "' (exact, near, simhash, story)");
  }
  const std::set<std::string>& allowed = mode == "near"      ? near
                                         : mode == "simhash" ? simhash
                                         : mode == "exact"   ? exact
                                                             : story;
  Options opt(kwargs, what, allowed, mode != "story");
  Texts texts = to_texts(texts_in);
  py::object representative = opt.raw("representative");
  ClusterOut out;
  if (mode == "exact") {
    out = cluster_exact(texts, opt, representative);
  } else if (mode == "near") {
    out = cluster_near(texts, opt, representative);
  } else if (mode == "simhash") {
    out = cluster_simhash(texts, opt, representative);
  } else {
    out = cluster_story(texts, opt);
  }
  out.stats["documents"] = texts.views.size();
  out.stats["null_texts"] = texts.nulls;
  return to_arrays(out);
}

// ---------------------------------------------------------------------------------------------
// Building blocks

py::array minhash(py::object texts_in, py::dict kwargs) {
  Options opt(kwargs, "minhash()", {"threads", "seed", "shingle", "num_perm", "minhash"}, true);
  const PipelineOptions pipeline = opt.pipeline();
  const MinHasher hasher = take(MinHasher::create(opt.minhash()));
  const unsigned threads = opt.threads();
  Texts texts = to_texts(texts_in);
  const std::size_t n = texts.views.size();
  const std::size_t k = hasher.num_perm();
  // The result is written in place: numpy owns the buffer the signatures are written into.
  py::array_t<uint32_t> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(k)});
  uint32_t* data = out.mutable_data();
  {
    py::gil_scoped_release release;
    std::vector<std::optional<ShingleHasher>> shinglers(threads);
    for (std::size_t start = 0; start < n; start += kBatch) {
      const std::size_t m = std::min(kBatch, n - start);
      texts.materialize_released(start, m);
      run_parallel(m, threads, [&](std::size_t j, unsigned w) {
        if (!shinglers[w]) shinglers[w].emplace(pipeline);
        const std::size_t i = start + j;
        hasher.sign32(shinglers[w]->hash(texts.views[i]), std::span<uint32_t>(data + i * k, k));
      });
    }
  }
  return out;
}

py::array simhash(py::object texts_in, py::dict kwargs) {
  Options opt(kwargs, "simhash()", {"threads", "seed", "shingle", "bits"}, true);
  const PipelineOptions pipeline = opt.pipeline();
  SimHashParams params;
  params.bits = opt.get<uint32_t>("bits", 64);
  params.seed = opt.get<uint64_t>("seed", 1);
  if (!params.validate().ok()) {
    throw py::value_error("bits must be 64 or 128, not " + std::to_string(params.bits));
  }
  const SimHasher hasher(params);
  const unsigned threads = opt.threads();
  Texts texts = to_texts(texts_in);
  const std::size_t n = texts.views.size();
  const std::size_t words = hasher.words();
  py::array_t<uint64_t> out =
      words == 1
          ? py::array_t<uint64_t>(static_cast<py::ssize_t>(n))
          : py::array_t<uint64_t>({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(2)});
  uint64_t* data = out.mutable_data();
  {
    py::gil_scoped_release release;
    std::vector<std::optional<ShingleHasher>> shinglers(threads);
    for (std::size_t start = 0; start < n; start += kBatch) {
      const std::size_t m = std::min(kBatch, n - start);
      texts.materialize_released(start, m);
      run_parallel(m, threads, [&](std::size_t j, unsigned w) {
        if (!shinglers[w]) shinglers[w].emplace(pipeline);
        const std::size_t i = start + j;
        hasher.fingerprint(shinglers[w]->hash(texts.views[i]), {},
                           std::span<uint64_t>(data + i * words, words));
      });
    }
  }
  return out;
}

std::vector<uint64_t> shingle_set(ShingleHasher& hasher, std::string_view text) {
  std::span<const uint64_t> h = hasher.hash(text);
  std::vector<uint64_t> s(h.begin(), h.end());
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

py::object jaccard(py::object a, py::object b, py::dict kwargs) {
  const bool text_a = PyUnicode_Check(a.ptr()) || PyBytes_Check(a.ptr());
  const bool text_b = PyUnicode_Check(b.ptr()) || PyBytes_Check(b.ptr());
  if (text_a && text_b) {
    Options opt(kwargs, "jaccard() of texts", {"shingle", "seed"}, true);
    ShingleHasher hasher(opt.pipeline());
    std::vector<py::object> keep;
    const std::vector<uint64_t> sa = shingle_set(hasher, one_text(a, keep, "a"));
    const std::vector<uint64_t> sb = shingle_set(hasher, one_text(b, keep, "b"));
    return py::float_(jaccard_sorted(sa, sb));
  }
  if (text_a || text_b) throw py::type_error("jaccard: give two texts or two signatures");
  Options opt(kwargs, "jaccard() of signatures", {}, false);
  // Signatures: 1-D (one pair) or 2-D (row by row) arrays of uint32 (minhash()) or uint64.
  auto as_array = [](py::object o, const char* name) {
    py::array arr = py::array::ensure(o);
    if (!arr) throw py::type_error(std::string("jaccard: ") + name + " is not an array");
    if (arr.ndim() != 1 && arr.ndim() != 2) {
      throw py::value_error(std::string("jaccard: ") + name + " must be 1-D or 2-D");
    }
    return arr;
  };
  py::array xa = as_array(a, "a"), xb = as_array(b, "b");
  if (xa.ndim() != xb.ndim() || xa.shape(0) != xb.shape(0) ||
      (xa.ndim() == 2 && xa.shape(1) != xb.shape(1))) {
    throw py::value_error("jaccard: signatures of different shapes");
  }
  const bool wide = xa.dtype().itemsize() == 8 || xb.dtype().itemsize() == 8;
  auto estimate = [&](auto tag) -> py::object {
    using T = decltype(tag);
    auto ca = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(xa);
    auto cb = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(xb);
    if (!ca || !cb) throw py::type_error("jaccard: signatures must be unsigned integers");
    if (xa.ndim() == 1) {
      const auto k = static_cast<std::size_t>(ca.shape(0));
      return py::float_(
          estimate_jaccard(std::span<const T>(ca.data(), k), std::span<const T>(cb.data(), k)));
    }
    const auto rows = static_cast<std::size_t>(ca.shape(0));
    const auto k = static_cast<std::size_t>(ca.shape(1));
    py::array_t<double> out(static_cast<py::ssize_t>(rows));
    double* o = out.mutable_data();
    for (std::size_t r = 0; r < rows; ++r) {
      o[r] = estimate_jaccard(std::span<const T>(ca.data() + r * k, k),
                              std::span<const T>(cb.data() + r * k, k));
    }
    return out;
  };
  return wide ? estimate(uint64_t{}) : estimate(uint32_t{});
}

// Labels (any hashable values) -> dense uint32 numbers in order of first appearance.
std::vector<uint32_t> dense_labels(py::handle labels, const char* what) {
  if (PyUnicode_Check(labels.ptr())) {
    throw py::type_error(std::string(what) + " must be a sequence of labels, not a str");
  }
  py::dict seen;
  std::vector<uint32_t> out;
  for (auto v : py::list(py::reinterpret_borrow<py::object>(labels))) {
    py::object key = py::reinterpret_borrow<py::object>(v);
    if (PyObject* got = PyDict_GetItemWithError(seen.ptr(), key.ptr())) {
      out.push_back(py::cast<uint32_t>(got));
      continue;
    }
    if (PyErr_Occurred()) throw py::error_already_set();  // unhashable
    const auto id = static_cast<uint32_t>(PyDict_Size(seen.ptr()));
    seen[key] = id;
    out.push_back(id);
  }
  return out;
}

py::dict evaluate(py::object gold, py::object pred) {
  const std::vector<uint32_t> g = dense_labels(gold, "gold");
  const std::vector<uint32_t> p = dense_labels(pred, "pred");
  if (g.size() != p.size()) {
    throw py::value_error("gold has " + std::to_string(g.size()) + " labels, pred " +
                          std::to_string(p.size()));
  }
  ClusteringScores s;
  {
    py::gil_scoped_release release;
    s = score_clustering(g, p);
  }
  py::dict d;
  d["documents"] = s.documents;
  d["gold_clusters"] = s.gold_clusters;
  d["pred_clusters"] = s.pred_clusters;
  d["pairwise_precision"] = s.pairwise_precision;
  d["pairwise_recall"] = s.pairwise_recall;
  d["pairwise_f1"] = s.pairwise_f1;
  d["bcubed_precision"] = s.bcubed_precision;
  d["bcubed_recall"] = s.bcubed_recall;
  d["bcubed_f1"] = s.bcubed_f1;
  d["ari"] = s.ari;
  d["nmi"] = s.nmi;
  d["nmi_sqrt"] = s.nmi_sqrt;
  return d;
}

py::list field_priority_py(py::object values) {
  std::vector<std::optional<std::string>> v;
  for (auto x : py::list(values)) {
    if (x.is_none()) {
      v.emplace_back();
    } else {
      v.emplace_back(py::str(x).cast<std::string>());
    }
  }
  py::list out;
  for (double p : field_priority(v)) out.append(p);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deduplicator

py::str id_str(const std::string& id) {
  // Ids given as str come back as str; ids added as bytes that are not UTF-8 come back with
  // their bytes escaped (surrogateescape), never as an error.
  PyObject* s =
      PyUnicode_DecodeUTF8(id.data(), static_cast<Py_ssize_t>(id.size()), "surrogateescape");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

class PyDeduplicator {
 public:
  explicit PyDeduplicator(Deduplicator d) : d_(std::make_shared<Deduplicator>(std::move(d))) {}

  static PyDeduplicator create(py::dict kwargs) {
    Options opt(kwargs, "Deduplicator()",
                {"backend", "threshold", "shingle", "num_perm", "seed", "bands", "rows",
                 "max_distance", "bits", "direction"},
                false);
    DeduplicatorOptions o;
    const std::string backend = opt.get<std::string>("backend", "minhash");
    if (backend == "minhash") {
      o.backend = DedupBackend::kMinHash;
    } else if (backend == "simhash") {
      o.backend = DedupBackend::kSimHash;
    } else if (backend == "containment") {
      o.backend = DedupBackend::kContainment;
    } else {
      throw py::value_error("unknown backend '" + backend + "' (minhash, simhash, containment)");
    }
    if (o.backend != DedupBackend::kContainment && opt.has("direction")) {
      throw py::value_error("option 'direction' is used by backend 'containment' only");
    }
    if (o.backend == DedupBackend::kContainment) {
      for (const char* k : {"bands", "rows", "max_distance", "bits"}) {
        if (opt.has(k)) {
          throw py::value_error(std::string("option '") + k +
                                "' is not used by backend 'containment' (threshold, num_perm, "
                                "direction)");
        }
      }
      const std::string dir = opt.get<std::string>("direction", "query-in-indexed");
      if (dir == "query-in-indexed") {
        o.containment_direction = DedupDirection::kQueryInIndexed;
      } else if (dir == "indexed-in-query") {
        o.containment_direction = DedupDirection::kIndexedInQuery;
      } else if (dir == "either") {
        o.containment_direction = DedupDirection::kEither;
      } else {
        throw py::value_error("unknown direction '" + dir +
                              "' (query-in-indexed, indexed-in-query, either)");
      }
    } else if (o.backend == DedupBackend::kSimHash) {
      for (const char* k : {"threshold", "num_perm", "bands", "rows"}) {
        if (opt.has(k)) {
          throw py::value_error(std::string("option '") + k +
                                "' is not used by backend 'simhash' (max_distance, bits)");
        }
      }
    } else {
      for (const char* k : {"max_distance", "bits"}) {
        if (opt.has(k)) {
          throw py::value_error(std::string("option '") + k +
                                "' is not used by backend 'minhash' (threshold, num_perm, "
                                "bands, rows)");
        }
      }
    }
    const ShingleOptions sh = take(parse_shingle_spec(opt.get<std::string>("shingle", "word:5")));
    o.shingle_k = sh.k;
    o.char_shingles = sh.kind == ShingleKind::kChar;
    o.threshold = opt.get("threshold", 0.8);
    o.num_perm = opt.get<uint32_t>("num_perm", 128);
    o.seed = opt.get<uint64_t>("seed", 1);
    o.bands = opt.get<uint32_t>("bands", 0);
    o.rows = opt.get<uint32_t>("rows", 0);
    o.max_distance = opt.get<uint32_t>("max_distance", 3);
    o.simhash_bits = opt.get<uint32_t>("bits", 64);
    check(o.validate());
    return PyDeduplicator(take(Deduplicator::create(o)));
  }

  static PyDeduplicator load(const std::string& path) {
    Result<Deduplicator> r = [&] {
      py::gil_scoped_release release;
      return Deduplicator::load(path);
    }();
    return PyDeduplicator(take(std::move(r)));
  }

  void add(py::object id, py::object text) {
    std::vector<py::object> keep;
    const std::string_view i = id_view(id, keep), t = one_text(text, keep, "text");
    Status st;
    {
      py::gil_scoped_release release;
      st = d_->add(i, t);
    }
    check(st);
  }

  py::list query(py::object text, std::size_t max_results) const {
    std::vector<py::object> keep;
    const std::string_view t = one_text(text, keep, "text");
    Result<std::vector<DedupMatch>> r = [&] {
      py::gil_scoped_release release;
      return d_->query(t, max_results);
    }();
    py::list out;
    for (const DedupMatch& m : take(std::move(r))) out.append(match_tuple(m));
    return out;
  }

  py::tuple add_if_new(py::object id, py::object text) {
    std::vector<py::object> keep;
    const std::string_view i = id_view(id, keep), t = one_text(text, keep, "text");
    Result<DedupVerdict> r = [&] {
      py::gil_scoped_release release;
      return d_->add_if_new(i, t);
    }();
    DedupVerdict v = take(std::move(r));
    if (v.added) return py::make_tuple(true, py::none());
    return py::make_tuple(false, match_tuple(v.match));
  }

  // Batch forms: the GIL is released once for the whole batch. query_many runs on `threads`
  // threads (queries may run concurrently); add_many and add_if_new_many run in order on one
  // thread, so that which of two near-copies in one batch is kept never depends on timing.
  py::list query_many(py::object texts_in, std::size_t max_results, int threads_in) const {
    Texts texts = to_texts(texts_in);
    const unsigned threads = resolve_threads(threads_in);
    std::vector<Result<std::vector<DedupMatch>>> results(texts.views.size(),
                                                         Status::internal("not run"));
    {
      py::gil_scoped_release release;
      for (std::size_t start = 0; start < texts.size(); start += kBatch) {
        const std::size_t m = std::min(kBatch, texts.size() - start);
        texts.materialize_released(start, m);
        parallel_for(m, threads, [&](std::size_t j, unsigned) {
          results[start + j] = d_->query(texts.views[start + j], max_results);
        });
      }
    }
    py::list out;
    for (auto& r : results) {
      py::list one;
      for (const DedupMatch& m : take(std::move(r))) one.append(match_tuple(m));
      out.append(one);
    }
    return out;
  }

  void add_many(py::object ids_in, py::object texts_in) {
    Texts ids = to_texts(ids_in, "ids"), texts = to_texts(texts_in);
    if (ids.views.size() != texts.views.size()) {
      throw py::value_error("add_many: " + std::to_string(ids.views.size()) + " ids for " +
                            std::to_string(texts.views.size()) + " texts");
    }
    Status st;
    {
      py::gil_scoped_release release;
      d_->reserve(d_->size() + texts.views.size());
      for (std::size_t i = 0; i < texts.size() && st.ok(); ++i) {
        if (i % kBatch == 0) {
          ids.materialize_released(i, kBatch);
          texts.materialize_released(i, kBatch);
        }
        st = d_->add(ids.views[i], texts.views[i]);
      }
    }
    check(st);
  }

  py::array_t<bool> add_if_new_many(py::object ids_in, py::object texts_in) {
    Texts ids = to_texts(ids_in, "ids"), texts = to_texts(texts_in);
    if (ids.views.size() != texts.views.size()) {
      throw py::value_error("add_if_new_many: " + std::to_string(ids.views.size()) + " ids for " +
                            std::to_string(texts.views.size()) + " texts");
    }
    py::array_t<bool> added(static_cast<py::ssize_t>(texts.views.size()));
    bool* out = added.mutable_data();
    Status st;
    {
      py::gil_scoped_release release;
      for (std::size_t i = 0; i < texts.size() && st.ok(); ++i) {
        if (i % kBatch == 0) {
          ids.materialize_released(i, kBatch);
          texts.materialize_released(i, kBatch);
        }
        Result<DedupVerdict> v = d_->add_if_new(ids.views[i], texts.views[i]);
        if (v.ok()) {
          out[i] = v->added;
        } else {
          st = v.status();
        }
      }
    }
    check(st);
    return added;
  }

  std::size_t remove(py::object id) {
    std::vector<py::object> keep;
    const std::string_view i = id_view(id, keep);
    Result<std::size_t> r = [&] {
      py::gil_scoped_release release;
      return d_->remove(i);
    }();
    return take(std::move(r));
  }

  bool contains(py::object id) const {
    if (!PyUnicode_Check(id.ptr()) && !PyBytes_Check(id.ptr())) return false;
    std::vector<py::object> keep;
    const std::string_view i = id_view(id, keep);
    py::gil_scoped_release release;
    return d_->contains(i);
  }

  std::size_t size() const { return d_->size(); }

  void save(const std::string& path) const {
    Status st;
    {
      py::gil_scoped_release release;
      st = d_->save(path);
    }
    check(st);
  }

  void reserve(std::size_t n) {
    py::gil_scoped_release release;
    d_->reserve(n);
  }

  py::dict stats() const {
    const DedupStats s = d_->stats();
    py::dict d;
    d["backend"] = std::string(dedup_backend_name(s.backend));
    d["documents"] = s.documents;
    d["memory_bytes"] = s.memory_bytes;
    d["bytes_per_document"] = s.bytes_per_document;
    d["threshold"] = s.threshold;
    d["num_perm"] = s.num_perm;
    d["bands"] = s.bands;
    d["rows"] = s.rows;
    d["simhash_bits"] = s.simhash_bits;
    d["max_distance"] = s.max_distance;
    d["tables"] = s.tables;
    d["band_entries"] = s.band_entries;
    return d;
  }

  py::dict options() const {
    const DeduplicatorOptions& o = d_->options();
    py::dict d;
    d["backend"] = std::string(dedup_backend_name(o.backend));
    d["threshold"] = o.threshold;
    d["shingle"] = std::string(o.char_shingles ? "char:" : "word:") + std::to_string(o.shingle_k);
    d["num_perm"] = o.num_perm;
    d["seed"] = o.seed;
    d["bands"] = o.bands;
    d["rows"] = o.rows;
    d["max_distance"] = o.max_distance;
    d["bits"] = o.simhash_bits;
    if (o.backend == DedupBackend::kContainment) {
      d["direction"] = o.containment_direction == DedupDirection::kIndexedInQuery
                           ? "indexed-in-query"
                       : o.containment_direction == DedupDirection::kEither ? "either"
                                                                            : "query-in-indexed";
    }
    return d;
  }

 private:
  // (id, similarity), and for the containment backend (id, similarity, query_in_match,
  // match_in_query): the Python side makes a Match or a ContainmentMatch of it.
  py::tuple match_tuple(const DedupMatch& m) const {
    if (d_->options().backend == DedupBackend::kContainment) {
      return py::make_tuple(id_str(m.id), m.similarity, m.query_in_match, m.match_in_query);
    }
    return py::make_tuple(id_str(m.id), m.similarity);
  }

  std::shared_ptr<Deduplicator> d_;
};

// ---------------------------------------------------------------------------------------------
// StoryStream

class PyStoryStream {
 public:
  explicit PyStoryStream(py::dict kwargs) {
    Options opt(kwargs, "StoryStream()",
                {"threshold", "language", "stem", "seed", "idf_model", "window", "timed"}, false);
    const bool timed = kwargs.contains("timed") ? kwargs["timed"].cast<bool>() : true;
    // timed is read here, not by story_setup, and single_pass / stream are implied.
    py::dict rest;
    for (auto item : kwargs) {
      if (py::str(item.first).cast<std::string>() != "timed") rest[item.first] = item.second;
    }
    Options story_opt(rest, "StoryStream()",
                      {"threshold", "language", "stem", "seed", "idf_model", "window"}, false);
    StorySetup s = story_setup(story_opt, timed, /*stream=*/true);
    stream_.emplace(
        take(StoryStream::create(s.mode, s.model ? std::move(*s.model) : DocumentFrequencies())));
  }

  py::tuple add(py::object id, py::object text, py::object time, py::object title) {
    std::vector<py::object> keep;
    const std::string_view i = id_view(id, keep), t = one_text(text, keep, "text");
    StoryInput in;
    in.text = t;
    if (!title.is_none()) in.title = one_text(title, keep, "title");
    in.time = time_value(time);
    py::tuple out;
    Status failed;
    StoryMatch m;
    std::string cluster_id;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);  // one document at a time, in call order
      stream_->prepare(in, prepared_, scratch_);
      Result<StoryMatch> r = stream_->add(prepared_, i);
      if (r.ok()) {
        m = *r;
        cluster_id = std::string(m.cluster_id);
      } else {
        failed = r.status();
      }
    }
    check(failed);
    return py::make_tuple(id_str(cluster_id), m.document, m.cluster, m.founder,
                          static_cast<double>(m.similarity));
  }

  py::dict stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    const StoryStats& s = stream_->stats();
    py::dict d;
    d["documents"] = s.documents;
    d["clusters"] = s.clusters;
    d["open_clusters"] = stream_->open_clusters();
    d["with_title"] = s.with_title;
    d["without_features"] = s.without_features;
    d["without_time"] = s.without_time;
    return d;
  }

  void save_idf(const std::string& path) {
    Status st;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      DocumentFrequencies df = stream_->document_frequencies();
      df.set_feature_fingerprint(stream_->options().features.fingerprint());
      st = df.save(path);
    }
    check(st);
  }

 private:
  std::mutex mutex_;
  std::optional<StoryStream> stream_;
  StoryStream::Scratch scratch_;
  PreparedStory prepared_;
};

}  // namespace
}  // namespace neardup::python

PYBIND11_MODULE(_neardup, m) {
  using namespace neardup::python;
  m.doc() = "neardup's C++ engine (see the package neardup for the documented API)";
  m.attr("__version__") = NEARDUP_VERSION_STRING;
  m.def("cluster", &cluster, py::arg("texts"), py::arg("mode"), py::arg("options"));
  m.def("minhash", &minhash, py::arg("texts"), py::arg("options"));
  m.def("simhash", &simhash, py::arg("texts"), py::arg("options"));
  m.def("jaccard", &jaccard, py::arg("a"), py::arg("b"), py::arg("options"));
  m.def("evaluate", &evaluate, py::arg("gold"), py::arg("pred"));
  m.def("field_priority", &field_priority_py, py::arg("values"));
  m.def(
      "parse_time",
      [](py::object t) -> py::object {
        std::optional<double> v = time_value(t);
        return v ? py::object(py::float_(*v)) : py::object(py::none());
      },
      py::arg("value"));
  m.def("hardware_threads", [] { return neardup::hardware_threads(); });

  py::class_<PyDeduplicator>(m, "Deduplicator")
      .def_static("create", &PyDeduplicator::create, py::arg("options"))
      .def_static("load", &PyDeduplicator::load, py::arg("path"))
      .def("add", &PyDeduplicator::add, py::arg("id"), py::arg("text"))
      .def("query", &PyDeduplicator::query, py::arg("text"), py::arg("max_results"))
      .def("add_if_new", &PyDeduplicator::add_if_new, py::arg("id"), py::arg("text"))
      .def("query_many", &PyDeduplicator::query_many, py::arg("texts"), py::arg("max_results"),
           py::arg("threads"))
      .def("add_many", &PyDeduplicator::add_many, py::arg("ids"), py::arg("texts"))
      .def("add_if_new_many", &PyDeduplicator::add_if_new_many, py::arg("ids"), py::arg("texts"))
      .def("remove", &PyDeduplicator::remove, py::arg("id"))
      .def("contains", &PyDeduplicator::contains, py::arg("id"))
      .def("size", &PyDeduplicator::size)
      .def("save", &PyDeduplicator::save, py::arg("path"))
      .def("reserve", &PyDeduplicator::reserve, py::arg("documents"))
      .def("stats", &PyDeduplicator::stats)
      .def("options", &PyDeduplicator::options);

  py::class_<PyStoryStream>(m, "StoryStream")
      .def(py::init<py::dict>(), py::arg("options"))
      .def("add", &PyStoryStream::add, py::arg("id"), py::arg("text"), py::arg("time"),
           py::arg("title"))
      .def("stats", &PyStoryStream::stats)
      .def("save_idf", &PyStoryStream::save_idf, py::arg("path"));
}

#include "cluster_common.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>

#include <sys/stat.h>
#include <unistd.h>

#include "jsonl_fields.h"
#include "neardup/advanced/exact_clusterer.h"
#include "neardup/advanced/parallel.h"

namespace neardup::cli {

namespace {

// A batch is at most this many documents or bytes of text. Two batches are alive at a time
// (one processed, one read ahead); 4 MB keeps that fixed cost small while a batch still holds
// enough documents to keep every thread busy.
constexpr std::size_t kBatchDocs = 2048;
constexpr uint64_t kBatchBytes = 4u << 20;

// The threads of a run: the calling thread plus threads-1 workers, shared by reading (one
// background task at a time) and the per-document work of a batch (parallel_for). So
// --threads N means at most N threads busy at any moment; with N = 1 everything, reading
// included, runs on the calling thread, one step after the other.
class WorkPool {
 public:
  explicit WorkPool(unsigned threads) : threads_(std::max(1u, threads)) {
    workers_.reserve(threads_ - 1);
    for (unsigned w = 1; w < threads_; ++w) workers_.emplace_back([this, w] { loop(w); });
  }
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;
  ~WorkPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  // Starts task on a free worker; with one thread it runs in wait_background(). One
  // background task at a time.
  void start_background(std::function<void()> task) {
    if (workers_.empty()) {
      deferred_ = std::move(task);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      background_ = std::move(task);
      background_state_ = kQueued;
    }
    wake_.notify_all();
  }

  // Returns when the background task is done (running it here if no worker has taken it).
  void wait_background() {
    if (workers_.empty()) {
      std::function<void()> task = std::move(deferred_);
      deferred_ = nullptr;
      if (task) task();
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (background_state_ == kQueued) {
      std::function<void()> task = std::move(background_);
      background_state_ = kIdle;
      lock.unlock();
      task();
      return;
    }
    done_.wait(lock, [this] { return background_state_ == kIdle; });
  }

  // body(i, worker) for every i in [0, n), in small chunks claimed by the calling thread
  // (worker 0) and every worker not busy with the background task (it joins when done).
  void parallel_for(std::size_t n, const ParallelBody& body) {
    if (workers_.empty() || n < 2) {
      for (std::size_t i = 0; i < n; ++i) body(i, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_body_ = &body;
      job_n_ = n;
      job_chunk_ = std::max<std::size_t>(1, n / (std::size_t{threads_} * 16));
      next_.store(0, std::memory_order_relaxed);
      ++job_generation_;
      job_open_ = true;
    }
    wake_.notify_all();
    run_chunks(0);
    std::unique_lock<std::mutex> lock(mu_);
    job_open_ = false;  // no late joiners: the chunks are all claimed
    done_.wait(lock, [this] { return job_running_ == 0; });
  }

 private:
  enum BackgroundState : uint8_t { kIdle, kQueued, kRunning };

  void run_chunks(unsigned worker) {
    for (;;) {
      const std::size_t begin = next_.fetch_add(job_chunk_, std::memory_order_relaxed);
      if (begin >= job_n_) return;
      const std::size_t end = std::min(job_n_, begin + job_chunk_);
      for (std::size_t i = begin; i < end; ++i) (*job_body_)(i, worker);
    }
  }

  void loop(unsigned worker) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] {
        return stop_ || background_state_ == kQueued || (job_open_ && job_generation_ != seen);
      });
      if (stop_) return;
      if (background_state_ == kQueued) {
        std::function<void()> task = std::move(background_);
        background_state_ = kRunning;
        lock.unlock();
        task();
        lock.lock();
        background_state_ = kIdle;
        done_.notify_all();
        continue;
      }
      seen = job_generation_;
      ++job_running_;
      lock.unlock();
      run_chunks(worker);
      lock.lock();
      if (--job_running_ == 0) done_.notify_all();
    }
  }

  const unsigned threads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  bool stop_ = false;
  std::function<void()> background_, deferred_;
  BackgroundState background_state_ = kIdle;
  const ParallelBody* job_body_ = nullptr;
  std::size_t job_n_ = 0, job_chunk_ = 1;
  std::atomic<std::size_t> next_{0};
  uint64_t job_generation_ = 0;
  bool job_open_ = false;
  unsigned job_running_ = 0;
};

}  // namespace

// Reads every input in batches and calls process(docs, n) for each, in input order, on the
// threads of `pool`; reports reader errors. The next batch is read as the pool's background
// task while the current one is processed, so parsing and decompression overlap the
// per-document work (with one thread: after the current batch is processed, on the same
// thread). `live` reads with BatchReader::next_available (a live feed's batch ends when nothing
// more has arrived). `process` returns void or a Status; a non-ok Status stops the run (the
// message is printed). Returns kExitOk or kExitFailure.
template <class Process>
int for_each_batch(std::string_view command, BatchReader& reader, Progress& progress,
                   uint64_t& documents, WorkPool& pool, Process&& process, bool live = false) {
  std::vector<Document> current, next;
  const auto read = [&reader, live](std::vector<Document>& docs) {
    return live ? reader.next_available(docs) : reader.next(docs);
  };
  Result<std::size_t> got = read(current);
  while (true) {
    if (!got.ok()) {
      progress.finish();
      print_error(command, got.status().message());
      return kExitFailure;
    }
    const std::size_t n = *got;
    if (n == 0) break;
    // Only the background task touches `reader`, `next` and `ahead` until wait_background().
    Result<std::size_t> ahead = std::size_t{0};
    pool.start_background([&read, &next, &ahead] { ahead = read(next); });
    Status status;
    try {
      if constexpr (std::is_void_v<
                        std::invoke_result_t<Process&, std::vector<Document>&, std::size_t>>) {
        process(current, n);
      } else {
        status = process(current, n);
      }
    } catch (...) {
      pool.wait_background();  // the task refers to this frame: let it finish first
      throw;
    }
    pool.wait_background();
    if (!status.ok()) {
      progress.finish();
      print_error(command, status.message());
      return kExitFailure;
    }
    got = std::move(ahead);
    std::swap(current, next);
    documents += n;
    progress.update(documents, reader.stats().bytes, reader.done_fraction());
  }
  progress.finish();
  return kExitOk;
}

int run_batches(std::string_view command, unsigned threads, BatchReader& reader, Progress& progress,
                uint64_t& documents, const BatchProcess& process, bool live) {
  WorkPool pool(threads);
  const ParallelRunner runner = [&pool](std::size_t n, const ParallelBody& body) {
    pool.parallel_for(n, body);
  };
  return for_each_batch(
      command, reader, progress, documents, pool,
      [&](std::vector<Document>& docs, std::size_t n) { return process(docs, n, runner); }, live);
}

std::string reader_summary(const ReaderStats& rs, const NormalizeStats& ns) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "skipped %llu malformed records, %llu blank lines; kept %llu records with invalid "
                "JSON strings; repaired %llu documents (%llu invalid UTF-8 sequences); ",
                static_cast<unsigned long long>(rs.skipped),
                static_cast<unsigned long long>(rs.blank_lines),
                static_cast<unsigned long long>(rs.lenient),
                static_cast<unsigned long long>(ns.documents_repaired),
                static_cast<unsigned long long>(ns.invalid_sequences));
  return buf;
}

namespace {

// Whether opening and reading `path` can wait for a producer: stdin or a named pipe, terminal,
// socket or device; not a regular file or directory. Unknown (stat fails) counts as not
// waiting: open() reports the error.
bool may_wait(const std::string& path) {
  struct stat st {};
  const int r = path == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(path.c_str(), &st);
  return r == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

}  // namespace

Result<std::size_t> BatchReader::next(std::vector<Document>& docs) { return fill(docs, false); }

Result<std::size_t> BatchReader::next_available(std::vector<Document>& docs) {
  return fill(docs, true);
}

// live: wait for the first document only; after it, take only what has already arrived.
Result<std::size_t> BatchReader::fill(std::vector<Document>& docs, bool live) {
  std::size_t count = 0;
  uint64_t bytes = 0;
  while (count < kBatchDocs && bytes < kBatchBytes) {
    if (!reader_) {
      if (next_input_ == inputs_.size()) break;
      // Opening reads the first bytes (to detect the format): hand over what we have first.
      if (live && count > 0 && may_wait(inputs_[next_input_])) break;
      const std::string& path = inputs_[next_input_++];
      Result<std::unique_ptr<DocumentReader>> r = DocumentReader::open(path, options_);
      if (!r.ok()) return r.status();
      reader_ = std::move(r.value());
    }
    if (docs.size() <= count) docs.resize(count + 1);
    NextOutcome got = NextOutcome::kEnd;
    if (live && count > 0) {
      Result<NextOutcome> more = reader_->try_next(docs[count]);
      if (!more.ok()) return more.status();
      got = *more;
    } else {
      Result<bool> more = reader_->next(docs[count]);
      if (!more.ok()) return more.status();
      got = *more ? NextOutcome::kDocument : NextOutcome::kEnd;
    }
    if (got == NextOutcome::kWouldBlock) break;
    if (got == NextOutcome::kEnd) {
      finish_reader();
      continue;
    }
    bytes += docs[count].text.size();
    ++count;
  }
  return count;
}

void BatchReader::finish_reader() {
  if (!reader_) return;
  done_.add(reader_->stats());
  reader_.reset();
}

ReaderStats BatchReader::stats() const {
  ReaderStats t = done_;
  if (reader_) t.add(reader_->stats());
  return t;
}

double BatchReader::done_fraction() const {
  if (inputs_.size() != 1 || !reader_ || reader_->input_size() == 0) return -1;
  return static_cast<double>(reader_->input_consumed()) /
         static_cast<double>(reader_->input_size());
}

void add_cluster_options(po::options_description& desc, ClusterOptions& opt) {
  desc.add_options()  //
      ("mode", po::value(&opt.mode)->default_value("exact"),
       "exact: identical normalized text; near: MinHash/LSH near-duplicates (Jaccard of "
       "shingle sets >= --threshold); simhash: SimHash fingerprints within --max-distance bits")  //
      ("output,o", po::value(&opt.output)->default_value("-"),
       "write the records here instead of stdout")  //
      ("representative", po::value(&opt.representative)->default_value("first"),
       "which member represents a cluster: first, longest, or field:NAME (the largest value "
       "of a JSONL field; numbers compare as numbers); exact mode: first only")  //
      ("threshold", po::value(&opt.threshold_text)->notifier([&opt](const std::string&) {
        opt.threshold_given = true;
      }),
       "near: Jaccard similarity at which documents are near-duplicates (default 0.8); "
       "story: similarity to a cluster's centroid needed to join it, or auto (default: "
       "calibrated to each document's length)")  //
      ("shingle", po::value(&opt.shingle)->default_value("word:5"),
       "near: shingles, word:K (K words) or char:K (K characters)")                      //
      ("num-perm", po::value(&opt.num_perm)->default_value(128), "near: MinHash slots")  //
      ("minhash", po::value(&opt.minhash)->default_value("oph"),
       "near: oph (one-permutation + densification) or perm (k hash functions)")  //
      ("bands", po::value(&opt.bands)->default_value(0),
       "near: LSH bands (0 = derived from --threshold and --num-perm)")                          //
      ("rows", po::value(&opt.rows)->default_value(0), "near: LSH rows per band (0 = derived)")  //
      ("verify", po::value(&opt.verify),
       "near: check candidates by exact Jaccard of shingle sets (shingles, the default) or by "
       "the 32-bit signature estimate (signature: less memory); simhash: none (the default) or "
       "shingles (keep only pairs with Jaccard >= --threshold)")  //
      ("linkage", po::value(&opt.linkage)->default_value("components"),
       "near: components (connected components of verified pairs) or representative (no "
       "chaining: join a cluster only if similar to its first document)")  //
      ("time-field", po::value(&opt.time_field),
       "story: JSONL field with the document's time (unix seconds, ISO 8601 or RFC 2822 as in "
       "RSS: 'Tue, 10 Mar 2014 22:24:50 GMT'); documents are clustered in time order")  //
      ("title-field", po::value(&opt.title_field)->default_value("title"),
       "story: JSONL field with a title, whose words count twice (ignored when absent)")  //
      ("window", po::value(&opt.window),
       "story: close a cluster when its newest report is older than this (e.g. 3d, 12h; 0 = "
       "never); needs --time-field, with which it defaults to 3d; memory is bounded by the "
       "window")  //
      ("language", po::value(&opt.language)->default_value("auto"),
       "story: stop words and stemming: auto (per document), english, german, french, "
       "spanish, italian, portuguese, dutch, or none (text already pre-processed)")  //
      ("stem", po::bool_switch(&opt.stem),
       "story: Snowball-stem words in the document's language (off by default)")  //
      ("single-pass", po::bool_switch(&opt.single_pass),
       "story: keep the single-pass assignment (no merging of clusters with close centroids "
       "and no moving of documents to the closest final centroid afterwards)")  //
      ("stream", po::bool_switch(&opt.stream),
       "story: assign each document as it arrives, in input order, with running document "
       "frequencies (start them with --idf-model); records are written as the documents "
       "arrive (from a live pipe each one as soon as it is read; from files in batches of "
       "2048), and memory is bounded by --window. Implies --single-pass")  //
      ("idf-model", po::value(&opt.idf_model),
       "story: start document frequencies from this model (neardup idf build)");
  add_simhash_options(desc, opt);
  add_input_options(desc, opt.input);
  add_normalize_options(desc, opt.normalize);
  add_common_options(desc, opt.common);
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

static Result<NearDupOptions> near_options(const ClusterOptions& opt) {
  NearDupOptions o;
  Result<PipelineOptions> pipeline = pipeline_options(opt.normalize, opt.shingle, opt.common.seed);
  if (!pipeline.ok()) return pipeline.status();
  o.pipeline = *pipeline;
  Result<MinHashParams> minhash = minhash_params(opt.num_perm, opt.minhash, opt.common.seed);
  if (!minhash.ok()) return minhash.status();
  o.minhash = *minhash;
  o.threshold = opt.threshold;
  o.bands = opt.bands;
  o.rows = opt.rows;
  if (opt.verify == "shingles" || opt.verify.empty()) {
    o.verify = VerifyMode::kShingles;
  } else if (opt.verify == "signature") {
    o.verify = VerifyMode::kSignature;
  } else {
    return Status::invalid_argument("unknown --verify '" + opt.verify + "' (shingles, signature)");
  }
  if (opt.linkage == "components") {
    o.linkage = Linkage::kComponents;
  } else if (opt.linkage == "representative") {
    o.linkage = Linkage::kRepresentative;
  } else {
    return Status::invalid_argument("unknown --linkage '" + opt.linkage +
                                    "' (components, representative)");
  }
  NEARDUP_RETURN_IF_ERROR(o.validate());
  return o;
}

Result<StoryConfig> story_config(const ClusterOptions& opt) {
  StoryConfig c;
  if (opt.threshold_given && opt.threshold_text != "auto") {
    char* end = nullptr;
    c.story.threshold = std::strtod(opt.threshold_text.c_str(), &end);
    if (*end != '\0' || !(c.story.threshold > 0 && c.story.threshold < 1)) {
      return Status::invalid_argument("--threshold must be auto or a number in (0, 1), not '" +
                                      opt.threshold_text + "'");
    }
  }
  if (opt.window.empty() && !opt.time_field.empty()) {
    // The library's rule (story_time.h): three days when the documents carry times.
    c.story.window_seconds = default_story_window_seconds(true);
  }
  if (!opt.window.empty()) {
    if (opt.time_field.empty()) {
      return Status::invalid_argument("--window needs --time-field (the documents' time)");
    }
    Result<double> w = parse_duration(opt.window);
    if (!w.ok()) return Status::invalid_argument("--window: " + w.status().message());
    c.story.window_seconds = *w;
  }
  c.stream = opt.stream;
  if (opt.single_pass || opt.stream) {
    c.story.refine = false;
    c.story.merge_factor = 0;
  }
  c.features.language = opt.language;
  c.features.stem = opt.stem;
  c.features.seed = opt.common.seed;
  c.time_field = opt.time_field;
  c.title_field = opt.title_field;
  c.idf_model = opt.idf_model;
  NEARDUP_RETURN_IF_ERROR(c.features.validate());
  NEARDUP_RETURN_IF_ERROR(c.story.validate());
  return c;
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

Status resolve_cluster_options(ClusterOptions& opt, std::optional<NearDupOptions>& near) {
  if (opt.threshold_given && opt.mode != "story") {
    char* end = nullptr;
    opt.threshold = std::strtod(opt.threshold_text.c_str(), &end);
    if (opt.threshold_text.empty() || *end != '\0') {
      return Status::invalid_argument("--threshold must be a number, not '" + opt.threshold_text +
                                      "'");
    }
  }
  if (opt.input.inputs.empty()) {
    return Status::invalid_argument("no input given (name files, a directory, or - for stdin)");
  }
  NEARDUP_RETURN_IF_ERROR(opt.input.resolve());
  const bool field = opt.representative.rfind("field:", 0) == 0;
  if (opt.representative != "first" && opt.representative != "longest" &&
      !(field && opt.representative.size() > 6)) {
    return Status::invalid_argument("unknown --representative '" + opt.representative +
                                    "' (first, longest, field:NAME)");
  }
  if (opt.mode == "exact") {
    if (opt.representative != "first") {
      return Status::invalid_argument(
          "--mode exact streams its output and keeps the first copy: --representative must be "
          "first (use --mode near for other policies)");
    }
    return Status();
  }
  if (opt.mode == "near") {
    Result<NearDupOptions> o = near_options(opt);
    if (!o.ok()) return o.status();
    near = *o;
    return Status();
  }
  if (opt.mode == "story") {
    if (opt.representative != "first") {
      return Status::invalid_argument(
          "--mode story represents a cluster by its earliest report: --representative must be "
          "first");
    }
    Result<StoryConfig> c = story_config(opt);
    return c.ok() ? Status() : c.status();
  }
  if (opt.mode == "simhash") return check_simhash_options(opt);
  return Status::invalid_argument("unknown --mode '" + opt.mode +
                                  "' (available: exact, near, story, simhash)");
}

void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity) {
  line.clear();
  line += "{\"id\":";
  append_json_string(line, id);
  line += ",\"cluster\":";
  append_json_string(line, cluster);
  if (duplicate_of != nullptr) {
    line += ",\"duplicate_of\":";
    append_json_string(line, *duplicate_of);
    char buf[32];
    std::snprintf(buf, sizeof buf, ",\"similarity\":%.4g", similarity);
    line += buf;
  }
  line += "}\n";
}

int run_exact(std::string_view command, const ClusterOptions& opt, const ExactEmit& emit) {
  const unsigned threads = opt.common.resolved_threads();
  // Records stream out batch by batch: an exact cluster's id is known when its first member
  // is read, so memory holds only one id per distinct text (and no per-document assignment).
  ExactClusterer clusterer({.normalize = opt.normalize.options(), .keep_assignments = false});
  std::vector<ExactClusterer::Scratch> scratch(threads);
  std::vector<PreparedExact> prepared;
  std::vector<std::string> first_ids;  // cluster number -> id of its first document
  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  const int rc =
      run_batches(command, threads, reader, progress, documents,
                  [&](std::vector<Document>& docs, std::size_t n, const ParallelRunner& run) {
                    prepared.resize(n);
                    run(n, [&](std::size_t i, unsigned w) {
                      clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
                    });
                    for (std::size_t i = 0; i < n; ++i) {
                      const ExactMatch m = clusterer.add(prepared[i]);
                      if (m.is_new) {
                        first_ids.push_back(docs[i].id);
                        emit(docs[i], nullptr);
                      } else {
                        emit(docs[i], &first_ids[m.ordinal]);
                      }
                    }
                    return Status();
                  });
  if (rc != kExitOk) return rc;
  if (!opt.common.quiet) {
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats());
    const ExactStats& st = clusterer.stats();
    char buf[256];
    std::snprintf(buf, sizeof buf, "mode exact: %llu clusters, %llu duplicates, %llu empty; ",
                  static_cast<unsigned long long>(st.clusters),
                  static_cast<unsigned long long>(st.duplicates),
                  static_cast<unsigned long long>(st.empty));
    print_error(command, std::string(buf) + reader_summary(reader.stats(), ns) +
                             format_rate_summary(documents, reader.stats().bytes,
                                                 progress.elapsed_seconds()) +
                             ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

int run_near(std::string_view command, const ClusterOptions& opt, const NearDupOptions& near,
             NearRun& result) {
  const unsigned threads = opt.common.resolved_threads();
  Result<NearDupClusterer> created = NearDupClusterer::create(near);
  if (!created.ok()) {
    print_error(command, created.status().message());
    return kExitUsage;
  }
  NearDupClusterer& clusterer = *created;
  const bool by_length = opt.representative == "longest";
  const bool by_field = opt.representative.rfind("field:", 0) == 0;
  const std::string field = by_field ? opt.representative.substr(6) : std::string();
  std::vector<NearDupClusterer::Scratch> scratch(threads);
  std::vector<JsonFieldExtractor> extractors(by_field ? threads : 0);
  std::vector<PreparedDoc> prepared;
  std::vector<std::optional<std::string>> batch_values, field_values;
  std::vector<double> priority;
  BatchReader reader(opt.input.inputs, opt.input.reader);
  Progress progress(std::string(command), !opt.common.quiet);
  uint64_t documents = 0;
  result.ids.clear();
  // --threads N: N threads in all, reading included (see WorkPool). Each batch: prepare
  // (normalize, shingle, sign) on all threads, then add_batch, which verifies candidates on all
  // threads and keeps only index updates and union-find serial.
  WorkPool pool(threads);
  const ParallelRunner runner = [&pool](std::size_t n, const ParallelBody& body) {
    pool.parallel_for(n, body);
  };
  const int rc = for_each_batch(
      command, reader, progress, documents, pool, [&](std::vector<Document>& docs, std::size_t n) {
        if (prepared.size() < n) prepared.resize(n);
        batch_values.resize(n);
        pool.parallel_for(n, [&](std::size_t i, unsigned w) {
          clusterer.prepare(docs[i].text, prepared[i], scratch[w]);
          if (by_field) batch_values[i] = extractors[w].get(docs[i].raw, field);
        });
        clusterer.add_batch(std::span<const PreparedDoc>(prepared.data(), n), runner);
        for (std::size_t i = 0; i < n; ++i) {
          result.ids.push_back(docs[i].id);
          if (by_length) priority.push_back(static_cast<double>(prepared[i].text_bytes));
          if (by_field) field_values.push_back(std::move(batch_values[i]));
        }
      });
  if (rc != kExitOk) return rc;
  if (by_field) priority = field_priority(field_values);
  result.assignment = clusterer.finish(priority);

  if (!opt.common.quiet) {
    uint64_t clusters = 0;
    for (std::size_t i = 0; i < result.assignment.size(); ++i) {
      if (result.assignment[i].cluster == i) ++clusters;
    }
    NormalizeStats ns;
    for (const auto& s : scratch) ns.add(s.normalize_stats());
    const NearDupStats& st = clusterer.stats();
    const LshParams lsh = clusterer.lsh_params();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "mode near (threshold %.2f, %s, %u slots, %u bands x %u rows): %llu clusters, "
                  "%llu duplicates (%llu exact); %llu candidate pairs, %llu verified, %llu "
                  "rejected; index %.1f MB; ",
                  near.threshold, opt.shingle.c_str(), near.minhash.num_perm, lsh.bands, lsh.rows,
                  static_cast<unsigned long long>(clusters),
                  static_cast<unsigned long long>(documents - clusters),
                  static_cast<unsigned long long>(st.exact_duplicates),
                  static_cast<unsigned long long>(st.candidates),
                  static_cast<unsigned long long>(st.verified),
                  static_cast<unsigned long long>(st.rejected),
                  static_cast<double>(clusterer.memory_bytes()) / 1e6);
    print_error(command, std::string(buf) + reader_summary(reader.stats(), ns) +
                             format_rate_summary(documents, reader.stats().bytes,
                                                 progress.elapsed_seconds()) +
                             ", " + std::to_string(threads) + " threads");
  }
  return kExitOk;
}

}  // namespace neardup::cli

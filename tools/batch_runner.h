// The batch loop of every mode and command: BatchReader streams the documents of all inputs in
// batches, WorkPool holds a run's threads, and for_each_batch processes one batch on the pool
// while the next one is read, so results come out in input order for any thread count.
//
//   BatchReader reader(opt.input.inputs, opt.input.reader);
//   WorkPool pool(threads);  // --threads N: N threads in all, reading included
//   const int rc = for_each_batch(command, reader, progress, documents, pool,
//                                 [&](std::vector<Document>& docs, std::size_t n) {
//                                   pool.parallel_for(n, [&](std::size_t i, unsigned w) { ... });
//                                 });
//
// Thread safety: a BatchReader and a WorkPool belong to one run (one thread calls them);
// parallel_for bodies run concurrently, each with its own worker number.
// Cost: two batches are alive at a time (one processed, one read ahead); a batch is at most
// BatchLimits::docs documents or BatchLimits::bytes bytes of text.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "cli_common.h"
#include "id_check.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"

namespace neardup::cli {

// The size of a batch: at most `docs` documents or `bytes` bytes of text. The defaults keep the
// fixed cost of the two live batches small (4 MB) while a batch still holds enough documents to
// keep every thread busy.
struct BatchLimits {
  std::size_t docs = 2048;
  uint64_t bytes = uint64_t{4} << 20;
};

// Streams documents from all inputs in batches, so that the per-document work of a batch can
// run on all threads while results stay in input order.
class BatchReader {
 public:
  BatchReader(const std::vector<std::string>& inputs, const ReaderOptions& options,
              BatchLimits limits = {})
      : inputs_(inputs), options_(options), limits_(limits) {}
  // Input i read with per_input[i] (its file range: neardup sketch --shard).
  BatchReader(const std::vector<std::string>& inputs, std::vector<ReaderOptions> per_input,
              BatchLimits limits = {})
      : inputs_(inputs),
        options_(per_input.empty() ? ReaderOptions() : per_input.front()),
        per_input_(std::move(per_input)),
        limits_(limits) {}

  // Fills docs[0..count) and returns count (0 at the end of all inputs).
  Result<std::size_t> next(std::vector<Document>& docs);
  // As next(), for live input (--stream): waits for the first document of the batch only, then
  // returns early with the documents it has once the next one has not arrived yet (a pipe,
  // terminal or socket with nothing to read now, or the next input is such a stream). Regular
  // files and directories never end a batch early, so their batches stay full.
  Result<std::size_t> next_available(std::vector<Document>& docs);
  // Totals over all inputs so far.
  ReaderStats stats() const;
  // Fraction of the input done, or -1 when unknown (several inputs, stdin).
  double done_fraction() const;

  // Runs an IdCheck over the ids of the documents read, in input order, and IdCheck::finish at
  // the end of all input; their errors are next()'s. Call before the first next().
  void check_ids(const IdCheckOptions& options) { ids_.emplace(options); }
  // The check (empty without check_ids) and whether next()'s error is a usage error (an
  // --id-field that no record has): the command's exit code is kExitUsage then.
  const std::optional<IdCheck>& ids() const noexcept { return ids_; }
  bool usage_error() const noexcept { return usage_error_; }
  // Summary pieces: "N records without an id (given FILE:LINE); " and the IdCheck's.
  std::string id_summary() const;

 private:
  Result<std::size_t> fill(std::vector<Document>& docs, bool live);
  void finish_reader();

  const std::vector<std::string>& inputs_;
  ReaderOptions options_;
  std::vector<ReaderOptions> per_input_;
  BatchLimits limits_;
  std::size_t next_input_ = 0;
  std::unique_ptr<DocumentReader> reader_;
  ReaderStats done_;
  std::optional<IdCheck> ids_;
  bool ids_finished_ = false;
  bool usage_error_ = false;
};

// The threads of a run: the calling thread plus threads-1 workers, shared by reading (one
// background task at a time) and the per-document work of a batch (parallel_for). So
// --threads N means at most N threads busy at any moment; with N = 1 everything, reading
// included, runs on the calling thread, one step after the other.
class WorkPool {
 public:
  explicit WorkPool(unsigned threads);
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;
  ~WorkPool();

  // Starts task on a free worker; with one thread it runs in wait_background(). One
  // background task at a time.
  void start_background(std::function<void()> task);
  // Returns when the background task is done (running it here if no worker has taken it).
  void wait_background();
  // body(i, worker) for every i in [0, n), in small chunks claimed by the calling thread
  // (worker 0) and every worker not busy with the background task (it joins when done).
  void parallel_for(std::size_t n, const ParallelBody& body);
  // parallel_for as a ParallelRunner (NearDupClusterer::add_batch and the like).
  ParallelRunner runner() {
    return [this](std::size_t n, const ParallelBody& body) { parallel_for(n, body); };
  }

 private:
  enum BackgroundState : uint8_t { kIdle, kQueued, kRunning };
  void run_chunks(unsigned worker);
  void loop(unsigned worker);

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

// How the batch loop fills a batch: full (BatchReader::next) or, for a live feed, with what has
// arrived so far (BatchReader::next_available).
enum class BatchFill { kFull, kAvailable };

// The work on one batch: docs[0..n). An error stops the loop.
using BatchProcess = std::function<Status(std::vector<Document>& docs, std::size_t n)>;

// Reads every input in batches and calls process(docs, n) for each, in input order, adding n to
// `documents` after each batch and updating `progress`. The next batch is read as the pool's
// background task while the current one is processed (with one thread: after it, on the same
// thread), so parsing and decompression overlap the per-document work. Returns the first
// error, of the reader or of process; `progress` is finished either way.
//
// `tail`, when given, pipelines a serial step: process() may leave in *tail the serial part of its
// batch's work (e.g. adding it to a clusterer in input order). The loop runs that task as the
// background task, before reading the batch after next, so it overlaps the next batch's
// process() on another thread; tails run one at a time, in batch order, and the last one runs
// before run_batches returns (not after an error). A tail's error stops the loop like process()'s.
// A tail must not touch what process() of the next batch touches; what it leaves for the next
// process() is visible there.
Status run_batches(BatchReader& reader, Progress& progress, uint64_t& documents, WorkPool& pool,
                   const BatchProcess& process, BatchFill fill = BatchFill::kFull,
                   std::function<Status()>* tail = nullptr);

// run_batches for a command: an error is reported as one line on stderr. `process` may return
// nothing or a Status. Returns kExitOk or kExitFailure.
template <class Process>
int for_each_batch(std::string_view command, BatchReader& reader, Progress& progress,
                   uint64_t& documents, WorkPool& pool, Process&& process,
                   BatchFill fill = BatchFill::kFull) {
  Status st;
  if constexpr (std::is_void_v<
                    std::invoke_result_t<Process&, std::vector<Document>&, std::size_t>>) {
    st = run_batches(
        reader, progress, documents, pool,
        [&process](std::vector<Document>& docs, std::size_t n) {
          process(docs, n);
          return Status();
        },
        fill);
  } else {
    st = run_batches(reader, progress, documents, pool, process, fill);
  }
  if (st.ok()) return kExitOk;
  print_error(command, st.message());
  return reader.usage_error() ? kExitUsage : kExitFailure;
}

}  // namespace neardup::cli

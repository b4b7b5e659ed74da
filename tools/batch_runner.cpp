#include "batch_runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace neardup::cli {

WorkPool::WorkPool(unsigned threads) : threads_(std::max(1u, threads)) {
  workers_.reserve(threads_ - 1);
  for (unsigned w = 1; w < threads_; ++w) workers_.emplace_back([this, w] { loop(w); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkPool::start_background(std::function<void()> task) {
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

void WorkPool::wait_background() {
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

void WorkPool::parallel_for(std::size_t n, const ParallelBody& body) {
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

void WorkPool::run_chunks(unsigned worker) {
  for (;;) {
    const std::size_t begin = next_.fetch_add(job_chunk_, std::memory_order_relaxed);
    if (begin >= job_n_) return;
    const std::size_t end = std::min(job_n_, begin + job_chunk_);
    for (std::size_t i = begin; i < end; ++i) (*job_body_)(i, worker);
  }
}

void WorkPool::loop(unsigned worker) {
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

Status run_batches(BatchReader& reader, Progress& progress, uint64_t& documents, WorkPool& pool,
                   const BatchProcess& process, BatchFill fill, std::function<Status()>* tail) {
  const bool live = fill == BatchFill::kAvailable;
  const auto read = [&reader, live](std::vector<Document>& docs) {
    return live ? reader.next_available(docs) : reader.next(docs);
  };
  std::vector<Document> current, next;
  std::function<Status()> pending;  // the previous batch's tail, run with the next read
  Result<std::size_t> got = read(current);
  while (true) {
    if (!got.ok()) {
      progress.finish();
      return got.status();
    }
    const std::size_t n = *got;
    if (n == 0) break;
    // Only the background task touches `reader`, `next`, `ahead` and what the pending tail
    // touches until wait_background().
    Result<std::size_t> ahead = std::size_t{0};
    Status tail_status;
    pool.start_background([&read, &next, &ahead, &pending, &tail_status] {
      if (pending) tail_status = pending();
      if (tail_status.ok()) ahead = read(next);
    });
    Status st;
    try {
      st = process(current, n);
    } catch (...) {
      pool.wait_background();  // the task refers to this frame: let it finish first
      throw;
    }
    pool.wait_background();
    pending = nullptr;
    if (tail != nullptr) pending = std::exchange(*tail, nullptr);
    if (st.ok()) st = tail_status;
    if (!st.ok()) {
      progress.finish();
      return st;
    }
    got = std::move(ahead);
    std::swap(current, next);
    documents += n;
    progress.update(documents, reader.stats().bytes, reader.done_fraction());
  }
  if (pending) {
    if (Status st = pending(); !st.ok()) {
      progress.finish();
      return st;
    }
  }
  progress.finish();
  if (reader.ids()) reader.ids()->warn();
  return Status();
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
  while (count < limits_.docs && bytes < limits_.bytes) {
    if (!reader_) {
      if (next_input_ == inputs_.size()) {
        if (ids_ && !ids_finished_) {
          ids_finished_ = true;
          if (Status st = ids_->finish(done_); !st.ok()) {
            usage_error_ = st.code() == StatusCode::kNotFound;
            return st;
          }
        }
        break;
      }
      // Opening reads the first bytes (to detect the format): hand over what we have first.
      if (live && count > 0 && may_wait(inputs_[next_input_])) break;
      const std::size_t index = next_input_++;
      const std::string& path = inputs_[index];
      Result<std::unique_ptr<DocumentReader>> r =
          DocumentReader::open(path, index < per_input_.size() ? per_input_[index] : options_);
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
    if (ids_) NEARDUP_RETURN_IF_ERROR(ids_->add(docs[count]));
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

std::string BatchReader::id_summary() const {
  std::string s;
  const uint64_t missing = stats().missing_id;
  if (missing > 0) {
    s += std::to_string(missing) + (missing == 1 ? " record" : " records") +
         " without an id (given FILE:LINE); ";
  }
  if (ids_) s += ids_->summary();
  return s;
}

double BatchReader::done_fraction() const {
  if (inputs_.size() != 1 || !reader_ || reader_->input_size() == 0) return -1;
  return static_cast<double>(reader_->input_consumed()) /
         static_cast<double>(reader_->input_size());
}

}  // namespace neardup::cli

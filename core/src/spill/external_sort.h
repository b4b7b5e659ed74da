// An external merge sort of fixed-size records: add() fills a buffer of `buffer_bytes`; a full
// buffer is sorted and written as a run to a temporary file. finish() then merges: when there
// are more runs than one merge can read with its buffers (each run gets at least kMinRead
// bytes of the same budget), groups of runs are merged into longer runs first (a merge pass).
// next() yields every record in `Less` order. When everything fit one buffer nothing is written.
//
// Records are trivially copyable and written as they are in memory (the files live only as long
// as the sorter). Less must be a strict weak order; records that compare equal come out in an
// unspecified order, so callers make every field part of the order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "neardup/status.h"
#include "spill/temp_file.h"

namespace neardup::spill {

template <class T, class Less>
class ExternalSorter {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t kMinRead = std::size_t{64} << 10;
  static constexpr std::size_t kMaxRead = std::size_t{4} << 20;

  ExternalSorter(std::string dir, std::size_t buffer_bytes, uint64_t* bytes_written,
                 uint64_t* runs_written, uint64_t* merge_passes)
      : dir_(std::move(dir)),
        capacity_(std::max<std::size_t>(buffer_bytes / sizeof(T), 1024)),
        bytes_written_(bytes_written),
        runs_written_(runs_written),
        merge_passes_(merge_passes) {}

  Status add(const T& r) {
    if (buffer_.capacity() < capacity_) buffer_.reserve(capacity_);
    buffer_.push_back(r);
    if (buffer_.size() == capacity_) return spill();
    return Status();
  }

  // Bytes held in RAM now (the buffer, or the merge's read buffers).
  std::size_t memory_bytes() const noexcept { return buffer_.capacity() * sizeof(T) + read_bytes_; }
  uint64_t size() const noexcept { return total_; }

  // Ends adding: when runs were written, the rest of the buffer becomes the last run and the
  // buffer is freed; when everything fit, the buffer is sorted and kept. Idempotent.
  Status seal() {
    if (sealed_) return Status();
    sealed_ = true;
    if (runs_.empty()) {  // everything fit: sort in memory, write nothing
      total_ += buffer_.size();
      std::sort(buffer_.begin(), buffer_.end(), Less());
      in_memory_ = true;
      return Status();
    }
    NEARDUP_RETURN_IF_ERROR(spill());
    std::vector<T>().swap(buffer_);
    return Status();
  }

  // After seal() (called here if need be): next() yields the records in order. `merge_bytes`
  // is the budget of the merge's read buffers.
  Status finish(std::size_t merge_bytes) {
    NEARDUP_RETURN_IF_ERROR(seal());
    if (in_memory_) return Status();
    const std::size_t fan_in = std::max<std::size_t>(2, merge_bytes / kMinRead);
    while (runs_.size() > fan_in) {
      // One merge pass: every group of fan_in runs becomes one run in a new file.
      Result<TempFile> out = TempFile::create(dir_, bytes_written_);
      if (!out.ok()) return out.status();
      std::vector<Run> merged;
      for (std::size_t g = 0; g < runs_.size(); g += fan_in) {
        const std::size_t end = std::min(runs_.size(), g + fan_in);
        NEARDUP_RETURN_IF_ERROR(open_merge(g, end, merge_bytes));
        Run run{out->size() / sizeof(T), 0};
        T r;
        while (pop(r)) {
          NEARDUP_RETURN_IF_ERROR(out->append(&r, sizeof(T)));
          ++run.count;
        }
        NEARDUP_RETURN_IF_ERROR(status_);
        merged.push_back(run);
      }
      NEARDUP_RETURN_IF_ERROR(out->flush());
      out->release_buffer();
      file_ = std::move(*out);
      runs_ = std::move(merged);
      if (merge_passes_ != nullptr) ++*merge_passes_;
    }
    return open_merge(0, runs_.size(), merge_bytes);
  }

  // The next record in order; false at the end or after an error (then status() tells).
  bool next(T& out) {
    if (in_memory_) {
      if (pos_ >= buffer_.size()) {
        std::vector<T>().swap(buffer_);
        return false;
      }
      out = buffer_[pos_++];
      return true;
    }
    return pop(out);
  }
  const Status& status() const noexcept { return status_; }

 private:
  struct Run {
    uint64_t first = 0;  // record number in file_
    uint64_t count = 0;
  };
  struct Reader {
    uint64_t next = 0, end = 0;  // record numbers still to read from the file
    std::vector<T> buf;
    std::size_t pos = 0;
  };

  Status spill() {
    if (buffer_.empty()) return Status();
    std::sort(buffer_.begin(), buffer_.end(), Less());
    if (!file_.is_open()) {
      Result<TempFile> f = TempFile::create(dir_, bytes_written_);
      if (!f.ok()) return f.status();
      file_ = std::move(*f);
    }
    runs_.push_back(Run{file_.size() / sizeof(T), buffer_.size()});
    NEARDUP_RETURN_IF_ERROR(file_.append(buffer_.data(), buffer_.size() * sizeof(T)));
    NEARDUP_RETURN_IF_ERROR(file_.flush());
    total_ += buffer_.size();
    buffer_.clear();
    if (runs_written_ != nullptr) ++*runs_written_;
    return Status();
  }

  Status refill(Reader& r) {
    const uint64_t n = std::min<uint64_t>(r.buf.capacity(), r.end - r.next);
    r.buf.resize(n);
    r.pos = 0;
    if (n == 0) return Status();
    NEARDUP_RETURN_IF_ERROR(file_.read_at(r.next * sizeof(T), r.buf.data(), n * sizeof(T)));
    r.next += n;
    return Status();
  }

  // Heap entries: the current record of reader `src`; ties by reader, so the merge is
  // deterministic.
  struct Entry {
    T value;
    std::size_t src;
  };
  struct Greater {
    bool operator()(const Entry& a, const Entry& b) const {
      if (Less()(b.value, a.value)) return true;
      if (Less()(a.value, b.value)) return false;
      return a.src > b.src;
    }
  };

  Status open_merge(std::size_t begin, std::size_t end, std::size_t merge_bytes) {
    readers_.clear();
    heap_ = {};
    const std::size_t k = end - begin;
    // Reads of more than kMaxRead per run gain little: the rest of the budget stays free.
    const std::size_t per =
        std::max<std::size_t>(std::min(merge_bytes / k, kMaxRead) / sizeof(T), 256);
    read_bytes_ = per * k * sizeof(T);
    readers_.resize(k);
    for (std::size_t i = 0; i < k; ++i) {
      Reader& r = readers_[i];
      r.next = runs_[begin + i].first;
      r.end = r.next + runs_[begin + i].count;
      r.buf.reserve(per);
      NEARDUP_RETURN_IF_ERROR(refill(r));
      if (!r.buf.empty()) heap_.push(Entry{r.buf[r.pos++], i});
    }
    return Status();
  }

  bool pop(T& out) {
    if (!status_.ok() || heap_.empty()) {
      if (heap_.empty()) read_bytes_ = 0;
      return false;
    }
    const Entry top = heap_.top();
    heap_.pop();
    out = top.value;
    Reader& r = readers_[top.src];
    if (r.pos == r.buf.size()) {
      status_ = refill(r);
      if (!status_.ok()) return false;
    }
    if (r.pos < r.buf.size()) heap_.push(Entry{r.buf[r.pos++], top.src});
    if (heap_.empty()) {
      readers_.clear();
      read_bytes_ = 0;
    }
    return true;
  }

  std::string dir_;
  std::size_t capacity_;
  uint64_t* bytes_written_;
  uint64_t* runs_written_;
  uint64_t* merge_passes_;
  std::vector<T> buffer_;
  TempFile file_;
  std::vector<Run> runs_;
  std::vector<Reader> readers_;
  std::priority_queue<Entry, std::vector<Entry>, Greater> heap_;
  std::size_t read_bytes_ = 0;
  std::size_t pos_ = 0;
  uint64_t total_ = 0;
  bool in_memory_ = false;
  bool sealed_ = false;
  Status status_;
};

}  // namespace neardup::spill

// A pool of scratch buffers for concurrent const calls (NearDupIndex, SimHashIndex): a Lease
// takes a warm scratch (or makes a new one) under a short lock and gives it back when it ends,
// so buffers are reused across calls without a lock held while they are used.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace neardup::detail {

template <typename Scratch>
class ScratchPool {
 public:
  class Lease {
   public:
    explicit Lease(const ScratchPool& pool) : pool_(pool), scratch_(pool.take()) {}
    ~Lease() { pool_.give_back(std::move(scratch_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Scratch& operator*() const { return *scratch_; }
    Scratch* operator->() const { return scratch_.get(); }

   private:
    const ScratchPool& pool_;
    std::unique_ptr<Scratch> scratch_;
  };

 private:
  std::unique_ptr<Scratch> take() const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        std::unique_ptr<Scratch> s = std::move(free_.back());
        free_.pop_back();
        return s;
      }
    }
    return std::make_unique<Scratch>();
  }
  void give_back(std::unique_ptr<Scratch> scratch) const noexcept {
    try {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(std::move(scratch));
    } catch (...) {  // NOLINT(bugprone-empty-catch): dropping the scratch is harmless
    }
  }

  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Scratch>> free_;
};

}  // namespace neardup::detail

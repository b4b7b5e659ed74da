// Clustering over verified pairs: union-find connected components.
//
//   neardup::UnionFind uf(n);
//   for (auto [a, b] : verified_pairs) uf.unite(a, b);
//   uint32_t root = uf.find(doc);              // the smallest document number of its component
//
// The root of every component is its smallest member, so cluster labels do not depend on the
// order in which pairs are united (and hence not on the thread count that found them).
//
// Thread safety: none; one thread at a time. Cost: near O(1) amortised per operation (union by
// smallest index with path halving; no rank, so the bound is O(log n) per find).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace neardup {

class UnionFind {
 public:
  explicit UnionFind(std::size_t n = 0) { resize(n); }

  // Grows to n elements; new elements are singletons.
  void resize(std::size_t n) {
    const std::size_t old = parent_.size();
    parent_.resize(n);
    for (std::size_t i = old; i < n; ++i) parent_[i] = static_cast<uint32_t>(i);
  }
  std::size_t size() const noexcept { return parent_.size(); }

  uint32_t find(uint32_t x) noexcept {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];  // path halving
      x = parent_[x];
    }
    return x;
  }

  // Merges the components of a and b; returns true if they were different.
  bool unite(uint32_t a, uint32_t b) noexcept {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    // The smaller index becomes the root: labels are order-independent.
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    return true;
  }

 private:
  std::vector<uint32_t> parent_;
};

}  // namespace neardup

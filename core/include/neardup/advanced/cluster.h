// What every mode's clusterer produces, and the pieces they share: the Assignment of a document
// to a cluster, one representative-selection rule, and union-find connected components.
//
//   neardup::UnionFind uf(n);
//   for (auto [a, b] : verified_pairs) uf.unite(a, b);
//   uint32_t root = uf.find(doc);              // the smallest document number of its component
//
//   std::vector<neardup::Assignment> a(n);     // a[i].cluster = first member of i's cluster
//   neardup::assign_representatives(a, neardup::field_priority(scores));  // highest score wins
//
// Every mode (ExactClusterer, NearDupClusterer, SimHashClusterer, BatchStoryClusterer) numbers a
// cluster by its first member in input order, so labels never depend on the thread count or on
// the representative policy. The root of every union-find component is its smallest member, so
// labels do not depend on the order in which pairs are united either.
//
// Thread safety: none; one thread at a time. Cost: UnionFind near O(1) amortised per operation
// (union by smallest index with path halving; no rank, so the bound is O(log n) per find);
// assign_representatives O(n); field_priority O(n log n) for text values, O(n) for numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace neardup {

// A document's place in a clustering, by document number (0, 1, 2, ... in input order).
struct Assignment {
  uint32_t cluster = 0;         // number of the cluster's first document
  uint32_t representative = 0;  // the member that represents the cluster (itself if it does)
  double similarity = 1.0;      // similarity to the representative (1 for the representative)
};

// Representative selection, the same for every mode. `out[i].cluster` must be set (the number
// of the first member, which is <= i). Without `priority` (empty, or not one value per
// document) each cluster is represented by its first member; with it, by the member with the
// highest priority, ties going to the earliest. Sets `representative` of every document; leaves
// `similarity` alone (each mode measures it in its own way).
void assign_representatives(std::span<Assignment> out, std::span<const double> priority = {});

// Priorities from the values of a field (for "the member with the best score represents"):
// numeric when every present value parses entirely as a number, else the rank of the value in
// byte order; a missing value ranks lowest (-infinity).
std::vector<double> field_priority(std::span<const std::optional<std::string>> values);

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

// The checks on document ids that the commands reading documents for clustering share (cluster,
// dedup, index add/build): duplicate ids (--on-duplicate-id error|warn|keep) and an --id-field
// that no record has. BatchReader runs one over the documents it reads, in input order.
//
//   IdCheck check({.command = "cluster", .on_duplicate = OnDuplicateId::kWarn});
//   per document, in input order: NEARDUP_RETURN_IF_ERROR(check.add(doc.id));
//   at the end of the input:      NEARDUP_RETURN_IF_ERROR(check.finish(reader_stats));
//
// Duplicates are found by a table of 64-bit hashes of the ids (open addressing, at most 3/4
// full, growing by doubling): 8 bytes a slot, 11 to 22 bytes a document (33 while it grows), no
// copy of the ids. Two different ids share a hash with probability about n^2 / 2^65 over n
// documents (3e-4 for 10^8), and would be reported as a duplicate. With a table limit
// (max_table_bytes: a share of --memory in a spilled run) the check stops when the table would
// pass it and the summary says how many documents were checked. kKeep keeps no table.
//
// Thread safety: one thread adds; memory_bytes() may be read from another.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/reader.h"
#include "neardup/status.h"

namespace neardup::cli {

enum class OnDuplicateId : uint8_t { kError, kWarn, kKeep };

// "error", "warn", "keep"; anything else is an invalid_argument error.
Result<OnDuplicateId> parse_on_duplicate_id(std::string_view name);

struct IdCheckOptions {
  std::string command;  // for the warning line on stderr
  OnDuplicateId on_duplicate = OnDuplicateId::kKeep;
  // --id-field was given: a field that no JSONL record has is an error (a typo), not a corpus
  // without ids. (Without it, records without "id" get "<file>:<line>", counted.)
  bool id_field_given = false;
  std::string id_field = "id";
  uint64_t max_table_bytes = UINT64_MAX;
};

class IdCheck {
 public:
  explicit IdCheck(IdCheckOptions options) : options_(std::move(options)) {}

  // The next document, in input order. kError: the first duplicate is an invalid_argument
  // error naming it and where it is ("duplicate id "x" at in.jsonl:2 (...)").
  Status add(const Document& doc);
  // At the end of all input, with the reader's totals: an --id-field that no record has is a
  // kNotFound error naming it (a usage error for the command).
  Status finish(const ReaderStats& stats) const;
  // kWarn: one line on stderr with the count and the first duplicate id, if any. Called once a
  // run has read all its input without error (run_batches).
  void warn() const;

  uint64_t duplicates() const noexcept { return duplicates_; }
  const std::string& first_duplicate() const noexcept { return first_; }
  uint64_t memory_bytes() const noexcept { return memory_.load(std::memory_order_relaxed); }
  // "3 duplicate ids (first 'x'); " / "duplicate ids checked in the first N documents only
  // (...); " for the summary line, or "".
  std::string summary() const;

 private:
  bool insert(uint64_t h);  // false when h was there
  bool grow();              // false when the table limit forbids it

  IdCheckOptions options_;
  std::vector<uint64_t> slots_;  // 0 = empty (a hash of 0 is stored as 1)
  uint64_t used_ = 0;
  uint64_t checked_ = 0, unchecked_ = 0;
  uint64_t duplicates_ = 0;
  std::string first_;
  bool full_ = false;
  std::atomic<uint64_t> memory_{0};
};

}  // namespace neardup::cli

#include "id_check.h"

#include "cli_common.h"
#include "neardup/advanced/hash.h"

namespace neardup::cli {

namespace {
constexpr uint64_t kIdSeed = 0x1d5eed;
constexpr std::size_t kInitialSlots = 1024;
}  // namespace

Result<OnDuplicateId> parse_on_duplicate_id(std::string_view name) {
  if (name == "error") return OnDuplicateId::kError;
  if (name == "warn") return OnDuplicateId::kWarn;
  if (name == "keep") return OnDuplicateId::kKeep;
  return Status::invalid_argument("unknown --on-duplicate-id '" + std::string(name) +
                                  "' (error, warn, keep)");
}

bool IdCheck::grow() {
  const std::size_t n = slots_.empty() ? kInitialSlots : slots_.size() * 2;
  // While growing, both tables are alive.
  if ((n + slots_.size()) * sizeof(uint64_t) > options_.max_table_bytes) return false;
  std::vector<uint64_t> old(n, 0);
  old.swap(slots_);
  memory_.store((n + old.size()) * sizeof(uint64_t), std::memory_order_relaxed);
  used_ = 0;
  for (uint64_t h : old) {
    if (h != 0) insert(h);
  }
  memory_.store(n * sizeof(uint64_t), std::memory_order_relaxed);
  return true;
}

bool IdCheck::insert(uint64_t h) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(h) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == h) return false;
    if (slots_[i] == 0) {
      slots_[i] = h;
      ++used_;
      return true;
    }
  }
}

Status IdCheck::add(const Document& doc) {
  const std::string_view id = doc.id;
  if (options_.on_duplicate == OnDuplicateId::kKeep) return Status();
  if (full_) {
    ++unchecked_;
    return Status();
  }
  if ((used_ + 1) * 4 > slots_.size() * 3 && !grow()) {
    full_ = true;
    ++unchecked_;
    return Status();
  }
  uint64_t h = hash64(id, kIdSeed);
  if (h == 0) h = 1;
  ++checked_;
  if (insert(h)) return Status();
  if (duplicates_++ == 0) first_.assign(id);
  if (options_.on_duplicate == OnDuplicateId::kError) {
    std::string shown;
    append_json_string(shown, id);
    return Status::invalid_argument("duplicate id " + shown + " at " + doc.source + ":" +
                                    std::to_string(doc.line) +
                                    " (--on-duplicate-id error; warn or keep to go on)");
  }
  return Status();
}

Status IdCheck::finish(const ReaderStats& stats) const {
  if (options_.id_field_given && stats.records > 0 && stats.missing_id == stats.records) {
    return Status::not_found("no record has the field '" + options_.id_field + "' (--id-field)");
  }
  return Status();
}

void IdCheck::warn() const {
  if (options_.on_duplicate == OnDuplicateId::kWarn && duplicates_ > 0) {
    std::string shown;
    append_json_string(shown, first_);
    print_error(options_.command, "warning: " + std::to_string(duplicates_) +
                                      (duplicates_ == 1 ? " duplicate id" : " duplicate ids") +
                                      ", the first " + shown +
                                      " (--on-duplicate-id error|warn|keep)");
  }
}

std::string IdCheck::summary() const {
  std::string s;
  if (duplicates_ > 0) {
    s += std::to_string(duplicates_) + (duplicates_ == 1 ? " duplicate id; " : " duplicate ids; ");
  }
  if (unchecked_ > 0) {
    s += "duplicate ids checked in the first " + std::to_string(checked_) +
         " documents only (the id table reached its share of --memory); ";
  }
  return s;
}

}  // namespace neardup::cli

#include "neardup/neardup_c.h"

#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neardup/deduplicator.h"

#ifndef NEARDUP_VERSION_STRING
#define NEARDUP_VERSION_STRING "unknown"
#endif

struct neardup_dedup {
  neardup::Deduplicator impl;
};

struct neardup_matches {
  std::vector<neardup::DedupMatch> items;
};

namespace {

static_assert(NEARDUP_OK == static_cast<int>(neardup::StatusCode::kOk));
static_assert(NEARDUP_INVALID_ARGUMENT == static_cast<int>(neardup::StatusCode::kInvalidArgument));
static_assert(NEARDUP_IO_ERROR == static_cast<int>(neardup::StatusCode::kIoError));
static_assert(NEARDUP_PARSE_ERROR == static_cast<int>(neardup::StatusCode::kParseError));
static_assert(NEARDUP_CORRUPT_DATA == static_cast<int>(neardup::StatusCode::kCorruptData));
static_assert(NEARDUP_UNSUPPORTED_VERSION ==
              static_cast<int>(neardup::StatusCode::kUnsupportedVersion));
static_assert(NEARDUP_OUT_OF_RANGE == static_cast<int>(neardup::StatusCode::kOutOfRange));
static_assert(NEARDUP_NOT_FOUND == static_cast<int>(neardup::StatusCode::kNotFound));
static_assert(NEARDUP_INTERNAL == static_cast<int>(neardup::StatusCode::kInternal));
static_assert(static_cast<int>(neardup::DedupBackend::kMinHash) == NEARDUP_BACKEND_MINHASH);
static_assert(static_cast<int>(neardup::DedupBackend::kSimHash) == NEARDUP_BACKEND_SIMHASH);

thread_local std::string last_error;

void set_error(std::string_view message) noexcept {
  try {
    last_error.assign(message);
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory for the message itself
    last_error.clear();
  }
}

neardup_status fail(const neardup::Status& st) noexcept {
  set_error(st.message());
  return static_cast<neardup_status>(st.code());
}

neardup_status fail(neardup_status code, std::string_view message) noexcept {
  set_error(message);
  return code;
}

neardup_status out_of_memory() noexcept { return fail(NEARDUP_OUT_OF_RANGE, "out of memory"); }

// (pointer, length) -> string_view; NULL is only valid with length 0.
bool view(const char* p, size_t n, std::string_view& out) noexcept {
  if (p == nullptr) {
    out = {};
    return n == 0;
  }
  out = std::string_view(p, n);
  return true;
}

neardup::DeduplicatorOptions to_options(const neardup_options& o) {
  neardup::DeduplicatorOptions x;
  // An int outside the enum's 8 bits must not wrap onto a valid backend.
  x.backend = o.backend >= 0 && o.backend <= 255 ? static_cast<neardup::DedupBackend>(o.backend)
                                                 : static_cast<neardup::DedupBackend>(0);
  x.threshold = o.threshold;
  x.shingle_k = o.shingle_k;
  x.char_shingles = o.char_shingles != 0;
  x.num_perm = o.num_perm;
  x.seed = o.seed;
  x.bands = o.bands;
  x.rows = o.rows;
  x.max_distance = o.max_distance;
  x.simhash_bits = o.simhash_bits;
  return x;
}

neardup_status wrap_dedup(neardup::Result<neardup::Deduplicator>&& r, neardup_dedup** out) {
  if (!r.ok()) return fail(r.status());
  *out = new neardup_dedup{std::move(*r)};
  return NEARDUP_OK;
}

}  // namespace

extern "C" {

const char* neardup_version(void) { return NEARDUP_VERSION_STRING; }

const char* neardup_status_name(neardup_status status) {
  // status_code_name returns views of string literals, so .data() is NUL-terminated.
  if (status < NEARDUP_OK || status > NEARDUP_INTERNAL) return "unknown";
  return neardup::status_code_name(static_cast<neardup::StatusCode>(status)).data();
}

const char* neardup_last_error(void) { return last_error.c_str(); }

void neardup_options_init(neardup_options* options) {
  if (options == nullptr) return;
  const neardup::DeduplicatorOptions d;
  options->backend = static_cast<int>(d.backend);
  options->threshold = d.threshold;
  options->shingle_k = d.shingle_k;
  options->char_shingles = d.char_shingles ? 1 : 0;
  options->num_perm = d.num_perm;
  options->seed = d.seed;
  options->bands = d.bands;
  options->rows = d.rows;
  options->max_distance = d.max_distance;
  options->simhash_bits = d.simhash_bits;
}

neardup_status neardup_options_validate(const neardup_options* options) {
  if (options == nullptr) return fail(NEARDUP_INVALID_ARGUMENT, "options is NULL");
  try {
    const neardup::Status st = to_options(*options).validate();
    return st.ok() ? NEARDUP_OK : fail(st);
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

neardup_status neardup_create(const neardup_options* options, neardup_dedup** out) {
  if (options == nullptr || out == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_create: options and out must not be NULL");
  }
  try {
    return wrap_dedup(neardup::Deduplicator::create(to_options(*options)), out);
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

neardup_status neardup_load(const char* path, neardup_dedup** out) {
  if (path == nullptr || out == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_load: path and out must not be NULL");
  }
  try {
    return wrap_dedup(neardup::Deduplicator::load(path), out);
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

void neardup_free(neardup_dedup* dedup) { delete dedup; }

neardup_status neardup_add(neardup_dedup* dedup, const char* id, size_t id_len, const char* text,
                           size_t text_len) {
  std::string_view i, t;
  if (dedup == nullptr || !view(id, id_len, i) || !view(text, text_len, t)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_add: NULL handle or string");
  }
  try {
    const neardup::Status st = dedup->impl.add(i, t);
    return st.ok() ? NEARDUP_OK : fail(st);
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

neardup_status neardup_query(const neardup_dedup* dedup, const char* text, size_t text_len,
                             size_t max_results, neardup_matches** out) {
  std::string_view t;
  if (dedup == nullptr || out == nullptr || !view(text, text_len, t)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_query: NULL handle, string or out");
  }
  try {
    neardup::Result<std::vector<neardup::DedupMatch>> r = dedup->impl.query(t, max_results);
    if (!r.ok()) return fail(r.status());
    *out = new neardup_matches{std::move(*r)};
    return NEARDUP_OK;
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

neardup_status neardup_add_if_new(neardup_dedup* dedup, const char* id, size_t id_len,
                                  const char* text, size_t text_len, int* added,
                                  neardup_matches** match_out) {
  std::string_view i, t;
  if (dedup == nullptr || added == nullptr || !view(id, id_len, i) || !view(text, text_len, t)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_add_if_new: NULL handle, string or added");
  }
  try {
    neardup::Result<neardup::DedupVerdict> r = dedup->impl.add_if_new(i, t);
    if (!r.ok()) return fail(r.status());
    neardup_matches* m = nullptr;
    if (match_out != nullptr) {
      m = new neardup_matches{};
      if (!r->added) m->items.push_back(std::move(r->match));
    }
    *added = r->added ? 1 : 0;
    if (match_out != nullptr) *match_out = m;
    return NEARDUP_OK;
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

neardup_status neardup_remove(neardup_dedup* dedup, const char* id, size_t id_len,
                              size_t* removed) {
  std::string_view i;
  if (dedup == nullptr || !view(id, id_len, i)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_remove: NULL handle or id");
  }
  try {
    neardup::Result<std::size_t> r = dedup->impl.remove(i);
    if (!r.ok()) return fail(r.status());
    if (removed != nullptr) *removed = *r;
    return NEARDUP_OK;
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

size_t neardup_size(const neardup_dedup* dedup) {
  if (dedup == nullptr) return 0;
  try {
    return dedup->impl.size();
  } catch (...) {  // size() takes a lock; a failing lock is reported as empty
    return 0;
  }
}

neardup_status neardup_save(const neardup_dedup* dedup, const char* path) {
  if (dedup == nullptr || path == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_save: NULL handle or path");
  }
  try {
    const neardup::Status st = dedup->impl.save(path);
    return st.ok() ? NEARDUP_OK : fail(st);
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

neardup_status neardup_get_stats(const neardup_dedup* dedup, neardup_stats* out) {
  if (dedup == nullptr || out == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_get_stats: NULL handle or out");
  }
  try {
    const neardup::DedupStats s = dedup->impl.stats();
    out->backend = static_cast<int>(s.backend);
    out->documents = s.documents;
    out->memory_bytes = s.memory_bytes;
    out->bytes_per_document = s.bytes_per_document;
    out->threshold = s.threshold;
    out->num_perm = s.num_perm;
    out->bands = s.bands;
    out->rows = s.rows;
    return NEARDUP_OK;
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

size_t neardup_matches_count(const neardup_matches* matches) {
  return matches == nullptr ? 0 : matches->items.size();
}

const char* neardup_matches_id(const neardup_matches* matches, size_t i, size_t* len) {
  if (matches == nullptr || i >= matches->items.size()) return nullptr;
  const std::string& id = matches->items[i].id;
  if (len != nullptr) *len = id.size();
  return id.c_str();
}

double neardup_matches_similarity(const neardup_matches* matches, size_t i) {
  if (matches == nullptr || i >= matches->items.size()) return -1.0;
  return matches->items[i].similarity;
}

void neardup_matches_free(neardup_matches* matches) { delete matches; }

}  // extern "C"

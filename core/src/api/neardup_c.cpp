#include "neardup/neardup_c.h"

#include <cstddef>
#include <cstring>
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
static_assert(static_cast<int>(neardup::DedupBackend::kContainment) == NEARDUP_BACKEND_CONTAINMENT);
static_assert(static_cast<int>(neardup::DedupDirection::kQueryInIndexed) ==
              NEARDUP_DIRECTION_QUERY_IN_INDEXED);
static_assert(static_cast<int>(neardup::DedupDirection::kIndexedInQuery) ==
              NEARDUP_DIRECTION_INDEXED_IN_QUERY);
static_assert(static_cast<int>(neardup::DedupDirection::kEither) == NEARDUP_DIRECTION_EITHER);

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
// The C boundary: runs f and turns any exception into a status, so none crosses into C.
template <typename F>
neardup_status guarded(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (...) {
    return fail(NEARDUP_INTERNAL, "unexpected exception");
  }
}

bool view(const char* p, size_t n, std::string_view& out) noexcept {
  if (p == nullptr) {
    out = {};
    return n == 0;
  }
  out = std::string_view(p, n);
  return true;
}

// --- versioned structs (the struct_size rule in neardup_c.h's Conventions) -----------------------
// The V1 prefixes end exactly where the SimHash fields begin (no padding between), so the sizes
// a caller gets from offsetof(..., max_distance) / offsetof(..., simhash_bits) are V1 too.
static_assert(offsetof(neardup_options, struct_size) == 0 &&
              offsetof(neardup_stats, struct_size) == 0);
static_assert(NEARDUP_OPTIONS_SIZE_V1 == offsetof(neardup_options, max_distance));
static_assert(NEARDUP_OPTIONS_SIZE_V2 <= sizeof(neardup_options));
static_assert(NEARDUP_STATS_SIZE_V1 == offsetof(neardup_stats, simhash_bits));
static_assert(NEARDUP_STATS_SIZE_V2 <= sizeof(neardup_stats));
static_assert(NEARDUP_OPTIONS_SIZE_V2 == offsetof(neardup_options, containment_direction));
static_assert(NEARDUP_STATS_SIZE_V2 == offsetof(neardup_stats, band_entries));
static_assert(NEARDUP_OPTIONS_SIZE_V3 <= sizeof(neardup_options));
static_assert(NEARDUP_STATS_SIZE_V3 <= sizeof(neardup_stats));
static_assert(sizeof(neardup_options) <= NEARDUP_STRUCT_SIZE_MAX &&
              sizeof(neardup_stats) <= NEARDUP_STRUCT_SIZE_MAX);

// NEARDUP_OK if `size` may be a struct_size of a struct whose first version is `v1_size` bytes;
// else NEARDUP_INVALID_ARGUMENT with "<what> is <size>, <why>: <remedy>".
neardup_status check_struct_size(const char* what, size_t size, size_t v1_size,
                                 const char* remedy) {
  std::string why;
  if (size == 0) {
    why = "";
  } else if (size < v1_size) {
    why = ", below the " + std::to_string(v1_size) + " bytes of its first version";
  } else if (size > NEARDUP_STRUCT_SIZE_MAX) {
    why = ", above NEARDUP_STRUCT_SIZE_MAX (" + std::to_string(NEARDUP_STRUCT_SIZE_MAX) +
          "), so not initialized";
  } else {
    return NEARDUP_OK;
  }
  return fail(NEARDUP_INVALID_ARGUMENT,
              std::string(what) + " is " + std::to_string(size) + why + ": " + remedy);
}

// A field of a versioned struct: its offset and size.
struct Field {
  size_t offset, size;
};
#define NEARDUP_FIELD(type, name) \
  Field { offsetof(type, name), sizeof(type::name) }
// Every field after struct_size, in order; a new field is appended here as in the header.
constexpr Field kOptionFields[] = {NEARDUP_FIELD(neardup_options, backend),
                                   NEARDUP_FIELD(neardup_options, threshold),
                                   NEARDUP_FIELD(neardup_options, shingle_k),
                                   NEARDUP_FIELD(neardup_options, char_shingles),
                                   NEARDUP_FIELD(neardup_options, num_perm),
                                   NEARDUP_FIELD(neardup_options, seed),
                                   NEARDUP_FIELD(neardup_options, bands),
                                   NEARDUP_FIELD(neardup_options, rows),
                                   NEARDUP_FIELD(neardup_options, max_distance),
                                   NEARDUP_FIELD(neardup_options, simhash_bits),
                                   NEARDUP_FIELD(neardup_options, containment_direction)};
constexpr Field kStatsFields[] = {
    NEARDUP_FIELD(neardup_stats, backend),      NEARDUP_FIELD(neardup_stats, documents),
    NEARDUP_FIELD(neardup_stats, memory_bytes), NEARDUP_FIELD(neardup_stats, bytes_per_document),
    NEARDUP_FIELD(neardup_stats, threshold),    NEARDUP_FIELD(neardup_stats, num_perm),
    NEARDUP_FIELD(neardup_stats, bands),        NEARDUP_FIELD(neardup_stats, rows),
    NEARDUP_FIELD(neardup_stats, simhash_bits), NEARDUP_FIELD(neardup_stats, max_distance),
    NEARDUP_FIELD(neardup_stats, tables),       NEARDUP_FIELD(neardup_stats, band_entries)};
#undef NEARDUP_FIELD

// Copies each field that lies wholly within the first `size` bytes from `src` to `dst` (one of
// them the caller's struct, which may be shorter or longer than ours: byte copies at offsets,
// never member access); fields beyond `size`, padding and struct_size are left alone.
template <std::size_t N>
void copy_fields(const Field (&fields)[N], const void* src, void* dst, size_t size) noexcept {
  for (const Field& f : fields) {
    if (f.offset + f.size <= size) {
      std::memcpy(static_cast<unsigned char*>(dst) + f.offset,
                  static_cast<const unsigned char*>(src) + f.offset, f.size);
    }
  }
}

void set_defaults(neardup_options& o) noexcept {
  const neardup::DeduplicatorOptions d;
  o.struct_size = sizeof(neardup_options);
  o.backend = static_cast<int>(d.backend);
  o.threshold = d.threshold;
  o.shingle_k = d.shingle_k;
  o.char_shingles = d.char_shingles ? 1 : 0;
  o.num_perm = d.num_perm;
  o.seed = d.seed;
  o.bands = d.bands;
  o.rows = d.rows;
  o.max_distance = d.max_distance;
  o.simhash_bits = d.simhash_bits;
  o.containment_direction = static_cast<int>(d.containment_direction);
}

// The caller's options as this library's struct: the fields within the caller's struct_size,
// defaults for the rest. Rejects a bad struct_size, and a newer caller's non-zero bytes beyond
// the fields this library knows (an option it would otherwise silently ignore).
neardup_status read_options(const neardup_options* options, neardup_options& out) {
  size_t size = 0;
  std::memcpy(&size, options, sizeof size);
  if (const neardup_status st =
          check_struct_size("neardup_options.struct_size", size, NEARDUP_OPTIONS_SIZE_V1,
                            "call neardup_options_init first");
      st != NEARDUP_OK) {
    return st;
  }
  const auto* src = reinterpret_cast<const unsigned char*>(options);
  for (size_t i = sizeof(neardup_options); i < size; ++i) {
    if (src[i] != 0) {
      return fail(NEARDUP_INVALID_ARGUMENT,
                  "neardup_options.struct_size is " + std::to_string(size) +
                      " but this library (" NEARDUP_VERSION_STRING ") knows only the first " +
                      std::to_string(sizeof(neardup_options)) + " bytes, and byte " +
                      std::to_string(i) +
                      " is not 0: an option this library does not support is set (the program "
                      "was built against a newer neardup_c.h; link a newer libneardup)");
    }
  }
  set_defaults(out);
  out.struct_size = size;
  copy_fields(kOptionFields, src, &out, size);
  return NEARDUP_OK;
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
  // Likewise an int outside the enum's 8 bits (validate() rejects unknown directions).
  x.containment_direction = o.containment_direction >= 0 && o.containment_direction <= 255
                                ? static_cast<neardup::DedupDirection>(o.containment_direction)
                                : static_cast<neardup::DedupDirection>(255);
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
  // A C or FFI caller may pass any int. Reading an out-of-range value as the C++ enum is
  // undefined behaviour, so its bytes are read as the int they are.
  static_assert(sizeof(neardup_status) == sizeof(int));
  int code = 0;
  std::memcpy(&code, &status, sizeof code);
  if (code < NEARDUP_OK || code > NEARDUP_INTERNAL) return "unknown";
  // status_code_name returns views of string literals, so .data() is NUL-terminated.
  return neardup::status_code_name(static_cast<neardup::StatusCode>(code)).data();
}

const char* neardup_last_error(void) { return last_error.c_str(); }

neardup_status neardup_options_init_sized(neardup_options* options, size_t struct_size) {
  if (options == nullptr) return fail(NEARDUP_INVALID_ARGUMENT, "options is NULL");
  return guarded([&]() -> neardup_status {
    if (const neardup_status st = check_struct_size(
            "neardup_options_init_sized: struct_size", struct_size, NEARDUP_OPTIONS_SIZE_V1,
            "pass the size of the caller's neardup_options");
        st != NEARDUP_OK) {
      return st;
    }
    neardup_options d;
    set_defaults(d);
    // Zeros first: padding, a field cut by struct_size, and a newer header's fields.
    std::memset(options, 0, struct_size);
    std::memcpy(options, &struct_size, sizeof struct_size);
    copy_fields(kOptionFields, &d, options, struct_size);
    return NEARDUP_OK;
  });
}

neardup_status neardup_options_validate(const neardup_options* options) {
  if (options == nullptr) return fail(NEARDUP_INVALID_ARGUMENT, "options is NULL");
  return guarded([&]() -> neardup_status {
    neardup_options o;
    if (const neardup_status st = read_options(options, o); st != NEARDUP_OK) return st;
    const neardup::Status st = to_options(o).validate();
    return st.ok() ? NEARDUP_OK : fail(st);
  });
}

neardup_status neardup_create(const neardup_options* options, neardup_dedup** out) {
  if (options == nullptr || out == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_create: options and out must not be NULL");
  }
  return guarded([&]() -> neardup_status {
    neardup_options o;
    if (const neardup_status st = read_options(options, o); st != NEARDUP_OK) return st;
    return wrap_dedup(neardup::Deduplicator::create(to_options(o)), out);
  });
}

neardup_status neardup_load(const char* path, neardup_dedup** out) {
  if (path == nullptr || out == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_load: path and out must not be NULL");
  }
  return guarded(
      [&]() -> neardup_status { return wrap_dedup(neardup::Deduplicator::load(path), out); });
}

void neardup_free(neardup_dedup* dedup) { delete dedup; }

neardup_status neardup_add(neardup_dedup* dedup, const char* id, size_t id_len, const char* text,
                           size_t text_len) {
  std::string_view i, t;
  if (dedup == nullptr || !view(id, id_len, i) || !view(text, text_len, t)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_add: NULL handle or string");
  }
  return guarded([&]() -> neardup_status {
    const neardup::Status st = dedup->impl.add(i, t);
    return st.ok() ? NEARDUP_OK : fail(st);
  });
}

neardup_status neardup_query(const neardup_dedup* dedup, const char* text, size_t text_len,
                             size_t max_results, neardup_matches** out) {
  std::string_view t;
  if (dedup == nullptr || out == nullptr || !view(text, text_len, t)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_query: NULL handle, string or out");
  }
  return guarded([&]() -> neardup_status {
    neardup::Result<std::vector<neardup::DedupMatch>> r = dedup->impl.query(t, max_results);
    if (!r.ok()) return fail(r.status());
    *out = new neardup_matches{std::move(*r)};
    return NEARDUP_OK;
  });
}

neardup_status neardup_add_if_new(neardup_dedup* dedup, const char* id, size_t id_len,
                                  const char* text, size_t text_len, int* added,
                                  neardup_matches** match_out) {
  std::string_view i, t;
  if (dedup == nullptr || added == nullptr || !view(id, id_len, i) || !view(text, text_len, t)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_add_if_new: NULL handle, string or added");
  }
  return guarded([&]() -> neardup_status {
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
  });
}

neardup_status neardup_remove(neardup_dedup* dedup, const char* id, size_t id_len,
                              size_t* removed) {
  std::string_view i;
  if (dedup == nullptr || !view(id, id_len, i)) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_remove: NULL handle or id");
  }
  return guarded([&]() -> neardup_status {
    neardup::Result<std::size_t> r = dedup->impl.remove(i);
    if (!r.ok()) return fail(r.status());
    if (removed != nullptr) *removed = *r;
    return NEARDUP_OK;
  });
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
  return guarded([&]() -> neardup_status {
    const neardup::Status st = dedup->impl.save(path);
    return st.ok() ? NEARDUP_OK : fail(st);
  });
}

neardup_status neardup_get_stats(const neardup_dedup* dedup, neardup_stats* out) {
  if (dedup == nullptr || out == nullptr) {
    return fail(NEARDUP_INVALID_ARGUMENT, "neardup_get_stats: NULL handle or out");
  }
  return guarded([&]() -> neardup_status {
    size_t size = 0;
    std::memcpy(&size, out, sizeof size);
    if (const neardup_status st = check_struct_size(
            "neardup_stats.struct_size", size, NEARDUP_STATS_SIZE_V1,
            "call neardup_stats_init (or set struct_size = sizeof(neardup_stats)) first");
        st != NEARDUP_OK) {
      return st;
    }
    const neardup::DedupStats s = dedup->impl.stats();
    // Field by field, each only if it lies within the caller's struct_size: never struct_size
    // itself, padding, or a newer header's fields this library does not know.
    neardup_stats mine{};
    mine.backend = static_cast<int>(s.backend);
    mine.documents = s.documents;
    mine.memory_bytes = s.memory_bytes;
    mine.bytes_per_document = s.bytes_per_document;
    mine.threshold = s.threshold;
    mine.num_perm = s.num_perm;
    mine.bands = s.bands;
    mine.rows = s.rows;
    mine.simhash_bits = s.simhash_bits;
    mine.max_distance = s.max_distance;
    mine.tables = s.tables;
    mine.band_entries = s.band_entries;
    copy_fields(kStatsFields, &mine, out, size);
    return NEARDUP_OK;
  });
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

double neardup_matches_query_in_match(const neardup_matches* matches, size_t i) {
  if (matches == nullptr || i >= matches->items.size()) return -1.0;
  return matches->items[i].query_in_match;
}

double neardup_matches_match_in_query(const neardup_matches* matches, size_t i) {
  if (matches == nullptr || i >= matches->items.size()) return -1.0;
  return matches->items[i].match_in_query;
}

void neardup_matches_free(neardup_matches* matches) { delete matches; }

}  // extern "C"

/* neardup C API: the Deduplicator facade (deduplicator.h) for C, Go, Rust or Python FFI.
 *
 *   neardup_options opt;
 *   neardup_options_init(&opt);   (sets opt.struct_size and the defaults: always call it first)
 *   opt.threshold = 0.8;
 *   neardup_dedup* d = NULL;
 *   if (neardup_create(&opt, &d) != NEARDUP_OK) fprintf(stderr, "%s\n", neardup_last_error());
 *   int added = 0;
 *   neardup_matches* why = NULL;
 *   neardup_add_if_new(d, url, strlen(url), text, strlen(text), &added, &why);
 *   if (!added) printf("dup of %s\n", neardup_matches_id(why, 0, NULL));
 *   neardup_matches_free(why);
 *   neardup_save(d, "crawl.ndx");
 *   neardup_free(d);
 *
 * Conventions:
 *  - Handles are opaque; every neardup_dedup from neardup_create/neardup_load is released with
 *    neardup_free, every neardup_matches with neardup_matches_free (both accept NULL).
 *  - Strings are (pointer, length) pairs of bytes, not necessarily NUL-terminated; NULL with
 *    length 0 is the empty string. Paths are NUL-terminated.
 *  - Every fallible function returns a neardup_status; on an error, neardup_last_error() returns
 *    a message for the calling thread (thread-local, valid until that thread's next call into
 *    this API). Output parameters are written only on NEARDUP_OK.
 *  - No C++ exception ever crosses this boundary; the library never prints, exits or aborts.
 *  - Versioned structs. neardup_options and neardup_stats start with `size_t struct_size`, the
 *    size of the struct as the caller's header declares it, and gain fields only at the end, so
 *    a program built against an older or newer header than the library's keeps working:
 *      neardup_options: neardup_options_init(&opt) sets struct_size = sizeof(neardup_options)
 *        and every field to its default (FFI callers, which cannot call a static inline
 *        function: neardup_options_init_sized(&opt, size of their struct)).
 *      neardup_stats: neardup_stats_init(&st) (or st.struct_size = sizeof st) before each
 *        neardup_get_stats.
 *    The library checks struct_size on every call that takes one of these structs:
 *     - 0, or below the first version (NEARDUP_OPTIONS_SIZE_V1, NEARDUP_STATS_SIZE_V1), or above
 *       NEARDUP_STRUCT_SIZE_MAX (an uninitialized struct): NEARDUP_INVALID_ARGUMENT, a message
 *       naming struct_size, and nothing is read or written.
 *     - Otherwise it reads, and writes, only the fields that lie wholly within the first
 *       struct_size bytes. An options field beyond them (the caller's header predates it) takes
 *       its default; a stats field beyond them is not reported.
 *     - struct_size larger than this library's struct (a newer header): options are accepted
 *       only if every byte beyond this library's struct is 0 (neardup_options_init zeroes
 *       them), since a non-zero byte is an option this library does not implement:
 *       NEARDUP_INVALID_ARGUMENT rather than silently ignoring it. neardup_get_stats fills the
 *       fields it knows and leaves the rest of the caller's struct as it was.
 *    neardup_get_stats never writes struct_size, padding, or anything past struct_size.
 *
 * Thread safety: as deduplicator.h. All functions may be called concurrently on one handle
 * (queries in parallel, writers serialized, saves as consistent snapshots), except
 * neardup_free, which must not race with any other use of that handle. A neardup_matches is
 * owned by one thread at a time.
 *
 * Cost: the C++ facade's, plus one copy of each returned id.
 */
#ifndef NEARDUP_NEARDUP_C_H_
#define NEARDUP_NEARDUP_C_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "neardup/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The values match neardup::StatusCode (status.h). */
typedef enum neardup_status {
  NEARDUP_OK = 0,
  NEARDUP_INVALID_ARGUMENT = 1,    /* bad parameters or options, NULL handle */
  NEARDUP_IO_ERROR = 2,            /* cannot open, read or write */
  NEARDUP_PARSE_ERROR = 3,         /* malformed input record */
  NEARDUP_CORRUPT_DATA = 4,        /* truncated or corrupt index file */
  NEARDUP_UNSUPPORTED_VERSION = 5, /* index file format this build does not read */
  NEARDUP_OUT_OF_RANGE = 6,        /* beyond a documented limit, or out of memory */
  NEARDUP_NOT_FOUND = 7,
  NEARDUP_INTERNAL = 8 /* a bug, reported rather than aborting */
} neardup_status;

/* The values match neardup::DedupBackend (deduplicator.h, which describes the backends). */
typedef enum neardup_backend {
  NEARDUP_BACKEND_MINHASH = 1,    /* Jaccard >= threshold (MinHash + banded LSH) */
  NEARDUP_BACKEND_SIMHASH = 2,    /* SimHash fingerprints within max_distance bits */
  NEARDUP_BACKEND_CONTAINMENT = 3 /* exact containment >= threshold (LSH Ensemble candidates) */
} neardup_backend;

/* CONTAINMENT: which containment a query asks about (Q the queried page, B an indexed one); the
 * values match neardup::DedupDirection. */
typedef enum neardup_direction {
  NEARDUP_DIRECTION_QUERY_IN_INDEXED = 0, /* |Q & B| / |Q| >= threshold (default) */
  NEARDUP_DIRECTION_INDEXED_IN_QUERY = 1, /* |Q & B| / |B| >= threshold */
  NEARDUP_DIRECTION_EITHER = 2
} neardup_direction;

typedef struct neardup_options {
  size_t struct_size;   /* sizeof(neardup_options); set by neardup_options_init (see Conventions) */
  int backend;          /* neardup_backend; default NEARDUP_BACKEND_MINHASH */
  double threshold;     /* MINHASH: default 0.8 */
  uint32_t shingle_k;   /* default 5 */
  int char_shingles;    /* 0: word shingles (default), 1: character shingles */
  uint32_t num_perm;    /* MINHASH: default 128 */
  uint64_t seed;        /* default 1 */
  uint32_t bands, rows; /* MINHASH: default 0/0: derived from threshold and num_perm */
  /* Appended for NEARDUP_BACKEND_SIMHASH (ignored by MINHASH): */
  uint32_t max_distance; /* default 3: matches differ in at most this many fingerprint bits */
  uint32_t simhash_bits; /* default 64 (or 128) */
  /* Appended for NEARDUP_BACKEND_CONTAINMENT (ignored by the others; threshold and num_perm,
   * 1..1024, apply to it too): */
  int containment_direction; /* neardup_direction; default NEARDUP_DIRECTION_QUERY_IN_INDEXED */
} neardup_options;

/* For SIMHASH, threshold is the lowest similarity a match can have (1 - max_distance / bits)
 * and num_perm, bands, rows are 0; for MINHASH, simhash_bits, max_distance, tables are 0. */
typedef struct neardup_stats {
  size_t struct_size; /* set by the caller: neardup_stats_init (see Conventions) */
  int backend;
  uint64_t documents;
  uint64_t memory_bytes;
  double bytes_per_document;
  double threshold;
  uint32_t num_perm, bands, rows;
  /* Appended for NEARDUP_BACKEND_SIMHASH (0 for MINHASH): */
  uint32_t simhash_bits; /* fingerprint width, 64 or 128 */
  uint32_t max_distance; /* matches differ in at most this many fingerprint bits */
  uint32_t tables;       /* permuted block tables of the Hamming index */
  /* Appended for NEARDUP_BACKEND_CONTAINMENT (0 for the others): */
  uint32_t band_entries; /* LSH Ensemble entries per page (240 at 128 slots) */
} neardup_stats;

/* struct_size of each published version of the structs: the offset just past the version's
 * last field. V1 is the MinHash-only field set (up to rows); V2 appends the SimHash fields; V3
 * the containment fields.
 * The smallest struct_size the library accepts is the V1 size. */
#define NEARDUP_OPTIONS_SIZE_V1 (offsetof(neardup_options, rows) + sizeof(uint32_t))
#define NEARDUP_OPTIONS_SIZE_V2 (offsetof(neardup_options, simhash_bits) + sizeof(uint32_t))
#define NEARDUP_STATS_SIZE_V1 (offsetof(neardup_stats, rows) + sizeof(uint32_t))
#define NEARDUP_STATS_SIZE_V2 (offsetof(neardup_stats, tables) + sizeof(uint32_t))
#define NEARDUP_OPTIONS_SIZE_V3 (offsetof(neardup_options, containment_direction) + sizeof(int))
#define NEARDUP_STATS_SIZE_V3 (offsetof(neardup_stats, band_entries) + sizeof(uint32_t))
/* A larger struct_size is taken for an uninitialized struct and rejected. */
#define NEARDUP_STRUCT_SIZE_MAX ((size_t)4096)

typedef struct neardup_dedup neardup_dedup;
typedef struct neardup_matches neardup_matches;

/* "0.2.0": the library version. */
NEARDUP_API const char* neardup_version(void);
/* "ok", "invalid argument", ... (static strings). */
NEARDUP_API const char* neardup_status_name(neardup_status status);
/* The message of the calling thread's last failed call ("" if none). Never NULL. */
NEARDUP_API const char* neardup_last_error(void);

/* Sets the first struct_size bytes of *options: struct_size, every field this library knows
 * that lies wholly within them to its default, and every other byte (padding, fields of a newer
 * header) to 0. Writes nothing past struct_size. Errors: NULL options, struct_size out of range
 * (see Conventions; nothing is written). Meant for FFI callers that cannot call
 * neardup_options_init; pass the size of the struct as the caller declares it. */
NEARDUP_API neardup_status neardup_options_init_sized(neardup_options* options, size_t struct_size);
/* neardup_options_init_sized(options, sizeof(neardup_options)), with sizeof taken in the
 * caller's translation unit, i.e. from the header the caller was compiled with. */
static inline void neardup_options_init(neardup_options* options) {
  (void)neardup_options_init_sized(options, sizeof(neardup_options));
}
/* Checks struct_size (see Conventions), then the values, as neardup_create would. */
NEARDUP_API neardup_status neardup_options_validate(const neardup_options* options);

/* Zeroes *stats and sets stats->struct_size = sizeof(neardup_stats) (the caller's header). */
static inline void neardup_stats_init(neardup_stats* stats) {
  if (stats == NULL) return;
  memset(stats, 0, sizeof(neardup_stats));
  stats->struct_size = sizeof(neardup_stats);
}

NEARDUP_API neardup_status neardup_create(const neardup_options* options, neardup_dedup** out);
NEARDUP_API neardup_status neardup_load(const char* path, neardup_dedup** out);
NEARDUP_API void neardup_free(neardup_dedup* dedup);

NEARDUP_API neardup_status neardup_add(neardup_dedup* dedup, const char* id, size_t id_len,
                                       const char* text, size_t text_len);
/* Matches, best first, at most max_results; *out may hold 0. Similarity: estimated Jaccard
 * (MINHASH, >= threshold), 1 - distance / simhash_bits (SIMHASH, distance <= max_distance) or
 * the exact containment (CONTAINMENT, >= threshold in containment_direction). */
NEARDUP_API neardup_status neardup_query(const neardup_dedup* dedup, const char* text,
                                         size_t text_len, size_t max_results,
                                         neardup_matches** out);
/* *added = 1 if the page was new and is now indexed; else 0 and, if match_out is not NULL,
 * *match_out holds the best match (one entry). match_out may be NULL. */
NEARDUP_API neardup_status neardup_add_if_new(neardup_dedup* dedup, const char* id, size_t id_len,
                                              const char* text, size_t text_len, int* added,
                                              neardup_matches** match_out);
/* Removes every page with this id; *removed (may be NULL) receives how many. */
NEARDUP_API neardup_status neardup_remove(neardup_dedup* dedup, const char* id, size_t id_len,
                                          size_t* removed);
/* Pages indexed; 0 for NULL. */
NEARDUP_API size_t neardup_size(const neardup_dedup* dedup);
NEARDUP_API neardup_status neardup_save(const neardup_dedup* dedup, const char* path);
/* out->struct_size must be set (neardup_stats_init); fills the fields within it (Conventions). */
NEARDUP_API neardup_status neardup_get_stats(const neardup_dedup* dedup, neardup_stats* out);

NEARDUP_API size_t neardup_matches_count(const neardup_matches* matches);
/* The i-th id (NUL-terminated, owned by `matches`; *len receives its length if len != NULL),
 * or NULL if i is out of range. */
NEARDUP_API const char* neardup_matches_id(const neardup_matches* matches, size_t i, size_t* len);
/* The i-th similarity, or -1 if i is out of range. */
NEARDUP_API double neardup_matches_similarity(const neardup_matches* matches, size_t i);
/* CONTAINMENT: the i-th match's exact containments, |Q & M| / |Q| (how much of the query lies in
 * the match M) and |Q & M| / |M|; 0 for the other backends, -1 if i is out of range. */
NEARDUP_API double neardup_matches_query_in_match(const neardup_matches* matches, size_t i);
NEARDUP_API double neardup_matches_match_in_query(const neardup_matches* matches, size_t i);
NEARDUP_API void neardup_matches_free(neardup_matches* matches);

#ifdef __cplusplus
}
#endif

#endif /* NEARDUP_NEARDUP_C_H_ */

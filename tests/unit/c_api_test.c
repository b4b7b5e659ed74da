/* Drives the C API (neardup_c.h) from C11: create, add, query, add_if_new, remove, save, load,
 * free, errors; for the backends (MinHash, then SimHash, and containment); and the struct_size rule
 * of the versioned structs (older and newer callers). Usage: neardup_c_api_test SCRATCH_FILE. Exit
 * 0 on success; on failure prints the failed check and exits 1. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neardup/neardup_c.h"

static int failures = 0;

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              neardup_last_error());                                                           \
      ++failures;                                                                              \
    }                                                                                          \
  } while (0)

#define S(str) str, strlen(str)

static const char* const kPage =
    "the quick brown fox jumps over the lazy dog while the farmer watches from the old "
    "wooden fence and the sun sets slowly behind the distant hills of the green valley";
static const char* const kNearPage =
    "the quick brown fox jumps over the lazy dog while the farmer watches from the old "
    "wooden fence and the sun sets slowly behind the distant hills of the green meadow";
static const char* const kOtherPage =
    "quarterly earnings rose sharply as the company expanded into three new markets and "
    "analysts raised their forecasts for the coming fiscal year by a wide margin";

/* --- versioned structs: struct_size (neardup_c.h, Conventions) ------------------------------ */

/* The struct_size of a caller built against the header before the SimHash fields. */
#define OLD_OPTIONS_SIZE offsetof(neardup_options, max_distance)
#define OLD_STATS_SIZE offsetof(neardup_stats, simhash_bits)
#define GARBAGE 0x5A
#define SENTINEL 0xA5

/* A struct followed by room for bytes a caller with another header would have. */
typedef union {
  neardup_options o;
  unsigned char bytes[sizeof(neardup_options) + 32];
} options_buffer;
typedef union {
  neardup_stats s;
  unsigned char bytes[sizeof(neardup_stats) + 32];
} stats_buffer;

/* 1 if bytes [from, to) of p are all `value`. */
static int all_bytes(const unsigned char* p, size_t from, size_t to, unsigned char value) {
  for (size_t i = from; i < to; ++i) {
    if (p[i] != value) return 0;
  }
  return 1;
}

static void test_options_init_sets_struct_size(void) {
  options_buffer b;
  memset(b.bytes, GARBAGE, sizeof b.bytes);
  neardup_options_init(&b.o);
  CHECK(b.o.struct_size == sizeof(neardup_options));
  CHECK(b.o.backend == NEARDUP_BACKEND_MINHASH && b.o.num_perm == 128 && b.o.max_distance == 3 &&
        b.o.simhash_bits == 64);
  /* init writes exactly the caller's struct: the bytes after it are untouched */
  CHECK(all_bytes(b.bytes, sizeof(neardup_options), sizeof b.bytes, GARBAGE));
  CHECK(NEARDUP_OPTIONS_SIZE_V1 == OLD_OPTIONS_SIZE);
  CHECK(NEARDUP_OPTIONS_SIZE_V2 <= sizeof(neardup_options));
  CHECK(NEARDUP_STATS_SIZE_V1 == OLD_STATS_SIZE);

  neardup_stats st;
  memset(&st, SENTINEL, sizeof st);
  neardup_stats_init(&st);
  CHECK(st.struct_size == sizeof(neardup_stats) && st.documents == 0 && st.tables == 0);
}

/* A caller built against the header without the SimHash fields: its struct ends at
 * OLD_OPTIONS_SIZE, and whatever follows in memory is not its options. The library must give the
 * SimHash fields their defaults (max_distance 3, 64 bits) rather than read the garbage (which,
 * read as max_distance 0x5A5A5A5A and simhash_bits 0x5A5A5A5A, would fail validation). */
static void test_old_caller_options_take_defaults(void) {
  options_buffer b;
  memset(b.bytes, GARBAGE, sizeof b.bytes);
  CHECK(neardup_options_init_sized(&b.o, OLD_OPTIONS_SIZE) == NEARDUP_OK);
  CHECK(b.o.struct_size == OLD_OPTIONS_SIZE && b.o.num_perm == 128 && b.o.rows == 0);
  CHECK(all_bytes(b.bytes, OLD_OPTIONS_SIZE, sizeof b.bytes, GARBAGE)); /* nothing written past */
  b.o.backend = NEARDUP_BACKEND_SIMHASH;
  CHECK(neardup_options_validate(&b.o) == NEARDUP_OK);
  neardup_dedup* d = NULL;
  CHECK(neardup_create(&b.o, &d) == NEARDUP_OK);
  CHECK(all_bytes(b.bytes, OLD_OPTIONS_SIZE, sizeof b.bytes, GARBAGE)); /* nor by create */
  if (d == NULL) return;
  neardup_stats st;
  neardup_stats_init(&st);
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.backend == NEARDUP_BACKEND_SIMHASH && st.simhash_bits == 64 && st.max_distance == 3);
  CHECK(st.threshold == 1.0 - 3.0 / 64.0 && st.tables == 10);
  neardup_free(d);

  /* The same struct on the heap at exactly the old size (ASan reports any access past it). Its
   * fields are set by offset: it is shorter than this header's neardup_options. */
  unsigned char* heap = (unsigned char*)malloc(OLD_OPTIONS_SIZE);
  CHECK(heap != NULL);
  if (heap == NULL) return;
  CHECK(neardup_options_init_sized((neardup_options*)(void*)heap, OLD_OPTIONS_SIZE) == NEARDUP_OK);
  const double threshold = 0.7;
  memcpy(heap + offsetof(neardup_options, threshold), &threshold, sizeof threshold);
  d = NULL;
  CHECK(neardup_create((const neardup_options*)(void*)heap, &d) == NEARDUP_OK);
  free(heap);
  if (d == NULL) return;
  neardup_stats_init(&st);
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.backend == NEARDUP_BACKEND_MINHASH && st.threshold == 0.7 && st.num_perm == 128);
  neardup_free(d);
}

/* struct_size 0 (never initialized), below the first version, or implausibly large: rejected
 * with a message naming struct_size, by every function that takes the struct. */
static void test_bad_struct_size_rejected(void) {
  const size_t bad_sizes[] = {0, sizeof(size_t), NEARDUP_OPTIONS_SIZE_V1 - 1,
                              NEARDUP_STRUCT_SIZE_MAX + 1, (size_t)-1};
  for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; ++i) {
    neardup_options opt;
    neardup_options_init(&opt);
    opt.struct_size = bad_sizes[i];
    neardup_dedup* d = NULL;
    CHECK(neardup_create(&opt, &d) == NEARDUP_INVALID_ARGUMENT);
    CHECK(d == NULL && strstr(neardup_last_error(), "neardup_options.struct_size") != NULL);
    if (bad_sizes[i] == 0) {
      CHECK(strcmp(neardup_last_error(),
                   "neardup_options.struct_size is 0: call neardup_options_init first") == 0);
    }
    CHECK(neardup_options_validate(&opt) == NEARDUP_INVALID_ARGUMENT);
    CHECK(strstr(neardup_last_error(), "struct_size") != NULL);
    /* init_sized rejects the size too, and writes nothing */
    options_buffer b;
    memset(b.bytes, GARBAGE, sizeof b.bytes);
    CHECK(neardup_options_init_sized(&b.o, bad_sizes[i]) == NEARDUP_INVALID_ARGUMENT);
    CHECK(strstr(neardup_last_error(), "struct_size") != NULL);
    CHECK(all_bytes(b.bytes, 0, sizeof b.bytes, GARBAGE));
  }
  CHECK(neardup_options_init_sized(NULL, sizeof(neardup_options)) == NEARDUP_INVALID_ARGUMENT);

  neardup_options opt;
  neardup_options_init(&opt);
  neardup_dedup* d = NULL;
  CHECK(neardup_create(&opt, &d) == NEARDUP_OK);
  if (d == NULL) return;
  const size_t bad_stats_sizes[] = {0, NEARDUP_STATS_SIZE_V1 - 1, NEARDUP_STRUCT_SIZE_MAX + 1};
  for (size_t i = 0; i < sizeof bad_stats_sizes / sizeof bad_stats_sizes[0]; ++i) {
    stats_buffer b;
    memset(b.bytes, SENTINEL, sizeof b.bytes);
    b.s.struct_size = bad_stats_sizes[i];
    CHECK(neardup_get_stats(d, &b.s) == NEARDUP_INVALID_ARGUMENT);
    CHECK(strstr(neardup_last_error(), "neardup_stats.struct_size") != NULL);
    CHECK(b.s.struct_size == bad_stats_sizes[i]);
    CHECK(all_bytes(b.bytes, sizeof(size_t), sizeof b.bytes, SENTINEL)); /* nothing written */
  }
  neardup_free(d);
}

/* A caller built against a newer header: a larger struct_size is accepted when every byte this
 * library does not know is 0 (as neardup_options_init_sized leaves them), rejected otherwise. */
static void test_newer_caller_options_need_zero_tail(void) {
  const size_t newer = sizeof(neardup_options) + 16;
  options_buffer b;
  memset(b.bytes, GARBAGE, sizeof b.bytes);
  CHECK(neardup_options_init_sized(&b.o, newer) == NEARDUP_OK);
  CHECK(b.o.struct_size == newer && b.o.threshold == 0.8);
  CHECK(all_bytes(b.bytes, sizeof(neardup_options), newer, 0)); /* unknown tail zeroed */
  CHECK(all_bytes(b.bytes, newer, sizeof b.bytes, GARBAGE));    /* nothing past newer */
  b.o.backend = NEARDUP_BACKEND_SIMHASH;
  b.o.max_distance = 4;
  CHECK(neardup_options_validate(&b.o) == NEARDUP_OK);
  neardup_dedup* d = NULL;
  CHECK(neardup_create(&b.o, &d) == NEARDUP_OK);
  if (d != NULL) {
    neardup_stats st;
    neardup_stats_init(&st);
    CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
    CHECK(st.backend == NEARDUP_BACKEND_SIMHASH && st.max_distance == 4);
    neardup_free(d);
  }
  /* a newer option set to something other than 0: this library cannot honour it */
  b.bytes[newer - 1] = 1;
  d = NULL;
  CHECK(neardup_create(&b.o, &d) == NEARDUP_INVALID_ARGUMENT);
  CHECK(d == NULL && strstr(neardup_last_error(), "struct_size") != NULL);
  CHECK(strstr(neardup_last_error(), "is not 0") != NULL);
  CHECK(neardup_options_validate(&b.o) == NEARDUP_INVALID_ARGUMENT);
  b.bytes[newer - 1] = 0;
  b.bytes[sizeof(neardup_options)] = 1; /* the first unknown byte counts too */
  CHECK(neardup_options_validate(&b.o) == NEARDUP_INVALID_ARGUMENT);
  b.bytes[sizeof(neardup_options)] = 0;
  CHECK(neardup_options_validate(&b.o) == NEARDUP_OK);
}

/* neardup_get_stats for an old caller (struct without the SimHash fields) writes only within
 * its struct_size; for a current or newer caller it fills every field it knows and writes
 * neither struct_size, padding, nor the bytes past its own struct. */
static void test_stats_written_only_within_struct_size(void) {
  neardup_options opt;
  neardup_options_init(&opt);
  opt.backend = NEARDUP_BACKEND_SIMHASH;
  neardup_dedup* d = NULL;
  CHECK(neardup_create(&opt, &d) == NEARDUP_OK);
  if (d == NULL) return;
  CHECK(neardup_add(d, S("page-1"), S(kPage)) == NEARDUP_OK);

  stats_buffer b;
  memset(b.bytes, SENTINEL, sizeof b.bytes);
  b.s.struct_size = OLD_STATS_SIZE;
  CHECK(neardup_get_stats(d, &b.s) == NEARDUP_OK);
  CHECK(b.s.struct_size == OLD_STATS_SIZE);
  CHECK(b.s.backend == NEARDUP_BACKEND_SIMHASH && b.s.documents == 1 && b.s.num_perm == 0);
  CHECK(b.s.rows == 0 && b.s.threshold == 1.0 - 3.0 / 64.0);
  CHECK(all_bytes(b.bytes, OLD_STATS_SIZE, sizeof b.bytes, SENTINEL));

  const size_t sizes[] = {sizeof(neardup_stats), sizeof(neardup_stats) + 16};
  for (size_t i = 0; i < 2; ++i) {
    memset(b.bytes, SENTINEL, sizeof b.bytes);
    b.s.struct_size = sizes[i];
    CHECK(neardup_get_stats(d, &b.s) == NEARDUP_OK);
    CHECK(b.s.struct_size == sizes[i] && b.s.documents == 1);
    CHECK(b.s.simhash_bits == 64 && b.s.max_distance == 3 && b.s.tables == 10);
    CHECK(all_bytes(b.bytes, offsetof(neardup_stats, backend) + sizeof(int),
                    offsetof(neardup_stats, documents), SENTINEL)); /* padding */
    CHECK(all_bytes(b.bytes, sizeof(neardup_stats), sizeof b.bytes, SENTINEL));
  }
  neardup_free(d);
}

/* CONTAINMENT: a page inside a larger one is found with its exact containments, in the
 * direction asked; options of a V2 caller (without containment_direction) take its default; the
 * index survives save + load; a bad direction is an error. */
static void test_containment_backend(const char* path) {
  neardup_options opt;
  neardup_options_init(&opt);
  CHECK(opt.containment_direction == NEARDUP_DIRECTION_QUERY_IN_INDEXED);
  CHECK(NEARDUP_OPTIONS_SIZE_V3 <= sizeof(neardup_options));
  opt.backend = NEARDUP_BACKEND_CONTAINMENT;
  opt.threshold = 0.9;
  opt.containment_direction = 7;
  neardup_dedup* d = NULL;
  CHECK(neardup_create(&opt, &d) == NEARDUP_INVALID_ARGUMENT);
  CHECK(strstr(neardup_last_error(), "direction") != NULL);
  opt.containment_direction = NEARDUP_DIRECTION_EITHER;
  CHECK(neardup_create(&opt, &d) == NEARDUP_OK);
  if (d == NULL) return;
  /* kPage inside a page with other text around it; kOtherPage unrelated. */
  char big[1024];
  snprintf(big, sizeof big, "%s and then %s and finally %s", kOtherPage, kPage, kOtherPage);
  CHECK(neardup_add(d, S("portal"), S(big)) == NEARDUP_OK);
  neardup_matches* m = NULL;
  CHECK(neardup_query(d, S(kPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 1);
  CHECK(strcmp(neardup_matches_id(m, 0, NULL), "portal") == 0);
  CHECK(neardup_matches_query_in_match(m, 0) == 1.0);
  CHECK(neardup_matches_match_in_query(m, 0) > 0.0 && neardup_matches_match_in_query(m, 0) < 0.5);
  CHECK(neardup_matches_similarity(m, 0) == 1.0);
  CHECK(neardup_matches_query_in_match(m, 1) < 0 && neardup_matches_match_in_query(NULL, 0) < 0);
  neardup_matches_free(m);
  int added = -1;
  CHECK(neardup_add_if_new(d, S("article"), S(kPage), &added, NULL) == NEARDUP_OK);
  CHECK(added == 0);
  /* The other direction: the portal queried finds an indexed page inside it. */
  CHECK(neardup_add(d, S("article"), S(kPage)) == NEARDUP_OK);
  m = NULL;
  CHECK(neardup_query(d, S(big), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 2); /* itself (1.0) and the article inside it (1.0) */
  CHECK(strcmp(neardup_matches_id(m, 1, NULL), "article") == 0);
  CHECK(neardup_matches_match_in_query(m, 1) == 1.0);
  neardup_matches_free(m);
  neardup_stats st;
  neardup_stats_init(&st);
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.backend == NEARDUP_BACKEND_CONTAINMENT && st.documents == 2 && st.num_perm == 128);
  CHECK(st.band_entries == 240 && st.threshold == 0.9 && st.tables == 0);
  CHECK(neardup_save(d, path) == NEARDUP_OK);
  neardup_free(d);
  d = NULL;
  CHECK(neardup_load(path, &d) == NEARDUP_OK);
  if (d == NULL) return;
  m = NULL;
  CHECK(neardup_query(d, S(kPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 2);
  neardup_matches_free(m);
  neardup_free(d);
  /* A V2 caller: the direction field lies beyond its struct_size and takes its default. */
  neardup_options_init(&opt);
  opt.struct_size = NEARDUP_OPTIONS_SIZE_V2;
  opt.backend = NEARDUP_BACKEND_CONTAINMENT;
  opt.containment_direction = 7; /* beyond struct_size: not read */
  d = NULL;
  CHECK(neardup_create(&opt, &d) == NEARDUP_OK);
  neardup_free(d);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_FILE\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  CHECK(strlen(neardup_version()) > 0);
  CHECK(strcmp(neardup_status_name(NEARDUP_CORRUPT_DATA), "corrupt data") == 0);
  /* Any int is a valid neardup_status in C (and from FFI): values outside the enum are
   * "unknown", without reading them as a C++ enum, whose out-of-range load is undefined behaviour
   * (found by fuzz/fuzz_c_api.cpp; input in fuzz/corpus/c_api/crash-status-name-out-of-range). */
  CHECK(strcmp(neardup_status_name((neardup_status)-60), "unknown") == 0);
  CHECK(strcmp(neardup_status_name((neardup_status)100), "unknown") == 0);
  CHECK(strcmp(neardup_status_name((neardup_status)9), "unknown") == 0);
  test_options_init_sets_struct_size();
  test_old_caller_options_take_defaults();
  test_bad_struct_size_rejected();
  test_newer_caller_options_need_zero_tail();
  test_stats_written_only_within_struct_size();
  test_containment_backend(path);

  /* invalid options are an error code with a message, not a crash */
  neardup_options opt;
  neardup_options_init(&opt);
  CHECK(opt.num_perm == 128 && opt.shingle_k == 5 && opt.threshold == 0.8);
  opt.threshold = 1.5;
  neardup_dedup* d = NULL;
  CHECK(neardup_create(&opt, &d) == NEARDUP_INVALID_ARGUMENT);
  CHECK(d == NULL);
  CHECK(strstr(neardup_last_error(), "threshold") != NULL);
  CHECK(neardup_create(NULL, &d) == NEARDUP_INVALID_ARGUMENT);

  neardup_options_init(&opt);
  opt.threshold = 0.7;
  CHECK(neardup_options_validate(&opt) == NEARDUP_OK);
  CHECK(neardup_create(&opt, &d) == NEARDUP_OK);
  if (d == NULL) return 1;
  CHECK(neardup_size(d) == 0);

  /* add + query */
  CHECK(neardup_add(d, S("page-1"), S(kPage)) == NEARDUP_OK);
  CHECK(neardup_add(d, NULL, 3, S(kPage)) == NEARDUP_INVALID_ARGUMENT);
  CHECK(neardup_size(d) == 1);
  neardup_matches* m = NULL;
  CHECK(neardup_query(d, S(kNearPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 1);
  size_t len = 0;
  const char* id = neardup_matches_id(m, 0, &len);
  CHECK(id != NULL && len == 6 && strcmp(id, "page-1") == 0);
  CHECK(neardup_matches_similarity(m, 0) >= 0.7 && neardup_matches_similarity(m, 0) < 1.0);
  CHECK(neardup_matches_id(m, 1, NULL) == NULL);
  CHECK(neardup_matches_similarity(m, 1) < 0);
  neardup_matches_free(m);
  m = NULL;
  CHECK(neardup_query(d, S(kOtherPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 0);
  neardup_matches_free(m);

  /* add_if_new: a near copy is rejected naming the original, a new page is added */
  int added = -1;
  m = NULL;
  CHECK(neardup_add_if_new(d, S("page-2"), S(kNearPage), &added, &m) == NEARDUP_OK);
  CHECK(added == 0);
  CHECK(neardup_matches_count(m) == 1 && strcmp(neardup_matches_id(m, 0, NULL), "page-1") == 0);
  neardup_matches_free(m);
  added = -1;
  CHECK(neardup_add_if_new(d, S("page-3"), S(kOtherPage), &added, NULL) == NEARDUP_OK);
  CHECK(added == 1);
  CHECK(neardup_size(d) == 2);

  /* stats */
  neardup_stats st;
  neardup_stats_init(&st);
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.documents == 2 && st.num_perm == 128 && st.memory_bytes > 0);
  CHECK(st.backend == NEARDUP_BACKEND_MINHASH && st.bands * st.rows <= 128);
  CHECK(st.simhash_bits == 0 && st.max_distance == 0 && st.tables == 0);

  /* remove: the page no longer matches */
  size_t removed = 99;
  CHECK(neardup_remove(d, S("page-1"), &removed) == NEARDUP_OK);
  CHECK(removed == 1);
  CHECK(neardup_remove(d, S("no-such-page"), &removed) == NEARDUP_OK);
  CHECK(removed == 0);
  CHECK(neardup_size(d) == 1);
  m = NULL;
  CHECK(neardup_query(d, S(kNearPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 0);
  neardup_matches_free(m);

  /* save + load: same contents, and the loaded index keeps growing */
  CHECK(neardup_save(d, path) == NEARDUP_OK);
  neardup_free(d);
  d = NULL;
  CHECK(neardup_load(path, &d) == NEARDUP_OK);
  if (d == NULL) return 1;
  CHECK(neardup_size(d) == 1);
  m = NULL;
  CHECK(neardup_query(d, S(kOtherPage), 1, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 1 && strcmp(neardup_matches_id(m, 0, NULL), "page-3") == 0);
  neardup_matches_free(m);
  added = -1;
  CHECK(neardup_add_if_new(d, S("page-1b"), S(kPage), &added, NULL) == NEARDUP_OK);
  CHECK(added == 1 && neardup_size(d) == 2);
  neardup_free(d);

  /* errors from load: missing file and a file that is not an index */
  d = NULL;
  CHECK(neardup_load("/nonexistent-dir/x.ndx", &d) == NEARDUP_IO_ERROR);
  CHECK(d == NULL && strstr(neardup_last_error(), "/nonexistent-dir/x.ndx") != NULL);
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    fputs("this is not an index file at all, just some text\n", f);
    fclose(f);
  }
  CHECK(neardup_load(path, &d) == NEARDUP_CORRUPT_DATA);
  CHECK(strstr(neardup_last_error(), "not a neardup index") != NULL);
  remove(path);

  /* --- the SimHash backend ------------------------------------------------------------------ */
  neardup_options_init(&opt);
  CHECK(opt.backend == NEARDUP_BACKEND_MINHASH && opt.max_distance == 3 && opt.simhash_bits == 64);
  opt.backend = NEARDUP_BACKEND_SIMHASH;
  opt.max_distance = 64; /* must be below the 64 bits */
  d = NULL;
  CHECK(neardup_create(&opt, &d) == NEARDUP_INVALID_ARGUMENT);
  CHECK(d == NULL && strstr(neardup_last_error(), "max_distance") != NULL);
  opt.backend = 9; /* no such backend */
  opt.max_distance = 3;
  CHECK(neardup_options_validate(&opt) == NEARDUP_INVALID_ARGUMENT);
  CHECK(strstr(neardup_last_error(), "backend") != NULL);
  opt.backend = NEARDUP_BACKEND_SIMHASH;
  opt.max_distance = 6; /* the near page differs from kPage in a few of the 64 bits */
  CHECK(neardup_create(&opt, &d) == NEARDUP_OK);
  if (d == NULL) return 1;
  CHECK(neardup_add(d, S("page-1"), S(kPage)) == NEARDUP_OK);
  CHECK(neardup_add(d, S("page-3"), S(kOtherPage)) == NEARDUP_OK);
  m = NULL;
  CHECK(neardup_query(d, S(kNearPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 1 && strcmp(neardup_matches_id(m, 0, NULL), "page-1") == 0);
  /* similarity = 1 - distance / 64 with 0 < distance <= 6 */
  CHECK(neardup_matches_similarity(m, 0) >= 1.0 - 6.0 / 64.0 &&
        neardup_matches_similarity(m, 0) < 1.0);
  neardup_matches_free(m);
  m = NULL;
  CHECK(neardup_add_if_new(d, S("page-1-again"), S(kPage), &added, &m) == NEARDUP_OK);
  CHECK(added == 0 && neardup_matches_count(m) == 1 && neardup_matches_similarity(m, 0) == 1.0);
  neardup_matches_free(m);
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.backend == NEARDUP_BACKEND_SIMHASH && st.documents == 2 && st.memory_bytes > 0);
  CHECK(st.num_perm == 0 && st.threshold == 1.0 - 6.0 / 64.0);
  CHECK(st.simhash_bits == 64 && st.max_distance == 6 && st.tables > 0);
  CHECK(neardup_remove(d, S("page-1"), &removed) == NEARDUP_OK && removed == 1);
  m = NULL;
  CHECK(neardup_query(d, S(kPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 0);
  neardup_matches_free(m);
  /* save + load: the loader recognizes the SimHash file and keeps its options */
  CHECK(neardup_save(d, path) == NEARDUP_OK);
  neardup_free(d);
  d = NULL;
  CHECK(neardup_load(path, &d) == NEARDUP_OK);
  if (d == NULL) return 1;
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.backend == NEARDUP_BACKEND_SIMHASH && st.documents == 1);
  CHECK(st.threshold == 1.0 - 6.0 / 64.0);
  m = NULL;
  CHECK(neardup_query(d, S(kOtherPage), 10, &m) == NEARDUP_OK);
  CHECK(neardup_matches_count(m) == 1 && strcmp(neardup_matches_id(m, 0, NULL), "page-3") == 0);
  neardup_matches_free(m);
  neardup_free(d);
  remove(path);

  neardup_free(NULL);
  neardup_matches_free(NULL);
  CHECK(neardup_size(NULL) == 0);

  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}

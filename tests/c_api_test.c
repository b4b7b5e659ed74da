/* Drives the C API (neardup_c.h) from C11: create, add, query, add_if_new, remove, save, load,
 * free, errors; for both backends (MinHash, then SimHash). Usage: neardup_c_api_test SCRATCH_FILE.
 * Exit 0 on success; on failure prints the failed check and exits 1. */
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

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SCRATCH_FILE\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  CHECK(strlen(neardup_version()) > 0);
  CHECK(strcmp(neardup_status_name(NEARDUP_CORRUPT_DATA), "corrupt data") == 0);

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
  CHECK(neardup_get_stats(d, &st) == NEARDUP_OK);
  CHECK(st.documents == 2 && st.num_perm == 128 && st.memory_bytes > 0);
  CHECK(st.backend == NEARDUP_BACKEND_MINHASH && st.bands * st.rows <= 128);

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
  opt.backend = 3; /* no such backend */
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

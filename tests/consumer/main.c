/* Consumer of the installed C API: prints "consumer_c ok <size>" on success. */
#include <stdio.h>
#include <string.h>

#include "neardup/neardup_c.h"

int main(void) {
  neardup_options opt;
  neardup_options_init(&opt);
  neardup_dedup* d = NULL;
  if (neardup_create(&opt, &d) != NEARDUP_OK) {
    fprintf(stderr, "%s\n", neardup_last_error());
    return 1;
  }
  const char* text = "a page of text that a crawler fetched twice from two different urls today";
  int added = 0;
  if (neardup_add_if_new(d, "u1", 2, text, strlen(text), &added, NULL) != NEARDUP_OK || !added)
    return 1;
  if (neardup_add_if_new(d, "u2", 2, text, strlen(text), &added, NULL) != NEARDUP_OK || added)
    return 1;
  neardup_stats st;
  neardup_stats_init(&st);
  if (neardup_get_stats(d, &st) != NEARDUP_OK || st.documents != 1) return 1;
  printf("consumer_c ok %zu\n", neardup_size(d));
  neardup_free(d);
  return 0;
}

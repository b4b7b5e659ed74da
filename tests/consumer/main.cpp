// Consumer of the installed C++ API: prints "consumer_cpp ok <size>" on success.
#include <cstdio>
#include <string>

#include "neardup/deduplicator.h"

int main() {
  auto d = neardup::Deduplicator::create({.threshold = 0.7});
  if (!d.ok()) return 1;
  std::string text;
  for (int i = 0; i < 80; ++i) text += "w" + std::to_string(i * 7919 % 1000) + " ";
  if (!d->add("first", text).ok()) return 1;
  auto v = d->add_if_new("second", text + "extra");
  if (!v.ok() || v->added || v->match.id != "first") return 1;
  std::printf("consumer_cpp ok %zu\n", d->size());
  return 0;
}

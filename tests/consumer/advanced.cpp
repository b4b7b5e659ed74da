// Consumer of the installed advanced API through pkg-config (neardup-static.pc): README's
// NearDupClusterer example on a small file. Prints "consumer_advanced ok <clusters>" on success.
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "consumer_advanced.jsonl";
  {
    std::ofstream f(path);
    std::string text;
    for (int i = 0; i < 80; ++i) text += "w" + std::to_string(i * 7919 % 1000) + " ";
    f << "{\"id\":\"a\",\"text\":\"" << text << "\"}\n";
    f << "{\"id\":\"b\",\"text\":\"" << text << "extra\"}\n";
    f << "{\"id\":\"c\",\"text\":\"something else entirely, nothing alike\"}\n";
  }
  auto clusterer = neardup::NearDupClusterer::create({.similarity = {.threshold = 0.8}});
  auto reader = neardup::DocumentReader::open(path, {});
  if (!clusterer.ok() || !reader.ok()) return 1;
  neardup::NearDupClusterer::Scratch scratch;
  neardup::PreparedDoc prepared;
  neardup::Document doc;
  for (auto more = (*reader)->next(doc); more.ok() && *more; more = (*reader)->next(doc)) {
    clusterer->prepare(doc.text, prepared, scratch);
    clusterer->add(prepared);
  }
  std::set<uint64_t> clusters;
  for (const neardup::Assignment& a : clusterer->finish()) clusters.insert(a.cluster);
  std::remove(path.c_str());
  if (clusters.size() != 2) return 1;
  std::printf("consumer_advanced ok %zu\n", clusters.size());
  return 0;
}

#include "neardup/advanced/open_index.h"

#include <cstdio>
#include <new>
#include <string_view>
#include <utility>

#include "index/index_file.h"

namespace neardup {

namespace {

enum class Sniffed { kMinHash, kSimHash, kContainment, kHamming, kUnknown };

// The kind the first `got` bytes of a file (at most kMagicBytes) name. Fewer than kMagicBytes
// (a short file, or one that could not be read) go to the MinHash loader unless they can only be
// the start of a SimHash magic ("NDUP" alone is either), so that its messages report them.
Sniffed sniff(std::string_view got) {
  using detail::kMagicBytes;
  const bool simhash = !got.empty() && detail::kSimHashIndexMagic.starts_with(got) &&
                       !detail::kMinHashIndexMagic.starts_with(got);
  if (simhash) return Sniffed::kSimHash;
  if (got.size() < kMagicBytes || got == detail::kMinHashIndexMagic) return Sniffed::kMinHash;
  if (got == detail::kContainmentIndexMagic) return Sniffed::kContainment;
  return got == detail::kHammingIndexMagic ? Sniffed::kHamming : Sniffed::kUnknown;
}

// Up to kMagicBytes from the start of the file; nothing if it cannot be opened or read (the
// loader then reports why).
std::string first_bytes(const std::string& path) {
  char magic[detail::kMagicBytes] = {};
  std::size_t n = 0;
  if (std::FILE* f = std::fopen(path.c_str(), "rb"); f != nullptr) {
    n = std::fread(magic, 1, sizeof magic, f);
    std::fclose(f);
  }
  return std::string(magic, n);
}

template <typename Index>
Result<AnyIndex> load_as(const std::string& path) {
  Result<Index> index = Index::load(path);
  if (!index.ok()) return index.status();
  return AnyIndex(std::in_place_type<Index>, std::move(*index));
}

}  // namespace

Result<AnyIndex> open_index(const std::string& path) {
  try {
    switch (sniff(first_bytes(path))) {
      case Sniffed::kSimHash:
        return load_as<SimHashIndex>(path);
      case Sniffed::kMinHash:
        return load_as<NearDupIndex>(path);
      case Sniffed::kContainment:
        return load_as<ContainmentIndex>(path);
      case Sniffed::kHamming:
        return Status::corrupt_data(path +
                                    ": not a neardup index (a bare Hamming index of "
                                    "fingerprints, without ids)");
      case Sniffed::kUnknown:
        break;
    }
    return Status::corrupt_data(path + ": not a neardup index (unknown magic)");
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the index");
  }
}

}  // namespace neardup

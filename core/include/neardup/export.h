// NEARDUP_API: marks the stable, exported API of the shared library (libneardup.so).
//
// The shared library is built with -fvisibility=hidden, so only declarations marked NEARDUP_API
// are visible to programs linking it: the Deduplicator facade (deduplicator.h), Status
// (status.h) and the C API (neardup_c.h). The other public headers are usable with the static
// library (neardup::core). The attribute is harmless in the static library.
//
// Thread safety and cost: not applicable (a macro).
#pragma once

// C++ uses the standard attribute syntax (it may follow [[nodiscard]] in a class head); C11
// has no [[...]] attributes, so C gets the GNU spelling.
#if defined(__cplusplus) && (defined(__GNUC__) || defined(__clang__))
#define NEARDUP_API [[gnu::visibility("default")]]
#elif defined(__GNUC__) || defined(__clang__)
#define NEARDUP_API __attribute__((visibility("default")))
#else
#define NEARDUP_API
#endif

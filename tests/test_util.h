// Compatibility header for test files written before the split: the fixtures moved to
// support/fixtures.h (shared with the benchmarks) and the CLI helpers to cli/cli_util.h, which
// re-exports every name this header had under neardup::testing. New test files include those
// directly; this one goes once nothing includes it.
#pragma once

#include "cli/cli_util.h"

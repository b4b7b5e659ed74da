// Private reference implementations of the text pipeline's fast paths, for the parity tests.
//
// The normalizer takes ASCII text sixteen and eight bytes at a time and the tokenizer an SSE2
// path over blocks of plain ASCII words; these functions run the general (scalar) code alone.
// Outputs must be identical, byte for byte and hash for hash: tests/unit/text_parity_test.cpp
// checks it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "neardup/advanced/normalize.h"
#include "neardup/advanced/tokenize.h"

namespace neardup::detail {

// Normalizer(options).normalize() with the fast paths off: every ASCII byte goes through the
// byte loop and its table.
void normalize_reference(const NormalizeOptions& options, std::string_view in, std::string& out,
                         NormalizeStats* stats = nullptr);

// Tokenizer::tokenize() with the fast path off: every byte goes through the scalar scanner.
void tokenize_reference(const TokenizeOptions& options, std::string_view text, TokenBuffer& out);

}  // namespace neardup::detail

// runtime/ring/tokens.hpp — token generation and the tokens file
// (dskit RandomTokenGenerator and Tokens, write-path spec §4.2).
//
// Owner: the ring member actor (generation when it joins) and its detached
// file helper (tokens file I/O is blocking). Pure except load/store, which
// do file I/O through storage::file_system.
//
// Invariants: generated tokens are sorted, unique, and never one of the
// tokens already taken; the tokens file is replaced atomically (temp file,
// fsync, rename, fsync dir), so a crash leaves the old or the new file.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ring/model.hpp"
#include "runtime/util/status.hpp"

namespace skald::storage {
class file_system;
} // namespace skald::storage

namespace skald::ring {

/// `n` random tokens, none in `taken` (sorted or not) and none twice;
/// returned sorted. n <= 0 gives an empty vector.
std::vector<token_t> generate_tokens(int n, const std::vector<token_t>& taken,
                                     std::mt19937_64& rng);

/// dskit Tokens JSON: {"tokens":[1,2,3]}.
std::string encode_tokens_json(const std::vector<token_t>& tokens);

/// Parses the JSON above; the result is sorted and de-duplicated.
/// errc::invalid_argument on malformed input.
result<std::vector<token_t>> decode_tokens_json(std::string_view json);

/// Reads the tokens file; errc::not_found when it does not exist.
result<std::vector<token_t>> load_tokens_file(storage::file_system& fs, const std::string& path);

/// Writes the tokens file atomically, creating its directory if needed.
status store_tokens_file(storage::file_system& fs, const std::string& path,
                         const std::vector<token_t>& tokens);

} // namespace skald::ring

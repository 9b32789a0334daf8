// base/hash_mix.hpp — combining hashes of a key's members, for the small caches of a scenarios batch.
#pragma once

#include <cstddef>

namespace llmsizer {

/// Mixes `value` into `hash` (the boost::hash_combine step: the golden-ratio constant spreads the
/// bits, the shifts make the result depend on the order of the members).
inline void hash_mix(std::size_t& hash, std::size_t value) {
  hash ^= value + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
}

}  // namespace llmsizer

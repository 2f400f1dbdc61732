#pragma once
// Deterministic test data.

#include <cstddef>
#include <cstdint>
#include <string>

namespace s3ml::test {

/// `n` pseudo-random bytes, the same for the same seed (std::mt19937).
std::string RandomBytes(std::size_t n, std::uint32_t seed);

}  // namespace s3ml::test

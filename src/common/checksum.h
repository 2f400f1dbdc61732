#pragma once
// Object checksums as S3 uses them in x-amz-checksum-* headers: CRC-32
// (zlib's), CRC-32C (SSE4.2 hardware where available, table fallback otherwise),
// SHA-1 and SHA-256. S3 encodes each as base64 of the big-endian digest.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "s3ml/objects.h"

namespace s3ml {

/// CRC-32 (ISO-HDLC, as zlib's crc32), continuing from `crc` (0 to start).
std::uint32_t Crc32(std::string_view data, std::uint32_t crc = 0);
/// CRC-32C (Castagnoli); picks the SSE4.2 path at runtime when the CPU has it.
std::uint32_t Crc32c(std::string_view data, std::uint32_t crc = 0);
/// Portable table-driven CRC-32C (always available; used as the fallback).
std::uint32_t Crc32cSoftware(std::string_view data, std::uint32_t crc = 0);
/// SSE4.2 CRC-32C; nullopt when the CPU (or build target) lacks SSE4.2.
std::optional<std::uint32_t> Crc32cHardware(std::string_view data, std::uint32_t crc = 0);
/// True when Crc32c uses the hardware instructions.
bool Crc32cHardwareAvailable();

/// The CRC of the concatenation A‖B from crc(A), crc(B) and B's length, without the
/// bytes (zlib's crc32_combine method, for the reflected polynomial of either CRC).
/// Lets parallel ranges of one object be checked against its full-object checksum.
std::uint32_t Crc32Combine(std::uint32_t crc_a, std::uint32_t crc_b, std::uint64_t len_b);
std::uint32_t Crc32cCombine(std::uint32_t crc_a, std::uint32_t crc_b, std::uint64_t len_b);

/// Base64 of the 4 big-endian bytes of a CRC value (S3's wire form).
std::string CrcToBase64(std::uint32_t crc);

/// Upper-case name ("CRC32", "CRC32C", "SHA1", "SHA256"); "" for kNone.
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
/// Lower-case header suffix ("crc32" for x-amz-checksum-crc32); "" for kNone.
std::string_view ChecksumHeaderSuffix(ChecksumAlgorithm algorithm);
/// Parses a name case-insensitively ("crc32c", "SHA256"); nullopt if unknown.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);

/// Incremental checksum over a stream of bytes. Not thread-safe: one owner.
class Checksummer {
 public:
  virtual ~Checksummer() = default;
  virtual void Update(std::string_view data) = 0;
  /// Raw big-endian digest bytes (4 for CRCs, 20 for SHA-1, 32 for SHA-256).
  /// Call once; the object is finished afterwards.
  virtual std::string FinalRaw() = 0;
  /// Base64 of FinalRaw(), as x-amz-checksum-* headers carry it.
  std::string FinalBase64();
};

/// A Checksummer for `algorithm`; nullptr for kNone.
std::unique_ptr<Checksummer> MakeChecksummer(ChecksumAlgorithm algorithm);

/// One-shot base64 checksum of `data`; "" for kNone.
std::string ComputeChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data);

}  // namespace s3ml

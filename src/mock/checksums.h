#pragma once
// Checksums S3 accepts in x-amz-checksum-* headers and trailers, as S3 encodes
// them (base64 of the big-endian digest), plus incremental state for
// aws-chunked bodies.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace s3ml::mock {

/// CRC-32 (ISO-HDLC, zlib's), CRC-32C (Castagnoli) and CRC-64/NVME.
std::uint32_t Crc32(std::string_view data, std::uint32_t crc = 0);
std::uint32_t Crc32c(std::string_view data, std::uint32_t crc = 0);
std::uint64_t Crc64Nvme(std::string_view data, std::uint64_t crc = 0);

/// Lower-case algorithm names as they appear after "x-amz-checksum-".
bool IsSupportedChecksum(std::string_view algorithm);
/// The S3-style display name used in error messages ("CRC32", "SHA256", ...).
std::string ChecksumDisplayName(std::string_view algorithm);

/// Base64 checksum of `data` for `algorithm` (crc32, crc32c, crc64nvme, sha1, sha256, sha512);
/// nullopt for an unknown algorithm.
std::optional<std::string> ComputeChecksum(std::string_view algorithm, std::string_view data);

}  // namespace s3ml::mock

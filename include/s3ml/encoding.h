#pragma once
/// \file The encodings S3 uses on the wire: ISO-8601 and HTTP dates, hex, base64,
/// and the MD5 forms of ETags and Content-MD5.

#include <chrono>
#include <string>
#include <string_view>

#include "s3ml/result.h"

namespace s3ml {

using Timestamp = std::chrono::system_clock::time_point;

/// 2013-05-24T00:00:00.000Z (S3's XML timestamps; UTC, milliseconds).
std::string FormatIso8601(Timestamp t);
/// Fri, 24 May 2013 00:00:00 GMT (HTTP dates: Last-Modified, Expires).
std::string FormatHttpDate(Timestamp t);
/// Parses ISO-8601 with optional fractional seconds and `Z` or a `+hh:mm` offset. A
/// malformed date, or one outside 1678-01-01..2262-01-01, is a kProtocol error naming
/// the text.
Result<Timestamp> ParseIso8601(std::string_view text);
/// Parses an RFC 7231 HTTP date (IMF-fixdate; also the RFC 850 and asctime forms).
Result<Timestamp> ParseHttpDate(std::string_view text);

/// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
/// Standard base64 (RFC 4648, with padding).
std::string Base64Encode(std::string_view bytes);
/// Decodes standard base64 (padded); kInvalidArgument when `text` is not.
Result<std::string> Base64Decode(std::string_view text);

/// Hex MD5 of `data`: the ETag (without quotes) S3 gives a single-part upload stored
/// without SSE-KMS or SSE-C.
std::string HexMd5(std::string_view data);
/// Base64 MD5 of `data`: a Content-MD5 header, or an SSE-C key's MD5.
std::string Base64Md5(std::string_view data);

}  // namespace s3ml

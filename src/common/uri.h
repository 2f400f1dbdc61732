#pragma once
// URI encoding per SigV4 (RFC 3986 unreserved set kept, everything else %XX uppercase).

#include <string>
#include <string_view>

#include "s3ml/result.h"

namespace s3ml {

/// Encodes every byte outside A-Z a-z 0-9 - _ . ~ as %XX (uppercase hex).
/// With encode_slash=false, '/' is kept (for S3 object key paths).
std::string UriEncode(std::string_view s, bool encode_slash = true);
/// Decodes %XX sequences (and nothing else; '+' stays '+'). Fails on bad escapes.
Result<std::string> UriDecode(std::string_view s);

/// A parsed endpoint URL: scheme://host[:port][/base-path]
struct Endpoint {
  std::string scheme;   ///< "http" or "https"
  std::string host;     ///< without brackets for IPv6
  int port = 0;         ///< 0 = scheme default
  std::string base_path;  ///< "" or "/something" without trailing slash
};
/// Parses and validates an endpoint URL; the error names what is wrong.
Result<Endpoint> ParseEndpoint(std::string_view url);

}  // namespace s3ml

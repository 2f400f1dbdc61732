#pragma once
// Identifies the S3 operation of an HTTP request from its method, raw target
// and Host header.
//
// Addressing rule (virtual-hosted vs path-style): the Host header (port
// stripped, lower-cased) is compared with the server's *base domains*: the
// configured host, "localhost", and "<configured host>.nip.io" /
// "<configured host>.sslip.io" (wildcard DNS names that resolve to the IP in
// them), plus any extra domains configured. If Host is "<bucket>.<base>", the
// request is virtual-hosted and the whole path is the key. In every other
// case (Host equal to a base domain, an IP literal, or an unknown name) the
// request is path-style: the first path segment is the bucket.

#include <string>
#include <utility>
#include <vector>

#include "mock/s3_error.h"

namespace s3ml::mock {

struct RoutedRequest {
  std::string operation;  ///< AWS name: "GetObject", "ListObjectsV2", ...
  std::string bucket;     ///< decoded; empty for ListBuckets
  std::string key;        ///< decoded; empty for bucket operations
  bool virtual_hosted = false;
  std::string raw_path;   ///< as received (the SigV4 canonical URI)
  std::string raw_query;  ///< as received, without '?'
  /// Decoded query parameters in the order received (names keep their case).
  std::vector<std::pair<std::string, std::string>> query;

  bool HasParam(const std::string& name) const;
  /// First value of `name`, or `def`.
  std::string Param(const std::string& name, const std::string& def = {}) const;
  /// "/bucket/key" for error Resource elements.
  std::string Resource() const;
};

/// Splits and decodes a raw query string ("a=1&b&c=x%20y").
Expected<std::vector<std::pair<std::string, std::string>>> ParseQuery(const std::string& raw_query);

/// Strips the port from a Host header value and lower-cases it (handles [v6]:port).
std::string HostWithoutPort(const std::string& host_header);

/// Routes one request. `has_copy_source` tells PUT object CopyObject from PutObject.
/// Errors: InvalidURI (400) for undecodable paths/queries.
Expected<RoutedRequest> Route(const std::string& method, const std::string& target, const std::string& host_header,
                              bool has_copy_source, const std::vector<std::string>& base_domains);

}  // namespace s3ml::mock

#pragma once
// Server-side encryption in the mock: parsing and validating the SSE request headers
// as S3 does, remembering what an object was written with, and demanding the same
// SSE-C key on reads. Nothing is actually encrypted (bodies stay shared and in memory).
//
// Differences from S3 (docs/integrity-and-encryption.md): SSE-C is accepted over plain
// http (the mock only speaks http; S3 answers 400 InvalidRequest); the key is identified
// by its MD5 (S3 keeps a salted HMAC); ETags stay the MD5 of the bytes for every kind
// (S3's ETags of SSE-KMS and SSE-C objects are not MD5s).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/http_types.h"
#include "mock/s3_error.h"

namespace s3ml::mock {

/// What an object was written with; empty strings when not encrypted that way.
struct SseRecord {
  std::string algorithm;         ///< "AES256", "aws:kms", "aws:kms:dsse" or ""
  std::string kms_key_id;        ///< full ARN (the default aws/s3 key when none was given)
  std::string context;           ///< base64 JSON as sent
  bool bucket_key = false;
  std::string customer_key_md5;  ///< SSE-C: base64 MD5 of the customer key
  bool customer() const { return !customer_key_md5.empty(); }
};

/// "123456789012"-style account id derived from the access key (stable per mock).
std::string MockAccountId(const std::string& access_key);

/// The SSE headers of a write (PutObject, CopyObject destination, CreateMultipartUpload).
/// Errors: 400 InvalidArgument for an unknown algorithm, KMS headers without aws:kms, a
/// malformed context, SSE-C combined with x-amz-server-side-encryption, or bad SSE-C headers.
Expected<SseRecord> ParseSseWrite(const Headers& h, const std::string& region, const std::string& account);

/// Checks the SSE-C headers named `prefix` ("x-amz-server-side-encryption-customer-" or
/// "x-amz-copy-source-server-side-encryption-customer-") against a stored object.
/// Errors: 400 InvalidRequest when an SSE-C object is read without a key (or a key is
/// given for an object that has none); 403 AccessDenied for a different key; 400
/// InvalidArgument for malformed SSE-C headers (bad algorithm, key length, key MD5).
MaybeError CheckSseCustomerKey(const Headers& h, const SseRecord& stored, const std::string& prefix);

inline constexpr const char* kSseCustomerPrefix = "x-amz-server-side-encryption-customer-";
inline constexpr const char* kCopySourceSseCustomerPrefix = "x-amz-copy-source-server-side-encryption-customer-";

/// Response headers describing `sse` (the context only where S3 returns it: writes).
void AddSseResponseHeaders(std::vector<std::pair<std::string, std::string>>& headers, const SseRecord& sse,
                           bool include_context);

}  // namespace s3ml::mock

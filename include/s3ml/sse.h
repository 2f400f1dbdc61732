#pragma once
/// \file Server-side encryption (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C): what a request asks
/// for and what a response reports.

#include <string>

namespace s3ml {

/// How S3 should encrypt (or, for SSE-C, decrypt) an object.
///
/// - kS3: `x-amz-server-side-encryption: AES256` (keys managed by S3).
/// - kKms / kKmsDsse: `aws:kms` / `aws:kms:dsse`, with an optional key id (ARN, key id or
///   alias; empty: the account's default `aws/s3` key), an optional encryption context
///   (a JSON object, sent base64-encoded) and the S3 Bucket Key switch.
/// - kCustomerKey (SSE-C): the caller's own 256-bit key, sent with every request that
///   writes or reads the object (`x-amz-server-side-encryption-customer-algorithm:
///   AES256`, `-key` (base64) and `-key-MD5`). S3 keeps only a salted HMAC of it, so a GET
///   or HEAD without the same key fails. The key travels in a header: the client refuses
///   SSE-C over plain http unless ClientOptions::allow_sse_c_over_http is set.
///
/// Plain value type; thread-compatible.
struct ServerSideEncryption {
  enum class Kind { kNone, kS3, kKms, kKmsDsse, kCustomerKey };
  Kind kind = Kind::kNone;
  std::string kms_key_id;        ///< kKms/kKmsDsse only (x-amz-server-side-encryption-aws-kms-key-id)
  std::string kms_context_json;  ///< kKms/kKmsDsse only: a JSON object, e.g. {"project":"x"}
  bool bucket_key_enabled = false;  ///< kKms only (x-amz-server-side-encryption-bucket-key-enabled)
  std::string customer_key;      ///< kCustomerKey only: the raw 32-byte AES-256 key

  static ServerSideEncryption S3() { return {Kind::kS3, {}, {}, false, {}}; }
  static ServerSideEncryption Kms(std::string key_id = {}, std::string context_json = {},
                                  bool bucket_key = false) {
    return {Kind::kKms, std::move(key_id), std::move(context_json), bucket_key, {}};
  }
  static ServerSideEncryption CustomerKey(std::string raw_key) {
    return {Kind::kCustomerKey, {}, {}, false, std::move(raw_key)};
  }
  bool empty() const { return kind == Kind::kNone; }
};

/// The encryption a response reported (empty strings when the header was absent).
struct EncryptionInfo {
  std::string server_side_encryption;  ///< "AES256", "aws:kms", "aws:kms:dsse" or ""
  std::string kms_key_id;              ///< x-amz-server-side-encryption-aws-kms-key-id
  std::string kms_context;             ///< x-amz-server-side-encryption-context (base64 JSON, as sent)
  bool bucket_key_enabled = false;     ///< x-amz-server-side-encryption-bucket-key-enabled
  std::string customer_algorithm;      ///< SSE-C: "AES256"
  std::string customer_key_md5;        ///< SSE-C: base64 MD5 of the key
};

/// A bucket's default encryption (Get/PutBucketEncryption): what S3 applies to a new
/// object whose write names no encryption. Every S3 bucket has one; SSE-S3 ("AES256")
/// unless set otherwise. Plain value type.
struct BucketEncryption {
  std::string sse_algorithm = "AES256";  ///< "AES256", "aws:kms" or "aws:kms:dsse"
  std::string kms_key_id;                ///< KMSMasterKeyID (KMS only; empty: the aws/s3 key)
  bool bucket_key_enabled = false;       ///< S3 Bucket Keys (KMS only)
};

struct PutBucketEncryptionRequest {
  std::string bucket;
  BucketEncryption encryption;
};

}  // namespace s3ml

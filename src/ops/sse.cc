#include "ops/sse.h"

#include <string>

#include "common/crypto.h"

namespace s3ml::ops {

namespace {

Status Invalid(std::string_view op, const std::string& what) {
  return Status::InvalidArgument(std::string(op) + ": " + what);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Status AddSseHeaders(HttpRequest& r, const Target& t, const ServerSideEncryption& sse, SseUse use,
                     std::string_view op) {
  using Kind = ServerSideEncryption::Kind;
  const bool kms = sse.kind == Kind::kKms || sse.kind == Kind::kKmsDsse;
  if (!kms && (!sse.kms_key_id.empty() || !sse.kms_context_json.empty() || sse.bucket_key_enabled))
    return Invalid(op, "kms_key_id, kms_context_json and bucket_key_enabled only go with SSE-KMS "
                       "(ServerSideEncryption::Kind::kKms or kKmsDsse)");
  if (sse.kind != Kind::kCustomerKey && !sse.customer_key.empty())
    return Invalid(op, "customer_key is only used with SSE-C (ServerSideEncryption::Kind::kCustomerKey)");
  if (sse.kind == Kind::kNone) return Status::Ok();
  if (use != SseUse::kWrite && sse.kind != Kind::kCustomerKey)
    return Invalid(op, std::string(use == SseUse::kCopySource ? "the copy source" : "this operation") +
                           " only takes SSE-C keys; SSE-S3 and SSE-KMS are chosen when the object is written and "
                           "need nothing to read it");
  if (sse.kind == Kind::kCustomerKey) {
    if (sse.customer_key.size() != 32)
      return Invalid(op, "the SSE-C customer key must be exactly 32 raw bytes (AES-256), got " +
                             std::to_string(sse.customer_key.size()));
    if (t.endpoint.scheme != "https" && !t.allow_sse_c_over_http)
      return Invalid(op, "refusing to send an SSE-C key over plain http to " + t.endpoint.host +
                             " (it travels in a request header); use https, or set "
                             "ClientOptions::allow_sse_c_over_http for a trusted local endpoint");
    const std::string prefix = use == SseUse::kCopySource ? "x-amz-copy-source-server-side-encryption-customer-"
                                                          : "x-amz-server-side-encryption-customer-";
    r.headers.Set(prefix + "algorithm", "AES256");
    r.headers.Set(prefix + "key", Base64Encode(sse.customer_key));
    r.headers.Set(prefix + "key-MD5", Base64Encode(Md5(sse.customer_key)));
    return Status::Ok();
  }
  if (sse.kind == Kind::kS3) {
    r.headers.Set("x-amz-server-side-encryption", "AES256");
    return Status::Ok();
  }
  r.headers.Set("x-amz-server-side-encryption", sse.kind == Kind::kKmsDsse ? "aws:kms:dsse" : "aws:kms");
  if (!sse.kms_key_id.empty()) {
    S3ML_RETURN_IF_ERROR(CheckHeaderValue(sse.kms_key_id, std::string(op) + " kms_key_id"));
    r.headers.Set("x-amz-server-side-encryption-aws-kms-key-id", sse.kms_key_id);
  }
  if (!sse.kms_context_json.empty()) {
    std::string_view ctx = Trim(sse.kms_context_json);
    if (ctx.size() < 2 || ctx.front() != '{' || ctx.back() != '}')
      return Invalid(op, "kms_context_json must be a JSON object such as {\"project\":\"x\"}");
    r.headers.Set("x-amz-server-side-encryption-context", Base64Encode(ctx));
  }
  if (sse.bucket_key_enabled) r.headers.Set("x-amz-server-side-encryption-bucket-key-enabled", "true");
  return Status::Ok();
}

EncryptionInfo ParseEncryption(const Headers& h) {
  EncryptionInfo e;
  e.server_side_encryption = h.Get("x-amz-server-side-encryption");
  e.kms_key_id = h.Get("x-amz-server-side-encryption-aws-kms-key-id");
  e.kms_context = h.Get("x-amz-server-side-encryption-context");
  e.bucket_key_enabled = ToLower(h.Get("x-amz-server-side-encryption-bucket-key-enabled")) == "true";
  e.customer_algorithm = h.Get("x-amz-server-side-encryption-customer-algorithm");
  e.customer_key_md5 = h.Get("x-amz-server-side-encryption-customer-key-MD5");
  return e;
}

}  // namespace s3ml::ops

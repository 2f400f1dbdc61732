#include "mock/sse.h"

#include "common/crypto.h"

namespace s3ml::mock {

namespace {

// The parsed SSE-C headers under `prefix`: nullopt when none was sent, else the key's MD5.
Expected<std::optional<std::string>> ParseCustomerKey(const Headers& h, const std::string& prefix) {
  const std::string* alg = h.Find(prefix + "algorithm");
  const std::string* key = h.Find(prefix + "key");
  const std::string* md5 = h.Find(prefix + "key-MD5");
  if (!alg && !key && !md5) return std::optional<std::string>();
  if (!alg)
    return InvalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid "
                           "encryption algorithm.",
                           prefix + "algorithm", "null");
  if (*alg != "AES256")
    return InvalidArgument("The encryption algorithm specified is not valid.", prefix + "algorithm", *alg);
  if (!key)
    return InvalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide an "
                           "appropriate secret key.",
                           prefix + "key", "null");
  auto raw = Base64Decode(*key);
  if (!raw.ok() || raw->size() != 32)
    return InvalidArgument("The secret key was invalid for the specified algorithm.", prefix + "key", "");
  if (!md5)
    return InvalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide the "
                           "client calculated MD5 of the secret key.",
                           prefix + "key-MD5", "null");
  const std::string computed = Base64Encode(Md5(*raw));
  if (computed != *md5)
    return InvalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.",
                           prefix + "key-MD5", *md5);
  return std::optional<std::string>(computed);
}

}  // namespace

std::string MockAccountId(const std::string& access_key) {
  const std::string hex = HexEncode(Sha256("s3ml-mock-account:" + access_key));
  std::string id;
  for (char c : hex) {
    if (id.size() == 12) break;
    id.push_back(static_cast<char>('0' + (c >= 'a' ? c - 'a' + 10 : c - '0') % 10));
  }
  return id;
}

Expected<SseRecord> ParseSseWrite(const Headers& h, const std::string& region, const std::string& account) {
  SseRecord rec;
  const std::string* sse = h.Find("x-amz-server-side-encryption");
  const std::string* key_id = h.Find("x-amz-server-side-encryption-aws-kms-key-id");
  const std::string* context = h.Find("x-amz-server-side-encryption-context");
  const std::string* bucket_key = h.Find("x-amz-server-side-encryption-bucket-key-enabled");
  auto customer = ParseCustomerKey(h, kSseCustomerPrefix);
  if (!customer.ok()) return customer.error();
  if (customer->has_value()) {
    if (sse)
      return InvalidArgument("Server Side Encryption with Customer provided key is incompatible with the encryption "
                             "method specified",
                             "x-amz-server-side-encryption", *sse);
    rec.customer_key_md5 = **customer;
  }
  if (sse) {
    if (*sse != "AES256" && *sse != "aws:kms" && *sse != "aws:kms:dsse")
      return InvalidArgument("The encryption method specified is not supported", "x-amz-server-side-encryption", *sse);
    rec.algorithm = *sse;
  }
  const bool kms = rec.algorithm == "aws:kms" || rec.algorithm == "aws:kms:dsse";
  if ((key_id || context) && !kms)
    return InvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header "
                           "x-amz-server-side-encryption : aws:kms",
                           key_id ? "x-amz-server-side-encryption-aws-kms-key-id" : "x-amz-server-side-encryption-context",
                           key_id ? *key_id : *context);
  if (bucket_key && *bucket_key != "true" && *bucket_key != "false")
    return InvalidArgument("Invalid value for x-amz-server-side-encryption-bucket-key-enabled",
                           "x-amz-server-side-encryption-bucket-key-enabled", *bucket_key);
  if (kms) {
    const std::string arn_prefix = "arn:aws:kms:" + region + ":" + account + ":";
    if (!key_id || key_id->empty()) {
      // The account's AWS managed key aws/s3 (a stable id per mock account and region).
      const std::string hex = HexEncode(Sha256("aws/s3:" + region + ":" + account));
      rec.kms_key_id = arn_prefix + "key/" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                       hex.substr(16, 4) + "-" + hex.substr(20, 12);
    } else if (key_id->rfind("arn:", 0) == 0) {
      rec.kms_key_id = *key_id;
    } else if (key_id->rfind("alias/", 0) == 0) {
      rec.kms_key_id = arn_prefix + *key_id;
    } else {
      rec.kms_key_id = arn_prefix + "key/" + *key_id;
    }
    if (context) {
      auto json = Base64Decode(*context);
      const bool object = json.ok() && json->size() >= 2 && json->find('{') != std::string::npos &&
                          json->find_last_of('}') != std::string::npos &&
                          json->find_first_not_of(" \t\r\n") == json->find('{') &&
                          json->find_last_not_of(" \t\r\n") == json->find_last_of('}');
      if (!object)
        return InvalidArgument("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 "
                               "string holding JSON which represents a string-string map",
                               "x-amz-server-side-encryption-context", *context);
      rec.context = *context;
    }
    rec.bucket_key = bucket_key && *bucket_key == "true";
  }
  return rec;
}

MaybeError CheckSseCustomerKey(const Headers& h, const SseRecord& stored, const std::string& prefix) {
  auto given = ParseCustomerKey(h, prefix);
  if (!given.ok()) return given.error();
  if (stored.customer()) {
    if (!given->has_value())
      return InvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters "
                            "must be provided to retrieve the object.");
    if (**given != stored.customer_key_md5) return AccessDenied("Access Denied");
    return std::nullopt;
  }
  if (given->has_value()) return InvalidRequest("The encryption parameters are not applicable to this object.");
  return std::nullopt;
}

void AddSseResponseHeaders(std::vector<std::pair<std::string, std::string>>& headers, const SseRecord& sse,
                           bool include_context) {
  if (!sse.algorithm.empty()) headers.emplace_back("x-amz-server-side-encryption", sse.algorithm);
  if (!sse.kms_key_id.empty()) headers.emplace_back("x-amz-server-side-encryption-aws-kms-key-id", sse.kms_key_id);
  if (include_context && !sse.context.empty())
    headers.emplace_back("x-amz-server-side-encryption-context", sse.context);
  if (sse.bucket_key) headers.emplace_back("x-amz-server-side-encryption-bucket-key-enabled", "true");
  if (sse.customer()) {
    headers.emplace_back("x-amz-server-side-encryption-customer-algorithm", "AES256");
    headers.emplace_back("x-amz-server-side-encryption-customer-key-MD5", sse.customer_key_md5);
  }
}

}  // namespace s3ml::mock

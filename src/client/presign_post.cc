// Client::PresignPost: a signed browser POST form (S3's POST Object), built as
// boto3's generate_presigned_post builds it, so that a form from either is accepted
// wherever the other's is: the conditions are the bucket, the key (starts-with for a
// "${filename}" key), the caller's conditions and the signing fields; the policy is
// signed with the SigV4 signing key of the request date's scope.

#include <nlohmann/json.hpp>

#include "client/client_impl.h"
#include "common/crypto.h"
#include "common/time.h"
#include "ops/requests.h"
#include "s3ml/client.h"
#include "s3ml/encoding.h"

namespace s3ml {

using namespace client_internal;  // NOLINT: CheckObject, WithContextOnce

PostPolicyCondition PostPolicyCondition::Equals(std::string field, std::string value) {
  PostPolicyCondition c;
  c.kind = Kind::kEquals;
  c.field = std::move(field);
  c.value = std::move(value);
  return c;
}

PostPolicyCondition PostPolicyCondition::StartsWith(std::string field, std::string prefix) {
  PostPolicyCondition c;
  c.kind = Kind::kStartsWith;
  c.field = std::move(field);
  c.value = std::move(prefix);
  return c;
}

PostPolicyCondition PostPolicyCondition::ContentLengthRange(std::uint64_t min_length, std::uint64_t max_length) {
  PostPolicyCondition c;
  c.kind = Kind::kContentLengthRange;
  c.min_length = min_length;
  c.max_length = max_length;
  return c;
}

namespace {

// The policy's expiration, in the form boto3 writes it: 2007-12-01T12:00:00Z.
std::string PolicyExpiration(SystemTime t) {
  const std::string amz = FormatAmzDate(t);  // 20071201T120000Z
  return amz.substr(0, 4) + "-" + amz.substr(4, 2) + "-" + amz.substr(6, 2) + "T" + amz.substr(9, 2) + ":" +
         amz.substr(11, 2) + ":" + amz.substr(13, 2) + "Z";
}

Result<nlohmann::json> ConditionJson(const PostPolicyCondition& c) {
  switch (c.kind) {
    case PostPolicyCondition::Kind::kEquals:
    case PostPolicyCondition::Kind::kStartsWith: {
      std::string field = c.field;
      if (!field.empty() && field[0] == '$') field.erase(0, 1);
      if (field.empty()) return Status::InvalidArgument("a POST policy condition names no form field");
      return nlohmann::json::array(
          {c.kind == PostPolicyCondition::Kind::kEquals ? "eq" : "starts-with", "$" + field, c.value});
    }
    case PostPolicyCondition::Kind::kContentLengthRange:
      if (c.min_length > c.max_length)
        return Status::InvalidArgument("content-length-range minimum " + std::to_string(c.min_length) +
                                       " is above its maximum " + std::to_string(c.max_length));
      return nlohmann::json::array({"content-length-range", c.min_length, c.max_length});
  }
  return Status::InvalidArgument("unknown POST policy condition kind");
}

}  // namespace

Result<PresignedPost> Client::PresignPost(const PresignPostRequest& req) const {
  const std::string res = ops::ResourceName(req.bucket, req.key);
  S3ML_RETURN_IF_ERROR(CheckObject("PresignPost", req.bucket, req.key));
  if (req.expires.count() < 1 || req.expires.count() > 604800)
    return Status::InvalidArgument("expiry must be 1 second to 7 days (604800 s), got " +
                                   std::to_string(req.expires.count()) + " s")
        .WithContext("PresignPost", res);
  if (IsDirectoryBucket(req.bucket))
    return Status::InvalidArgument("directory buckets (S3 Express One Zone) do not take browser POST uploads")
        .WithContext("PresignPost", res);

  PresignedPost out;
  out.url = ops::NewRequest(impl_->target, "POST", req.bucket).Url();
  nlohmann::json conditions = nlohmann::json::array();
  conditions.push_back(nlohmann::json::object({{"bucket", req.bucket}}));
  constexpr std::string_view kFilename = "${filename}";
  if (req.key.size() >= kFilename.size() &&
      req.key.compare(req.key.size() - kFilename.size(), kFilename.size(), kFilename) == 0)
    conditions.push_back(
        nlohmann::json::array({"starts-with", "$key", req.key.substr(0, req.key.size() - kFilename.size())}));
  else
    conditions.push_back(nlohmann::json::object({{"key", req.key}}));
  for (const auto& c : req.conditions) {
    auto j = ConditionJson(c);
    if (!j.ok()) return j.status().WithContext("PresignPost", res);
    conditions.push_back(std::move(*j));
  }
  out.fields.emplace_back("key", req.key);
  for (const auto& f : req.fields) out.fields.push_back(f);

  // An anonymous client has nothing to sign with: its form is the key and the
  // fields (S3 accepts that for a bucket the public may write to).
  if (!impl_->credentials) return out;
  const SystemTime now = impl_->clock->Now() + impl_->executor->clock_offset();
  nlohmann::json policy = {{"expiration", PolicyExpiration(now + req.expires)}};
  {
    auto creds = impl_->ResolveCredentials();
    if (!creds.ok()) return creds.status().WithContext("PresignPost", res);
    const std::string date_stamp = FormatDateStamp(now);
    const std::string credential = creds->access_key_id + "/" +
                                   SigV4Signer::Scope(date_stamp, impl_->region, impl_->signer.service());
    const std::string amz_date = FormatAmzDate(now);
    std::vector<std::pair<std::string, std::string>> signing = {
        {"x-amz-algorithm", kSigV4Algorithm}, {"x-amz-credential", credential}, {"x-amz-date", amz_date}};
    if (!creds->session_token.empty()) signing.emplace_back("x-amz-security-token", creds->session_token);
    for (const auto& [name, value] : signing) {
      conditions.push_back(nlohmann::json::object({{name, value}}));
      out.fields.emplace_back(name, value);
    }
    policy["conditions"] = std::move(conditions);
    try {
      out.policy = policy.dump();
    } catch (const nlohmann::json::type_error&) {  // 316: a string that is not UTF-8
      return Status::InvalidArgument("a POST policy condition value is not valid UTF-8").WithContext("PresignPost", res);
    }
    const std::string policy_b64 = Base64Encode(out.policy);
    out.fields.emplace_back("policy", policy_b64);
    out.fields.emplace_back("x-amz-signature", impl_->signer.Signature(creds->secret_access_key, date_stamp,
                                                                       impl_->region, impl_->signer.service(),
                                                                       policy_b64));
  }
  return out;
}

}  // namespace s3ml

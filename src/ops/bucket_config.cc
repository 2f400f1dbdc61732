#include "ops/bucket_config.h"

#include "common/crypto.h"
#include "ops/errors.h"
#include "ops/versioning.h"
#include "ops/xml.h"

namespace s3ml::ops {

namespace {

constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

Status InvalidArgument(std::string_view op, const std::string& what) {
  return Status::InvalidArgument(std::string(op) + ": " + what);
}

HttpRequest BucketSub(const Target& t, const char* method, const std::string& bucket, const char* sub) {
  HttpRequest r = NewRequest(t, method, bucket);
  r.query.emplace_back(sub, "");
  return r;
}

// S3 requires an integrity header on these configuration writes.
void SetXmlBody(HttpRequest& r, std::string xml) {
  r.headers.Set("Content-Type", "application/xml");
  r.headers.Set("Content-MD5", Base64Encode(Md5(xml)));
  r.body = MemoryBody(std::move(xml));
}

}  // namespace

HttpRequest BuildGetBucketEncryption(const Target& t, const std::string& bucket) {
  return BucketSub(t, "GET", bucket, "encryption");
}

HttpRequest BuildDeleteBucketEncryption(const Target& t, const std::string& bucket) {
  return BucketSub(t, "DELETE", bucket, "encryption");
}

Result<HttpRequest> BuildPutBucketEncryption(const Target& t, const PutBucketEncryptionRequest& req) {
  constexpr std::string_view op = "PutBucketEncryption";
  const BucketEncryption& e = req.encryption;
  if (e.sse_algorithm.empty()) return InvalidArgument(op, "the SSE algorithm is empty");
  if (e.sse_algorithm == "AES256" && !e.kms_key_id.empty())
    return InvalidArgument(op, "a KMS key id applies only to aws:kms and aws:kms:dsse, not to AES256");
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("ServerSideEncryptionConfiguration");
  root.append_attribute("xmlns") = kS3Namespace;
  pugi::xml_node rule = root.append_child("Rule");
  pugi::xml_node apply = rule.append_child("ApplyServerSideEncryptionByDefault");
  apply.append_child("SSEAlgorithm").text() = e.sse_algorithm.c_str();
  if (!e.kms_key_id.empty()) apply.append_child("KMSMasterKeyID").text() = e.kms_key_id.c_str();
  rule.append_child("BucketKeyEnabled").text() = e.bucket_key_enabled ? "true" : "false";
  HttpRequest r = BucketSub(t, "PUT", req.bucket, "encryption");
  SetXmlBody(r, SerializeXml(doc));
  return r;
}

Result<BucketEncryption> ParseGetBucketEncryption(const HttpResponse& resp) {
  constexpr std::string_view op = "GetBucketEncryption";
  pugi::xml_document doc;
  S3ML_ASSIGN_OR_RETURN(pugi::xml_node root,
                        ParseXmlDocument(resp.body.view(), op, "ServerSideEncryptionConfiguration", resp.status, doc));
  pugi::xml_node rule = root.child("Rule");
  pugi::xml_node apply = rule.child("ApplyServerSideEncryptionByDefault");
  if (!rule || !apply) return ProtocolError(op, resp, "the configuration has no <Rule> with a default");
  BucketEncryption out;
  out.sse_algorithm = ChildText(apply, "SSEAlgorithm");
  if (out.sse_algorithm.empty()) return ProtocolError(op, resp, "the rule names no <SSEAlgorithm>");
  out.kms_key_id = ChildText(apply, "KMSMasterKeyID");
  S3ML_ASSIGN_OR_RETURN(out.bucket_key_enabled, ChildBool(rule, "BucketKeyEnabled", op));
  return out;
}

HttpRequest BuildGetBucketTagging(const Target& t, const std::string& bucket) {
  return BucketSub(t, "GET", bucket, "tagging");
}

HttpRequest BuildDeleteBucketTagging(const Target& t, const std::string& bucket) {
  return BucketSub(t, "DELETE", bucket, "tagging");
}

Result<HttpRequest> BuildPutBucketTagging(const Target& t, const PutBucketTaggingRequest& req) {
  S3ML_ASSIGN_OR_RETURN(std::string body, TaggingXml(req.tags, "PutBucketTagging"));
  HttpRequest r = BucketSub(t, "PUT", req.bucket, "tagging");
  SetXmlBody(r, std::move(body));
  return r;
}

Result<std::vector<Tag>> ParseGetBucketTagging(const HttpResponse& resp) {
  return ParseTagSet(resp, "GetBucketTagging");
}

}  // namespace s3ml::ops

// Browser POST uploads (S3's POST Object, `POST /bucket` with a multipart/form-data
// body): the form's signed policy authenticates the request (the pipeline skips the
// header/query signature check for this operation), the policy's conditions are
// checked against the form, and the file part becomes the object.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mock/post_form.h"
#include "mock/server_impl.h"
#include "s3ml/encoding.h"
#include "s3ml/express.h"

namespace s3ml::mock {

namespace {

// One signer for every server of the process: its signing-key cache is keyed by secret.
const SigV4Signer& PostSigner() {
  static const SigV4Signer signer("s3");
  return signer;
}

S3Error MissingField(const std::string& name) {
  return S3Error(400, "InvalidArgument",
                 "Bucket POST must contain a field named '" + name +
                     "'.  If it is specified, please check the order of the fields.")
      .With("ArgumentName", name)
      .With("ArgumentValue", "");
}

// The form fields PutObject takes as headers, as a header list for the shared
// attribute, encryption, storage-class and integrity readers.
Headers ObjectHeadersFromForm(const PostForm& form) {
  static const char* const kHeaderFields[] = {
      "Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language",
      "Expires",      "Content-MD5",   "x-amz-storage-class"};
  Headers h;
  for (const auto& [name, value] : form.fields) {
    const std::string lname = ToLower(name);
    bool take = lname.rfind("x-amz-meta-", 0) == 0 || lname.rfind("x-amz-checksum-", 0) == 0 ||
                lname.rfind("x-amz-server-side-encryption", 0) == 0;
    for (const char* f : kHeaderFields) take = take || EqualsIgnoreCase(lname, f);
    if (take) h.Add(name, value);
  }
  return h;
}

// The signature of a Signature Version 4 form: HMAC-SHA256 of the base64 policy
// with the signing key of the credential's scope.
MaybeError CheckFormSignature(const PostForm& form, const std::string& policy_b64, const MockS3Options& options) {
  for (const char* name : {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"})
    if (!form.Find(name)) return MissingField(name);
  const std::string& algorithm = *form.Find("x-amz-algorithm");
  if (algorithm != kSigV4Algorithm)
    return S3Error(400, "InvalidArgument", "Unsupported algorithm '" + algorithm + "': use AWS4-HMAC-SHA256")
        .With("ArgumentName", "x-amz-algorithm")
        .With("ArgumentValue", algorithm);
  const std::string& credential = *form.Find("x-amz-credential");
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    auto slash = credential.find('/', start);
    parts.push_back(credential.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[1].size() != 8)
    return S3Error(400, "InvalidArgument",
                   "Invalid credential '" + credential + "': expected <key>/<yyyymmdd>/<region>/s3/aws4_request")
        .With("ArgumentName", "x-amz-credential")
        .With("ArgumentValue", credential);
  if (parts[0] != options.access_key)
    return S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        .With("AWSAccessKeyId", parts[0]);
  const std::string expected = PostSigner().Signature(options.secret_key, parts[1], parts[2], parts[3], policy_b64);
  const std::string& provided = *form.Find("x-amz-signature");
  if (provided != expected)
    return S3Error(403, "SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you provided. Check your key "
                   "and signing method.")
        .With("AWSAccessKeyId", parts[0])
        .With("StringToSign", policy_b64)
        .With("SignatureProvided", provided);
  return std::nullopt;
}

// A Signature Version 2 form (boto3's generate_presigned_post unless told to use
// s3v4): `signature` = base64 HMAC-SHA1 of the base64 policy with the secret key.
MaybeError CheckFormSignatureV2(const PostForm& form, const std::string& policy_b64, const MockS3Options& options) {
  if (!form.Find("signature")) return MissingField("signature");
  const std::string& access_key = *form.Find("AWSAccessKeyId");
  if (access_key != options.access_key)
    return S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        .With("AWSAccessKeyId", access_key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), options.secret_key.data(), static_cast<int>(options.secret_key.size()),
       reinterpret_cast<const unsigned char*>(policy_b64.data()), policy_b64.size(), mac, &mac_len);
  const std::string expected = Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
  const std::string& provided = *form.Find("signature");
  if (provided != expected)
    return S3Error(403, "SignatureDoesNotMatch",
                   "The request signature we calculated does not match the signature you provided. Check your key "
                   "and signing method.")
        .With("AWSAccessKeyId", access_key)
        .With("StringToSign", policy_b64)
        .With("SignatureProvided", provided);
  return std::nullopt;
}

}  // namespace

Expected<Reply> MockS3Server::Impl::PostObject(Call& c) {
  if (IsDirectoryBucket(c.r.bucket))  // S3 Express One Zone has no browser uploads
    return S3Error(501, "NotImplemented",
                   "A header you provided implies functionality that is not implemented: PostObject is not supported "
                   "for directory buckets.");
  auto form = ParsePostForm(c.headers.Get("Content-Type"), c.payload);
  if (!form.ok()) return form.error();
  const std::string* key_field = form->Find("key");
  if (!key_field) return MissingField("key");
  // "The variable ${filename} is automatically replaced with the name of the file
  // provided by the user and is recognized by all form fields."
  std::string key = *key_field;
  constexpr std::string_view kFilename = "${filename}";
  for (std::size_t at = 0; (at = key.find(kFilename, at)) != std::string::npos; at += form->filename.size())
    key.replace(at, kFilename.size(), form->filename);  // a filename containing ${filename} is not expanded again
  if (key.empty())
    return S3Error(400, "InvalidArgument", "User key must have a length greater than 0.")
        .With("ArgumentName", "key")
        .With("ArgumentValue", "");
  if (auto err = CheckKeyLength(key)) return *err;

  const bool v2 = form->Find("AWSAccessKeyId") != nullptr;
  const std::string* policy_b64 = form->Find("policy");
  if (!policy_b64) {
    if (form->Find("x-amz-signature") || v2 || form->Find("signature")) return MissingField("policy");
    // Without a policy the request is anonymous.
    if (options.verify_signatures && !options.allow_anonymous) return S3Error(403, "AccessDenied", "Access Denied");
  } else {
    if (options.verify_signatures) {
      if (auto err = v2 ? CheckFormSignatureV2(*form, *policy_b64, options)
                        : CheckFormSignature(*form, *policy_b64, options))
        return *err;
    }
    auto policy = Base64Decode(*policy_b64);
    if (!policy.ok())
      return S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Base64 encoding of the policy field.");
    // The policy's expiration is set by the client from its wall clock, so it is checked
    // against the clock signatures are checked against (as presigned URLs are), not the
    // mock clock that AdvanceTime() moves for lifecycle rules.
    if (auto err = CheckPostPolicy(*policy, *form, c.r.bucket, key, form->file_size, SystemClock().Now())) return *err;
  }

  const Headers h = ObjectHeadersFromForm(*form);
  const std::string_view file(c.payload.data() + form->file_offset, form->file_size);
  auto supplied = VerifyIntegrityHeaders(h, file);
  if (!supplied.ok()) return supplied.error();
  auto obj = std::make_shared<ObjectRecord>();
  if (auto err = FillAttributesFromHeaders(h, *obj)) return *err;
  {
    auto sse = ParseSseWrite(h, options.region, MockAccountId(options.access_key));
    if (!sse.ok()) return sse.error();
    obj->sse = std::move(*sse);
  }
  if (auto err = ReadStorageClassAndTags(h, *obj)) return *err;
  if (const std::string* tagging = form->Find("tagging")) {  // a <Tagging> document, as PutObjectTagging takes
    auto tags = ParseTaggingXml(*tagging);
    if (!tags.ok()) return tags.error();
    obj->tags = std::move(*tags);
  }
  for (const auto& [alg, value] : *supplied) obj->checksums[alg] = value;
  obj->etag = "\"" + HexEncode(Md5(file)) + "\"";
  obj->last_modified = WholeSeconds(c.now);
  obj->body = std::make_shared<const std::string>(file);
  const std::string etag = obj->etag;
  std::string version_id;
  if (auto err = store.PutObject(c.r.bucket, key, std::move(obj), {}, &version_id)) return *err;

  Reply reply;
  reply.Header("ETag", etag);
  if (!version_id.empty()) reply.Header("x-amz-version-id", version_id);
  const std::string host = c.headers.Get("Host", "localhost");
  const std::string location = c.r.virtual_hosted ? "http://" + host + "/" + UriEncode(key, false)
                                                  : "http://" + host + "/" + c.r.bucket + "/" + UriEncode(key, false);
  // "success_action_redirect: The URL to which the client is redirected upon
  // successful upload. Amazon S3 appends the bucket, key, and etag values as query
  // string parameters to the URL."
  const std::string* redirect = form->Find("success_action_redirect");
  if (!redirect) redirect = form->Find("redirect");
  if (redirect && (redirect->rfind("http://", 0) == 0 || redirect->rfind("https://", 0) == 0)) {
    const std::string sep = redirect->find('?') == std::string::npos ? "?" : "&";
    reply.status = 303;
    reply.Header("Location", *redirect + sep + "bucket=" + UriEncode(c.r.bucket) + "&key=" + UriEncode(key) +
                                 "&etag=" + UriEncode(etag));
    return reply;
  }
  reply.Header("Location", location);
  // "If the value is set to 200 or 204, Amazon S3 returns an empty document with a
  // 200 or 204 status code. If the value is set to 201, Amazon S3 returns an XML
  // document with a 201 status code. If the value is not set or if it is set to an
  // invalid value, Amazon S3 returns an empty document with a 204 status code."
  const std::string status = form->Find("success_action_status") ? *form->Find("success_action_status") : "";
  if (status == "200") {
    reply.status = 200;
  } else if (status == "201") {
    reply.status = 201;
    XmlWriter w("PostResponse", /*with_namespace=*/false);
    AddText(w.root(), "Location", location);
    AddText(w.root(), "Bucket", c.r.bucket);
    AddText(w.root(), "Key", key);
    AddText(w.root(), "ETag", etag);
    reply.Xml(w.str());
  } else {
    reply.status = 204;
  }
  return reply;
}

}  // namespace s3ml::mock

// Browser POST uploads: forms from Client::PresignPost posted as multipart/form-data
// (as a browser posts them) to the test endpoint ([portable]: the in-process mock,
// or S3ML_TEST_ENDPOINT such as moto), and the mock's checks of the POST policy.
// S3 API reference: "POST Object" and "POST Policy" (sigv4-HTTPPOSTConstructPolicy).

#include <httplib.h>

#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "client/client_impl.h"
#include "support/fake_clock.h"
#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

struct FormFile {
  std::string content;
  std::string filename = "upload.bin";
};

struct Posted {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // <Code> of an S3 error body.
  std::string Code() const {
    auto b = body.find("<Code>"), e = body.find("</Code>");
    return b == std::string::npos || e == std::string::npos ? std::string() : body.substr(b + 6, e - b - 6);
  }
  std::string Message() const {
    auto b = body.find("<Message>"), e = body.find("</Message>");
    return b == std::string::npos || e == std::string::npos ? std::string() : body.substr(b + 9, e - b - 9);
  }
};

// Posts `fields` then the file (in that order, as the form lists them) to `url`.
Posted PostForm(const std::string& url, const std::vector<std::pair<std::string, std::string>>& fields,
                const FormFile& file) {
  const auto scheme_end = url.find("://");
  REQUIRE(scheme_end != std::string::npos);
  const auto path_start = url.find('/', scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client http(origin);
  http.set_connection_timeout(10);
  http.set_read_timeout(30);
  httplib::MultipartFormDataItems items;
  for (const auto& [name, value] : fields) items.push_back({name, value, "", ""});
  items.push_back({"file", file.content, file.filename, "application/octet-stream"});
  auto res = http.Post(path.c_str(), items);
  REQUIRE(res);
  return Posted{res->status, res->body, res->headers};
}

Posted PostForm(const PresignedPost& form, const FormFile& file) { return PostForm(form.url, form.fields, file); }

PresignedPost Presign(const Client& c, const PresignPostRequest& req) {
  auto form = c.PresignPost(req);
  INFO(form.status().ToString());
  REQUIRE(form.ok());
  return *form;
}

PresignPostRequest PostReq(const std::string& bucket, const std::string& key) {
  PresignPostRequest req;
  req.bucket = bucket;
  req.key = key;
  return req;
}

std::string Body(const Client& c, const std::string& bucket, const std::string& key) {
  auto got = c.GetObject(GetReq(bucket, key));
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  return got->body.str();
}

// A field of a form replaced (or added).
std::vector<std::pair<std::string, std::string>> WithField(std::vector<std::pair<std::string, std::string>> fields,
                                                           const std::string& name, const std::string& value) {
  for (auto& [n, v] : fields)
    if (n == name) {
      v = value;
      return fields;
    }
  // before the policy, as a form would carry it
  fields.insert(fields.begin() + 1, {name, value});
  return fields;
}

}  // namespace

TEST_CASE("PostObject: a PresignPost form stores the file under its key", "[portable][post]") {
  Client c = PortableClient();
  ScopedBucket bucket(c, "post");
  const PresignedPost form = Presign(c, PostReq(bucket.name(), "uploads/data.bin"));
  // "If the value is not set or if it is set to an invalid value, Amazon S3 returns
  // an empty document with a 204 status code."
  const Posted posted = PostForm(form, {"posted bytes"});
  INFO(posted.body);
  CHECK(posted.status == 204);
  CHECK(Body(c, bucket.name(), "uploads/data.bin") == "posted bytes");
}

TEST_CASE("PostObject: the Content-Type and x-amz-meta-* fields become the object's, and the answer has its ETag",
          "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postattr");
  // "Parameters that are passed to PUT through HTTP headers are instead passed as
  // form fields to POST in the multipart/form-data encoded message body."
  PresignPostRequest req = PostReq(bucket.name(), "uploads/report.csv");
  req.fields = {{"Content-Type", "text/csv"}, {"x-amz-meta-origin", "browser"}};
  req.conditions = {PostPolicyCondition::StartsWith("Content-Type", "text/"),
                    PostPolicyCondition::Equals("x-amz-meta-origin", "browser")};
  const Posted posted = PostForm(Presign(c, req), {"a,b\n1,2\n"});
  INFO(posted.body);
  CHECK(posted.status == 204);
  CHECK(posted.Header("ETag") == "\"" + HexEncode(Md5("a,b\n1,2\n")) + "\"");
  CHECK(Body(c, bucket.name(), "uploads/report.csv") == "a,b\n1,2\n");
  auto head = c.HeadObject(HeadReq(bucket.name(), "uploads/report.csv"));
  REQUIRE(head.ok());
  CHECK(head->content_type == "text/csv");
  CHECK(head->metadata["origin"] == "browser");
}

TEST_CASE("PostObject: success_action_status 201 answers a PostResponse document, 200 an empty 200", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "post201");
  // "If the value is set to 201, Amazon S3 returns an XML document with a 201 status code."
  PresignPostRequest req = PostReq(bucket.name(), "k201");
  req.fields = {{"success_action_status", "201"}};
  req.conditions = {PostPolicyCondition::Equals("success_action_status", "201")};
  Posted created = PostForm(Presign(c, req), {"twenty-one"});
  INFO(created.body);
  CHECK(created.status == 201);
  CHECK(created.body.find("<PostResponse>") != std::string::npos);
  CHECK(created.body.find("<Key>k201</Key>") != std::string::npos);
  CHECK(created.body.find("<Bucket>" + bucket.name() + "</Bucket>") != std::string::npos);
  CHECK(created.body.find(HexEncode(Md5("twenty-one"))) != std::string::npos);

  // "If the value is set to 200 or 204, Amazon S3 returns an empty document with a
  // 200 or 204 status code."
  req = PostReq(bucket.name(), "k200");
  req.fields = {{"success_action_status", "200"}};
  req.conditions = {PostPolicyCondition::Equals("success_action_status", "200")};
  Posted ok = PostForm(Presign(c, req), {"two hundred"});
  CHECK(ok.status == 200);
  CHECK(ok.body.empty());
  CHECK(Body(c, bucket.name(), "k200") == "two hundred");
}

TEST_CASE("PostObject: success_action_redirect answers 303 to the URL with bucket, key and etag", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postredir");
  // "The URL to which the client is redirected upon successful upload. Amazon S3
  // appends the bucket, key, and etag values as query string parameters to the URL."
  PresignPostRequest req = PostReq(bucket.name(), "r.txt");
  req.fields = {{"success_action_redirect", "https://example.com/done?x=1"}};
  req.conditions = {PostPolicyCondition::StartsWith("success_action_redirect", "https://example.com/")};
  const Posted posted = PostForm(Presign(c, req), {"redirected"});
  CHECK(posted.status == 303);
  // httplib's client URL-decodes header values: the etag's quotes arrive decoded here
  // (tests/interop/test_post_boto3.py checks the encoded Location with requests).
  CHECK(posted.Header("Location") == "https://example.com/done?x=1&bucket=" + bucket.name() +
                                         "&key=r.txt&etag=\"" + HexEncode(Md5("redirected")) + "\"");
  CHECK(Body(c, bucket.name(), "r.txt") == "redirected");
}

TEST_CASE("PostObject: a ${filename} key takes the uploaded file's name under the starts-with prefix", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postname");
  // "The variable ${filename} is automatically replaced with the name of the file
  // provided by the user and is recognized by all form fields."
  const PresignedPost form = Presign(c, PostReq(bucket.name(), "user/eric/${filename}"));
  CHECK(form.policy.find(R"(["starts-with","$key","user/eric/"])") != std::string::npos);
  const Posted posted = PostForm(form, {"photo bytes", "photo.jpg"});
  INFO(posted.body);
  CHECK(posted.status == 204);
  CHECK(Body(c, bucket.name(), "user/eric/photo.jpg") == "photo bytes");
  // A file named "${filename}" is taken literally (the expansion is not repeated).
  CHECK(PostForm(form, {"literal", "${filename}"}).status == 204);
  CHECK(Body(c, bucket.name(), "user/eric/${filename}") == "literal");
}

TEST_CASE("PostObject: a form field that no policy condition covers is refused with 403 AccessDenied", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postextra");
  // "Each form field that you specify in a form (except x-amz-signature, file,
  // policy, and field names that have an x-ignore- prefix) must appear in the list
  // of conditions."
  PresignPostRequest req = PostReq(bucket.name(), "extra");
  req.fields = {{"Content-Type", "text/plain"}, {"x-ignore-note", "not checked"}};
  const Posted posted = PostForm(Presign(c, req), {"x"});
  CHECK(posted.status == 403);
  CHECK(posted.Code() == "AccessDenied");
  CHECK(posted.Message() == "Invalid according to Policy: Extra input fields: Content-Type");
  CHECK_FALSE(c.HeadObject(HeadReq(bucket.name(), "extra")).ok());

  // Covered by a condition (and x-ignore- exempt), the same form is accepted.
  req.conditions = {PostPolicyCondition::Equals("Content-Type", "text/plain")};
  CHECK(PostForm(Presign(c, req), {"x"}).status == 204);
}

TEST_CASE("PostObject: a failed eq or starts-with condition is refused naming the condition", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postcond");
  // "Exact Matches: Exact matches verify that fields match specific values."
  PresignPostRequest req = PostReq(bucket.name(), "c");
  req.fields = {{"x-amz-meta-tag", "blue"}, {"Content-Type", "text/plain"}};
  req.conditions = {PostPolicyCondition::Equals("x-amz-meta-tag", "red"),
                    PostPolicyCondition::StartsWith("Content-Type", "")};
  Posted eq = PostForm(Presign(c, req), {"x"});
  CHECK(eq.status == 403);
  CHECK(eq.Message() == R"(Invalid according to Policy: Policy Condition failed: ["eq","$x-amz-meta-tag","red"])");

  // "Starts With: If the value must start with a certain value, use starts-with."
  req.conditions = {PostPolicyCondition::Equals("x-amz-meta-tag", "blue"),
                    PostPolicyCondition::StartsWith("Content-Type", "image/")};
  Posted sw = PostForm(Presign(c, req), {"x"});
  CHECK(sw.status == 403);
  CHECK(sw.Message() ==
        R"(Invalid according to Policy: Policy Condition failed: ["starts-with","$Content-Type","image/"])");

  // The key is a condition too: a form whose key field was changed no longer matches.
  const PresignedPost form = Presign(c, PostReq(bucket.name(), "allowed"));
  Posted key = PostForm(form.url, WithField(form.fields, "key", "elsewhere"), {"x"});
  CHECK(key.status == 403);
  CHECK(key.Message() == R"(Invalid according to Policy: Policy Condition failed: ["eq","$key","allowed"])");
  CHECK_FALSE(c.HeadObject(HeadReq(bucket.name(), "elsewhere")).ok());
}

TEST_CASE("PostObject: content-length-range refuses a file too large (EntityTooLarge) or too small (EntityTooSmall)",
          "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postlen");
  // "content-length-range: The minimum and maximum allowable size for the uploaded content."
  PresignPostRequest req = PostReq(bucket.name(), "sized");
  req.conditions = {PostPolicyCondition::ContentLengthRange(2, 5)};
  const PresignedPost form = Presign(c, req);
  Posted large = PostForm(form, {"123456"});
  CHECK(large.status == 400);
  CHECK(large.Code() == "EntityTooLarge");
  Posted small = PostForm(form, {"1"});
  CHECK(small.status == 400);
  CHECK(small.Code() == "EntityTooSmall");
  CHECK(PostForm(form, {"12345"}).status == 204);
  CHECK(PostForm(form, {"12"}).status == 204);
}

TEST_CASE("PostObject: a form posted after its policy's expiration is refused with 403 AccessDenied", "[post]") {
  auto server = StartMock();
  // A client whose clock is 3 minutes behind signs a policy that expired 2 minutes ago.
  FakeClock behind(std::chrono::system_clock::now() - std::chrono::minutes(3));
  ClientDependencies deps;
  deps.clock = &behind;
  auto made = Client::Impl::Create(MockOptions(*server), deps);
  REQUIRE(made.ok());
  Client c = *made;
  ScopedBucket bucket(c, "postexp");
  // "The expiration element specifies the expiration date and time of the POST
  // policy in ISO8601 GMT date format."
  PresignPostRequest req = PostReq(bucket.name(), "late");
  req.expires = std::chrono::seconds(60);
  const PresignedPost form = Presign(c, req);
  Posted late = PostForm(form, {"x"});
  CHECK(late.status == 403);
  CHECK(late.Code() == "AccessDenied");
  CHECK(late.Message() == "Invalid according to Policy: Policy expired.");
}

TEST_CASE("PostObject: a changed policy or a wrong secret fails the signature check (403 SignatureDoesNotMatch)",
          "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postsig");
  const PresignedPost form = Presign(c, PostReq(bucket.name(), "signed"));

  // A policy widened by the poster (any key) keeps the old signature.
  std::string widened = form.policy;
  const std::string exact = R"({"key":"signed"})";
  REQUIRE(widened.find(exact) != std::string::npos);
  widened.replace(widened.find(exact), exact.size(), R"(["starts-with","$key",""])");
  auto fields = WithField(form.fields, "policy", Base64Encode(widened));
  Posted changed = PostForm(form.url, WithField(fields, "key", "anything"), {"x"});
  CHECK(changed.status == 403);
  CHECK(changed.Code() == "SignatureDoesNotMatch");

  ClientOptions wrong = MockOptions(*server);
  wrong.credentials->secret_access_key = "not-the-secret";
  Posted bad_secret = PostForm(Presign(MakeClient(wrong), PostReq(bucket.name(), "signed")), {"x"});
  CHECK(bad_secret.status == 403);
  CHECK(bad_secret.Code() == "SignatureDoesNotMatch");

  ClientOptions unknown = MockOptions(*server);
  unknown.credentials->access_key_id = "AKIAUNKNOWN";
  Posted bad_key = PostForm(Presign(MakeClient(unknown), PostReq(bucket.name(), "signed")), {"x"});
  CHECK(bad_key.status == 403);
  CHECK(bad_key.Code() == "InvalidAccessKeyId");
  CHECK_FALSE(c.HeadObject(HeadReq(bucket.name(), "signed")).ok());
}

TEST_CASE("PostObject: malformed forms are refused: not multipart, no file, no key, fields too large", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postbad");
  const PresignedPost form = Presign(c, PostReq(bucket.name(), "k"));
  httplib::Client http(server->endpoint_url());

  // "Bucket POST must be of the enclosure-type multipart/form-data"
  auto urlencoded = http.Post(("/" + bucket.name()).c_str(), "key=k", "application/x-www-form-urlencoded");
  REQUIRE(urlencoded);
  CHECK(urlencoded->status == 412);
  CHECK(urlencoded->body.find("<Code>PreconditionFailed</Code>") != std::string::npos);

  // "POST requires exactly one file upload per request."
  httplib::MultipartFormDataItems no_file;
  for (const auto& [name, value] : form.fields) no_file.push_back({name, value, "", ""});
  auto missing_file = http.Post(("/" + bucket.name()).c_str(), no_file);
  REQUIRE(missing_file);
  CHECK(missing_file->status == 400);
  CHECK(missing_file->body.find("<Code>InvalidArgument</Code>") != std::string::npos);

  // The file must be the last field: a key after it is not read.
  httplib::MultipartFormDataItems key_last;
  for (const auto& [name, value] : form.fields)
    if (name != "key") key_last.push_back({name, value, "", ""});
  key_last.push_back({"file", "x", "x.bin", ""});
  key_last.push_back({"key", "k", "", ""});
  auto late_key = http.Post(("/" + bucket.name()).c_str(), key_last);
  REQUIRE(late_key);
  CHECK(late_key->status == 400);
  CHECK(late_key->body.find("Bucket POST must contain a field named 'key'") != std::string::npos);

  // Fields before the file are limited to 20 KiB.
  Posted big = PostForm(form.url, WithField(form.fields, "x-ignore-padding", std::string(21 * 1024, 'p')), {"x"});
  CHECK(big.status == 400);
  CHECK(big.Code() == "MaxPostPreDataLengthExceeded");
  CHECK_FALSE(c.HeadObject(HeadReq(bucket.name(), "k")).ok());
}

TEST_CASE("PostObject: a form without a policy is anonymous: refused unless the server allows anonymous requests",
          "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket bucket(c, "postanon");
  Posted anon = PostForm(server->endpoint_url() + "/" + bucket.name(), {{"key", "a"}}, {"x"});
  CHECK(anon.status == 403);
  CHECK(anon.Code() == "AccessDenied");

  mock::MockS3Options open;
  open.allow_anonymous = true;
  auto open_server = StartMock(open);
  Client oc = MakeClient(MockOptions(*open_server));
  ScopedBucket open_bucket(oc, "postanon");
  CHECK(PostForm(open_server->endpoint_url() + "/" + open_bucket.name(), {{"key", "a"}}, {"public"}).status == 204);
  CHECK(Body(oc, open_bucket.name(), "a") == "public");
}

TEST_CASE("PresignPost: invalid inputs fail before any request (kInvalidArgument)", "[post]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  PresignPostRequest req = PostReq("bucket", "k");
  req.expires = std::chrono::seconds(0);
  CHECK(c.PresignPost(req).status().category() == ErrorCategory::kInvalidArgument);
  req = PostReq("bucket", "k");
  req.conditions = {PostPolicyCondition::ContentLengthRange(10, 1)};
  CHECK(c.PresignPost(req).status().category() == ErrorCategory::kInvalidArgument);
  req = PostReq("bucket", "k");
  req.conditions = {PostPolicyCondition::Equals("", "v")};
  CHECK(c.PresignPost(req).status().category() == ErrorCategory::kInvalidArgument);
  CHECK(c.PresignPost(PostReq("bucket", "")).status().category() == ErrorCategory::kInvalidArgument);
  CHECK(c.PresignPost(PostReq("dir--use1-az4--x-s3", "k")).status().category() == ErrorCategory::kInvalidArgument);
}

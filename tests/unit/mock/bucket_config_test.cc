// Bucket settings in the mock: default encryption, bucket tagging, Object Ownership,
// Block Public Access, ACLs (canned, header grants, XML), anonymous access and CORS.
// Each behaviour quotes the S3 API reference / user guide sentence it follows.

#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

constexpr const char* kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";

struct Fixture {
  explicit Fixture(const std::string& bucket = "cfg") : server(StartServer()), c(*server), b(bucket) {
    REQUIRE(c.CreateBucket(b).status == 200);
  }

  // A bucket sub-resource request (?encryption, ?tagging, ...), signed.
  Response Sub(const std::string& method, const std::string& sub, std::string body = {},
               std::vector<std::pair<std::string, std::string>> headers = {}, const std::string& key = {}) const {
    Request r;
    r.method = method;
    r.path = key.empty() ? "/" + b : ObjPath(b, key);
    r.query = {{sub, ""}};
    r.headers = std::move(headers);
    r.body = std::move(body);
    return c.Send(r);
  }
  Response WithMd5(const std::string& method, const std::string& sub, const std::string& body) const {
    return Sub(method, sub, body, {{"Content-MD5", Base64Encode(Md5(body))}});
  }
  Response Anonymous(const std::string& method, const std::string& path,
                     std::vector<std::pair<std::string, std::string>> query = {}, std::string body = {},
                     std::vector<std::pair<std::string, std::string>> headers = {}) const {
    Request r;
    r.method = method;
    r.path = path;
    r.query = std::move(query);
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.sign = Sign::kNone;
    return c.Send(r);
  }
  // Object Ownership ObjectWriter and no Block Public Access: what a bucket needs before
  // an ACL can make anything public.
  void EnablePublicAcls() const {
    REQUIRE(Sub("PUT", "ownershipControls",
                "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>")
                .status == 200);
    REQUIRE(Sub("DELETE", "publicAccessBlock").status == 204);
  }

  std::unique_ptr<MockS3Server> server;
  Client c;
  std::string b;
};

std::string EncryptionXml(const std::string& algorithm, const std::string& key_id = {}, bool bucket_key = false) {
  std::string s = "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>" +
                  algorithm + "</SSEAlgorithm>";
  if (!key_id.empty()) s += "<KMSMasterKeyID>" + key_id + "</KMSMasterKeyID>";
  s += "</ApplyServerSideEncryptionByDefault>";
  if (bucket_key) s += "<BucketKeyEnabled>true</BucketKeyEnabled>";
  return s + "</Rule></ServerSideEncryptionConfiguration>";
}

std::string GrantXml(const std::string& owner_id, const std::string& grantee_xml, const std::string& permission) {
  return "<AccessControlPolicy><Owner><ID>" + owner_id +
         "</ID></Owner><AccessControlList><Grant><Grantee "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" " +
         grantee_xml + "</Grantee><Permission>" + permission + "</Permission></Grant></AccessControlList></AccessControlPolicy>";
}

}  // namespace

// ---- default encryption --------------------------------------------------------------

TEST_CASE("BucketEncryption: a new bucket reports SSE-S3 and encrypts new objects with it") {
  // GetBucketEncryption: "By default, all buckets have a default encryption configuration
  // that uses server-side encryption with Amazon S3 managed keys (SSE-S3)."
  Fixture f;
  auto get = f.Sub("GET", "encryption");
  REQUIRE(get.status == 200);
  CHECK(get.Xml("/ServerSideEncryptionConfiguration/Rule/ApplyServerSideEncryptionByDefault/SSEAlgorithm") ==
        "AES256");
  CHECK(get.Xml("/ServerSideEncryptionConfiguration/Rule/BucketKeyEnabled") == "false");
  auto put = f.c.Put(ObjPath(f.b, "k"), "data");
  CHECK(put.Header("x-amz-server-side-encryption") == "AES256");
  CHECK(f.c.Head(ObjPath(f.b, "k")).Header("x-amz-server-side-encryption") == "AES256");
}

TEST_CASE("BucketEncryption: an SSE-KMS default applies to PutObject, CopyObject and multipart uploads without SSE headers") {
  Fixture f;
  auto put_cfg = f.Sub("PUT", "encryption", EncryptionXml("aws:kms", "alias/datasets", true));
  INFO(put_cfg.body);
  REQUIRE(put_cfg.status == 200);
  auto get = f.Sub("GET", "encryption");
  CHECK(get.Xml("//SSEAlgorithm") == "aws:kms");
  CHECK(get.Xml("//KMSMasterKeyID") == "alias/datasets");
  CHECK(get.Xml("//BucketKeyEnabled") == "true");

  auto put = f.c.Put(ObjPath(f.b, "k"), "data");
  CHECK(put.Header("x-amz-server-side-encryption") == "aws:kms");
  CHECK(put.Header("x-amz-server-side-encryption-aws-kms-key-id").find(":alias/datasets") != std::string::npos);
  CHECK(put.Header("x-amz-server-side-encryption-bucket-key-enabled") == "true");
  auto head = f.c.Head(ObjPath(f.b, "k"));
  CHECK(head.Header("x-amz-server-side-encryption") == "aws:kms");

  // An explicit header wins over the default.
  CHECK(f.c.Put(ObjPath(f.b, "explicit"), "d", {{"x-amz-server-side-encryption", "AES256"}})
            .Header("x-amz-server-side-encryption") == "AES256");

  auto copy = f.c.Put(ObjPath(f.b, "copy"), "", {{"x-amz-copy-source", "/" + f.b + "/explicit"}});
  REQUIRE(copy.status == 200);
  CHECK(copy.Header("x-amz-server-side-encryption") == "aws:kms");

  Request create;
  create.method = "POST";
  create.path = ObjPath(f.b, "mpu");
  create.query = {{"uploads", ""}};
  auto mpu = f.c.Send(create);
  REQUIRE(mpu.status == 200);
  CHECK(mpu.Header("x-amz-server-side-encryption") == "aws:kms");

  // DeleteBucketEncryption: "resets the default encryption for the bucket as server-side
  // encryption with Amazon S3 managed keys (SSE-S3)."
  CHECK(f.Sub("DELETE", "encryption").status == 204);
  CHECK(f.Sub("GET", "encryption").Xml("//SSEAlgorithm") == "AES256");
  CHECK(f.c.Put(ObjPath(f.b, "after"), "d").Header("x-amz-server-side-encryption") == "AES256");
}

TEST_CASE("BucketEncryption: malformed configurations are refused with S3's codes") {
  Fixture f;
  CHECK(f.Sub("PUT", "encryption", EncryptionXml("ROT13")).Xml("/Error/Code") == "MalformedXML");
  CHECK(f.Sub("PUT", "encryption", "<ServerSideEncryptionConfiguration/>").Xml("/Error/Code") == "MalformedXML");
  auto key_with_aes = f.Sub("PUT", "encryption", EncryptionXml("AES256", "some-key"));
  CHECK(key_with_aes.status == 400);
  CHECK(key_with_aes.Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.Sub("GET", "encryption").Xml("//SSEAlgorithm") == "AES256");  // unchanged
  Request missing;
  missing.path = "/nosuchbucket";
  missing.query = {{"encryption", ""}};
  CHECK(f.c.Send(missing).Xml("/Error/Code") == "NoSuchBucket");
}

// ---- bucket tagging ------------------------------------------------------------------

TEST_CASE("BucketTagging: Put/Get/Delete round-trip; a bucket without tags answers NoSuchTagSet") {
  // GetBucketTagging: "NoSuchTagSetError - There is no tag set associated with the bucket."
  Fixture f;
  auto none = f.Sub("GET", "tagging");
  CHECK(none.status == 404);
  CHECK(none.Xml("/Error/Code") == "NoSuchTagSet");
  auto put = f.Sub("PUT", "tagging",
                   "<Tagging><TagSet><Tag><Key>team</Key><Value>ml</Value></Tag>"
                   "<Tag><Key>cost-center</Key><Value>42</Value></Tag></TagSet></Tagging>");
  INFO(put.body);
  CHECK(put.status == 204);
  auto got = f.Sub("GET", "tagging");
  CHECK(got.XmlAll("/Tagging/TagSet/Tag/Key") == std::vector<std::string>{"cost-center", "team"});
  CHECK(got.XmlAll("/Tagging/TagSet/Tag/Value") == std::vector<std::string>{"42", "ml"});
  CHECK(f.Sub("DELETE", "tagging").status == 204);
  CHECK(f.Sub("GET", "tagging").Xml("/Error/Code") == "NoSuchTagSet");
}

TEST_CASE("BucketTagging: 50 tags are allowed, 51 and aws: keys are InvalidTag") {
  Fixture f;
  auto tags = [](int n, const std::string& prefix) {
    std::string s = "<Tagging><TagSet>";
    for (int i = 0; i < n; ++i)
      s += "<Tag><Key>" + prefix + std::to_string(i) + "</Key><Value>v</Value></Tag>";
    return s + "</TagSet></Tagging>";
  };
  CHECK(f.Sub("PUT", "tagging", tags(50, "k")).status == 204);
  auto too_many = f.Sub("PUT", "tagging", tags(51, "k"));
  CHECK(too_many.status == 400);
  CHECK(too_many.Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Sub("PUT", "tagging", tags(1, "aws:")).Xml("/Error/Code") == "InvalidTag");
  CHECK(f.Sub("PUT", "tagging", "<Tagging>").Xml("/Error/Code") == "MalformedXML");
  CHECK(f.Sub("GET", "tagging").XmlAll("/Tagging/TagSet/Tag").size() == 50);  // the failed puts changed nothing
}

// ---- Object Ownership and ACLs ---------------------------------------------------------

TEST_CASE("Ownership: a new bucket is BucketOwnerEnforced and refuses ACLs other than the owner's full control") {
  // "Requests to set ACLs or update ACLs fail with a 400 error and return the
  // AccessControlListNotSupported error code. Requests to read ACLs are still supported."
  Fixture f;
  auto ctl = f.Sub("GET", "ownershipControls");
  REQUIRE(ctl.status == 200);
  CHECK(ctl.Xml("/OwnershipControls/Rule/ObjectOwnership") == "BucketOwnerEnforced");

  auto public_put = f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "public-read"}});
  CHECK(public_put.status == 400);
  CHECK(public_put.Xml("/Error/Code") == "AccessControlListNotSupported");
  // "Buckets that use this setting only accept PUT requests that don't specify an ACL or
  // PUT requests that specify bucket owner full control ACLs".
  CHECK(f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "bucket-owner-full-control"}}).status == 200);
  CHECK(f.Sub("PUT", "acl", {}, {{"x-amz-acl", "public-read"}}).Xml("/Error/Code") ==
        "AccessControlListNotSupported");
  CHECK(f.Sub("PUT", "acl", {}, {{"x-amz-acl", "public-read"}}, "k").Xml("/Error/Code") ==
        "AccessControlListNotSupported");
  // "Requests to read ACLs always return a response that shows full control for the bucket owner."
  auto acl = f.Sub("GET", "acl");
  REQUIRE(acl.status == 200);
  CHECK(acl.XmlAll("//Grant/Permission") == std::vector<std::string>{"FULL_CONTROL"});
  CHECK(acl.Xml("//Grant/Grantee/ID") == acl.Xml("/AccessControlPolicy/Owner/ID"));
  CHECK(f.Sub("GET", "acl", {}, {}, "k").XmlAll("//Grant/Permission") == std::vector<std::string>{"FULL_CONTROL"});

  CHECK(f.Sub("DELETE", "ownershipControls").status == 204);
  auto gone = f.Sub("GET", "ownershipControls");
  CHECK(gone.status == 404);
  CHECK(gone.Xml("/Error/Code") == "OwnershipControlsNotFoundError");
  CHECK(f.Sub("PUT", "ownershipControls", "<OwnershipControls><Rule><ObjectOwnership>Nobody</ObjectOwnership></Rule>"
                                          "</OwnershipControls>")
            .Xml("/Error/Code") == "MalformedXML");
}

TEST_CASE("BlockPublicAccess: on by default; BlockPublicAcls refuses public ACLs with AccessDenied") {
  Fixture f;
  auto pab = f.Sub("GET", "publicAccessBlock");
  REQUIRE(pab.status == 200);
  for (const char* field : {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"})
    CHECK(pab.Xml(std::string("/PublicAccessBlockConfiguration/") + field) == "true");
  REQUIRE(f.Sub("PUT", "ownershipControls",
                "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>")
              .status == 200);
  // BlockPublicAcls: "PUT Object calls fail if the request includes a public ACL."
  auto refused = f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "public-read"}});
  CHECK(refused.status == 403);
  CHECK(refused.Xml("/Error/Code") == "AccessDenied");
  CHECK(f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "private"}}).status == 200);

  REQUIRE(f.Sub("PUT", "publicAccessBlock",
                "<PublicAccessBlockConfiguration><BlockPublicAcls>false</BlockPublicAcls>"
                "<IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>")
              .status == 200);
  auto partial = f.Sub("GET", "publicAccessBlock");
  CHECK(partial.Xml("//BlockPublicAcls") == "false");
  CHECK(partial.Xml("//IgnorePublicAcls") == "true");
  CHECK(partial.Xml("//BlockPublicPolicy") == "false");  // left out: false
  CHECK(f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "public-read"}}).status == 200);
  // IgnorePublicAcls: the public ACL is kept but grants nothing.
  CHECK(f.Anonymous("GET", ObjPath(f.b, "k")).status == 403);

  CHECK(f.Sub("DELETE", "publicAccessBlock").status == 204);
  auto none = f.Sub("GET", "publicAccessBlock");
  CHECK(none.status == 404);
  CHECK(none.Xml("/Error/Code") == "NoSuchPublicAccessBlockConfiguration");
  CHECK(f.Anonymous("GET", ObjPath(f.b, "k")).status == 200);
}

TEST_CASE("Acl: canned ACLs and x-amz-grant-* headers become grants that GetObjectAcl lists") {
  Fixture f;
  f.EnablePublicAcls();
  REQUIRE(f.c.Put(ObjPath(f.b, "pub"), "d", {{"x-amz-acl", "public-read-write"}}).status == 200);
  auto acl = f.Sub("GET", "acl", {}, {}, "pub");
  CHECK(acl.XmlAll("//Grant/Permission") == std::vector<std::string>{"FULL_CONTROL", "READ", "WRITE"});
  CHECK(acl.XmlAll("//Grant/Grantee/URI") == std::vector<std::string>{kAllUsers, kAllUsers});

  const std::string owner = acl.Xml("/AccessControlPolicy/Owner/ID");
  REQUIRE(f.c.Put(ObjPath(f.b, "granted"), "d",
                  {{"x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AuthenticatedUsers\""},
                   {"x-amz-grant-full-control", "id=\"" + owner + "\""}})
              .status == 200);
  auto granted = f.Sub("GET", "acl", {}, {}, "granted");
  CHECK(granted.XmlAll("//Grant/Permission") == std::vector<std::string>{"FULL_CONTROL", "READ"});

  // A copy gets the ACL of its request, never its source's.
  REQUIRE(f.c.Put(ObjPath(f.b, "copy"), "", {{"x-amz-copy-source", "/" + f.b + "/pub"}}).status == 200);
  CHECK(f.Sub("GET", "acl", {}, {}, "copy").XmlAll("//Grant/Permission") ==
        std::vector<std::string>{"FULL_CONTROL"});
}

TEST_CASE("Acl: bad ACLs are 400 InvalidArgument, MalformedACLError or InvalidRequest, never 501") {
  Fixture f;
  f.EnablePublicAcls();
  REQUIRE(f.c.Put(ObjPath(f.b, "k"), "d").status == 200);
  const std::string owner = f.Sub("GET", "acl").Xml("/AccessControlPolicy/Owner/ID");
  auto bad_canned = f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "world-writable"}});
  CHECK(bad_canned.status == 400);
  CHECK(bad_canned.Xml("/Error/Code") == "InvalidArgument");
  auto both = f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-acl", "private"}, {"x-amz-grant-read", "id=\"" + owner + "\""}});
  CHECK(both.status == 400);
  CHECK(both.Xml("/Error/Code") == "InvalidRequest");
  CHECK(f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-grant-read", "uri=\"http://example.com/everyone\""}})
            .Xml("/Error/Code") == "InvalidArgument");
  CHECK(f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-grant-read", "id=\"not-an-id\""}}).Xml("/Error/Code") ==
        "InvalidArgument");
  CHECK(f.c.Put(ObjPath(f.b, "k"), "d", {{"x-amz-grant-read", "emailAddress=\"someone@example.com\""}})
            .Xml("/Error/Code") == "UnresolvableGrantByEmailAddress");

  const std::string user = "xsi:type=\"CanonicalUser\"><ID>" + owner + "</ID>";
  CHECK(f.Sub("PUT", "acl", GrantXml(owner, user, "EVERYTHING"), {}, "k").Xml("/Error/Code") == "MalformedACLError");
  CHECK(f.Sub("PUT", "acl", "<AccessControlPolicy><Owner>", {}, "k").Xml("/Error/Code") == "MalformedACLError");
  CHECK(f.Sub("PUT", "acl", GrantXml(owner, "xsi:type=\"Group\"><ID>x</ID>", "READ"), {}, "k").Xml("/Error/Code") ==
        "MalformedACLError");
  auto content_and_header = f.Sub("PUT", "acl", GrantXml(owner, user, "READ"), {{"x-amz-acl", "private"}}, "k");
  CHECK(content_and_header.Xml("/Error/Code") == "UnexpectedContent");
  CHECK(f.Sub("PUT", "acl", {}, {}, "k").Xml("/Error/Code") == "MissingSecurityHeader");
  CHECK(f.Sub("PUT", "acl", {}, {{"x-amz-acl", "public-read"}}, "missing").Xml("/Error/Code") == "NoSuchKey");
}

TEST_CASE("Acl: PutObjectAcl with an XML AllUsers grant makes an object readable by unsigned requests") {
  Fixture f;
  f.EnablePublicAcls();
  REQUIRE(f.c.Put(ObjPath(f.b, "k"), "public bytes").status == 200);
  CHECK(f.Anonymous("GET", ObjPath(f.b, "k")).status == 403);  // private by default
  const std::string owner = f.Sub("GET", "acl").Xml("/AccessControlPolicy/Owner/ID");
  auto put = f.Sub("PUT", "acl", GrantXml(owner, std::string("xsi:type=\"Group\"><URI>") + kAllUsers + "</URI>", "READ"),
                   {}, "k");
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(f.Sub("GET", "acl", {}, {}, "k").XmlAll("//Grant/Grantee/URI") == std::vector<std::string>{kAllUsers});
  auto anon = f.Anonymous("GET", ObjPath(f.b, "k"));
  CHECK(anon.status == 200);
  CHECK(anon.body == "public bytes");
  // READ on the object is not WRITE on the bucket, nor READ_ACP.
  CHECK(f.Anonymous("PUT", ObjPath(f.b, "k"), {}, "overwrite").status == 403);
  CHECK(f.Anonymous("GET", ObjPath(f.b, "k"), {{"acl", ""}}).status == 403);
  CHECK(f.Anonymous("GET", "/" + f.b, {{"list-type", "2"}}).status == 403);
  // Turning ACLs off (BucketOwnerEnforced) makes the grant inert: "ACLs no longer affect permissions".
  REQUIRE(f.Sub("PUT", "ownershipControls",
                "<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>"
                "</OwnershipControls>")
              .status == 200);
  CHECK(f.Anonymous("GET", ObjPath(f.b, "k")).status == 403);
}

TEST_CASE("Acl: a public-read-write bucket ACL lets unsigned requests list and write; enforcing ownership then fails") {
  Fixture f;
  f.EnablePublicAcls();
  CHECK(f.Anonymous("GET", "/" + f.b, {{"list-type", "2"}}).status == 403);
  REQUIRE(f.Sub("PUT", "acl", {}, {{"x-amz-acl", "public-read-write"}}).status == 200);
  auto put = f.Anonymous("PUT", ObjPath(f.b, "dropped"), {}, "from a browser");
  CHECK(put.status == 200);
  auto list = f.Anonymous("GET", "/" + f.b, {{"list-type", "2"}});
  CHECK(list.status == 200);
  CHECK(list.XmlAll("//Contents/Key") == std::vector<std::string>{"dropped"});
  CHECK(f.Anonymous("GET", ObjPath(f.b, "dropped")).status == 403);  // the object itself stays private
  // "if your PutBucketOwnershipControls request sets BucketOwnerEnforced for a bucket that has
  // a bucket ACL that grants access to others, the request fails" (InvalidBucketAclWithObjectOwnership).
  auto enforce = f.Sub("PUT", "ownershipControls",
                       "<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>"
                       "</OwnershipControls>");
  CHECK(enforce.status == 400);
  CHECK(enforce.Xml("/Error/Code") == "InvalidBucketAclWithObjectOwnership");
  // A signed request with a bad signature is still refused (no fall-back to anonymous).
  Request bad;
  bad.method = "GET";
  bad.path = "/" + f.b;
  bad.after_sign = [](HttpRequest& r) { r.headers.Set("Authorization", r.headers.Get("Authorization") + "0"); };
  CHECK(f.c.Send(bad).status == 403);
}

TEST_CASE("Acl: CreateBucket takes x-amz-object-ownership and refuses ACLs BucketOwnerEnforced does not allow") {
  auto server = StartServer();
  Client c(*server);
  Request r;
  r.method = "PUT";
  r.path = "/enforced";
  r.headers = {{"x-amz-acl", "public-read"}};
  auto enforced = c.Send(r);
  CHECK(enforced.status == 400);
  CHECK(enforced.Xml("/Error/Code") == "InvalidBucketAclWithObjectOwnership");
  r.path = "/writer";
  r.headers = {{"x-amz-object-ownership", "ObjectWriter"}, {"x-amz-acl", "private"}};
  REQUIRE(c.Send(r).status == 200);
  Request get;
  get.path = "/writer";
  get.query = {{"ownershipControls", ""}};
  CHECK(c.Send(get).Xml("//ObjectOwnership") == "ObjectWriter");
  r.path = "/bad-ownership";
  r.headers = {{"x-amz-object-ownership", "Everyone"}};
  CHECK(c.Send(r).Xml("/Error/Code") == "InvalidArgument");
}

// ---- CORS ------------------------------------------------------------------------------

namespace {
const std::string kCors =
    "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>x-amz-*</AllowedHeader>"
    "<AllowedHeader>content-type</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
    "<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>"
    "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>";
}  // namespace

TEST_CASE("Cors: Put/Get/DeleteBucketCors round-trip; none is NoSuchCORSConfiguration; Content-MD5 is required") {
  Fixture f;
  auto none = f.Sub("GET", "cors");
  CHECK(none.status == 404);
  CHECK(none.Xml("/Error/Code") == "NoSuchCORSConfiguration");
  // PutBucketCors: "The Content-MD5 header is required for all Put Bucket CORS requests" (Content-MD5 or a checksum).
  auto no_md5 = f.Sub("PUT", "cors", kCors);
  CHECK(no_md5.status == 400);
  CHECK(no_md5.Xml("/Error/Code") == "InvalidRequest");
  auto put = f.WithMd5("PUT", "cors", kCors);
  INFO(put.body);
  REQUIRE(put.status == 200);
  auto got = f.Sub("GET", "cors");
  CHECK(got.XmlAll("//CORSRule/AllowedOrigin") == std::vector<std::string>{"https://app.example.com", "*"});
  CHECK(got.XmlAll("//CORSRule/AllowedMethod") == std::vector<std::string>{"GET", "PUT", "HEAD"});
  CHECK(got.Xml("//CORSRule/MaxAgeSeconds") == "3000");
  CHECK(f.Sub("DELETE", "cors").status == 204);
  CHECK(f.Sub("GET", "cors").Xml("/Error/Code") == "NoSuchCORSConfiguration");
}

TEST_CASE("Cors: configurations with unsupported methods, two wildcards or no origin are refused") {
  Fixture f;
  auto patch = f.WithMd5("PUT", "cors",
                         "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH"
                         "</AllowedMethod></CORSRule></CORSConfiguration>");
  CHECK(patch.status == 400);
  CHECK(patch.Xml("/Error/Code") == "InvalidRequest");
  CHECK(patch.Xml("/Error/Message").find("PATCH") != std::string::npos);
  CHECK(f.WithMd5("PUT", "cors",
                  "<CORSConfiguration><CORSRule><AllowedOrigin>https://*.*.com</AllowedOrigin><AllowedMethod>GET"
                  "</AllowedMethod></CORSRule></CORSConfiguration>")
            .Xml("/Error/Code") == "InvalidRequest");
  CHECK(f.WithMd5("PUT", "cors", "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>"
                                 "</CORSConfiguration>")
            .Xml("/Error/Code") == "MalformedXML");
  CHECK(f.WithMd5("PUT", "cors", "<CORSConfiguration/>").Xml("/Error/Code") == "MalformedXML");
}

TEST_CASE("Cors: an unsigned OPTIONS preflight is answered from the first matching rule") {
  Fixture f;
  auto no_config = f.Anonymous("OPTIONS", ObjPath(f.b, "k"), {}, {},
                               {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(no_config.status == 403);
  CHECK(no_config.Xml("/Error/Code") == "AccessForbidden");
  REQUIRE(f.WithMd5("PUT", "cors", kCors).status == 200);

  auto ok = f.Anonymous("OPTIONS", ObjPath(f.b, "k"), {}, {},
                        {{"Origin", "https://app.example.com"},
                         {"Access-Control-Request-Method", "PUT"},
                         {"Access-Control-Request-Headers", "x-amz-date, Content-Type"}});
  INFO(ok.body);
  CHECK(ok.status == 200);
  CHECK(ok.Header("Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(ok.Header("Access-Control-Allow-Methods") == "GET, PUT");
  CHECK(ok.Header("Access-Control-Allow-Headers") == "x-amz-date, Content-Type");
  CHECK(ok.Header("Access-Control-Expose-Headers") == "ETag");
  CHECK(ok.Header("Access-Control-Max-Age") == "3000");
  CHECK(ok.Header("Access-Control-Allow-Credentials") == "true");

  auto any = f.Anonymous("OPTIONS", ObjPath(f.b, "k"), {}, {},
                         {{"Origin", "https://other.example"}, {"Access-Control-Request-Method", "HEAD"}});
  CHECK(any.status == 200);
  CHECK(any.Header("Access-Control-Allow-Origin") == "*");

  // "The request's Origin header must match AllowedOrigin elements", the method one of the
  // AllowedMethod elements, every requested header an AllowedHeader.
  auto wrong_origin = f.Anonymous("OPTIONS", ObjPath(f.b, "k"), {}, {},
                                  {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "PUT"}});
  CHECK(wrong_origin.status == 403);
  CHECK(wrong_origin.Xml("/Error/Code") == "AccessForbidden");
  CHECK(f.Anonymous("OPTIONS", ObjPath(f.b, "k"), {}, {},
                    {{"Origin", "https://app.example.com"},
                     {"Access-Control-Request-Method", "GET"},
                     {"Access-Control-Request-Headers", "authorization"}})
            .status == 403);
  CHECK(f.Anonymous("OPTIONS", ObjPath(f.b, "k"), {}, {}, {{"Access-Control-Request-Method", "GET"}}).status == 400);
}

TEST_CASE("Cors: a cross-origin GET gets Access-Control-* headers, a same-origin one does not") {
  Fixture f;
  REQUIRE(f.WithMd5("PUT", "cors", kCors).status == 200);
  REQUIRE(f.c.Put(ObjPath(f.b, "k"), "d").status == 200);
  auto cross = f.c.Get(ObjPath(f.b, "k"), {{"Origin", "https://app.example.com"}});
  CHECK(cross.status == 200);
  CHECK(cross.Header("Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(cross.Header("Access-Control-Expose-Headers") == "ETag");
  CHECK(f.c.Get(ObjPath(f.b, "k")).Header("Access-Control-Allow-Origin").empty());
  CHECK(f.c.Get(ObjPath(f.b, "k"), {{"Origin", "https://evil.example"}}).Header("Access-Control-Allow-Origin").empty());
  auto missing = f.c.Get(ObjPath(f.b, "missing"), {{"Origin", "https://app.example.com"}});
  CHECK(missing.status == 404);
  CHECK(missing.Header("Access-Control-Allow-Origin") == "https://app.example.com");  // errors too
}

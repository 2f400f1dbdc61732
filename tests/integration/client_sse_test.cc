// Server-side encryption through the Client against the in-process mock: SSE-S3,
// SSE-KMS (key id, context, bucket key, the default key ARN), SSE-C (the key is
// demanded on GET/HEAD; a missing or wrong key fails as S3 fails it), copies between
// encryption kinds, SSE-C multipart uploads, and the client-side refusals (SSE-C over
// plain http, bad key length, KMS fields without KMS). [portable] cases also run
// against moto (tests/interop/test_client_moto.py).

#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "integration/request_capture.h"
#include "support/test_support.h"
#include "s3ml/transfer.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

std::string Key32(char fill) { return std::string(32, fill); }

ClientOptions SseCOptions(const mock::MockS3Server& server) {
  ClientOptions o = MockOptions(server);
  o.allow_sse_c_over_http = true;  // the mock speaks plain http only
  return o;
}

}  // namespace

TEST_CASE("SSE: SSE-S3 upload reports AES256 on PutObject and HeadObject", "[sse][portable]") {
  Client c = PortableClient();
  ScopedBucket b(c, "sse-s3");
  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "s3-encrypted";
  put.data = "secret bytes";
  put.sse = ServerSideEncryption::S3();
  auto p = c.PutObject(put);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  CHECK(p->encryption.server_side_encryption == "AES256");
  CHECK(p->encryption.kms_key_id.empty());

  auto h = c.HeadObject(HeadReq(b.name(), "s3-encrypted"));
  REQUIRE(h.ok());
  CHECK(h->encryption.server_side_encryption == "AES256");
  auto g = c.GetObject(GetReq(b.name(), "s3-encrypted"));
  REQUIRE(g.ok());
  CHECK(g->body == "secret bytes");
  CHECK(g->info.encryption.server_side_encryption == "AES256");
}

TEST_CASE("SSE: SSE-KMS with a key id reports aws:kms and that key", "[sse][portable]") {
  Client c = PortableClient();
  ScopedBucket b(c, "sse-kms-p");
  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "kms";
  put.data = "kms bytes";
  put.sse = ServerSideEncryption::Kms("1234abcd-12ab-34cd-56ef-1234567890ab");
  auto p = c.PutObject(put);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  CHECK(p->encryption.server_side_encryption == "aws:kms");
  // S3 and the mock answer the key's ARN; moto echoes the id as given.
  CHECK(p->encryption.kms_key_id.find("1234abcd-12ab-34cd-56ef-1234567890ab") != std::string::npos);
  auto h = c.HeadObject(HeadReq(b.name(), "kms"));
  REQUIRE(h.ok());
  CHECK(h->encryption.server_side_encryption == "aws:kms");
}

TEST_CASE("SSE: an object written without encryption reports none", "[sse][portable]") {
  Client c = PortableClient();
  ScopedBucket b(c, "sse-none");
  Put(c, b.name(), "plain", "x");
  auto h = c.HeadObject(HeadReq(b.name(), "plain"));
  REQUIRE(h.ok());
  // S3 now encrypts every object with SSE-S3 by default and says so; the mock and moto
  // store what was asked (nothing). Either is acceptable here: never KMS or SSE-C.
  CHECK((h->encryption.server_side_encryption.empty() || h->encryption.server_side_encryption == "AES256"));
  CHECK(h->encryption.customer_algorithm.empty());
}

TEST_CASE("SSE: SSE-KMS echoes the key id, context and bucket key; no key id means the default aws/s3 key ARN",
          "[sse]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));
  ScopedBucket b(c, "sse-kms");

  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "with-key";
  put.data = "kms data";
  put.sse = ServerSideEncryption::Kms("1234abcd-12ab-34cd-56ef-1234567890ab", R"({"project":"s3ml"})", true);
  auto p = c.PutObject(put);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  CHECK(p->encryption.server_side_encryption == "aws:kms");
  CHECK(p->encryption.kms_key_id.rfind("arn:aws:kms:us-east-1:", 0) == 0);
  CHECK(p->encryption.kms_key_id.find(":key/1234abcd-12ab-34cd-56ef-1234567890ab") != std::string::npos);
  CHECK(p->encryption.bucket_key_enabled);
  auto ctx = Base64Decode(p->encryption.kms_context);
  REQUIRE(ctx.ok());
  CHECK(*ctx == R"({"project":"s3ml"})");

  auto h = c.HeadObject(HeadReq(b.name(), "with-key"));
  REQUIRE(h.ok());
  CHECK(h->encryption.server_side_encryption == "aws:kms");
  CHECK(h->encryption.kms_key_id == p->encryption.kms_key_id);
  CHECK(h->encryption.bucket_key_enabled);

  put.key = "default-key";
  put.sse = ServerSideEncryption::Kms();
  auto d = c.PutObject(put);
  REQUIRE(d.ok());
  CHECK(d->encryption.server_side_encryption == "aws:kms");
  CHECK(d->encryption.kms_key_id.rfind("arn:aws:kms:us-east-1:", 0) == 0);
  CHECK(d->encryption.kms_key_id.find(":key/") != std::string::npos);
  CHECK_FALSE(d->encryption.bucket_key_enabled);

  put.key = "dsse";
  put.sse = ServerSideEncryption::Kms("alias/training");
  put.sse.kind = ServerSideEncryption::Kind::kKmsDsse;
  auto ds = c.PutObject(put);
  REQUIRE(ds.ok());
  CHECK(ds->encryption.server_side_encryption == "aws:kms:dsse");
  CHECK(ds->encryption.kms_key_id.find(":alias/training") != std::string::npos);
}

TEST_CASE("SSE: SSE-C round-trips with the key; GET/HEAD without it is InvalidRequest, with another key AccessDenied",
          "[sse]") {
  auto server = StartMock();
  Client c = MakeClient(SseCOptions(*server));
  ScopedBucket b(c, "sse-c");
  const std::string key = Key32('k');

  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "customer";
  put.data = "only with the key";
  put.sse = ServerSideEncryption::CustomerKey(key);
  auto p = c.PutObject(put);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  CHECK(p->encryption.customer_algorithm == "AES256");
  CHECK(p->encryption.customer_key_md5 == Base64Encode(Md5(key)));

  GetObjectRequest get = GetReq(b.name(), "customer");
  get.sse = ServerSideEncryption::CustomerKey(key);
  auto g = c.GetObject(get);
  INFO(g.status().ToString());
  REQUIRE(g.ok());
  CHECK(g->body == "only with the key");
  CHECK(g->info.encryption.customer_key_md5 == Base64Encode(Md5(key)));

  HeadObjectRequest head = HeadReq(b.name(), "customer");
  head.sse = ServerSideEncryption::CustomerKey(key);
  REQUIRE(c.HeadObject(head).ok());

  SECTION("no key") {
    auto none = c.GetObject(GetReq(b.name(), "customer"));
    REQUIRE_FALSE(none.ok());
    CHECK(none.status().http_status() == 400);
    CHECK(none.status().code() == "InvalidRequest");
    CHECK(none.status().message().find("Server Side Encryption") != std::string::npos);
    auto h = c.HeadObject(HeadReq(b.name(), "customer"));
    REQUIRE_FALSE(h.ok());
    CHECK(h.status().http_status() == 400);
  }
  SECTION("another key") {
    get.sse = ServerSideEncryption::CustomerKey(Key32('x'));
    auto wrong = c.GetObject(get);
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.status().http_status() == 403);
    CHECK(wrong.status().code() == "AccessDenied");
    head.sse = get.sse;
    auto h = c.HeadObject(head);
    REQUIRE_FALSE(h.ok());
    CHECK(h.status().http_status() == 403);
  }
  SECTION("a key for an object that has none") {
    Put(c, b.name(), "plain", "p");
    GetObjectRequest g2 = GetReq(b.name(), "plain");
    g2.sse = ServerSideEncryption::CustomerKey(key);
    auto r = c.GetObject(g2);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == "InvalidRequest");
  }
}

TEST_CASE("SSE: SSE-C is refused over plain http before anything is sent unless allowed", "[sse]") {
  auto server = StartMock();
  Client c = MakeClient(MockOptions(*server));  // allow_sse_c_over_http = false
  ScopedBucket b(c, "sse-http");
  const auto before = server->stats().requests;
  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "k";
  put.data = "d";
  put.sse = ServerSideEncryption::CustomerKey(Key32('a'));
  auto p = c.PutObject(put);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().category() == ErrorCategory::kInvalidArgument);
  CHECK(p.status().message().find("plain http") != std::string::npos);
  CHECK(p.status().message().find("allow_sse_c_over_http") != std::string::npos);
  GetObjectRequest get = GetReq(b.name(), "k");
  get.sse = put.sse;
  CHECK(c.GetObject(get).status().category() == ErrorCategory::kInvalidArgument);
  CHECK(server->stats().requests == before);

  // SSE-S3 and KMS carry no secret and are fine over http.
  put.sse = ServerSideEncryption::S3();
  CHECK(c.PutObject(put).ok());
}

TEST_CASE("SSE: client-side validation of keys and KMS fields names the problem", "[sse]") {
  auto server = StartMock();
  Client c = MakeClient(SseCOptions(*server));
  PutObjectRequest put;
  put.bucket = "bucket";
  put.key = "k";
  put.data = "d";
  put.sse = ServerSideEncryption::CustomerKey("short");
  auto p = c.PutObject(put);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().category() == ErrorCategory::kInvalidArgument);
  CHECK(p.status().message().find("32 raw bytes") != std::string::npos);

  put.sse = ServerSideEncryption::S3();
  put.sse.kms_key_id = "some-key";
  p = c.PutObject(put);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().message().find("SSE-KMS") != std::string::npos);

  put.sse = ServerSideEncryption::Kms("", "not json");
  p = c.PutObject(put);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().message().find("JSON object") != std::string::npos);

  GetObjectRequest get = GetReq("bucket", "k");
  get.sse = ServerSideEncryption::Kms();
  auto g = c.GetObject(get);
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().message().find("only takes SSE-C") != std::string::npos);
  CHECK(server->stats().requests == 0);
}

TEST_CASE("SSE: CopyObject needs the source's SSE-C key and encrypts the copy as requested", "[sse]") {
  auto server = StartMock();
  Client c = MakeClient(SseCOptions(*server));
  ScopedBucket b(c, "sse-copy");
  const std::string key = Key32('s');
  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "src";
  put.data = "copy me";
  put.sse = ServerSideEncryption::CustomerKey(key);
  REQUIRE(c.PutObject(put).ok());

  CopyObjectRequest copy;
  copy.source_bucket = b.name();
  copy.source_key = "src";
  copy.bucket = b.name();
  copy.key = "dst";
  auto no_key = c.CopyObject(copy);
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.status().code() == "InvalidRequest");

  copy.copy_source_sse = ServerSideEncryption::CustomerKey(key);
  copy.sse = ServerSideEncryption::Kms("alias/copies");
  auto ok = c.CopyObject(copy);
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(ok->encryption.server_side_encryption == "aws:kms");
  // The copy is KMS-encrypted: readable without the customer key.
  auto g = c.GetObject(GetReq(b.name(), "dst"));
  REQUIRE(g.ok());
  CHECK(g->body == "copy me");
  CHECK(g->info.encryption.server_side_encryption == "aws:kms");
  CHECK(g->info.encryption.customer_algorithm.empty());
}

TEST_CASE("SSE: an SSE-C multipart upload needs the key on every part; the transfer manager sends it", "[sse]") {
  auto server = StartMock();
  Client c = MakeClient(SseCOptions(*server));
  ScopedBucket b(c, "sse-mpu");
  const std::string key = Key32('m');
  const std::string data = RandomBytes(kMinPartSize + 1000, 3);

  CreateMultipartUploadRequest create;
  create.bucket = b.name();
  create.key = "manual";
  create.sse = ServerSideEncryption::CustomerKey(key);
  auto up = c.CreateMultipartUpload(create);
  REQUIRE(up.ok());
  CHECK(up->encryption.customer_algorithm == "AES256");
  UploadPartRequest part;
  part.bucket = b.name();
  part.key = "manual";
  part.upload_id = up->upload_id;
  part.part_number = 1;
  part.data = std::string_view(data).substr(0, 100);
  auto missing = c.UploadPart(part);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == "InvalidRequest");
  part.sse = ServerSideEncryption::CustomerKey(key);
  REQUIRE(c.UploadPart(part).ok());
  REQUIRE(c.AbortMultipartUpload(AbortMultipartUploadRequest{b.name(), "manual", up->upload_id}).ok());

  TransferOptions o;
  o.part_size = kMinPartSize;
  o.multipart_threshold = kMinPartSize;
  o.concurrency = 2;
  UploadAttributes attrs;
  attrs.sse = ServerSideEncryption::CustomerKey(key);
  auto t = TransferManager(c, o).UploadBuffer(b.name(), "managed", data, attrs);
  INFO(t.status().ToString());
  REQUIRE(t.ok());
  CHECK(t->parts == 2);
  GetObjectRequest get = GetReq(b.name(), "managed");
  get.sse = ServerSideEncryption::CustomerKey(key);
  auto g = c.GetObject(get);
  REQUIRE(g.ok());
  CHECK(g->body == data);
  CHECK_FALSE(c.GetObject(GetReq(b.name(), "managed")).ok());
}

TEST_CASE("SSE: request headers carry the key, its MD5 and the KMS context as S3 documents them", "[sse]") {
  auto server = StartMock();
  auto [c, capture] = CapturingClient(SseCOptions(*server));
  ScopedBucket b(c, "sse-wire");
  capture->Clear();
  const std::string key = Key32('w');
  PutObjectRequest put;
  put.bucket = b.name();
  put.key = "k";
  put.data = "d";
  put.sse = ServerSideEncryption::CustomerKey(key);
  REQUIRE(c.PutObject(put).ok());
  put.key = "k2";
  put.sse = ServerSideEncryption::Kms("key-1", R"({"a":"b"})");
  REQUIRE(c.PutObject(put).ok());
  auto reqs = capture->requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].headers.Get("x-amz-server-side-encryption-customer-algorithm") == "AES256");
  CHECK(reqs[0].headers.Get("x-amz-server-side-encryption-customer-key") == Base64Encode(key));
  CHECK(reqs[0].headers.Get("x-amz-server-side-encryption-customer-key-MD5") == Base64Encode(Md5(key)));
  CHECK_FALSE(reqs[0].headers.Has("x-amz-server-side-encryption"));
  CHECK(reqs[1].headers.Get("x-amz-server-side-encryption") == "aws:kms");
  CHECK(reqs[1].headers.Get("x-amz-server-side-encryption-aws-kms-key-id") == "key-1");
  CHECK(reqs[1].headers.Get("x-amz-server-side-encryption-context") == Base64Encode(R"({"a":"b"})"));
}

// Multipart uploads in the ops layer: request building, the XML documents (the examples
// from the S3 API reference), part-size planning, S3's limits and the multipart ETag.

#include <catch2/catch.hpp>

#include <pugixml.hpp>

#include "ops/errors.h"
#include "ops/multipart.h"

using namespace s3ml;

namespace {

ops::Target PathTarget() { return ops::Target{ParseEndpoint("http://127.0.0.1:9000").value(), AddressingStyle::kPath}; }

std::string Query(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.query)
    if (k == name) return v;
  return "<absent>";
}

HttpResponse Response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = Buffer(body);
  return r;
}

constexpr std::uint64_t kMiB = 1024 * 1024;

}  // namespace

// ---- builders ----------------------------------------------------------------------

TEST_CASE("CreateMultipartUpload: POST ?uploads carries type, metadata, storage class and tagging",
          "[ops][multipart]") {
  CreateMultipartUploadRequest req;
  req.bucket = "b";
  req.key = "dir/big file.bin";
  req.content_type = "application/x-tar";
  req.metadata = {{"Shard", "7"}};
  req.storage_class = "STANDARD_IA";
  req.tagging = "team=ml&tier=hot";
  auto r = ops::BuildCreateMultipartUpload(PathTarget(), req);
  REQUIRE(r.ok());
  CHECK(r->method == "POST");
  CHECK(r->path == "/b/dir/big%20file.bin");
  CHECK(Query(*r, "uploads") == "");
  CHECK(r->headers.Get("Content-Type") == "application/x-tar");
  CHECK(r->headers.Get("x-amz-meta-shard") == "7");
  CHECK(r->headers.Get("x-amz-storage-class") == "STANDARD_IA");
  CHECK(r->headers.Get("x-amz-tagging") == "team=ml&tier=hot");

  req.metadata = {{"bad name", "x"}};
  auto bad = ops::BuildCreateMultipartUpload(PathTarget(), req);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains("bad name"));
}

TEST_CASE("UploadPart: partNumber and uploadId in the query, Content-MD5 on request", "[ops][multipart]") {
  UploadPartRequest req;
  req.bucket = "b";
  req.key = "k";
  req.upload_id = "VXBsb2FkIElE";
  req.part_number = 3;
  req.data = "hello";
  req.send_content_md5 = true;
  auto r = ops::BuildUploadPart(PathTarget(), req);
  REQUIRE(r.ok());
  CHECK(r->method == "PUT");
  CHECK(Query(*r, "partNumber") == "3");
  CHECK(Query(*r, "uploadId") == "VXBsb2FkIElE");
  CHECK(r->body->size() == 5);
  CHECK(r->headers.Get("Content-MD5") == "XUFAKrxLKna5cZ2REBfFkg==");  // base64(md5("hello"))
}

TEST_CASE("UploadPart: refuses part numbers outside 1..10000, no upload id and two body sources",
          "[ops][multipart][limits]") {
  UploadPartRequest req;
  req.bucket = "b";
  req.key = "k";
  req.upload_id = "u";
  req.data = "x";
  for (int n : {0, -1, 10001}) {
    req.part_number = n;
    auto r = ops::BuildUploadPart(PathTarget(), req);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("UploadPart") && Catch::Contains("1..10000"));
  }
  req.part_number = 10000;
  CHECK(ops::BuildUploadPart(PathTarget(), req).ok());
  req.upload_id.clear();
  auto no_id = ops::BuildUploadPart(PathTarget(), req);
  REQUIRE_FALSE(no_id.ok());
  CHECK_THAT(no_id.status().message(), Catch::Contains("upload id is empty"));
  req.upload_id = "u";
  req.file_path = "/etc/hostname";
  auto two = ops::BuildUploadPart(PathTarget(), req);
  REQUIRE_FALSE(two.ok());
  CHECK_THAT(two.status().message(), Catch::Contains("exactly one body source"));
}

TEST_CASE("UploadPartCopy: copy source and a closed x-amz-copy-source-range; open ranges refused",
          "[ops][multipart]") {
  UploadPartCopyRequest req;
  req.source_bucket = "src";
  req.source_key = "a b/c";
  req.source_version_id = "v1";
  req.bucket = "dst";
  req.key = "k";
  req.upload_id = "u";
  req.part_number = 2;
  req.source_range = ByteRange::Closed(0, 5 * kMiB - 1);
  auto r = ops::BuildUploadPartCopy(PathTarget(), req);
  REQUIRE(r.ok());
  CHECK(r->headers.Get("x-amz-copy-source") == "src/a%20b/c?versionId=v1");
  CHECK(r->headers.Get("x-amz-copy-source-range") == "bytes=0-5242879");
  CHECK(Query(*r, "partNumber") == "2");

  req.source_range = ByteRange::From(100);
  auto open = ops::BuildUploadPartCopy(PathTarget(), req);
  REQUIRE_FALSE(open.ok());
  CHECK_THAT(open.status().message(), Catch::Contains("closed"));
  req.source_range = ByteRange::Closed(0, 6 * 1024 * kMiB);
  auto huge = ops::BuildUploadPartCopy(PathTarget(), req);
  REQUIRE_FALSE(huge.ok());
  CHECK_THAT(huge.status().message(), Catch::Contains("5 GiB"));
}

TEST_CASE("CompleteMultipartUpload: builds the documented <CompleteMultipartUpload> body", "[ops][multipart][xml]") {
  CompleteMultipartUploadRequest req;
  req.bucket = "b";
  req.key = "k";
  req.upload_id = "u 1";
  req.parts = {{1, "\"a54357aff0632cce46d942af68356b38\""}, {2, "\"0c78aef83f66abc1fa1e8477f296d394\""},
               {3, "\"acbd18db4cc2f85cedef654fccc4a4d8\""}};
  auto r = ops::BuildCompleteMultipartUpload(PathTarget(), req);
  REQUIRE(r.ok());
  CHECK(r->method == "POST");
  CHECK(Query(*r, "uploadId") == "u 1");
  pugi::xml_document doc;
  auto body = r->body->Contiguous();
  REQUIRE(body.has_value());
  REQUIRE(doc.load_buffer(body->data(), body->size()));
  pugi::xml_node root = doc.document_element();
  CHECK(std::string(root.name()) == "CompleteMultipartUpload");
  CHECK(std::string(root.attribute("xmlns").value()) == "http://s3.amazonaws.com/doc/2006-03-01/");
  int n = 0;
  for (pugi::xml_node p : root.children("Part")) {
    ++n;
    CHECK(p.child("PartNumber").text().as_int() == n);
    CHECK(std::string(p.child("ETag").text().as_string()) == req.parts[static_cast<std::size_t>(n - 1)].etag);
  }
  CHECK(n == 3);
}

TEST_CASE("CompleteMultipartUpload: refuses empty, unordered, duplicate and oversized part lists",
          "[ops][multipart][limits]") {
  CompleteMultipartUploadRequest req{"b", "k", "u", {}};
  auto empty = ops::BuildCompleteMultipartUpload(PathTarget(), req);
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(empty.status().message(), Catch::Contains("no parts"));

  req.parts = {{2, "\"x\""}, {1, "\"y\""}};
  auto unordered = ops::BuildCompleteMultipartUpload(PathTarget(), req);
  REQUIRE_FALSE(unordered.ok());
  CHECK_THAT(unordered.status().message(), Catch::Contains("strictly ascending"));

  req.parts = {{1, "\"x\""}, {1, "\"y\""}};
  CHECK_FALSE(ops::BuildCompleteMultipartUpload(PathTarget(), req).ok());

  req.parts = {{1, ""}};
  auto no_etag = ops::BuildCompleteMultipartUpload(PathTarget(), req);
  REQUIRE_FALSE(no_etag.ok());
  CHECK_THAT(no_etag.status().message(), Catch::Contains("empty ETag"));

  req.parts.clear();
  for (int i = 1; i <= 10001; ++i) req.parts.push_back({i, "\"e\""});
  auto too_many = ops::BuildCompleteMultipartUpload(PathTarget(), req);
  REQUIRE_FALSE(too_many.ok());
  CHECK_THAT(too_many.status().message(), Catch::Contains("10001 parts"));
}

TEST_CASE("ListParts and ListMultipartUploads: markers and page sizes go in the query", "[ops][multipart]") {
  auto lp = ops::BuildListParts(PathTarget(), ListPartsRequest{"b", "k", "u", 2, 4});
  REQUIRE(lp.ok());
  CHECK(lp->method == "GET");
  CHECK(Query(*lp, "uploadId") == "u");
  CHECK(Query(*lp, "max-parts") == "2");
  CHECK(Query(*lp, "part-number-marker") == "4");
  CHECK_FALSE(ops::BuildListParts(PathTarget(), ListPartsRequest{"b", "k", "u", -1, 0}).ok());

  ListMultipartUploadsRequest req;
  req.bucket = "b";
  req.prefix = "p/";
  req.key_marker = "p/a";
  req.upload_id_marker = "id1";
  req.max_uploads = 3;
  auto lu = ops::BuildListMultipartUploads(PathTarget(), req);
  REQUIRE(lu.ok());
  CHECK(lu->path == "/b");
  CHECK(Query(*lu, "uploads") == "");
  CHECK(Query(*lu, "key-marker") == "p/a");
  CHECK(Query(*lu, "upload-id-marker") == "id1");
  CHECK(Query(*lu, "max-uploads") == "3");
  req.key_marker.clear();
  auto bad = ops::BuildListMultipartUploads(PathTarget(), req);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("key_marker"));
}

TEST_CASE("AbortMultipartUpload: DELETE ?uploadId", "[ops][multipart]") {
  auto r = ops::BuildAbortMultipartUpload(PathTarget(), AbortMultipartUploadRequest{"b", "k", "u"});
  REQUIRE(r.ok());
  CHECK(r->method == "DELETE");
  CHECK(Query(*r, "uploadId") == "u");
  CHECK_FALSE(ops::BuildAbortMultipartUpload(PathTarget(), AbortMultipartUploadRequest{"b", "k", ""}).ok());
}

// ---- parsers (response examples from the S3 API reference) ------------------------------

TEST_CASE("CreateMultipartUpload: parses the documented InitiateMultipartUploadResult", "[ops][multipart][xml]") {
  auto r = ops::ParseCreateMultipartUpload(Response(200, R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
</InitiateMultipartUploadResult>)"));
  REQUIRE(r.ok());
  CHECK(r->bucket == "example-bucket");
  CHECK(r->key == "example-object");
  CHECK(r->upload_id == "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");

  auto no_id = ops::ParseCreateMultipartUpload(
      Response(200, "<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>"));
  REQUIRE_FALSE(no_id.ok());
  CHECK(no_id.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(no_id.status().message(), Catch::Contains("UploadId"));
}

TEST_CASE("CompleteMultipartUpload: parses the documented result; a 200 carrying <Error> is an error",
          "[ops][multipart][xml]") {
  auto r = ops::ParseCompleteMultipartUpload(Response(200, R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Location>http://Example-Bucket.s3.Region.amazonaws.com/Example-Object</Location>
  <Bucket>Example-Bucket</Bucket>
  <Key>Example-Object</Key>
  <ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag>
</CompleteMultipartUploadResult>)"));
  REQUIRE(r.ok());
  CHECK(r->location == "http://Example-Bucket.s3.Region.amazonaws.com/Example-Object");
  CHECK(r->bucket == "Example-Bucket");
  CHECK(r->key == "Example-Object");
  CHECK(r->etag == "\"3858f62230ac3c915f300c664312c11f-9\"");

  // S3 documents that Complete can answer 200 and report the failure in the body.
  HttpResponse err200 = Response(200, R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>InternalError</Code>
  <Message>We encountered an internal error. Please try again.</Message>
  <RequestId>656c76696e6727732072657175657374</RequestId>
  <HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>
</Error>)");
  ops::ResponseTraits traits;
  traits.operation = "CompleteMultipartUpload";
  traits.error_in_200 = true;
  Status st = ops::ClassifyResponse(err200, traits);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == "InternalError");
  CHECK(st.request_id() == "656c76696e6727732072657175657374");
  // And the parser on its own does not mistake the <Error> for a result.
  CHECK_FALSE(ops::ParseCompleteMultipartUpload(err200).ok());
}

TEST_CASE("Multipart parsers: accept moto's <...Response> root names, refuse unrelated documents",
          "[ops][multipart][xml]") {
  auto moto = ops::ParseCompleteMultipartUpload(Response(200, R"(<?xml version="1.0" encoding="utf-8"?>
<CompleteMultipartUploadResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>http://h/b/k</Location>
<Bucket>b</Bucket><Key>k</Key><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResponse>)"));
  REQUIRE(moto.ok());
  CHECK(moto->etag == "\"3858f62230ac3c915f300c664312c11f-9\"");
  auto parts = ops::ParseListParts(
      Response(200, "<ListPartsResponse><Part><PartNumber>4</PartNumber><Size>9</Size></Part></ListPartsResponse>"));
  REQUIRE(parts.ok());
  REQUIRE(parts->parts.size() == 1);
  CHECK(parts->parts[0].part_number == 4);
  auto other = ops::ParseListParts(Response(200, "<ListBucketResult></ListBucketResult>"));
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(other.status().message(), Catch::Contains("ListPartsResult"));
}

TEST_CASE("UploadPart and UploadPartCopy: ETag from the header and from the documented CopyPartResult",
          "[ops][multipart][xml]") {
  HttpResponse up = Response(200, "");
  up.headers.Set("ETag", "\"b54357faf0632cce46e942fa68356b38\"");
  auto p = ops::ParseUploadPart(up);
  REQUIRE(p.ok());
  CHECK(p->etag == "\"b54357faf0632cce46e942fa68356b38\"");
  CHECK_FALSE(ops::ParseUploadPart(Response(200, "")).ok());

  auto c = ops::ParseUploadPartCopy(Response(200, R"(<CopyPartResult>
   <LastModified>2009-10-28T22:32:00.000Z</LastModified>
   <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
 </CopyPartResult>)"));
  REQUIRE(c.ok());
  CHECK(c->etag == "\"9b2cf535f27731c974343645a3985328\"");
  CHECK(c->last_modified.time_since_epoch().count() != 0);
}

TEST_CASE("ListParts: parses the documented ListPartsResult with its markers", "[ops][multipart][xml]") {
  auto r = ops::ParseListParts(Response(200, R"(<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>
  <Initiator><ID>arn:aws:iam::111122223333:user/some-user-11116a31-17b5-4fb7-9df5-b288870f11xx</ID>
    <DisplayName>umat-user-11116a31-17b5-4fb7-9df5-b288870f11xx</DisplayName></Initiator>
  <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>someName</DisplayName></Owner>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>1</PartNumberMarker>
  <NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts>
  <IsTruncated>true</IsTruncated>
  <Part>
    <PartNumber>2</PartNumber>
    <LastModified>2010-11-10T20:48:34.000Z</LastModified>
    <ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag>
    <Size>10485760</Size>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <LastModified>2010-11-10T20:48:33.000Z</LastModified>
    <ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag>
    <Size>10485760</Size>
  </Part>
</ListPartsResult>)"));
  REQUIRE(r.ok());
  CHECK(r->bucket == "example-bucket");
  CHECK(r->upload_id == "XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA");
  CHECK(r->storage_class == "STANDARD");
  CHECK(r->part_number_marker == 1);
  CHECK(r->next_part_number_marker == 3);
  CHECK(r->max_parts == 2);
  CHECK(r->is_truncated);
  REQUIRE(r->parts.size() == 2);
  CHECK(r->parts[0].part_number == 2);
  CHECK(r->parts[0].etag == "\"7778aef83f66abc1fa1e8477f296d394\"");
  CHECK(r->parts[0].size == 10485760);
  CHECK(r->parts[1].part_number == 3);

  auto broken = ops::ParseListParts(Response(200, "<ListPartsResult><IsTruncated>true</IsTruncated></ListPartsResult>"));
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.status().message(), Catch::Contains("NextPartNumberMarker"));
  auto garbage = ops::ParseListParts(Response(200, "<ListPartsResult><Part><Size>lots</Size></Part></ListPartsResult>"));
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().category() == ErrorCategory::kProtocol);
}

TEST_CASE("ListMultipartUploads: parses the documented result with markers, uploads and prefixes",
          "[ops][multipart][xml]") {
  auto r = ops::ParseListMultipartUploads(Response(200, R"(<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>bucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
  <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
  <MaxUploads>3</MaxUploads>
  <IsTruncated>true</IsTruncated>
  <Upload>
    <Key>my-divisor</Key>
    <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
    <Initiator><ID>arn:aws:iam::111122223333:user/user1-11111a31-17b5-4fb7-9df5-b111111f13de</ID>
      <DisplayName>user1-11111a31-17b5-4fb7-9df5-b111111f13de</DisplayName></Initiator>
    <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
      <DisplayName>OwnerDisplayName</DisplayName></Owner>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
  <Upload>
    <Key>my-movie.m2ts</Key>
    <UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
    <StorageClass>STANDARD</StorageClass>
    <Initiated>2010-11-10T20:48:33.000Z</Initiated>
  </Upload>
  <CommonPrefixes><Prefix>photos/</Prefix></CommonPrefixes>
</ListMultipartUploadsResult>)"));
  REQUIRE(r.ok());
  CHECK(r->bucket == "bucket");
  CHECK(r->next_key_marker == "my-movie.m2ts");
  CHECK(r->next_upload_id_marker == "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ");
  CHECK(r->max_uploads == 3);
  CHECK(r->is_truncated);
  REQUIRE(r->uploads.size() == 2);
  CHECK(r->uploads[0].key == "my-divisor");
  CHECK(r->uploads[0].upload_id == "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw");
  CHECK(r->uploads[0].storage_class == "STANDARD");
  CHECK(r->uploads[0].initiated.time_since_epoch().count() != 0);
  CHECK(r->uploads[1].key == "my-movie.m2ts");
  REQUIRE(r->common_prefixes.size() == 1);
  CHECK(r->common_prefixes[0] == "photos/");

  auto url = ops::ParseListMultipartUploads(Response(200, R"(<ListMultipartUploadsResult>
  <EncodingType>url</EncodingType><Upload><Key>a%20b%2Bc</Key><UploadId>u</UploadId></Upload>
</ListMultipartUploadsResult>)"));
  REQUIRE(url.ok());
  REQUIRE(url->uploads.size() == 1);
  CHECK(url->uploads[0].key == "a b+c");

  auto broken = ops::ParseListMultipartUploads(
      Response(200, "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>"));
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.status().message(), Catch::Contains("NextKeyMarker"));
}

// ---- limits, planning, ETag ------------------------------------------------------------

TEST_CASE("PlanParts: keeps the preferred size when it fits 10,000 parts", "[ops][multipart][plan]") {
  auto p = PlanParts(40 * kMiB, 5 * kMiB);
  REQUIRE(p.ok());
  CHECK(p->part_size == 5 * kMiB);
  CHECK(p->part_count == 8);
  CHECK(p->last_part_size == 5 * kMiB);
  auto q = PlanParts(40 * kMiB + 1, 8 * kMiB);
  REQUIRE(q.ok());
  CHECK(q->part_count == 6);
  CHECK(q->last_part_size == 1);
  CHECK(q->Offset(6) == 40 * kMiB);
  CHECK(q->SizeOf(6) == 1);
  CHECK(q->SizeOf(1) == 8 * kMiB);
  auto empty = PlanParts(0, 8 * kMiB);
  REQUIRE(empty.ok());
  CHECK(empty->part_count == 1);
  CHECK(empty->last_part_size == 0);
}

TEST_CASE("PlanParts: raises the part size for large objects so at most 10,000 parts are needed",
          "[ops][multipart][plan]") {
  const std::uint64_t gib = 1024 * kMiB;
  auto p = PlanParts(100 * gib, 8 * kMiB);  // 12,800 parts at 8 MiB
  REQUIRE(p.ok());
  CHECK(p->part_count <= 10000);
  CHECK(p->part_size % kMiB == 0);
  CHECK(p->part_size == 11 * kMiB);  // ceil(100 GiB / 10000) = 10.24 MiB -> 11 MiB
  CHECK(p->part_size * static_cast<std::uint64_t>(p->part_count - 1) + p->last_part_size == 100 * gib);

  auto max = PlanParts(kMaxMultipartObjectSize, 5 * kMiB);
  REQUIRE(max.ok());
  CHECK(max->part_count <= 10000);
  CHECK(max->part_size <= kMaxPartSize);

  auto exact = PlanParts(10000 * 5 * kMiB, 5 * kMiB);
  REQUIRE(exact.ok());
  CHECK(exact->part_count == 10000);
  CHECK(exact->part_size == 5 * kMiB);
}

TEST_CASE("PlanParts: refuses part sizes outside 5 MiB..5 GiB and objects above 5 TiB", "[ops][multipart][limits]") {
  auto small = PlanParts(100 * kMiB, 5 * kMiB - 1);
  REQUIRE_FALSE(small.ok());
  CHECK(small.status().category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(small.status().message(), Catch::Contains("5 MiB"));
  auto big = PlanParts(100 * kMiB, kMaxPartSize + 1);
  REQUIRE_FALSE(big.ok());
  CHECK_THAT(big.status().message(), Catch::Contains("5 GiB"));
  auto huge = PlanParts(kMaxMultipartObjectSize + 1, 8 * kMiB);
  REQUIRE_FALSE(huge.ok());
  CHECK_THAT(huge.status().message(), Catch::Contains("5 TiB"));
}

TEST_CASE("Part limits: part numbers 1..10000, >= 5 MiB except the last, <= 5 GiB", "[ops][multipart][limits]") {
  CHECK(ValidatePartNumber(1).ok());
  CHECK(ValidatePartNumber(10000).ok());
  CHECK_FALSE(ValidatePartNumber(0).ok());
  CHECK_FALSE(ValidatePartNumber(10001).ok());
  CHECK(ValidatePartSize(1, 5 * kMiB, false).ok());
  CHECK(ValidatePartSize(7, 1, true).ok());
  Status small = ValidatePartSize(2, 5 * kMiB - 1, false);
  REQUIRE_FALSE(small.ok());
  CHECK_THAT(small.message(), Catch::Contains("part 2") && Catch::Contains("at least 5 MiB"));
  Status big = ValidatePartSize(3, kMaxPartSize + 1, true);
  REQUIRE_FALSE(big.ok());
  CHECK_THAT(big.message(), Catch::Contains("5 GiB"));
}

TEST_CASE("MultipartETag: md5 of the concatenated part digests, dash, part count", "[ops][multipart]") {
  // Computed independently: hashlib.md5(md5(b"hello").digest() + md5(b"world").digest()).hexdigest()
  std::string a(16, '\0'), b(16, '\0');
  auto da = Md5("hello"), db = Md5("world");
  std::copy(da.begin(), da.end(), a.begin());
  std::copy(db.begin(), db.end(), b.begin());
  CHECK(HexEncode(da) == "5d41402abc4b2a76b9719d911017c592");
  CHECK(MultipartETag({a, b}) == "\"065947336a2f2a95ba8899f3675c3be6-2\"");
}

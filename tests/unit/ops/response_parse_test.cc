// XML parsing of S3 response bodies: the documented examples from the S3 API
// reference (ListObjectsV2, ListBuckets, CopyObject, DeleteObjects, GetBucketLocation)
// and malformed bodies, which must give clear kProtocol errors.

#include <catch2/catch.hpp>

#include "common/time.h"
#include "ops/errors.h"
#include "ops/multipart.h"
#include "ops/requests.h"
#include "ops/versioning.h"

using namespace s3ml;

namespace {

HttpResponse Xml(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", "application/xml");
  r.body = Buffer(body);
  return r;
}

SystemTime Iso(const char* s) { return ParseIso8601(s).value(); }

}  // namespace

TEST_CASE("ParseListObjectsV2: documented example with Contents is parsed field by field", "[ops][xml]") {
  // S3 API reference, ListObjectsV2, "Example 1: Listing keys".
  auto r = ops::ParseListObjectsV2(Xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <Name>bucket</Name>
    <Prefix/>
    <KeyCount>205</KeyCount>
    <MaxKeys>1000</MaxKeys>
    <IsTruncated>false</IsTruncated>
    <Contents>
        <Key>my-image.jpg</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>"fba9dede5f27731c9771645a39863328"</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
    </Contents>
    <Contents>
        <Key>my-third-image.jpg</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>"1b2cf535f27731c974343645a3985328"</ETag>
        <Size>64994</Size>
        <StorageClass>STANDARD_IA</StorageClass>
    </Contents>
</ListBucketResult>)"));
  REQUIRE(r.ok());
  CHECK(r->bucket == "bucket");
  CHECK(r->prefix.empty());
  CHECK(r->key_count == 205);
  CHECK(r->max_keys == 1000);
  CHECK_FALSE(r->is_truncated);
  REQUIRE(r->contents.size() == 2);
  CHECK(r->contents[0].key == "my-image.jpg");
  CHECK(r->contents[0].last_modified == Iso("2009-10-12T17:50:30.000Z"));
  CHECK(r->contents[0].etag == "\"fba9dede5f27731c9771645a39863328\"");
  CHECK(r->contents[0].size == 434234);
  CHECK(r->contents[0].storage_class == "STANDARD");
  CHECK(r->contents[1].key == "my-third-image.jpg");
  CHECK(r->contents[1].size == 64994);
  CHECK(r->contents[1].storage_class == "STANDARD_IA");
  CHECK(r->common_prefixes.empty());
}

TEST_CASE("ParseListObjectsV2: documented truncated page carries the continuation token", "[ops][xml]") {
  // S3 API reference, ListObjectsV2, "Example 3: Using a continuation token" (abridged).
  auto r = ops::ParseListObjectsV2(Xml(R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix></Prefix>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <KeyCount>1000</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents>
    <Key>happyface.jpg</Key>
    <LastModified>2014-11-21T19:40:05.000Z</LastModified>
    <ETag>"70ee1738b6b21e2c8a43f3a5ab0eee71"</ETag>
    <Size>11</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>)"));
  REQUIRE(r.ok());
  CHECK(r->is_truncated);
  CHECK(r->next_continuation_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  REQUIRE(r->contents.size() == 1);
  CHECK(r->contents[0].key == "happyface.jpg");
}

TEST_CASE("ParseListObjectsV2: documented delimiter example yields CommonPrefixes", "[ops][xml]") {
  // S3 API reference, ListObjectsV2, "Example 2: Listing keys using the max-keys, prefix, and start-after parameters"
  // combined with the delimiter example's CommonPrefixes.
  auto r = ops::ParseListObjectsV2(Xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>example-bucket</Name>
  <Prefix></Prefix>
  <KeyCount>2</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>sample.jpg</Key>
    <LastModified>2011-02-26T01:56:20.000Z</LastModified>
    <ETag>"bf1d737a4d46a19f3bced6905cc8b902"</ETag>
    <Size>142863</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes>
    <Prefix>photos/</Prefix>
  </CommonPrefixes>
</ListBucketResult>)"));
  REQUIRE(r.ok());
  CHECK(r->delimiter == "/");
  REQUIRE(r->common_prefixes.size() == 1);
  CHECK(r->common_prefixes[0] == "photos/");
  REQUIRE(r->contents.size() == 1);
  CHECK(r->contents[0].size == 142863);
}

TEST_CASE("ParseListObjectsV2: encoding-type=url keys and prefixes are decoded ('+' is a space)", "[ops][xml]") {
  auto r = ops::ParseListObjectsV2(Xml(R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>dir%2F</Prefix><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType>
  <KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>
  <Contents><Key>dir/a+b%2Bc%3D%40%25%7E%E2%82%AC%01</Key><Size>1</Size>
    <Owner><ID>owner-1</ID><DisplayName>me</DisplayName></Owner></Contents>
  <CommonPrefixes><Prefix>dir/sub%20dir/</Prefix></CommonPrefixes>
</ListBucketResult>)"));
  REQUIRE(r.ok());
  CHECK(r->prefix == "dir/");
  CHECK(r->delimiter == "/");
  REQUIRE(r->contents.size() == 1);
  CHECK(r->contents[0].key == "dir/a b+c=@%~\xE2\x82\xAC\x01");
  CHECK(r->contents[0].owner_id == "owner-1");
  REQUIRE(r->common_prefixes.size() == 1);
  CHECK(r->common_prefixes[0] == "dir/sub dir/");
}

TEST_CASE("ParseListObjectsV2: keys are taken verbatim when the response is not url-encoded", "[ops][xml]") {
  auto r = ops::ParseListObjectsV2(Xml(R"(<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>
  <Contents><Key>a+b%41</Key><Size>3</Size></Contents></ListBucketResult>)"));
  REQUIRE(r.ok());
  CHECK(r->contents.at(0).key == "a+b%41");
}

TEST_CASE("ParseListObjectsV2: a bad number, bad boolean or undecodable key is a protocol error", "[ops][xml]") {
  auto size = ops::ParseListObjectsV2(Xml("<ListBucketResult><Contents><Key>k</Key><Size>12x</Size></Contents></ListBucketResult>"));
  REQUIRE_FALSE(size.ok());
  CHECK(size.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(size.status().message(), Catch::Contains("<Size>") && Catch::Contains("12x"));

  auto trunc = ops::ParseListObjectsV2(Xml("<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>"));
  REQUIRE_FALSE(trunc.ok());
  CHECK_THAT(trunc.status().message(), Catch::Contains("IsTruncated"));

  auto key = ops::ParseListObjectsV2(Xml(
      "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>bad%ZZ</Key></Contents></ListBucketResult>"));
  REQUIRE_FALSE(key.ok());
  CHECK(key.status().category() == ErrorCategory::kProtocol);

  auto notoken = ops::ParseListObjectsV2(Xml("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"));
  REQUIRE_FALSE(notoken.ok());
  CHECK_THAT(notoken.status().message(), Catch::Contains("NextContinuationToken"));
}

TEST_CASE("ParseListBuckets: documented ListAllMyBucketsResult example", "[ops][xml]") {
  // S3 API reference, ListBuckets sample response.
  auto r = ops::ParseListBuckets(Xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner>
    <ID>bcaf1ffd86f461ca5fb16fd081034f</ID>
    <DisplayName>webfile</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <Name>quotes</Name>
      <CreationDate>2006-02-03T16:45:09.000Z</CreationDate>
    </Bucket>
    <Bucket>
      <Name>samples</Name>
      <CreationDate>2006-02-03T16:41:58.000Z</CreationDate>
    </Bucket>
  </Buckets>
</ListAllMyBucketsResult>)"));
  REQUIRE(r.ok());
  CHECK(r->owner_id == "bcaf1ffd86f461ca5fb16fd081034f");
  CHECK(r->owner_display_name == "webfile");
  REQUIRE(r->buckets.size() == 2);
  CHECK(r->buckets[0].name == "quotes");
  CHECK(r->buckets[0].creation_date == Iso("2006-02-03T16:45:09.000Z"));
  CHECK(r->buckets[1].name == "samples");
}

TEST_CASE("ParseListBuckets: no buckets is an empty list, not an error", "[ops][xml]") {
  auto r = ops::ParseListBuckets(
      Xml("<ListAllMyBucketsResult><Owner><ID>x</ID></Owner><Buckets/></ListAllMyBucketsResult>"));
  REQUIRE(r.ok());
  CHECK(r->buckets.empty());
}

TEST_CASE("ParseCopyObject: documented CopyObjectResult (timestamp without zone) and version headers", "[ops][xml]") {
  // S3 API reference, CopyObject sample response.
  HttpResponse resp = Xml(R"(<CopyObjectResult>
   <LastModified>2009-10-28T22:32:00</LastModified>
   <ETag>"9b2cf535f27731c974343645a3985328"</ETag>
</CopyObjectResult>)");
  resp.headers.Set("x-amz-version-id", "QUpfdndhfd8438MNFDN93jdnJFkdmqnh893");
  resp.headers.Set("x-amz-copy-source-version-id", "09df8234529fjs0dfi0w52935029wefdj");
  auto r = ops::ParseCopyObject(resp);
  REQUIRE(r.ok());
  CHECK(r->etag == "\"9b2cf535f27731c974343645a3985328\"");
  CHECK(r->last_modified == Iso("2009-10-28T22:32:00Z"));
  CHECK(r->version_id == "QUpfdndhfd8438MNFDN93jdnJFkdmqnh893");
  CHECK(r->copy_source_version_id == "09df8234529fjs0dfi0w52935029wefdj");
}

TEST_CASE("ParseDeleteObjects: documented DeleteResult with Deleted and Error entries", "[ops][xml]") {
  // S3 API reference, DeleteObjects "Example 1" and the versioned-bucket example.
  auto r = ops::ParseDeleteObjects(Xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Deleted>
    <Key>sample1.txt</Key>
  </Deleted>
  <Error>
    <Key>sample2.txt</Key>
    <Code>AccessDenied</Code>
    <Message>Access Denied</Message>
  </Error>
  <Deleted>
    <Key>SampleDocument.txt</Key>
    <DeleteMarker>true</DeleteMarker>
    <DeleteMarkerVersionId>NeQt5xeFTfgPJD8B4CGWnkSLtluMr11s</DeleteMarkerVersionId>
  </Deleted>
</DeleteResult>)"));
  REQUIRE(r.ok());
  REQUIRE(r->deleted.size() == 2);
  CHECK(r->deleted[0].key == "sample1.txt");
  CHECK_FALSE(r->deleted[0].delete_marker);
  CHECK(r->deleted[1].key == "SampleDocument.txt");
  CHECK(r->deleted[1].delete_marker);
  CHECK(r->deleted[1].delete_marker_version_id == "NeQt5xeFTfgPJD8B4CGWnkSLtluMr11s");
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0].key == "sample2.txt");
  CHECK(r->errors[0].code == "AccessDenied");
  CHECK(r->errors[0].message == "Access Denied");
}

TEST_CASE("ParseGetBucketLocation: documented EU answer, empty (us-east-1) and a region name", "[ops][xml]") {
  // S3 API reference, GetBucketLocation sample response.
  auto eu = ops::ParseGetBucketLocation(Xml(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">EU</LocationConstraint>)"));
  REQUIRE(eu.ok());
  CHECK(*eu == "eu-west-1");
  // "When the bucket's Region is US East (N. Virginia), Amazon S3 returns an empty string"
  auto empty = ops::ParseGetBucketLocation(Xml(R"(<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>)"));
  REQUIRE(empty.ok());
  CHECK(*empty == "us-east-1");
  auto named = ops::ParseGetBucketLocation(Xml("<LocationConstraint>ap-southeast-2</LocationConstraint>"));
  REQUIRE(named.ok());
  CHECK(*named == "ap-southeast-2");
}

TEST_CASE("ParseXml: truncated XML is a protocol error naming the operation and quoting the body", "[ops][xml]") {
  auto r = ops::ParseListBuckets(Xml("<ListAllMyBucketsResult><Buckets><Bucket><Name>qu"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kProtocol);
  CHECK(r.status().http_status() == 200);
  CHECK_THAT(r.status().message(), Catch::StartsWith("ListBuckets: ") && Catch::Contains("not valid XML") &&
                                       Catch::Contains("<ListAllMyBucketsResult><Buckets>"));
}

TEST_CASE("ParseXml: an HTML error page instead of XML is a protocol error quoting the page", "[ops][xml]") {
  std::string html =
      "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
  auto r = ops::ParseListObjectsV2(Xml(html));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(r.status().message(), Catch::Contains("ListObjectsV2") && Catch::Contains("Bad Gateway"));
  // Not even HTML: plain text garbage.
  auto g = ops::ParseDeleteObjects(Xml("hello, I am not XML \x01\x02"));
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(g.status().message(), Catch::Contains("DeleteObjects") && Catch::Contains("hello, I am not XML .."));
}

TEST_CASE("ParseXml: an empty body is a protocol error saying so", "[ops][xml]") {
  for (const char* body : {"", "  \r\n"}) {
    auto r = ops::ParseCopyObject(Xml(body));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kProtocol);
    CHECK_THAT(r.status().message(), Catch::Contains("CopyObject") && Catch::Contains("empty body") &&
                                         Catch::Contains("<CopyObjectResult>"));
  }
}

TEST_CASE("ParseXml: the wrong root element is a protocol error naming both elements", "[ops][xml]") {
  auto r = ops::ParseListObjectsV2(Xml("<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(r.status().message(),
             Catch::Contains("<ListAllMyBucketsResult>") && Catch::Contains("expected <ListBucketResult>"));
}

TEST_CASE("ParseXml: a long garbage body is quoted only in part", "[ops][xml]") {
  std::string big(100000, 'x');
  auto r = ops::ParseListBuckets(Xml(big));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().size() < 600);
  CHECK_THAT(r.status().message(), Catch::EndsWith("..."));
}

TEST_CASE("ParseObjectMetadata: GET/HEAD headers incl. user metadata and a Content-Range total", "[ops]") {
  Headers h;
  h.Set("Content-Length", "100");
  h.Set("Content-Type", "text/plain");
  h.Set("Content-Range", "bytes 100-199/1234");
  h.Set("ETag", "\"abc\"");
  h.Set("Last-Modified", "Wed, 12 Oct 2009 17:50:00 GMT");
  h.Set("x-amz-version-id", "v1");
  h.Set("x-amz-storage-class", "STANDARD_IA");
  h.Set("X-Amz-Meta-Color", "blue");
  h.Set("x-amz-meta-shape", "round");
  h.Set("x-amz-mp-parts-count", "3");
  h.Set("x-amz-delete-marker", "true");
  auto m = ops::ParseObjectMetadata(206, h);
  REQUIRE(m.ok());
  CHECK(m->content_length == 100);
  CHECK(m->object_size == 1234);
  CHECK(m->content_type == "text/plain");
  CHECK(m->etag == "\"abc\"");
  CHECK(m->last_modified == ParseHttpDate("Wed, 12 Oct 2009 17:50:00 GMT").value());
  CHECK(m->version_id == "v1");
  CHECK(m->storage_class == "STANDARD_IA");
  CHECK(m->metadata == Metadata{{"color", "blue"}, {"shape", "round"}});
  CHECK(m->parts_count == 3);
  CHECK(m->delete_marker);

  Headers bad;
  bad.Set("Content-Length", "12abc");
  auto b = ops::ParseObjectMetadata(200, bad);
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().category() == ErrorCategory::kProtocol);
  Headers badrange;
  badrange.Set("Content-Range", "0-1/2");
  CHECK_FALSE(ops::ParseObjectMetadata(206, badrange).ok());
}

TEST_CASE("ParseXml: every parser accepts moto's <...Response> root, and a wrapped S3 root", "[ops][xml]") {
  // "<root minus Result>Response"
  auto copy = ops::ParseCopyObject(Xml("<CopyObjectResponse><ETag>\"e\"</ETag></CopyObjectResponse>"));
  REQUIRE(copy.ok());
  CHECK(copy->etag == "\"e\"");
  // "<operation>Response"
  auto del = ops::ParseDeleteObjects(
      Xml("<DeleteObjectsResponse><Deleted><Key>k</Key></Deleted></DeleteObjectsResponse>"));
  REQUIRE(del.ok());
  REQUIRE(del->deleted.size() == 1);
  CHECK(del->deleted[0].key == "k");
  // A wrapper around the documented root: the inner element is read.
  auto buckets = ops::ParseListBuckets(Xml(
      "<ListBucketsResponse><ListAllMyBucketsResult><Buckets><Bucket><Name>b1</Name></Bucket></Buckets>"
      "</ListAllMyBucketsResult></ListBucketsResponse>"));
  REQUIRE(buckets.ok());
  REQUIRE(buckets->buckets.size() == 1);
  CHECK(buckets->buckets[0].name == "b1");
  auto versions = ops::ParseListObjectVersions(
      Xml("<ListVersionsResponse><Version><Key>v</Key><IsLatest>true</IsLatest></Version></ListVersionsResponse>"));
  REQUIRE(versions.ok());
  REQUIRE(versions->versions.size() == 1);
  // Another operation's wrapper is still refused.
  auto other = ops::ParseCopyObject(Xml("<ListPartsResponse/>"));
  REQUIRE_FALSE(other.ok());
  CHECK_THAT(other.status().message(), Catch::Contains("expected <CopyObjectResult>"));
}

TEST_CASE("Listing parsers: an undecodable url-encoded value names the listing it came from", "[ops][xml]") {
  const char* bad = "<EncodingType>url</EncodingType><Prefix>bad%ZZ</Prefix>";
  auto v2 = ops::ParseListObjectsV2(Xml(std::string("<ListBucketResult>") + bad + "</ListBucketResult>"));
  auto versions = ops::ParseListObjectVersions(Xml(std::string("<ListVersionsResult>") + bad + "</ListVersionsResult>"));
  auto uploads = ops::ParseListMultipartUploads(
      Xml(std::string("<ListMultipartUploadsResult>") + bad + "</ListMultipartUploadsResult>"));
  for (const Status& st : {v2.status(), versions.status(), uploads.status()}) {
    REQUIRE_FALSE(st.ok());
    CHECK(st.category() == ErrorCategory::kProtocol);
    CHECK_THAT(st.message(), Catch::Contains("does not decode") && Catch::Contains("bad%ZZ"));
  }
  CHECK_THAT(v2.status().message(), Catch::StartsWith("ListObjectsV2: "));
  CHECK_THAT(versions.status().message(), Catch::StartsWith("ListObjectVersions: "));
  CHECK_THAT(uploads.status().message(), Catch::StartsWith("ListMultipartUploads: "));
}

TEST_CASE("ProtocolError: kProtocol naming the operation, with the HTTP status and a quoted body", "[ops]") {
  Status bare = ops::ProtocolError("GetObject", "bad <Size> '12x'");
  CHECK(bare.category() == ErrorCategory::kProtocol);
  CHECK(bare.message() == "GetObject: bad <Size> '12x'");
  CHECK(bare.http_status() == 0);
  CHECK(ops::ProtocolError({}, "no operation").message() == "no operation");
  Status quoted = ops::ProtocolError("ListParts", Xml("<ListPartsResult>\n  <IsTruncated>", 206), "truncated");
  CHECK(quoted.http_status() == 206);
  CHECK(quoted.message() == "ListParts: truncated; body starts with: <ListPartsResult> <IsTruncated>");
}

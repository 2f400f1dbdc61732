#include <catch2/catch.hpp>

#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

TEST_CASE("Buckets: re-creating a bucket you own in us-east-1 answers 200 (S3's legacy behaviour there)") {
  // "BucketAlreadyOwnedByYou: ... Amazon S3 returns this error in all AWS Regions except in
  // the North Virginia Region. For legacy compatibility, if you re-create an existing bucket
  // that you already own in the North Virginia Region, Amazon S3 returns 200 OK"
  auto server = StartServer();  // us-east-1
  Client c(*server);
  REQUIRE(c.CreateBucket("east").status == 200);
  REQUIRE(c.Put(ObjPath("east", "k"), "kept").status == 200);
  auto again = c.CreateBucket("east");
  CHECK(again.status == 200);
  CHECK(again.Header("Location") == "/east");
  CHECK(c.Get(ObjPath("east", "k")).body == "kept");  // a no-op: the bucket is unchanged
}

TEST_CASE("Buckets: CreateBucket answers 200 with Location, then BucketAlreadyOwnedByYou 409 outside us-east-1") {
  MockS3Options o;
  o.region = "eu-west-1";
  auto server = StartServer(o);
  Client c(*server);
  auto r = c.CreateBucket("alpha");
  CHECK(r.status == 200);
  CHECK(r.Header("Location") == "/alpha");
  auto again = c.CreateBucket("alpha");
  CHECK(again.status == 409);
  CHECK(again.Xml("/Error/Code") == "BucketAlreadyOwnedByYou");
  CHECK(again.Xml("/Error/BucketName") == "alpha");
  CHECK(again.Xml("/Error/Resource") == "/alpha");
  CHECK(again.Header("Content-Type") == "application/xml");
}

TEST_CASE("Buckets: invalid names are InvalidBucketName 400") {
  auto server = StartServer();
  Client c(*server);
  for (std::string name : {"ab", "UPPER", "under_score", "-dash", "a..b", "10.0.0.1", "xn--punycode"}) {
    INFO(name);
    auto r = c.CreateBucket(name);
    CHECK(r.status == 400);
    CHECK(r.Xml("/Error/Code") == "InvalidBucketName");
    CHECK(r.Xml("/Error/BucketName") == name);
  }
  CHECK(c.CreateBucket(std::string(64, 'a')).status == 400);
}

TEST_CASE("Buckets: LocationConstraint sets the region seen by GetBucketLocation, HeadBucket and ListBuckets") {
  auto server = StartServer();
  Client c(*server);
  Request r;
  r.method = "PUT";
  r.path = "/euro";
  r.body =
      "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
  REQUIRE(c.Send(r).status == 200);
  REQUIRE(c.CreateBucket("plain").status == 200);

  Request loc;
  loc.path = "/euro";
  loc.query = {{"location", ""}};
  auto l = c.Send(loc);
  CHECK(l.status == 200);
  CHECK(l.Xml("/LocationConstraint") == "eu-west-1");
  CHECK(l.body.find("xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"") != std::string::npos);
  loc.path = "/plain";
  auto l2 = c.Send(loc);
  CHECK(l2.Xml("/LocationConstraint").empty());  // us-east-1 is the empty constraint
  CHECK(l2.body.find("<LocationConstraint") != std::string::npos);

  auto h = c.Head("/euro");
  CHECK(h.status == 200);
  CHECK(h.Header("x-amz-bucket-region") == "eu-west-1");
  CHECK(h.body.empty());

  auto list = c.Get("/");
  CHECK(list.XmlAll("/ListAllMyBucketsResult/Buckets/Bucket/Name") == std::vector<std::string>{"euro", "plain"});
  CHECK(list.XmlAll("/ListAllMyBucketsResult/Buckets/Bucket/BucketRegion") ==
        std::vector<std::string>{"eu-west-1", "us-east-1"});
  CHECK(ParseIso8601(list.Xml("/ListAllMyBucketsResult/Buckets/Bucket/CreationDate")).ok());
  CHECK_FALSE(list.Xml("/ListAllMyBucketsResult/Owner/ID").empty());
}

TEST_CASE("Buckets: bad CreateBucketConfiguration bodies are MalformedXML / InvalidLocationConstraint") {
  auto server = StartServer();
  Client c(*server);
  Request r;
  r.method = "PUT";
  r.path = "/bad-xml";
  r.body = "<CreateBucketConfiguration><LocationConstraint>";
  auto m = c.Send(r);
  CHECK(m.status == 400);
  CHECK(m.Xml("/Error/Code") == "MalformedXML");
  r.body = "<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>";
  auto i = c.Send(r);
  CHECK(i.status == 400);
  CHECK(i.Xml("/Error/Code") == "InvalidLocationConstraint");
}

TEST_CASE("Buckets: DeleteBucket is 204, BucketNotEmpty 409 and NoSuchBucket 404") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("del").status == 200);
  REQUIRE(c.Put(ObjPath("del", "k"), "x").status == 200);
  auto full = c.Delete("/del");
  CHECK(full.status == 409);
  CHECK(full.Xml("/Error/Code") == "BucketNotEmpty");
  REQUIRE(c.Delete(ObjPath("del", "k")).status == 204);
  CHECK(c.Delete("/del").status == 204);
  auto gone = c.Delete("/del");
  CHECK(gone.status == 404);
  CHECK(gone.Xml("/Error/Code") == "NoSuchBucket");
  CHECK(gone.Xml("/Error/BucketName") == "del");
}

TEST_CASE("Buckets: HeadBucket on a missing bucket is 404 with no body") {
  auto server = StartServer();
  Client c(*server);
  auto h = c.Head("/missing");
  CHECK(h.status == 404);
  CHECK(h.body.empty());
  CHECK_FALSE(h.Header("x-amz-request-id").empty());
}

TEST_CASE("Buckets: virtual-hosted requests address the bucket through the Host header") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("vhost").status == 200);
  Request put;
  put.method = "PUT";
  put.host = "vhost.localhost";
  put.path = "/dir/obj.txt";
  put.body = "virtual";
  REQUIRE(c.Send(put).status == 200);
  CHECK(server->ObjectBody("vhost", "dir/obj.txt").value() == "virtual");
  Request list;
  list.host = "vhost.127.0.0.1.nip.io";
  list.query = {{"list-type", "2"}};
  auto l = c.Send(list);
  CHECK(l.status == 200);
  CHECK(l.Xml("/ListBucketResult/Name") == "vhost");
  CHECK(l.Xml("/ListBucketResult/Contents/Key") == "dir/obj.txt");
}

TEST_CASE("Buckets: unsupported operations are 501 NotImplemented naming the operation") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("nim").status == 200);
  Request r;
  r.path = "/nim";
  r.query = {{"website", ""}};
  auto v = c.Send(r);
  CHECK(v.status == 501);
  CHECK(v.Xml("/Error/Code") == "NotImplemented");
  CHECK(v.Xml("/Error/Message").find("GetBucketWebsite") != std::string::npos);
  Request torrent;
  torrent.path = ObjPath("nim", "k");
  torrent.query = {{"torrent", ""}};
  auto m = c.Send(torrent);
  CHECK(m.status == 501);
  CHECK(m.Xml("/Error/Message").find("GetObjectTorrent") != std::string::npos);
  Request root_put;
  root_put.method = "PUT";
  root_put.path = "/";
  auto na = c.Send(root_put);
  CHECK(na.status == 405);
  CHECK(na.Xml("/Error/Code") == "MethodNotAllowed");
}

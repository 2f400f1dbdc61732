#include "support/test_support.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include <catch2/catch.hpp>

namespace s3ml::test {

namespace {
std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

PortableEndpoint& Portable() {
  static PortableEndpoint ep = [] {
    PortableEndpoint e;
    static std::unique_ptr<mock::MockS3Server> server;
    if (std::string url = Env("S3ML_TEST_ENDPOINT"); !url.empty()) {
      e.external = true;
      e.url = url;
      e.access_key = Env("S3ML_TEST_ACCESS_KEY");
      e.secret_key = Env("S3ML_TEST_SECRET_KEY");
      e.region = Env("S3ML_TEST_REGION").empty() ? "us-east-1" : Env("S3ML_TEST_REGION");
      if (e.access_key.empty()) e.access_key = "testing";
      if (e.secret_key.empty()) e.secret_key = "testing";
      return e;
    }
    mock::MockS3Options o;
    o.threads = 8;
    auto s = mock::MockS3Server::Start(o);
    if (!s.ok()) throw Error(s.status());
    server = std::move(*s);
    e.url = server->endpoint_url();
    e.access_key = server->options().access_key;
    e.secret_key = server->options().secret_key;
    e.region = server->options().region;
    e.mock = server.get();
    return e;
  }();
  return ep;
}

ClientOptions PortableOptions() {
  const PortableEndpoint& e = Portable();
  ClientOptions o = ClientOptions::ForEndpoint(e.url, e.region);
  o.credentials = Credentials{e.access_key, e.secret_key, "", std::nullopt, "test"};
  o.retry.base_delay = std::chrono::milliseconds(5);
  o.low_speed_time = std::chrono::seconds(10);  // a stuck server fails the test instead of hanging it
  o.disable_imds = true;
  return o;
}

Client PortableClient() {
  auto c = Client::Create(PortableOptions());
  REQUIRE(c.ok());
  return *c;
}

std::unique_ptr<mock::MockS3Server> StartMock(mock::MockS3Options opts) {
  auto s = mock::MockS3Server::Start(opts);
  REQUIRE(s.ok());
  return std::move(*s);
}

ClientOptions MockOptions(const mock::MockS3Server& server) {
  ClientOptions o = ClientOptions::ForEndpoint(server.endpoint_url(), server.options().region);
  o.credentials = Credentials{server.options().access_key, server.options().secret_key, "", std::nullopt, "test"};
  o.low_speed_time = std::chrono::seconds(10);
  o.disable_imds = true;
  return o;
}

void RecordingSleeper::Sleep(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  delays_.push_back(d);
}
std::vector<std::chrono::milliseconds> RecordingSleeper::delays() const {
  std::lock_guard<std::mutex> lock(mu_);
  return delays_;
}

namespace {
Client CreateOrFail(ClientOptions options, ClientDependencies deps) {
  auto c = Client::Impl::Create(std::move(options), std::move(deps));
  REQUIRE(c.ok());
  return *c;
}
}  // namespace

Client MakeClient(ClientOptions options, Clock* clock) {
  ClientDependencies deps;
  deps.clock = clock;
  return CreateOrFail(std::move(options), std::move(deps));
}

Client ClientWithSleeper(ClientOptions options, Sleeper* sleeper) {
  ClientDependencies deps;
  deps.sleeper = sleeper;
  return CreateOrFail(std::move(options), std::move(deps));
}

std::string UniqueBucketName(const std::string& tag) {
  static std::atomic<int> counter{0};
  static const unsigned run = std::random_device{}() % 100000;
  return "s3ml-it-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(run) + "-" +
         std::to_string(counter++);
}

ScopedBucket::ScopedBucket(const Client& client, const std::string& tag, BucketSetup setup)
    : client_(client), name_(UniqueBucketName(tag)), delete_versions_(setup.delete_versions) {
  auto r = client_.CreateBucket(CreateBucketRequest{name_, ""});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  if (setup.enable_versioning) {
    Status st = client_.PutBucketVersioning(PutBucketVersioningRequest{name_, VersioningStatus::kEnabled});
    INFO(st.ToString());
    REQUIRE(st.ok());
  }
}

ScopedBucket::~ScopedBucket() {
  // Best effort: a failing test must not also fail in cleanup.
  std::vector<DeleteObjectRequest> deletes;
  if (delete_versions_) {
    ListObjectVersionsRequest l;
    l.bucket = name_;
    if (auto all = client_.ListObjectVersionsPages(l).All(); all.ok())
      for (const auto& v : *all) deletes.push_back(DeleteObjectRequest{name_, v.key, v.version_id});
  } else {
    ListObjectsV2Request l;
    l.bucket = name_;
    if (auto all = client_.ListObjectsV2Pages(l).All(); all.ok())
      for (const auto& o : *all) deletes.push_back(DeleteObjectRequest{name_, o.key, ""});
  }
  for (const auto& d : deletes) (void)client_.DeleteObject(d);
  (void)client_.DeleteBucket(name_);
}

const std::vector<std::string>& OddKeys() {
  static const std::vector<std::string> keys = {
      "plain.txt",
      "a=b",
      "user@example.com",
      "a+b",
      "with space",
      "100%",
      "%41",
      "tilde~",
      "unicode-\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80",
      "double//slash",
      "trailing/",
      "semi;colon,comma",
      "paren(1)*!",
      "quote'apos",
      "amp&hash#q?",
      "dir/sub dir/file name.bin",
  };
  return keys;
}

GetObjectRequest GetReq(const std::string& bucket, const std::string& key) {
  GetObjectRequest r;
  r.bucket = bucket;
  r.key = key;
  return r;
}

HeadObjectRequest HeadReq(const std::string& bucket, const std::string& key) {
  HeadObjectRequest r;
  r.bucket = bucket;
  r.key = key;
  return r;
}

PutObjectRequest PutReq(const std::string& bucket, const std::string& key, std::string_view data) {
  PutObjectRequest r;
  r.bucket = bucket;
  r.key = key;
  r.data = data;
  return r;
}

PutObjectResult Put(const Client& c, const std::string& bucket, const std::string& key, std::string_view data,
                    const std::string& storage_class) {
  PutObjectRequest p = PutReq(bucket, key, data);
  p.storage_class = storage_class;
  auto r = c.PutObject(p);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::vector<MultipartUploadInfo> OpenUploads(const Client& c, const std::string& bucket) {
  ListMultipartUploadsRequest req;
  req.bucket = bucket;
  auto r = c.ListMultipartUploads(req);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return r->uploads;
}

}  // namespace s3ml::test

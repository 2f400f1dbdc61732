// Bad input and hostile environments: invalid names and keys, malformed endpoints,
// missing credentials, an unreachable endpoint, a server answering garbage. Each must
// give a clear error; none may crash or hang.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>
#include <httplib.h>

#include "auth/environment.h"
#include "s3ml/version.h"
#include "client/options_env.h"
#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

// A tiny HTTP server answering every request with a fixed status, content type and body.
class GarbageServer {
 public:
  GarbageServer(int status, std::string content_type, std::string body) {
    auto handler = [=](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_user_agent_ = req.get_header_value("User-Agent");
      }
      res.status = status;
      res.set_content(body, content_type.c_str());
    };
    server_.Get(".*", handler);
    server_.Put(".*", handler);
    server_.Post(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~GarbageServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string last_user_agent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_user_agent_;
  }

 private:
  mutable std::mutex mu_;
  std::string last_user_agent_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

ClientOptions AnonymousOptions(const std::string& url) {
  ClientOptions o = ClientOptions::ForEndpoint(url);
  o.credentials = Credentials{"AKIDEXAMPLE", "secret", "", std::nullopt, "test"};
  o.retry.max_attempts = 2;
  o.retry.base_delay = std::chrono::milliseconds(1);
  o.disable_imds = true;
  return o;
}

Client MustCreate(ClientOptions o) {
  auto c = Client::Create(std::move(o));
  INFO(c.status().ToString());
  REQUIRE(c.ok());
  return *c;
}

}  // namespace

TEST_CASE("BadInput: invalid bucket names are rejected before any request with a reason", "[badinput]") {
  auto server = StartMock();
  Client c = MustCreate(MockOptions(*server));
  struct Case {
    std::string bucket, why;
  } cases[] = {
      {"", "empty"},
      {"ab", "3 to 63"},
      {std::string(64, 'a'), "3 to 63"},
      {"My-Bucket", "'M'"},
      {"under_score", "'_'"},
      {"-leading", "begin and end"},
      {"trailing-", "begin and end"},
      {"two..dots", "adjacent periods"},
      {"192.168.5.4", "IP address"},
      {"xn--punycode", "xn--"},
      {"name-s3alias", "-s3alias"},
      {"sp ace", "' '"},
  };
  std::uint64_t before = server->stats().requests;
  for (const auto& cs : cases) {
    INFO("bucket: '" << cs.bucket << "'");
    Status st = c.CreateBucket(CreateBucketRequest{cs.bucket, ""}).status();
    REQUIRE_FALSE(st.ok());
    CHECK(st.category() == ErrorCategory::kInvalidArgument);
    CHECK(st.operation() == "CreateBucket");
    CHECK_THAT(st.message(), Catch::Contains(cs.why));
    CHECK(ValidateBucketName(cs.bucket).category() == ErrorCategory::kInvalidArgument);
    GetObjectRequest g;
    g.bucket = cs.bucket;
    g.key = "k";
    CHECK(c.GetObject(g).status().category() == ErrorCategory::kInvalidArgument);
  }
  CHECK(server->stats().requests == before);
  for (const std::string& ok : std::vector<std::string>{"abc", "my-bucket", "my.bucket.name", "a1-b2.c3", "0123456789", std::string(63, 'z')}) {
    INFO(ok);
    CHECK(ValidateBucketName(ok).ok());
  }
}

TEST_CASE("BadInput: empty and over-long keys are rejected, 1024 bytes accepted", "[badinput]") {
  auto server = StartMock();
  Client c = MustCreate(MockOptions(*server));
  REQUIRE(c.CreateBucket(CreateBucketRequest{"keys", ""}).ok());
  PutObjectRequest p;
  p.bucket = "keys";
  p.data = "x";
  p.key = "";
  Status empty = c.PutObject(p).status();
  CHECK(empty.category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(empty.ToString(), Catch::StartsWith("PutObject s3://keys: ") && Catch::Contains("key is empty"));

  p.key = std::string(1025, 'k');
  Status longk = c.PutObject(p).status();
  CHECK(longk.category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(longk.message(), Catch::Contains("1025 bytes") && Catch::Contains("1024"));

  p.key = std::string(1023, 'k') + "\xC3";  // 1024 bytes but not UTF-8
  CHECK_THAT(c.PutObject(p).status().message(), Catch::Contains("UTF-8"));

  p.key = std::string(1022, 'k') + "\xC3\xA9";  // exactly 1024 bytes of UTF-8
  auto ok = c.PutObject(p);
  INFO(ok.status().ToString());
  CHECK(ok.ok());
  GetObjectRequest g;
  g.bucket = "keys";
  g.key = p.key;
  CHECK(c.GetObject(g).ok());

  DeleteObjectsRequest d;
  d.bucket = "keys";
  for (int i = 0; i < 1001; ++i) d.objects.push_back({"k" + std::to_string(i), ""});
  Status many = c.DeleteObjects(d).status();
  CHECK(many.category() == ErrorCategory::kInvalidArgument);
  CHECK_THAT(many.message(), Catch::Contains("at most 1000"));
}

TEST_CASE("BadInput: malformed endpoint URLs and options fail Client::Create naming the field", "[badinput]") {
  struct Case {
    std::string url, why;
  } cases[] = {
      {"not a url", "scheme://"},
      {"ftp://host", "http or https"},
      {"http://", "missing host"},
      {"http://host:99999", "port"},
      {"http://host:abc", "port"},
      {"http://ho st", "invalid character"},
      {"http://host/path?query=1", "query"},
  };
  for (const auto& cs : cases) {
    INFO(cs.url);
    auto c = Client::Create(ClientOptions::ForEndpoint(cs.url));
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().category() == ErrorCategory::kInvalidArgument);
    CHECK_THAT(c.status().message(), Catch::Contains("endpoint_url") && Catch::Contains(cs.why));
  }
  ClientOptions o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.retry.max_attempts = 0;
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("retry.max_attempts"));
  o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.connect_timeout = std::chrono::milliseconds(0);
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("connect_timeout"));
  o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.region = "US East";
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("region"));
  o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.ca_file = "/nonexistent/ca.pem";
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("ca_file") && Catch::Contains("/nonexistent/ca.pem"));
  o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.credentials = Credentials{"AKID", "", "", std::nullopt, ""};
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("credentials"));
  o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.addressing = AddressingStyle::kVirtualHosted;
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("addressing"));
  o = ClientOptions::ForEndpoint("http://127.0.0.1:1");
  o.max_connections = 0;
  CHECK_THAT(Client::Create(o).status().message(), Catch::Contains("max_connections"));
}

TEST_CASE("BadInput: missing credentials name every source tried", "[badinput]") {
  auto server = StartMock();
  ClientOptions o = ClientOptions::ForEndpoint(server->endpoint_url());
  o.imds_endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort());
  ClientDependencies deps;
  deps.environment = std::make_shared<Environment>(Environment::FromMap({}, "/nonexistent-home-for-s3ml-test"));
  auto c = Client::Impl::Create(o, deps);
  REQUIRE(c.ok());  // credentials are resolved lazily, on the first request
  auto start = std::chrono::steady_clock::now();
  auto r = c->ListBuckets();
  REQUIRE_FALSE(r.ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  const Status& s = r.status();
  CHECK(s.category() == ErrorCategory::kCredentials);
  CHECK(s.operation() == "ListBuckets");
  std::string msg = s.ToString();
  INFO(msg);
  CHECK_THAT(msg, Catch::Contains("Unable to locate credentials. Looked in: "));
  CHECK_THAT(msg, Catch::Contains("environment"));
  CHECK_THAT(msg, Catch::Contains("/nonexistent-home-for-s3ml-test/.aws/credentials"));
  CHECK_THAT(msg, Catch::Contains("/nonexistent-home-for-s3ml-test/.aws/config"));
  CHECK_THAT(msg, Catch::Contains("credential_process"));
  CHECK_THAT(msg, Catch::Contains("imds") || Catch::Contains("IMDS"));
  CHECK(server->stats().requests == 0);

  // With credentials in that environment, the same client setup works.
  deps.environment = std::make_shared<Environment>(Environment::FromMap(
      {{"AWS_ACCESS_KEY_ID", server->options().access_key}, {"AWS_SECRET_ACCESS_KEY", server->options().secret_key}},
      "/nonexistent-home-for-s3ml-test"));
  auto c2 = Client::Impl::Create(o, deps);
  REQUIRE(c2.ok());
  auto ok = c2->ListBuckets();
  INFO(ok.status().ToString());
  CHECK(ok.ok());
}

TEST_CASE("BadInput: options from an empty environment and an empty HOME say where credentials were looked for",
          "[badinput]") {
  // What s3ml.Client() and the CLI do: options from the environment, then the chain.
  // An implicit "default" profile that exists nowhere is "nothing there", not a
  // source that is "configured but unusable".
  std::string home = std::string(S3ML_BINARY_DIR) + "/it-empty-home-" + std::to_string(::getpid());
  REQUIRE(std::system(("mkdir -p '" + home + "'").c_str()) == 0);
  const std::string imds = "http://127.0.0.1:" + std::to_string(ClosedPort());  // no IMDS: refused at once
  auto env = std::make_shared<Environment>(Environment::FromMap({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds}}, home));
  auto o = ClientOptionsFromEnvironment(*env, "");
  REQUIRE(o.ok());
  CHECK(o->profile.empty());
  auto server = StartMock();
  o->endpoint_url = server->endpoint_url();
  ClientDependencies deps;
  deps.environment = env;
  auto c = Client::Impl::Create(*o, deps);
  REQUIRE(c.ok());
  auto start = std::chrono::steady_clock::now();
  auto r = c->ListBuckets();
  REQUIRE_FALSE(r.ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(r.status().category() == ErrorCategory::kCredentials);
  CHECK(r.status().code() == "NoCredentials");
  const std::string msg = r.status().message();
  INFO(msg);
  CHECK(msg.find("unusable") == std::string::npos);
  CHECK_THAT(msg, Catch::StartsWith("Unable to locate credentials. Looked in: environment variables "
                                    "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): AWS_ACCESS_KEY_ID not set; "
                                    "the shared credentials file " + home + "/.aws/credentials: not found; "
                                    "the shared config file " + home + "/.aws/config: not found; "
                                    "a credential_process in profile 'default': profile not found; "
                                    "the EC2 instance metadata service (IMDS): PUT " + imds + "/latest/api/token: "));
  CHECK(server->stats().requests == 0);
  REQUIRE(std::system(("rm -rf '" + home + "'").c_str()) == 0);
}

TEST_CASE("Credentials: the default chain fetches instance credentials from a fake IMDSv2 on loopback",
          "[credentials]") {
  auto server = StartMock();
  httplib::Server imds;
  std::mutex mu;
  std::vector<std::string> seen;
  auto record = [&](const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(req.method + " " + req.path);
  };
  imds.Put("/latest/api/token", [&](const httplib::Request& req, httplib::Response& res) {
    record(req);
    if (!req.has_header("X-aws-ec2-metadata-token-ttl-seconds")) {
      res.status = 400;
      return;
    }
    res.set_content("TOKEN-123", "text/plain");
  });
  imds.Get("/latest/meta-data/iam/security-credentials/", [&](const httplib::Request& req, httplib::Response& res) {
    record(req);
    res.status = req.get_header_value("X-aws-ec2-metadata-token") == "TOKEN-123" ? 200 : 401;
    res.set_content("train-role", "text/plain");
  });
  std::string creds_json = "{\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", \"AccessKeyId\": \"" +
                           server->options().access_key + "\", \"SecretAccessKey\": \"" +
                           server->options().secret_key +
                           "\", \"Token\": \"session-token\", \"Expiration\": \"2099-01-01T00:00:00Z\"}";
  imds.Get("/latest/meta-data/iam/security-credentials/train-role",
           [&](const httplib::Request& req, httplib::Response& res) {
             record(req);
             res.status = req.get_header_value("X-aws-ec2-metadata-token") == "TOKEN-123" ? 200 : 401;
             res.set_content(creds_json, "application/json");
           });
  int port = imds.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread t([&] { imds.listen_after_bind(); });
  while (!imds.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  ClientOptions o = ClientOptions::ForEndpoint(server->endpoint_url());
  o.imds_endpoint = "http://127.0.0.1:" + std::to_string(port);
  ClientDependencies deps;
  deps.environment = std::make_shared<Environment>(Environment::FromMap({}, "/nonexistent-home-for-s3ml-test"));
  Result<CreateBucketResult> created = Status(ErrorCategory::kInternal, "not run");
  Result<ListBucketsResult> listed = Status(ErrorCategory::kInternal, "not run");
  {
    // The client (and its IMDS connection) goes away before the fake IMDS stops.
    auto c = Client::Impl::Create(o, deps);
    REQUIRE(c.ok());
    created = c->CreateBucket(CreateBucketRequest{"from-imds", ""});
    listed = c->ListBuckets();
  }
  imds.stop();
  t.join();
  INFO(created.status().ToString());
  CHECK(created.ok());
  REQUIRE(listed.ok());
  REQUIRE(listed->buckets.size() == 1);
  CHECK(listed->buckets[0].name == "from-imds");
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(seen.size() >= 3);
  CHECK(seen[0] == "PUT /latest/api/token");
  CHECK(seen[2] == "GET /latest/meta-data/iam/security-credentials/train-role");
  CHECK(seen.size() == 3);  // cached: the second request did not ask IMDS again
}

TEST_CASE("BadInput: wrong credentials give the server's SignatureDoesNotMatch / InvalidAccessKeyId", "[badinput]") {
  auto server = StartMock();
  ClientOptions o = MockOptions(*server);
  o.credentials->secret_access_key = "wrong-secret";
  Client c = MustCreate(o);
  auto r = c.ListBuckets();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == "SignatureDoesNotMatch");
  CHECK(r.status().http_status() == 403);
  o.credentials->access_key_id = "AKIAUNKNOWN";
  Client c2 = MustCreate(o);
  CHECK(c2.ListBuckets().status().code() == "InvalidAccessKeyId");
}

TEST_CASE("BadInput: an unreachable endpoint fails within connect timeout x attempts naming host:port", "[badinput]") {
  int port = ClosedPort();
  ClientOptions o = AnonymousOptions("http://127.0.0.1:" + std::to_string(port));
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.retry.max_attempts = 3;
  Client c = MustCreate(o);
  auto start = std::chrono::steady_clock::now();
  auto r = c.ListBuckets();
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  const Status& s = r.status();
  CHECK(s.category() == ErrorCategory::kNetwork);
  CHECK(s.attempts() == 3);
  CHECK_THAT(s.ToString(), Catch::Contains("127.0.0.1:" + std::to_string(port)) &&
                               Catch::StartsWith("ListBuckets") && Catch::Contains("gave up after 3 attempts"));
  CHECK(elapsed < std::chrono::milliseconds(1000 * 3 + 2000));
}

TEST_CASE("BadInput: a server answering HTML instead of XML gives a clear protocol error", "[badinput]") {
  GarbageServer g(200, "text/html", "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head></html>");
  Client c = MustCreate(AnonymousOptions(g.url()));
  auto r = c.ListBuckets();
  REQUIRE_FALSE(r.ok());
  const Status& s = r.status();
  CHECK(s.category() == ErrorCategory::kProtocol);
  CHECK(s.operation() == "ListBuckets");
  CHECK_THAT(s.ToString(), Catch::Contains("ListBuckets") && Catch::Contains("Welcome to nginx!") &&
                               Catch::Contains("ListAllMyBucketsResult"));
  CHECK_THAT(g.last_user_agent(), Catch::StartsWith(std::string("s3ml/") + S3ML_VERSION_STRING));
  ListObjectsV2Request l;
  l.bucket = "bucket";
  auto lr = c.ListObjectsV2(l);
  REQUIRE_FALSE(lr.ok());
  CHECK(lr.status().category() == ErrorCategory::kProtocol);
  CHECK_THAT(lr.status().ToString(), Catch::StartsWith("ListObjectsV2 s3://bucket: "));
}

TEST_CASE("BadInput: garbage bytes and a truncated XML document are protocol errors", "[badinput]") {
  {
    GarbageServer g(200, "application/octet-stream", std::string("\x00\x01\x02\xff garbage", 12));
    Client c = MustCreate(AnonymousOptions(g.url()));
    auto r = c.ListBuckets();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kProtocol);
  }
  {
    GarbageServer g(200, "application/xml", "<ListAllMyBucketsResult><Buckets><Bucket><Na");
    Client c = MustCreate(AnonymousOptions(g.url()));
    auto r = c.ListBuckets();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kProtocol);
    CHECK_THAT(r.status().message(), Catch::Contains("not valid XML"));
  }
}

TEST_CASE("BadInput: an HTML 5xx page is retried then reported with the HTTP status", "[badinput]") {
  GarbageServer g(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
  Client c = MustCreate(AnonymousOptions(g.url()));
  auto r = c.HeadBucket("bucket");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().http_status() == 502);
  CHECK(r.status().attempts() == 2);
  GetObjectRequest get;
  get.bucket = "bucket";
  get.key = "k";
  auto gr = c.GetObject(get);
  REQUIRE_FALSE(gr.ok());
  CHECK(gr.status().code() == "BadGateway");
  CHECK_THAT(gr.status().message(), Catch::Contains("502 Bad Gateway"));
}

TEST_CASE("Options: FromEnvironment reads region, endpoint, attempts and CA bundle from one Environment",
          "[options]") {
  auto env = Environment::FromMap({{"AWS_REGION", "eu-north-1"},
                                   {"AWS_DEFAULT_REGION", "ignored-1"},
                                   {"AWS_ENDPOINT_URL", "http://generic:1"},
                                   {"AWS_ENDPOINT_URL_S3", "http://s3-specific:2"},
                                   {"AWS_MAX_ATTEMPTS", "7"},
                                   {"AWS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"},
                                   {"AWS_EC2_METADATA_DISABLED", "true"}},
                                  "/nonexistent-home-for-s3ml-test");
  auto o = ClientOptionsFromEnvironment(env, "");
  INFO(o.status().ToString());
  REQUIRE(o.ok());
  CHECK(o->region == "eu-north-1");
  CHECK(o->endpoint_url == "http://s3-specific:2");
  CHECK(o->retry.max_attempts == 7);
  CHECK(o->ca_file == "/etc/ssl/certs/ca-certificates.crt");
  CHECK(o->disable_imds);

  auto fallback = ClientOptionsFromEnvironment(
      Environment::FromMap({{"AWS_DEFAULT_REGION", "ap-south-1"}, {"AWS_ENDPOINT_URL", "http://generic:1"}},
                           "/nonexistent-home-for-s3ml-test"),
      "");
  REQUIRE(fallback.ok());
  CHECK(fallback->region == "ap-south-1");
  CHECK(fallback->endpoint_url == "http://generic:1");

  auto bad = ClientOptionsFromEnvironment(
      Environment::FromMap({{"AWS_MAX_ATTEMPTS", "many"}}, "/nonexistent-home-for-s3ml-test"), "");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("AWS_MAX_ATTEMPTS"));

  auto missing_profile = ClientOptionsFromEnvironment(
      Environment::FromMap({{"AWS_PROFILE", "nope"}}, "/nonexistent-home-for-s3ml-test"), "");
  REQUIRE_FALSE(missing_profile.ok());
  CHECK_THAT(missing_profile.status().message(), Catch::Contains("nope"));
}

TEST_CASE("Options: FromEnvironment reads the profile's region and endpoint_url", "[options]") {
  std::string dir = std::string(S3ML_BINARY_DIR) + "/it-home-" + std::to_string(::getpid());
  REQUIRE(std::system(("mkdir -p '" + dir + "/.aws'").c_str()) == 0);
  {
    FILE* f = std::fopen((dir + "/.aws/config").c_str(), "w");
    REQUIRE(f);
    std::fputs("[profile train]\nregion = us-west-2\nendpoint_url = http://profile-endpoint:9000\n"
               "s3 =\n  addressing_style = path\n",
               f);
    std::fclose(f);
  }
  auto o = ClientOptionsFromEnvironment(Environment::FromMap({}, dir), "train");
  INFO(o.status().ToString());
  REQUIRE(o.ok());
  CHECK(o->profile == "train");
  CHECK(o->region == "us-west-2");
  CHECK(o->endpoint_url == "http://profile-endpoint:9000");
  CHECK(o->addressing == AddressingStyle::kPath);
  auto env_wins = ClientOptionsFromEnvironment(Environment::FromMap({{"AWS_REGION", "eu-west-3"}}, dir), "train");
  REQUIRE(env_wins.ok());
  CHECK(env_wins->region == "eu-west-3");
  REQUIRE(std::system(("rm -rf '" + dir + "'").c_str()) == 0);
}

TEST_CASE("Client: no_sign_request sends anonymous requests and a server requiring signatures refuses them",
          "[badinput]") {
  for (bool allow : {true, false}) {
    INFO("allow_anonymous=" << allow);
    mock::MockS3Options mo;
    mo.allow_anonymous = allow;
    auto server = StartMock(mo);
    Client signed_client = MustCreate(MockOptions(*server));
    REQUIRE(signed_client.CreateBucket(CreateBucketRequest{"public", ""}).ok());
    Put(signed_client, "public", "key", "anonymous read");

    ClientOptions o = ClientOptions::ForEndpoint(server->endpoint_url());
    o.no_sign_request = true;
    Client anon = MustCreate(o);
    GetObjectRequest g;
    g.bucket = "public";
    g.key = "key";
    auto got = anon.GetObject(g);
    if (allow) {
      INFO(got.status().ToString());
      REQUIRE(got.ok());
      CHECK(got->body == "anonymous read");
    } else {
      REQUIRE_FALSE(got.ok());
      CHECK(got.status().http_status() == 403);
      CHECK(got.status().code() == "AccessDenied");
    }
    auto url = anon.Presign("GET", "public", "key", std::chrono::seconds(60));
    REQUIRE(url.ok());
    CHECK(*url == server->endpoint_url() + "/public/key");
  }
}

TEST_CASE("Client: copies share state and are usable from many threads", "[threads]") {
  auto server = StartMock();
  Client c = MustCreate(MockOptions(*server));
  REQUIRE(c.CreateBucket(CreateBucketRequest{"threads", ""}).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([c, t, &failures] {
      for (int i = 0; i < 10; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        std::string body = RandomBytes(1000 + static_cast<std::size_t>(i), static_cast<std::uint32_t>(t * 100 + i));
        PutObjectRequest p;
        p.bucket = "threads";
        p.key = key;
        p.data = body;
        if (!c.PutObject(p).ok()) ++failures;
        GetObjectRequest g;
        g.bucket = "threads";
        g.key = key;
        auto got = c.GetObject(g);
        if (!got.ok() || !(got->body == body)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  ListObjectsV2Request l;
  l.bucket = "threads";
  auto all = c.ListObjectsV2Pages(l).All();
  REQUIRE(all.ok());
  CHECK(all->size() == 80);
}

// Credentials providers: environment, shared files, credential_process, IMDSv2
// (against a fake IMDS on loopback), caching/refresh with an injected clock, and
// the default chain's all-sources-failed message.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "auth/config_file.h"
#include "auth/environment.h"
#include "auth/providers.h"
#include "auth/subprocess.h"
#include "common/time.h"
#include "support/fake_clock.h"
#include "support/files.h"
#include "support/net.h"

namespace fs = std::filesystem;

namespace s3ml {
namespace {

using test::ClosedPort;
using test::FakeClock;
using test::TempDir;

SystemTime T0() { return ParseIso8601("2024-05-24T12:00:00Z").value(); }

// An HttpFetcher over cpp-httplib's client: what the client layer does with curl.
HttpFetcher HttplibFetcher() {
  return [](const HttpRequest& req) -> Result<HttpResponse> {
    httplib::Client cli(req.host, req.port);
    cli.set_connection_timeout(1, 0);
    cli.set_read_timeout(2, 0);
    httplib::Headers headers;
    for (const auto& [n, v] : req.headers) headers.emplace(n, v);
    httplib::Result r = req.method == "PUT" ? cli.Put(req.path.c_str(), headers, std::string(), "text/plain")
                                            : cli.Get(req.path.c_str(), headers);
    if (!r) return Status(ErrorCategory::kNetwork, "httplib error: " + httplib::to_string(r.error()));
    HttpResponse resp;
    resp.status = r->status;
    resp.body = Buffer(r->body);
    return resp;
  };
}

// A fake instance metadata service on 127.0.0.1 (port 0), IMDSv2 only.
class FakeImds {
 public:
  explicit FakeImds(FakeClock& clock) : clock_(clock) {
    svr_.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
      ++token_requests;
      if (!req.has_header("X-aws-ec2-metadata-token-ttl-seconds")) {
        res.status = 400;
        return;
      }
      ttl_seen = req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
      res.set_content(token, "text/plain");
    });
    svr_.Get("/latest/meta-data/iam/security-credentials/", [this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req, res)) return;
      if (role.empty()) {
        res.status = 404;
        return;
      }
      res.set_content(role + "\n", "text/plain");
    });
    svr_.Get(R"(/latest/meta-data/iam/security-credentials/(.+))",
             [this](const httplib::Request& req, httplib::Response& res) {
               if (!Authorized(req, res)) return;
               if (req.matches[1] != role) {
                 res.status = 404;
                 return;
               }
               if (fail_credentials) {
                 res.status = 500;
                 return;
               }
               int n = ++credential_requests;
               auto exp = clock_.Now() + std::chrono::hours(1);
               std::string body = R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS)" +
                                  std::to_string(n) + R"(","SecretAccessKey":"imds-secret","Token":"imds-token",)" +
                                  R"("Expiration":")" + FormatIso8601(exp) + "\"}";
               res.set_content(body, "application/json");
             });
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    for (int i = 0; i < 200 && !svr_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~FakeImds() {
    svr_.stop();
    thread_.join();
  }
  FakeImds(const FakeImds&) = delete;
  FakeImds& operator=(const FakeImds&) = delete;

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::string token = "tok-1";
  std::string role = "ml-training-role";
  std::atomic<bool> fail_credentials{false};
  std::atomic<int> token_requests{0}, credential_requests{0}, unauthorized{0};
  std::string ttl_seen;

 private:
  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("X-aws-ec2-metadata-token") != token) {
      ++unauthorized;
      res.status = 401;
      return false;
    }
    return true;
  }
  FakeClock& clock_;
  httplib::Server svr_;
  int port_ = -1;
  std::thread thread_;
};

Environment EnvWith(const TempDir& dir, std::map<std::string, std::string> vars = {}) {
  return Environment::FromMap(std::move(vars), dir.path());
}

}  // namespace

// ------------------------------------------------------------------ Environment

TEST_CASE("Environment: map snapshot answers Get/GetOr/IsSet/IsTrue and expands ~") {
  Environment env = Environment::FromMap({{"A", "1"}, {"EMPTY", ""}, {"FLAG", "TRUE"}, {"HOME", "/home/u"}});
  CHECK(env.Get("A") == std::optional<std::string>("1"));
  CHECK(env.Get("EMPTY") == std::optional<std::string>(""));
  CHECK_FALSE(env.Get("MISSING").has_value());
  CHECK(env.GetOr("EMPTY", "d") == "d");
  CHECK(env.IsSet("A"));
  CHECK_FALSE(env.IsSet("EMPTY"));
  CHECK(env.IsTrue("FLAG"));
  CHECK(env.IsTrue("A"));  // "1" is true
  CHECK(env.HomeDir() == "/home/u");
  CHECK(env.ExpandUser("~/.aws/config") == "/home/u/.aws/config");
  CHECK(env.ExpandUser("/abs/~/x") == "/abs/~/x");
}

TEST_CASE("Environment: FromProcess snapshots the real environment and finds a home directory") {
  Environment env = Environment::FromProcess();
  CHECK(env.IsSet("PATH"));
  CHECK_FALSE(env.HomeDir().empty());
}

// ------------------------------------------------------------------ environment provider

TEST_CASE("Environment provider: reads keys, session token and expiration") {
  auto p = MakeEnvironmentProvider(Environment::FromMap({{"AWS_ACCESS_KEY_ID", "AKID"},
                                                         {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                                         {"AWS_SESSION_TOKEN", "TOKEN"},
                                                         {"AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"}}));
  auto c = p->GetCredentials();
  REQUIRE(c.ok());
  CHECK(c->access_key_id == "AKID");
  CHECK(c->secret_access_key == "SECRET");
  CHECK(c->session_token == "TOKEN");
  REQUIRE(c->expiration.has_value());
  CHECK(FormatIso8601(*c->expiration) == "2030-01-01T00:00:00.000Z");
  CHECK(c->source == "environment");
}

TEST_CASE("Environment provider: unset keys are 'not found', a lone key is a broken configuration") {
  auto none = MakeEnvironmentProvider(Environment::FromMap({}))->GetCredentials();
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().category() == ErrorCategory::kCredentials);
  CHECK(none.status().code() == kNoCredentialsCode);
  CHECK(none.status().message() == "environment: AWS_ACCESS_KEY_ID not set");

  auto partial = MakeEnvironmentProvider(Environment::FromMap({{"AWS_ACCESS_KEY_ID", "AKID"}}))->GetCredentials();
  REQUIRE_FALSE(partial.ok());
  CHECK(partial.status().code() != kNoCredentialsCode);
  CHECK_THAT(partial.status().message(), Catch::Contains("AWS_SECRET_ACCESS_KEY is not"));
}

// ------------------------------------------------------------------ INI and profiles

TEST_CASE("Shared config INI: comments, inline comments, CRLF, nested s3 keys and profile sections") {
  auto ini = ParseIni(
      "# leading comment\r\n"
      "; another\n"
      "[default]   # trailing comment on a header\n"
      "region = eu-west-1 # inline\n"
      "Output=json\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "  endpoint_url = http://127.0.0.1:9000\n"
      "\n"
      "[profile dev]\n"
      "region: us-west-2\n"
      "credential_process = /bin/echo '{\"a\": 1}'\n",
      "cfg");
  REQUIRE(ini.ok());
  const auto* def = ini->Section("default");
  REQUIRE(def != nullptr);
  CHECK(def->at("region") == "eu-west-1");
  CHECK(def->at("output") == "json");
  CHECK(def->at("s3.addressing_style") == "path");
  CHECK(def->at("s3.endpoint_url") == "http://127.0.0.1:9000");
  const auto* dev = ini->Section("profile dev");
  REQUIRE(dev != nullptr);
  CHECK(dev->at("region") == "us-west-2");
  CHECK(dev->at("credential_process") == "/bin/echo '{\"a\": 1}'");
}

TEST_CASE("Shared config INI: malformed lines fail naming file and line") {
  auto bad = ParseIni("[default]\nregion = x\nthis line is garbage\n", "/tmp/cfg");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("/tmp/cfg:3: expected 'key = value'"));
  auto orphan = ParseIni("region = x\n", "f");
  REQUIRE_FALSE(orphan.ok());
  CHECK_THAT(orphan.status().message(), Catch::Contains("f:1:") && Catch::Contains("before any [section]"));
  auto header = ParseIni("[default\n", "f");
  REQUIRE_FALSE(header.ok());
  CHECK_THAT(header.status().message(), Catch::Contains("missing ']'"));
}

TEST_CASE("Shared files provider: static keys from ~/.aws/credentials and [profile x] of ~/.aws/config") {
  TempDir dir;
  dir.Write(".aws/credentials",
            "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = SDEFAULT\n\n"
            "[ci]\naws_access_key_id=AKCI\naws_secret_access_key=SCI\naws_session_token=TCI\n");
  dir.Write(".aws/config", "[profile dev]\naws_access_key_id = AKDEV\naws_secret_access_key = SDEV\n");

  auto def = MakeSharedFileProvider(EnvWith(dir), SharedFile::kCredentials)->GetCredentials();
  REQUIRE(def.ok());
  CHECK(def->access_key_id == "AKDEFAULT");
  CHECK(def->source == "shared credentials file " + dir.path() + "/.aws/credentials (profile default)");

  auto ci = MakeSharedFileProvider(EnvWith(dir, {{"AWS_PROFILE", "ci"}}), SharedFile::kCredentials)->GetCredentials();
  REQUIRE(ci.ok());
  CHECK(ci->access_key_id == "AKCI");
  CHECK(ci->session_token == "TCI");

  auto dev = MakeSharedFileProvider(EnvWith(dir), SharedFile::kConfig, "dev")->GetCredentials();
  REQUIRE(dev.ok());
  CHECK(dev->access_key_id == "AKDEV");
  auto dev_in_creds = MakeSharedFileProvider(EnvWith(dir), SharedFile::kCredentials, "dev")->GetCredentials();
  REQUIRE_FALSE(dev_in_creds.ok());
  CHECK(dev_in_creds.status().code() == kNoCredentialsCode);
  CHECK_THAT(dev_in_creds.status().message(), Catch::EndsWith("no profile 'dev'"));
}

TEST_CASE("Shared files provider: AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE override the locations") {
  TempDir dir;
  std::string creds = dir.Write("elsewhere/creds.ini", "[default]\naws_access_key_id=AK2\naws_secret_access_key=S2\n");
  std::string config = dir.Write("elsewhere/config.ini", "[default]\naws_access_key_id=AK3\naws_secret_access_key=S3\n");
  Environment env = EnvWith(dir, {{"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_CONFIG_FILE", config}});
  auto a = MakeSharedFileProvider(env, SharedFile::kCredentials)->GetCredentials();
  REQUIRE(a.ok());
  CHECK(a->access_key_id == "AK2");
  auto b = MakeSharedFileProvider(env, SharedFile::kConfig)->GetCredentials();
  REQUIRE(b.ok());
  CHECK(b->access_key_id == "AK3");  // [default] (without "profile ") in the config file
  Environment tilde = EnvWith(dir, {{"AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds.ini"}});
  auto c = MakeSharedFileProvider(tilde, SharedFile::kCredentials)->GetCredentials();
  REQUIRE(c.ok());
  CHECK(c->access_key_id == "AK2");
}

TEST_CASE("Shared files provider: partial keys, malformed files and a missing named profile are broken") {
  TempDir dir;
  dir.Write(".aws/credentials", "[default]\naws_access_key_id = AKONLY\n");
  auto partial = MakeSharedFileProvider(EnvWith(dir), SharedFile::kCredentials)->GetCredentials();
  REQUIRE_FALSE(partial.ok());
  CHECK(partial.status().code() != kNoCredentialsCode);
  CHECK_THAT(partial.status().message(), Catch::Contains("no aws_secret_access_key"));

  dir.Write(".aws/credentials", "[default]\nnot an assignment\n");
  auto malformed = MakeSharedFileProvider(EnvWith(dir), SharedFile::kCredentials)->GetCredentials();
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.status().code() != kNoCredentialsCode);
  CHECK_THAT(malformed.status().message(), Catch::Contains("credentials:2:"));

  dir.Write(".aws/credentials", "[default]\naws_access_key_id=A\naws_secret_access_key=B\n");
  auto missing = MakeSharedFileProvider(EnvWith(dir, {{"AWS_PROFILE", "nope"}}), SharedFile::kConfig)->GetCredentials();
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() != kNoCredentialsCode);
  CHECK_THAT(missing.status().message(), Catch::Contains("profile 'nope' not found"));
}

TEST_CASE("LoadProfile: region, endpoint_url, services section, addressing style and env precedence") {
  TempDir dir;
  dir.Write(".aws/config",
            "[default]\nregion = us-east-2\n\n"
            "[profile local]\nregion = eu-central-1\nendpoint_url = http://global:1\nservices = local-svc\n"
            "s3 =\n  addressing_style = path\nmax_attempts = 7\ncredential_process = echo hi\n\n"
            "[services local-svc]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n");
  dir.Write(".aws/credentials", "[local]\nregion = ap-south-1\n");
  auto p = LoadProfile(EnvWith(dir), "local");
  REQUIRE(p.ok());
  CHECK(p->found());
  CHECK(p->in_config_file);
  CHECK(p->in_credentials_file);
  CHECK(p->region == "ap-south-1");  // the credentials file wins
  CHECK(p->endpoint_url == "http://global:1");
  CHECK(p->s3_endpoint_url == "http://127.0.0.1:9000");
  CHECK(p->addressing_style == "path");
  CHECK(p->max_attempts == std::optional<int>(7));
  CHECK(p->credential_process == "echo hi");

  CHECK(ResolveS3EndpointUrl(EnvWith(dir), *p) == "http://127.0.0.1:9000");
  CHECK(ResolveS3EndpointUrl(EnvWith(dir, {{"AWS_ENDPOINT_URL", "http://env:2"}}), *p) == "http://env:2");
  CHECK(ResolveS3EndpointUrl(EnvWith(dir, {{"AWS_ENDPOINT_URL", "http://env:2"}, {"AWS_ENDPOINT_URL_S3", "http://s3:3"}}),
                             *p) == "http://s3:3");
  CHECK(ResolveS3EndpointUrl(EnvWith(dir, {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}), *p).empty());
  CHECK(ResolveRegion(EnvWith(dir), *p) == "ap-south-1");
  CHECK(ResolveRegion(EnvWith(dir, {{"AWS_DEFAULT_REGION", "r1"}}), *p) == "r1");
  CHECK(ResolveRegion(EnvWith(dir, {{"AWS_DEFAULT_REGION", "r1"}, {"AWS_REGION", "r2"}}), *p) == "r2");

  auto def = LoadProfile(EnvWith(dir), "");
  REQUIRE(def.ok());
  CHECK(def->name == "default");
  CHECK(def->region == "us-east-2");
}

TEST_CASE("LoadProfile: a missing implicit default is empty, a missing named profile and bad values are errors") {
  TempDir dir;
  auto none = LoadProfile(EnvWith(dir), "");
  REQUIRE(none.ok());
  CHECK_FALSE(none->found());
  auto named = LoadProfile(EnvWith(dir, {{"AWS_PROFILE", "ghost"}}), "");
  REQUIRE_FALSE(named.ok());
  CHECK_THAT(named.status().message(), Catch::Contains("profile 'ghost' not found") && Catch::Contains("(missing)"));

  dir.Write(".aws/config", "[default]\nmax_attempts = many\n");
  auto bad = LoadProfile(EnvWith(dir), "");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("max_attempts") && Catch::Contains("'many'"));
  dir.Write(".aws/config", "[default]\ns3 =\n  addressing_style = sideways\n");
  auto style = LoadProfile(EnvWith(dir), "");
  REQUIRE_FALSE(style.ok());
  CHECK_THAT(style.status().message(), Catch::Contains("sideways"));
  dir.Write(".aws/config", "[default]\nservices = nowhere\n");
  auto svc = LoadProfile(EnvWith(dir), "");
  REQUIRE_FALSE(svc.ok());
  CHECK_THAT(svc.status().message(), Catch::Contains("[services nowhere]"));
}

// ------------------------------------------------------------------ credential_process

TEST_CASE("credential_process: parses Version 1 JSON from a script and caches until near expiry") {
  TempDir dir;
  FakeClock clock(T0());
  const std::string counter = dir.path() + "/count";
  // Each run appends a line to the counter file and reports the run number in the key.
  std::string script = dir.Write("creds.sh",
                                 "#!/bin/sh\n"
                                 "echo x >> '" + counter + "'\n"
                                 "n=$(wc -l < '" + counter + "' | tr -d ' ')\n"
                                 "printf '{\"Version\": 1, \"AccessKeyId\": \"AKPROC%s\", \"SecretAccessKey\": "
                                 "\"SPROC\", \"SessionToken\": \"TPROC\", \"Expiration\": \"2024-05-24T13:00:00Z\"}' "
                                 "\"$n\"\n",
                                 true);
  auto p = MakeProcessProvider(script, "credential_process", RefreshOptions{&clock, std::chrono::minutes(5)});
  auto a = p->GetCredentials();
  REQUIRE(a.ok());
  CHECK(a->access_key_id == "AKPROC1");
  CHECK(a->session_token == "TPROC");
  REQUIRE(a->expiration.has_value());
  CHECK(FormatIso8601(*a->expiration) == "2024-05-24T13:00:00.000Z");

  clock.Advance(std::chrono::minutes(54));  // 6 minutes before expiry: still cached
  CHECK(p->GetCredentials()->access_key_id == "AKPROC1");
  clock.Advance(std::chrono::minutes(2));  // 4 minutes before expiry: refreshed
  CHECK(p->GetCredentials()->access_key_id == "AKPROC2");
}

TEST_CASE("credential_process: failures name the command and say what was wrong") {
  TempDir dir;
  auto run = [&](const std::string& body) {
    std::string script = dir.Write("p.sh", "#!/bin/sh\n" + body + "\n", true);
    auto r = MakeProcessProvider(script)->GetCredentials();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().category() == ErrorCategory::kCredentials);
    CHECK(r.status().code() != kNoCredentialsCode);
    CHECK_THAT(r.status().message(), Catch::StartsWith("credential_process: command `" + script + "`"));
    return r.status().message();
  };
  CHECK_THAT(run("echo 'token expired, run sso login' >&2; exit 3"),
             Catch::Contains("exited with status 3: token expired, run sso login"));
  CHECK_THAT(run("echo not json"), Catch::Contains("did not print a JSON object (got 'not json')"));
  CHECK_THAT(run(R"(echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "B"}')"),
             Catch::Contains("\"Version\": 1 (got 2)"));
  CHECK_THAT(run(R"(echo '{"Version": 1, "AccessKeyId": "A"}')"), Catch::Contains("lacks SecretAccessKey"));
  CHECK_THAT(run(R"(echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "B", "Expiration": "soon"}')"),
             Catch::Contains("bad Expiration"));
}

TEST_CASE("credential_process: a command that hangs is killed at the timeout") {
  auto start = std::chrono::steady_clock::now();
  auto r = MakeProcessProvider("sleep 30", "credential_process", {}, std::chrono::milliseconds(300))->GetCredentials();
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("did not finish within 300 ms"));
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("RunShellCommand: captures stdout, stderr and the exit status") {
  auto r = RunShellCommand("printf out; printf err >&2; exit 4", std::chrono::seconds(10));
  REQUIRE(r.ok());
  CHECK(r->out == "out");
  CHECK(r->err == "err");
  CHECK(r->exit_code == 4);
  auto big = RunShellCommand("head -c 300000 /dev/zero", std::chrono::seconds(10), 1000);
  REQUIRE(big.ok());
  CHECK(big->out.size() == 1000);
  CHECK(big->exit_code == 0);
}

TEST_CASE("Profile credential_process provider: runs the profile's command, and an absent setting is 'not found'") {
  TempDir dir;
  dir.Write(".aws/config",
            "[profile proc]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKP\","
            "\"SecretAccessKey\":\"SP\"}'\n[default]\nregion = x\n");
  auto ok = MakeProfileProcessProvider(EnvWith(dir), "proc")->GetCredentials();
  REQUIRE(ok.ok());
  CHECK(ok->access_key_id == "AKP");
  CHECK(ok->source == "credential_process (profile proc)");
  auto none = MakeProfileProcessProvider(EnvWith(dir))->GetCredentials();
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == kNoCredentialsCode);
  CHECK(none.status().message() == "credential_process (profile default): profile has no credential_process");
}

// ------------------------------------------------------------------ refreshing cache

TEST_CASE("Refreshing provider: refreshes 5 minutes early, keeps valid credentials when a refresh fails") {
  FakeClock clock(T0());
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  auto p = MakeRefreshingProvider(
      "test",
      [&]() -> Result<Credentials> {
        ++calls;
        if (fail) return NoCredentials("test", "endpoint down");
        Credentials c;
        c.access_key_id = "AK" + std::to_string(calls.load());
        c.secret_access_key = "S";
        c.expiration = clock.Now() + std::chrono::hours(1);
        return c;
      },
      RefreshOptions{&clock, std::chrono::minutes(5)});
  CHECK(p->GetCredentials()->access_key_id == "AK1");
  clock.Advance(std::chrono::minutes(50));
  CHECK(p->GetCredentials()->access_key_id == "AK1");
  CHECK(calls == 1);
  clock.Advance(std::chrono::minutes(6));  // inside the 5-minute window
  fail = true;
  CHECK(p->GetCredentials()->access_key_id == "AK1");  // refresh failed, old ones still valid
  CHECK(calls == 2);
  CHECK(p->GetCredentials()->access_key_id == "AK1");  // no retry storm right after a failure
  CHECK(calls == 2);
  clock.Advance(std::chrono::minutes(5));  // now expired
  auto expired = p->GetCredentials();
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.status().message() == "test: endpoint down");
  fail = false;
  clock.Advance(std::chrono::seconds(31));
  CHECK(p->GetCredentials()->access_key_id == "AK4");
}

TEST_CASE("Refreshing provider: concurrent callers share one fetch") {
  std::atomic<int> calls{0};
  auto p = MakeRefreshingProvider("test", [&]() -> Result<Credentials> {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Credentials c;
    c.access_key_id = "AK";
    c.secret_access_key = "S";
    c.expiration = SystemClock().Now() + std::chrono::hours(1);
    return c;
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      if (p->GetCredentials().ok()) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 8);
  CHECK(calls == 1);
}

// ------------------------------------------------------------------ IMDSv2

TEST_CASE("IMDSv2 provider: token, role and credentials from a fake IMDS, token reused, refresh before expiry") {
  FakeClock clock(T0());
  FakeImds imds(clock);
  ImdsOptions opts;
  opts.endpoint = imds.Url();
  opts.refresh = RefreshOptions{&clock, std::chrono::minutes(5)};
  auto p = MakeImdsProvider(Environment::FromMap({}), HttplibFetcher(), opts);
  auto c = p->GetCredentials();
  REQUIRE(c.ok());
  CHECK(c->access_key_id == "ASIAIMDS1");
  CHECK(c->secret_access_key == "imds-secret");
  CHECK(c->session_token == "imds-token");
  CHECK(c->source == "imds (role ml-training-role)");
  REQUIRE(c->expiration.has_value());
  CHECK(*c->expiration == T0() + std::chrono::hours(1));
  CHECK(imds.ttl_seen == "21600");
  CHECK(imds.unauthorized == 0);

  CHECK(p->GetCredentials()->access_key_id == "ASIAIMDS1");  // cached
  CHECK(imds.credential_requests == 1);
  clock.Advance(std::chrono::minutes(56));  // 4 minutes before expiry
  CHECK(p->GetCredentials()->access_key_id == "ASIAIMDS2");
  CHECK(imds.token_requests == 1);  // the 6-hour token is reused

  // A revoked token (401) is replaced once, transparently.
  imds.token = "tok-2";
  clock.Advance(std::chrono::minutes(56));
  CHECK(p->GetCredentials()->access_key_id == "ASIAIMDS3");
  CHECK(imds.token_requests == 2);
  CHECK(imds.unauthorized == 1);
}

TEST_CASE("IMDSv2 provider: endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT, disabled by AWS_EC2_METADATA_DISABLED") {
  FakeClock clock(T0());
  FakeImds imds(clock);
  ImdsOptions opts;
  opts.refresh.clock = &clock;
  auto p = MakeImdsProvider(Environment::FromMap({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.Url()}}),
                            HttplibFetcher(), opts);
  CHECK(p->GetCredentials().ok());

  auto off = MakeImdsProvider(Environment::FromMap({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.Url()},
                                                    {"AWS_EC2_METADATA_DISABLED", "true"}}),
                              HttplibFetcher(), opts)
                 ->GetCredentials();
  REQUIRE_FALSE(off.ok());
  CHECK(off.status().message() == "imds: disabled by AWS_EC2_METADATA_DISABLED");
  CHECK(imds.token_requests == 1);

  auto bad = ResolveImdsEndpoint(Environment::FromMap({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "not a url"}}), {});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("AWS_EC2_METADATA_SERVICE_ENDPOINT: "));
  auto def = ResolveImdsEndpoint(Environment::FromMap({}), {});
  REQUIRE(def.ok());
  CHECK(def->host == "169.254.169.254");
}

TEST_CASE("IMDSv2 provider: no role, a server error and an unreachable endpoint are reported by step") {
  FakeClock clock(T0());
  FakeImds imds(clock);
  ImdsOptions opts;
  opts.endpoint = imds.Url();
  opts.refresh.clock = &clock;
  imds.role.clear();
  auto norole = MakeImdsProvider(Environment::FromMap({}), HttplibFetcher(), opts)->GetCredentials();
  REQUIRE_FALSE(norole.ok());
  CHECK(norole.status().code() == kNoCredentialsCode);
  CHECK_THAT(norole.status().message(), Catch::StartsWith("imds: no IAM role attached"));

  imds.role = "r";
  imds.fail_credentials = true;
  auto err = MakeImdsProvider(Environment::FromMap({}), HttplibFetcher(), opts)->GetCredentials();
  REQUIRE_FALSE(err.ok());
  CHECK(err.status().message() ==
        "imds: GET " + imds.Url() + "/latest/meta-data/iam/security-credentials/r: HTTP 500");

  ImdsOptions closed = opts;
  closed.endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort());
  auto down = MakeImdsProvider(Environment::FromMap({}), HttplibFetcher(), closed)->GetCredentials();
  REQUIRE_FALSE(down.ok());
  CHECK_THAT(down.status().message(), Catch::StartsWith("imds: PUT " + closed.endpoint + "/latest/api/token: "));

  auto nofetch = MakeImdsProvider(Environment::FromMap({}), nullptr, opts)->GetCredentials();
  CHECK(nofetch.status().message() == "imds: no HTTP fetcher configured");
}

// ------------------------------------------------------------------ the chain

TEST_CASE("Credentials chain: with nothing anywhere the error lists every place looked in, in plain words") {
  TempDir dir;  // HOME: an empty directory, no ~/.aws
  ChainOptions opts;
  opts.imds_fetcher = HttplibFetcher();
  opts.imds.endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort());  // refused at once: no IMDS
  auto chain = MakeDefaultCredentialsChain(EnvWith(dir), opts);
  REQUIRE(chain.ok());
  auto r = (*chain)->GetCredentials();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kCredentials);
  CHECK(r.status().code() == kNoCredentialsCode);
  const std::string& m = r.status().message();
  INFO(m);
  CHECK_THAT(m, Catch::StartsWith("Unable to locate credentials. Looked in: environment variables "
                                  "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): AWS_ACCESS_KEY_ID not set; "));
  CHECK_THAT(m, Catch::Contains("; the shared credentials file " + dir.path() + "/.aws/credentials: not found; "));
  CHECK_THAT(m, Catch::Contains("; the shared config file " + dir.path() + "/.aws/config: not found; "));
  CHECK_THAT(m, Catch::Contains("; a credential_process in profile 'default': profile not found; "));
  CHECK_THAT(m, Catch::Contains("; the EC2 instance metadata service (IMDS): PUT " + opts.imds.endpoint +
                                "/latest/api/token: httplib error: Connection"));
  CHECK_THAT(m, Catch::EndsWith("configure a profile (aws configure)."));
  CHECK(m.find("unusable") == std::string::npos);
}

TEST_CASE("Credentials chain: an implicit default profile that exists nowhere is not a broken source") {
  TempDir dir;
  ChainOptions named_default;
  named_default.profile = "default";  // asked for by name: must exist (as the aws CLI insists)
  auto asked = (*MakeDefaultCredentialsChain(EnvWith(dir, {{"AWS_EC2_METADATA_DISABLED", "true"}}),
                                             named_default))
                   ->GetCredentials();
  REQUIRE_FALSE(asked.ok());
  CHECK(asked.status().code() != kNoCredentialsCode);
  CHECK_THAT(asked.status().message(), Catch::StartsWith("credentials source is configured but unusable: "));
  CHECK_THAT(asked.status().message(), Catch::Contains("profile 'default' not found"));
  auto implicit =
      (*MakeDefaultCredentialsChain(EnvWith(dir, {{"AWS_EC2_METADATA_DISABLED", "true"}})))->GetCredentials();
  REQUIRE_FALSE(implicit.ok());
  CHECK(implicit.status().code() == kNoCredentialsCode);
  CHECK_THAT(implicit.status().message(),
             Catch::EndsWith("the EC2 instance metadata service (IMDS): disabled by AWS_EC2_METADATA_DISABLED. "
                             "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile (aws configure)."));
}

TEST_CASE("Credentials chain: AWS order explicit > environment > credentials file > config > process > IMDS") {
  TempDir dir;
  dir.Write(".aws/credentials", "[default]\naws_access_key_id=AKFILE\naws_secret_access_key=S\n");
  dir.Write(".aws/config", "[default]\ncredential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKPROC\","
                           "\"SecretAccessKey\":\"S\"}'\n");
  std::map<std::string, std::string> env_keys = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "S"}};
  ChainOptions with_explicit;
  with_explicit.explicit_credentials = Credentials{"AKEXPLICIT", "S", "", std::nullopt, ""};
  CHECK((*MakeDefaultCredentialsChain(EnvWith(dir, env_keys), with_explicit))->GetCredentials()->access_key_id ==
        "AKEXPLICIT");
  CHECK((*MakeDefaultCredentialsChain(EnvWith(dir, env_keys)))->GetCredentials()->access_key_id == "AKENV");
  CHECK((*MakeDefaultCredentialsChain(EnvWith(dir)))->GetCredentials()->access_key_id == "AKFILE");
  dir.Write(".aws/credentials", "# nothing\n");
  auto proc = (*MakeDefaultCredentialsChain(EnvWith(dir)))->GetCredentials();
  REQUIRE(proc.ok());
  CHECK(proc->access_key_id == "AKPROC");

  FakeClock clock(T0());
  FakeImds imds(clock);
  dir.Write(".aws/config", "[default]\nregion = us-east-1\n");
  ChainOptions with_imds;
  with_imds.imds_fetcher = HttplibFetcher();
  with_imds.imds.endpoint = imds.Url();
  with_imds.refresh.clock = &clock;
  auto chain = *MakeDefaultCredentialsChain(EnvWith(dir), with_imds);
  CHECK(chain->GetCredentials()->access_key_id == "ASIAIMDS1");
  CHECK(chain->GetCredentials()->access_key_id == "ASIAIMDS1");  // the winner is asked first and caches
  CHECK(imds.credential_requests == 1);
}

TEST_CASE("Credentials chain: a broken source stops the chain and the error lists what was tried before") {
  TempDir dir;
  dir.Write(".aws/config", "[default]\ncredential_process = sh -c 'echo denied >&2; exit 2'\n");
  auto r = (*MakeDefaultCredentialsChain(EnvWith(dir)))->GetCredentials();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() != kNoCredentialsCode);
  const std::string& m = r.status().message();
  INFO(m);
  CHECK_THAT(m, Catch::StartsWith("credentials source is configured but unusable: credential_process (profile "
                                  "default): command `sh -c 'echo denied >&2; exit 2'` exited with status 2: denied"));
  CHECK_THAT(m, Catch::Contains("(tried before it: environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): "
                                "AWS_ACCESS_KEY_ID not set; the shared credentials file "));
  CHECK(m.find("imds") == std::string::npos);  // never reached
}

TEST_CASE("Credentials chain: bad explicit credentials or IMDS endpoint are rejected when the chain is made") {
  ChainOptions bad_explicit;
  bad_explicit.explicit_credentials = Credentials{"AK", "", "", std::nullopt, ""};
  auto a = MakeDefaultCredentialsChain(Environment::FromMap({}), bad_explicit);
  REQUIRE_FALSE(a.ok());
  CHECK(a.status().category() == ErrorCategory::kInvalidArgument);
  auto b = MakeDefaultCredentialsChain(Environment::FromMap({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "ftp:/x"}}));
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
}

TEST_CASE("Public chain: MakeChainCredentialsProvider prefixes foreign providers' messages with their names") {
  class Nothing final : public CredentialsProvider {
   public:
    Result<Credentials> GetCredentials() override {
      return Status(ErrorCategory::kCredentials, "vault is sealed").WithCode(kNoCredentialsCode);
    }
    std::string Name() const override { return "vault"; }
  };
  auto chain = MakeChainCredentialsProvider({std::make_shared<Nothing>(), std::make_shared<Nothing>()});
  auto r = chain->GetCredentials();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "Unable to locate credentials. Looked in: vault: vault is sealed; vault: vault is sealed.");
  auto with_static = MakeChainCredentialsProvider(
      {std::make_shared<Nothing>(), MakeStaticCredentialsProvider(Credentials{"AK", "S", "", std::nullopt, ""})});
  CHECK(with_static->GetCredentials()->source == "explicit");
}

}  // namespace s3ml

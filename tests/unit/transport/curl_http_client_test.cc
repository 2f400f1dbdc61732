// CurlHttpClient against a real cpp-httplib server on 127.0.0.1 (port 0).
#include <catch2/catch.hpp>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/net.h"
#include "transport/curl_http_client.h"

using namespace s3ml;
using namespace std::chrono_literals;
using s3ml::test::ClosedPort;

namespace {

/// An httplib server on 127.0.0.1:<ephemeral> run on its own thread; stopped and joined on destruction.
class TestServer {
 public:
  explicit TestServer(const std::function<void(httplib::Server&)>& routes) {
    svr_.set_keep_alive_max_count(1000);
    routes(svr_);
    port_ = svr_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    // stop() is a no-op until the loop runs, so wait for it (bounded).
    for (int i = 0; i < 500 && !svr_.is_running(); ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(svr_.is_running());
  }
  ~TestServer() {
    svr_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  HttpRequest Request(std::string method, std::string path) const {
    HttpRequest r;
    r.method = std::move(method);
    r.host = "127.0.0.1";
    r.port = port_;
    r.path = std::move(path);
    return r;
  }

 private:
  httplib::Server svr_;
  int port_ = 0;
  std::thread thread_;
};

std::string Pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

class RecordingSink : public ResponseSink {
 public:
  Status Begin(int status, const Headers&, std::optional<std::uint64_t> content_length) override {
    ++begins;
    begin_status = status;
    length = content_length;
    data.clear();
    return Status::Ok();
  }
  Status Write(const char* p, std::size_t n) override {
    ++writes;
    if (fail_writes) return Status(ErrorCategory::kIo, "disk full (simulated)");
    data.append(p, n);
    return Status::Ok();
  }
  Status Finish() override {
    ++finishes;
    return Status::Ok();
  }
  int begins = 0, writes = 0, finishes = 0, begin_status = 0;
  std::optional<std::uint64_t> length;
  std::string data;
  bool fail_writes = false;
};

std::shared_ptr<CurlHttpClient> MakeClient(HttpClientOptions o = {}) {
  auto c = CurlHttpClient::Create(std::move(o));
  REQUIRE(c.ok());
  return *c;
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("CurlHttpClient: GET into memory and into a sink delivers every byte") {
  const std::string payload = Pattern(300000);
  TestServer server([&](httplib::Server& s) {
    s.Get("/obj", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(payload, "application/octet-stream");
      res.set_header("x-amz-request-id", "RID1");
    });
  });
  auto client = MakeClient();

  auto mem = client->Send(server.Request("GET", "/obj"), nullptr);
  REQUIRE(mem.ok());
  CHECK(mem->status == 200);
  CHECK(mem->body.size() == payload.size());
  CHECK(mem->body == payload);
  CHECK(mem->body.capacity() == payload.size());  // preallocated from Content-Length, no regrowth
  CHECK(mem->headers.Get("x-amz-request-id") == "RID1");

  RecordingSink sink;
  auto viasink = client->Send(server.Request("GET", "/obj"), &sink);
  REQUIRE(viasink.ok());
  CHECK(viasink->status == 200);
  CHECK(viasink->body.empty());
  CHECK(sink.begins == 1);
  CHECK(sink.finishes == 1);
  CHECK(sink.begin_status == 200);
  REQUIRE(sink.length.has_value());
  CHECK(*sink.length == payload.size());
  CHECK(sink.data == payload);
}

TEST_CASE("CurlHttpClient: an error status goes to the response body, not the sink") {
  TestServer server([](httplib::Server& s) {
    s.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
    });
  });
  auto client = MakeClient();
  RecordingSink sink;
  auto r = client->Send(server.Request("GET", "/missing"), &sink);
  REQUIRE(r.ok());  // an HTTP error is a response; the ops layer classifies it
  CHECK(r->status == 404);
  CHECK(r->body == "<Error><Code>NoSuchKey</Code></Error>");
  CHECK(sink.begins == 0);
  CHECK(sink.writes == 0);
}

TEST_CASE("CurlHttpClient: a sink error aborts the transfer and is returned as is") {
  TestServer server([](httplib::Server& s) {
    s.Get("/obj", [](const httplib::Request&, httplib::Response& res) { res.set_content(Pattern(200000), "x/y"); });
  });
  auto client = MakeClient();
  RecordingSink sink;
  sink.fail_writes = true;
  auto r = client->Send(server.Request("GET", "/obj"), &sink);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kIo);
  CHECK(r.status().message() == "disk full (simulated)");
  CHECK(sink.writes == 1);
  CHECK(sink.finishes == 0);
  // The client is still usable afterwards.
  auto again = client->Send(server.Request("GET", "/obj"), nullptr);
  REQUIRE(again.ok());
  CHECK(again->body.size() == 200000);
}

TEST_CASE("CurlHttpClient: PUT and POST send memory, file and callback bodies byte for byte") {
  std::mutex mu;
  std::vector<std::string> bodies, expects, lengths, methods, content_types;
  TestServer server([&](httplib::Server& s) {
    auto record = [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(req.body);
      expects.push_back(req.get_header_value("Expect"));
      lengths.push_back(req.get_header_value("Content-Length"));
      methods.push_back(req.method);
      content_types.push_back(req.get_header_value("Content-Type"));
      res.set_content("stored", "text/plain");
    };
    s.Put("/up", record);
    s.Post("/up", record);
  });
  auto client = MakeClient();
  const std::string payload = Pattern(1 << 20);

  HttpRequest mem = server.Request("PUT", "/up");
  mem.body = MemoryBody(payload);
  mem.headers.Set("Content-Type", "application/x-test");
  auto r1 = client->Send(mem, nullptr);
  REQUIRE(r1.ok());
  CHECK(r1->status == 200);
  CHECK(r1->body == "stored");

  char tmpl[] = "/tmp/s3ml_transport_test_XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  { std::ofstream(tmpl, std::ios::binary) << payload; }
  auto fb = FileBody(tmpl);
  REQUIRE(fb.ok());
  HttpRequest file = server.Request("PUT", "/up");
  file.body = *fb;
  auto r2 = client->Send(file, nullptr);
  std::remove(tmpl);
  REQUIRE(r2.ok());

  int reads = 0;
  HttpRequest cb = server.Request("POST", "/up");
  cb.body = CallbackBody(payload.size(), [&](std::uint64_t off, char* out, std::size_t n) -> Result<std::size_t> {
    ++reads;
    n = std::min<std::size_t>(n, 1000);  // short reads must be fine
    std::memcpy(out, payload.data() + off, n);
    return n;
  });
  auto r3 = client->Send(cb, nullptr);
  REQUIRE(r3.ok());
  CHECK(reads >= static_cast<int>(payload.size() / 1000));

  HttpRequest empty = server.Request("PUT", "/up");
  auto r4 = client->Send(empty, nullptr);
  REQUIRE(r4.ok());

  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(bodies.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CHECK(bodies[i].size() == payload.size());
    CHECK(bodies[i] == payload);
    CHECK(lengths[i] == std::to_string(payload.size()));
    CHECK(expects[i].empty());  // no "Expect: 100-continue" round trip (up to 1 s per upload)
  }
  CHECK(methods == std::vector<std::string>{"PUT", "PUT", "POST", "PUT"});
  CHECK(content_types[0] == "application/x-test");
  CHECK(content_types[2].empty());  // no form-urlencoded default slipped in
  CHECK(bodies[3].empty());
  CHECK(lengths[3] == "0");
}

TEST_CASE("CurlHttpClient: a request body that fails to read aborts with its own error") {
  TestServer server([](httplib::Server& s) {
    s.Put("/up", [](const httplib::Request&, httplib::Response& res) { res.set_content("stored", "text/plain"); });
  });
  auto client = MakeClient();
  HttpRequest req = server.Request("PUT", "/up");
  req.body = CallbackBody(100000, [](std::uint64_t off, char* out, std::size_t n) -> Result<std::size_t> {
    if (off >= 50000) return Status(ErrorCategory::kIo, "source vanished");
    std::memset(out, 'x', n);
    return std::min<std::size_t>(n, 50000 - off);
  });
  auto r = client->Send(req, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kIo);
  CHECK(r.status().message() == "source vanished");
}

TEST_CASE("CurlHttpClient: HEAD with Content-Length and no body is a complete response") {
  TestServer server([](httplib::Server& s) {
    s.Get("/obj", [](const httplib::Request&, httplib::Response& res) { res.set_content(Pattern(1000), "x/y"); });
  });
  auto client = MakeClient();
  auto r = client->Send(server.Request("HEAD", "/obj"), nullptr);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->headers.Get("Content-Length") == "1000");
  CHECK(r->body.empty());
  RecordingSink sink;
  auto s = client->Send(server.Request("HEAD", "/obj"), &sink);
  REQUIRE(s.ok());
  CHECK(sink.begins == 1);
  CHECK(sink.length == std::optional<std::uint64_t>(1000));
  CHECK(sink.writes == 0);
  CHECK(sink.finishes == 1);
}

TEST_CASE("CurlHttpClient: DELETE and a path with reserved characters go out exactly as given") {
  std::mutex mu;
  std::vector<std::string> targets;
  TestServer server([&](httplib::Server& s) {
    s.Delete(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      targets.push_back(req.target);
      res.status = 204;
    });
  });
  auto client = MakeClient();
  HttpRequest req = server.Request("DELETE", "/b/a/../x%20y/./%3D");
  req.query = {{"versionId", "v 1"}};
  auto r = client->Send(req, nullptr);
  REQUIRE(r.ok());
  CHECK(r->status == 204);
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(targets.size() == 1);
  CHECK(targets[0] == "/b/a/../x%20y/./%3D?versionId=v%201");
}

TEST_CASE("CurlHttpClient: a 100 Continue block before the final response is skipped") {
  TestServer server([](httplib::Server& s) {
    s.Put("/up", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("x-final", "yes");
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
  });
  auto client = MakeClient();
  HttpRequest req = server.Request("PUT", "/up");
  req.headers.Set("Expect", "100-continue");  // explicitly asked for: then it is sent
  req.body = MemoryBody(Pattern(5000));
  auto r = client->Send(req, nullptr);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->headers.Get("x-final") == "yes");
  CHECK(r->body == "5000");
}

TEST_CASE("CurlHttpClient: a truncated body is a kNetwork PartialBody error, never success") {
  TestServer server([](httplib::Server& s) {
    s.Get("/trunc", [](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(100, "application/octet-stream",
                               [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset != 0) return false;  // abort after 10 of 100 bytes
                                 sink.write("0123456789", 10);
                                 return true;
                               });
    });
  });
  auto client = MakeClient();
  auto r = client->Send(server.Request("GET", "/trunc"), nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kNetwork);
  CHECK(r.status().code() == "PartialBody");
  CHECK(r.status().IsTransient());
  CHECK_THAT(r.status().message(), Catch::Contains("127.0.0.1:" + std::to_string(server.port())));

  RecordingSink sink;
  auto s = client->Send(server.Request("GET", "/trunc"), &sink);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == "PartialBody");
  CHECK(sink.finishes == 0);  // the sink never hears "complete"
}

TEST_CASE("CurlHttpClient: connection refused fails fast naming host:port") {
  const int port = ClosedPort();
  auto client = MakeClient();
  HttpRequest req;
  req.host = "127.0.0.1";
  req.port = port;
  req.path = "/x";
  auto t0 = std::chrono::steady_clock::now();
  auto r = client->Send(req, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(SecondsSince(t0) < 2.0);
  CHECK(r.status().category() == ErrorCategory::kNetwork);
  CHECK(r.status().code() == "ConnectionRefused");
  CHECK_THAT(r.status().message(), Catch::Contains("127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("CurlHttpClient: a server that stalls after the headers fails as a kTimeout StallTimeout") {
  std::atomic<bool> release{false};
  TestServer server([&](httplib::Server& s) {
    s.Get("/stall", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(100, "text/plain", [&](std::size_t, std::size_t, httplib::DataSink&) {
        for (int i = 0; i < 200 && !release; ++i) std::this_thread::sleep_for(25ms);  // at most 5 s
        return false;
      });
    });
  });
  HttpClientOptions o;
  o.low_speed_limit = 1;
  o.low_speed_time = 1s;
  auto client = MakeClient(o);
  auto t0 = std::chrono::steady_clock::now();
  auto r = client->Send(server.Request("GET", "/stall"), nullptr);
  const double took = SecondsSince(t0);
  release = true;
  REQUIRE_FALSE(r.ok());
  CHECK(took < 4.5);  // the server gives up after 5 s: a later failure would not be ours
  CHECK(took > 0.5);
  CHECK(r.status().category() == ErrorCategory::kTimeout);
  CHECK(r.status().code() == "StallTimeout");
  CHECK(r.status().IsTransient());
}

TEST_CASE("CurlHttpClient: sequential requests reuse one connection") {
  std::mutex mu;
  std::set<int> ports;
  TestServer server([&](httplib::Server& s) {
    s.Get("/obj", [&](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ports.insert(req.remote_port);
      }
      res.set_content("hello", "text/plain");
    });
  });
  auto client = MakeClient();
  for (int i = 0; i < 20; ++i) {
    auto r = client->Send(server.Request("GET", "/obj"), nullptr);
    REQUIRE(r.ok());
    CHECK(r->body == "hello");
  }
  std::lock_guard<std::mutex> lock(mu);
  CHECK(ports.size() <= 2);
  CHECK(client->idle_handles() == 1);
}

TEST_CASE("CurlHttpClient: 4 threads x 25 requests share one client and its connections") {
  std::mutex mu;
  std::set<int> ports;
  std::atomic<int> served{0};
  TestServer server([&](httplib::Server& s) {
    s.Get(R"(/obj/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ports.insert(req.remote_port);
      }
      ++served;
      res.set_content("body-" + req.matches[1].str(), "text/plain");
    });
  });
  auto client = MakeClient();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string id = std::to_string(t * 100 + i);
        auto r = client->Send(server.Request("GET", "/obj/" + id), nullptr);
        if (r.ok() && r->status == 200 && r->body == "body-" + id) ++good;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(good == 100);
  CHECK(served == 100);
  std::lock_guard<std::mutex> lock(mu);
  CHECK(ports.size() <= 8);  // about one connection per thread, not one per request
  CHECK(client->idle_handles() <= 4);
}

TEST_CASE("CurlHttpClient: invalid options and requests are rejected with the field named") {
  HttpClientOptions o;
  o.max_connections = 0;
  auto bad = CurlHttpClient::Create(o);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("max_connections"));
  HttpClientOptions ca;
  ca.ca_file = "/nonexistent/ca.pem";
  auto badca = CurlHttpClient::Create(ca);
  REQUIRE_FALSE(badca.ok());
  CHECK_THAT(badca.status().message(), Catch::Contains("/nonexistent/ca.pem"));

  auto client = MakeClient();
  HttpRequest inj;
  inj.host = "127.0.0.1";
  inj.port = 1;
  inj.headers.Set("x-amz-meta-a", "v\r\nInjected: yes");
  auto r = client->Send(inj, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
}

TEST_CASE("HttpClientOptionsFrom: copies the transport's ClientOptions and builds the User-Agent") {
  ClientOptions c;
  c.connect_timeout = 1234ms;
  c.low_speed_limit = 10;
  c.low_speed_time = 7s;
  c.verify_tls = false;
  c.ca_file = "/etc/ca.pem";
  c.max_connections = 3;
  c.user_agent_suffix = "trainer/2";
  HttpClientOptions o = HttpClientOptionsFrom(c);
  CHECK(o.connect_timeout == 1234ms);
  CHECK(o.low_speed_limit == 10);
  CHECK(o.low_speed_time == 7s);
  CHECK_FALSE(o.verify_tls);
  CHECK(o.ca_file == "/etc/ca.pem");
  CHECK(o.max_connections == 3);
  CHECK_THAT(o.user_agent, Catch::StartsWith("s3ml/") && Catch::EndsWith(" trainer/2"));
}

TEST_CASE("CurlHttpClient: the User-Agent option reaches the server") {
  std::mutex mu;
  std::string agent;
  TestServer server([&](httplib::Server& s) {
    s.Get("/ua", [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      agent = req.get_header_value("User-Agent");
      res.set_content("ok", "text/plain");
    });
  });
  HttpClientOptions o;
  o.user_agent = "s3ml-test/1.0";
  auto client = MakeClient(o);
  auto r = client->Send(server.Request("GET", "/ua"), nullptr);
  REQUIRE(r.ok());
  std::lock_guard<std::mutex> lock(mu);
  CHECK(agent == "s3ml-test/1.0");
}

namespace {

/// A loopback listener that completes TCP handshakes (the kernel's backlog does) and
/// never answers: a server that accepts and hangs. Closed on destruction.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

HttpRequest RequestTo(const std::string& host, int port, const std::string& path) {
  HttpRequest r;
  r.host = host;
  r.port = port;
  r.path = path;
  return r;
}

}  // namespace

TEST_CASE("CurlHttpClient: every failure path followed by more requests on the same pool reports its real cause") {
  TestServer server([](httplib::Server& s) {
    s.Get("/ok", [](const httplib::Request&, httplib::Response& res) { res.set_content("fine", "text/plain"); });
    s.Get("/trunc", [](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(100, "application/octet-stream", [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
        if (offset != 0) return false;
        sink.write("0123456789", 10);
        return true;
      });
    });
  });
  auto client = MakeClient();
  const int closed = ClosedPort();
  // Before the fix, a pooled handle reused after a failed resolve refused CURLOPT_BUFFERSIZE
  // and the second request failed as "Internal: curl_easy_setopt(98) failed".
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    auto dns = client->Send(RequestTo("nosuchhost.invalid", 9000, "/x"), nullptr);
    REQUIRE_FALSE(dns.ok());
    CHECK(dns.status().code() == "ResolveFailed");
    CHECK(dns.status().category() == ErrorCategory::kNetwork);
    auto refused = client->Send(RequestTo("127.0.0.1", closed, "/x"), nullptr);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == "ConnectionRefused");
    auto trunc = client->Send(server.Request("GET", "/trunc"), nullptr);
    REQUIRE_FALSE(trunc.ok());
    CHECK(trunc.status().code() == "PartialBody");
    HttpRequest tls = server.Request("GET", "/ok");  // https to a plain-http server: the handshake fails
    tls.scheme = "https";
    auto handshake = client->Send(tls, nullptr);
    REQUIRE_FALSE(handshake.ok());
    CHECK(handshake.status().category() == ErrorCategory::kNetwork);
    CHECK(handshake.status().code() != "NetworkError");
    auto ok = client->Send(server.Request("GET", "/ok"), nullptr);
    REQUIRE(ok.ok());
    CHECK(ok->body == "fine");
  }
}

TEST_CASE("CurlHttpClient: a cancelled token aborts a request to a server that never answers, within 100 ms") {
  SilentListener silent;
  auto client = MakeClient();
  HttpRequest req = RequestTo("127.0.0.1", silent.port(), "/hang");
  std::thread canceller([token = req.cancel] {
    std::this_thread::sleep_for(300ms);
    token.Cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = client->Send(req, nullptr);
  const double took = SecondsSince(t0);
  canceller.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kCancelled);
  CHECK(r.status().code() == "Cancelled");
  CHECK_THAT(r.status().message(), Catch::Contains("127.0.0.1:" + std::to_string(silent.port())));
  CHECK(took >= 0.25);
  CHECK(took < 0.3 + 1.0);  // poll interval is 50 ms; a generous bound for a loaded machine

  // A token cancelled before the call: nothing is sent, and the pool still works afterwards.
  auto again = client->Send(req, nullptr);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().category() == ErrorCategory::kCancelled);
}

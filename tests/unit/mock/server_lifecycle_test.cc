#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

TEST_CASE("MockS3Server: starts on a free loopback port and reports its endpoint") {
  auto server = StartServer();
  CHECK(server->port() > 0);
  CHECK(server->endpoint_url() == "http://127.0.0.1:" + std::to_string(server->port()));
  Client c(*server);
  auto r = c.Get("/");
  CHECK(r.status == 200);
  CHECK(server->stats().requests == 1);
  CHECK(server->stats().requests_by_operation.at("ListBuckets") == 1);
}

TEST_CASE("MockS3Server: start and stop 20 times without hanging, Stop idempotent") {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto server = StartServer();
    Client c(*server);
    REQUIRE(c.Get("/").status == 200);
    server->Stop();
    server->Stop();
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}

TEST_CASE("MockS3Server: stop is prompt while a client holds an idle keep-alive connection") {
  auto server = StartServer();
  httplib::Client cli("127.0.0.1", server->port());
  cli.set_keep_alive(true);
  auto r = cli.Get("/");  // unsigned: 403, but the connection stays open
  REQUIRE(r);
  CHECK(r->status == 403);
  const auto t0 = std::chrono::steady_clock::now();
  server.reset();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("MockS3Server: binding a port already in use fails with a message naming host and port") {
  auto first = StartServer();
  MockS3Options o;
  o.port = first->port();
  auto second = MockS3Server::Start(o);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().category() == ErrorCategory::kIo);
  CHECK(second.status().message().find("127.0.0.1:" + std::to_string(first->port())) != std::string::npos);
}

TEST_CASE("MockS3Server: invalid options are refused before binding") {
  MockS3Options o;
  o.threads = 0;
  CHECK(MockS3Server::Start(o).status().category() == ErrorCategory::kInvalidArgument);
  o = MockS3Options{};
  o.port = 70000;
  CHECK_FALSE(MockS3Server::Start(o).ok());
  o = MockS3Options{};
  o.secret_key.clear();
  CHECK_FALSE(MockS3Server::Start(o).ok());
}

TEST_CASE("MockS3Server: keep-alive serves many requests on one connection") {
  MockS3Options o;
  o.allow_anonymous = true;
  auto server = StartServer(o);
  httplib::Client cli("127.0.0.1", server->port());
  cli.set_keep_alive(true);
  for (int i = 0; i < 50; ++i) {
    auto r = cli.Get("/");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(r->get_header_value("Connection") != "close");
  }
  CHECK(server->stats().requests == 50);
}

TEST_CASE("MockS3Server: concurrent clients each see their own objects") {
  auto server = StartServer();
  Client c(*server);
  REQUIRE(c.CreateBucket("conc").status == 200);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        const std::string body(1000 + t * 10 + i, static_cast<char>('a' + t));
        if (c.Put(ObjPath("conc", key), body).status != 200) ++failures;
        auto g = c.Get(ObjPath("conc", key));
        if (g.status != 200 || g.body != body) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto keys = server->ObjectKeys("conc");
  REQUIRE(keys.ok());
  CHECK(keys->size() == 160);
  CHECK(server->stats().requests_by_operation.at("PutObject") == 160);
}

TEST_CASE("MockS3Server: ObjectBody and ObjectKeys report missing buckets and keys") {
  auto server = StartServer();
  CHECK(server->ObjectBody("none", "k").status().code() == "NoSuchBucket");
  Client c(*server);
  REQUIRE(c.CreateBucket("there").status == 200);
  CHECK(server->ObjectBody("there", "k").status().code() == "NoSuchKey");
  CHECK(server->ObjectKeys("none").status().code() == "NoSuchBucket");
}

// The mock's HTTP front end against hostile clients: head size limits, strict
// request framing, and connections that are idle or slow.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "mock/http_framing.h"
#include "mock/http_server.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;
using Steady = std::chrono::steady_clock;
using namespace std::string_literals;

namespace {

bool SendAll(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

struct Answer {
  int status = 0;
  std::string head, body;
};

// Reads one response (head, then Content-Length bytes) from `fd`, keeping any
// bytes after it in `carry`. status 0: none within the timeout.
Answer ReadAnswer(int fd, std::string& carry, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  Answer a;
  const auto deadline = Steady::now() + timeout;
  auto fill = [&] {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    carry.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = carry.find("\r\n\r\n")) == std::string::npos)
    if (!fill()) return a;
  a.head = carry.substr(0, end + 4);
  std::size_t length = 0;
  const auto cl = a.head.find("Content-Length: ");
  if (cl != std::string::npos) length = std::stoul(a.head.substr(cl + 16));
  while (carry.size() < end + 4 + length)
    if (!fill()) return a;
  a.body = carry.substr(end + 4, length);
  carry.erase(0, end + 4 + length);
  a.status = std::stoi(a.head.substr(9, 3));
  return a;
}

// Whether the server closed the connection (EOF or reset) within the timeout.
bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Steady::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
}

std::string Code(const Answer& a) {
  const auto b = a.body.find("<Code>"), e = a.body.find("</Code>");
  return b == std::string::npos || e == std::string::npos ? std::string() : a.body.substr(b + 6, e - b - 6);
}

// A field of /proc/self/status ("VmRSS", "Threads"), in its own unit.
long ProcStatus(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

std::unique_ptr<MockS3Server> AnonymousServer() {
  MockS3Options o;
  o.allow_anonymous = true;
  auto server = StartServer(o);
  auto mk = RawExchange(server->port(), "PUT /bkt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  REQUIRE(mk.received.rfind("HTTP/1.1 200", 0) == 0);
  return server;
}

// One request on a fresh connection: the answer, and whether the server then closed.
struct Exchanged {
  Answer answer;
  bool closed = false;
};
Exchanged ExchangeOnce(int port, const std::string& request) {
  Exchanged out;
  int fd = ConnectLoopback(port);
  REQUIRE(fd >= 0);
  REQUIRE(SendAll(fd, request));
  std::string carry;
  out.answer = ReadAnswer(fd, carry, std::chrono::seconds(5));
  out.closed = out.answer.status != 0 && carry.empty() && ClosedWithin(fd, std::chrono::seconds(5));
  ::close(fd);
  return out;
}

void RaiseFdLimit(rlim_t want) {
  rlimit rl{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_cur >= want) return;
  rl.rlim_cur = std::min(want, rl.rlim_max);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &rl) == 0);
  REQUIRE(rl.rlim_cur >= want);
}

}  // namespace

// ---- head size -------------------------------------------------------------

TEST_CASE("HTTP front end: a header section over 8 KiB is answered 400 RequestHeaderSectionTooLarge and closed") {
  auto server = AnonymousServer();
  std::string head = "GET /bkt HTTP/1.1\r\nHost: x\r\n";
  while (head.size() < 9000) head += "x-amz-meta-pad: " + std::string(100, 'p') + "\r\n";
  auto r = ExchangeOnce(server->port(), head + "\r\n");
  CHECK(r.answer.status == 400);
  CHECK(Code(r.answer) == "RequestHeaderSectionTooLarge");
  CHECK(r.answer.body.find("<MaxSizeAllowed>8192</MaxSizeAllowed>") != std::string::npos);
  CHECK(r.answer.head.find("Content-Type: application/xml") != std::string::npos);
  CHECK(r.closed);
  // Just under the limit is served.
  std::string small = "GET /bkt HTTP/1.1\r\nHost: x\r\nx-pad: " + std::string(8000, 'p') + "\r\n\r\n";
  CHECK(ExchangeOnce(server->port(), small).answer.status == 200);
}

TEST_CASE("HTTP front end: a request line over 8 KiB is answered 414 RequestURITooLong") {
  auto server = AnonymousServer();
  auto r = ExchangeOnce(server->port(), "GET /bkt/" + std::string(9000, 'k') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(r.answer.status == 414);
  CHECK(Code(r.answer) == "RequestURITooLong");
  CHECK(r.closed);
}

TEST_CASE("HTTP front end: 64 MiB of header lines are refused after the cap, in bounded memory") {
  auto server = AnonymousServer();
  int fd = ConnectLoopback(server->port());
  REQUIRE(fd >= 0);
  const long rss_before = ProcStatus("VmRSS");
  std::atomic<std::size_t> sent{0};
  std::thread sender([&] {
    std::string chunk = "PUT /bkt/k HTTP/1.1\r\nHost: x\r\n";
    const std::string line = "x-amz-meta-a: " + std::string(1000, 'a') + "\r\n";
    while (chunk.size() < 64 * 1024) chunk += line;
    while (sent < (std::size_t{64} << 20)) {
      ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) break;  // the server closed after answering
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
  });
  std::string carry;
  Answer a = ReadAnswer(fd, carry, std::chrono::seconds(10));
  sender.join();
  ::close(fd);
  const long rss_after = ProcStatus("VmRSS");
  CHECK(a.status == 400);
  CHECK(Code(a) == "RequestHeaderSectionTooLarge");
  CHECK(rss_after - rss_before < 32 * 1024);  // kB: the 64 MiB were never held
  auto obj = server->ObjectBody("bkt", "k");
  CHECK_FALSE(obj.ok());
}

// ---- framing ---------------------------------------------------------------

TEST_CASE("HTTP front end: ambiguous or invalid Content-Length is 400 BadRequest at once; nothing is stored") {
  auto server = AnonymousServer();
  const std::vector<std::string> framings = {
      "Content-Length: 5\r\nContent-Length: 6\r\n",
      "Content-Length: 5\r\nContent-Length: 5\r\n",
      "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: abc\r\n",
      "Content-Length: +5\r\n",
      "Content-Length: 5, 5\r\n",
      "Content-Length: \r\n",
      "Content-Length: -1\r\n",
      "Content-Length: 0x5\r\n",
      "Content-Length: 99999999999999999999999\r\n",
  };
  for (const auto& framing : framings) {
    INFO(framing);
    const auto t0 = Steady::now();
    auto r = ExchangeOnce(server->port(), "PUT /bkt/k HTTP/1.1\r\nHost: x\r\n" + framing + "\r\nhello");
    CHECK(r.answer.status == 400);
    CHECK(Code(r.answer) == "BadRequest");
    CHECK(r.closed);
    CHECK(Steady::now() - t0 < std::chrono::seconds(5));  // not the 30 s read timeout
    CHECK_FALSE(server->ObjectBody("bkt", "k").ok());
  }
}

TEST_CASE("HTTP front end: a chunk longer than its size is refused, not stored truncated and re-parsed") {
  auto server = AnonymousServer();
  // The old reader stored "abc" and then parsed "GET /bkt/smuggled ..." as a second request.
  const std::string smuggle = "PUT /bkt/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "3\r\nabcGET /bkt/smuggled HTTP/1.1\r\nHost: x\r\n\r\n0\r\n\r\n";
  int fd = ConnectLoopback(server->port());
  REQUIRE(fd >= 0);
  REQUIRE(SendAll(fd, smuggle));
  std::string carry;
  Answer a = ReadAnswer(fd, carry, std::chrono::seconds(5));
  CHECK(a.status == 400);
  CHECK(Code(a) == "BadRequest");
  CHECK(a.body.find("longer than its chunk size") != std::string::npos);
  CHECK(ClosedWithin(fd, std::chrono::seconds(5)));
  CHECK(carry.find("HTTP/1.1") == std::string::npos);  // exactly one answer
  ::close(fd);
  CHECK_FALSE(server->ObjectBody("bkt", "k").ok());
}

TEST_CASE("HTTP front end: malformed chunked bodies are 400 BadRequest; unknown codings 501; nothing stored") {
  auto server = AnonymousServer();
  const std::vector<std::string> bodies = {
      "zz\r\nabc\r\n0\r\n\r\n",          // not hex
      "3\nabc\r\n0\r\n\r\n",             // bare LF
      "3\r\nabc0\r\n\r\n",               // no CRLF after the data
      "-3\r\nabc\r\n0\r\n\r\n",          // sign
      "11111111111111111\r\n",           // 17 hex digits
      "3 x\r\nabc\r\n0\r\n\r\n",         // junk after the size
      "3\r\nabc\r\n0\r\nbad trailer\r\n\r\n",
      "hello",                           // refused at its first byte, without waiting for a CRLF
  };
  for (const auto& body : bodies) {
    INFO(body);
    auto r = ExchangeOnce(server->port(),
                          "PUT /bkt/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
    CHECK(r.answer.status == 400);
    CHECK(Code(r.answer) == "BadRequest");
    CHECK(r.closed);
    CHECK_FALSE(server->ObjectBody("bkt", "k").ok());
  }
  auto gz = ExchangeOnce(server->port(), "PUT /bkt/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxx");
  CHECK(gz.answer.status == 501);
  CHECK(Code(gz.answer) == "NotImplemented");
}

TEST_CASE("HTTP front end: a chunked body with extensions and trailers is stored exactly, and the connection is reused") {
  auto server = AnonymousServer();
  int fd = ConnectLoopback(server->port());
  REQUIRE(fd >= 0);
  // Two pipelined requests in one write: the second starts right after the first body.
  REQUIRE(SendAll(fd,
                  "PUT /bkt/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5;name=value\r\nhello\r\nA\r\n, chunked!\r\n0\r\nx-trailer: t\r\n\r\n"
                  "GET /bkt/k HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string carry;
  CHECK(ReadAnswer(fd, carry).status == 200);
  Answer get = ReadAnswer(fd, carry);
  CHECK(get.status == 200);
  CHECK(get.body == "hello, chunked!");
  ::close(fd);
  CHECK(server->ObjectBody("bkt", "k").value() == "hello, chunked!");
}

TEST_CASE("HTTP front end: malformed request lines and header lines are 400 BadRequest; unknown methods 405") {
  auto server = AnonymousServer();
  const std::vector<std::string> heads = {
      "GET  /bkt HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /bkt HTTP/1.1 extra\r\nHost: x\r\n\r\n",
      "GET bkt HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /bkt HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET /bkt HTTP/1.1\nHost: x\n\n",
      "GET /bkt HTTP/1.1\r\nHost : x\r\n\r\n",
      "GET /bkt HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      "GET /bkt HTTP/1.1\r\nno-colon\r\n\r\n",
      "GET /bkt HTTP/1.1\r\nx-a: a\0b\r\n\r\n"s,
      "GET /b\0kt HTTP/1.1\r\nHost: x\r\n\r\n"s,
  };
  for (const auto& head : heads) {
    INFO(head);
    auto r = ExchangeOnce(server->port(), head);
    CHECK(r.answer.status == 400);
    CHECK(Code(r.answer) == "BadRequest");
    CHECK(r.closed);
  }
  auto unknown = ExchangeOnce(server->port(), "BREW /bkt HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(unknown.answer.status == 405);
  CHECK(Code(unknown.answer) == "MethodNotAllowed");
}

TEST_CASE("HTTP front end: a GET with a body is answered with Connection: close; its body is never a request") {
  auto server = AnonymousServer();
  int fd = ConnectLoopback(server->port());
  REQUIRE(fd >= 0);
  const std::string inner = "PUT /bkt/smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
  REQUIRE(SendAll(fd, "GET /bkt HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(inner.size()) +
                          "\r\n\r\n" + inner));
  std::string carry;
  Answer a = ReadAnswer(fd, carry, std::chrono::seconds(5));
  CHECK(a.status == 200);
  CHECK(a.head.find("Connection: close") != std::string::npos);
  CHECK(ClosedWithin(fd, std::chrono::seconds(5)));
  ::close(fd);
  CHECK_FALSE(server->ObjectBody("bkt", "smuggled").ok());
}

TEST_CASE("HTTP front end: a body that stops early is answered at once when the client half-closes") {
  auto server = AnonymousServer();
  int fd = ConnectLoopback(server->port());
  REQUIRE(fd >= 0);
  REQUIRE(SendAll(fd, "PUT /bkt/k HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-this"));
  ::shutdown(fd, SHUT_WR);
  std::string carry;
  Answer a = ReadAnswer(fd, carry, std::chrono::seconds(5));
  CHECK(a.status == 400);
  CHECK(Code(a) == "IncompleteBody");
  ::close(fd);
  CHECK_FALSE(server->ObjectBody("bkt", "k").ok());
}

// ---- idle and slow connections ---------------------------------------------

TEST_CASE("HTTP front end: 1,100 idle keep-alive connections hold no threads and do not lock out a new client") {
  RaiseFdLimit(4096);
  auto server = AnonymousServer();
  const long threads_before = ProcStatus("Threads");
  std::vector<int> fds;
  for (int i = 0; i < 1100; ++i) {
    int fd = ConnectLoopback(server->port());
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    REQUIRE(SendAll(fd, "GET /bkt HTTP/1.1\r\nHost: x\r\n\r\n"));
  }
  int answered = 0;
  for (int fd : fds) {
    std::string carry;
    if (ReadAnswer(fd, carry).status == 200) ++answered;
  }
  CHECK(answered == 1100);
  // Every one of them is idle now. A new client is served at once (the old
  // one-thread-per-connection loop, capped at 1,024 threads, made it wait for
  // a 30 s keep-alive timeout), and the idle ones hold no thread.
  auto fresh = ExchangeOnce(server->port(), "GET /bkt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(fresh.answer.status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(ProcStatus("Threads") - threads_before < 200);
  // And each idle connection still works.
  std::string carry;
  REQUIRE(SendAll(fds.front(), "GET /bkt HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(ReadAnswer(fds.front(), carry).status == 200);
  for (int fd : fds) ::close(fd);
}

TEST_CASE("HTTP front end: clients sending their heads a byte at a time hold no threads") {
  RaiseFdLimit(4096);
  auto server = AnonymousServer();
  const long threads_before = ProcStatus("Threads");
  std::vector<int> fds;
  const std::string head = "GET /bkt HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 300; ++i) {
    int fd = ConnectLoopback(server->port());
    REQUIRE(fd >= 0);
    fds.push_back(fd);
  }
  // Each sends a few bytes of its head, one at a time, without finishing it.
  for (std::size_t b = 0; b < 5; ++b) {
    for (int fd : fds) REQUIRE(::send(fd, &head[b], 1, MSG_NOSIGNAL) == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(ProcStatus("Threads") - threads_before < 100);
  auto fresh = ExchangeOnce(server->port(), "GET /bkt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(fresh.answer.status == 200);
  // The slow heads are still served once complete.
  std::string carry;
  REQUIRE(SendAll(fds.front(), head.substr(5)));
  CHECK(ReadAnswer(fds.front(), carry).status == 200);
  for (int fd : fds) ::close(fd);
}

// ---- the framing functions themselves ----------------------------------------

TEST_CASE("http::ChunkedDecoder: decodes across arbitrary input splits and refuses oversize bodies") {
  const std::string wire = "4\r\nWiki\r\n5;ext\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nNEXT";
  for (std::size_t split = 1; split <= wire.size(); ++split) {
    http::ChunkedDecoder d(1 << 20);
    std::string out;
    std::size_t at = 0;
    char buf[3];
    while (!d.done() && at < wire.size()) {
      const std::size_t n = std::min(split, wire.size() - at);
      auto step = d.Decode(wire.data() + at, n, buf, sizeof buf);
      REQUIRE(step.ok());
      at += step->consumed;
      out.append(buf, step->produced);
    }
    CHECK(d.done());
    CHECK(out == "Wikipedia in\r\n\r\nchunks.");
    CHECK(wire.substr(at) == "NEXT");
  }
  http::ChunkedDecoder small(4);
  char buf[16];
  auto big = small.Decode("5\r\nhello\r\n", 10, buf, sizeof buf);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == "EntityTooLarge");
}

// The mock's connection handling: connections never wait behind idle
// keep-alive connections, and a burst of connections is accepted at once.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mock/http_server.h"
#include "support/mock_requests.h"

using namespace s3ml;
using namespace s3ml::mock;
using namespace s3ml::mock::testing;

namespace {

// Sends one keep-alive request and reads until the response head has arrived
// (or timeout_ms passes). Returns the bytes read.
std::string Exchange(int fd, int timeout_ms) {
  const std::string req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return "";
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (got.find("\r\n\r\n") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

}  // namespace

TEST_CASE("MockS3Server: more keep-alive connections than threads are all served without waiting") {
  MockS3Options o;
  o.threads = 2;
  auto server = StartServer(o);
  // Each connection stays open (idle keep-alive) after its first response; a
  // fixed pool of 2 threads would leave the third connection waiting for the
  // 30 s keep-alive timeout of one of the first two.
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) {
    int fd = ConnectLoopback(server->port());
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    const std::string head = Exchange(fd, 5000);
    CHECK(head.rfind("HTTP/1.1 ", 0) == 0);  // answered (403: unsigned) within 5 s
  }
  for (int fd : fds) ::close(fd);
  server->Stop();
}

TEST_CASE("MockS3Server: a burst of 200 simultaneous connections is accepted without SYN retransmits") {
  auto server = StartServer();
  std::vector<int> fds;
  const auto t0 = std::chrono::steady_clock::now();
  // Non-blocking connects all at once: with a listen backlog of 5 the kernel
  // drops SYNs beyond the queue and those connects complete only after a 1 s
  // retransmit.
  for (int i = 0; i < 200; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(server->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    REQUIRE((r == 0 || errno == EINPROGRESS));
    fds.push_back(fd);
  }
  int connected = 0;
  for (int fd : fds) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 900) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) ++connected;
    }
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  for (int fd : fds) ::close(fd);
  CHECK(connected == 200);
  CHECK(took < std::chrono::milliseconds(900));  // no connect waited for a retransmit
  server->Stop();
}

TEST_CASE("ConnectionPool: runs more simultaneous jobs than its minimum threads, and drains on shutdown") {
  ConnectionPool pool(1);
  CHECK(pool.threads() == 1);
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  bool release = false;
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i) {
    pool.enqueue([&] {
      std::unique_lock<std::mutex> lock(mu);
      ++running;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
      ++done;
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    // All six run at once (each would block a fixed single-thread pool).
    CHECK(cv.wait_for(lock, std::chrono::seconds(5), [&] { return running == 6; }));
    release = true;
  }
  cv.notify_all();
  CHECK(pool.threads() >= 6);
  pool.shutdown();
  CHECK(done == 6);
  CHECK(pool.threads() == 0);
}

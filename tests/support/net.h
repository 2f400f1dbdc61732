#pragma once
// Loopback sockets for tests: a port nobody listens on, a connected socket, and a
// raw request/response exchange (for requests no well-behaved client would send).

#include <chrono>
#include <string>

namespace s3ml::test {

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
int ClosedPort();

/// A TCP socket connected to 127.0.0.1:port, or -1.
int ConnectLoopback(int port);

/// Sends `request` bytes on a fresh TCP connection and reads until EOF/error.
struct RawResult {
  std::string received;
  int error = 0;  ///< errno of the failing recv (ECONNRESET for a reset), 0 on clean EOF
};
RawResult RawExchange(int port, const std::string& request, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace s3ml::test

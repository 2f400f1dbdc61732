#pragma once
// ConnectionServer: httplib::Server with its own per-connection loop.
//
// cpp-httplib's connection loop keeps an idle keep-alive connection open for
// the whole keep-alive timeout even after stop(), and gives handlers no access
// to the socket. Overriding process_and_close_socket (virtual) with our own
// loop over httplib's protected process_request lets us
//  - stop promptly: Shutdown() wakes idle connections and ends them;
//  - reset a connection from inside a handler (fault injection): the handler
//    marks the connection, our stream then refuses to write the response, and
//    the socket is closed with SO_LINGER{1,0}, which sends a TCP RST before any
//    response byte;
//  - see the request head exactly as sent: httplib 0.11 URL-decodes header
//    values (so "x-amz-copy-source: b/a%20b" arrives as "b/a b"), which would
//    break SigV4 verification; our stream keeps the raw bytes of the head;
//  - keep httplib away from the body's meaning: it caps form-urlencoded
//    bodies at 8 KiB, parses multipart/form-data, and gunzips gzip-encoded
//    bodies, none of which an object store may do. Our stream renames the
//    Content-Type and Content-Encoding lines in the head httplib parses.

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>

namespace s3ml::mock {

/// Thread safety: Shutdown() may be called from any thread; handlers run on
/// the task-queue threads.
class ConnectionServer : public httplib::Server {
 public:
  ConnectionServer() = default;
  ~ConnectionServer() override;

  /// Called from a handler: the current connection ends with a TCP reset and no
  /// response is written. Returns false when not called on a connection thread.
  static bool ResetCurrentConnection();

  /// Called from a handler: the raw request head (request line and header
  /// lines, up to and including the blank line) of the request being handled,
  /// or nullptr when not called on a connection thread.
  static const std::string* CurrentRawHead();

  /// Stops accepting, ends idle connections within ~50 ms, and returns once the
  /// listen loop has exited (call from outside the handlers).
  void Shutdown();

  bool stopping() const { return stopping_.load(); }

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool WaitForRequest(socket_t sock, const httplib::Stream& strm) const;

  std::atomic<bool> stopping_{false};
  std::mutex mu_;         // guards open_
  std::set<socket_t> open_;  // connections being served (closed only after removal)
};

}  // namespace s3ml::mock

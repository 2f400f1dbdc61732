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
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

  /// httplib's bind_to_port / bind_to_any_port, then the listen queue is
  /// widened to SOMAXCONN (httplib's compiled-in backlog is 5, so a burst of
  /// connections from a parallel client lost SYNs and waited a 1 s
  /// retransmit). These hide the base class's non-virtual functions: call them
  /// through a ConnectionServer. Same results as httplib's.
  bool bind_to_port(const std::string& host, int port, int socket_flags = 0);
  int bind_to_any_port(const std::string& host, int socket_flags = 0);

  /// The connection task queue to install as `new_task_queue`: see ConnectionPool.
  static httplib::TaskQueue* NewConnectionPool(std::size_t min_threads);

 private:
  bool WidenBacklog();
  bool process_and_close_socket(socket_t sock) override;
  bool WaitForRequest(socket_t sock, const httplib::Stream& strm) const;

  std::atomic<bool> stopping_{false};
  std::mutex mu_;         // guards open_
  std::set<socket_t> open_;  // connections being served (closed only after removal)
};

/// The task queue connections run on (one thread per connection, as httplib's
/// ThreadPool). Unlike httplib's fixed pool, a connection never waits in the
/// queue behind idle keep-alive connections: `min_threads` threads are kept,
/// and when a connection arrives while every thread is busy another thread is
/// started (up to max(min_threads, kMaxThreads)); threads above min_threads
/// exit after kIdleExit without work.
/// Thread safety: enqueue() and shutdown() may be called from any thread;
/// shutdown() runs the queued jobs, then joins every thread (call it once).
class ConnectionPool final : public httplib::TaskQueue {
 public:
  static constexpr std::size_t kMaxThreads = 1024;
  static constexpr std::chrono::milliseconds kIdleExit{5000};

  explicit ConnectionPool(std::size_t min_threads);
  ~ConnectionPool() override;
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  /// Threads currently alive (for tests and stats).
  std::size_t threads() const;

 private:
  using ThreadList = std::list<std::thread>;
  void StartThreadLocked(bool core);
  void Run(ThreadList::iterator self, bool core);

  const std::size_t min_threads_, max_threads_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  ThreadList threads_;                       // every thread not yet joined
  std::vector<ThreadList::iterator> exited_;  // extra threads that returned, to join
  std::size_t alive_ = 0, idle_ = 0;
  bool shutdown_ = false;
};

}  // namespace s3ml::mock

#pragma once
// ConnectionServer: httplib::Server with its own connection handling.
//
// cpp-httplib 0.11 serves one connection per thread for the connection's whole
// life, reads request heads without a size limit, and trusts a request's
// framing headers loosely (it takes the first of two Content-Lengths, parses
// "+5" and "5, 5" as 5, and ends a chunked body early at a chunk longer than
// its size, leaving the rest to be read as another request). Overriding
// process_and_close_socket (virtual) and calling httplib's protected
// process_request for one request at a time, this server instead
//  - reads every request head itself, in bounded memory (http::kMaxHead bytes;
//    reading stops there), checks it strictly (mock/http_framing.h) and answers
//    a violation with an S3 XML error before it closes the connection;
//  - owns the body's framing: httplib is shown neither Content-Length nor
//    Transfer-Encoding and reads the body until our stream reports its end,
//    so a body is exactly Content-Length bytes or a strictly decoded chunked
//    body, and nothing is stored from a malformed one;
//  - holds a thread only while a request is in progress: a connection waiting
//    for its next request (idle keep-alive) or for the rest of a slowly sent
//    head is parked in one poll() set and handed back to a worker when bytes
//    arrive (see IdleSet in http_server.cc), so idle or slow clients cannot
//    starve active ones;
//  - stops promptly: Shutdown() ends parked and active connections;
//  - can reset a connection from inside a handler (fault injection): the
//    handler marks the connection, our stream then refuses to write the
//    response, and the socket is closed with SO_LINGER{1,0}, which sends a TCP
//    RST before any response byte;
//  - hands handlers the request head exactly as sent: httplib 0.11 URL-decodes
//    header values (so "x-amz-copy-source: b/a%20b" arrives as "b/a b"), which
//    would break SigV4 verification;
//  - keeps httplib away from the body's meaning: it caps form-urlencoded
//    bodies at 8 KiB, parses multipart/form-data, and gunzips gzip-encoded
//    bodies, none of which an object store may do. The head httplib parses has
//    Content-Type, Content-Encoding, Content-Length and Transfer-Encoding renamed.
// docs/adr/0007-mock-owns-its-connection-loop.md records why.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mock/s3_error.h"

namespace s3ml::mock {

/// Thread safety: Shutdown() may be called from any thread; handlers run on
/// the task-queue threads.
class ConnectionServer : public httplib::Server {
 public:
  ConnectionServer();
  ~ConnectionServer() override;

  /// Called from a handler: the current connection ends with a TCP reset and no
  /// response is written. Returns false when not called on a connection thread.
  static bool ResetCurrentConnection();

  /// Called from a handler: the raw request head (request line and header
  /// lines, up to and including the blank line) of the request being handled,
  /// or nullptr when not called on a connection thread.
  static const std::string* CurrentRawHead();

  /// Stops accepting, ends parked and active connections, and returns once the
  /// listen loop has exited (call from outside the handlers).
  void Shutdown();

  bool stopping() const { return stopping_.load(); }

  /// httplib's bind_to_port / bind_to_any_port, then the listen queue is
  /// widened to SOMAXCONN (httplib's compiled-in backlog is 5, so a burst of
  /// connections from a parallel client lost SYNs and waited a 1 s
  /// retransmit). These hide the base class's non-virtual functions: call them
  /// through a ConnectionServer. Same results as httplib's. They also wrap
  /// `new_task_queue` (set it before binding) so that parked connections can
  /// be handed back to the task queue.
  bool bind_to_port(const std::string& host, int port, int socket_flags = 0);
  int bind_to_any_port(const std::string& host, int socket_flags = 0);

  /// The connection task queue to install as `new_task_queue`: see ConnectionPool.
  static httplib::TaskQueue* NewConnectionPool(std::size_t min_threads);

  /// Connections currently parked (waiting for bytes without a thread).
  std::size_t parked_connections() const;

  struct Connection;  // one client connection (http_server.cc)
  class IdleSet;      // the parked connections and their poll() thread
  class TaskQueueHook;

 private:
  bool WidenBacklog();
  void WrapTaskQueue();
  bool process_and_close_socket(socket_t sock) override;
  // Serves requests on `c` until it must wait for bytes (then parks it) or ends.
  void Serve(std::unique_ptr<Connection> c);
  // Parks `c` in the idle set (or closes it when stopping).
  void Park(std::unique_ptr<Connection> c);
  // Answers `e` (an S3 XML error), then closes after a bounded drain.
  void Refuse(std::unique_ptr<Connection> c, const S3Error& e, const std::string& method,
              const std::string& target);
  void Close(std::unique_ptr<Connection> c, bool reset);
  void StopIdleSet();

  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> front_end_errors_{0};  // numbers the request ids of Refuse()
  std::mutex mu_;         // guards open_
  std::set<socket_t> open_;  // connections not yet closed, served or parked (closed only after removal)
  std::unique_ptr<IdleSet> idle_;  // created when bound
  bool queue_wrapped_ = false;
};

/// The task queue requests run on. `min_threads` threads are kept; when a job
/// has waited kSpawnDelay in the queue (every thread busy with a long request:
/// a slow body, injected latency) another thread is started, at most one per
/// kSpawnDelay, up to max(min_threads, kMaxThreads); threads above min_threads
/// exit after kIdleExit without work. Starting threads only for jobs that
/// waited keeps a burst of short requests (2,000 clients sending at once) from
/// starting a thread each, while a queue behind long requests still moves.
/// Thread safety: enqueue() and shutdown() may be called from any thread;
/// shutdown() runs the queued jobs, then joins every thread (call it once).
class ConnectionPool final : public httplib::TaskQueue {
 public:
  static constexpr std::size_t kMaxThreads = 1024;
  static constexpr std::chrono::milliseconds kIdleExit{5000};
  static constexpr std::chrono::milliseconds kSpawnDelay{5};

  explicit ConnectionPool(std::size_t min_threads);
  ~ConnectionPool() override;
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  /// Worker threads currently alive (for tests and stats).
  std::size_t threads() const;

 private:
  using ThreadList = std::list<std::thread>;
  struct Job {
    std::function<void()> fn;
    std::chrono::steady_clock::time_point queued;
  };
  void StartThreadLocked(bool core);
  void Run(ThreadList::iterator self, bool core);
  void Grow();  // the thread that starts workers for jobs that waited

  const std::size_t min_threads_, max_threads_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;       // workers wait here
  std::condition_variable grow_cv_;  // Grow() waits here
  std::deque<Job> jobs_;
  ThreadList threads_;                       // every worker not yet joined
  std::vector<ThreadList::iterator> exited_;  // extra workers that returned, to join
  std::size_t alive_ = 0, idle_ = 0;
  bool shutdown_ = false;
  std::thread grower_;
};

}  // namespace s3ml::mock

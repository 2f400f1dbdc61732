#include "mock/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "common/crypto.h"
#include "common/time.h"
#include "mock/http_framing.h"
#include "mock/xml.h"

namespace s3ml::mock {

using SteadyClock = std::chrono::steady_clock;

/// One client connection between requests: everything that must survive while
/// it is parked without a thread.
struct ConnectionServer::Connection {
  socket_t fd = INVALID_SOCKET;
  std::string pending;        // bytes received and not yet used (a partial head, or pipelined requests)
  std::size_t remaining = 0;  // requests still allowed on this connection
  SteadyClock::time_point deadline;  // parked: close at this time (idle, partial head, or drain)
  bool grace = false;         // just answered: wait briefly for the next request before parking
  bool draining = false;      // an error was answered: discard input until EOF or the deadline, then close
};

namespace {

enum class HeadState { kIncomplete, kComplete, kTooLarge, kClosed };

// Reads what has arrived (without waiting) until c.pending holds a whole head,
// at most http::kMaxHead bytes. `head_size` is set for kComplete.
HeadState ReadHead(ConnectionServer::Connection& c, std::chrono::milliseconds head_timeout, std::size_t& head_size) {
  for (;;) {
    // Empty lines before a request line are ignored (RFC 9112 2.2).
    std::size_t skip = 0;
    while (skip < c.pending.size()) {
      if (c.pending[skip] == '\n') ++skip;
      else if (c.pending.compare(skip, 2, "\r\n") == 0) skip += 2;
      else break;
    }
    if (skip > 0) c.pending.erase(0, skip);
    switch (http::FindHeadEnd(c.pending, head_size)) {
      case http::HeadScan::kComplete: return HeadState::kComplete;
      case http::HeadScan::kTooLarge: return HeadState::kTooLarge;
      case http::HeadScan::kIncomplete: break;
    }
    // Never more than the cap: reading stops at http::kMaxHead bytes.
    char buf[http::kMaxHead];
    const std::size_t room = http::kMaxHead - c.pending.size();
    ssize_t n;
    do n = ::recv(c.fd, buf, room, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
      if (c.pending.empty()) c.deadline = SteadyClock::now() + head_timeout;  // a new head: complete it in time
      c.pending.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return HeadState::kClosed;
    return HeadState::kIncomplete;
  }
}

}  // namespace

namespace {

// How long a connection that just got a response keeps its thread, waiting for
// the next request, before it is parked. Keeps back-to-back requests of one
// client off the poll() set; short enough that idle connections do not hold
// threads. (A new connection is parked at once if its first bytes are not
// there yet: a flood of connections must not hold threads either.)
constexpr std::chrono::milliseconds kKeepAliveGrace{2};
// After an error answer the connection is half-closed and its input drained
// for at most this long, so that a client still sending (a huge head or a
// body) reads the answer instead of losing it to a reset.
constexpr std::chrono::milliseconds kDrainTime{2000};

struct ConnectionState {
  bool reset = false;
  std::string raw_head;
  std::optional<S3Error> body_error;  // the body could not be read: answered by the front end
};
thread_local ConnectionState* tls_connection = nullptr;

// Waits up to timeout_ms for `events`; retries on EINTR. Returns poll's result.
int PollFor(socket_t fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

void AddressOf(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, buf, sizeof(buf));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof(buf));
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// The head httplib parses: framing and body-interpreting headers renamed, so
// that httplib reads the body as opaque bytes until our stream ends it. The S3
// layer reads the original lines (ConnectionServer::CurrentRawHead).
std::string HeadForHttplib(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 64);
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = raw.find('\n', pos);
    end = end == std::string_view::npos ? raw.size() : end + 1;
    const std::string_view line = raw.substr(pos, end - pos);
    if (StartsWithIgnoreCase(line, "content-type:") || StartsWithIgnoreCase(line, "content-encoding:") ||
        StartsWithIgnoreCase(line, "content-length:") || StartsWithIgnoreCase(line, "transfer-encoding:"))
      out += "X-S3ml-Hidden-";
    out += line;
    pos = end;
  }
  return out;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 501: return "Not Implemented";
    default: return "Error";
  }
}

// Sends all of `data` (bounded by timeout_ms per wait). Returns false on failure.
bool SendAll(socket_t fd, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    if (PollFor(fd, POLLOUT, timeout_ms) <= 0) return false;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// A buffered socket stream for one request (httplib's own SocketStream is not
// exported by the compiled library). It hands httplib the rewritten head, then
// exactly the request's body as its framing delimits it, then end-of-stream;
// bytes after the body stay buffered for the next request.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(std::string head_for_httplib, std::string_view after_head, const http::RequestHead& head,
             std::uint64_t max_body, int read_timeout_ms, int write_timeout_ms, socket_t fd, ConnectionState& state)
      : head_out_(std::move(head_for_httplib)),
        framing_(head.framing),
        left_(head.content_length),
        decoder_(max_body),
        fd_(fd),
        read_timeout_ms_(read_timeout_ms),
        write_timeout_ms_(write_timeout_ms),
        state_(state),
        buf_(after_head.begin(), after_head.end()),
        len_(buf_.size()) {}

  bool is_readable() const override { return len_ > off_ || PollFor(fd_, POLLIN, read_timeout_ms_) > 0; }
  bool is_writable() const override { return Writable() && PollFor(fd_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (head_off_ < head_out_.size()) {  // httplib reads the head byte by byte
      const size_t n = std::min(size, head_out_.size() - head_off_);
      std::memcpy(ptr, head_out_.data() + head_off_, n);
      head_off_ += n;
      return static_cast<ssize_t>(n);
    }
    switch (framing_) {
      case http::BodyFraming::kNone:
      case http::BodyFraming::kUnframed:  // answered 411 by the S3 layer, then closed
        return 0;
      case http::BodyFraming::kLength: {
        if (left_ == 0) return 0;
        if (off_ == len_ && !Fill()) return -1;
        const size_t n = static_cast<size_t>(std::min<std::uint64_t>({size, len_ - off_, left_}));
        std::memcpy(ptr, buf_.data() + off_, n);
        off_ += n;
        left_ -= n;
        return static_cast<ssize_t>(n);
      }
      case http::BodyFraming::kChunked:
        for (;;) {
          if (decoder_.done()) return 0;
          if (off_ == len_ && !Fill()) return -1;
          auto step = decoder_.Decode(buf_.data() + off_, len_ - off_, ptr, size);
          if (!step.ok()) {
            state_.body_error = step.error();
            return -1;
          }
          off_ += step->consumed;
          if (step->produced > 0) return static_cast<ssize_t>(step->produced);
        }
    }
    return -1;
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!Writable()) return -1;  // a reset was requested, or the front end answers a body error
    if (PollFor(fd_, POLLOUT, write_timeout_ms_) <= 0) return -1;
    ssize_t n;
    do n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressOf(addr, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) AddressOf(addr, ip, port);
  }
  socket_t socket() const override { return fd_; }

  /// Whether the whole body was read (a connection can only carry on if so).
  bool BodyDone() const {
    switch (framing_) {
      case http::BodyFraming::kLength: return left_ == 0;
      case http::BodyFraming::kChunked: return decoder_.done();
      default: return true;
    }
  }
  /// Bytes received after this request (the start of the next one).
  std::string TakeUnread() const { return std::string(buf_.data() + off_, len_ - off_); }

 private:
  bool Writable() const { return !state_.reset && !state_.body_error; }

  // recv() into the emptied buffer, waiting up to the read timeout.
  bool Fill() {
    if (buf_.size() < kBufferSize) buf_.resize(kBufferSize);
    const int r = PollFor(fd_, POLLIN, read_timeout_ms_);
    ssize_t n = -1;
    if (r > 0) {
      do n = ::recv(fd_, buf_.data(), buf_.size(), 0);
      while (n < 0 && errno == EINTR);
    }
    if (n > 0) {
      off_ = 0;
      len_ = static_cast<size_t>(n);
      return true;
    }
    if (r == 0) {
      state_.body_error = S3Error(400, "RequestTimeout",
                                  "Your socket connection to the server was not read from or written to within the "
                                  "timeout period. Idle connections will be closed.");
    } else {
      state_.body_error = S3Error(400, "IncompleteBody",
                                  "You did not provide the number of bytes specified by the Content-Length HTTP "
                                  "header.");
    }
    return false;
  }

  static constexpr size_t kBufferSize = 64 * 1024;
  std::string head_out_;
  size_t head_off_ = 0;
  const http::BodyFraming framing_;
  std::uint64_t left_;  // kLength: body bytes not yet handed over
  http::ChunkedDecoder decoder_;
  socket_t fd_;
  int read_timeout_ms_, write_timeout_ms_;
  ConnectionState& state_;
  std::vector<char> buf_;
  size_t off_ = 0, len_ = 0;
};

int ToMs(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

}  // namespace

// ---- the idle set ------------------------------------------------------------
//
// Why: with one thread per connection, every idle keep-alive connection (and
// every client sending its head a byte at a time) holds a thread until its
// timeout, so 1,024 of them locked every other client out. A parked connection
// costs a file descriptor and its few buffered bytes (at most http::kMaxHead),
// no thread: one poller thread watches all of them with poll() and hands a
// connection back to the task queue as soon as bytes (or EOF) arrive. It also
// closes connections whose deadline passed (keep-alive timeout, head timeout)
// and drains connections that were answered with an error.

class ConnectionServer::IdleSet {
 public:
  explicit IdleSet(ConnectionServer& server) : server_(server) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  ~IdleSet() {
    Stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }
  IdleSet(const IdleSet&) = delete;
  IdleSet& operator=(const IdleSet&) = delete;

  /// Called as the listen loop starts; the poller starts with it, so that the
  /// server's thread count is fixed from Start() on (tests compare process
  /// thread counts before and after the code they test).
  void SetQueue(httplib::TaskQueue* q) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_ = q;
    if (q != nullptr && !stop_ && wake_fd_ >= 0 && !thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }

  /// Takes `c`; gives it back when the set is stopped (the caller closes it).
  std::unique_ptr<Connection> Add(std::unique_ptr<Connection> c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || wake_fd_ < 0 || queue_ == nullptr) return c;
      if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
      incoming_.push_back(std::move(c));
      ++count_;
    }
    Wake();
    return nullptr;
  }

  /// Joins the poller and closes every parked connection. Idempotent.
  void Stop() {
    std::thread t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      t = std::move(thread_);
    }
    Wake();
    if (t.joinable()) t.join();
    std::vector<std::unique_ptr<Connection>> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      left.swap(incoming_);
    }
    for (auto& c : left) {
      --count_;
      server_.Close(std::move(c), false);
    }
  }

  std::size_t size() const { return count_.load(); }

 private:
  void Wake() {
    if (wake_fd_ < 0) return;
    const std::uint64_t one = 1;
    ssize_t r = ::write(wake_fd_, &one, sizeof(one));
    (void)r;  // EAGAIN: a wake-up is already pending
  }

  void Run() {
    const std::chrono::milliseconds head_timeout(ToMs(server_.read_timeout_sec_, server_.read_timeout_usec_));
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<pollfd> fds;
    std::vector<std::unique_ptr<Connection>> ready;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) break;
        for (auto& c : incoming_) conns.push_back(std::move(c));
        incoming_.clear();
      }
      // Close what expired; the next deadline bounds the wait.
      const auto now = SteadyClock::now();
      auto wait = std::chrono::milliseconds(1000);
      for (std::size_t i = 0; i < conns.size();) {
        if (conns[i]->deadline <= now) {
          auto c = std::move(conns[i]);
          conns[i] = std::move(conns.back());
          conns.pop_back();
          --count_;
          server_.Close(std::move(c), false);
          continue;
        }
        wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(conns[i]->deadline - now));
        ++i;
      }
      fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
      for (const auto& c : conns) fds.push_back(pollfd{c->fd, POLLIN, 0});
      const int r = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
      if (r <= 0) continue;  // timeout, or EINTR
      if (fds[0].revents != 0) {
        std::uint64_t n;
        ssize_t got = ::read(wake_fd_, &n, sizeof(n));
        (void)got;
      }
      // Walk backwards so that moving the last element into a hole keeps
      // fds[i + 1] matching conns[i] for the indices still to visit.
      for (std::size_t i = conns.size(); i-- > 0;) {
        if (fds[i + 1].revents == 0) continue;
        ready.push_back(std::move(conns[i]));
        conns[i] = std::move(conns.back());
        conns.pop_back();
      }
      for (auto& c : ready) {
        if (c->draining) {
          if (DrainSome(*c)) {
            conns.push_back(std::move(c));
          } else {
            --count_;
            server_.Close(std::move(c), false);
          }
          continue;
        }
        // Read the head here: a connection gets a worker thread only once its
        // whole head (or too much of one, or EOF) is in.
        std::size_t head_size = 0;
        const HeadState head = ReadHead(*c, head_timeout, head_size);
        if (head == HeadState::kIncomplete) {
          conns.push_back(std::move(c));
          continue;
        }
        --count_;
        if (head == HeadState::kClosed) {  // the client left: no thread needed to close
          server_.Close(std::move(c), false);
          continue;
        }
        Connection* raw = c.release();
        queue_.load()->enqueue([srv = &server_, raw] { srv->Serve(std::unique_ptr<Connection>(raw)); });
      }
      ready.clear();
    }
    for (auto& c : conns) {
      --count_;
      server_.Close(std::move(c), false);
    }
  }

  // Discards what arrived. False once the peer closed (or failed): close it.
  static bool DrainSome(Connection& c) {
    static thread_local char sink[64 * 1024];
    for (int i = 0; i < 16; ++i) {
      const ssize_t n = ::recv(c.fd, sink, sizeof(sink), MSG_DONTWAIT);
      if (n > 0) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
    return true;
  }

  ConnectionServer& server_;
  int wake_fd_ = -1;  // eventfd: Add() and Stop() wake the poller
  std::atomic<httplib::TaskQueue*> queue_{nullptr};
  std::atomic<std::size_t> count_{0};
  std::mutex mu_;  // guards the three below
  std::vector<std::unique_ptr<Connection>> incoming_;  // parked since the poller last looked
  std::thread thread_;
  bool stop_ = false;
};

/// Wraps the task queue httplib's listen loop creates, so that the poller can
/// hand connections back to it and is stopped before the queue shuts down.
class ConnectionServer::TaskQueueHook final : public httplib::TaskQueue {
 public:
  TaskQueueHook(ConnectionServer& server, httplib::TaskQueue* inner) : server_(server), inner_(inner) {}
  void enqueue(std::function<void()> fn) override { inner_->enqueue(std::move(fn)); }
  void shutdown() override {
    server_.StopIdleSet();  // no more hand-overs once the queue drains
    inner_->shutdown();
  }
  void on_idle() override { inner_->on_idle(); }

 private:
  ConnectionServer& server_;
  std::unique_ptr<httplib::TaskQueue> inner_;
};

ConnectionServer::ConnectionServer() : idle_(std::make_unique<IdleSet>(*this)) {}

ConnectionServer::~ConnectionServer() { StopIdleSet(); }

void ConnectionServer::StopIdleSet() { idle_->Stop(); }

std::size_t ConnectionServer::parked_connections() const { return idle_->size(); }

void ConnectionServer::WrapTaskQueue() {
  if (queue_wrapped_) return;
  queue_wrapped_ = true;
  auto inner = new_task_queue;
  new_task_queue = [this, inner] {
    auto* hook = new TaskQueueHook(*this, inner());
    idle_->SetQueue(hook);
    return hook;
  };
}

bool ConnectionServer::WidenBacklog() {
  // On Linux, listen() on a listening socket only changes its backlog.
  const socket_t fd = svr_sock_;
  return fd != INVALID_SOCKET && ::listen(fd, SOMAXCONN) == 0;
}

bool ConnectionServer::bind_to_port(const std::string& host, int port, int socket_flags) {
  WrapTaskQueue();
  if (!httplib::Server::bind_to_port(host, port, socket_flags)) return false;
  (void)WidenBacklog();  // best effort: the server works with httplib's backlog too
  return true;
}

int ConnectionServer::bind_to_any_port(const std::string& host, int socket_flags) {
  WrapTaskQueue();
  const int port = httplib::Server::bind_to_any_port(host, socket_flags);
  if (port >= 0) (void)WidenBacklog();
  return port;
}

httplib::TaskQueue* ConnectionServer::NewConnectionPool(std::size_t min_threads) {
  return new ConnectionPool(min_threads);
}

ConnectionPool::ConnectionPool(std::size_t min_threads)
    : min_threads_(min_threads), max_threads_(std::max(min_threads, kMaxThreads)) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::size_t i = 0; i < min_threads_; ++i) StartThreadLocked(true);
  grower_ = std::thread([this] { Grow(); });
}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::StartThreadLocked(bool core) {
  auto it = threads_.emplace(threads_.end());
  ++alive_;
  ++idle_;  // counted idle until it takes a job
  *it = std::thread([this, it, core] { Run(it, core); });
}

void ConnectionPool::enqueue(std::function<void()> fn) {
  std::vector<std::thread> reap;
  bool wake_grower = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(Job{std::move(fn), std::chrono::steady_clock::now()});
    if (shutdown_) return;  // shutdown() is draining: a thread still takes it
    wake_grower = jobs_.size() > idle_;  // no idle worker for this one (yet)
    for (auto it : exited_) {  // not after shutdown: it joins every thread itself
      reap.push_back(std::move(*it));
      threads_.erase(it);
    }
    exited_.clear();
  }
  cv_.notify_one();
  if (wake_grower) grow_cv_.notify_one();
  for (auto& t : reap) t.join();  // they have returned (or are returning) from Run
}

void ConnectionPool::Grow() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!shutdown_) {
    if (jobs_.empty() || jobs_.size() <= idle_) {
      grow_cv_.wait(lock);
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    const auto due = jobs_.front().queued + kSpawnDelay;
    if (now < due) {
      grow_cv_.wait_until(lock, due);
      continue;
    }
    // The oldest job waited kSpawnDelay with no worker free: add one, then let
    // kSpawnDelay pass before the next (a burst of short jobs drains meanwhile).
    if (alive_ < max_threads_) StartThreadLocked(false);
    grow_cv_.wait_for(lock, kSpawnDelay);
  }
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return;
    shutdown_ = true;
  }
  cv_.notify_all();
  grow_cv_.notify_all();
  if (grower_.joinable()) grower_.join();
  // Threads only leave the list here or in enqueue (not called after shutdown):
  // join them all, including the extra ones that exited on their own.
  for (;;) {
    std::thread t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (threads_.empty()) break;
      t = std::move(threads_.front());
      threads_.pop_front();
    }
    t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  exited_.clear();
}

std::size_t ConnectionPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alive_;
}

void ConnectionPool::Run(ThreadList::iterator self, bool core) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (jobs_.empty() && !shutdown_) {
      if (core) {
        cv_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
      } else if (!cv_.wait_for(lock, kIdleExit, [&] { return !jobs_.empty() || shutdown_; })) {
        break;  // an extra thread idle for kIdleExit
      }
    }
    if (jobs_.empty()) break;  // shutdown with nothing left to run
    std::function<void()> fn = std::move(jobs_.front().fn);
    jobs_.pop_front();
    --idle_;
    lock.unlock();
    fn();
    fn = nullptr;
    lock.lock();
    ++idle_;
  }
  --idle_;
  --alive_;
  if (!shutdown_) exited_.push_back(self);  // joined by the next enqueue (or shutdown)
}

bool ConnectionServer::ResetCurrentConnection() {
  if (!tls_connection) return false;
  tls_connection->reset = true;
  return true;
}

const std::string* ConnectionServer::CurrentRawHead() {
  return tls_connection ? &tls_connection->raw_head : nullptr;
}

void ConnectionServer::Shutdown() {
  stopping_ = true;
  StopIdleSet();  // closes every parked connection
  {
    // End every active connection now: blocked reads return 0 and pending
    // writes fail, so no connection thread outlives Stop() by more than a wait.
    // Safe against fd reuse: a connection leaves open_ before its fd is closed.
    std::lock_guard<std::mutex> lock(mu_);
    for (socket_t fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  stop();
}

void ConnectionServer::Close(std::unique_ptr<Connection> c, bool reset) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(c->fd);
  }
  if (reset) {
    linger lg{1, 0};  // close() now sends RST instead of FIN
    ::setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  } else {
    ::shutdown(c->fd, SHUT_RDWR);
  }
  ::close(c->fd);
}

void ConnectionServer::Park(std::unique_ptr<Connection> c) {
  if (stopping_) return Close(std::move(c), false);
  if (auto back = idle_->Add(std::move(c))) Close(std::move(back), false);
}

void ConnectionServer::Refuse(std::unique_ptr<Connection> c, const S3Error& e, const std::string& method,
                              const std::string& target) {
  char rid[17];
  std::snprintf(rid, sizeof(rid), "FE%014llX", static_cast<unsigned long long>(++front_end_errors_));
  const std::string id2 = Base64Encode(Sha256(rid));
  const std::string body = method == "HEAD" ? std::string()
                                            : ErrorXml(e, target.substr(0, target.find('?')), rid, id2);
  std::string out = "HTTP/1.1 " + std::to_string(e.http_status) + " " + ReasonPhrase(e.http_status) + "\r\n";
  out += "x-amz-request-id: " + std::string(rid) + "\r\nx-amz-id-2: " + id2 + "\r\n";
  out += "Date: " + FormatHttpDate(SystemClock().Now()) + "\r\nServer: s3ml-mock\r\n";
  for (const auto& [name, value] : e.headers) out += name + ": " + value + "\r\n";
  out += "Content-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
  if (!SendAll(c->fd, out, ToMs(write_timeout_sec_, write_timeout_usec_)) || stopping_)
    return Close(std::move(c), false);
  // Half-close and drain: a client still sending reads the answer instead of a reset.
  ::shutdown(c->fd, SHUT_WR);
  c->pending.clear();
  c->pending.shrink_to_fit();
  c->draining = true;
  c->deadline = SteadyClock::now() + kDrainTime;
  Park(std::move(c));
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_.insert(sock);
  }
  auto c = std::make_unique<Connection>();
  c->fd = sock;
  c->remaining = keep_alive_max_count_;
  c->deadline = SteadyClock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  Serve(std::move(c));
  return true;
}

void ConnectionServer::Serve(std::unique_ptr<Connection> c) {
  const int read_timeout_ms = ToMs(read_timeout_sec_, read_timeout_usec_);
  const int write_timeout_ms = ToMs(write_timeout_sec_, write_timeout_usec_);
  for (;;) {
    if (stopping_ || c->remaining == 0) return Close(std::move(c), false);

    // 1. A whole head in c->pending, reading only what has arrived: a client
    //    that sends its head slowly is parked between its bytes.
    std::size_t head_size = 0;
    const HeadState state_of_head = ReadHead(*c, std::chrono::milliseconds(read_timeout_ms), head_size);
    if (state_of_head == HeadState::kClosed) return Close(std::move(c), false);  // a partial head gets no answer
    if (state_of_head == HeadState::kIncomplete) {
      if (c->pending.empty() && c->grace && PollFor(c->fd, POLLIN, static_cast<int>(kKeepAliveGrace.count())) > 0) {
        c->grace = false;  // one grace wait per response
        continue;
      }
      if (c->pending.empty()) std::string().swap(c->pending);  // no buffer kept while parked
      return Park(std::move(c));
    }
    if (state_of_head == HeadState::kTooLarge) {
      const S3Error too_large = http::HeadTooLarge(c->pending);  // before c is moved from
      return Refuse(std::move(c), too_large, "", "");
    }

    // 2. Check the head and work out the body's framing.
    const std::string_view raw_head = std::string_view(c->pending).substr(0, head_size);
    auto head = http::ParseRequestHead(raw_head, payload_max_length_);
    if (!head.ok()) {
      const auto sp1 = raw_head.find(' ');
      const auto sp2 = sp1 == std::string_view::npos ? sp1 : raw_head.find(' ', sp1 + 1);
      const std::string method(raw_head.substr(0, sp1 == std::string_view::npos ? 0 : sp1));
      const std::string target(sp2 == std::string_view::npos ? std::string_view() : raw_head.substr(sp1 + 1, sp2 - sp1 - 1));
      return Refuse(std::move(c), head.error(), method, target);
    }

    // 3. httplib parses the rewritten head and runs the handler; our stream
    //    delivers exactly the body.
    ConnectionState state;
    state.raw_head = std::string(raw_head);
    ConnStream strm(HeadForHttplib(raw_head), std::string_view(c->pending).substr(head_size), *head,
                    payload_max_length_, read_timeout_ms, write_timeout_ms, c->fd, state);
    c->pending.clear();
    // httplib reads bodies of PUT, POST and PATCH only; another method's body is
    // left unread, so its connection cannot carry another request.
    const bool body_left_unread = (head->framing == http::BodyFraming::kChunked ||
                                   (head->framing == http::BodyFraming::kLength && head->content_length > 0)) &&
                                  head->method != "PUT" && head->method != "POST" && head->method != "PATCH";
    const bool close_connection = c->remaining == 1 || stopping_ ||
                                  head->framing == http::BodyFraming::kUnframed || body_left_unread;
    bool connection_closed = false;
    tls_connection = &state;
    const bool ok = process_request(strm, close_connection, connection_closed, {});
    tls_connection = nullptr;
    if (state.reset) return Close(std::move(c), true);
    if (state.body_error) return Refuse(std::move(c), *state.body_error, head->method, head->target);
    if (!ok || close_connection || connection_closed || !strm.BodyDone()) {
      // The response is out (or cannot be sent); unread request bytes may follow.
      if (stopping_ || !ok) return Close(std::move(c), false);
      ::shutdown(c->fd, SHUT_WR);
      c->draining = true;
      c->deadline = SteadyClock::now() + kDrainTime;
      return Park(std::move(c));
    }
    c->pending = strm.TakeUnread();
    --c->remaining;
    c->grace = true;
    c->deadline = SteadyClock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  }
}

}  // namespace s3ml::mock

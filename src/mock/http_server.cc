#include "mock/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <algorithm>
#include <cstring>
#include <vector>

namespace s3ml::mock {

namespace {

struct ConnectionState {
  socket_t fd;
  bool reset = false;
  bool capturing = true;  // still reading the request head
  std::string raw_head;
  // A PUT/POST head with neither Content-Length nor Transfer-Encoding: httplib
  // would read the body until the client closes (a hang for any client that
  // waits for the answer). The body reads as empty instead, the S3 layer answers
  // 411 MissingContentLength, and the connection is closed afterwards.
  bool body_without_length = false;
};

// Inspects a complete raw head for a body-carrying method without framing.
bool BodyWithoutLength(const std::string& head) {
  const std::string method = head.substr(0, head.find(' '));
  if (method != "PUT" && method != "POST" && method != "PATCH") return false;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    pos += 2;
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    std::string name = head.substr(pos, head.find(':', pos) - pos);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "content-length" || name == "transfer-encoding") return false;
    pos = end;
  }
  return true;
}
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

// A buffered socket stream (httplib's own SocketStream is not exported by the
// compiled library). Reads one recv() worth at a time: httplib reads request
// lines byte by byte.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(socket_t fd, int read_timeout_ms, int write_timeout_ms, ConnectionState& state)
      : fd_(fd), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms), state_(state) {}

  bool is_readable() const override { return buffered() > 0 || PollFor(fd_, POLLIN, read_timeout_ms_) > 0; }
  // (buffered() counts both raw bytes and a rewritten head line not yet handed over.)
  bool is_writable() const override { return !state_.reset && PollFor(fd_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    // The head (possibly its last, blank line) is handed over before any body byte.
    if (state_.capturing || head_off_ < head_out_.size()) return ReadHead(ptr, size);
    if (state_.body_without_length) return 0;
    if (len_ == off_) {
      ssize_t n = Fill();
      if (n <= 0) return n;
    }
    size_t n = std::min(size, len_ - off_);
    std::memcpy(ptr, buf_.data() + off_, n);
    off_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (state_.reset) return -1;  // a reset was requested: no response byte goes out
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

  size_t buffered() const { return len_ - off_ + head_out_.size() - head_off_; }

 private:
  // recv() into an empty buffer. Returns recv's result (or -1 on timeout).
  ssize_t Fill() {
    if (PollFor(fd_, POLLIN, read_timeout_ms_) <= 0) return -1;
    ssize_t n;
    do n = ::recv(fd_, buf_.data(), buf_.size(), 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
      off_ = 0;
      len_ = static_cast<size_t>(n);
    }
    return n;
  }

  // The request head is handed to httplib line by line, with two headers
  // renamed so that httplib ignores them: Content-Type (httplib caps
  // form-urlencoded bodies at 8 KiB and parses multipart bodies) and
  // Content-Encoding (httplib would gunzip the body). The S3 layer reads the
  // original lines from state_.raw_head.
  ssize_t ReadHead(char* ptr, size_t size) {
    if (head_off_ == head_out_.size()) {  // only reached while capturing
      head_out_.clear();
      head_off_ = 0;
      std::string line;
      for (;;) {
        if (len_ == off_) {
          ssize_t n = Fill();
          if (n <= 0) {
            if (line.empty()) return n;
            break;  // hand over the partial line; httplib reports the error
          }
        }
        const char* begin = buf_.data() + off_;
        const char* nl = static_cast<const char*>(std::memchr(begin, '\n', len_ - off_));
        const size_t take = nl ? static_cast<size_t>(nl - begin) + 1 : len_ - off_;
        line.append(begin, take);
        off_ += take;
        if (nl || line.size() > kMaxHeadLine) break;
      }
      state_.raw_head += line;
      if (line == "\r\n" || line == "\n" || line.size() > kMaxHeadLine) {
        state_.capturing = false;
        state_.body_without_length = BodyWithoutLength(state_.raw_head);
      }
      if (StartsWithIgnoreCase(line, "content-type:") || StartsWithIgnoreCase(line, "content-encoding:"))
        head_out_ = "X-S3ml-Hidden-" + line;
      else
        head_out_ = std::move(line);
    }
    size_t n = std::min(size, head_out_.size() - head_off_);
    std::memcpy(ptr, head_out_.data() + head_off_, n);
    head_off_ += n;
    return static_cast<ssize_t>(n);
  }

  static bool StartsWithIgnoreCase(const std::string& s, const char* prefix) {
    size_t n = std::strlen(prefix);
    if (s.size() < n) return false;
    for (size_t i = 0; i < n; ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
  }

  static constexpr size_t kMaxHeadLine = 64 * 1024;
  std::string head_out_;
  size_t head_off_ = 0;

  socket_t fd_;
  int read_timeout_ms_, write_timeout_ms_;
  ConnectionState& state_;
  std::vector<char> buf_ = std::vector<char>(64 * 1024);
  size_t off_ = 0, len_ = 0;
};

int ToMs(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

}  // namespace

ConnectionServer::~ConnectionServer() = default;

bool ConnectionServer::WidenBacklog() {
  // On Linux, listen() on a listening socket only changes its backlog.
  const socket_t fd = svr_sock_;
  return fd != INVALID_SOCKET && ::listen(fd, SOMAXCONN) == 0;
}

bool ConnectionServer::bind_to_port(const std::string& host, int port, int socket_flags) {
  if (!httplib::Server::bind_to_port(host, port, socket_flags)) return false;
  (void)WidenBacklog();  // best effort: the server works with httplib's backlog too
  return true;
}

int ConnectionServer::bind_to_any_port(const std::string& host, int socket_flags) {
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(fn));
    if (shutdown_) return;  // shutdown() is draining: a thread still takes it
    if (idle_ < jobs_.size() && alive_ < max_threads_) StartThreadLocked(false);
    for (auto it : exited_) {  // not after shutdown: it joins every thread itself
      reap.push_back(std::move(*it));
      threads_.erase(it);
    }
    exited_.clear();
  }
  cv_.notify_one();
  for (auto& t : reap) t.join();  // they have returned (or are returning) from Run
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return;
    shutdown_ = true;
  }
  cv_.notify_all();
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
    std::function<void()> fn = std::move(jobs_.front());
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
  {
    // End every open connection now: blocked reads return 0 and pending writes
    // fail, so no connection thread outlives Stop() by more than a poll slice.
    // Safe against fd reuse: a connection leaves open_ before its fd is closed.
    std::lock_guard<std::mutex> lock(mu_);
    for (socket_t fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  stop();
}

bool ConnectionServer::WaitForRequest(socket_t sock, const httplib::Stream& strm) const {
  if (static_cast<const ConnStream&>(strm).buffered() > 0) return true;  // a pipelined request
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
  while (!stopping_) {
    int r = PollFor(sock, POLLIN, 50);
    if (r != 0) return r > 0;  // readable (data or EOF) or error
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
  return false;
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_.insert(sock);
  }
  ConnectionState state;
  state.fd = sock;
  tls_connection = &state;
  ConnStream strm(sock, ToMs(read_timeout_sec_, read_timeout_usec_), ToMs(write_timeout_sec_, write_timeout_usec_),
                  state);
  bool ret = false;
  std::size_t remaining = keep_alive_max_count_;
  const std::function<void(httplib::Request&)> no_setup;
  while (remaining > 0 && !stopping_ && WaitForRequest(sock, strm)) {
    bool connection_closed = false;
    const bool close_connection = remaining == 1 || stopping_;
    state.raw_head.clear();
    state.capturing = true;
    state.body_without_length = false;
    ret = process_request(strm, close_connection, connection_closed, no_setup);
    if (!ret || connection_closed || state.reset || state.body_without_length) break;
    --remaining;
  }
  tls_connection = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(sock);
  }
  if (state.reset) {
    linger lg{1, 0};  // close() now sends RST instead of FIN
    ::setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  } else {
    ::shutdown(sock, SHUT_RDWR);
  }
  ::close(sock);
  return ret;
}

}  // namespace s3ml::mock

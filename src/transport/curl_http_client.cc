#include "transport/curl_http_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/logging.h"
#include "s3ml/version.h"

namespace s3ml {

namespace {

// ---------------------------------------------------------------------------
// RAII wrappers for every libcurl handle.

struct EasyDeleter {
  void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct MultiDeleter {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;

struct ShareDeleter {
  void operator()(CURLSH* s) const noexcept { curl_share_cleanup(s); }
};
using SharePtr = std::unique_ptr<CURLSH, ShareDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

/// Owning curl_slist.
class HeaderList {
 public:
  bool Append(const std::string& line) {
    curl_slist* n = curl_slist_append(list_.get(), line.c_str());
    if (n == nullptr) return false;  // the old list is left intact
    if (!list_) list_.reset(n);      // appending to a non-empty list returns the same head
    return true;
  }
  curl_slist* get() const noexcept { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, SlistDeleter> list_;
};

/// curl_global_init is called once per process, on first use (never at static
/// initialisation, so merely loading the library does nothing). It is never
/// undone: curl_global_cleanup is not safe while other libraries may use libcurl.
Status EnsureCurlGlobalInit() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    return Status(ErrorCategory::kInternal, std::string("curl_global_init failed: ") + curl_easy_strerror(rc));
  return Status::Ok();
}

/// The share handle (DNS cache, TLS sessions) with one mutex per kind of data,
/// as libcurl requires for use from several threads.
class CurlShare {
 public:
  static Result<std::unique_ptr<CurlShare>> Create() {
    auto s = std::unique_ptr<CurlShare>(new CurlShare());
    s->share_.reset(curl_share_init());
    if (!s->share_) return Status(ErrorCategory::kInternal, "curl_share_init failed (out of memory)");
    CURLSH* h = s->share_.get();
    CURLSHcode rc = curl_share_setopt(h, CURLSHOPT_LOCKFUNC, &CurlShare::Lock);
    if (rc == CURLSHE_OK) rc = curl_share_setopt(h, CURLSHOPT_UNLOCKFUNC, &CurlShare::Unlock);
    if (rc == CURLSHE_OK) rc = curl_share_setopt(h, CURLSHOPT_USERDATA, s.get());
    if (rc == CURLSHE_OK) rc = curl_share_setopt(h, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    if (rc == CURLSHE_OK) rc = curl_share_setopt(h, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    // CURL_LOCK_DATA_CONNECT is left out on purpose: see the class comment in the header.
    if (rc != CURLSHE_OK)
      return Status(ErrorCategory::kInternal, std::string("curl_share_setopt failed: ") + curl_share_strerror(rc));
    return s;
  }
  CURLSH* get() const noexcept { return share_.get(); }

 private:
  CurlShare() = default;
  std::mutex& MutexFor(curl_lock_data data) {
    auto i = static_cast<std::size_t>(data);
    return locks_[i < locks_.size() ? i : 0];
  }
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<CurlShare*>(user)->MutexFor(data).lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<CurlShare*>(user)->MutexFor(data).unlock();
  }

  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks_;
  SharePtr share_;  // declared after locks_: cleaned up while the mutexes still exist
};

/// A pooled easy handle, the multi handle it runs on (which holds its connection
/// cache, as curl_easy_perform's internal one would) and its error buffer (libcurl
/// keeps a pointer to it). Running each transfer on a multi handle of our own lets the
/// wait for socket activity time out every CancellationToken::kPollInterval, so a
/// cancelled request stops even on a connection where nothing arrives.
struct PooledEasy {
  MultiPtr multi;  // declared first: destroyed after the easy handle it held
  EasyPtr easy;
  bool reused = false;  // has run a transfer before
  char errbuf[CURL_ERROR_SIZE] = {0};
};

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::optional<std::uint64_t> ParseUint(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

/// "host:port" with the scheme's default port made explicit (for error messages).
std::string HostPort(const HttpRequest& req) {
  int port = req.port != 0 ? req.port : (req.scheme == "https" ? 443 : 80);
  std::string h = req.host.find(':') != std::string::npos ? "[" + req.host + "]" : req.host;
  return h + ":" + std::to_string(port);
}

/// Everything one transfer's callbacks touch. Lives on Send's stack.
struct Transfer {
  const HttpRequest* req = nullptr;
  ResponseSink* sink = nullptr;
  bool head = false;

  // Request body.
  RequestBody* body = nullptr;
  std::uint64_t body_size = 0;
  std::uint64_t offset = 0;

  // First error raised inside a callback (sink, body, allocation); returned as is.
  Status callback_error;

  // Response.
  HttpResponse response;
  bool in_block = false;      // a status line was seen and its block has not ended
  bool headers_done = false;  // the final (non-1xx) header block ended
  std::optional<std::uint64_t> content_length;
  bool expects_body = true;
  bool to_sink = false;
  std::uint64_t received = 0;

  std::vector<std::pair<std::string, std::string>> raw_headers;  // of the current block

  void StartBlock(std::string_view status_line) {
    raw_headers.clear();
    response.headers = Headers();
    response.status = 0;
    headers_done = false;
    in_block = true;
    auto sp = status_line.find(' ');
    if (sp != std::string_view::npos) {
      auto code = ParseUint(status_line.substr(sp + 1, 3));
      if (code) response.status = static_cast<int>(*code);
    }
  }

  // The final header block is complete: decide where the body goes and tell the sink.
  bool EndFinalHeaders() {
    headers_done = true;
    for (auto& [name, value] : raw_headers) response.headers.Add(std::move(name), std::move(value));
    raw_headers.clear();
    const int st = response.status;
    expects_body = !head && st != 204 && st != 304;
    if (const std::string* cl = response.headers.Find("Content-Length")) content_length = ParseUint(TrimLine(*cl));
    to_sink = sink != nullptr && st >= 200 && st < 300;
    if (to_sink) {
      Status s = sink->Begin(st, response.headers, content_length);
      if (!s.ok()) {
        callback_error = std::move(s);
        return false;
      }
    } else if (expects_body && content_length && *content_length > 0) {
      try {
        response.body.reserve(static_cast<std::size_t>(*content_length));
      } catch (const std::bad_alloc&) {
        callback_error = Status(ErrorCategory::kInternal, "cannot allocate " + std::to_string(*content_length) +
                                                              " bytes for the response body");
        return false;
      }
    }
    return true;
  }
};

// --- libcurl callbacks. None may throw: exceptions must not cross C frames.

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  try {
    std::string_view raw(data, len);
    if (StartsWith(raw, "HTTP/")) {  // a new header block (1xx interim, then the final one)
      t->StartBlock(TrimLine(raw));
      return len;
    }
    std::string_view line = raw;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.empty()) {  // end of a block
      if (t->in_block) {
        t->in_block = false;
        if (t->response.status >= 200 && !t->EndFinalHeaders()) return 0;
      }
      return len;
    }
    if (t->headers_done || !t->in_block) return len;  // trailers: not needed by S3
    if (line.front() == ' ' || line.front() == '\t') {  // obsolete line folding
      if (!t->raw_headers.empty()) t->raw_headers.back().second += " " + std::string(TrimLine(line));
      return len;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return len;  // tolerate junk lines, as libcurl does
    t->raw_headers.emplace_back(std::string(TrimLine(line.substr(0, colon))),
                                std::string(TrimLine(line.substr(colon + 1))));
    return len;
  } catch (const std::exception& e) {  // from allocation or the sink's Begin
    t->callback_error = Status(ErrorCategory::kInternal, std::string("while reading response headers: ") + e.what());
    return 0;
  } catch (...) {
    t->callback_error = Status(ErrorCategory::kInternal, "unknown exception while reading response headers");
    return 0;
  }
}

std::size_t OnWrite(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  try {
    if (!t->headers_done && !t->EndFinalHeaders()) return 0;  // body without a header block end
    if (t->to_sink) {
      Status s = t->sink->Write(data, len);
      if (!s.ok()) {
        t->callback_error = std::move(s);
        return 0;  // CURLE_WRITE_ERROR aborts the transfer
      }
    } else {
      t->response.body.append(data, len);
    }
    t->received += len;
    return len;
  } catch (const std::exception& e) {  // from allocation or the sink
    t->callback_error = Status(ErrorCategory::kInternal, std::string("while receiving the response body: ") + e.what());
    return 0;
  } catch (...) {
    t->callback_error = Status(ErrorCategory::kInternal, "unknown exception while receiving the response body");
    return 0;
  }
}

std::size_t OnRead(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->body == nullptr || t->offset >= t->body_size) return 0;
  try {
    Result<std::size_t> r = t->body->Read(t->offset, buf, size * n);
    if (!r.ok()) {
      t->callback_error = r.status();
      return CURL_READFUNC_ABORT;
    }
    if (*r == 0) {  // a short body would leave the server waiting for the promised bytes
      t->callback_error = Status(ErrorCategory::kIo, "request body ended at byte " + std::to_string(t->offset) +
                                                         " of the " + std::to_string(t->body_size) + " announced");
      return CURL_READFUNC_ABORT;
    }
    t->offset += *r;
    return *r;
  } catch (const std::exception& e) {
    t->callback_error = Status(ErrorCategory::kInternal, std::string("request body reader threw: ") + e.what());
    return CURL_READFUNC_ABORT;
  } catch (...) {
    t->callback_error = Status(ErrorCategory::kInternal, "request body reader threw an unknown exception");
    return CURL_READFUNC_ABORT;
  }
}

// libcurl rewinds when it must resend on a fresh connection (a reused connection
// that turned out dead); bodies are re-readable, so any offset is fine.
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::uint64_t>(offset) > t->body_size)
    return CURL_SEEKFUNC_CANTSEEK;
  t->offset = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

bool IsTlsVerifyError(CURLcode rc) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
      return true;
    default:
      return false;
  }
}

/// The one boundary where libcurl errors become Status values.
Status TranslateCurlError(CURLcode rc, CURL* h, const char* errbuf, const HttpRequest& req,
                          const HttpClientOptions& opt) {
  long os_errno = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
  std::string detail = (errbuf != nullptr && errbuf[0] != '\0') ? std::string(errbuf) : curl_easy_strerror(rc);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
  const std::string where = HostPort(req);
  auto make = [&](ErrorCategory cat, const char* code, const std::string& summary) {
    return Status(cat, summary + " " + where + " (" + req.method + "): " + detail).WithCode(code);
  };
  namespace tc = transport_code;
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ECONNREFUSED) return make(ErrorCategory::kNetwork, tc::kConnectionRefused, "connection refused by");
      return make(ErrorCategory::kNetwork, tc::kConnectFailed, "could not connect to");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return make(ErrorCategory::kNetwork, tc::kResolveFailed, "could not resolve");
    case CURLE_OPERATION_TIMEDOUT:
      // No total timeout is set, so a timeout is either the low-speed (stall) limit
      // or the connect timeout; libcurl words the former "Operation too slow".
      if (detail.find("too slow") != std::string::npos)
        return make(ErrorCategory::kTimeout, tc::kStallTimeout,
                    "transfer stalled (below " + std::to_string(opt.low_speed_limit) + " bytes/s for " +
                        std::to_string(opt.low_speed_time.count()) + " s) with");
      return make(ErrorCategory::kTimeout, tc::kConnectTimeout,
                  "connect timeout (" + std::to_string(opt.connect_timeout.count()) + " ms) to");
    case CURLE_SEND_ERROR:
      if (os_errno == ECONNRESET || os_errno == EPIPE)
        return make(ErrorCategory::kNetwork, tc::kConnectionReset, "connection reset while sending to");
      return make(ErrorCategory::kNetwork, tc::kSendFailed, "send failed to");
    case CURLE_RECV_ERROR:
      if (os_errno == ECONNRESET || os_errno == EPIPE)
        return make(ErrorCategory::kNetwork, tc::kConnectionReset, "connection reset while receiving from");
      return make(ErrorCategory::kNetwork, tc::kRecvFailed, "receive failed from");
    case CURLE_SEND_FAIL_REWIND:
      return make(ErrorCategory::kNetwork, tc::kSendFailed, "could not resend the request body to");
    case CURLE_GOT_NOTHING:
      return make(ErrorCategory::kNetwork, tc::kEmptyReply, "empty reply (connection closed) from");
    case CURLE_PARTIAL_FILE:
      return make(ErrorCategory::kNetwork, tc::kPartialBody, "response body truncated (fewer bytes than Content-Length) from");
    case CURLE_SSL_CONNECT_ERROR:
      return make(ErrorCategory::kNetwork, tc::kTlsHandshakeFailed, "TLS handshake failed with");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return make(ErrorCategory::kInvalidArgument, "InvalidUrl", "cannot send to");
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return make(ErrorCategory::kProtocol, tc::kProtocolError, "malformed HTTP response from");
    case CURLE_OUT_OF_MEMORY:
      return make(ErrorCategory::kInternal, "OutOfMemory", "out of memory talking to");
    default:
      break;
  }
  if (IsTlsVerifyError(rc))
    return make(ErrorCategory::kNetwork, tc::kTlsVerifyFailed, "TLS verification failed for");
  return make(ErrorCategory::kNetwork, tc::kNetworkError, std::string(curl_easy_strerror(rc)) + " with");
}

}  // namespace

struct CurlHttpClient::Impl {
  HttpClientOptions options;
  std::string user_agent;
  std::unique_ptr<CurlShare> share;  // declared before the pool: outlives every easy handle

  mutable std::mutex mu;  // guards idle and pid
  std::vector<std::unique_ptr<PooledEasy>> idle;
  pid_t pid = 0;

  ~Impl() {
    // In a forked child the pooled handles' sockets belong to the parent too:
    // abandon them instead of closing (a TLS close_notify would corrupt the parent's stream).
    if (getpid() != pid)
      for (auto& p : idle) (void)p->easy.release();
  }

  Result<std::unique_ptr<PooledEasy>> Checkout() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (getpid() != pid) {
        for (auto& p : idle) (void)p->easy.release();  // see ~Impl
        idle.clear();
        pid = getpid();
      }
      if (!idle.empty()) {  // LIFO: the most recently used handle has the warmest connection
        auto p = std::move(idle.back());
        idle.pop_back();
        return p;
      }
    }
    return Fresh();
  }

  static Result<std::unique_ptr<PooledEasy>> Fresh() {
    auto p = std::make_unique<PooledEasy>();
    p->multi.reset(curl_multi_init());
    p->easy.reset(curl_easy_init());
    if (!p->easy || !p->multi) return Status(ErrorCategory::kInternal, "curl_easy_init failed (out of memory)");
    return p;
  }

  /// Sets every option of one request on `pooled` (after curl_easy_reset).
  Status Configure(PooledEasy& pooled, const HttpRequest& req, const std::string& url, const HeaderList& headers,
                   Transfer& t) const;
  /// Runs the transfer; `*cancelled` is set when `cancel` stopped it.
  static Result<CURLcode> Perform(PooledEasy& pooled, const CancellationToken& cancel, bool* cancelled);

  void Return(std::unique_ptr<PooledEasy> p) {
    if (!p) return;  // discarded after a failure
    p->reused = true;
    std::unique_ptr<PooledEasy> drop;  // destroyed (connection closed) outside the lock
    std::lock_guard<std::mutex> lock(mu);
    if (getpid() != pid) {
      (void)p->easy.release();
      return;
    }
    if (idle.size() < static_cast<std::size_t>(options.max_connections))
      idle.push_back(std::move(p));
    else
      drop = std::move(p);
  }
};

namespace {

/// Collects the first curl_easy_setopt failure so options can be set in a straight line.
class OptionSetter {
 public:
  explicit OptionSetter(CURL* h) : h_(h) {}
  template <class T>
  void operator()(CURLoption opt, T value) {
    if (rc_ != CURLE_OK) return;
    rc_ = curl_easy_setopt(h_, opt, value);
    if (rc_ != CURLE_OK) failed_ = opt;
  }
  Status status() const {
    if (rc_ == CURLE_OK) return Status::Ok();
    return Status(ErrorCategory::kInternal, "curl_easy_setopt(" + std::to_string(static_cast<int>(failed_)) +
                                                ") failed: " + curl_easy_strerror(rc_));
  }

 private:
  CURL* h_;
  CURLcode rc_ = CURLE_OK;
  CURLoption failed_ = CURLOPT_URL;
};

bool HasCrOrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

Status CurlHttpClient::Impl::Configure(PooledEasy& pooled, const HttpRequest& req, const std::string& url,
                                       const HeaderList& headers, Transfer& t) const {
  const HttpClientOptions& opt = options;
  CURL* h = pooled.easy.get();
  curl_easy_reset(h);  // keeps the handle's live connections, clears every option
  pooled.errbuf[0] = '\0';
  OptionSetter set(h);
  set(CURLOPT_SHARE, share->get());
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PATH_AS_IS, 1L);  // the path is signed byte for byte: no "/../" squashing
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);  // required for multi-threaded use
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_ERRORBUFFER, pooled.errbuf);
  set(CURLOPT_USERAGENT, user_agent.c_str());
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout.count()));
  if (req.fresh_connection) set(CURLOPT_FRESH_CONNECT, 1L);  // no silent re-send on a dead pooled connection
  if (opt.low_speed_limit > 0) {
    set(CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(opt.low_speed_limit));
    set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(opt.low_speed_time.count()));
  }
  set(CURLOPT_SSL_VERIFYPEER, opt.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, opt.verify_tls ? 2L : 0L);
  if (!opt.ca_file.empty()) set(CURLOPT_CAINFO, opt.ca_file.c_str());
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_TCP_NODELAY, 1L);
  // Receive buffer (libcurl's default is 16 KiB; the curl tool uses 100 KiB):
  // larger reads mean fewer poll wake-ups, recv() calls and write callbacks
  // per GiB of body. One buffer per pooled handle.
  set(CURLOPT_BUFFERSIZE, 256L * 1024L);
  set(CURLOPT_MAXCONNECTS, 4L);  // per handle; a handle normally talks to one endpoint
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, &t);
  set(CURLOPT_WRITEFUNCTION, &OnWrite);
  set(CURLOPT_WRITEDATA, &t);
  set(CURLOPT_READFUNCTION, &OnRead);
  set(CURLOPT_READDATA, &t);
  set(CURLOPT_SEEKFUNCTION, &OnSeek);
  set(CURLOPT_SEEKDATA, &t);

  const auto body_size = static_cast<curl_off_t>(t.body_size);
  if (t.head) {
    set(CURLOPT_NOBODY, 1L);
  } else if (req.method == "GET" && !req.body) {
    set(CURLOPT_HTTPGET, 1L);
  } else if (req.method == "POST") {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDSIZE_LARGE, body_size);
  } else if (req.method == "PUT") {
    set(CURLOPT_UPLOAD, 1L);
    set(CURLOPT_INFILESIZE_LARGE, body_size);
  } else {  // DELETE and anything else
    if (req.body) {
      set(CURLOPT_UPLOAD, 1L);
      set(CURLOPT_INFILESIZE_LARGE, body_size);
    }
    set(CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  set(CURLOPT_HTTPHEADER, headers.get());
  return set.status();
}

// curl_easy_perform's own loop, on our multi handle, with the wait capped so that a
// cancellation is seen within kPollInterval even when no byte arrives.
Result<CURLcode> CurlHttpClient::Impl::Perform(PooledEasy& pooled, const CancellationToken& cancel, bool* cancelled) {
  CURLM* m = pooled.multi.get();
  CURL* h = pooled.easy.get();
  CURLMcode mc = curl_multi_add_handle(m, h);
  if (mc != CURLM_OK)
    return Status(ErrorCategory::kInternal, std::string("curl_multi_add_handle failed: ") + curl_multi_strerror(mc));
  struct Remove {
    CURLM* m;
    CURL* h;
    ~Remove() { curl_multi_remove_handle(m, h); }  // also stops a transfer still running
  } remove{m, h};
  const int poll_ms = static_cast<int>(CancellationToken::kPollInterval.count());
  for (;;) {
    int running = 0;
    mc = curl_multi_perform(m, &running);
    if (mc != CURLM_OK)
      return Status(ErrorCategory::kInternal, std::string("curl_multi_perform failed: ") + curl_multi_strerror(mc));
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m, &queued))
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) return msg->data.result;
    if (running == 0) return Status(ErrorCategory::kInternal, "curl transfer ended without a result");
    if (cancel.cancelled()) {
      *cancelled = true;
      return CURLE_ABORTED_BY_CALLBACK;
    }
    mc = curl_multi_poll(m, nullptr, 0, poll_ms, nullptr);
    if (mc != CURLM_OK)
      return Status(ErrorCategory::kInternal, std::string("curl_multi_poll failed: ") + curl_multi_strerror(mc));
  }
}

CurlHttpClient::CurlHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlHttpClient::~CurlHttpClient() = default;

const HttpClientOptions& CurlHttpClient::options() const noexcept { return impl_->options; }

std::size_t CurlHttpClient::idle_handles() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->idle.size();
}

Result<std::shared_ptr<CurlHttpClient>> CurlHttpClient::Create(HttpClientOptions options) {
  if (options.connect_timeout.count() <= 0)
    return Status::InvalidArgument("HttpClientOptions.connect_timeout must be > 0 ms (got " +
                                   std::to_string(options.connect_timeout.count()) + ")");
  if (options.low_speed_limit > 0 && options.low_speed_time.count() <= 0)
    return Status::InvalidArgument("HttpClientOptions.low_speed_time must be > 0 s when low_speed_limit is set (got " +
                                   std::to_string(options.low_speed_time.count()) + ")");
  if (options.low_speed_limit > static_cast<std::uint64_t>(LONG_MAX))
    return Status::InvalidArgument("HttpClientOptions.low_speed_limit is too large");
  if (options.max_connections < 1)
    return Status::InvalidArgument("HttpClientOptions.max_connections must be >= 1 (got " +
                                   std::to_string(options.max_connections) + ")");
  if (!options.ca_file.empty() && access(options.ca_file.c_str(), R_OK) != 0)
    return Status::InvalidArgument("HttpClientOptions.ca_file '" + options.ca_file +
                                   "' cannot be read: " + std::strerror(errno));
  S3ML_RETURN_IF_ERROR(EnsureCurlGlobalInit());
  auto impl = std::make_unique<Impl>();
  S3ML_ASSIGN_OR_RETURN(impl->share, CurlShare::Create());
  impl->user_agent = options.user_agent.empty() ? std::string("s3ml/") + S3ML_VERSION_STRING : options.user_agent;
  impl->options = std::move(options);
  impl->pid = getpid();
  return std::shared_ptr<CurlHttpClient>(new CurlHttpClient(std::move(impl)));
}

Result<HttpResponse> CurlHttpClient::Send(const HttpRequest& req, ResponseSink* sink) {
  const HttpClientOptions& opt = impl_->options;
  if (req.host.empty()) return Status::InvalidArgument("HTTP request has no host");
  if (req.scheme != "http" && req.scheme != "https")
    return Status::InvalidArgument("unsupported URL scheme '" + req.scheme + "' (http or https)");
  if (HasCrOrLf(req.method) || req.method.empty())
    return Status::InvalidArgument("invalid HTTP method '" + req.method + "'");

  // Headers first: reject header injection before touching the network.
  HeaderList headers;
  bool has_expect = false, has_accept = false, has_content_type = false;
  bool ok = true;
  for (const auto& [name, value] : req.headers) {
    if (name.empty() || HasCrOrLf(name) || HasCrOrLf(value) || name.find(':') != std::string::npos)
      return Status::InvalidArgument("invalid HTTP header '" + name + "': names and values may not contain CR/LF");
    if (EqualsIgnoreCase(name, "Content-Length")) continue;  // set from the body size below
    if (EqualsIgnoreCase(name, "Expect")) has_expect = true;
    if (EqualsIgnoreCase(name, "Accept")) has_accept = true;
    if (EqualsIgnoreCase(name, "Content-Type")) has_content_type = true;
    // "Name;" is libcurl's syntax for a header with an empty value.
    ok = ok && headers.Append(value.empty() ? name + ";" : name + ": " + value);
  }
  // Suppress headers libcurl would add on its own: no 100-continue round trip
  // (it costs up to a second per upload), and nothing unsigned we did not ask for.
  if (!has_expect) ok = ok && headers.Append("Expect:");
  if (!has_accept) ok = ok && headers.Append("Accept:");
  if (!has_content_type && req.method == "POST") ok = ok && headers.Append("Content-Type:");
  if (!ok) return Status(ErrorCategory::kInternal, "out of memory building request headers");

  if (req.cancel.cancelled()) return Status::Cancelled("request to " + HostPort(req) + " cancelled before it was sent");
  S3ML_ASSIGN_OR_RETURN(std::unique_ptr<PooledEasy> pooled, impl_->Checkout());
  // The handle goes back to the pool only after a clean transfer: a handle that saw a
  // failure (a failed resolve, a reset, a cancel) may keep state that breaks the next
  // request's setup (libcurl 7.88 then refuses CURLOPT_BUFFERSIZE), so it is dropped
  // and the next request starts with a new one.
  struct ReturnToPool {
    Impl* impl;
    std::unique_ptr<PooledEasy>* p;
    bool clean = false;
    ~ReturnToPool() {
      if (clean) impl->Return(std::move(*p));
    }
  } return_to_pool{impl_.get(), &pooled};

  Transfer t;
  t.req = &req;
  t.sink = sink;
  t.head = req.method == "HEAD";
  t.body = req.body.get();
  t.body_size = req.body ? req.body->size() : 0;
  const std::string url = req.Url();

  Status setup = impl_->Configure(*pooled, req, url, headers, t);
  if (!setup.ok() && pooled->reused) {
    // Belt and braces for the rule above: a pooled handle that refuses an option is
    // replaced by a new one; only a new handle's refusal is a real (internal) error.
    S3ML_LOG(kDebug, "curl: a pooled handle refused an option (" << setup.message() << "); using a new handle");
    S3ML_ASSIGN_OR_RETURN(pooled, Impl::Fresh());
    setup = impl_->Configure(*pooled, req, url, headers, t);
  }
  S3ML_RETURN_IF_ERROR(setup);
  CURL* h = pooled->easy.get();

  S3ML_LOG(kTrace, "curl " << req.method << " " << url);
  bool cancelled = false;
  S3ML_ASSIGN_OR_RETURN(const CURLcode rc, Impl::Perform(*pooled, req.cancel, &cancelled));
  if (cancelled) return Status::Cancelled("request to " + HostPort(req) + " (" + req.method + ") cancelled");

  // A sink's or a body's own error aborted the transfer: it is the real cause.
  if (!t.callback_error.ok()) return t.callback_error;
  if (rc != CURLE_OK) return TranslateCurlError(rc, h, pooled->errbuf, req, opt);

  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  if (!t.headers_done && !t.EndFinalHeaders()) return t.callback_error;
  t.response.status = static_cast<int>(code);

  // Belt and braces: libcurl reports short bodies as CURLE_PARTIAL_FILE, but a
  // truncated body must never pass as success, so check the count ourselves too.
  if (t.expects_body && t.content_length && t.received != *t.content_length)
    return Status(ErrorCategory::kNetwork, "response body truncated from " + HostPort(req) + " (" + req.method +
                                               "): received " + std::to_string(t.received) + " of " +
                                               std::to_string(*t.content_length) + " bytes")
        .WithCode(transport_code::kPartialBody);
  if (t.to_sink) S3ML_RETURN_IF_ERROR(t.sink->Finish());
  return_to_pool.clean = true;
  return std::move(t.response);
}

}  // namespace s3ml

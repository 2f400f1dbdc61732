// Checkpoints and model artifacts (include/s3ml/checkpoint.h).
//
// Layering: this lives in the client layer (s3ml_client) because it needs only the
// Client and the TransferManager; the dataset layer and the Python bindings sit above.
//
// ArtifactWriter turns push-style Write() calls into the pull-style StreamReader of
// TransferManager::UploadStream, run on a driver thread: Write hands its bytes over and
// waits until the driver has copied them into a budget-reserved part buffer. All part
// logic (byte budget, parallel UploadPart, ETag checks, PutObject for short streams,
// AbortMultipartUpload on failure or cancellation) is UploadStream's.

#include "s3ml/checkpoint.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <system_error>
#include <thread>

#include "transfer/download_verifier.h"
#include "transfer/ranged_get.h"
#include "s3ml/wait.h"
#include "ops/errors.h"
#include "s3ml/transfer.h"

namespace s3ml {

namespace {

constexpr int kMaxReadAhead = 64;
constexpr std::uint64_t kMinReadPartSize = 64 * 1024;
constexpr int kHeadConcurrency = 8;
constexpr std::uint64_t kMaxCopyObjectSize = 5ull * 1024 * 1024 * 1024;

void RaiseHighWater(std::atomic<std::uint64_t>& high, std::uint64_t value) {
  std::uint64_t cur = high.load();
  while (value > cur && !high.compare_exchange_weak(cur, value)) {
  }
}

bool IsMetadataNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

ArtifactInfo InfoFromHead(const std::string& bucket, const std::string& key, const ObjectMetadata& m) {
  ArtifactInfo a;
  a.bucket = bucket;
  a.key = key;
  a.version_id = m.version_id;
  a.etag = m.etag;
  a.size = m.object_size != 0 ? m.object_size : m.content_length;
  a.last_modified = m.last_modified;
  a.metadata = m.metadata;
  a.content_type = m.content_type;
  return a;
}

Result<ObjectMetadata> Head(const Client& client, const std::string& bucket, const std::string& key,
                            const std::string& version_id, bool checksum_mode = false) {
  HeadObjectRequest req;
  req.bucket = bucket;
  req.key = key;
  req.version_id = version_id;
  req.checksum_mode = checksum_mode;
  auto head = client.HeadObject(req);
  if (head.ok() || version_id.empty()) return head;
  // A HEAD answer has no body, so S3 cannot say what was wrong; with only a bucket and
  // key (both checked before sending) and a version id in the request, this layer can.
  const Status& st = head.status();
  if (st.http_status() == 400) return st.WithMessage("'" + version_id + "' is not a valid version id");
  if (st.http_status() == 404)
    return st.WithCode("NoSuchVersion").WithMessage("version id '" + version_id + "' does not exist for this key");
  return head;
}

bool IsNotFound(const Status& st) {
  return st.http_status() == 404 || st.code() == "NoSuchKey" || st.code() == "NoSuchVersion";
}

// A decimal number filling the whole string (surrounding blanks allowed), finite.
std::optional<double> ParseMetric(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(begin, &end);
  if (end == begin || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  while (*end == ' ' || *end == '\t') ++end;
  if (*end != '\0') return std::nullopt;
  return v;
}

}  // namespace

Status ValidateArtifactMetadata(const Metadata& metadata) {
  std::size_t total = 0;
  for (const auto& [name, value] : metadata) {
    if (name.empty()) return Status::InvalidArgument("artifact metadata has an entry with an empty name");
    for (char c : name)
      if (!IsMetadataNameChar(c))
        return Status::InvalidArgument("artifact metadata name '" + name +
                                       "' may hold only letters, digits, '-', '_' and '.'");
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f)
        return Status::InvalidArgument("artifact metadata '" + name +
                                       "' has a value with a control or non-ASCII character (HTTP headers carry "
                                       "printable ASCII; encode it, e.g. as base64 or JSON escapes)");
    }
    total += name.size() + value.size();
  }
  if (total > kMaxUserMetadataBytes)
    return Status::InvalidArgument("artifact metadata is " + std::to_string(total) +
                                   " bytes (names + values); S3 allows at most " +
                                   std::to_string(kMaxUserMetadataBytes) + " bytes (2 KB) of user metadata");
  return Status::Ok();
}

// ---- ArtifactWriter ------------------------------------------------------------------

struct ArtifactWriter::Impl {
  enum class State { kOpen, kCommitted, kAborted, kFailed };

  Client client;
  std::string bucket, key, resource;
  ArtifactWriteOptions options;
  TransferOptions transfer;
  std::uint64_t budget = 0;

  std::mutex mu;  // guards the handoff fields below
  std::condition_variable cv;
  const char* pending = nullptr;  // caller's bytes not yet taken by the driver
  std::size_t pending_n = 0;
  bool eof = false;        // Commit: no more bytes
  bool aborting = false;   // Abort: the stream fails, so the upload is aborted
  bool driver_done = false;
  std::optional<Result<TransferUploadResult>> result;
  std::uint64_t fed = 0;            // bytes handed to UploadStream
  std::uint64_t parts_started = 0;  // part buffers UploadStream has sized

  std::thread driver;
  State state = State::kOpen;  // touched only by the producer thread

  std::atomic<std::uint64_t> written{0}, uploaded{0}, in_use{0}, high_water{0};
  std::atomic<int> parts{0};

  Impl(Client c) : client(std::move(c)) {}

  // UploadStream's StreamReader (driver thread). Waits for bytes from Write.
  Result<std::size_t> Pull(char* out, std::size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    // UploadStream sizes a part buffer of part_size just before the first read of each
    // part; account for it here (released when the part is acknowledged).
    if (fed == parts_started * options.part_size) {
      ++parts_started;
      RaiseHighWater(high_water, in_use.fetch_add(options.part_size) + options.part_size);
    }
    cv.wait(lock, [&] { return pending_n > 0 || eof || aborting; });
    if (aborting)
      return Status(ErrorCategory::kCancelled, "the artifact writer was aborted before Commit")
          .WithContext("ArtifactWriter", resource);
    if (pending_n == 0) return std::size_t{0};  // eof
    const std::size_t k = std::min(n, pending_n);
    std::memcpy(out, pending, k);
    pending += k;
    pending_n -= k;
    fed += k;
    if (pending_n == 0) {
      lock.unlock();
      cv.notify_all();
    }
    return k;
  }

  void OnProgress(std::uint64_t done) {
    // Workers report concurrently and out of order: keep the maximum.
    std::uint64_t seen = uploaded.load();
    while (seen < done && !uploaded.compare_exchange_weak(seen, done)) {
    }
    parts.fetch_add(1);
    // Saturating: the PutObject path reports once for the single buffer.
    std::uint64_t cur = in_use.load();
    while (!in_use.compare_exchange_weak(cur, cur >= options.part_size ? cur - options.part_size : 0)) {
    }
    if (options.progress) options.progress(done);
  }

  void Drive() {
    UploadAttributes attrs;
    attrs.metadata = options.metadata;
    attrs.content_type = options.content_type;
    TransferManager tm(client, transfer);
    auto r = tm.UploadStream(bucket, key, [this](char* out, std::size_t n) { return Pull(out, n); }, attrs);
    if (r.ok() && r->parts == 0) parts.store(0);
    in_use.store(0);
    {
      std::lock_guard<std::mutex> lock(mu);
      result = std::move(r);
      driver_done = true;
    }
    cv.notify_all();
  }

  void Join() {
    if (driver.joinable()) driver.join();
  }

  Status Failure() const {
    if (result && !result->ok()) return result->status();
    return Status(ErrorCategory::kInternal, "the artifact upload ended without a result")
        .WithContext("ArtifactWriter", resource);
  }
};

ArtifactWriter::ArtifactWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ArtifactWriter::~ArtifactWriter() {
  if (!impl_) return;
  if (impl_->state == Impl::State::kOpen) (void)Abort();
  impl_->Join();
}

Result<std::unique_ptr<ArtifactWriter>> ArtifactWriter::Open(Client client, std::string bucket, std::string key,
                                                             ArtifactWriteOptions options) {
  const std::string resource = ops::ResourceName(bucket, key);
  auto bad = [&](Status st) { return st.ok() ? st : st.WithContext("ArtifactWriter::Open", resource); };
  S3ML_RETURN_IF_ERROR(bad(ValidateBucketName(bucket)));
  S3ML_RETURN_IF_ERROR(bad(ValidateObjectKey(key)));
  S3ML_RETURN_IF_ERROR(bad(ValidateArtifactMetadata(options.metadata)));
  if (options.concurrency < 1 || options.concurrency > 64)
    return bad(Status::InvalidArgument("ArtifactWriteOptions::concurrency must be 1..64, got " +
                                       std::to_string(options.concurrency)));
  if (options.part_size < kMinPartSize || options.part_size > kMaxPartSize)
    return bad(Status::InvalidArgument("ArtifactWriteOptions::part_size must be 5 MiB..5 GiB, got " +
                                       std::to_string(options.part_size) + " bytes"));
  if (options.memory_budget != 0 && options.memory_budget < options.part_size)
    return bad(Status::InvalidArgument("ArtifactWriteOptions::memory_budget (" +
                                       std::to_string(options.memory_budget) + " bytes) is smaller than one part (" +
                                       std::to_string(options.part_size) + " bytes)"));

  auto impl = std::make_unique<Impl>(std::move(client));
  impl->bucket = std::move(bucket);
  impl->key = std::move(key);
  impl->resource = resource;
  impl->options = std::move(options);
  impl->budget = impl->options.memory_budget != 0
                     ? impl->options.memory_budget
                     : impl->options.part_size * static_cast<std::uint64_t>(impl->options.concurrency);
  TransferOptions& t = impl->transfer;
  t.part_size = impl->options.part_size;
  t.concurrency = impl->options.concurrency;
  t.memory_budget = impl->budget;
  t.multipart_threshold = impl->options.part_size;
  t.verify_etag = impl->options.verify_etag;
  t.checksum_algorithm = impl->options.checksum;
  Impl* raw = impl.get();
  t.progress = [raw](std::uint64_t done, std::uint64_t) { raw->OnProgress(done); };
  try {
    impl->driver = std::thread([raw] { raw->Drive(); });
  } catch (const std::system_error& e) {
    return Status(ErrorCategory::kInternal, std::string("cannot start the upload thread: ") + e.what())
        .WithContext("ArtifactWriter::Open", resource);
  }
  return std::unique_ptr<ArtifactWriter>(new ArtifactWriter(std::move(impl)));
}

Status ArtifactWriter::Write(const void* data, std::size_t n) {
  Impl& s = *impl_;
  switch (s.state) {
    case Impl::State::kOpen:
      break;
    case Impl::State::kFailed:
      return s.Failure();
    case Impl::State::kCommitted:
      return Status::InvalidArgument("Write after Commit").WithContext("ArtifactWriter", s.resource);
    case Impl::State::kAborted:
      return Status::InvalidArgument("Write after Abort").WithContext("ArtifactWriter", s.resource);
  }
  if (n == 0) return Status::Ok();
  if (data == nullptr) return Status::InvalidArgument("Write of null data").WithContext("ArtifactWriter", s.resource);
  std::unique_lock<std::mutex> lock(s.mu);
  if (!s.driver_done) {
    s.pending = static_cast<const char*>(data);
    s.pending_n = n;
    lock.unlock();
    s.cv.notify_all();
    lock.lock();
    // Watching the token here lets a polled one (a Python caller's Ctrl-C) fire; the
    // upload then fails and the driver finishes.
    WaitWatching(s.cv, lock, s.client.cancellation(), [&] { return s.pending_n == 0 || s.driver_done; },
                 OnCancel::kKeepWaiting);
  }
  if (s.driver_done && s.pending_n != 0) {
    s.pending = nullptr;
    s.pending_n = 0;
  }
  if (s.driver_done) {
    // The driver can only finish before Commit by failing (the upload is then aborted).
    lock.unlock();
    s.Join();
    s.state = Impl::State::kFailed;
    return s.Failure();
  }
  s.pending = nullptr;
  s.written.fetch_add(n);
  return Status::Ok();
}

Result<ArtifactInfo> ArtifactWriter::Commit() {
  Impl& s = *impl_;
  if (s.state == Impl::State::kCommitted)
    return Status::InvalidArgument("Commit called twice").WithContext("ArtifactWriter", s.resource);
  if (s.state == Impl::State::kAborted)
    return Status::InvalidArgument("Commit after Abort").WithContext("ArtifactWriter", s.resource);
  if (s.state == Impl::State::kFailed) return s.Failure();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.eof = true;
  }
  s.cv.notify_all();
  {
    std::unique_lock<std::mutex> lock(s.mu);
    WaitWatching(s.cv, lock, s.client.cancellation(), [&] { return s.driver_done; }, OnCancel::kKeepWaiting);
  }
  s.Join();
  if (!s.result || !s.result->ok()) {
    s.state = Impl::State::kFailed;
    return s.Failure();
  }
  s.state = Impl::State::kCommitted;
  const TransferUploadResult& r = **s.result;
  ArtifactInfo info;
  info.bucket = s.bucket;
  info.key = s.key;
  info.version_id = r.version_id;
  info.etag = r.etag;
  info.size = r.size;
  info.metadata = s.options.metadata;
  info.content_type = s.options.content_type;
  info.is_latest = true;
  return info;
}

Status ArtifactWriter::Abort() {
  Impl& s = *impl_;
  if (s.state == Impl::State::kCommitted || s.state == Impl::State::kAborted) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.aborting = true;
  }
  s.transfer.cancel.Cancel();
  s.cv.notify_all();
  s.Join();
  s.state = Impl::State::kAborted;
  // UploadStream notes a failed AbortMultipartUpload on the error it returns.
  if (s.result && !s.result->ok() && s.result->status().message().find("failed too") != std::string::npos)
    return s.result->status();
  return Status::Ok();
}

std::uint64_t ArtifactWriter::bytes_written() const { return impl_->written.load(); }

ArtifactWriterStats ArtifactWriter::stats() const {
  ArtifactWriterStats st;
  st.bytes_written = impl_->written.load();
  st.bytes_uploaded = impl_->uploaded.load();
  st.parts_uploaded = impl_->parts.load();
  st.memory_in_use = impl_->in_use.load();
  st.memory_high_water = impl_->high_water.load();
  st.memory_budget = impl_->budget;
  return st;
}

const std::string& ArtifactWriter::bucket() const { return impl_->bucket; }
const std::string& ArtifactWriter::key() const { return impl_->key; }

// ---- ArtifactReader ------------------------------------------------------------------

namespace {

// One range of the read-ahead window.
struct Slot {
  std::uint64_t index = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool done = false;
  bool dropped = false;  // left the window; free the data once fetched
  Status error;
  Buffer data;
};

}  // namespace

struct ArtifactReader::Impl {
  Client client;
  ArtifactInfo info;
  std::string resource;
  std::string pinned_version;  // sent on every GET (empty: unversioned bucket)
  ArtifactReadOptions options;
  std::uint64_t pos = 0;

  std::mutex mu;  // guards window, queue, held, stopping, threads
  std::condition_variable cv;
  std::map<std::uint64_t, std::shared_ptr<Slot>> window;  // part index → slot
  std::deque<std::shared_ptr<Slot>> queue;                 // waiting for a fetch thread
  int held = 0;                                            // slots whose memory is reserved
  std::uint64_t held_bytes = 0;
  bool stopping = false;
  std::vector<std::thread> threads;

  std::atomic<int> requests{0};
  std::atomic<std::uint64_t> high_water{0};

  // Checking the bytes against the object's checksum (verify_checksums).
  std::unique_ptr<DownloadVerifier> verifier;
  std::atomic<bool> verify_ready{false};  // every byte has been fetched once
  bool verified = false;                  // consumer thread: settled
  Status verdict;                         // consumer thread: the settled outcome

  explicit Impl(Client c) : client(std::move(c)) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }

  std::uint64_t part_count() const { return (info.size + options.part_size - 1) / options.part_size; }

  // Caller holds mu.
  void Release(const Slot& s) {
    --held;
    held_bytes -= s.length;
    cv.notify_all();
  }

  Status Changed(const std::string& detail) const {
    return Status(ErrorCategory::kIntegrity, "the artifact changed since it was opened (ETag " + info.etag +
                                                 (pinned_version.empty() ? "" : ", version " + pinned_version) +
                                                 "): " + detail)
        .WithContext("GetObject", resource);
  }

  Status Fetch(Slot& slot, Buffer& out) {
    PinnedObject object;
    object.bucket = info.bucket;
    object.key = info.key;
    object.version_id = pinned_version;
    object.etag = info.etag;
    object.size = info.size;
    PartRequest part;
    part.offset = slot.offset;
    part.length = slot.length;
    try {
      out.resize_uninitialized(static_cast<std::size_t>(slot.length));
    } catch (const std::bad_alloc&) {
      return Status(ErrorCategory::kInternal, "out of memory allocating a " + std::to_string(slot.length) +
                                                  "-byte read-ahead range")
          .WithContext("GetObject", resource);
    }
    char* const dst = out.data();
    auto r = GetPinnedRange(
        client, object, part,
        [&](std::uint64_t offset, const char* data, std::size_t n) {
          std::memcpy(dst + (offset - slot.offset), data, n);
          return Status::Ok();
        },
        [&](const std::string& detail) { return Changed(detail); }, verifier.get());
    requests.fetch_add(r.ok() ? r->attempts : std::max(1, r.status().attempts()));
    if (!r.ok()) return r.status();
    if (verifier && !verify_ready.load() && verifier->complete()) verify_ready.store(true);
    return Status::Ok();
  }

  void Worker() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      std::shared_ptr<Slot> slot = std::move(queue.front());
      queue.pop_front();
      if (slot->dropped) {
        Release(*slot);
        continue;
      }
      lock.unlock();
      Buffer data;
      Status st = Fetch(*slot, data);
      lock.lock();
      slot->done = true;
      if (slot->dropped) {
        Release(*slot);
      } else {
        slot->error = std::move(st);
        slot->data = std::move(data);
      }
      cv.notify_all();
    }
  }

  // Caller holds `lock`. Keeps the window at [p, p + read_ahead) and makes sure part p
  // is scheduled (waiting for memory released by ranges that left the window).
  Status Schedule(std::unique_lock<std::mutex>& lock, std::uint64_t p) {
    const std::uint64_t last = std::min<std::uint64_t>(part_count(), p + static_cast<std::uint64_t>(options.read_ahead));
    for (auto it = window.begin(); it != window.end();) {
      if (it->first < p || it->first >= last) {
        Slot& s = *it->second;
        s.dropped = true;
        if (s.done) Release(s);  // fetched (or failed): its memory goes now; else the worker frees it
        it = window.erase(it);
      } else {
        ++it;
      }
    }
    if (threads.empty()) {
      try {
        for (int t = 0; t < options.read_ahead; ++t) threads.emplace_back([this] { Worker(); });
      } catch (const std::system_error& e) {
        return Status(ErrorCategory::kInternal, std::string("cannot start a read-ahead thread: ") + e.what())
            .WithContext("ArtifactReader", resource);
      }
    }
    for (std::uint64_t i = p; i < last; ++i) {
      if (window.count(i) != 0) continue;
      if (held >= options.read_ahead) {
        if (i != p) break;  // read-ahead waits for memory; the part being read must go now
        WaitWatching(cv, lock, client.cancellation(), [&] { return held < options.read_ahead; },
                     OnCancel::kKeepWaiting);
      }
      auto s = std::make_shared<Slot>();
      s->index = i;
      s->offset = i * options.part_size;
      s->length = std::min(options.part_size, info.size - s->offset);
      ++held;
      held_bytes += s->length;
      RaiseHighWater(high_water, held_bytes);
      window.emplace(i, s);
      queue.push_back(std::move(s));
      cv.notify_all();
    }
    return Status::Ok();
  }
};

ArtifactReader::ArtifactReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ArtifactReader::~ArtifactReader() = default;

Result<std::unique_ptr<ArtifactReader>> ArtifactReader::Open(Client client, std::string bucket, std::string key,
                                                             std::string version_id, ArtifactReadOptions options) {
  const std::string resource = ops::ResourceName(bucket, key);
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument(what).WithContext("ArtifactReader::Open", resource);
  };
  if (options.read_ahead < 1 || options.read_ahead > kMaxReadAhead)
    return bad("ArtifactReadOptions::read_ahead must be 1.." + std::to_string(kMaxReadAhead) + ", got " +
               std::to_string(options.read_ahead));
  if (options.part_size < kMinReadPartSize || options.part_size > kMaxPartSize)
    return bad("ArtifactReadOptions::part_size must be 64 KiB..5 GiB, got " + std::to_string(options.part_size));
  S3ML_ASSIGN_OR_RETURN(ObjectMetadata head, Head(client, bucket, key, version_id, options.verify_checksums));
  if (head.delete_marker)
    return Status(ErrorCategory::kService, "the version is a delete marker")
        .WithCode("NoSuchKey")
        .WithContext("ArtifactReader::Open", resource);
  auto impl = std::make_unique<Impl>(std::move(client));
  impl->info = InfoFromHead(bucket, key, head);
  impl->info.is_latest = version_id.empty();
  impl->resource = resource;
  impl->pinned_version = !head.version_id.empty() ? head.version_id : version_id;
  impl->options = options;
  if (options.verify_checksums && impl->info.size > 0) {
    auto plan = PlanDownloadVerification(
        impl->client, VerifiedObject{bucket, key, impl->pinned_version, impl->info.etag}, head);
    if (!plan.ok()) return plan.status().WithContext("ArtifactReader::Open", resource);
    if ((*plan)->active()) impl->verifier = std::move(*plan);
  }
  return std::unique_ptr<ArtifactReader>(new ArtifactReader(std::move(impl)));
}

Result<std::size_t> ArtifactReader::Read(void* out, std::size_t n) {
  Impl& s = *impl_;
  if (s.verified && !s.verdict.ok()) return s.verdict;
  char* dst = static_cast<char*>(out);
  std::size_t copied = 0;
  while (copied < n && s.pos < s.info.size) {
    const std::uint64_t p = s.pos / s.options.part_size;
    std::shared_ptr<Slot> slot;
    {
      std::unique_lock<std::mutex> lock(s.mu);
      S3ML_RETURN_IF_ERROR(s.Schedule(lock, p));
      slot = s.window.at(p);
      // Watching lets a polled token fire; the fetch then fails and marks the slot done.
      WaitWatching(s.cv, lock, s.client.cancellation(), [&] { return slot->done; }, OnCancel::kKeepWaiting);
      if (!slot->error.ok()) {
        // Report it and forget the range, so a later Read tries again.
        Status err = slot->error;
        slot->dropped = true;
        s.Release(*slot);
        s.window.erase(p);
        return err;
      }
    }
    // A done slot is only touched by this (the consumer) thread.
    const std::uint64_t in = s.pos - slot->offset;
    const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n - copied, slot->length - in));
    std::memcpy(dst + copied, slot->data.data() + in, k);
    copied += k;
    s.pos += k;
  }
  if (s.pos >= s.info.size && copied < n) {
    // At the end: let the window go.
    std::unique_lock<std::mutex> lock(s.mu);
    for (auto& [i, slot] : s.window) {
      slot->dropped = true;
      if (slot->done) s.Release(*slot);
    }
    s.window.clear();
  }
  if (s.verifier && !s.verified && s.verify_ready.load()) {
    // Every byte has now been fetched: the bytes of this Read are only handed over if
    // the whole artifact matches its checksum.
    s.verified = true;
    s.verdict = SettleDownload(s.client, VerifiedObject{s.info.bucket, s.info.key, s.pinned_version, s.info.etag},
                               *s.verifier, nullptr, "GetObject");
    if (!s.verdict.ok()) return s.verdict;
  }
  return copied;
}

Status ArtifactReader::Seek(std::uint64_t offset) {
  if (offset > impl_->info.size)
    return Status::InvalidArgument("cannot seek to " + std::to_string(offset) + " in a " +
                                   std::to_string(impl_->info.size) + "-byte artifact")
        .WithContext("ArtifactReader", impl_->resource);
  impl_->pos = offset;
  return Status::Ok();
}

std::uint64_t ArtifactReader::size() const { return impl_->info.size; }
std::uint64_t ArtifactReader::tell() const { return impl_->pos; }
const ArtifactInfo& ArtifactReader::info() const { return impl_->info; }
int ArtifactReader::requests() const { return impl_->requests.load(); }
std::uint64_t ArtifactReader::memory_high_water() const { return impl_->high_water.load(); }

// ---- Model registry ------------------------------------------------------------------

Result<std::vector<ArtifactInfo>> ListArtifactVersions(const Client& client, const std::string& bucket,
                                                       const std::string& key) {
  ListObjectVersionsRequest req;
  req.bucket = bucket;
  req.prefix = key;
  S3ML_ASSIGN_OR_RETURN(std::vector<ObjectVersionSummary> all, client.ListObjectVersionsPages(req).All());
  std::vector<ObjectVersionSummary> versions;
  for (auto& v : all)
    if (v.key == key && !v.is_delete_marker) versions.push_back(std::move(v));

  std::vector<std::optional<ArtifactInfo>> out(versions.size());
  std::vector<Status> errors(versions.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= versions.size()) return;
      const ObjectVersionSummary& v = versions[i];
      // "null" is a real version id for objects written while versioning was off.
      auto head = Head(client, bucket, key, v.version_id);
      if (!head.ok()) {
        if (!IsNotFound(head.status())) errors[i] = head.status();  // deleted since the listing: skip
        continue;
      }
      ArtifactInfo a = InfoFromHead(bucket, key, *head);
      if (a.version_id.empty()) a.version_id = v.version_id;
      a.is_latest = v.is_latest;
      if (a.last_modified == Timestamp{}) a.last_modified = v.last_modified;
      out[i] = std::move(a);
    }
  };
  {
    std::vector<std::thread> threads;
    const int n = static_cast<int>(std::min<std::size_t>(versions.size(), kHeadConcurrency));
    try {
      for (int t = 0; t < n; ++t) threads.emplace_back(worker);
    } catch (const std::system_error&) {
      // Fewer threads (or none): the calling thread finishes the work below.
    }
    worker();
    for (auto& t : threads) t.join();
  }
  std::vector<ArtifactInfo> result;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    if (!errors[i].ok()) return errors[i];
    if (out[i]) result.push_back(std::move(*out[i]));
  }
  return result;
}

Result<ArtifactInfo> LatestArtifact(const Client& client, const std::string& bucket, const std::string& key) {
  S3ML_ASSIGN_OR_RETURN(ObjectMetadata head, Head(client, bucket, key, ""));
  ArtifactInfo a = InfoFromHead(bucket, key, head);
  a.is_latest = true;
  return a;
}

Result<ArtifactInfo> ArtifactVersion(const Client& client, const std::string& bucket, const std::string& key,
                                     const std::string& version_id) {
  if (version_id.empty())
    return Status::InvalidArgument("no version id given (use LatestArtifact for the current version)")
        .WithContext("ArtifactVersion", ops::ResourceName(bucket, key));
  S3ML_ASSIGN_OR_RETURN(ObjectMetadata head, Head(client, bucket, key, version_id));
  ArtifactInfo a = InfoFromHead(bucket, key, head);
  if (a.version_id.empty()) a.version_id = version_id;
  auto latest = Head(client, bucket, key, "");
  if (latest.ok()) {
    a.is_latest = latest->version_id == a.version_id;
  } else if (!IsNotFound(latest.status())) {
    return latest.status();
  }
  return a;
}

Result<ArtifactInfo> BestArtifact(const Client& client, const std::string& bucket, const std::string& key,
                                  const std::string& metric, bool higher_is_better) {
  const std::string resource = ops::ResourceName(bucket, key);
  if (metric.empty()) return Status::InvalidArgument("no metric name given").WithContext("BestArtifact", resource);
  S3ML_ASSIGN_OR_RETURN(std::vector<ArtifactInfo> versions, ListArtifactVersions(client, bucket, key));
  std::string name = metric;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const ArtifactInfo* best = nullptr;
  double best_value = 0;
  for (const ArtifactInfo& a : versions) {  // newest first: strict comparison keeps the newer on ties
    auto it = a.metadata.find(name);
    if (it == a.metadata.end()) continue;
    auto v = ParseMetric(it->second);
    if (!v) continue;
    if (best == nullptr || (higher_is_better ? *v > best_value : *v < best_value)) {
      best = &a;
      best_value = *v;
    }
  }
  if (best == nullptr)
    return Status(ErrorCategory::kService, "no version of the artifact has a numeric metadata field '" + name +
                                               "' (" + std::to_string(versions.size()) + " versions looked at)")
        .WithCode("NoSuchKey")
        .WithContext("BestArtifact", resource);
  return *best;
}

Result<ArtifactInfo> RollbackArtifact(const Client& client, const std::string& bucket, const std::string& key,
                                      const std::string& version_id) {
  const std::string resource = ops::ResourceName(bucket, key);
  if (version_id.empty())
    return Status::InvalidArgument("no version id to roll back to").WithContext("RollbackArtifact", resource);
  S3ML_ASSIGN_OR_RETURN(ObjectMetadata old, Head(client, bucket, key, version_id));
  const std::uint64_t size = old.object_size != 0 ? old.object_size : old.content_length;
  if (size > kMaxCopyObjectSize)
    return Status::InvalidArgument("version " + version_id + " is " + std::to_string(size) +
                                   " bytes; rollback copies with one CopyObject, which S3 limits to 5 GiB "
                                   "(multipart copy is not implemented)")
        .WithContext("RollbackArtifact", resource);
  CopyObjectRequest req;
  req.source_bucket = bucket;
  req.source_key = key;
  req.source_version_id = version_id;
  req.bucket = bucket;
  req.key = key;
  req.metadata_directive = MetadataDirective::kCopy;
  req.copy_source_if_match = old.etag;
  S3ML_ASSIGN_OR_RETURN(CopyObjectResult copied, client.CopyObject(req));
  if (!copied.version_id.empty()) {
    auto now = Head(client, bucket, key, copied.version_id);
    if (now.ok()) {
      ArtifactInfo a = InfoFromHead(bucket, key, *now);
      a.is_latest = true;
      return a;
    }
  }
  ArtifactInfo a = InfoFromHead(bucket, key, old);
  a.version_id = copied.version_id;
  a.etag = copied.etag;
  a.last_modified = copied.last_modified;
  a.is_latest = true;
  return a;
}

}  // namespace s3ml

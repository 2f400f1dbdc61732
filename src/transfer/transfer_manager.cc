// TransferManager: a fixed worker pool per call, a byte budget reserved before every
// part request, abort-on-failure for uploads and If-Match for downloads. This file:
// construction and the uploads; the downloads are in transfer_download.cc, the helpers
// both halves share in transfer_common.h.

#include "s3ml/transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "common/crypto.h"
#include "common/logging.h"
#include "ops/errors.h"
#include "s3ml/file.h"
#include "transfer/byte_budget.h"
#include "transfer/transfer_common.h"
#include "transport/retry.h"

namespace s3ml {

using namespace transfer_internal;  // NOLINT: the helpers shared with the download half

namespace {

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

bool IsMd5Hex(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

std::string LowerHex(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Fixed state of one multipart upload: the parts' ETags and MD5s by index.
struct UploadState {
  std::string bucket, key, upload_id, resource;
  std::vector<CompletedPart> parts;
  std::vector<std::string> md5s;  // raw 16-byte digests
  bool md5_comparable = true;     // every part ETag was an MD5 (no SSE-KMS/SSE-C)
  std::mutex mu;                  // guards md5_comparable
  ServerSideEncryption sse;       // SSE-C keys go on every part and on Complete
  std::string if_match, if_none_match;  // conditional write, sent with Complete
};

// The object attributes shared by CreateMultipartUpload and PutObject requests.
template <class Request>
Request WithAttributes(const std::string& bucket, const std::string& key, const UploadAttributes& a,
                       ChecksumAlgorithm checksum) {
  Request r;
  r.bucket = bucket;
  r.key = key;
  r.content_type = a.content_type;
  r.cache_control = a.cache_control;
  r.content_disposition = a.content_disposition;
  r.content_encoding = a.content_encoding;
  r.metadata = a.metadata;
  r.storage_class = a.storage_class;
  r.tagging = a.tagging;
  r.sse = a.sse;
  r.checksum_algorithm = checksum;
  return r;
}

CreateMultipartUploadRequest CreateRequest(const std::string& bucket, const std::string& key,
                                           const UploadAttributes& a, ChecksumAlgorithm checksum) {
  return WithAttributes<CreateMultipartUploadRequest>(bucket, key, a, checksum);
}

PutObjectRequest PutRequest(const std::string& bucket, const std::string& key, const UploadAttributes& a,
                            ChecksumAlgorithm checksum) {
  auto r = WithAttributes<PutObjectRequest>(bucket, key, a, checksum);
  r.if_match = a.if_match;
  r.if_none_match = a.if_none_match;
  return r;
}

// Uploads one part from memory and records its ETag and MD5.
Status UploadOnePart(const Client& client, const TransferOptions& o, UploadState& st, int index,
                     std::string_view data) {
  const int part_number = index + 1;
  std::string md5(16, '\0');
  {
    Md5Digest d = Md5(data);
    std::memcpy(md5.data(), d.data(), d.size());
  }
  UploadPartRequest req;
  req.bucket = st.bucket;
  req.key = st.key;
  req.upload_id = st.upload_id;
  req.part_number = part_number;
  req.data = data;
  req.checksum_algorithm = o.checksum_algorithm;
  if (st.sse.kind == ServerSideEncryption::Kind::kCustomerKey) req.sse = st.sse;
  auto r = client.UploadPart(req);
  if (!r.ok())  // name the part: the client's error names only the operation and object
    return r.status().WithMessage("part " + std::to_string(part_number) + " of upload " + st.upload_id + ": " +
                                  r.status().message());
  std::string etag = LowerHex(Unquote(r->etag));
  if (o.verify_etag) {
    if (IsMd5Hex(etag)) {
      std::string expect = HexEncode(md5);
      if (etag != expect)
        return Status(ErrorCategory::kIntegrity, "part " + std::to_string(part_number) + " was stored with ETag " +
                                                     etag + " but its MD5 is " + expect +
                                                     " (corrupted in transit)")
            .WithContext("UploadPart", st.resource);
    } else {
      std::lock_guard<std::mutex> lock(st.mu);
      st.md5_comparable = false;
    }
  }
  CompletedPart done;
  done.part_number = part_number;
  done.etag = r->etag;
  done.checksum_crc32 = r->checksum_crc32;
  done.checksum_crc32c = r->checksum_crc32c;
  done.checksum_sha1 = r->checksum_sha1;
  done.checksum_sha256 = r->checksum_sha256;
  st.parts[static_cast<std::size_t>(index)] = std::move(done);
  st.md5s[static_cast<std::size_t>(index)] = std::move(md5);
  return Status::Ok();
}

// Aborts after a failure; the original error is what the caller sees, with a note
// when the abort failed too (the upload may then be left behind).
Status AbortAfter(const Client& client, const UploadState& st, Status cause) {
  // The clean-up must run even when the transfer's token is what stopped it.
  Status ab = client.WithCancellation(CancellationToken())
                  .AbortMultipartUpload(AbortMultipartUploadRequest{st.bucket, st.key, st.upload_id});
  if (ab.ok()) return cause;
  return cause.WithMessage(cause.message() + " (and aborting upload " + st.upload_id +
                           " failed too: " + ab.ToString() + ")");
}

// The in-progress uploads of exactly `key` (best effort: what could be listed).
std::vector<MultipartUploadInfo> UploadsOfKey(const Client& client, const std::string& bucket, const std::string& key,
                                              bool* complete) {
  std::vector<MultipartUploadInfo> same_key;
  ListMultipartUploadsRequest list;
  list.bucket = bucket;
  list.prefix = key;
  *complete = false;
  for (int page = 0; page < 100; ++page) {
    auto r = client.ListMultipartUploads(list);
    if (!r.ok()) return same_key;
    for (auto& u : r->uploads)
      if (u.key == key) same_key.push_back(std::move(u));
    if (!r->is_truncated || r->next_key_marker.empty()) {
      *complete = true;
      break;
    }
    list.key_marker = r->next_key_marker;
    list.upload_id_marker = r->next_upload_id_marker;
  }
  return same_key;
}

// CreateMultipartUpload is not repeated by the retry loop (ops::IsIdempotent): a
// failure after the request went out (a reset, a cut-off answer) may have created an
// upload nobody knows the id of. So: try again here, and afterwards abort the other
// uploads of this key that were initiated during these attempts, so that no upload is
// left open and billed. When one attempt succeeded, "during" is judged by the server's
// clock: within the time the attempts took, before ours. When none did, there is no
// server time to go by: the local clock is used, with kClockSlack either side for skew.
Result<CreateMultipartUploadResult> CreateUpload(const Client& client, const CreateMultipartUploadRequest& req) {
  constexpr int kTries = 3;
  constexpr auto kClockSlack = std::chrono::seconds(5);
  const auto t0 = std::chrono::steady_clock::now();
  const Timestamp wall0 = std::chrono::system_clock::now();
  auto created = client.CreateMultipartUpload(req);
  bool ambiguous = false;
  // A request cut off by cancellation (Ctrl-C) may have been sent and answered by
  // the server all the same: it is as ambiguous as a lost answer, and is not tried
  // again (WaitFor returns at once), but the upload it may have created is aborted.
  const auto maybe_created = [](const Status& st) {
    return MayHaveTakenEffect(st) || st.category() == ErrorCategory::kCancelled;
  };
  for (int i = 1; i < kTries && !created.ok() && maybe_created(created.status()); ++i) {
    ambiguous = true;
    if (client.cancellation().WaitFor(std::chrono::milliseconds(100 * i))) break;
    created = client.CreateMultipartUpload(req);
  }
  if (!ambiguous) return created;
  const std::string resource = ops::ResourceName(req.bucket, req.key);
  const Client cleanup = client.WithCancellation(CancellationToken());
  bool listed = false;
  const std::vector<MultipartUploadInfo> same_key = UploadsOfKey(cleanup, req.bucket, req.key, &listed);
  const auto abort_lost = [&](const MultipartUploadInfo& u) {
    S3ML_LOG(kInfo, "CreateMultipartUpload " << resource << ": aborting upload " << u.upload_id
                                             << " left by a lost answer");
    return cleanup.AbortMultipartUpload(AbortMultipartUploadRequest{req.bucket, req.key, u.upload_id}).ok();
  };
  if (!created.ok()) {
    const Timestamp from = wall0 - kClockSlack, to = std::chrono::system_clock::now() + kClockSlack;
    bool all_aborted = listed;
    for (const auto& u : same_key)
      if (u.initiated >= from && u.initiated <= to && !abort_lost(u)) all_aborted = false;
    if (all_aborted) return created;
    return created.status().WithMessage(created.status().message() +
                                        " (an upload may have been created by a lost answer and could not be "
                                        "aborted; ListMultipartUploads shows it)");
  }
  const auto window = std::chrono::steady_clock::now() - t0 + std::chrono::seconds(2);
  auto ours = std::find_if(same_key.begin(), same_key.end(),
                           [&](const MultipartUploadInfo& u) { return u.upload_id == created->upload_id; });
  if (ours == same_key.end()) return created;
  const Timestamp ref = ours->initiated;
  for (const auto& u : same_key) {
    if (u.upload_id == created->upload_id || u.initiated > ref ||
        ref - u.initiated > std::chrono::duration_cast<Timestamp::duration>(window))
      continue;
    (void)abort_lost(u);  // best effort: the upload itself is fine
  }
  return created;
}

// The start shared by every multipart upload (known size, stream, artifact):
// CreateMultipartUpload (see CreateUpload) and the state its parts fill in.
Status BeginUpload(const Client& client, const TransferOptions& o, const std::string& bucket, const std::string& key,
                   const UploadAttributes& attrs, UploadState& st) {
  const std::string resource = ops::ResourceName(bucket, key);
  if (o.cancel.cancelled()) return Cancelled("CreateMultipartUpload", resource);
  auto created = CreateUpload(client, CreateRequest(bucket, key, attrs, o.checksum_algorithm));
  if (!created.ok()) return created.status();
  st.sse = attrs.sse;
  st.if_match = attrs.if_match;
  st.if_none_match = attrs.if_none_match;
  st.bucket = bucket;
  st.key = key;
  st.upload_id = created->upload_id;
  st.resource = resource;
  return Status::Ok();
}

// CompleteMultipartUpload is not repeated by the retry loop either: after a failure
// that may have completed the upload it is sent once more here. A NoSuchUpload answer
// (the upload is gone: completed by the lost request, or aborted), or any failure of
// the resend (a 503 until the retries ran out says nothing about the first request),
// is settled by a HEAD: the object is ours when its ETag is the one our parts give
// (or, where part ETags are not MD5s, when its size and part count match).
Result<CompleteMultipartUploadResult> CompleteUpload(const Client& client, const CompleteMultipartUploadRequest& req,
                                                     const UploadState& st, std::uint64_t size) {
  auto done = client.CompleteMultipartUpload(req);
  bool resent = false;
  if (!done.ok() && MayHaveTakenEffect(done.status()) && !client.cancellation().cancelled()) {
    resent = true;
    done = client.CompleteMultipartUpload(req);
  }
  if (done.ok() || (done.status().code() != "NoSuchUpload" && !resent)) return done;
  HeadObjectRequest head;
  head.bucket = st.bucket;
  head.key = st.key;
  if (st.sse.kind == ServerSideEncryption::Kind::kCustomerKey) head.sse = st.sse;
  auto h = client.HeadObject(head);
  if (!h.ok()) return done;
  const std::string etag = LowerHex(Unquote(h->etag));
  const std::string suffix = "-" + std::to_string(st.parts.size());
  const bool ours = st.md5_comparable ? etag == Unquote(MultipartETag(st.md5s))
                                      : h->object_size == size && etag.size() > suffix.size() &&
                                            etag.compare(etag.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (!ours) return done;
  S3ML_LOG(kInfo, "CompleteMultipartUpload " << st.resource << ": the answer was lost; the object is complete ("
                                             << h->etag << ")");
  CompleteMultipartUploadResult r;
  r.bucket = st.bucket;
  r.key = st.key;
  r.etag = h->etag;
  r.version_id = h->version_id;
  return r;
}

// Completes the upload and checks the multipart ETag; aborts if completion fails.
Result<TransferUploadResult> Complete(const Client& client, const TransferOptions& o, UploadState& st,
                                      std::uint64_t size) {
  CompleteMultipartUploadRequest req{st.bucket, st.key, st.upload_id, st.parts};
  if (st.sse.kind == ServerSideEncryption::Kind::kCustomerKey) req.sse = st.sse;
  req.if_match = st.if_match;
  req.if_none_match = st.if_none_match;
  auto done = CompleteUpload(client, req, st, size);
  if (!done.ok()) return AbortAfter(client, st, done.status());
  TransferUploadResult out{done->etag, done->version_id, size, static_cast<int>(st.parts.size())};
  if (o.verify_etag && st.md5_comparable) {
    std::string expect = MultipartETag(st.md5s);
    if (LowerHex(Unquote(done->etag)) != Unquote(expect))
      return Status(ErrorCategory::kIntegrity, "the completed object's ETag is " + done->etag + " but its " +
                                                   std::to_string(st.parts.size()) + " parts give " + expect)
          .WithContext("CompleteMultipartUpload", st.resource);
  }
  return out;
}

}  // namespace

// One token for the whole transfer: the options' or the client's, whichever is
// cancelled first; every part request carries it, so requests in flight stop too.
TransferManager::TransferManager(Client client, TransferOptions options) : client_(client), options_(std::move(options)) {
  options_.cancel = CancellationToken::AnyOf({client.cancellation(), options_.cancel});
  client_ = client.WithCancellation(options_.cancel);
}

namespace {

// Multipart upload of `size` bytes whose part i is produced by `get_part` into/as a view.
// `copy_parts`: the part bytes are read into a budget-reserved buffer first (files);
// otherwise `get_part` returns a view into caller memory.
Result<TransferUploadResult> UploadKnownSize(
    const Client& client, const TransferOptions& o, const std::string& bucket, const std::string& key,
    std::uint64_t size, const UploadAttributes& attrs,
    const std::function<Status(std::uint64_t offset, std::size_t n, Buffer& scratch, std::string_view& out)>&
        get_part) {
  const std::string resource = ops::ResourceName(bucket, key);
  S3ML_ASSIGN_OR_RETURN(PartPlan plan, [&]() -> Result<PartPlan> {
    auto p = PlanParts(size, o.part_size);
    if (!p.ok()) return p.status().WithContext("UploadPart", resource);
    return p;
  }());
  UploadState st;
  S3ML_RETURN_IF_ERROR(BeginUpload(client, o, bucket, key, attrs, st));
  st.parts.resize(static_cast<std::size_t>(plan.part_count));
  st.md5s.resize(static_cast<std::size_t>(plan.part_count));

  const std::uint64_t budget_bytes = BudgetFor(o, plan.part_size);
  ByteBudget budget(budget_bytes, ByteBudget::Options{false, o.cancel});
  Progress progress(o.progress, size);
  auto bytes_of = [&](int i) { return plan.SizeOf(i + 1); };
  auto job = [&](int i) -> Status {
    const std::uint64_t n = plan.SizeOf(i + 1);
    Buffer scratch;
    std::string_view data;
    S3ML_RETURN_IF_ERROR(get_part(plan.Offset(i + 1), static_cast<std::size_t>(n), scratch, data));
    S3ML_RETURN_IF_ERROR(UploadOnePart(client, o, st, i, data));
    progress.Add(n);
    return Status::Ok();
  };
  Status run = RunParts(plan.part_count, WorkersFor(o, budget_bytes, plan.part_size), budget, bytes_of, job, o.cancel,
                        "UploadPart", resource);
  if (!run.ok()) return AbortAfter(client, st, run);
  if (o.cancel.cancelled()) return AbortAfter(client, st, Cancelled("CompleteMultipartUpload", resource));
  return Complete(client, o, st, size);
}

}  // namespace

Result<TransferUploadResult> TransferManager::UploadBuffer(const std::string& bucket, const std::string& key,
                                                           std::string_view data, const UploadAttributes& attrs) const {
  const std::string resource = ops::ResourceName(bucket, key);
  S3ML_RETURN_IF_ERROR(ValidateOptions(options_, "UploadBuffer", resource));
  if (data.size() < options_.multipart_threshold) {
    if (options_.cancel.cancelled()) return Cancelled("PutObject", resource);
    PutObjectRequest req = PutRequest(bucket, key, attrs, options_.checksum_algorithm);
    req.data = data;
    auto r = client_.PutObject(req);
    if (!r.ok()) return r.status();
    if (options_.progress) options_.progress(data.size(), data.size());
    return TransferUploadResult{r->etag, r->version_id, data.size(), 0};
  }
  return UploadKnownSize(client_, options_, bucket, key, data.size(), attrs,
                         [&](std::uint64_t off, std::size_t n, Buffer&, std::string_view& out) {
                           out = data.substr(static_cast<std::size_t>(off), n);
                           return Status::Ok();
                         });
}

Result<TransferUploadResult> TransferManager::UploadFile(const std::string& bucket, const std::string& key,
                                                         const std::string& path, const UploadAttributes& attrs) const {
  const std::string resource = ops::ResourceName(bucket, key);
  S3ML_RETURN_IF_ERROR(ValidateOptions(options_, "UploadFile", resource));
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    return FileError("cannot open", path, err).WithContext("UploadFile", resource);
  }
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) {
    const int err = errno;
    return FileError("cannot stat", path, err).WithContext("UploadFile", resource);
  }
  if (!S_ISREG(sb.st_mode))
    return Status(ErrorCategory::kIo, "'" + path + "' is not a regular file").WithContext("UploadFile", resource);
  const std::uint64_t size = static_cast<std::uint64_t>(sb.st_size);
  if (size < options_.multipart_threshold) {
    if (options_.cancel.cancelled()) return Cancelled("PutObject", resource);
    PutObjectRequest req = PutRequest(bucket, key, attrs, options_.checksum_algorithm);
    req.file_path = path;
    auto r = client_.PutObject(req);
    if (!r.ok()) return r.status();
    if (options_.progress) options_.progress(size, size);
    return TransferUploadResult{r->etag, r->version_id, size, 0};
  }
  const int raw = fd.get();
  return UploadKnownSize(client_, options_, bucket, key, size, attrs,
                         [&](std::uint64_t off, std::size_t n, Buffer& scratch, std::string_view& out) -> Status {
                           // Read into memory covered by this part's reservation: the MD5 and
                           // the payload hash then need no second pass over the file.
                           scratch.resize_uninitialized(n);
                           Status st = PreadFully(raw, path, off, scratch.data(), n);
                           if (!st.ok()) return st.WithContext("UploadPart", resource);
                           out = scratch.view();
                           return Status::Ok();
                         });
}

Result<TransferUploadResult> TransferManager::UploadStream(const std::string& bucket, const std::string& key,
                                                           const StreamReader& reader,
                                                           const UploadAttributes& attrs) const {
  const std::string resource = ops::ResourceName(bucket, key);
  const TransferOptions& o = options_;
  S3ML_RETURN_IF_ERROR(ValidateOptions(o, "UploadStream", resource));
  if (!reader) return Status::InvalidArgument("the stream reader is empty").WithContext("UploadStream", resource);
  const std::uint64_t part_size = o.part_size;
  const std::uint64_t budget_bytes = BudgetFor(o, part_size);
  ByteBudget budget(budget_bytes, ByteBudget::Options{false, o.cancel});

  // Fills `buf` with up to part_size bytes; fewer only at the end of the stream.
  auto read_part = [&](Buffer& buf) -> Status {
    buf.resize_uninitialized(static_cast<std::size_t>(part_size));
    std::size_t got = 0;
    while (got < part_size) {
      auto n = reader(buf.data() + got, static_cast<std::size_t>(part_size) - got);
      if (!n.ok()) return n.status().operation().empty() ? n.status().WithContext("UploadStream", resource) : n.status();
      if (*n == 0) break;
      got += *n;
    }
    buf.resize_uninitialized(got);
    return Status::Ok();
  };

  // The first part decides: a stream that ends within it is a single PutObject.
  auto first_reservation = std::make_unique<Reservation>(budget, part_size);
  Buffer first;
  S3ML_RETURN_IF_ERROR(read_part(first));
  if (first.size() < part_size) {
    if (o.cancel.cancelled()) return Cancelled("PutObject", resource);
    PutObjectRequest req = PutRequest(bucket, key, attrs, options_.checksum_algorithm);
    req.data = first.view();
    auto r = client_.PutObject(req);
    if (!r.ok()) return r.status();
    if (o.progress) o.progress(first.size(), first.size());
    return TransferUploadResult{r->etag, r->version_id, first.size(), 0};
  }
  UploadState st;
  S3ML_RETURN_IF_ERROR(BeginUpload(client_, o, bucket, key, attrs, st));

  // The calling thread reads parts (in order, user code called without any lock held)
  // into budget-reserved buffers; workers upload them.
  struct Item {
    int index = 0;
    Buffer data;
    std::unique_ptr<Reservation> reservation;
  };
  std::mutex mu;  // guards queue and producer_done
  std::condition_variable cv;
  std::deque<Item> queue;
  bool producer_done = false;
  FirstError error(budget);
  Progress progress(o.progress, 0);
  std::uint64_t total = 0;

  // Records the first error and wakes the waiting workers. Taking `mu` before notifying
  // closes the window between a worker's predicate check and its wait (no lost wake-up).
  auto fail = [&](Status st_) {
    error.Set(std::move(st_));
    { std::lock_guard<std::mutex> lock(mu); }
    cv.notify_all();
  };
  auto worker = [&] {
    for (;;) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || producer_done || error.failed(); });
        if (error.failed() || queue.empty()) return;
        item = std::move(queue.front());
        queue.pop_front();
      }
      if (o.cancel.cancelled()) return fail(Cancelled("UploadPart", resource));
      Status s = UploadOnePart(client_, o, st, item.index, item.data.view());
      if (!s.ok()) return fail(std::move(s));
      progress.Add(item.data.size());
    }
  };

  {
    // st.parts/md5s are sized up front for the 10,000-part maximum, so workers never
    // race with a resize.
    st.parts.resize(static_cast<std::size_t>(kMaxPartNumber));
    st.md5s.resize(static_cast<std::size_t>(kMaxPartNumber));
    ThreadGroup group(o.cancel);
    for (int t = 0; t < WorkersFor(o, budget_bytes, part_size); ++t) group.Spawn(worker);
    int index = 0;
    Item item{0, std::move(first), std::move(first_reservation)};
    for (;;) {
      total += item.data.size();
      {
        std::lock_guard<std::mutex> lock(mu);
        queue.push_back(std::move(item));
      }
      cv.notify_all();
      ++index;
      if (error.failed()) break;
      if (o.cancel.cancelled()) {
        error.Set(Cancelled("UploadStream", resource));
        break;
      }
      auto res = std::make_unique<Reservation>(budget, part_size);
      if (!res->held()) break;  // a worker failed
      Buffer next;
      if (Status s = read_part(next); !s.ok()) {
        error.Set(std::move(s));
        break;
      }
      if (next.size() == 0) break;  // end of stream on a part boundary
      if (index >= kMaxPartNumber) {
        error.Set(Status::InvalidArgument("the stream is longer than 10000 parts of " + std::to_string(part_size) +
                                          " bytes; raise TransferOptions::part_size")
                      .WithContext("UploadStream", resource));
        break;
      }
      const bool last = next.size() < part_size;
      item = Item{index, std::move(next), std::move(res)};
      if (last) {
        total += item.data.size();
        {
          std::lock_guard<std::mutex> lock(mu);
          queue.push_back(std::move(item));
        }
        ++index;
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      producer_done = true;
    }
    cv.notify_all();
    group.JoinAll();
    // Queued items still hold reservations; release them before the budget goes away.
    queue.clear();
    st.parts.resize(static_cast<std::size_t>(index));
    st.md5s.resize(static_cast<std::size_t>(index));
  }
  if (error.failed()) return AbortAfter(client_, st, error.Get());
  if (o.cancel.cancelled()) return AbortAfter(client_, st, Cancelled("CompleteMultipartUpload", resource));
  return Complete(client_, o, st, total);
}

}  // namespace s3ml

// TransferManager downloads: the object fetched in parallel ranges pinned to the first
// range's ETag (If-Match), into memory or into a file renamed into place when complete.

#include "s3ml/transfer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "ops/errors.h"
#include "s3ml/file.h"
#include "transfer/byte_budget.h"
#include "transfer/download_verifier.h"
#include "transfer/ranged_get.h"
#include "transfer/transfer_common.h"

namespace s3ml {

using namespace transfer_internal;  // NOLINT: the helpers shared with the upload half

namespace {

// Bytes a download worker gathers before each pwrite into the destination file.
constexpr std::size_t kDownloadStage = std::size_t{1} << 20;

// Where downloaded parts go.
class PartDestination {
 public:
  virtual ~PartDestination() = default;
  virtual Status Prepare(std::uint64_t total) = 0;
  virtual Status Write(std::uint64_t offset, std::string_view data) = 0;
  /// Writes are memory copies (no staging needed).
  virtual bool direct() const { return false; }
  /// Reads written bytes back (checking a SHA checksum over ranges).
  virtual Status Read(std::uint64_t offset, std::size_t n, char* out) = 0;
};

class BufferDestination final : public PartDestination {
 public:
  Status Prepare(std::uint64_t total) override {
    out.resize_uninitialized(static_cast<std::size_t>(total));
    return Status::Ok();
  }
  Status Write(std::uint64_t offset, std::string_view data) override {
    if (!data.empty()) std::memcpy(out.data() + offset, data.data(), data.size());
    return Status::Ok();
  }
  Status Read(std::uint64_t offset, std::size_t n, char* dst) override {
    if (n != 0) std::memcpy(dst, out.data() + offset, n);
    return Status::Ok();
  }
  bool direct() const override { return true; }
  Buffer out;
};

class FileDestination final : public PartDestination {
 public:
  // The download goes to a temporary beside `path` (the shared AtomicFile:
  // fsynced and renamed into place by Commit(), removed otherwise).
  explicit FileDestination(std::string path) : path_(std::move(path)) {}
  Status Prepare(std::uint64_t total) override {
    auto file = AtomicFile::Create(path_);
    if (!file.ok()) return file.status();
    file_.emplace(std::move(*file));
    if (::ftruncate(file_->fd(), static_cast<off_t>(total)) != 0)
      { const int err = errno; return FileError("cannot size", file_->temp_path(), err); }
    return Status::Ok();
  }
  Status Write(std::uint64_t offset, std::string_view data) override {
    return PwriteFully(file_->fd(), file_->temp_path(), offset, data.data(), data.size());
  }
  Status Read(std::uint64_t offset, std::size_t n, char* dst) override {
    return PreadFully(file_->fd(), file_->temp_path(), offset, dst, n);
  }
  Status Commit() { return file_ ? file_->Commit() : Status(ErrorCategory::kInternal, "download not prepared"); }

 private:
  const std::string path_;
  std::optional<AtomicFile> file_;
};

Status ChangedDuringDownload(const std::string& resource, const std::string& etag, const std::string& detail) {
  return Status(ErrorCategory::kIntegrity, "the object changed during the download (it no longer has ETag " + etag +
                                               "): " + detail)
      .WithContext("GetObject", resource);
}

Result<TransferDownloadResult> Download(const Client& client, const TransferOptions& o, const std::string& bucket,
                                        const std::string& key, PartDestination& dest) {
  const std::string resource = ops::ResourceName(bucket, key);
  S3ML_RETURN_IF_ERROR(ValidateOptions(o, "GetObject", resource));
  const std::uint64_t part_size = o.part_size;
  const std::uint64_t budget_bytes = BudgetFor(o, part_size);
  ByteBudget budget(budget_bytes, ByteBudget::Options{false, o.cancel});
  if (o.cancel.cancelled()) return Cancelled("GetObject", resource);

  TransferDownloadResult out;
  std::uint64_t total = 0;
  std::unique_ptr<DownloadVerifier> verifier;  // set when the object's checksum is checked
  auto settle = [&]() -> Status {
    if (!verifier) return Status::Ok();
    return SettleDownload(client, VerifiedObject{bucket, key, "", out.etag}, *verifier,
                          [&](std::uint64_t off, std::size_t n, char* dst) { return dest.Read(off, n, dst); },
                          "GetObject");
  };
  {
    Reservation r(budget, part_size);
    GetObjectRequest req;
    req.bucket = bucket;
    req.key = key;
    req.range = ByteRange::Closed(0, part_size - 1);
    auto first = client.GetObject(req);
    out.requests = 1;
    if (!first.ok() && first.status().code() == "InvalidRange") {
      // An empty object has no byte 0: fetch it whole.
      req.range.reset();
      first = client.GetObject(req);
      out.requests = 2;
      if (first.ok() && first->body.size() != 0)
        return ChangedDuringDownload(resource, "(none)", "an object that had no byte 0 now has content");
    }
    if (!first.ok()) return first.status();
    out.etag = first->info.etag;
    total = first->info.object_size;
    if (first->body.size() != std::min<std::uint64_t>(total, part_size))
      return Status(ErrorCategory::kIntegrity, "the first range returned " + std::to_string(first->body.size()) +
                                                   " bytes of a " + std::to_string(total) + "-byte object")
          .WithContext("GetObject", resource);
    if (out.etag.empty() && total > part_size)
      return Status(ErrorCategory::kProtocol,
                    "the server sent no ETag, so a parallel download cannot detect a change mid-way")
          .WithContext("GetObject", resource);
    Status prep = dest.Prepare(total);
    if (!prep.ok()) return prep.WithContext("GetObject", resource);
    Status w = dest.Write(0, first->body.view());
    if (!w.ok()) return w.WithContext("GetObject", resource);
    if (o.verify_checksums && total > 0) {
      // Ranges carry no checksum: learn the object's from a HEAD pinned to this ETag.
      HeadObjectRequest h;
      h.bucket = bucket;
      h.key = key;
      h.if_match = out.etag;
      h.checksum_mode = true;
      auto head = client.HeadObject(h);
      if (!head.ok() && (head.status().http_status() == 412 || head.status().code() == "PreconditionFailed"))
        return ChangedDuringDownload(resource, out.etag, head.status().ToString());
      if (!head.ok()) return head.status();
      auto plan = PlanDownloadVerification(client, VerifiedObject{bucket, key, "", out.etag}, *head);
      if (!plan.ok()) return plan.status();
      verifier = std::move(*plan);
      verifier->Add(0, first->body.view());
    }
  }
  out.size = total;
  Progress progress(o.progress, total);
  progress.Add(std::min(total, part_size));
  if (total <= part_size) {
    S3ML_RETURN_IF_ERROR(settle());
    return out;
  }

  const std::uint64_t rest = total - part_size;
  const int count = static_cast<int>((rest + part_size - 1) / part_size);
  auto offset_of = [&](int i) { return part_size * static_cast<std::uint64_t>(i + 1); };
  auto bytes_of = [&](int i) { return std::min(part_size, total - offset_of(i)); };
  std::atomic<int> requests{0};
  PinnedObject object;
  object.bucket = bucket;
  object.key = key;
  object.etag = out.etag;
  object.size = total;
  const ChangedFn changed = [&](const std::string& detail) { return ChangedDuringDownload(resource, out.etag, detail); };
  auto job = [&](int i) -> Status {
    PartRequest part;
    part.offset = offset_of(i);
    part.length = bytes_of(i);
    // Straight into the destination: memory directly; a file through a small staging
    // buffer of this worker's, reused while warm, so that the file gets a few large
    // pwrites instead of one per received chunk and nothing part-sized is allocated.
    // A retry delivers the part again from its start: the staging restarts there.
    thread_local std::vector<char> stage;
    std::uint64_t stage_at = part.offset;
    std::size_t staged = 0;
    const bool direct = dest.direct();
    if (!direct && stage.size() < kDownloadStage) stage.resize(kDownloadStage);
    const auto flush = [&]() -> Status {
      if (staged == 0) return Status::Ok();
      Status w = dest.Write(stage_at, std::string_view(stage.data(), staged));
      stage_at += staged;
      staged = 0;
      return w.ok() ? w : w.WithContext("GetObject", resource);
    };
    auto r = GetPinnedRange(
        client, object, part,
        [&](std::uint64_t offset, const char* data, std::size_t n) -> Status {
          if (direct) {
            Status w = dest.Write(offset, std::string_view(data, n));
            return w.ok() ? w : w.WithContext("GetObject", resource);
          }
          if (offset != stage_at + staged) {  // a retry from the part's start
            stage_at = offset;
            staged = 0;
          }
          while (n > 0) {
            const std::size_t k = std::min(n, stage.size() - staged);
            std::memcpy(stage.data() + staged, data, k);
            staged += k;
            data += k;
            n -= k;
            if (staged == stage.size()) S3ML_RETURN_IF_ERROR(flush());
          }
          return Status::Ok();
        },
        changed, verifier.get());
    if (r.ok()) {
      Status f = flush();
      if (!f.ok()) return f;
    }
    requests.fetch_add(r.ok() ? r->attempts : std::max(1, r.status().attempts()));
    if (!r.ok()) return r.status();
    progress.Add(part.length);
    return Status::Ok();
  };
  Status run = RunParts(count, WorkersFor(o, budget_bytes, part_size), budget, bytes_of, job, o.cancel, "GetObject",
                        resource);
  out.requests += requests.load();
  if (!run.ok()) return run;
  S3ML_RETURN_IF_ERROR(settle());
  return out;
}

}  // namespace

Result<TransferDownloadResult> TransferManager::DownloadToBuffer(const std::string& bucket,
                                                                 const std::string& key) const {
  BufferDestination dest;
  auto r = Download(client_, options_, bucket, key, dest);
  if (!r.ok()) return r;
  r->body = std::move(dest.out);
  return r;
}

Result<TransferDownloadResult> TransferManager::DownloadFile(const std::string& bucket, const std::string& key,
                                                             const std::string& path) const {
  const std::string resource = ops::ResourceName(bucket, key);
  if (path.empty()) return Status::InvalidArgument("no destination path given").WithContext("GetObject", resource);
  FileDestination dest(path);  // removes its temporary unless committed
  auto r = Download(client_, options_, bucket, key, dest);
  if (!r.ok()) return r;
  Status c = dest.Commit();
  if (!c.ok()) return c.WithContext("GetObject", resource);
  return r;
}

}  // namespace s3ml

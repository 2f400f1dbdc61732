// Lifecycle configuration, lifecycle enforcement on the mock clock, archive
// storage classes and RestoreObject. The rule logic lives in mock/lifecycle.cc;
// this file wires it to HTTP and to the store.

#include "mock/lifecycle.h"
#include "mock/server_impl.h"

namespace s3ml::mock {

namespace {

// S3 reports the bucket's default minimum object size for transitions (since 2024).
constexpr const char* kTransitionMinSizeHeader = "x-amz-transition-default-minimum-object-size";
constexpr const char* kTransitionMinSizeDefault = "all_storage_classes_128K";

S3Error NoSuchLifecycleConfiguration(const std::string& bucket) {
  return S3Error(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
      .With("BucketName", bucket);
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::shared_ptr<const LifecycleConfiguration> MockS3Server::Impl::LifecycleOf(const std::string& bucket) {
  std::lock_guard<std::mutex> lock(lifecycle_mu);
  auto it = lifecycle_configs.find(bucket);
  return it == lifecycle_configs.end() ? nullptr : it->second;
}

void MockS3Server::Impl::ForgetLifecycle(const std::string& bucket) {
  std::lock_guard<std::mutex> lock(lifecycle_mu);
  lifecycle_configs.erase(bucket);
}

Expected<Reply> MockS3Server::Impl::GetBucketLifecycleConfiguration(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  auto config = LifecycleOf(c.r.bucket);
  if (!config) return NoSuchLifecycleConfiguration(c.r.bucket);
  Reply reply;
  reply.Header(kTransitionMinSizeHeader, kTransitionMinSizeDefault);
  reply.Xml(LifecycleXml(*config));
  return reply;
}

Expected<Reply> MockS3Server::Impl::PutBucketLifecycleConfiguration(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  if (auto err = RequireIntegrityHeader(c, "Content-MD5")) return *err;
  std::string min_size = c.headers.Get(kTransitionMinSizeHeader, kTransitionMinSizeDefault);
  if (min_size != "all_storage_classes_128K" && min_size != "varies_by_storage_class")
    return InvalidArgument("Invalid value for " + std::string(kTransitionMinSizeHeader), kTransitionMinSizeHeader,
                           min_size);
  auto parsed = ParseLifecycleXml(c.payload);
  if (!parsed.ok()) return parsed.error();
  {
    std::lock_guard<std::mutex> lock(lifecycle_mu);
    lifecycle_configs[c.r.bucket] = std::make_shared<const LifecycleConfiguration>(std::move(*parsed));
  }
  Reply reply;
  reply.Header(kTransitionMinSizeHeader, min_size);
  return reply;
}

Expected<Reply> MockS3Server::Impl::DeleteBucketLifecycleConfiguration(Call& c) {
  auto b = store.GetBucket(c.r.bucket);
  if (!b.ok()) return b.error();
  ForgetLifecycle(c.r.bucket);  // deleting a missing configuration succeeds, as in S3
  Reply reply;
  reply.status = 204;
  return reply;
}

Expected<Reply> MockS3Server::Impl::RestoreObject(Call& c) {
  auto version = VersionParam(c.r);
  if (!version.ok()) return version.error();
  auto body = ParseRestoreRequestXml(c.payload);
  if (!body.ok()) return body.error();
  // Compare-and-swap on the record: retry if a concurrent request replaced it.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto found = store.GetVersion(c.r.bucket, c.r.key, *version);
    if (!found.ok()) return WithMethod(found.error(), c.method);
    const ObjectPtr obj = found->version.object;
    if (!IsArchiveStorageClass(obj->storage_class))
      return S3Error(403, "InvalidObjectState", "Restore is not allowed for the object's current storage class")
          .With("StorageClass", obj->storage_class);
    if (obj->storage_class == "DEEP_ARCHIVE" && body->tier == "Expedited")
      return InvalidArgument("Expedited retrieval is not supported for the DEEP_ARCHIVE storage class", "Tier",
                             body->tier);
    auto copy = std::make_shared<ObjectRecord>(*obj);
    Reply reply;
    if (obj->restore_ready && c.now < *obj->restore_ready)
      return S3Error(409, "RestoreAlreadyInProgress", "Object restore is already in progress");
    if (obj->restore_ready && obj->restore_expiry && c.now < *obj->restore_expiry) {
      // Already restored: S3 extends the restored copy's lifetime and answers 200.
      copy->restore_expiry = MidnightAfter(c.now, body->days);
      reply.status = 200;
    } else {
      copy->restore_ready = WholeSeconds(c.now) + RestoreDelay(obj->storage_class, body->tier);
      copy->restore_expiry = MidnightAfter(*copy->restore_ready, body->days);
      reply.status = 202;
    }
    if (!store.ReplaceRecordIf(c.r.bucket, c.r.key, found->version.version_id, obj.get(), std::move(copy))) continue;
    if (found->versioned_bucket || !version->empty()) reply.Header("x-amz-version-id", found->version.version_id);
    return reply;
  }
  return S3Error(503, "SlowDown", "The object changed repeatedly during RestoreObject; please retry.");
}

MaybeError ArchiveStateError(const ObjectRecord& obj, SystemTime now) {
  if (!IsArchiveStorageClass(obj.storage_class)) return std::nullopt;
  if (obj.restore_ready && now >= *obj.restore_ready && obj.restore_expiry && now < *obj.restore_expiry)
    return std::nullopt;
  return S3Error(403, "InvalidObjectState", "The operation is not valid for the object's storage class")
      .With("StorageClass", obj.storage_class);
}

MaybeError MockS3Server::Impl::ObjectLifecycleHeaders(const std::string& bucket, const std::string& key,
                                                      const ObjectRecord& obj, bool current, bool is_get,
                                                      SystemTime now, Reply& reply) {
  if (current) {
    if (auto config = LifecycleOf(bucket)) {
      LifecycleSubject subject{key, obj.size(), &obj.tags, false};
      if (auto exp = ExpirationFor(*config, subject, obj.last_modified))
        reply.Header("x-amz-expiration",
                     "expiry-date=" + Quoted(FormatHttpDate(exp->expiry_date)) + ", rule-id=" + Quoted(exp->rule_id));
    }
  }
  if (obj.restore_ready && IsArchiveStorageClass(obj.storage_class)) {
    if (now < *obj.restore_ready) {
      reply.Header("x-amz-restore", "ongoing-request=\"true\"");
    } else if (obj.restore_expiry && now < *obj.restore_expiry) {
      reply.Header("x-amz-restore",
                   "ongoing-request=\"false\", expiry-date=" + Quoted(FormatHttpDate(*obj.restore_expiry)));
    }
  }
  if (is_get) return ArchiveStateError(obj, now);
  return std::nullopt;
}

void MockS3Server::Impl::RunLifecycle(SystemTime now) {
  for (const auto& bucket : store.ListBuckets()) {
    auto config = LifecycleOf(bucket.name);
    if (!config) continue;
    auto snap = store.SnapshotForLifecycle(bucket.name);
    if (!snap.ok()) continue;  // deleted meanwhile
    BucketSnapshot in;
    in.versioned = snap->versioned;
    for (const auto& [key, versions] : snap->keys) {
      SnapshotKey k;
      k.key = key;
      for (const auto& v : versions) {
        SnapshotVersion sv;
        sv.version_id = v.version_id;
        sv.delete_marker = v.delete_marker();
        sv.last_modified = v.last_modified;
        sv.identity = v.object.get();
        if (v.object) {
          sv.size = v.object->size();
          sv.tags = v.object->tags;
          sv.storage_class = v.object->storage_class;
        }
        k.versions.push_back(std::move(sv));
      }
      in.keys.push_back(std::move(k));
    }
    for (const auto& u : snap->uploads) in.uploads.push_back(SnapshotUpload{u.key, u.upload_id, u.initiated});

    for (const auto& a : EvaluateLifecycle(*config, in, now)) {
      const auto* record = static_cast<const ObjectRecord*>(a.identity);
      switch (a.kind) {
        case LifecycleAction::Kind::kExpireCurrent:
          store.ExpireCurrentIf(bucket.name, a.key, record, now);
          break;
        case LifecycleAction::Kind::kDeleteVersion:
          store.RemoveVersionIf(bucket.name, a.key, a.version_id, record);
          break;
        case LifecycleAction::Kind::kTransition: {
          if (!record) break;
          auto copy = std::make_shared<ObjectRecord>(*record);
          copy->storage_class = a.storage_class;
          copy->restore_ready.reset();
          copy->restore_expiry.reset();
          store.ReplaceRecordIf(bucket.name, a.key, a.version_id, record, std::move(copy));
          break;
        }
        case LifecycleAction::Kind::kAbortUpload:
          (void)store.AbortUpload(bucket.name, a.key, a.upload_id);
          break;
      }
    }
  }
}

}  // namespace s3ml::mock

// Store operations for lifecycle enforcement (see the *If methods in store.h):
// each re-checks, under the store's lock, that the version still holds the record
// the lifecycle decision was taken on.

#include <algorithm>

#include "mock/store.h"

namespace s3ml::mock {

Expected<Store::LifecycleSnapshot> Store::SnapshotForLifecycle(const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return S3Error(404, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket);
  LifecycleSnapshot out;
  out.versioned = b->second.info.versioning != VersioningState::kUnversioned;
  out.keys.reserve(b->second.objects.size());
  for (const auto& [key, versions] : b->second.objects) out.keys.emplace_back(key, versions);
  for (const auto& [id, upload] : b->second.uploads) {
    UploadSummary s;
    s.key = upload.key;
    s.upload_id = upload.upload_id;
    s.initiated = upload.initiated;
    if (upload.attributes) s.storage_class = upload.attributes->storage_class;
    out.uploads.push_back(std::move(s));
  }
  return out;
}

bool Store::ExpireCurrentIf(const std::string& bucket, const std::string& key, const ObjectRecord* expected,
                            SystemTime now) {
  std::vector<ObjectVersion> removed;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return false;
  auto it = b->second.objects.find(key);
  if (it == b->second.objects.end() || it->second.empty() || it->second.front().object.get() != expected ||
      expected == nullptr)
    return false;
  auto& versions = it->second;
  const VersioningState state = b->second.info.versioning;
  NoteChangeLocked(bucket, key, /*deleted=*/true);
  if (state == VersioningState::kUnversioned) {
    removed = std::move(versions);
    b->second.objects.erase(it);
    return true;
  }
  AddDeleteMarkerLocked(versions, state, now, removed);
  return true;
}

bool Store::RemoveVersionIf(const std::string& bucket, const std::string& key, const std::string& version_id,
                            const ObjectRecord* expected) {
  ObjectVersion removed;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return false;
  auto it = b->second.objects.find(key);
  if (it == b->second.objects.end()) return false;
  auto& versions = it->second;
  auto v = std::find_if(versions.begin(), versions.end(),
                        [&](const ObjectVersion& x) { return x.version_id == version_id; });
  if (v == versions.end() || v->object.get() != expected) return false;
  removed = std::move(*v);
  versions.erase(v);
  if (versions.empty()) b->second.objects.erase(it);
  NoteChangeLocked(bucket, key, /*deleted=*/true);
  return true;
}

bool Store::ReplaceRecordIf(const std::string& bucket, const std::string& key, const std::string& version_id,
                            const ObjectRecord* expected, ObjectPtr replacement) {
  ObjectPtr old;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return false;
  auto it = b->second.objects.find(key);
  if (it == b->second.objects.end()) return false;
  auto v = std::find_if(it->second.begin(), it->second.end(),
                        [&](const ObjectVersion& x) { return x.version_id == version_id; });
  if (v == it->second.end() || v->object.get() != expected || expected == nullptr) return false;
  old = std::move(v->object);
  v->object = std::move(replacement);
  return true;
}

}  // namespace s3ml::mock

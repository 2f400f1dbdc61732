#include "mock/store.h"

#include <algorithm>
#include <cctype>
#include <random>

namespace s3ml::mock {

std::string StripEtag(std::string s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t");
  s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  if (s.rfind("W/", 0) == 0) s = s.substr(2);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool EtagListMatches(const std::string& list, const std::string& etag) {
  const std::string stored = StripEtag(etag);
  std::size_t start = 0;
  while (true) {
    auto comma = list.find(',', start);
    std::string item = StripEtag(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item == "*" || item == stored) return true;
    if (comma == std::string::npos) return false;
    start = comma + 1;
  }
}

namespace {

S3Error NoSuchVersion(const std::string& key, const std::string& version_id) {
  return S3Error(404, "NoSuchVersion", "The specified version does not exist.")
      .With("Key", key)
      .With("VersionId", version_id);
}

S3Error InvalidVersionId(const std::string& version_id) {
  return InvalidArgument("Invalid version id specified", "versionId", version_id);
}

// GET of a key whose latest version is a delete marker: 404 that says so.
S3Error DeletedKey(const std::string& key, const ObjectVersion& marker, bool versioned) {
  S3Error e = NoSuchKey(key);
  e.WithHeader("x-amz-delete-marker", "true");
  if (versioned) e.WithHeader("x-amz-version-id", marker.version_id);
  return e;
}

bool IsLive(const std::vector<ObjectVersion>& versions) { return !versions.empty() && !versions.front().delete_marker(); }

}  // namespace

const char* VersioningStatusName(VersioningState s) {
  switch (s) {
    case VersioningState::kEnabled:
      return "Enabled";
    case VersioningState::kSuspended:
      return "Suspended";
    case VersioningState::kUnversioned:
      break;
  }
  return "";
}

bool IsWellFormedVersionId(const std::string& id) {
  if (id == "null") return true;
  if (id.size() != 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
  });
}

std::string Store::NewVersionIdLocked() {
  // splitmix64 over a random seed: unique, unpredictable-looking ids like S3's
  // (which are opaque), cheap enough to make under the lock.
  if (rng_state_ == 0) {
    std::random_device rd;
    rng_state_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ 0x5DEECE66Dull;
  }
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
  std::string id;
  id.reserve(32);
  while (id.size() < 32) {
    std::uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    for (int i = 0; i < 10 && id.size() < 32; ++i, z >>= 6) id.push_back(kAlphabet[z & 63]);
  }
  return id;
}

Expected<std::size_t> Store::FindVersionLocked(const std::vector<ObjectVersion>& versions, const std::string& key,
                                               const std::string& version_id) {
  for (std::size_t i = 0; i < versions.size(); ++i)
    if (versions[i].version_id == version_id) return i;
  return NoSuchVersion(key, version_id);
}

std::string BucketNameProblem(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return "bucket names must be between 3 and 63 characters long";
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
          c == '-'))
      return "bucket names may contain only lower-case letters, digits, dots and hyphens";
  }
  auto alnum = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
  if (!alnum(name.front()) || !alnum(name.back())) return "bucket names must begin and end with a letter or digit";
  if (name.find("..") != std::string::npos) return "bucket names must not contain two adjacent periods";
  if (name.find(".-") != std::string::npos || name.find("-.") != std::string::npos)
    return "bucket names must not contain a period next to a hyphen";
  if (name.rfind("xn--", 0) == 0) return "bucket names must not start with the prefix xn--";
  if (name.size() >= 8 && name.compare(name.size() - 8, 8, "-s3alias") == 0)
    return "bucket names must not end with the suffix -s3alias";
  // Formatted like an IPv4 address?
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) digits_and_dots = false;
  }
  if (digits_and_dots && dots == 3) return "bucket names must not be formatted as an IP address";
  return {};
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last != 0xFF) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;  // "": no successor, i.e. the end
}

MaybeError Store::CreateBucket(const std::string& name, const std::string& region, SystemTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(name);
  if (!inserted) {
    return S3Error(409, "BucketAlreadyOwnedByYou",
                   "Your previous request to create the named bucket succeeded and you already own it.")
        .With("BucketName", name);
  }
  it->second.info.name = name;
  it->second.info.created = now;
  it->second.info.region = region;
  return std::nullopt;
}

MaybeError Store::DeleteBucket(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket(name);
  if (!it->second.objects.empty()) {
    return S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", name);
  }
  buckets_.erase(it);
  return std::nullopt;
}

Expected<BucketInfo> Store::GetBucket(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket(name);
  return it->second.info;
}

std::vector<BucketInfo> Store::ListBuckets() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BucketInfo> out;
  out.reserve(buckets_.size());
  for (const auto& [name, b] : buckets_) out.push_back(b.info);
  return out;
}

MaybeError Store::SetVersioning(const std::string& bucket, VersioningState state) {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  b->second.info.versioning = state;
  return std::nullopt;
}

MaybeError Store::UpdateBucketSettings(const std::string& bucket,
                                       const std::function<MaybeError(BucketSettings&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  BucketSettings updated = b->second.info.settings;  // all or nothing: `change` may fail halfway
  if (auto err = change(updated)) return err;
  b->second.info.settings = std::move(updated);
  return std::nullopt;
}

MaybeError Store::PutObject(const std::string& bucket, const std::string& key, ObjectPtr object,
                            const PutCondition& cond, std::string* version_id) {
  std::vector<ObjectVersion> replaced;  // released after the lock: old bodies may be large
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  return PutObjectLocked(b->second, key, std::move(object), cond, version_id, replaced);
}

MaybeError Store::PutObjectLocked(Bucket& bucket, const std::string& key, ObjectPtr object, const PutCondition& cond,
                                  std::string* version_id, std::vector<ObjectVersion>& replaced) {
  auto& objects = bucket.objects;
  auto it = objects.find(key);
  if (auto err = CheckPutLocked(bucket.info.name, key, it == objects.end() ? nullptr : &it->second, cond)) return err;
  NoteChangeLocked(bucket.info.name, key, /*deleted=*/false);
  if (it == objects.end()) it = objects.emplace(key, std::vector<ObjectVersion>{}).first;
  auto& versions = it->second;
  const VersioningState state = bucket.info.versioning;
  ObjectVersion v{"null", std::move(object), {}};
  v.last_modified = v.object->last_modified;
  if (state == VersioningState::kEnabled) {
    v.version_id = NewVersionIdLocked();
  } else if (state == VersioningState::kSuspended) {
    auto null_it = std::find_if(versions.begin(), versions.end(),
                                [](const ObjectVersion& x) { return x.version_id == "null"; });
    if (null_it != versions.end()) {
      replaced.push_back(std::move(*null_it));
      versions.erase(null_it);
    }
  } else {
    replaced = std::move(versions);
    versions.clear();
  }
  if (version_id) *version_id = state == VersioningState::kUnversioned ? std::string() : v.version_id;
  versions.insert(versions.begin(), std::move(v));
  return std::nullopt;
}

Expected<ObjectPtr> Store::GetObject(const std::string& bucket, const std::string& key) const {
  auto v = GetVersion(bucket, key, "");
  if (!v.ok()) return v.error();
  return v->version.object;
}

Expected<VersionRef> Store::GetVersion(const std::string& bucket, const std::string& key,
                                       const std::string& version_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  const bool versioned = b->second.info.versioning != VersioningState::kUnversioned;
  if (!version_id.empty() && !IsWellFormedVersionId(version_id)) return InvalidVersionId(version_id);
  auto it = b->second.objects.find(key);
  if (version_id.empty()) {
    if (it == b->second.objects.end()) return NoSuchKey(key);
    const ObjectVersion& latest = it->second.front();
    if (latest.delete_marker()) return DeletedKey(key, latest, versioned);
    return VersionRef{latest, versioned};
  }
  if (it == b->second.objects.end()) return NoSuchVersion(key, version_id);
  auto idx = FindVersionLocked(it->second, key, version_id);
  if (!idx.ok()) return idx.error();
  const ObjectVersion& v = it->second[*idx];
  if (v.delete_marker()) {
    return S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        .With("ResourceType", "DeleteMarker")
        .WithHeader("x-amz-delete-marker", "true")
        .WithHeader("x-amz-version-id", v.version_id)
        .WithHeader("Allow", "DELETE");
  }
  return VersionRef{v, versioned};
}

MaybeError Store::DeleteObject(const std::string& bucket, const std::string& key) {
  auto r = DeleteVersion(bucket, key, "", SystemClock().Now());
  if (!r.ok()) return r.error();
  return std::nullopt;
}

Expected<DeleteOutcome> Store::DeleteVersion(const std::string& bucket, const std::string& key,
                                             const std::string& version_id, SystemTime now,
                                             const DeleteCondition& cond) {
  std::vector<ObjectVersion> removed;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  if (!version_id.empty() && !IsWellFormedVersionId(version_id)) return InvalidVersionId(version_id);
  auto& objects = b->second.objects;
  const VersioningState state = b->second.info.versioning;
  auto it = objects.find(key);
  if (auto err = CheckDeleteLocked(bucket, key, it == objects.end() ? nullptr : &it->second, cond)) return *err;
  DeleteOutcome out;
  if (!version_id.empty()) {
    // Permanent removal of one version; deleting the latest marker "restores" the previous one.
    out.version_id = version_id;
    if (it != objects.end()) {
      auto idx = FindVersionLocked(it->second, key, version_id);
      if (idx.ok()) {
        out.delete_marker = it->second[*idx].delete_marker();
        removed.push_back(std::move(it->second[*idx]));
        it->second.erase(it->second.begin() + static_cast<std::ptrdiff_t>(*idx));
        if (it->second.empty()) objects.erase(it);
        NoteChangeLocked(bucket, key, /*deleted=*/true);
      }
    }
    return out;
  }
  if (state == VersioningState::kUnversioned) {
    if (it != objects.end()) {
      removed = std::move(it->second);
      objects.erase(it);
      NoteChangeLocked(bucket, key, /*deleted=*/true);
    }
    return out;
  }
  if (it == objects.end()) it = objects.emplace(key, std::vector<ObjectVersion>{}).first;
  NoteChangeLocked(bucket, key, /*deleted=*/true);
  out.version_id = AddDeleteMarkerLocked(it->second, state, now, removed);
  out.delete_marker = true;
  return out;
}

std::string Store::AddDeleteMarkerLocked(std::vector<ObjectVersion>& versions, VersioningState state, SystemTime now,
                                         std::vector<ObjectVersion>& removed) {
  ObjectVersion marker{"null", nullptr, std::chrono::time_point_cast<std::chrono::seconds>(now)};
  if (state == VersioningState::kEnabled) {
    marker.version_id = NewVersionIdLocked();
  } else {  // suspended: the marker takes the "null" version's place
    auto null_it = std::find_if(versions.begin(), versions.end(),
                                [](const ObjectVersion& x) { return x.version_id == "null"; });
    if (null_it != versions.end()) {
      removed.push_back(std::move(*null_it));
      versions.erase(null_it);
    }
  }
  std::string id = marker.version_id;
  versions.insert(versions.begin(), std::move(marker));
  return id;
}

Expected<VersionRef> Store::SetTags(const std::string& bucket, const std::string& key, const std::string& version_id,
                                    std::map<std::string, std::string> tags) {
  return ModifyVersion(bucket, key, version_id, [&](ObjectRecord& obj) { obj.tags = std::move(tags); });
}

Expected<VersionRef> Store::ModifyVersion(const std::string& bucket, const std::string& key,
                                          const std::string& version_id, const std::function<void(ObjectRecord&)>& change) {
  ObjectPtr old;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  const bool versioned = b->second.info.versioning != VersioningState::kUnversioned;
  if (!version_id.empty() && !IsWellFormedVersionId(version_id)) return InvalidVersionId(version_id);
  auto it = b->second.objects.find(key);
  if (it == b->second.objects.end()) return version_id.empty() ? NoSuchKey(key) : NoSuchVersion(key, version_id);
  std::size_t idx = 0;
  if (!version_id.empty()) {
    auto found = FindVersionLocked(it->second, key, version_id);
    if (!found.ok()) return found.error();
    idx = *found;
  }
  ObjectVersion& v = it->second[idx];
  if (v.delete_marker()) {
    if (version_id.empty()) return DeletedKey(key, v, versioned);
    return S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        .With("ResourceType", "DeleteMarker")
        .WithHeader("x-amz-delete-marker", "true")
        .WithHeader("x-amz-version-id", v.version_id)
        .WithHeader("Allow", "DELETE");
  }
  // Records are immutable and shared with readers: swap in a changed copy (the body stays shared).
  auto copy = std::make_shared<ObjectRecord>(*v.object);
  change(*copy);
  old = std::move(v.object);
  v.object = std::move(copy);
  return VersionRef{v, versioned};
}

Expected<ListPage> Store::List(const std::string& bucket, const ListQuery& q) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  const auto& objects = b->second.objects;
  ListPage page;
  if (q.max_keys <= 0) return page;  // S3 answers max-keys=0 with an empty, untruncated page

  // Resume point: the first key after `after` that can match the prefix.
  auto it = objects.lower_bound(q.prefix);
  if (!q.after.empty() && q.after >= q.prefix) {
    it = objects.upper_bound(q.after);
    // A marker that is a common prefix (ends with the delimiter past the prefix)
    // means every key under it was already rolled up: skip them all.
    if (!q.delimiter.empty() && q.after.size() > q.prefix.size() && q.after.compare(0, q.prefix.size(), q.prefix) == 0) {
      auto pos = q.after.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos && pos + q.delimiter.size() == q.after.size()) {
        std::string succ = PrefixSuccessor(q.after);
        it = succ.empty() ? objects.end() : objects.lower_bound(succ);
      }
    }
  }

  int emitted = 0;
  for (; it != objects.end();) {
    const std::string& key = it->first;
    if (key.compare(0, q.prefix.size(), q.prefix) != 0) break;  // sorted: past the prefix range
    if (!IsLive(it->second)) {  // deleted (latest is a marker): not listed, not rolled up
      ++it;
      continue;
    }
    if (emitted >= q.max_keys) {
      page.truncated = true;
      break;
    }
    if (!q.delimiter.empty()) {
      auto pos = key.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos) {
        std::string cp = key.substr(0, pos + q.delimiter.size());
        page.common_prefixes.push_back(cp);
        page.last = cp;
        ++emitted;
        std::string succ = PrefixSuccessor(cp);
        it = succ.empty() ? objects.end() : objects.lower_bound(succ);
        continue;
      }
    }
    page.contents.push_back(ListEntry{key, it->second.front().object});
    page.last = key;
    ++emitted;
    ++it;
  }
  return page;
}

}  // namespace s3ml::mock

namespace s3ml::mock {

Expected<VersionPage> Store::ListVersions(const std::string& bucket, const VersionQuery& q) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  const auto& objects = b->second.objects;
  VersionPage page;
  if (q.max_keys <= 0) return page;

  auto it = objects.lower_bound(q.prefix);
  std::size_t first_version = 0;  // index into the first key's versions to resume at
  if (!q.key_marker.empty() && q.key_marker >= q.prefix) {
    it = objects.upper_bound(q.key_marker);
    if (!q.version_id_marker.empty()) {
      // Resume inside key-marker's versions, after version-id-marker (newest first).
      auto at = objects.find(q.key_marker);
      if (at != objects.end()) {
        auto idx = FindVersionLocked(at->second, q.key_marker, q.version_id_marker);
        if (idx.ok() && *idx + 1 < at->second.size()) {
          it = at;
          first_version = *idx + 1;
        }
      }
    } else if (!q.delimiter.empty() && q.key_marker.size() > q.prefix.size() &&
               q.key_marker.compare(0, q.prefix.size(), q.prefix) == 0) {
      // A marker that is a common prefix: everything under it was rolled up already.
      auto pos = q.key_marker.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos && pos + q.delimiter.size() == q.key_marker.size()) {
        std::string succ = PrefixSuccessor(q.key_marker);
        it = succ.empty() ? objects.end() : objects.lower_bound(succ);
      }
    }
  }

  int emitted = 0;
  while (it != objects.end()) {
    const std::string& key = it->first;
    if (key.compare(0, q.prefix.size(), q.prefix) != 0) break;
    if (!q.delimiter.empty() && first_version == 0) {
      auto pos = key.find(q.delimiter, q.prefix.size());
      if (pos != std::string::npos) {
        if (emitted >= q.max_keys) {
          page.truncated = true;
          break;
        }
        std::string cp = key.substr(0, pos + q.delimiter.size());
        page.common_prefixes.push_back(cp);
        page.next_key_marker = cp;
        page.next_version_id_marker.clear();
        ++emitted;
        std::string succ = PrefixSuccessor(cp);
        it = succ.empty() ? objects.end() : objects.lower_bound(succ);
        continue;
      }
    }
    const auto& versions = it->second;
    for (std::size_t i = first_version; i < versions.size(); ++i) {
      if (emitted >= q.max_keys) {
        page.truncated = true;
        return page;
      }
      page.versions.push_back(VersionListEntry{key, versions[i], i == 0});
      page.next_key_marker = key;
      page.next_version_id_marker = versions[i].version_id;
      ++emitted;
    }
    first_version = 0;
    ++it;
  }
  return page;
}

// ---- multipart uploads -------------------------------------------------------

Expected<std::string> Store::CreateUpload(const std::string& bucket, const std::string& key,
                                          std::shared_ptr<const ObjectRecord> attributes, SystemTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  // Two generated ids: 64 opaque characters, unique per store.
  std::string id = NewVersionIdLocked() + NewVersionIdLocked();
  UploadRecord u;
  u.key = key;
  u.upload_id = id;
  u.initiated = now;
  u.attributes = std::move(attributes);
  b->second.uploads.emplace(id, std::move(u));
  return id;
}

namespace {
template <class BucketMap>
auto FindUpload(BucketMap& buckets, const std::string& bucket, const std::string& key, const std::string& upload_id)
    -> Expected<decltype(&buckets.begin()->second.uploads.begin()->second)> {
  auto b = buckets.find(bucket);
  if (b == buckets.end()) return NoSuchBucket(bucket);
  auto u = b->second.uploads.find(upload_id);
  if (u == b->second.uploads.end() || u->second.key != key) return NoSuchUpload(upload_id);
  return &u->second;
}
}  // namespace

MaybeError Store::PutPart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                          PartRecord part) {
  PartRecord replaced;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto u = FindUpload(buckets_, bucket, key, upload_id);
  if (!u.ok()) return u.error();
  auto& slot = (*u)->parts[part.number];
  replaced = std::move(slot);
  slot = std::move(part);
  return std::nullopt;
}

Expected<UploadRecord> Store::GetUpload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto u = FindUpload(buckets_, bucket, key, upload_id);
  if (!u.ok()) return u.error();
  return **u;
}

MaybeError Store::AbortUpload(const std::string& bucket, const std::string& key, const std::string& upload_id) {
  UploadRecord removed;  // released after the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto u = FindUpload(buckets_, bucket, key, upload_id);
  if (!u.ok()) return u.error();
  auto& uploads = buckets_.find(bucket)->second.uploads;
  auto it = uploads.find(upload_id);
  removed = std::move(it->second);
  uploads.erase(it);
  return std::nullopt;
}

MaybeError Store::CompleteUpload(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                 ObjectPtr object, std::string* version_id, const PutCondition& cond) {
  std::vector<ObjectVersion> replaced;
  UploadRecord removed;
  std::lock_guard<std::mutex> lock(mu_);
  auto u = FindUpload(buckets_, bucket, key, upload_id);
  if (!u.ok()) return u.error();
  Bucket& b = buckets_.find(bucket)->second;
  auto it = b.uploads.find(upload_id);
  auto current = b.objects.find(key);
  auto failed = CheckPutLocked(bucket, key, current == b.objects.end() ? nullptr : &current->second, cond);
  if (failed && failed->http_status != 409) return failed;  // the upload stays: the client may complete it again
  removed = std::move(it->second);
  b.uploads.erase(it);
  if (failed) return failed;  // S3: on a 409, "re-initiate the multipart upload"
  auto meta = std::make_shared<ObjectRecord>(*object);
  meta->body.reset();  // remembering the answer must not keep the bytes alive
  std::string id;
  if (auto err = PutObjectLocked(b, key, std::move(object), PutCondition{}, &id, replaced)) return err;
  if (version_id) *version_id = id;
  b.completed[upload_id] = CompletedUpload{key, std::move(meta), id};
  b.completed_order.push_back(upload_id);
  if (b.completed_order.size() > kMaxCompletedUploadsPerBucket) {
    b.completed.erase(b.completed_order.front());
    b.completed_order.pop_front();
  }
  return std::nullopt;
}

Expected<CompletedUpload> Store::GetCompletedUpload(const std::string& bucket, const std::string& key,
                                                    const std::string& upload_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return NoSuchBucket(bucket);
  auto c = b->second.completed.find(upload_id);
  if (c == b->second.completed.end() || c->second.key != key) return NoSuchUpload(upload_id);
  return c->second;
}

Expected<UploadPage> Store::ListUploads(const std::string& bucket, const UploadQuery& q) const {
  std::vector<UploadSummary> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto b = buckets_.find(bucket);
    if (b == buckets_.end()) return NoSuchBucket(bucket);
    for (const auto& [id, u] : b->second.uploads) {
      if (u.key.compare(0, q.prefix.size(), q.prefix) != 0) continue;
      all.push_back(UploadSummary{u.key, id, u.initiated, u.attributes ? u.attributes->storage_class : "STANDARD"});
    }
  }
  std::sort(all.begin(), all.end(), [](const UploadSummary& a, const UploadSummary& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.initiated != b.initiated) return a.initiated < b.initiated;
    return a.upload_id < b.upload_id;
  });
  UploadPage page;
  int count = 0;
  // key-marker alone: uploads of keys after it; with upload-id-marker: also the
  // marker key's uploads that come after that upload.
  bool past_id_marker = q.upload_id_marker.empty();
  std::string last_prefix;
  for (const auto& u : all) {
    if (!q.key_marker.empty()) {
      if (u.key < q.key_marker) continue;
      // A marker that is a common prefix returned earlier: skip the keys it rolled up.
      if (!q.delimiter.empty() && q.key_marker.size() >= q.delimiter.size() &&
          q.key_marker.compare(q.key_marker.size() - q.delimiter.size(), q.delimiter.size(), q.delimiter) == 0 &&
          u.key.compare(0, q.key_marker.size(), q.key_marker) == 0)
        continue;
      if (u.key == q.key_marker) {
        if (q.upload_id_marker.empty()) continue;
        if (!past_id_marker) {
          if (u.upload_id == q.upload_id_marker) past_id_marker = true;
          continue;
        }
      }
    }
    std::string cp;
    if (!q.delimiter.empty()) {
      auto d = u.key.find(q.delimiter, q.prefix.size());
      if (d != std::string::npos) cp = u.key.substr(0, d + q.delimiter.size());
    }
    if (!cp.empty() && cp == last_prefix) continue;  // rolled into the prefix already returned
    if (count >= q.max_uploads) {
      page.truncated = true;
      break;
    }
    ++count;
    if (!cp.empty()) {
      last_prefix = cp;
      page.common_prefixes.push_back(cp);
      page.next_key_marker = cp;
      page.next_upload_id_marker.clear();
    } else {
      page.uploads.push_back(u);
      page.next_key_marker = u.key;
      page.next_upload_id_marker = u.upload_id;
    }
  }
  if (!page.truncated) {
    page.next_key_marker.clear();
    page.next_upload_id_marker.clear();
  }
  return page;
}

}  // namespace s3ml::mock

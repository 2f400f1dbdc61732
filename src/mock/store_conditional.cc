// Conditional writes and deletes: the store's side of If-Match / If-None-Match on
// PutObject, CopyObject, CompleteMultipartUpload, DeleteObject and DeleteObjects.
//
// A conditional request is evaluated when it commits (under the store's lock), so
// of two conditional writes the first to finish wins and the other fails its
// precondition (412), as in S3. What a commit-time check cannot see is a change
// that came and went while the request was in progress; S3 answers those with 409
// ConditionalRequestConflict. The mock opens a ConditionalWindow when it starts
// handling a conditional request; while any window is open, each committed write
// or delete records its (bucket, key) with a sequence number, and a request whose
// key changed after its window opened gets the 409:
//  - a write (PutObject, CopyObject, CompleteMultipartUpload) when the key was
//    deleted meanwhile ("if a delete request to an object succeeds before a
//    conditional write operation on that object completes");
//  - a delete when the key was written or deleted meanwhile ("if a DELETE or PUT
//    request for an object succeeds before a conditional delete operation on that
//    object completes").
// Without an open window nothing is recorded, so unconditional traffic pays only
// for the sequence counter.

#include "mock/store.h"

namespace s3ml::mock {

namespace {

S3Error ConditionalRequestConflict(const std::string& key) {
  return S3Error(409, "ConditionalRequestConflict",
                 "A conflicting conditional operation is currently in progress against this resource. Please try "
                 "again.")
      .With("Key", key);
}

}  // namespace

Store::ConditionalWindow::~ConditionalWindow() {
  if (store_) store_->CloseWindow(start_);
}

Store::ConditionalWindow Store::OpenConditionalWindow() {
  std::lock_guard<std::mutex> lock(mu_);
  open_windows_.insert(change_seq_);
  return ConditionalWindow(this, change_seq_);
}

void Store::CloseWindow(std::uint64_t start) {
  std::lock_guard<std::mutex> lock(mu_);
  open_windows_.erase(open_windows_.find(start));
  if (open_windows_.empty()) {
    recent_changes_.clear();
    return;
  }
  // Changes at or before the oldest open window's start can no longer conflict.
  const std::uint64_t oldest = *open_windows_.begin();
  for (auto it = recent_changes_.begin(); it != recent_changes_.end();) {
    if (std::max(it->second.written, it->second.deleted) <= oldest)
      it = recent_changes_.erase(it);
    else
      ++it;
  }
}

void Store::NoteChangeLocked(const std::string& bucket, const std::string& key, bool deleted) {
  ++change_seq_;
  if (open_windows_.empty()) return;
  KeyChanges& k = recent_changes_[{bucket, key}];
  (deleted ? k.deleted : k.written) = change_seq_;
}

Store::KeyChanges Store::ChangesSinceLocked(const std::string& bucket, const std::string& key,
                                            std::uint64_t since) const {
  KeyChanges out;
  auto it = recent_changes_.find({bucket, key});
  if (it == recent_changes_.end()) return out;
  if (it->second.written > since) out.written = it->second.written;
  if (it->second.deleted > since) out.deleted = it->second.deleted;
  return out;
}

MaybeError Store::CheckPutLocked(const std::string& bucket, const std::string& key,
                                 const std::vector<ObjectVersion>* versions, const PutCondition& cond) const {
  if (cond.since && ChangesSinceLocked(bucket, key, *cond.since).deleted != 0) return ConditionalRequestConflict(key);
  const bool exists = versions && !versions->empty() && !versions->front().delete_marker();
  if (cond.if_none_match_star && exists) return PreconditionFailed("If-None-Match");
  if (cond.if_match) {
    if (!exists) return NoSuchKey(key);
    if (!EtagListMatches(*cond.if_match, versions->front().object->etag)) return PreconditionFailed("If-Match");
  }
  return std::nullopt;
}

MaybeError Store::CheckDeleteLocked(const std::string& bucket, const std::string& key,
                                    const std::vector<ObjectVersion>* versions, const DeleteCondition& cond) const {
  if (cond.since) {
    const KeyChanges changed = ChangesSinceLocked(bucket, key, *cond.since);
    if (changed.written != 0 || changed.deleted != 0) return ConditionalRequestConflict(key);
  }
  if (!cond.if_match) return std::nullopt;
  const bool exists = versions && !versions->empty() && !versions->front().delete_marker();
  if (!exists) return NoSuchKey(key);
  if (!EtagListMatches(*cond.if_match, versions->front().object->etag)) return PreconditionFailed("If-Match");
  return std::nullopt;
}

}  // namespace s3ml::mock

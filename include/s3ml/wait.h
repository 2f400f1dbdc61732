#pragma once
/// \file The one way s3ml waits on a condition variable while honouring a
/// CancellationToken; for callers' own worker pools too (the CLI's uses it).
///
/// Cancel() is a lock-free store with no notification (so a signal handler may call it),
/// hence waits look at the token every CancellationToken::kPollInterval. The look
/// happens with the lock released: a polled token (CancellationToken::Polled) may run
/// its caller's code there, e.g. take Python's GIL to check for Ctrl-C.

#include <condition_variable>
#include <mutex>

#include "s3ml/cancel.h"

namespace s3ml {

enum class OnCancel {
  kStop,      ///< return false as soon as the token is cancelled
  kKeepWaiting,  ///< only look (so a polled token can fire); wait for `ready` regardless
};

/// Waits until `ready()` (called with `lock` held). Returns true when ready, false
/// when the token was cancelled first and `on_cancel` is kStop.
template <class Pred>
bool WaitWatching(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, const CancellationToken& cancel,
                  Pred ready, OnCancel on_cancel = OnCancel::kStop) {
  while (!cv.wait_for(lock, CancellationToken::kPollInterval, ready)) {
    lock.unlock();
    const bool cancelled = cancel.cancelled();
    lock.lock();
    if (cancelled && on_cancel == OnCancel::kStop && !ready()) return false;
  }
  return true;
}

}  // namespace s3ml

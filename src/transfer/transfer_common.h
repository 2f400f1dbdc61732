#pragma once
// Private helpers shared by the two halves of the TransferManager: uploads
// (transfer_manager.cc) and downloads (transfer_download.cc). Not a public header.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "s3ml/transfer.h"
#include "s3ml/wait.h"
#include "transfer/byte_budget.h"

namespace s3ml {
namespace transfer_internal {

// Joins every thread on scope exit (also when an exception unwinds): never detached.
// While it waits for them, the joining thread looks at the transfer's token every poll
// interval, so a polled token (a Python caller's Ctrl-C) is seen by the thread that
// can see it; the workers' requests carry the same token and stop.
class ThreadGroup {
 public:
  explicit ThreadGroup(CancellationToken watch) : watch_(std::move(watch)) {}
  ~ThreadGroup() { JoinAll(); }
  template <class F>
  void Spawn(F f) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++running_;
    }
    threads_.emplace_back([this, f = std::move(f)]() mutable {
      f();
      {
        std::lock_guard<std::mutex> lock(mu_);
        --running_;
      }
      cv_.notify_all();
    });
  }
  void JoinAll() {
    {
      std::unique_lock<std::mutex> lock(mu_);
      WaitWatching(cv_, lock, watch_, [&] { return running_ == 0; }, OnCancel::kKeepWaiting);
    }
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

 private:
  CancellationToken watch_;
  std::mutex mu_;  // guards running_
  std::condition_variable cv_;
  int running_ = 0;
  std::vector<std::thread> threads_;
};

// The first error of a transfer; later errors are dropped. Stopping also wakes the budget.
class FirstError {
 public:
  explicit FirstError(ByteBudget& budget) : budget_(budget) {}
  void Set(Status st) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!first_.ok()) return;
      first_ = std::move(st);
      failed_.store(true);
    }
    budget_.Stop();
  }
  bool failed() const { return failed_.load(); }
  Status Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return first_;
  }

 private:
  ByteBudget& budget_;
  mutable std::mutex mu_;
  Status first_;
  std::atomic<bool> failed_{false};
};

Status Cancelled(const std::string& op, const std::string& resource);

// Runs job(i) for i in [0, count) on up to `threads` workers. Each job's bytes are
// reserved from `budget` before the job (and so its request) starts.
Status RunParts(int count, int threads, ByteBudget& budget, const std::function<std::uint64_t(int)>& bytes_of,
                const std::function<Status(int)>& job, const CancellationToken& cancel, const std::string& op,
                const std::string& resource);

Status ValidateOptions(const TransferOptions& o, const std::string& op, const std::string& resource);

// The budget for parts of `part_size` (which PlanParts may have raised above the
// configured size): the configured budget, or part_size * concurrency, never below one part.
std::uint64_t BudgetFor(const TransferOptions& o, std::uint64_t part_size);

// Workers that may run at once under the budget.
int WorkersFor(const TransferOptions& o, std::uint64_t budget, std::uint64_t part_size);

class Progress {
 public:
  Progress(const ProgressCallback& cb, std::uint64_t total) : cb_(cb), total_(total) {}
  void Add(std::uint64_t n) {
    std::uint64_t done = done_.fetch_add(n) + n;
    if (cb_) cb_(done, total_);
  }
  void SetTotal(std::uint64_t total) { total_ = total; }

 private:
  const ProgressCallback& cb_;
  std::atomic<std::uint64_t> done_{0};
  std::uint64_t total_;
};

}  // namespace transfer_internal
}  // namespace s3ml

#pragma once
// Runs independent tasks (whole objects of a recursive copy) on a fixed number of
// worker threads, fed by a producer (a listing, a directory walk) through a bounded
// queue: the producer waits while `2 × threads` tasks are queued, so a listing of
// millions of keys never runs ahead of the transfers by more than that.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "s3ml/cancel.h"

namespace s3ml::cli {

/// Thread safety: Submit and Finish from one producer thread.
class TaskRunner {
 public:
  /// `threads` >= 1 workers, started on the first Submit. Once `cancel` fires, queued
  /// tasks are dropped (not run) and Submit refuses new ones.
  TaskRunner(int threads, CancellationToken cancel);
  /// Finishes (runs what is queued) and joins.
  ~TaskRunner();
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  /// Queues a task, waiting while the queue is full. False (the task is not run) when
  /// cancelled. Tasks must not throw.
  bool Submit(std::function<void()> task);
  /// Waits until every submitted task has run (or was dropped) and joins the workers.
  void Finish();

 private:
  void Work();
  const int threads_;
  const std::size_t capacity_;
  CancellationToken cancel_;
  std::mutex mu_;  // guards queue_, done_
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool done_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace s3ml::cli

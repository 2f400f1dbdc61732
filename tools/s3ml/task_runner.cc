#include "task_runner.h"

#include "s3ml/wait.h"

namespace s3ml::cli {

TaskRunner::TaskRunner(int threads, CancellationToken cancel)
    : threads_(threads < 1 ? 1 : threads),
      capacity_(2 * static_cast<std::size_t>(threads_)),
      cancel_(std::move(cancel)) {}

TaskRunner::~TaskRunner() { Finish(); }

bool TaskRunner::Submit(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mu_);
  if (workers_.empty() && !done_) {
    workers_.reserve(static_cast<std::size_t>(threads_));
    for (int i = 0; i < threads_; ++i) workers_.emplace_back([this] { Work(); });
  }
  if (done_) return false;
  if (!WaitWatching(cv_, lock, cancel_, [&] { return queue_.size() < capacity_; })) return false;
  if (cancel_.cancelled()) return false;
  queue_.push_back(std::move(task));
  cv_.notify_all();
  return true;
}

void TaskRunner::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
    if (queue_.empty()) return;  // done_ and drained
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();  // room in the queue
    lock.unlock();
    if (!cancel_.cancelled()) task();
    lock.lock();
  }
}

void TaskRunner::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

}  // namespace s3ml::cli

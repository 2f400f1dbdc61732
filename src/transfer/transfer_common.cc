// The shared helpers of transfer_common.h: cancellation status, the part runner and
// the checks and sizing of TransferOptions.

#include "transfer/transfer_common.h"

#include <algorithm>

namespace s3ml {
namespace transfer_internal {

constexpr int kMaxConcurrency = 64;

Status Cancelled(const std::string& op, const std::string& resource) {
  return Status::Cancelled("the transfer was cancelled").WithContext(op, resource);
}

Status RunParts(int count, int threads, ByteBudget& budget, const std::function<std::uint64_t(int)>& bytes_of,
                const std::function<Status(int)>& job, const CancellationToken& cancel, const std::string& op,
                const std::string& resource) {
  FirstError error(budget);
  std::atomic<int> next{0};
  auto worker = [&] {
    for (;;) {
      if (error.failed()) return;
      if (cancel.cancelled()) {
        error.Set(Cancelled(op, resource));
        return;
      }
      int i = next.fetch_add(1);
      if (i >= count) return;
      Reservation r(budget, bytes_of(i));
      if (!r.held()) return;  // stopping
      if (cancel.cancelled()) {
        error.Set(Cancelled(op, resource));
        return;
      }
      Status st = job(i);
      if (!st.ok()) {
        error.Set(std::move(st));
        return;
      }
    }
  };
  {
    ThreadGroup group(cancel);
    int n = std::min(threads, count);
    for (int t = 0; t < n; ++t) group.Spawn(worker);
  }
  return error.Get();
}

Status ValidateOptions(const TransferOptions& o, const std::string& op, const std::string& resource) {
  auto bad = [&](const std::string& what) { return Status::InvalidArgument(what).WithContext(op, resource); };
  if (o.concurrency < 1 || o.concurrency > kMaxConcurrency)
    return bad("TransferOptions::concurrency must be 1.." + std::to_string(kMaxConcurrency) + ", got " +
               std::to_string(o.concurrency));
  if (o.part_size < kMinPartSize || o.part_size > kMaxPartSize)
    return bad("TransferOptions::part_size must be 5 MiB..5 GiB, got " + std::to_string(o.part_size) + " bytes");
  if (o.memory_budget != 0 && o.memory_budget < o.part_size)
    return bad("TransferOptions::memory_budget (" + std::to_string(o.memory_budget) +
               " bytes) is smaller than one part (" + std::to_string(o.part_size) + " bytes)");
  return Status::Ok();
}

std::uint64_t BudgetFor(const TransferOptions& o, std::uint64_t part_size) {
  std::uint64_t b = o.memory_budget != 0 ? o.memory_budget : part_size * static_cast<std::uint64_t>(o.concurrency);
  return std::max(b, part_size);
}

int WorkersFor(const TransferOptions& o, std::uint64_t budget, std::uint64_t part_size) {
  std::uint64_t fit = part_size == 0 ? 1 : budget / part_size;
  return static_cast<int>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(fit, static_cast<std::uint64_t>(o.concurrency))));
}

}  // namespace transfer_internal
}  // namespace s3ml

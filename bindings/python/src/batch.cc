// get_objects: many GETs (whole objects or byte ranges) in flight at once from one call,
// with the GIL released for the whole batch -- what fsspec's cat(many paths) and
// cat_ranges run on, instead of a Python loop of one GET after another.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "py_common.h"
#include "s3ml/wait.h"

namespace s3ml::python {

namespace {

constexpr int kMaxBatchConcurrency = 256;

GetObjectRequest ParseItem(const py::handle& item, std::size_t index) {
  const std::string name = "requests[" + std::to_string(index) + "]";
  if (!py::isinstance<py::tuple>(item) && !py::isinstance<py::list>(item))
    throw py::type_error(name + ": expected a (bucket, key) or (bucket, key, range) tuple, got " + TypeName(item));
  auto seq = py::reinterpret_borrow<py::sequence>(item);
  if (seq.size() != 2 && seq.size() != 3)
    ThrowInvalid(name, "expected a (bucket, key) or (bucket, key, range) tuple of 2 or 3 items, got " +
                           std::to_string(seq.size()));
  GetObjectRequest req;
  py::object bucket = seq[0], key = seq[1];
  if (!py::isinstance<py::str>(bucket) || !py::isinstance<py::str>(key))
    throw py::type_error(name + ": bucket and key must be str");
  req.bucket = bucket.cast<std::string>();
  req.key = key.cast<std::string>();
  if (req.bucket.empty()) ThrowInvalid(name, "the bucket must not be empty");
  if (seq.size() == 3) {
    try {
      req.range = ParseRange(seq[2]);
    } catch (const StatusError& e) {
      ThrowInvalid(name, e.status().message());
    }
  }
  return req;
}

/// Runs every request on up to `concurrency` threads; the calling thread only waits
/// (looking at the client's token, so Ctrl-C cancels the requests in flight). Without
/// `keep_going`, no new request starts after the first failure.
std::vector<Result<GetObjectResult>> RunBatch(const Client& client, const std::vector<GetObjectRequest>& reqs,
                                              int concurrency, bool keep_going) {
  std::vector<Result<GetObjectResult>> out;
  out.reserve(reqs.size());
  for (std::size_t i = 0; i < reqs.size(); ++i)
    out.emplace_back(Status::Cancelled("GetObject s3://" + reqs[i].bucket + "/" + reqs[i].key +
                                       ": not started (the batch was cancelled or an earlier request failed)"));
  if (reqs.empty()) return out;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;  // guards running
  std::condition_variable cv;
  const int workers = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(concurrency), reqs.size()));
  int running = workers;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(workers));
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        if (!keep_going && failed.load()) break;
        if (client.cancellation().cancelled()) break;
        const std::size_t i = next.fetch_add(1);
        if (i >= reqs.size()) break;
        out[i] = client.GetObject(reqs[i]);
        if (!out[i].ok()) failed.store(true);
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        --running;
      }
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    WaitWatching(cv, lock, client.cancellation(), [&] { return running == 0; }, OnCancel::kKeepWaiting);
  }
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace

void RegisterBatch(ClientClass& cls) {
  cls.def(
      "get_objects",
      [](const PyClient& self, const py::iterable& requests, int concurrency, bool return_exceptions) {
        if (concurrency < 1 || concurrency > kMaxBatchConcurrency)
          ThrowInvalid("concurrency", "must be 1.." + std::to_string(kMaxBatchConcurrency) + ", got " +
                                          std::to_string(concurrency));
        std::vector<GetObjectRequest> reqs;
        for (const auto& item : requests) reqs.push_back(ParseItem(item, reqs.size()));
        Client c = self.Get();
        std::vector<Result<GetObjectResult>> results =
            NoGil([&] { return RunBatch(c, reqs, concurrency, return_exceptions); });
        // Without return_exceptions, the first real failure raises (a request that never
        // started because another failed is not that failure).
        if (!return_exceptions) {
          const Status* first = nullptr;
          for (auto& r : results) {
            if (r.ok()) continue;
            if (first == nullptr) first = &r.status();
            if (r.status().category() != ErrorCategory::kCancelled) Throw(r.status());
          }
          if (first != nullptr) Throw(*first);
        }
        py::list out;
        for (auto& r : results) {
          if (r.ok()) {
            out.append(py::cast(PyBuffer::Adopt(std::move(r->body))));
          } else {
            out.append(MakeException(r.status()));
          }
        }
        return out;
      },
      py::arg("requests"), py::kw_only(), py::arg("concurrency") = 16, py::arg("return_exceptions") = false,
      "GETs many objects or byte ranges concurrently (up to `concurrency` requests in flight,\n"
      "the GIL released for the whole batch) and returns their bodies as s3ml.Buffer, in the\n"
      "order of `requests`: (bucket, key) or (bucket, key, range) tuples, range as in\n"
      "get_object. A failure raises its exception (no new request starts after it), unless\n"
      "return_exceptions=True puts each failure's exception object in its place.");
}

}  // namespace s3ml::python

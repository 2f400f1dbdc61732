// client.select(): S3 Select records streamed to Python as they arrive.
#include <condition_variable>
#include <deque>
#include <thread>

#include "py_common.h"
#include "s3ml/select.h"

namespace s3ml::python {

namespace {

/// Runs SelectObjectContent on its own thread (started by the first next()) and hands
/// the record chunks over through a bounded queue, so Python sees records while the
/// response is still streaming. Closing (or dropping) the iterator cancels the request.
class SelectStream {
 public:
  SelectStream(Client client, SelectObjectContentRequest req) : client_(std::move(client)), req_(std::move(req)) {}
  ~SelectStream() { Close(); }
  SelectStream(const SelectStream&) = delete;
  SelectStream& operator=(const SelectStream&) = delete;

  py::bytes Next() {
    if (!thread_.joinable() && !finished_) Start();
    std::string chunk;
    bool have = false;
    {
      py::gil_scoped_release nogil;
      std::unique_lock<std::mutex> lock(st_->mu);
      st_->cv.wait(lock, [&] { return !st_->queue.empty() || st_->done; });
      if (!st_->queue.empty()) {
        chunk = std::move(st_->queue.front());
        st_->queue.pop_front();
        st_->queued_bytes -= chunk.size();
        have = true;
        st_->cv.notify_all();
      }
    }
    if (have) return py::bytes(chunk);
    Join();
    if (!st_->status.ok()) Throw(st_->status);
    throw py::stop_iteration();
  }

  void Close() {
    {
      std::lock_guard<std::mutex> lock(st_->mu);
      st_->cancel = true;
    }
    st_->cv.notify_all();
    Join();
  }

  py::dict Stats() const {
    std::lock_guard<std::mutex> lock(st_->mu);
    py::dict d;
    d["bytes_scanned"] = st_->stats.bytes_scanned;
    d["bytes_processed"] = st_->stats.bytes_processed;
    d["bytes_returned"] = st_->stats.bytes_returned;
    d["evaluated_locally"] = st_->stats.evaluated_locally;
    return d;
  }

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> queue;
    std::size_t queued_bytes = 0;
    bool done = false;
    bool cancel = false;
    Status status;
    SelectStats stats;
  };
  static constexpr std::size_t kMaxQueued = 8u << 20;

  void Start() {
    auto st = st_;
    Client client = client_;
    SelectObjectContentRequest req = req_;
    thread_ = std::thread([st, client, req] {
      SelectStats stats;
      Status s = client.SelectObjectContent(
          req,
          [&st](std::string_view records) -> Status {
            std::unique_lock<std::mutex> lock(st->mu);
            st->cv.wait(lock, [&] { return st->cancel || st->queued_bytes < kMaxQueued; });
            if (st->cancel) return Status(ErrorCategory::kCancelled, "select iterator closed");
            st->queue.emplace_back(records);
            st->queued_bytes += records.size();
            st->cv.notify_all();
            return Status::Ok();
          },
          &stats);
      std::lock_guard<std::mutex> lock(st->mu);
      if (!st->cancel) st->status = s;
      st->stats = stats;
      st->done = true;
      st->cv.notify_all();
    });
  }

  void Join() {
    if (thread_.joinable()) {
      py::gil_scoped_release nogil;
      thread_.join();
    }
    finished_ = true;
  }

  Client client_;
  SelectObjectContentRequest req_;
  std::shared_ptr<State> st_ = std::make_shared<State>();
  std::thread thread_;
  bool finished_ = false;
};

SelectFormat ParseFormat(const std::string& f, const char* arg) {
  if (f == "csv" || f == "CSV") return SelectFormat::kCsv;
  if (f == "json" || f == "JSON") return SelectFormat::kJson;
  ThrowInvalid(arg, "expected 'csv' or 'json', got '" + f + "'");
}

}  // namespace

void RegisterSelect(ClientClass& cls, py::module_& m) {
  py::class_<SelectStream>(m, "SelectStream",
                           "Iterator of bytes chunks of whole output records, yielded as they arrive.\n"
                           "close() (or dropping it) cancels the request; stats() after the end.")
      .def("__iter__", [](SelectStream& s) -> SelectStream& { return s; }, py::return_value_policy::reference_internal)
      .def("__next__", &SelectStream::Next)
      .def("close", &SelectStream::Close)
      .def("stats", &SelectStream::Stats, "bytes_scanned/processed/returned and evaluated_locally.")
      .def("__enter__", [](SelectStream& s) -> SelectStream& { return s; }, py::return_value_policy::reference_internal)
      .def("__exit__", [](SelectStream& s, const py::args&) { s.Close(); });

  cls.def(
      "select",
      [](const PyClient& self, const std::string& bucket, const std::string& key, const std::string& sql,
         const std::string& input_format, const std::string& output_format, std::optional<std::string> file_header_info,
         const std::string& field_delimiter, const std::string& record_delimiter, std::optional<std::string> json_type,
         std::optional<std::string> compression, std::optional<std::pair<std::uint64_t, std::uint64_t>> scan_range,
         bool local, bool fallback) {
        SelectObjectContentRequest req;
        req.bucket = bucket;
        req.key = key;
        req.sql = sql;
        req.input.format = ParseFormat(input_format, "input_format");
        req.output.format = ParseFormat(output_format, "output_format");
        if (file_header_info) {
          const std::string& h = *file_header_info;
          if (h == "USE" || h == "use") req.input.file_header_info = CsvFileHeaderInfo::kUse;
          else if (h == "IGNORE" || h == "ignore") req.input.file_header_info = CsvFileHeaderInfo::kIgnore;
          else if (h == "NONE" || h == "none") req.input.file_header_info = CsvFileHeaderInfo::kNone;
          else ThrowInvalid("file_header_info", "expected 'USE', 'IGNORE' or 'NONE', got '" + h + "'");
        }
        req.input.field_delimiter = field_delimiter;
        req.output.field_delimiter = field_delimiter;
        req.input.record_delimiter = record_delimiter;
        req.output.record_delimiter = record_delimiter;
        if (json_type) {
          if (*json_type == "lines" || *json_type == "LINES") req.input.json_type = SelectJsonType::kLines;
          else if (*json_type == "document" || *json_type == "DOCUMENT") req.input.json_type = SelectJsonType::kDocument;
          else ThrowInvalid("json_type", "expected 'document' or 'lines', got '" + *json_type + "'");
        }
        if (compression) {
          if (*compression == "gzip" || *compression == "GZIP") req.input.compression = SelectCompression::kGzip;
          else if (*compression == "none" || *compression == "NONE" || compression->empty())
            req.input.compression = SelectCompression::kNone;
          else ThrowInvalid("compression", "expected None or 'gzip', got '" + *compression + "'");
        }
        if (scan_range) req.scan_range = SelectScanRange{scan_range->first, scan_range->second};
        req.force_local = local;
        req.disable_local_fallback = !fallback;
        return std::make_unique<SelectStream>(self.Get(), std::move(req));
      },
      py::arg("bucket"), py::arg("key"), py::arg("sql"), py::arg("input_format") = "csv", py::kw_only(),
      py::arg("output_format") = "csv", py::arg("file_header_info") = py::none(), py::arg("field_delimiter") = ",",
      py::arg("record_delimiter") = "\n", py::arg("json_type") = py::none(), py::arg("compression") = py::none(),
      py::arg("scan_range") = py::none(), py::arg("local") = false, py::arg("fallback") = true,
      "Runs `sql` over one CSV/JSON object (S3 Select) and yields bytes chunks of whole records as\n"
      "they arrive. local=True evaluates it in-process over a streamed GET; fallback=True does so\n"
      "when the server does not offer Select.");
}

}  // namespace s3ml::python

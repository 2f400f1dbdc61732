// Transfer manager: upload_file / download_file / *_fileobj / download_bytes with progress.
#include <algorithm>
#include <cstring>

#include "py_common.h"
#include "s3ml/transfer.h"

namespace s3ml::python {

namespace {

/// Calls a Python progress callable from transfer worker threads (taking the GIL).
/// An exception raised by the callable cancels the transfer and is re-raised by
/// Rethrow() on the calling thread.
class ProgressBridge {
 public:
  explicit ProgressBridge(py::object fn) : fn_(std::move(fn)) {}
  ~ProgressBridge() = default;
  ProgressBridge(const ProgressBridge&) = delete;
  ProgressBridge& operator=(const ProgressBridge&) = delete;

  void Install(TransferOptions& o) {
    o.cancel = token_;
    if (fn_.is_none()) return;
    o.progress = [this](std::uint64_t done, std::uint64_t total) { Call(done, total); };
  }
  void Call(std::uint64_t done, std::uint64_t total) {
    if (fn_.is_none()) return;
    py::gil_scoped_acquire gil;
    if (error_) return;
    try {
      fn_(done, total);
    } catch (py::error_already_set& e) {
      error_ = std::make_unique<py::error_already_set>(std::move(e));
      token_.Cancel();
    }
  }
  /// GIL held. Raises the callback's exception if it raised.
  void Rethrow() {
    if (error_) {
      py::error_already_set e = std::move(*error_);
      error_.reset();
      throw e;
    }
  }

 private:
  py::object fn_;
  CancellationToken token_;
  std::unique_ptr<py::error_already_set> error_;  // written with the GIL held
};

TransferOptions MakeOptions(std::optional<std::uint64_t> part_size, std::optional<int> concurrency,
                            std::optional<std::uint64_t> multipart_threshold) {
  TransferOptions o;
  if (part_size) o.part_size = *part_size;
  if (concurrency) o.concurrency = *concurrency;
  if (multipart_threshold) o.multipart_threshold = *multipart_threshold;
  // With an explicit part size, anything longer than one part goes multipart.
  if (part_size && !multipart_threshold) o.multipart_threshold = *part_size;
  return o;
}

UploadAttributes MakeAttributes(std::optional<Metadata> metadata, std::optional<std::string> content_type,
                                std::optional<std::string> storage_class, const py::object& sse,
                                const std::optional<std::string>& sse_kms_key_id, const py::object& sse_kms_context) {
  UploadAttributes a;
  a.sse = ParseSse(sse, sse_kms_key_id, sse_kms_context);
  a.metadata = metadata.value_or(Metadata{});
  a.content_type = Str(content_type);
  a.storage_class = Str(storage_class);
  return a;
}

std::string PathArg(const py::object& path) {
  return py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
}

}  // namespace

void RegisterTransfer(ClientClass& cls, py::module_& m) {
  py::class_<TransferUploadResult>(m, "TransferUploadResult")
      .def_readonly("etag", &TransferUploadResult::etag)
      .def_readonly("version_id", &TransferUploadResult::version_id)
      .def_readonly("size", &TransferUploadResult::size)
      .def_readonly("parts", &TransferUploadResult::parts, "0: sent as a single PutObject.")
      .def("__repr__", [](const TransferUploadResult& r) {
        return "s3ml.TransferUploadResult(etag=" + r.etag + ", size=" + std::to_string(r.size) +
               ", parts=" + std::to_string(r.parts) + ")";
      });
  py::class_<TransferDownloadResult>(m, "TransferDownloadResult")
      .def_readonly("etag", &TransferDownloadResult::etag)
      .def_readonly("size", &TransferDownloadResult::size)
      .def_readonly("requests", &TransferDownloadResult::requests)
      .def("__repr__", [](const TransferDownloadResult& r) {
        return "s3ml.TransferDownloadResult(etag=" + r.etag + ", size=" + std::to_string(r.size) + ")";
      });

  cls.def(
         "upload_file",
         [](const PyClient& self, const py::object& path, const std::string& bucket, const std::string& key,
            std::optional<std::uint64_t> part_size, std::optional<int> concurrency, const py::object& progress,
            std::optional<Metadata> metadata, std::optional<std::string> content_type,
            std::optional<std::string> storage_class, std::optional<std::uint64_t> multipart_threshold,
            const py::object& sse, std::optional<std::string> sse_kms_key_id, const py::object& sse_kms_context) {
           Client c = self.Get();
           std::string p = PathArg(path);
           ProgressBridge bridge(progress);
           TransferOptions o = MakeOptions(part_size, concurrency, multipart_threshold);
           bridge.Install(o);
           UploadAttributes attrs = MakeAttributes(std::move(metadata), std::move(content_type), std::move(storage_class),
                                                   sse, sse_kms_key_id, sse_kms_context);
           Result<TransferUploadResult> r = NoGil([&] { return TransferManager(c, o).UploadFile(bucket, key, p, attrs); });
           bridge.Rethrow();
           return Unwrap(std::move(r));
         },
         py::arg("path"), py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("part_size") = py::none(),
         py::arg("concurrency") = py::none(), py::arg("progress") = py::none(), py::arg("metadata") = py::none(),
         py::arg("content_type") = py::none(), py::arg("storage_class") = py::none(),
         py::arg("multipart_threshold") = py::none(), py::arg("sse") = py::none(),
         py::arg("sse_kms_key_id") = py::none(), py::arg("sse_kms_context") = py::none(),
         "Uploads a local file with parallel multipart upload (single PUT below the threshold).\n"
         "progress(bytes_done, bytes_total) is called from worker threads; if it raises, the upload\n"
         "is cancelled and aborted and the exception propagates.")
      .def(
          "download_file",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const py::object& path,
             std::optional<std::string> version_id, std::optional<std::uint64_t> part_size,
             std::optional<int> concurrency, const py::object& progress) {
            Client c = self.Get();
            std::string p = PathArg(path);
            ProgressBridge bridge(progress);
            TransferOptions o = MakeOptions(part_size, concurrency, std::nullopt);
            bridge.Install(o);
            if (version_id && !version_id->empty()) {
              // A pinned version: one streamed GET of that version.
              GetObjectRequest req;
              req.bucket = bucket;
              req.key = key;
              req.version_id = *version_id;
              Result<GetObjectResult> r = NoGil([&] { return c.GetObjectToFile(req, p); });
              GetObjectResult got = Unwrap(std::move(r));
              bridge.Call(got.info.content_length, got.info.content_length);
              bridge.Rethrow();
              TransferDownloadResult out;
              out.etag = got.info.etag;
              out.size = got.info.content_length;
              out.requests = 1;
              return out;
            }
            Result<TransferDownloadResult> r = NoGil([&] { return TransferManager(c, o).DownloadFile(bucket, key, p); });
            bridge.Rethrow();
            return Unwrap(std::move(r));
          },
          py::arg("bucket"), py::arg("key"), py::arg("path"), py::kw_only(), py::arg("version_id") = py::none(),
          py::arg("part_size") = py::none(), py::arg("concurrency") = py::none(), py::arg("progress") = py::none(),
          "Downloads an object into `path` with parallel ranged GETs (written beside it and renamed\n"
          "on success; nothing is left on failure).")
      .def(
          "download_bytes",
          [](const PyClient& self, const std::string& bucket, const std::string& key,
             std::optional<std::uint64_t> part_size, std::optional<int> concurrency, const py::object& progress) {
            Client c = self.Get();
            ProgressBridge bridge(progress);
            TransferOptions o = MakeOptions(part_size, concurrency, std::nullopt);
            bridge.Install(o);
            Result<TransferDownloadResult> r = NoGil([&] { return TransferManager(c, o).DownloadToBuffer(bucket, key); });
            bridge.Rethrow();
            return PyBuffer::Adopt(std::move(Unwrap(std::move(r)).body));
          },
          py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("part_size") = py::none(),
          py::arg("concurrency") = py::none(), py::arg("progress") = py::none(),
          "Downloads a whole object into memory with parallel ranged GETs; returns an s3ml.Buffer.")
      .def(
          "upload_fileobj",
          [](const PyClient& self, const py::object& fileobj, const std::string& bucket, const std::string& key,
             std::optional<std::uint64_t> part_size, std::optional<int> concurrency, const py::object& progress,
             std::optional<Metadata> metadata, std::optional<std::string> content_type,
             std::optional<std::string> storage_class, const py::object& sse, std::optional<std::string> sse_kms_key_id,
             const py::object& sse_kms_context) {
            Client c = self.Get();
            ProgressBridge bridge(progress);
            TransferOptions o = MakeOptions(part_size, concurrency, std::nullopt);
            bridge.Install(o);
            UploadAttributes attrs = MakeAttributes(std::move(metadata), std::move(content_type),
                                                    std::move(storage_class), sse, sse_kms_key_id, sse_kms_context);
            const bool has_readinto = py::hasattr(fileobj, "readinto");
            std::unique_ptr<py::error_already_set> read_error;
            StreamReader reader = [&](char* out, std::size_t n) -> Result<std::size_t> {
              py::gil_scoped_acquire gil;
              try {
                if (has_readinto) {
                  py::object got = fileobj.attr("readinto")(py::memoryview::from_memory(out, static_cast<py::ssize_t>(n)));
                  if (got.is_none()) return Status(ErrorCategory::kIo, "fileobj.readinto returned None (non-blocking stream)");
                  return static_cast<std::size_t>(got.cast<std::size_t>());
                }
                py::object chunk = fileobj.attr("read")(n);
                BodyArg data(chunk, "fileobj.read()");
                if (data.view().size() > n) return Status(ErrorCategory::kIo, "fileobj.read(n) returned more than n bytes");
                std::memcpy(out, data.view().data(), data.view().size());
                return data.view().size();
              } catch (py::error_already_set& e) {
                read_error = std::make_unique<py::error_already_set>(std::move(e));
                return Status(ErrorCategory::kCancelled, "reading fileobj raised");
              }
            };
            Result<TransferUploadResult> r = NoGil([&] { return TransferManager(c, o).UploadStream(bucket, key, reader, attrs); });
            if (read_error) throw py::error_already_set(std::move(*read_error));
            bridge.Rethrow();
            return Unwrap(std::move(r));
          },
          py::arg("fileobj"), py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("part_size") = py::none(),
          py::arg("concurrency") = py::none(), py::arg("progress") = py::none(), py::arg("metadata") = py::none(),
          py::arg("content_type") = py::none(), py::arg("storage_class") = py::none(), py::arg("sse") = py::none(),
          py::arg("sse_kms_key_id") = py::none(), py::arg("sse_kms_context") = py::none(),
          "Uploads a readable binary stream of unknown length (multipart, part by part).")
      .def(
          "download_fileobj",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const py::object& fileobj,
             std::optional<std::string> version_id, const py::object& progress) {
            Client c = self.Get();
            ProgressBridge bridge(progress);
            GetObjectRequest req;
            req.bucket = bucket;
            req.key = key;
            req.version_id = Str(version_id);
            std::unique_ptr<py::error_already_set> write_error;
            std::uint64_t done = 0;
            DataCallback sink = [&](const char* data, std::size_t n) -> Status {
              py::gil_scoped_acquire gil;
              try {
                std::size_t off = 0;
                while (off < n) {
                  py::object w = fileobj.attr("write")(
                      py::memoryview::from_memory(data + off, static_cast<py::ssize_t>(n - off)));
                  std::size_t k = w.is_none() ? n - off : w.cast<std::size_t>();
                  if (k == 0) return Status(ErrorCategory::kIo, "fileobj.write wrote nothing");
                  off += k;
                }
              } catch (py::error_already_set& e) {
                write_error = std::make_unique<py::error_already_set>(std::move(e));
                return Status(ErrorCategory::kCancelled, "writing fileobj raised");
              }
              done += n;
              return Status::Ok();
            };
            Result<GetObjectResult> r = NoGil([&] { return c.GetObject(req, sink); });
            if (write_error) throw py::error_already_set(std::move(*write_error));
            GetObjectResult got = Unwrap(std::move(r));
            bridge.Call(done, got.info.content_length);
            bridge.Rethrow();
            TransferDownloadResult out;
            out.etag = got.info.etag;
            out.size = done;
            out.requests = 1;
            return out;
          },
          py::arg("bucket"), py::arg("key"), py::arg("fileobj"), py::kw_only(), py::arg("version_id") = py::none(),
          py::arg("progress") = py::none(),
          "Streams an object into a writable binary file object (bounded memory).");
}

}  // namespace s3ml::python

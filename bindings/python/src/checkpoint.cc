// Checkpoint streams (s3ml/checkpoint.h): ArtifactWriter/ArtifactReader and the model
// registry functions. s3ml/checkpoint.py wraps them as io.RawIOBase file objects.
#include "py_common.h"
#include "s3ml/checkpoint.h"

namespace s3ml::python {

namespace {

/// Owns an ArtifactWriter; the destructor aborts an uncommitted upload.
class PyWriter {
 public:
  explicit PyWriter(std::unique_ptr<ArtifactWriter> w) : w_(std::move(w)) {}
  ~PyWriter() {
    py::gil_scoped_release nogil;  // aborting joins the upload threads
    w_.reset();
  }
  PyWriter(const PyWriter&) = delete;
  PyWriter& operator=(const PyWriter&) = delete;
  ArtifactWriter& w() const {
    if (!w_) Throw(Status::InvalidArgument("checkpoint writer is closed"));
    return *w_;
  }
  std::size_t Write(const py::object& data) {
    BodyArg body(data, "data");
    ArtifactWriter& w = this->w();
    Check(NoGil([&] { return w.Write(body.view().data(), body.view().size()); }));
    return body.view().size();
  }
  ArtifactInfo Commit() {
    ArtifactWriter& w = this->w();
    return Unwrap(NoGil([&] { return w.Commit(); }));
  }
  void Abort() {
    if (!w_) return;
    ArtifactWriter& w = *w_;
    Check(NoGil([&] { return w.Abort(); }));
  }

 private:
  std::unique_ptr<ArtifactWriter> w_;
};

class PyArtifactReader {
 public:
  explicit PyArtifactReader(std::unique_ptr<ArtifactReader> r) : r_(std::move(r)) {}
  ~PyArtifactReader() {
    py::gil_scoped_release nogil;
    r_.reset();
  }
  PyArtifactReader(const PyArtifactReader&) = delete;
  PyArtifactReader& operator=(const PyArtifactReader&) = delete;
  ArtifactReader& r() const {
    if (!r_) Throw(Status::InvalidArgument("checkpoint reader is closed"));
    return *r_;
  }
  std::size_t ReadInto(const py::buffer& out) {
    py::buffer_info info = out.request(/*writable=*/true);
    auto n = static_cast<std::size_t>(info.size * info.itemsize);
    ArtifactReader& r = this->r();
    return Unwrap(NoGil([&] { return r.Read(info.ptr, n); }));
  }
  void Close() {
    py::gil_scoped_release nogil;
    r_.reset();
  }

 private:
  std::unique_ptr<ArtifactReader> r_;
};

}  // namespace

void RegisterCheckpoint(py::module_& m) {
  py::class_<ArtifactInfo>(m, "ArtifactInfo", "One stored checkpoint/artifact (one object version).")
      .def_readonly("bucket", &ArtifactInfo::bucket)
      .def_readonly("key", &ArtifactInfo::key)
      .def_readonly("version_id", &ArtifactInfo::version_id)
      .def_readonly("etag", &ArtifactInfo::etag)
      .def_readonly("size", &ArtifactInfo::size)
      .def_property_readonly("last_modified", [](const ArtifactInfo& a) { return ToDatetime(a.last_modified); })
      .def_readonly("metadata", &ArtifactInfo::metadata)
      .def_readonly("content_type", &ArtifactInfo::content_type)
      .def_readonly("is_latest", &ArtifactInfo::is_latest)
      .def_property_readonly("uri", [](const ArtifactInfo& a) { return "s3://" + a.bucket + "/" + a.key; })
      .def("__repr__", [](const ArtifactInfo& a) {
        return "s3ml.ArtifactInfo(s3://" + a.bucket + "/" + a.key + ", version_id='" + a.version_id +
               "', size=" + std::to_string(a.size) + ")";
      });

  py::class_<PyWriter>(m, "ArtifactWriter", "Native streaming checkpoint writer (see s3ml.checkpoint).")
      .def("write", &PyWriter::Write, py::arg("data"), "Appends bytes (copied); blocks while the memory budget is full.")
      .def("commit", &PyWriter::Commit, "Uploads the rest and completes the upload.")
      .def("abort", &PyWriter::Abort, "Discards the artifact (aborts the multipart upload).")
      .def_property_readonly("bytes_written", [](const PyWriter& w) { return w.w().bytes_written(); })
      .def("stats", [](const PyWriter& w) {
        ArtifactWriterStats s = w.w().stats();
        py::dict d;
        d["bytes_written"] = s.bytes_written;
        d["bytes_uploaded"] = s.bytes_uploaded;
        d["parts_uploaded"] = s.parts_uploaded;
        d["memory_in_use"] = s.memory_in_use;
        d["memory_high_water"] = s.memory_high_water;
        d["memory_budget"] = s.memory_budget;
        return d;
      });

  py::class_<PyArtifactReader>(m, "ArtifactReader", "Native streaming, seekable checkpoint reader.")
      .def("readinto", &PyArtifactReader::ReadInto, py::arg("buffer"), "Fills `buffer`; returns bytes read (0 at end).")
      .def(
          "seek", [](PyArtifactReader& r, std::uint64_t off) { Check(r.r().Seek(off)); }, py::arg("offset"))
      .def_property_readonly("size", [](const PyArtifactReader& r) { return r.r().size(); })
      .def("tell", [](const PyArtifactReader& r) { return r.r().tell(); })
      .def_property_readonly("info", [](const PyArtifactReader& r) { return r.r().info(); })
      .def_property_readonly("requests", [](const PyArtifactReader& r) { return r.r().requests(); })
      .def_property_readonly("memory_high_water", [](const PyArtifactReader& r) { return r.r().memory_high_water(); })
      .def("close", &PyArtifactReader::Close);

  m.def(
      "open_artifact_writer",
      [](const PyClient& client, const std::string& bucket, const std::string& key, std::optional<Metadata> metadata,
         std::optional<std::uint64_t> part_size, std::optional<int> concurrency,
         std::optional<std::uint64_t> memory_budget, std::optional<std::string> content_type) {
        ArtifactWriteOptions o;
        if (part_size) o.part_size = *part_size;
        if (concurrency) o.concurrency = *concurrency;
        if (memory_budget) o.memory_budget = *memory_budget;
        o.metadata = metadata.value_or(Metadata{});
        o.content_type = Str(content_type);
        Client c = client.Get();
        return std::make_unique<PyWriter>(Unwrap(NoGil([&] { return ArtifactWriter::Open(c, bucket, key, o); })));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("metadata") = py::none(),
      py::arg("part_size") = py::none(), py::arg("concurrency") = py::none(), py::arg("memory_budget") = py::none(),
      py::arg("content_type") = py::none());
  m.def(
      "open_artifact_reader",
      [](const PyClient& client, const std::string& bucket, const std::string& key,
         std::optional<std::string> version_id, std::optional<std::uint64_t> part_size,
         std::optional<int> read_ahead) {
        ArtifactReadOptions o;
        if (part_size) o.part_size = *part_size;
        if (read_ahead) o.read_ahead = *read_ahead;
        Client c = client.Get();
        return std::make_unique<PyArtifactReader>(
            Unwrap(NoGil([&] { return ArtifactReader::Open(c, bucket, key, Str(version_id), o); })));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("version_id") = py::none(),
      py::arg("part_size") = py::none(), py::arg("read_ahead") = py::none());
  m.def(
      "list_artifact_versions",
      [](const PyClient& client, const std::string& bucket, const std::string& key) {
        Client c = client.Get();
        return Unwrap(NoGil([&] { return ListArtifactVersions(c, bucket, key); }));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"));
  m.def(
      "latest_artifact",
      [](const PyClient& client, const std::string& bucket, const std::string& key) {
        Client c = client.Get();
        return Unwrap(NoGil([&] { return LatestArtifact(c, bucket, key); }));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"));
  m.def(
      "artifact_version",
      [](const PyClient& client, const std::string& bucket, const std::string& key, const std::string& version_id) {
        Client c = client.Get();
        return Unwrap(NoGil([&] { return ArtifactVersion(c, bucket, key, version_id); }));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"), py::arg("version_id"));
  m.def(
      "best_artifact",
      [](const PyClient& client, const std::string& bucket, const std::string& key, const std::string& metric,
         bool higher_is_better) {
        Client c = client.Get();
        return Unwrap(NoGil([&] { return BestArtifact(c, bucket, key, metric, higher_is_better); }));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"), py::arg("metric"), py::arg("higher_is_better") = true);
  m.def(
      "rollback_artifact",
      [](const PyClient& client, const std::string& bucket, const std::string& key, const std::string& version_id) {
        Client c = client.Get();
        return Unwrap(NoGil([&] { return RollbackArtifact(c, bucket, key, version_id); }));
      },
      py::arg("client"), py::arg("bucket"), py::arg("key"), py::arg("version_id"));
}

}  // namespace s3ml::python

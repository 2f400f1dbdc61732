// s3ml._core.Dataset / Reader / Sample / Manifest over s3ml::dataset::DatasetReader.
#include <pthread.h>

#include <atomic>
#include <mutex>
#include <stdexcept>

#include "py_common.h"
#include "s3ml/dataset/reader.h"
#include "s3ml/uri.h"

namespace s3ml::python {

namespace {

using dataset::DatasetReader;
using dataset::ReaderOptions;
using dataset::Sample;
using dataset::ShardInfo;
using dataset::Source;

/// Bumped in the child of every fork() by a pthread_atfork handler (registered once,
/// at module init). A reader remembers the generation it was created in: a cheap
/// relaxed load per sample replaces a getpid() system call. Any fork() (os.fork,
/// multiprocessing, a C library) runs the handler, so a reader inherited by a child
/// always sees a newer generation there.
std::atomic<std::uint64_t> g_fork_generation{0};

void OnForkChild() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

void RegisterForkHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pthread_atfork(nullptr, nullptr, &OnForkChild) != 0)
      throw std::runtime_error("s3ml: pthread_atfork failed; cannot detect fork() for s3ml.Reader");
  });
}

std::uint64_t ForkGeneration() { return g_fork_generation.load(std::memory_order_relaxed); }

/// A manifest location (s3:// URI or local path): one shard URI per line.
struct PyManifest {
  std::string location;
};

/// One sample; field bytes are Buffers viewing the shard (no copies). The `.fields`
/// dict is built on first access and cached (the same dict object afterwards).
/// Created and destroyed with the GIL held (the cached dict is a Python object).
class PySample {
 public:
  explicit PySample(Sample s) : s_(std::move(s)) {}
  const Sample& sample() const { return s_; }
  PyBuffer Field(const std::string& name) const {
    for (const auto& f : s_.fields)
      if (f.first == name) return View(f.second);
    throw py::key_error("sample " + s_.key + " has no field '" + name + "'");
  }
  bool Has(const std::string& name) const { return s_.field(name).has_value(); }
  py::dict Fields() const {
    if (!fields_) {
      py::dict d;
      for (const auto& f : s_.fields) d[py::str(f.first)] = View(f.second);
      fields_ = std::move(d);
    }
    return *fields_;
  }
  std::vector<std::string> Keys() const {
    std::vector<std::string> k;
    for (const auto& f : s_.fields) k.push_back(f.first);
    return k;
  }
  PyBuffer Data() const { return View(s_.data()); }

 private:
  PyBuffer View(std::string_view v) const { return PyBuffer(s_.owner, v.data(), v.size()); }
  Sample s_;
  mutable std::optional<py::dict> fields_;  // built by the first Fields() (GIL held)
};

py::dict MetricsDict(const dataset::ReaderMetrics& m) {
  py::dict d;
  d["bytes_fetched"] = m.bytes_fetched;
  d["bytes_from_cache"] = m.bytes_from_cache;
  d["samples_delivered"] = m.samples_delivered;
  d["shards_fetched"] = m.shards_fetched;
  d["shards_skipped"] = m.shards_skipped;
  d["requests"] = m.requests;
  d["requests_failed"] = m.requests_failed;
  d["retries"] = m.retries;
  d["requests_in_flight"] = m.requests_in_flight;
  d["budget_in_use"] = m.budget_in_use;
  d["budget_high_water"] = m.budget_high_water;
  d["stall_time"] = std::chrono::duration<double>(m.stall_time).count();
  d["elapsed"] = std::chrono::duration<double>(m.elapsed).count();
  d["bytes_per_second"] = m.bytes_per_second;
  d["samples_per_second"] = m.samples_per_second;
  return d;
}

/// Owns a DatasetReader. Not shared across fork(): a reader created (and possibly
/// prefetching) in the parent is abandoned in a child, never joined there.
class PyReader {
 public:
  explicit PyReader(std::unique_ptr<DatasetReader> r) : r_(std::move(r)), fork_gen_(ForkGeneration()) {}
  ~PyReader() { Release(); }
  PyReader(const PyReader&) = delete;
  PyReader& operator=(const PyReader&) = delete;

  DatasetReader& reader() const {
    if (!r_) Throw(Status(ErrorCategory::kCancelled, "s3ml.Reader is closed"));
    if (fork_gen_ != ForkGeneration())
      Throw(Status(ErrorCategory::kInvalidArgument,
                   "s3ml.Reader was created in another process (before fork()); create a new one in this process"));
    return *r_;
  }

  PySample Next() {
    DatasetReader& r = reader();
    Result<std::optional<Sample>> got = NoGil([&] { return r.Next(); });
    if (!got.ok()) Throw(got.status());
    if (!got->has_value()) throw py::stop_iteration();
    return PySample(std::move(**got));
  }

  /// Up to n samples in one call (one GIL release): fewer only at the end of the epoch.
  std::vector<PySample> NextBatch(std::size_t n) {
    DatasetReader& r = reader();
    std::vector<Sample> batch;
    batch.reserve(n);
    Status error = NoGil([&] {
      while (batch.size() < n) {
        Result<std::optional<Sample>> got = r.Next();
        if (!got.ok()) return got.status();
        if (!got->has_value()) break;
        batch.push_back(std::move(**got));
      }
      return Status::Ok();
    });
    if (!error.ok() && batch.empty()) Throw(error);
    std::vector<PySample> out;
    out.reserve(batch.size());
    for (auto& s : batch) out.emplace_back(std::move(s));
    return out;
  }

  void Close() {
    if (!r_) return;
    if (fork_gen_ != ForkGeneration()) {
      (void)r_.release();  // the parent's threads do not exist here: never join them
      return;
    }
    py::gil_scoped_release nogil;
    r_->Close();
  }

 private:
  void Release() {
    if (!r_) return;
    if (fork_gen_ != ForkGeneration()) {
      (void)r_.release();  // NOLINT: intentional leak in a forked child
      return;
    }
    py::gil_scoped_release nogil;  // joins prefetch threads
    r_.reset();
  }

  std::unique_ptr<DatasetReader> r_;
  std::uint64_t fork_gen_;  // ForkGeneration() at creation: differs in a forked child
};

dataset::UnevenShards ParseUneven(const std::string& u) {
  if (u == "exact") return dataset::UnevenShards::kExact;
  if (u == "drop") return dataset::UnevenShards::kDrop;
  if (u == "pad") return dataset::UnevenShards::kPad;
  ThrowInvalid("uneven", "expected 'exact', 'drop' or 'pad', got '" + u + "'");
}

std::shared_ptr<dataset::SampleDecoder> ParseFormat(const std::string& f) {
  if (f == "raw") return dataset::RawDecoder();
  if (f == "tar" || f == "webdataset") return dataset::TarDecoder();
  if (f == "jsonl" || f == "json_lines") return dataset::JsonLinesDecoder();
  ThrowInvalid("format", "expected 'raw', 'tar' or 'jsonl', got '" + f + "'");
}

Source ParseSource(const py::object& source, const std::optional<std::string>& bucket) {
  if (py::isinstance<PyManifest>(source)) return Source::Manifest(source.cast<const PyManifest&>().location);
  if (py::isinstance<py::str>(source)) {
    std::string s = source.cast<std::string>();
    if (s.rfind("s3://", 0) != 0) {
      if (!bucket) ThrowInvalid("source", "expected an s3:// URI (or pass bucket= for a bare prefix), got '" + s + "'");
      s = "s3://" + *bucket + "/" + s;
    }
    if (s.find('{') != std::string::npos) return Source::Pattern(s);
    return Source::Prefix(s);
  }
  if (py::isinstance<py::str>(source) || !py::isinstance<py::iterable>(source))
    throw py::type_error("source: expected an s3:// prefix or brace pattern, a list of URIs/keys, or s3ml.Manifest");
  std::vector<ShardInfo> shards;
  for (py::handle item : source.cast<py::iterable>()) {
    if (!py::isinstance<py::str>(item)) throw py::type_error("source: list items must be str (s3:// URIs or keys)");
    std::string s = item.cast<std::string>();
    ShardInfo info;
    if (s.rfind("s3://", 0) == 0) {
      S3Uri u = Unwrap(ParseS3Uri(s));
      info.bucket = u.bucket;
      info.key = u.key;
    } else {
      if (!bucket) ThrowInvalid("source", "bare key '" + s + "' needs bucket=");
      info.bucket = *bucket;
      info.key = s;
    }
    shards.push_back(std::move(info));
  }
  if (shards.empty()) ThrowInvalid("source", "the list of shards is empty");
  return Source::Shards(std::move(shards));
}

/// A dataset description: source + options. Constructing it starts no thread and does
/// no I/O; readers are created per epoch (and per process).
class PyDataset {
 public:
  PyDataset(const py::object& source, std::shared_ptr<PyClient> client, const std::string& format,
            std::optional<std::string> bucket, int rank, int world_size, int worker_id, int num_workers,
            const std::string& uneven, std::uint64_t seed, bool shuffle, std::size_t shuffle_buffer,
            int fetch_threads, int max_in_flight, std::uint64_t memory_budget, std::uint64_t part_size,
            std::uint64_t prefetch_ahead, bool as_completed, bool skip_failed, std::optional<std::string> cache_dir,
            std::uint64_t cache_limit)
      : client_(std::move(client)), source_(ParseSource(source, bucket)), format_(format) {
    if (!client_) ThrowInvalid("client", "must not be None here (s3ml.Dataset builds one from keyword arguments)");
    opts_.rank = rank;
    opts_.world_size = world_size;
    opts_.worker_id = worker_id;
    opts_.num_workers = num_workers;
    opts_.uneven = ParseUneven(uneven);
    opts_.seed = seed;
    opts_.shuffle_shards = shuffle;
    opts_.shuffle_buffer = shuffle_buffer;
    opts_.decoder = ParseFormat(format);
    opts_.fetch_threads = fetch_threads;
    opts_.max_in_flight = max_in_flight;
    opts_.memory_budget = memory_budget;
    opts_.part_size = part_size;
    opts_.prefetch_ahead = prefetch_ahead;
    opts_.as_completed = as_completed;
    opts_.skip_failed_shards = skip_failed;
    opts_.cache_dir = Str(cache_dir);
    opts_.cache_limit = cache_limit;
    Check(opts_.Validate());
  }

  std::unique_ptr<PyReader> Reader(std::optional<std::uint64_t> epoch) {
    auto r = Unwrap(DatasetReader::Create(client_->Get(), source_, opts_));
    std::uint64_t e = epoch.value_or(epoch_);
    if (e != 0) r->SetEpoch(e);
    return std::make_unique<PyReader>(std::move(r));
  }

  /// The map-style reader (lazily, per process).
  PyReader& MapReader() {
    if (!map_ || map_gen_ != ForkGeneration()) {
      if (map_) (void)map_.release();  // from the parent: abandon, never join
      map_ = Reader(0);
      map_gen_ = ForkGeneration();
    }
    return *map_;
  }
  std::uint64_t Size() {
    DatasetReader& r = MapReader().reader();
    Result<std::uint64_t> n = NoGil([&] { return r.Size(); });
    return Unwrap(std::move(n));
  }
  PySample Get(std::int64_t i) {
    if (i < 0) {
      auto n = static_cast<std::int64_t>(Size());
      i += n;
      if (i < 0) throw py::index_error("dataset index out of range");
    }
    DatasetReader& r = MapReader().reader();
    Result<Sample> s = NoGil([&] { return r.Get(static_cast<std::uint64_t>(i)); });
    if (!s.ok() && s.status().category() == ErrorCategory::kInvalidArgument) {
      auto n = Size();
      if (static_cast<std::uint64_t>(i) >= n) throw py::index_error("dataset index " + std::to_string(i) +
                                                                     " out of range (size " + std::to_string(n) + ")");
    }
    return PySample(Unwrap(std::move(s)));
  }

  void set_epoch(std::uint64_t e) { epoch_ = e; }
  std::uint64_t epoch() const { return epoch_; }
  std::string Describe() const { return source_.Describe(); }
  const ReaderOptions& options() const { return opts_; }
  const std::string& format() const { return format_; }
  std::shared_ptr<PyClient> client() const { return client_; }

 private:
  std::shared_ptr<PyClient> client_;
  Source source_;
  std::string format_;
  ReaderOptions opts_;
  std::uint64_t epoch_ = 0;
  std::unique_ptr<PyReader> map_;
  std::uint64_t map_gen_ = 0;
};

}  // namespace

void RegisterDataset(py::module_& m) {
  RegisterForkHandler();
  py::class_<PyManifest>(m, "Manifest",
                         "A manifest of shards: one \"s3://bucket/key [size [etag]]\" per line ('#' comments),\n"
                         "stored at an s3:// URI or a local path.")
      .def(py::init([](const py::object& location) {
             return PyManifest{py::str(py::module_::import("os").attr("fspath")(location)).cast<std::string>()};
           }),
           py::arg("location"))
      .def_readonly("location", &PyManifest::location)
      .def(py::pickle([](const PyManifest& p) { return py::make_tuple(p.location); },
                      [](const py::tuple& t) { return PyManifest{t[0].cast<std::string>()}; }))
      .def("__repr__", [](const PyManifest& p) { return "s3ml.Manifest('" + p.location + "')"; });

  py::class_<PySample>(m, "Sample",
                       "One sample: .key .shard .index .etag .version_id and .fields (name → s3ml.Buffer,\n"
                       "views into the shard, no copies). Field names: the tar member extension ('jpg',\n"
                       "'cls', 'seg.png'), 'json' for JSON Lines, and '' (empty) for raw objects — use\n"
                       ".data for the first/only field.")
      .def_property_readonly("key", [](const PySample& s) { return s.sample().key; })
      .def_property_readonly("shard", [](const PySample& s) { return s.sample().shard; })
      .def_property_readonly("index", [](const PySample& s) { return s.sample().index; })
      .def_property_readonly("etag", [](const PySample& s) { return s.sample().etag; })
      .def_property_readonly("version_id", [](const PySample& s) { return s.sample().version_id; })
      .def_property_readonly("fields", &PySample::Fields, "dict name → s3ml.Buffer (in shard order); built on first access, then the same dict.")
      .def_property_readonly("data", &PySample::Data, "The first field (the whole object for raw samples).")
      .def("keys", &PySample::Keys, "Field names in shard order.")
      .def("__getitem__", &PySample::Field, py::arg("name"))
      .def("__contains__", &PySample::Has, py::arg("name"))
      .def(
          "get",
          [](const PySample& s, const std::string& name, const py::object& default_) -> py::object {
            if (!s.Has(name)) return default_;
            return py::cast(s.Field(name));
          },
          py::arg("name"), py::arg("default") = py::none())
      .def("__len__", [](const PySample& s) { return s.sample().fields.size(); })
      .def("__repr__", [](const PySample& s) {
        std::string names;
        for (const auto& f : s.sample().fields) names += (names.empty() ? "'" : ", '") + f.first + "'";
        return "s3ml.Sample(key='" + s.sample().key + "', shard='" + s.sample().shard + "', index=" +
               std::to_string(s.sample().index) + ", fields=[" + names + "])";
      });

  py::class_<PyReader>(m, "Reader",
                       "Iterator over one epoch of a dataset for one (rank, worker). next() releases the GIL\n"
                       "while it waits for data. Prefetch threads start on the first next() of an epoch and\n"
                       "stop at its end, on set_epoch(), load_state_dict() and close().")
      .def("__iter__", [](PyReader& r) -> PyReader& { return r; }, py::return_value_policy::reference_internal)
      .def("__next__", &PyReader::Next)
      .def("next_batch", &PyReader::NextBatch, py::arg("n"),
           "Up to n samples at once (fewer only at the end of the epoch; [] after it).")
      .def(
          "set_epoch", [](PyReader& r, std::uint64_t e) { r.reader().SetEpoch(e); }, py::arg("epoch"),
          "Starts epoch `epoch` from its beginning (reshuffles deterministically from seed and epoch).")
      .def_property_readonly("epoch", [](const PyReader& r) { return r.reader().epoch(); })
      .def(
          "state_dict",
          [](const PyReader& r) {
            py::dict d;
            d["state"] = r.reader().State();
            d["epoch"] = r.reader().epoch();
            return d;
          },
          "{'state': <JSON string>, 'epoch': n}: the position after the last sample delivered.")
      .def(
          "load_state_dict",
          [](PyReader& r, const py::object& state) {
            std::string s;
            if (py::isinstance<py::str>(state)) {
              s = state.cast<std::string>();
            } else if (py::isinstance<py::dict>(state) && state.cast<py::dict>().contains("state")) {
              s = state["state"].cast<std::string>();
            } else {
              throw py::type_error("load_state_dict: expected the dict returned by state_dict() (or its 'state')");
            }
            DatasetReader& dr = r.reader();
            Check(NoGil([&] { return dr.Resume(s); }));
          },
          py::arg("state"), "Continues exactly after the position recorded by state_dict().")
      .def("metrics", [](const PyReader& r) { return MetricsDict(r.reader().metrics()); },
           "Counters and rates (times in seconds).")
      .def("close", &PyReader::Close, "Stops prefetching and joins the threads (idempotent).")
      .def("__enter__", [](PyReader& r) -> PyReader& { return r; }, py::return_value_policy::reference_internal)
      .def("__exit__", [](PyReader& r, const py::args&) { r.Close(); });

  py::class_<PyDataset>(m, "Dataset")
      .def(py::init<const py::object&, std::shared_ptr<PyClient>, const std::string&, std::optional<std::string>, int,
                    int, int, int, const std::string&, std::uint64_t, bool, std::size_t, int, int, std::uint64_t,
                    std::uint64_t, std::uint64_t, bool, bool, std::optional<std::string>, std::uint64_t>(),
           py::arg("source"), py::arg("client"), py::arg("format") = "raw", py::arg("bucket") = py::none(),
           py::arg("rank") = 0, py::arg("world_size") = 1, py::arg("worker_id") = 0, py::arg("num_workers") = 1,
           py::arg("uneven") = "exact", py::arg("seed") = 0, py::arg("shuffle") = false, py::arg("shuffle_buffer") = 0,
           py::arg("fetch_threads") = 8, py::arg("max_in_flight") = 8, py::arg("memory_budget") = 256ull << 20,
           py::arg("part_size") = 8ull << 20, py::arg("prefetch_ahead") = 0, py::arg("as_completed") = false,
           py::arg("skip_failed") = false, py::arg("cache_dir") = py::none(), py::arg("cache_limit") = 1ull << 30)
      .def("reader", &PyDataset::Reader, py::arg("epoch") = py::none(),
           "A new Reader positioned at the start of `epoch` (default: the dataset's epoch).")
      .def("__iter__", [](PyDataset& d) { return d.Reader(std::nullopt); })
      .def("set_epoch", &PyDataset::set_epoch, py::arg("epoch"), "The epoch iter() starts.")
      .def_property_readonly("epoch", &PyDataset::epoch)
      .def("size", &PyDataset::Size, "Number of shards (objects) of the whole source (resolves it).")
      .def("__len__", &PyDataset::Size)
      .def("get", &PyDataset::Get, py::arg("index"), "Object `index` of the source, decoded (map-style).")
      .def("__getitem__", &PyDataset::Get, py::arg("index"))
      .def_property_readonly("source", &PyDataset::Describe)
      .def_property_readonly("format", &PyDataset::format)
      .def_property_readonly("client", &PyDataset::client)
      .def_property_readonly("rank", [](const PyDataset& d) { return d.options().rank; })
      .def_property_readonly("world_size", [](const PyDataset& d) { return d.options().world_size; })
      .def_property_readonly("worker_id", [](const PyDataset& d) { return d.options().worker_id; })
      .def_property_readonly("num_workers", [](const PyDataset& d) { return d.options().num_workers; });
}

}  // namespace s3ml::python

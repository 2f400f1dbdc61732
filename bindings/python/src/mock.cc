// s3ml._core.MockServer: the in-process S3 mock for tests (s3ml.MockServer adds client()).
#include <cmath>

#include "py_common.h"
#include "s3ml/mock/server.h"

namespace s3ml::python {

namespace {

using mock::FaultRule;
using mock::MockS3Options;
using mock::MockS3Server;

/// Owns a running MockS3Server. Thread safety: as MockS3Server (all methods).
class PyMockServer {
 public:
  PyMockServer(const std::string& access_key, const std::string& secret_key, const std::string& region,
               bool verify_signatures, int port, std::uint64_t seed, int threads, bool allow_anonymous) {
    MockS3Options o;
    o.access_key = access_key;
    o.secret_key = secret_key;
    o.region = region;
    o.verify_signatures = verify_signatures;
    o.port = port;
    o.seed = seed;
    o.threads = threads;
    o.allow_anonymous = allow_anonymous;
    Result<std::unique_ptr<MockS3Server>> r = NoGil([&] { return MockS3Server::Start(o); });
    server_ = Unwrap(std::move(r));
  }
  ~PyMockServer() {
    if (server_) {
      py::gil_scoped_release nogil;  // joining server threads
      server_.reset();
    }
  }
  PyMockServer(const PyMockServer&) = delete;
  PyMockServer& operator=(const PyMockServer&) = delete;

  MockS3Server& server() const {
    if (!server_) Throw(Status(ErrorCategory::kInvalidArgument, "MockServer: already stopped"));
    return *server_;
  }
  void Stop() {
    if (!server_) return;
    py::gil_scoped_release nogil;
    server_->Stop();
    server_.reset();
  }
  bool running() const { return server_ != nullptr; }
  const MockS3Options& options() const { return server().options(); }

 private:
  std::unique_ptr<MockS3Server> server_;
};

FaultRule::Kind ParseKind(const std::string& kind) {
  if (kind == "http_error" || kind == "error") return FaultRule::Kind::kHttpError;
  if (kind == "reset" || kind == "connection_reset") return FaultRule::Kind::kConnectionReset;
  if (kind == "truncate" || kind == "truncate_body") return FaultRule::Kind::kTruncateBody;
  if (kind == "latency" || kind == "delay") return FaultRule::Kind::kLatency;
  ThrowInvalid("kind", "expected 'http_error', 'reset', 'truncate' or 'latency', got '" + kind + "'");
}

}  // namespace

void RegisterMock(py::module_& m) {
  py::class_<PyMockServer>(m, "MockServer", R"doc(An S3-compatible server on 127.0.0.1 (a free port),
storing objects in memory, running in this process on its own threads. Starts at
construction; stop() (or the context manager, or garbage collection) stops it.
Signatures are verified with access_key/secret_key unless verify_signatures=False.
Thread safety: every method may be called from any thread while it serves.)doc")
      .def(py::init<const std::string&, const std::string&, const std::string&, bool, int, std::uint64_t, int, bool>(),
           py::arg("access_key") = "AKIAMOCK", py::arg("secret_key") = "mock-secret", py::arg("region") = "us-east-1",
           py::arg("verify_signatures") = true, py::arg("port") = 0, py::arg("seed") = 1, py::arg("threads") = 16,
           py::arg("allow_anonymous") = false)
      .def_property_readonly("endpoint_url", [](const PyMockServer& s) { return s.server().endpoint_url(); },
                             "\"http://127.0.0.1:<port>\"")
      .def_property_readonly("port", [](const PyMockServer& s) { return s.server().port(); })
      .def_property_readonly("access_key", [](const PyMockServer& s) { return s.options().access_key; })
      .def_property_readonly("secret_key", [](const PyMockServer& s) { return s.options().secret_key; })
      .def_property_readonly("region", [](const PyMockServer& s) { return s.options().region; })
      .def_property_readonly("running", &PyMockServer::running)
      .def(
          "add_fault",
          [](PyMockServer& s, const std::string& kind, const std::string& operation, const std::string& key_prefix,
             int status, const std::string& code, int count, double probability, const py::object& nth,
             std::uint64_t truncate_after, std::int64_t latency_ms) {
            FaultRule r;
            r.kind = ParseKind(kind);
            r.operation = operation;
            r.key_prefix = key_prefix;
            if (status < 100 || status > 599) ThrowInvalid("status", "must be an HTTP status 100..599");
            r.http_status = status;
            r.error_code = code;
            if (count < 0) ThrowInvalid("count", "must be >= 0");
            r.count = count;
            if (!(probability >= 0.0 && probability <= 1.0)) ThrowInvalid("probability", "must be in [0, 1]");
            r.probability = probability;
            if (py::isinstance<py::int_>(nth)) {
              r.nth.push_back(nth.cast<int>());
            } else if (!nth.is_none()) {
              r.nth = nth.cast<std::vector<int>>();
            }
            for (int n : r.nth)
              if (n < 1) ThrowInvalid("nth", "indices are 1-based (>= 1)");
            r.truncate_after = truncate_after;
            if (latency_ms < 0) ThrowInvalid("latency_ms", "must be >= 0");
            r.latency = std::chrono::milliseconds(latency_ms);
            s.server().AddFault(std::move(r));
          },
          py::arg("kind") = "http_error", py::kw_only(), py::arg("operation") = "*", py::arg("key_prefix") = "",
          py::arg("status") = 503, py::arg("code") = "SlowDown", py::arg("count") = 0, py::arg("probability") = 0.0,
          py::arg("nth") = py::none(), py::arg("truncate_after") = 0, py::arg("latency_ms") = 0,
          R"doc(Adds a fault rule for requests of `operation` (AWS name, "*" = any) on keys starting
with `key_prefix`: "http_error" (answer `status` with S3 error `code`), "reset" (close
the connection), "truncate" (cut the body after `truncate_after` bytes) or "latency"
(delay by `latency_ms`). Fires on the `nth` matching request(s) (1-based int or list),
else the first `count` matches, else with `probability`, else on every match.)doc")
      .def("clear_faults", [](PyMockServer& s) { s.server().ClearFaults(); }, "Removes every fault rule.")
      .def(
          "stats",
          [](const PyMockServer& s) {
            mock::MockStats st = s.server().stats();
            py::dict d;
            d["requests"] = st.requests;
            d["faults_injected"] = st.faults_injected;
            d["requests_by_operation"] = st.requests_by_operation;
            d["auth_failures"] = st.auth_failures;
            return d;
          },
          "Counters: requests, faults_injected, requests_by_operation (dict), auth_failures.")
      .def(
          "advance_time",
          [](PyMockServer& s, double days, double hours, double seconds) {
            double total = days * 86400.0 + hours * 3600.0 + seconds;
            if (!(total >= 0)) ThrowInvalid("advance_time", "the clock only moves forward");
            s.server().AdvanceTime(std::chrono::seconds(static_cast<std::int64_t>(std::llround(total))));
          },
          py::arg("days") = 0.0, py::arg("hours") = 0.0, py::arg("seconds") = 0.0,
          "Moves the mock's clock forward (lifecycle rules run, Last-Modified uses it).")
      .def("now", [](const PyMockServer& s) { return ToDatetime(s.server().Now()); }, "The mock's clock (UTC).")
      .def(
          "object_body",
          [](const PyMockServer& s, const std::string& bucket, const std::string& key) {
            return py::bytes(Unwrap(s.server().ObjectBody(bucket, key)));
          },
          py::arg("bucket"), py::arg("key"), "The stored bytes, read directly (no request).")
      .def(
          "object_keys",
          [](const PyMockServer& s, const std::string& bucket) { return Unwrap(s.server().ObjectKeys(bucket)); },
          py::arg("bucket"), "Every key of the bucket, read directly (no request).")
      .def(
          "create_fault_plan",
          [](PyMockServer& s, const std::map<std::string, std::vector<std::string>>& instructions) {
            mock::FaultPlan plan;
            plan.instructions = instructions;
            return Unwrap(s.server().CreateFaultPlan(plan));
          },
          py::arg("instructions"),
          R"doc(Creates a fault plan: {operation: [instruction, ...]} (AWS operation names, or "*" for
any operation without a list of its own). Requests carrying the header
`x-s3ml-fault-plan: <id>` consume the instructions one per request, in order. Returns the id.
Raises ValueError naming a malformed instruction or operation.)doc")
      .def(
          "fault_plan",
          [](const PyMockServer& s, const std::string& id) {
            mock::FaultPlanStatus st = Unwrap(s.server().GetFaultPlan(id));
            py::list fired;
            for (const auto& f : st.fired) {
              py::dict d;
              d["operation"] = f.operation;
              d["instruction"] = f.instruction;
              d["request_id"] = f.request_id;
              fired.append(d);
            }
            py::dict d;
            d["id"] = st.id;
            d["instructions"] = st.plan.instructions;
            d["fired"] = fired;
            d["remaining"] = st.remaining;
            d["completed"] = st.completed();
            d["clock_skew_seconds"] = st.clock_skew.count();
            return d;
          },
          py::arg("id"),
          "What plan `id` did: {id, instructions, fired: [{operation, instruction, request_id}], remaining, "
          "completed, clock_skew_seconds}. Raises ValueError for an unknown id.")
      .def("delete_fault_plan", [](PyMockServer& s, const std::string& id) { return s.server().DeleteFaultPlan(id); },
           py::arg("id"), "Removes plan `id`; False when there was none.")
      .def("stop", &PyMockServer::Stop, "Stops serving and joins the threads (idempotent).");
}

}  // namespace s3ml::python

// The fault conformance matrix: every client operation x every fault kind, against
// the in-process mock, through fault plans (x-s3ml-fault-plan added to every request
// after signing, as a test harness in any language would).
//
// Each cell runs the operation once with a plan holding one instruction for the S3
// request the operation is faulted on, then checks, with the plan off:
//  - the invariants, always: a successful read returned exactly the stored bytes
//    (never a short or corrupt read); a write is either fully visible with the right
//    bytes or absent (never half-visible or corrupt), and no multipart upload is left
//    behind by the TransferManager or the ArtifactWriter; a failure is an error that
//    names the operation and how many attempts were made;
//  - the expected outcome of the fault kind: refusals before the operation runs (503,
//    500, SlowDown, skew, 200-with-error) are retried to success by every operation;
//    connection failures after the request was sent (reset, stall) are retried by
//    idempotent operations and reported, not repeated, by the raw non-idempotent ones;
//  - that the instruction fired (a cell that never faulted tests nothing).
// The observed outcomes form a markdown table that must equal the one in
// docs/reliability.md ("Fault conformance", between the fault-matrix markers), so
// the page cannot drift from the code. S3ML_UPDATE_DOCS=1 rewrites it.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "client/client_impl.h"
#include "support/test_support.h"
#include "s3ml/checkpoint.h"
#include "s3ml/dataset/reader.h"
#include "s3ml/select.h"
#include "s3ml/transfer.h"
#include "transport/curl_http_client.h"

using namespace s3ml;
using namespace s3ml::test;

namespace {

/// Adds `x-s3ml-fault-plan: <id>` to every request while a plan is set. It runs under
/// the retry loop, after signing: the header is not covered by the signature.
class PlanHeaderHttp final : public HttpClient {
 public:
  explicit PlanHeaderHttp(std::shared_ptr<HttpClient> inner) : inner_(std::move(inner)) {}
  void SetPlan(std::string id) {
    std::lock_guard<std::mutex> lock(mu_);
    plan_ = std::move(id);
  }
  Result<HttpResponse> Send(const HttpRequest& req, ResponseSink* sink) override {
    std::string plan;
    {
      std::lock_guard<std::mutex> lock(mu_);
      plan = plan_;
    }
    if (plan.empty()) return inner_->Send(req, sink);
    HttpRequest copy = req;
    copy.headers.Set("x-s3ml-fault-plan", plan);
    return inner_->Send(copy, sink);
  }

 private:
  std::shared_ptr<HttpClient> inner_;
  std::mutex mu_;
  std::string plan_;
};

const std::vector<std::string>& FaultColumns() {
  static const std::vector<std::string> kColumns = {
      "return-503",   "return-500-InternalError", "slowdown-for-2-requests", "return-503-after-1K",
      "reset",        "reset-after-1K",           "stall-for-3s-after-1K",   "corrupt-body",
      "200-with-error", "skew-clock-20m",         "change-object-after-1K"};
  return kColumns;
}

/// One cell's run, as seen by the row.
struct Env {
  mock::MockS3Server& server;
  Client client;
  std::shared_ptr<PlanHeaderHttp> http;
  std::string bucket;
  std::string plan;
  std::string target;  // the S3 operation the plan faults
  std::uint64_t faulted_requests = 0;

  std::uint64_t Count(const std::string& op) const {
    auto stats = server.stats();
    auto it = stats.requests_by_operation.find(op);
    return it == stats.requests_by_operation.end() ? 0 : it->second;
  }
  /// Runs `f` with the plan on, counting the target operation's requests.
  template <class F>
  auto Faulted(F f) {
    const std::uint64_t before = Count(target);
    http->SetPlan(plan);
    auto r = f();
    http->SetPlan("");
    faulted_requests = Count(target) - before;
    return r;
  }
  std::optional<std::string> Stored(const std::string& key) const {
    auto b = server.ObjectBody(bucket, key);
    if (!b.ok()) return std::nullopt;
    return *b;
  }
  void PutPlain(const std::string& key, std::string_view data) const { Put(client, bucket, key, data); }
  std::vector<std::string> Uploads() const {
    std::vector<std::string> ids;
    for (const auto& u : OpenUploads(client, bucket)) ids.push_back(u.upload_id);
    return ids;
  }
  void AbortAll() const {
    for (const auto& u : OpenUploads(client, bucket)) {
      AbortMultipartUploadRequest a;
      a.bucket = bucket;
      a.key = u.key;
      a.upload_id = u.upload_id;
      (void)client.AbortMultipartUpload(a);
    }
  }
  /// The parts of upload `id` of key "k", REQUIREd to list.
  std::vector<PartInfo> Parts(const std::string& id) const {
    ListPartsRequest l;
    l.bucket = bucket;
    l.key = "k";
    l.upload_id = id;
    auto r = client.ListParts(l);
    REQUIRE(r.ok());
    return r->parts;
  }
  std::string CreateUpload(const std::string& key) const {
    CreateMultipartUploadRequest c;
    c.bucket = bucket;
    c.key = key;
    auto r = client.CreateMultipartUpload(c);
    REQUIRE(r.ok());
    return r->upload_id;
  }
};

/// What a row's run produced: the operation's status and the first broken invariant.
struct CellResult {
  Status status;
  std::string violation;  // empty: every invariant held
};

std::string Inverted(std::string s) {
  for (char& c : s) c = static_cast<char>(~c);
  return s;
}

// A write that failed must leave nothing or the complete bytes; one that succeeded, the bytes.
std::string CheckWrite(const Env& e, const Status& st, const std::string& key, const std::string& data) {
  auto stored = e.Stored(key);
  if (st.ok() && (!stored || *stored != data)) return "write reported success but the object is missing or differs";
  if (!st.ok() && stored && *stored != data) return "failed write left different bytes visible";
  return {};
}

std::string CheckNoUploads(const Env& e) {
  return e.Uploads().empty() ? std::string() : "a multipart upload was left behind";
}

struct Row {
  std::string name;
  std::string target;
  std::string target_200;  // the request S3 answers 200-with-error for; empty: none
  bool idempotent = true;  // false: a raw operation the client must not repeat blindly
  bool reads_object = false;  // change-object applies
  std::function<CellResult(Env&)> run;
};

std::vector<Row> Rows() {
  std::vector<Row> rows;
  const std::string small = RandomBytes(64 * 1024, 1);

  rows.push_back({"GetObject", "GetObject", "", true, true, [small](Env& e) {
                    e.PutPlain("k", small);
                    GetObjectRequest g;
                    g.bucket = e.bucket;
                    g.key = "k";
                    g.checksum_mode = true;
                    auto r = e.Faulted([&] { return e.client.GetObject(g); });
                    CellResult c{r.status(), {}};
                    if (r.ok() && !(r->body == small) && !(r->body == Inverted(small)))
                      c.violation = "GetObject returned bytes that are neither version (short or corrupt read)";
                    return c;
                  }});
  rows.push_back({"PutObject", "PutObject", "", true, false, [small](Env& e) {
                    PutObjectRequest p;
                    p.bucket = e.bucket;
                    p.key = "k";
                    p.data = small;
                    auto r = e.Faulted([&] { return e.client.PutObject(p); });
                    return CellResult{r.status(), CheckWrite(e, r.status(), "k", small)};
                  }});
  rows.push_back({"HeadObject", "HeadObject", "", true, false, [small](Env& e) {
                    e.PutPlain("k", small);
                    HeadObjectRequest h;
                    h.bucket = e.bucket;
                    h.key = "k";
                    auto r = e.Faulted([&] { return e.client.HeadObject(h); });
                    CellResult c{r.status(), {}};
                    if (r.ok() && r->object_size != small.size()) c.violation = "HeadObject reported a wrong size";
                    return c;
                  }});
  rows.push_back({"ListObjectsV2", "ListObjectsV2", "", true, false, [](Env& e) {
                    for (const char* k : {"a", "b", "c"}) e.PutPlain(k, k);
                    ListObjectsV2Request l;
                    l.bucket = e.bucket;
                    auto r = e.Faulted([&] { return e.client.ListObjectsV2(l); });
                    CellResult c{r.status(), {}};
                    if (r.ok()) {
                      std::vector<std::string> keys;
                      for (const auto& o : r->contents) keys.push_back(o.key);
                      if (keys != std::vector<std::string>{"a", "b", "c"}) c.violation = "listing differs from the bucket";
                    }
                    return c;
                  }});
  rows.push_back({"DeleteObject", "DeleteObject", "", true, false, [](Env& e) {
                    e.PutPlain("k", "v");
                    DeleteObjectRequest d;
                    d.bucket = e.bucket;
                    d.key = "k";
                    auto r = e.Faulted([&] { return e.client.DeleteObject(d); });
                    CellResult c{r.status(), {}};
                    if (r.ok() && e.Stored("k")) c.violation = "DeleteObject reported success but the object is there";
                    return c;
                  }});
  rows.push_back({"DeleteObjects", "DeleteObjects", "", true, false, [](Env& e) {
                    DeleteObjectsRequest d;
                    d.bucket = e.bucket;
                    for (const char* k : {"a", "b", "c"}) {
                      e.PutPlain(k, k);
                      d.objects.push_back({k, ""});
                    }
                    auto r = e.Faulted([&] { return e.client.DeleteObjects(d); });
                    CellResult c{r.status(), {}};
                    if (r.ok() && (!r->errors.empty() || e.Stored("a") || e.Stored("b") || e.Stored("c")))
                      c.violation = "DeleteObjects reported success but objects remain";
                    return c;
                  }});
  rows.push_back({"CopyObject", "CopyObject", "CopyObject", true, false, [small](Env& e) {
                    e.PutPlain("src", small);
                    CopyObjectRequest cp;
                    cp.source_bucket = e.bucket;
                    cp.source_key = "src";
                    cp.bucket = e.bucket;
                    cp.key = "dst";
                    auto r = e.Faulted([&] { return e.client.CopyObject(cp); });
                    return CellResult{r.status(), CheckWrite(e, r.status(), "dst", small)};
                  }});
  rows.push_back({"CreateMultipartUpload", "CreateMultipartUpload", "", false, false, [](Env& e) {
                    CreateMultipartUploadRequest c;
                    c.bucket = e.bucket;
                    c.key = "k";
                    auto r = e.Faulted([&] { return e.client.CreateMultipartUpload(c); });
                    CellResult out{r.status(), {}};
                    if (r.ok()) {
                      auto ids = e.Uploads();
                      if (std::find(ids.begin(), ids.end(), r->upload_id) == ids.end())
                        out.violation = "the upload id returned is not an upload in progress";
                    }
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"UploadPart", "UploadPart", "", true, false, [small](Env& e) {
                    const std::string id = e.CreateUpload("k");
                    UploadPartRequest p;
                    p.bucket = e.bucket;
                    p.key = "k";
                    p.upload_id = id;
                    p.part_number = 1;
                    p.data = small;
                    auto r = e.Faulted([&] { return e.client.UploadPart(p); });
                    CellResult out{r.status(), {}};
                    const auto parts = e.Parts(id);
                    if (r.ok() && (parts.size() != 1 || parts[0].etag != r->etag ||
                                   parts[0].size != small.size()))
                      out.violation = "the part listed differs from the part acknowledged";
                    if (!r.ok() && !parts.empty() && parts[0].size != small.size())
                      out.violation = "a failed part left a different part visible";
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"UploadPartCopy", "UploadPartCopy", "UploadPartCopy", true, false, [small](Env& e) {
                    e.PutPlain("src", small);
                    const std::string id = e.CreateUpload("k");
                    UploadPartCopyRequest p;
                    p.source_bucket = e.bucket;
                    p.source_key = "src";
                    p.bucket = e.bucket;
                    p.key = "k";
                    p.upload_id = id;
                    p.part_number = 1;
                    auto r = e.Faulted([&] { return e.client.UploadPartCopy(p); });
                    CellResult out{r.status(), {}};
                    const auto parts = e.Parts(id);
                    if (r.ok() && (parts.size() != 1 || parts[0].size != small.size()))
                      out.violation = "the copied part listed differs from the source";
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"CompleteMultipartUpload", "CompleteMultipartUpload", "CompleteMultipartUpload", false, false,
                  [small](Env& e) {
                    const std::string id = e.CreateUpload("k");
                    UploadPartRequest p;
                    p.bucket = e.bucket;
                    p.key = "k";
                    p.upload_id = id;
                    p.part_number = 1;
                    p.data = small;
                    auto part = e.client.UploadPart(p);
                    REQUIRE(part.ok());
                    CompleteMultipartUploadRequest c;
                    c.bucket = e.bucket;
                    c.key = "k";
                    c.upload_id = id;
                    c.parts.push_back({1, part->etag});
                    auto r = e.Faulted([&] { return e.client.CompleteMultipartUpload(c); });
                    CellResult out{r.status(), CheckWrite(e, r.status(), "k", small)};
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"AbortMultipartUpload", "AbortMultipartUpload", "", true, false, [](Env& e) {
                    AbortMultipartUploadRequest a;
                    a.bucket = e.bucket;
                    a.key = "k";
                    a.upload_id = e.CreateUpload("k");
                    auto st = e.Faulted([&] { return e.client.AbortMultipartUpload(a); });
                    CellResult out{st, {}};
                    if (st.ok() && !e.Uploads().empty()) out.violation = "Abort reported success but the upload remains";
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"ListParts", "ListParts", "", true, false, [small](Env& e) {
                    const std::string id = e.CreateUpload("k");
                    std::vector<std::string> etags;
                    for (int n = 1; n <= 2; ++n) {
                      UploadPartRequest p;
                      p.bucket = e.bucket;
                      p.key = "k";
                      p.upload_id = id;
                      p.part_number = n;
                      p.data = small;
                      auto part = e.client.UploadPart(p);
                      REQUIRE(part.ok());
                      etags.push_back(part->etag);
                    }
                    ListPartsRequest l;
                    l.bucket = e.bucket;
                    l.key = "k";
                    l.upload_id = id;
                    auto r = e.Faulted([&] { return e.client.ListParts(l); });
                    CellResult out{r.status(), {}};
                    if (r.ok() && (r->parts.size() != 2 || r->parts[0].etag != etags[0] || r->parts[1].etag != etags[1]))
                      out.violation = "ListParts differs from the parts uploaded";
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"ListMultipartUploads", "ListMultipartUploads", "", true, false, [](Env& e) {
                    const std::set<std::string> ids = {e.CreateUpload("a"), e.CreateUpload("b")};
                    ListMultipartUploadsRequest l;
                    l.bucket = e.bucket;
                    auto r = e.Faulted([&] { return e.client.ListMultipartUploads(l); });
                    CellResult out{r.status(), {}};
                    if (r.ok()) {
                      std::set<std::string> got;
                      for (const auto& u : r->uploads) got.insert(u.upload_id);
                      if (got != ids) out.violation = "ListMultipartUploads differs from the uploads in progress";
                    }
                    e.AbortAll();
                    return out;
                  }});
  rows.push_back({"SelectObjectContent", "SelectObjectContent", "", true, false, [](Env& e) {
                    e.PutPlain("t.csv", "a,1\nb,2\nc,3\n");
                    SelectObjectContentRequest s;
                    s.bucket = e.bucket;
                    s.key = "t.csv";
                    s.sql = "SELECT s._1 FROM S3Object s WHERE CAST(s._2 AS INT) > 1";
                    s.disable_local_fallback = true;
                    std::string records;
                    auto st = e.Faulted([&] {
                      return e.client.SelectObjectContent(s, [&](std::string_view r) {
                        records.append(r);
                        return Status::Ok();
                      });
                    });
                    CellResult out{st, {}};
                    if (st.ok() && records != "b\nc\n") out.violation = "Select returned other records: " + records;
                    return out;
                  }});

  // Composite operations: 11 MiB in 5 MiB parts (3 parts), one part at a time so the
  // cell is deterministic.
  const std::string big = RandomBytes(11 * 1024 * 1024, 2);
  auto transfer_options = [] {
    TransferOptions o;
    o.part_size = 5 * 1024 * 1024;
    o.multipart_threshold = 5 * 1024 * 1024;
    o.concurrency = 1;
    return o;
  };
  rows.push_back({"TransferManager upload", "UploadPart", "CompleteMultipartUpload", true, false,
                  [big, transfer_options](Env& e) {
                    TransferManager tm(e.client, transfer_options());
                    auto r = e.Faulted([&] { return tm.UploadBuffer(e.bucket, "k", big); });
                    CellResult out{r.status(), CheckWrite(e, r.status(), "k", big)};
                    if (out.violation.empty()) out.violation = CheckNoUploads(e);
                    return out;
                  }});
  rows.push_back({"TransferManager download", "GetObject", "", true, true, [big, transfer_options](Env& e) {
                    e.PutPlain("k", big);
                    TransferManager tm(e.client, transfer_options());
                    auto r = e.Faulted([&] { return tm.DownloadToBuffer(e.bucket, "k"); });
                    CellResult out{r.status(), {}};
                    if (r.ok() && !(r->body == big) && !(r->body == Inverted(big)))
                      out.violation = "the download is neither version of the object (short, corrupt or mixed)";
                    return out;
                  }});
  rows.push_back({"ArtifactWriter", "UploadPart", "CompleteMultipartUpload", true, false, [big](Env& e) {
                    ArtifactWriteOptions o;
                    o.part_size = 5 * 1024 * 1024;
                    o.concurrency = 1;
                    auto w = ArtifactWriter::Open(e.client, e.bucket, "k", o);
                    REQUIRE(w.ok());
                    auto r = e.Faulted([&]() -> Result<ArtifactInfo> {
                      for (std::size_t off = 0; off < big.size(); off += 1 << 20) {
                        Status s = (*w)->Write(big.data() + off, std::min<std::size_t>(1 << 20, big.size() - off));
                        if (!s.ok()) return s;
                      }
                      return (*w)->Commit();
                    });
                    w->reset();
                    CellResult out{r.status(), CheckWrite(e, r.status(), "k", big)};
                    if (out.violation.empty()) out.violation = CheckNoUploads(e);
                    return out;
                  }});
  const std::string medium = RandomBytes(300 * 1024, 3);
  rows.push_back({"ArtifactReader", "GetObject", "", true, true, [medium](Env& e) {
                    e.PutPlain("k", medium);
                    ArtifactReadOptions o;
                    o.part_size = 64 * 1024;
                    o.read_ahead = 1;
                    auto r = e.Faulted([&]() -> Result<std::string> {
                      auto reader = ArtifactReader::Open(e.client, e.bucket, "k", {}, o);
                      if (!reader.ok()) return reader.status();
                      std::string out(medium.size() + 1, '\0');
                      std::size_t got = 0;
                      for (;;) {
                        auto n = (*reader)->Read(out.data() + got, out.size() - got);
                        if (!n.ok()) return n.status();
                        if (*n == 0) break;
                        got += *n;
                      }
                      out.resize(got);
                      return out;
                    });
                    CellResult out{r.status(), {}};
                    if (r.ok() && *r != medium && *r != Inverted(medium))
                      out.violation = "the artifact read is neither version (short, corrupt or mixed)";
                    return out;
                  }});
  rows.push_back({"DatasetReader", "GetObject", "", true, true, [small](Env& e) {
                    e.PutPlain("ds/shard-0", small);
                    dataset::ReaderOptions o;
                    o.fetch_threads = 1;
                    o.max_in_flight = 1;
                    auto r = e.Faulted([&]() -> Result<std::string> {
                      auto reader = dataset::DatasetReader::Create(
                          e.client, dataset::Source::Keys(e.bucket, {"ds/shard-0"}), o);
                      if (!reader.ok()) return reader.status();
                      std::string all;
                      for (;;) {
                        auto s = (*reader)->Next();
                        if (!s.ok()) return s.status();
                        if (!*s) break;
                        all.append((*s)->data());
                      }
                      return all;
                    });
                    CellResult out{r.status(), {}};
                    if (r.ok() && *r != small && *r != Inverted(small))
                      out.violation = "the samples are neither version of the shard (short or corrupt read)";
                    return out;
                  }});
  return rows;
}

bool Applicable(const Row& row, const std::string& fault) {
  if (fault == "200-with-error") return !row.target_200.empty();
  if (fault == "change-object-after-1K") return row.reads_object;
  return true;
}

enum class Expect { kRetried, kFailed, kInvariantsOnly };

/// The outcome each fault kind must have for a row (see the file comment).
Expect Expected(const Row& row, const std::string& fault) {
  if (fault == "reset" || fault == "reset-after-1K" || fault == "stall-for-3s-after-1K")
    return row.idempotent ? Expect::kRetried : Expect::kFailed;
  if (fault == "corrupt-body" || fault == "change-object-after-1K") return Expect::kInvariantsOnly;
  return Expect::kRetried;  // refused before the operation ran
}

/// Cells where the client is known to do the wrong thing; each one is listed in
/// docs/reliability.md as a known defect. The test asserts the defect is still there,
/// so fixing it fails here until the entry is removed.
const std::set<std::pair<std::string, std::string>>& KnownDefects() {
  // None today. (A TransferManager download and an ArtifactReader returned a body
  // corrupted in a ranged GET until they checked the object's checksum.)
  static const std::set<std::pair<std::string, std::string>> kDefects = {};
  return kDefects;
}

std::string Describe(const Status& st, std::uint64_t requests) {
  const std::string n = std::to_string(requests) + " req";
  if (st.ok()) return "ok, " + n;
  std::string what = !st.code().empty() ? st.code() : std::string(CategoryName(st.category()));
  if (st.message().find("not retried") != std::string::npos) what += " (not retried)";
  return "error " + what + ", " + n;
}

std::string RenderTable(const std::vector<Row>& rows, const std::map<std::pair<std::string, std::string>, std::string>& cells) {
  std::ostringstream t;
  t << "| operation (faulted request) |";
  for (const auto& f : FaultColumns()) t << " `" << f << "` |";
  t << "\n|---|";
  for (std::size_t i = 0; i < FaultColumns().size(); ++i) t << "---|";
  t << "\n";
  for (const auto& row : rows) {
    t << "| " << row.name;
    if (row.name != row.target) t << " (" << row.target << ")";
    t << " |";
    for (const auto& f : FaultColumns()) t << " " << cells.at({row.name, f}) << " |";
    t << "\n";
  }
  return t.str();
}

constexpr const char* kBegin = "<!-- fault-matrix:begin (generated by tests/integration/fault_matrix_test.cc) -->\n";
constexpr const char* kEnd = "<!-- fault-matrix:end -->";

}  // namespace

TEST_CASE("Fault matrix: every operation under every fault kind keeps its invariants and matches docs/reliability.md",
          "[faults][matrix]") {
  mock::MockS3Options mo;
  mo.threads = 8;
  auto server = StartMock(mo);
  const std::vector<Row> rows = Rows();
  std::map<std::pair<std::string, std::string>, std::string> cells;
  int cell_index = 0;
  for (const auto& row : rows) {
    for (const auto& fault : FaultColumns()) {
      ++cell_index;
      if (!Applicable(row, fault)) {
        cells[{row.name, fault}] = "—";
        continue;
      }
      INFO("cell: " << row.name << " x " << fault);
      RecordingSleeper sleeper;
      ClientOptions o = MockOptions(*server);
      o.retry.max_attempts = 4;
      o.retry.jitter_seed = 7;
      if (fault.rfind("stall-", 0) == 0) {
        // A stall of 3 s is a stall: libcurl averages the speed over its last ~5 s, so with
        // the default limit (1 byte/s) it would take the bytes sent before the pause for
        // progress. Only this column: on a loaded machine a tight limit could also cut
        // ordinary requests and change the other cells.
        o.low_speed_limit = 64 * 1024;
        o.low_speed_time = std::chrono::seconds(1);
      }
      o.default_checksum_algorithm = ChecksumAlgorithm::kCrc32;
      auto curl = CurlHttpClient::Create(HttpClientOptionsFrom(o));
      REQUIRE(curl.ok());
      auto http = std::make_shared<PlanHeaderHttp>(std::shared_ptr<HttpClient>(std::move(*curl)));
      ClientDependencies deps;
      deps.http = http;
      deps.sleeper = &sleeper;
      auto client = Client::Impl::Create(o, deps);
      REQUIRE(client.ok());
      const std::string bucket = "fm-" + std::to_string(cell_index);
      REQUIRE(client->CreateBucket(CreateBucketRequest{bucket, ""}).ok());

      mock::FaultPlan plan;
      const std::string target = fault == "200-with-error" ? row.target_200 : row.target;
      plan.instructions[target] = {fault};
      auto id = server->CreateFaultPlan(plan);
      REQUIRE(id.ok());
      Env env{*server, *client, http, bucket, *id, target};
      CellResult result = row.run(env);
      auto fired = server->GetFaultPlan(*id);
      REQUIRE(fired.ok());
      CHECK_FALSE(fired->fired.empty());  // the instruction was used: the cell tested something
      server->DeleteFaultPlan(*id);

      const Status& st = result.status;
      INFO("status: " << st.ToString());
      std::string text = Describe(st, env.faulted_requests);
      std::string broken = result.violation;
      const bool request_failure = st.category() == ErrorCategory::kService ||
                                   st.category() == ErrorCategory::kNetwork || st.category() == ErrorCategory::kTimeout;
      if (!st.ok() && request_failure && st.attempts() < 1 && st.ToString().find("attempt") == std::string::npos)
        broken += (broken.empty() ? "" : "; ") + std::string("the error does not say how many attempts were made");
      switch (Expected(row, fault)) {
        case Expect::kRetried:
          if (!st.ok()) broken += (broken.empty() ? "" : "; ") + std::string("expected a retry to succeed");
          break;
        case Expect::kFailed:
          if (st.ok()) broken += (broken.empty() ? "" : "; ") + std::string("expected an error, not a repeat");
          break;
        case Expect::kInvariantsOnly:
          break;
      }
      const bool known = KnownDefects().count({row.name, fault}) > 0;
      if (known) {
        INFO("listed as a known defect, but the client now behaves: remove it from KnownDefects()");
        CHECK_FALSE(broken.empty());
        text = "**defect**: " + text;
      } else {
        INFO("broken: " << broken);
        CHECK(broken.empty());
      }
      cells[{row.name, fault}] = text;
    }
  }

  const std::string table = RenderTable(rows, cells);
  const std::string path = std::string(S3ML_SOURCE_DIR) + "/docs/reliability.md";
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  const auto b = doc.find(kBegin);
  const auto e = doc.find(kEnd);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  const std::string current = doc.substr(b + std::string(kBegin).size(), e - b - std::string(kBegin).size());
  const char* update = std::getenv("S3ML_UPDATE_DOCS");
  if (update && std::string(update) == "1") {
    if (current != table) {
      doc.replace(b + std::string(kBegin).size(), current.size(), table);
      std::ofstream(path) << doc;
    }
    return;
  }
  INFO("The fault matrix differs from docs/reliability.md. Regenerate it with\n"
       "  make reliability-docs   (or: S3ML_UPDATE_DOCS=1 ctest --test-dir build -R fault_matrix)\n"
       "and review the diff. Generated table:\n"
       << table);
  CHECK(current == table);
}

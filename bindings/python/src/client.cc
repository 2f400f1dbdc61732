// s3ml.Client (lazy, picklable by configuration): configuration, bucket and object operations.
#include <unistd.h>

#include <cctype>

#include "py_common.h"
#include "s3ml/options.h"
#include "s3ml/tagging.h"

namespace s3ml::python {

// ---- shared helpers -------------------------------------------------------------------

BodyArg::BodyArg(const py::object& body, const char* arg_name) {
  if (body.is_none()) return;
  if (py::isinstance<py::bytes>(body)) {
    keep_ = body;
    char* data = nullptr;
    py::ssize_t n = 0;
    PyBytes_AsStringAndSize(body.ptr(), &data, &n);
    view_ = std::string_view(data, static_cast<std::size_t>(n));
  } else if (py::isinstance<py::str>(body)) {
    owned_ = body.cast<std::string>();
    view_ = owned_;
  } else if (PyObject_CheckBuffer(body.ptr())) {
    keep_ = body;
    info_.emplace(py::reinterpret_borrow<py::buffer>(body).request());
    view_ = std::string_view(static_cast<const char*>(info_->ptr),
                             static_cast<std::size_t>(info_->size * info_->itemsize));
  } else if (py::hasattr(body, "read")) {
    keep_ = body.attr("read")();
    if (py::isinstance<py::str>(keep_)) {
      owned_ = keep_.cast<std::string>();
      view_ = owned_;
    } else if (PyObject_CheckBuffer(keep_.ptr())) {
      info_.emplace(py::reinterpret_borrow<py::buffer>(keep_).request());
      view_ = std::string_view(static_cast<const char*>(info_->ptr),
                               static_cast<std::size_t>(info_->size * info_->itemsize));
    } else {
      throw py::type_error(std::string(arg_name) + ": read() returned neither bytes nor str");
    }
  } else {
    throw py::type_error(std::string(arg_name) + ": expected bytes, a buffer, str or a readable file object, got " +
                         TypeName(body));
  }
}

BodyArg::~BodyArg() = default;

ChecksumAlgorithm ParseChecksumAlgorithm(const std::optional<std::string>& name, const char* arg) {
  if (!name || name->empty()) return ChecksumAlgorithm::kNone;
  std::string n;
  for (char c : *name) n += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n == "CRC32") return ChecksumAlgorithm::kCrc32;
  if (n == "CRC32C") return ChecksumAlgorithm::kCrc32c;
  if (n == "SHA1") return ChecksumAlgorithm::kSha1;
  if (n == "SHA256") return ChecksumAlgorithm::kSha256;
  ThrowInvalid(arg, "unknown checksum algorithm '" + *name + "' (expected CRC32, CRC32C, SHA1 or SHA256)");
}

py::dict ClientConfig::ToDict() const {
  py::dict d;
  auto put = [&d](const char* k, const auto& v) {
    if (v) d[k] = *v;
  };
  put("endpoint_url", endpoint_url);
  put("region", region);
  put("profile", profile);
  put("access_key", access_key);
  put("secret_key", secret_key);
  put("session_token", session_token);
  put("max_attempts", max_attempts);
  put("addressing_style", addressing_style);
  put("max_connections", max_connections);
  if (ca_bundle) {
    d["verify"] = *ca_bundle;
  } else {
    put("verify", verify);
  }
  if (allow_sse_c_over_http) d["allow_sse_c_over_http"] = true;
  if (unsigned_requests) d["unsigned"] = true;
  put("request_checksum_calculation", request_checksum_calculation);
  return d;
}

std::optional<ByteRange> ParseRange(const py::object& range) {
  if (range.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(range)) {
    std::string s = range.cast<std::string>();
    const std::string prefix = "bytes=";
    auto bad = [&s]() -> ByteRange {
      ThrowInvalid("range", "expected 'bytes=first-last', 'bytes=first-' or 'bytes=-suffix', got '" + s + "'");
    };
    if (s.rfind(prefix, 0) != 0) return bad();
    std::string spec = s.substr(prefix.size());
    auto dash = spec.find('-');
    if (dash == std::string::npos || spec.find(',') != std::string::npos) return bad();
    std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
    auto num = [&](const std::string& t) -> std::uint64_t {
      if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) bad();
      return std::stoull(t);
    };
    if (a.empty()) return ByteRange::Suffix(num(b));
    if (b.empty()) return ByteRange::From(num(a));
    std::uint64_t first = num(a), last = num(b);
    if (last < first) ThrowInvalid("range", "last byte before first in '" + s + "'");
    return ByteRange::Closed(first, last);
  }
  if (py::isinstance<py::tuple>(range) || py::isinstance<py::list>(range)) {
    auto seq = range.cast<py::sequence>();
    if (seq.size() != 2) ThrowInvalid("range", "expected a (first, last) pair of inclusive byte offsets");
    auto first = seq[0].cast<std::int64_t>();
    if (first < 0) ThrowInvalid("range", "first byte must be >= 0");
    if (py::object(seq[1]).is_none()) return ByteRange::From(static_cast<std::uint64_t>(first));
    auto last = seq[1].cast<std::int64_t>();
    if (last < first) ThrowInvalid("range", "last byte before first");
    return ByteRange::Closed(static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(last));
  }
  throw py::type_error("range: expected a str like 'bytes=0-99' or a (first, last) tuple");
}

// ---- PyClient ----------------------------------------------------------------------

PyClient::PyClient(ClientConfig config) : config_(std::move(config)) {
  if (config_.access_key.has_value() != config_.secret_key.has_value())
    ThrowInvalid(config_.access_key ? "secret_key" : "access_key",
                 "access_key and secret_key must be given together");
  if (config_.unsigned_requests && config_.access_key)
    ThrowInvalid("unsigned", "anonymous requests cannot be combined with access_key/secret_key");
  if (config_.session_token && !config_.access_key)
    ThrowInvalid("session_token", "needs access_key and secret_key");
  if (config_.max_attempts && *config_.max_attempts < 1)
    ThrowInvalid("max_attempts", "must be >= 1, got " + std::to_string(*config_.max_attempts));
  if (config_.max_connections && *config_.max_connections < 1)
    ThrowInvalid("max_connections", "must be >= 1, got " + std::to_string(*config_.max_connections));
  if (config_.addressing_style) {
    const std::string& a = *config_.addressing_style;
    if (a != "auto" && a != "path" && a != "virtual")
      ThrowInvalid("addressing_style", "expected 'auto', 'path' or 'virtual', got '" + a + "'");
  }
  if (config_.request_checksum_calculation) {
    std::string v;
    for (char ch : *config_.request_checksum_calculation)
      v += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (v != "when_supported" && v != "when_required")
      ThrowInvalid("request_checksum_calculation", "expected 'when_supported' or 'when_required', got '" +
                                                       *config_.request_checksum_calculation + "'");
    config_.request_checksum_calculation = v;
  }
}

bool PyClient::started() const {
  std::lock_guard<std::mutex> lock(mu_);
  return client_.has_value() && pid_ == getpid();
}

Client PyClient::Get() const { return Shared().WithCancellation(InterruptToken()); }

Client PyClient::Shared() const {
  std::lock_guard<std::mutex> lock(mu_);
  const pid_t now = getpid();
  if (client_ && pid_ == now) return *client_;
  if (client_) {
    // Built by the parent before fork(): its connections belong to the parent. Leak it
    // (closing them here could disturb the parent's TLS sessions) and build our own.
    new Client(std::move(*client_));  // NOLINT: intentional leak
    client_.reset();
  }
  const ClientConfig& c = config_;
  Result<ClientOptions> env = ClientOptions::FromEnvironment(Str(c.profile));
  ClientOptions o = Unwrap(std::move(env));
  if (c.profile) o.profile = *c.profile;
  if (c.endpoint_url) o.endpoint_url = *c.endpoint_url;
  if (c.region) o.region = *c.region;
  if (c.access_key) {
    Credentials creds;
    creds.access_key_id = *c.access_key;
    creds.secret_access_key = Str(c.secret_key);
    creds.session_token = Str(c.session_token);
    creds.source = "explicit arguments";
    o.credentials = creds;
  }
  if (c.max_attempts) o.retry.max_attempts = *c.max_attempts;
  if (c.max_connections) o.max_connections = *c.max_connections;
  if (c.addressing_style) {
    o.addressing = *c.addressing_style == "path"      ? AddressingStyle::kPath
                   : *c.addressing_style == "virtual" ? AddressingStyle::kVirtualHosted
                                                      : AddressingStyle::kAuto;
  }
  if (c.verify) o.verify_tls = *c.verify;
  if (c.ca_bundle) o.ca_file = *c.ca_bundle;
  if (c.allow_sse_c_over_http) o.allow_sse_c_over_http = true;
  if (c.unsigned_requests) {  // anonymous: no credentials from the environment either
    o.credentials.reset();
    o.credentials_provider.reset();
    o.no_sign_request = true;
  }
  if (c.request_checksum_calculation)
    o.request_checksum_calculation = *c.request_checksum_calculation == "when_required"
                                         ? ChecksumCalculation::kWhenRequired
                                         : ChecksumCalculation::kWhenSupported;
  client_ = Unwrap(Client::Create(std::move(o)));
  pid_ = now;
  return *client_;
}

// ---- result types -------------------------------------------------------------------

namespace {

/// HeadObject's answer; GetObjectResult adds the body.
struct ObjectInfo {
  ObjectMetadata info;
};
struct GetObjectOut : ObjectInfo {
  PyBuffer body;
};

std::string StorageClassOrStandard(const std::string& s) { return s.empty() ? "STANDARD" : s; }

std::string TaggingArg(const py::object& tagging) {
  if (tagging.is_none()) return {};
  if (py::isinstance<py::str>(tagging)) return tagging.cast<std::string>();
  if (py::isinstance<py::dict>(tagging)) {
    std::vector<Tag> tags;
    for (auto item : tagging.cast<py::dict>())
      tags.push_back(Tag{py::str(item.first).cast<std::string>(), py::str(item.second).cast<std::string>()});
    return EncodeTagging(tags);
  }
  throw py::type_error("tagging: expected a dict of tags or an encoded 'k1=v1&k2=v2' str");
}

std::shared_ptr<PyClient> MakeClient(std::optional<std::string> endpoint_url, std::optional<std::string> region,
                                     std::optional<std::string> profile, std::optional<std::string> access_key,
                                     std::optional<std::string> secret_key, std::optional<std::string> session_token,
                                     std::optional<int> max_attempts, std::optional<std::string> addressing_style,
                                     std::optional<int> max_connections, const py::object& verify,
                                     bool allow_sse_c_over_http,
                                     std::optional<std::string> request_checksum_calculation,
                                     bool unsigned_requests) {
  ClientConfig c;
  c.unsigned_requests = unsigned_requests;
  c.endpoint_url = std::move(endpoint_url);
  c.region = std::move(region);
  c.profile = std::move(profile);
  c.access_key = std::move(access_key);
  c.secret_key = std::move(secret_key);
  c.session_token = std::move(session_token);
  c.max_attempts = max_attempts;
  c.addressing_style = std::move(addressing_style);
  c.max_connections = max_connections;
  c.allow_sse_c_over_http = allow_sse_c_over_http;
  c.request_checksum_calculation = std::move(request_checksum_calculation);
  if (py::isinstance<py::bool_>(verify)) {
    c.verify = verify.cast<bool>();
  } else if (py::isinstance<py::str>(verify)) {
    c.ca_bundle = verify.cast<std::string>();
  } else if (!verify.is_none()) {
    throw py::type_error("verify: expected a bool or the path of a CA bundle");
  }
  return std::make_shared<PyClient>(std::move(c));
}

template <class T>
std::string ReprOf(const char* name, const T& fields) {
  return std::string("s3ml.") + name + "(" + fields + ")";
}

}  // namespace

void RegisterClient(py::module_& m) {
  // ---- result classes
  py::class_<BucketInfo>(m, "BucketInfo", "A bucket of list_buckets().")
      .def_readonly("name", &BucketInfo::name)
      .def_property_readonly("creation_date", [](const BucketInfo& b) { return ToDatetime(b.creation_date); })
      .def("__repr__", [](const BucketInfo& b) { return ReprOf("BucketInfo", "name='" + b.name + "'"); });

  py::class_<ObjectInfo> object_info(m, "ObjectInfo", "What head_object() (and get_object()) report about an object.");
  DefEncryptionProperties(object_info, [](const ObjectInfo& o) -> const EncryptionInfo& { return o.info.encryption; });
  object_info
      .def_property_readonly("content_length", [](const ObjectInfo& o) { return o.info.content_length; },
                             "Bytes in this response (the range length for ranged GETs).")
      .def_property_readonly("object_size", [](const ObjectInfo& o) { return o.info.object_size; },
                             "Full object size.")
      .def_property_readonly("content_type", [](const ObjectInfo& o) { return o.info.content_type; })
      .def_property_readonly("content_range", [](const ObjectInfo& o) { return o.info.content_range; })
      .def_property_readonly("content_encoding", [](const ObjectInfo& o) { return o.info.content_encoding; })
      .def_property_readonly("cache_control", [](const ObjectInfo& o) { return o.info.cache_control; })
      .def_property_readonly("content_disposition", [](const ObjectInfo& o) { return o.info.content_disposition; })
      .def_property_readonly("etag", [](const ObjectInfo& o) { return o.info.etag; })
      .def_property_readonly("last_modified", [](const ObjectInfo& o) { return ToDatetime(o.info.last_modified); },
                             "Aware datetime in UTC.")
      .def_property_readonly("version_id", [](const ObjectInfo& o) { return o.info.version_id; })
      .def_property_readonly("storage_class",
                             [](const ObjectInfo& o) { return StorageClassOrStandard(o.info.storage_class); })
      .def_property_readonly("metadata", [](const ObjectInfo& o) { return o.info.metadata; },
                             "User metadata (x-amz-meta-*), names lower-cased without the prefix.")
      .def_property_readonly("delete_marker", [](const ObjectInfo& o) { return o.info.delete_marker; })
      .def_property_readonly("parts_count", [](const ObjectInfo& o) { return o.info.parts_count; })
      .def_property_readonly("expiration", [](const ObjectInfo& o) { return o.info.expiration; })
      .def_property_readonly("restore", [](const ObjectInfo& o) { return o.info.restore; },
                             "x-amz-restore as sent ('' when absent); see restore_status.")
      .def_property_readonly(
          "expiration_info",
          [](const ObjectInfo& o) -> py::object {
            if (!o.info.expiration_info) return py::none();
            py::dict d;
            d["expiry_date"] = ToDatetime(o.info.expiration_info->expiry_date);
            d["rule_id"] = o.info.expiration_info->rule_id;
            return d;
          },
          "x-amz-expiration parsed: {'expiry_date': datetime, 'rule_id': str}, or None.")
      .def_property_readonly(
          "restore_status",
          [](const ObjectInfo& o) -> py::object {
            if (!o.info.restore_status) return py::none();
            py::dict d;
            d["ongoing"] = o.info.restore_status->ongoing;
            d["expiry_date"] = o.info.restore_status->expiry_date ? ToDatetime(*o.info.restore_status->expiry_date)
                                                                  : py::object(py::none());
            return d;
          },
          "x-amz-restore parsed (archived objects): {'ongoing': bool, 'expiry_date': datetime or None},\n"
          "or None when no restore was requested.")
      .def_property_readonly("tag_count", [](const ObjectInfo& o) { return o.info.tag_count; },
                             "x-amz-tagging-count (0 when absent).")
      .def_property_readonly("checksums",
                             [](const ObjectInfo& o) {
                               py::dict d;
                               if (!o.info.checksum_crc32.empty()) d["CRC32"] = o.info.checksum_crc32;
                               if (!o.info.checksum_crc32c.empty()) d["CRC32C"] = o.info.checksum_crc32c;
                               if (!o.info.checksum_sha1.empty()) d["SHA1"] = o.info.checksum_sha1;
                               if (!o.info.checksum_sha256.empty()) d["SHA256"] = o.info.checksum_sha256;
                               return d;
                             },
                             "Checksums the server returned (with checksum_mode), by algorithm.")
      .def("__repr__", [](const ObjectInfo& o) {
        return ReprOf("ObjectInfo", "etag=" + o.info.etag + ", size=" + std::to_string(o.info.object_size));
      });

  py::class_<GetObjectOut, ObjectInfo>(m, "GetObjectResult", "get_object()'s answer: ObjectInfo plus .body.")
      .def_readonly("body", &GetObjectOut::body, "The bytes (s3ml.Buffer: zero-copy buffer protocol).")
      .def("__repr__", [](const GetObjectOut& o) {
        return ReprOf("GetObjectResult", "etag=" + o.info.etag + ", body=" + std::to_string(o.body.size()) + " bytes");
      });

  py::class_<PutObjectResult> put_result(m, "PutObjectResult");
  DefEncryptionProperties(put_result, [](const PutObjectResult& r) -> const EncryptionInfo& { return r.encryption; });
  put_result.def_readonly("etag", &PutObjectResult::etag)
      .def_readonly("expiration", &PutObjectResult::expiration, "x-amz-expiration as sent ('' when absent).")
      .def_readonly("version_id", &PutObjectResult::version_id)
      .def("__repr__", [](const PutObjectResult& r) { return ReprOf("PutObjectResult", "etag=" + r.etag); });
  py::class_<DeleteObjectResult>(m, "DeleteObjectResult")
      .def_readonly("delete_marker", &DeleteObjectResult::delete_marker)
      .def_readonly("version_id", &DeleteObjectResult::version_id);
  py::class_<DeletedObject>(m, "DeletedObject")
      .def_readonly("key", &DeletedObject::key)
      .def_readonly("version_id", &DeletedObject::version_id)
      .def_readonly("delete_marker", &DeletedObject::delete_marker)
      .def_readonly("delete_marker_version_id", &DeletedObject::delete_marker_version_id)
      .def("__repr__", [](const DeletedObject& r) { return ReprOf("DeletedObject", "key='" + r.key + "'"); });
  py::class_<DeleteError>(m, "DeleteError")
      .def_readonly("key", &DeleteError::key)
      .def_readonly("version_id", &DeleteError::version_id)
      .def_readonly("code", &DeleteError::code)
      .def_readonly("message", &DeleteError::message)
      .def("__repr__", [](const DeleteError& r) { return ReprOf("DeleteError", "key='" + r.key + "', code=" + r.code); });
  py::class_<DeleteObjectsResult>(m, "DeleteObjectsResult")
      .def_readonly("deleted", &DeleteObjectsResult::deleted)
      .def_readonly("errors", &DeleteObjectsResult::errors);
  py::class_<CopyObjectResult> copy_result(m, "CopyObjectResult");
  DefEncryptionProperties(copy_result, [](const CopyObjectResult& r) -> const EncryptionInfo& { return r.encryption; });
  copy_result.def_readonly("etag", &CopyObjectResult::etag)
      .def_property_readonly("last_modified", [](const CopyObjectResult& r) { return ToDatetime(r.last_modified); })
      .def_readonly("version_id", &CopyObjectResult::version_id)
      .def_readonly("copy_source_version_id", &CopyObjectResult::copy_source_version_id);

  // ---- the client
  ClientClass cls(m, "Client", R"doc(An S3 client.

Arguments left as None resolve like boto3: AWS_ENDPOINT_URL(_S3), AWS_REGION /
AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_SESSION_TOKEN, the shared config and credentials files, AWS_MAX_ATTEMPTS,
AWS_CA_BUNDLE, then instance metadata. Nothing is resolved, started or connected
at construction: the native client is built on first use, and again in a forked
child (fork safety). Pickling keeps only these arguments.

Thread safety: one Client may be used from many threads; every call releases the
GIL while it waits for the network.)doc");
  cls.def(py::init(&MakeClient), py::arg("endpoint_url") = py::none(), py::arg("region") = py::none(),
          py::arg("profile") = py::none(), py::arg("access_key") = py::none(), py::arg("secret_key") = py::none(),
          py::arg("session_token") = py::none(), py::arg("max_attempts") = py::none(),
          py::arg("addressing_style") = py::none(), py::arg("max_connections") = py::none(),
          py::arg("verify") = py::none(), py::arg("allow_sse_c_over_http") = false,
          py::arg("request_checksum_calculation") = py::none(), py::arg("unsigned") = false)
      .def("_config", [](const PyClient& c) { return c.config().ToDict(); },
           "The constructor arguments (None omitted) that rebuild this client.")
      .def_property_readonly("started", &PyClient::started,
                             "True once the native client exists in this process (first call made).")
      .def_property_readonly(
          "region", [](const PyClient& c) { return c.Get().options().region; }, "The resolved region.")
      .def_property_readonly(
          "endpoint_url", [](const PyClient& c) { return c.Get().options().endpoint_url; },
          "The resolved endpoint URL (empty: AWS's regional endpoint).");

  // ---- buckets
  cls.def(
         "list_buckets",
         [](const PyClient& self) {
           Client c = self.Get();
           Result<ListBucketsResult> r = NoGil([&] { return c.ListBuckets(); });
           return Unwrap(std::move(r)).buckets;
         },
         "Every bucket of the account.")
      .def(
          "create_bucket",
          [](const PyClient& self, const std::string& bucket, const std::optional<std::string>& region) {
            Client c = self.Get();
            CreateBucketRequest req{bucket, Str(region)};
            if (req.location_constraint == "us-east-1") req.location_constraint.clear();
            Result<CreateBucketResult> r = NoGil([&] { return c.CreateBucket(req); });
            return Unwrap(std::move(r)).location;
          },
          py::arg("bucket"), py::kw_only(), py::arg("region") = py::none(),
          "Creates a bucket (in `region`, default: us-east-1); returns its Location.")
      .def(
          "delete_bucket",
          [](const PyClient& self, const std::string& bucket) {
            Client c = self.Get();
            Check(NoGil([&] { return c.DeleteBucket(bucket); }));
          },
          py::arg("bucket"))
      .def(
          "head_bucket",
          [](const PyClient& self, const std::string& bucket) {
            Client c = self.Get();
            Result<HeadBucketResult> r = NoGil([&] { return c.HeadBucket(bucket); });
            return Unwrap(std::move(r)).region;
          },
          py::arg("bucket"), "Checks the bucket exists and is accessible; returns its region.")
      .def(
          "get_bucket_location",
          [](const PyClient& self, const std::string& bucket) {
            Client c = self.Get();
            Result<std::string> r = NoGil([&] { return c.GetBucketLocation(bucket); });
            return Unwrap(std::move(r));
          },
          py::arg("bucket"));

  // ---- objects
  cls.def(
         "put_object",
         [](const PyClient& self, const std::string& bucket, const std::string& key, const py::object& body,
            std::optional<Metadata> metadata, std::optional<std::string> content_type,
            std::optional<std::string> storage_class, const py::object& tagging,
            std::optional<std::string> checksum_algorithm, std::optional<std::string> if_none_match,
            std::optional<std::string> cache_control, std::optional<std::string> content_disposition,
            std::optional<std::string> content_encoding, bool content_md5, const py::object& sse,
            std::optional<std::string> sse_kms_key_id, const py::object& sse_kms_context,
            std::optional<std::string> if_match, std::optional<std::string> acl) {
           Client c = self.Get();
           BodyArg data(body, "body");
           PutObjectRequest req;
           req.acl = Str(acl);
           req.sse = ParseSse(sse, sse_kms_key_id, sse_kms_context);
           req.bucket = bucket;
           req.key = key;
           req.data = data.view();
           req.metadata = metadata.value_or(Metadata{});
           req.content_type = Str(content_type);
           req.storage_class = Str(storage_class);
           req.tagging = TaggingArg(tagging);
           req.checksum_algorithm = ParseChecksumAlgorithm(checksum_algorithm, "checksum_algorithm");
           req.if_none_match = Str(if_none_match);
           req.if_match = Str(if_match);
           req.cache_control = Str(cache_control);
           req.content_disposition = Str(content_disposition);
           req.content_encoding = Str(content_encoding);
           req.send_content_md5 = content_md5;
           Result<PutObjectResult> r = NoGil([&] { return c.PutObject(req); });
           return Unwrap(std::move(r));
         },
         py::arg("bucket"), py::arg("key"), py::arg("body") = py::bytes(), py::kw_only(),
         py::arg("metadata") = py::none(), py::arg("content_type") = py::none(),
         py::arg("storage_class") = py::none(), py::arg("tagging") = py::none(),
         py::arg("checksum_algorithm") = py::none(), py::arg("if_none_match") = py::none(),
         py::arg("cache_control") = py::none(), py::arg("content_disposition") = py::none(),
         py::arg("content_encoding") = py::none(), py::arg("content_md5") = false, py::arg("sse") = py::none(),
         py::arg("sse_kms_key_id") = py::none(), py::arg("sse_kms_context") = py::none(),
         py::arg("if_match") = py::none(), py::arg("acl") = py::none(),
         "Stores `body` (bytes-like, str or a readable file object) in one request. The bytes\n"
         "are not copied (the GIL is released while they are sent; do not mutate them meanwhile).\n"
         "Conditional write: if_none_match='*' (create only) or if_match=etag (replace only that\n"
         "version): s3ml.PreconditionFailed (412) when the condition fails,\n"
         "s3ml.ConditionalRequestConflict (409) when a concurrent request deleted the key.\n"
         "sse: 'AES256', 'aws:kms' / 'aws:kms:dsse' (with sse_kms_key_id, sse_kms_context dict) or an\n"
         "s3ml.SSECustomerKey. acl: a canned ACL ('private', 'public-read', 'bucket-owner-full-control', ...).")
      .def(
          "get_object",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const py::object& range,
             std::optional<std::string> version_id, std::optional<std::string> if_match, bool checksum_mode,
             std::optional<std::string> if_none_match, std::optional<int> part_number, const py::object& if_modified_since,
             const py::object& if_unmodified_since, const py::object& sse) {
            Client c = self.Get();
            GetObjectRequest req;
            req.sse = ParseSseCustomerKeyArg(sse, "sse");
            req.bucket = bucket;
            req.key = key;
            req.range = ParseRange(range);
            req.version_id = Str(version_id);
            req.if_match = Str(if_match);
            req.if_none_match = Str(if_none_match);
            req.checksum_mode = checksum_mode;
            req.part_number = part_number.value_or(0);
            if (!if_modified_since.is_none()) req.if_modified_since = FromDatetime(if_modified_since);
            if (!if_unmodified_since.is_none()) req.if_unmodified_since = FromDatetime(if_unmodified_since);
            Result<GetObjectResult> r = NoGil([&] { return c.GetObject(req); });
            GetObjectResult got = Unwrap(std::move(r));
            GetObjectOut out;
            out.info = std::move(got.info);
            out.body = PyBuffer::Adopt(std::move(got.body));
            return out;
          },
          py::arg("bucket"), py::arg("key"), py::arg("range") = py::none(), py::arg("version_id") = py::none(),
          py::arg("if_match") = py::none(), py::arg("checksum_mode") = false, py::kw_only(),
          py::arg("if_none_match") = py::none(), py::arg("part_number") = py::none(),
          py::arg("if_modified_since") = py::none(), py::arg("if_unmodified_since") = py::none(),
          py::arg("sse") = py::none(),
          "Reads an object (or `range`: 'bytes=0-99', 'bytes=100-', 'bytes=-500' or an inclusive\n"
          "(first, last) tuple) into memory; .body is an s3ml.Buffer (no copies). sse: the object's\n"
          "s3ml.SSECustomerKey when it was written with one.")
      .def(
          "head_object",
          [](const PyClient& self, const std::string& bucket, const std::string& key,
             std::optional<std::string> version_id, std::optional<std::string> if_match,
             std::optional<int> part_number, const py::object& sse) {
            Client c = self.Get();
            HeadObjectRequest req;
            req.sse = ParseSseCustomerKeyArg(sse, "sse");
            req.bucket = bucket;
            req.key = key;
            req.version_id = Str(version_id);
            req.if_match = Str(if_match);
            req.part_number = part_number.value_or(0);
            Result<ObjectMetadata> r = NoGil([&] { return c.HeadObject(req); });
            return ObjectInfo{Unwrap(std::move(r))};
          },
          py::arg("bucket"), py::arg("key"), py::arg("version_id") = py::none(), py::kw_only(),
          py::arg("if_match") = py::none(), py::arg("part_number") = py::none(), py::arg("sse") = py::none(),
          "The object's metadata (no body). sse: its s3ml.SSECustomerKey when written with one.")
      .def(
          "delete_object",
          [](const PyClient& self, const std::string& bucket, const std::string& key,
             std::optional<std::string> version_id, std::optional<std::string> if_match) {
            Client c = self.Get();
            DeleteObjectRequest req{bucket, key, Str(version_id), Str(if_match)};
            Result<DeleteObjectResult> r = NoGil([&] { return c.DeleteObject(req); });
            return Unwrap(std::move(r));
          },
          py::arg("bucket"), py::arg("key"), py::arg("version_id") = py::none(), py::kw_only(),
          py::arg("if_match") = py::none(),
          "Deletes the object (or one version). if_match=etag ('*': only if it exists) makes it a\n"
          "conditional delete: s3ml.PreconditionFailed on another ETag, s3ml.NoSuchKey when there is\n"
          "no current object.")
      .def(
          "delete_objects",
          [](const PyClient& self, const std::string& bucket, const py::iterable& keys, bool quiet) {
            Client c = self.Get();
            std::vector<ObjectIdentifier> ids;
            for (py::handle k : keys) {
              if (py::isinstance<py::str>(k)) {
                ids.push_back({k.cast<std::string>(), {}});
              } else if (py::isinstance<py::tuple>(k) && (py::len(k) == 2 || py::len(k) == 3)) {
                auto t = k.cast<py::tuple>();
                ObjectIdentifier id{t[0].cast<std::string>(), t[1].is_none() ? "" : t[1].cast<std::string>()};
                if (py::len(k) == 3 && !t[2].is_none()) id.etag = t[2].cast<std::string>();
                ids.push_back(std::move(id));
              } else {
                throw py::type_error("keys: expected str keys or (key, version_id[, etag]) tuples");
              }
            }
            return Unwrap(NoGil([&]() -> Result<DeleteObjectsResult> {
              DeleteObjectsResult all;
              for (std::size_t i = 0; i < ids.size(); i += 1000) {  // S3 takes 1000 keys per request
                DeleteObjectsRequest req;
                req.bucket = bucket;
                req.quiet = quiet;
                req.objects.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                   ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + 1000)));
                Result<DeleteObjectsResult> r = c.DeleteObjects(req);
                if (!r.ok()) return r.status();
                for (auto& d : r->deleted) all.deleted.push_back(std::move(d));
                for (auto& e : r->errors) all.errors.push_back(std::move(e));
              }
              return all;
            }));
          },
          py::arg("bucket"), py::arg("keys"), py::kw_only(), py::arg("quiet") = false,
          "Deletes keys (str, (key, version_id) or (key, version_id, etag): a conditional delete of\n"
          "that object); any number, 1000 per request. Per-key failures (e.g. 'PreconditionFailed')\n"
          "are in .errors (no exception).")
      .def(
          "copy_object",
          [](const PyClient& self, const std::string& src_bucket, const std::string& src_key,
             const std::string& dst_bucket, const std::string& dst_key, std::optional<std::string> source_version_id,
             std::optional<Metadata> metadata, std::optional<std::string> content_type,
             std::optional<std::string> storage_class, const py::object& tagging, std::optional<std::string> if_match,
             const py::object& sse, std::optional<std::string> sse_kms_key_id, const py::object& sse_kms_context,
             const py::object& copy_source_sse, std::optional<std::string> dest_if_match,
             std::optional<std::string> dest_if_none_match) {
            Client c = self.Get();
            CopyObjectRequest req;
            req.sse = ParseSse(sse, sse_kms_key_id, sse_kms_context);
            req.copy_source_sse = ParseSseCustomerKeyArg(copy_source_sse, "copy_source_sse");
            req.source_bucket = src_bucket;
            req.source_key = src_key;
            req.source_version_id = Str(source_version_id);
            req.bucket = dst_bucket;
            req.key = dst_key;
            if (metadata || content_type) {
              req.metadata_directive = MetadataDirective::kReplace;
              req.metadata = metadata.value_or(Metadata{});
              req.content_type = Str(content_type);
            }
            req.storage_class = Str(storage_class);
            req.tagging = TaggingArg(tagging);
            req.copy_source_if_match = Str(if_match);
            req.if_match = Str(dest_if_match);
            req.if_none_match = Str(dest_if_none_match);
            Result<CopyObjectResult> r = NoGil([&] { return c.CopyObject(req); });
            return Unwrap(std::move(r));
          },
          py::arg("src_bucket"), py::arg("src_key"), py::arg("dst_bucket"), py::arg("dst_key"), py::kw_only(),
          py::arg("source_version_id") = py::none(), py::arg("metadata") = py::none(),
          py::arg("content_type") = py::none(), py::arg("storage_class") = py::none(),
          py::arg("tagging") = py::none(), py::arg("if_match") = py::none(), py::arg("sse") = py::none(),
          py::arg("sse_kms_key_id") = py::none(), py::arg("sse_kms_context") = py::none(),
          py::arg("copy_source_sse") = py::none(), py::arg("dest_if_match") = py::none(),
          py::arg("dest_if_none_match") = py::none(),
          "Server-side copy (up to 5 GiB). Giving metadata or content_type replaces the metadata.\n"
          "if_match is the source's ETag condition; dest_if_none_match='*' / dest_if_match=etag make\n"
          "the write of the destination conditional (as put_object's if_none_match / if_match).\n"
          "sse encrypts the copy (as put_object); copy_source_sse is the source's s3ml.SSECustomerKey.")
      .def(
          "presign",
          [](const PyClient& self, const std::string& method, const std::string& bucket, const std::string& key,
             std::int64_t expires_in) {
            if (expires_in < 1 || expires_in > 7 * 24 * 3600)
              ThrowInvalid("expires_in", "must be 1..604800 seconds, got " + std::to_string(expires_in));
            Client c = self.Get();
            Result<std::string> r = NoGil([&] { return c.Presign(method, bucket, key, std::chrono::seconds(expires_in)); });  // may resolve credentials (a process, IMDS)
            return Unwrap(std::move(r));
          },
          py::arg("method"), py::arg("bucket"), py::arg("key"), py::arg("expires_in") = 3600,
          "A presigned URL for GET, PUT, HEAD or DELETE, valid for expires_in seconds (no request).");

  RegisterListing(cls, m);
  RegisterVersioning(cls);
  RegisterTagging(cls);
  RegisterBucketConfig(cls);
  RegisterMultipart(cls, m);
  RegisterSelect(cls, m);
  RegisterTransfer(cls, m);
  RegisterBatch(cls);
  RegisterLifecycle(cls);
  RegisterExpress(cls);
  RegisterPresignPost(cls);
}

}  // namespace s3ml::python

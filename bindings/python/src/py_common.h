#pragma once
/// \file Shared helpers of the s3ml._core extension: Status → exception, the Buffer
/// type, datetime conversion, the lazily built client, and the per-area registration
/// functions called from module.cc.

#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "s3ml/buffer.h"
#include "s3ml/cancel.h"
#include "s3ml/client.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"
#include "s3ml/status.h"

namespace s3ml::python {

namespace py = pybind11;

/// A non-OK Status travelling through C++ frames; the registered translator turns it
/// into the matching Python exception of s3ml.errors (with .code .status .request_id
/// .message .operation).
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)), what_(status_.ToString()) {}
  const Status& status() const noexcept { return status_; }
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  Status status_;
  std::string what_;
};

[[noreturn]] inline void Throw(const Status& status) { throw StatusError(status); }
inline void Check(const Status& status) {
  if (!status.ok()) Throw(status);
}
template <class T>
T Unwrap(Result<T>&& result) {
  if (!result.ok()) Throw(result.status());
  return std::move(*result);
}
/// A cancellation token for the calls a Python object makes from this thread. Made on
/// Python's main thread, it is a polled token (CancellationToken::Polled): while a
/// NoGil call blocks there, every wait in the library and the transport (at least every
/// 50 ms) take the GIL and run PyErr_CheckSignals(); when a handler raises
/// (KeyboardInterrupt from Ctrl-C), the token is cancelled, the C++ call cleans up and
/// returns, and NoGil raises the exception. On other threads: a plain token (Python
/// delivers signals to the main thread only). GIL held.
CancellationToken InterruptToken();

/// Marks the current thread as inside a NoGil call (the only time the interrupt
/// check may run: it leaves the raised exception for NoGil to raise).
class BlockingScope {
 public:
  BlockingScope();
  ~BlockingScope();
  BlockingScope(const BlockingScope&) = delete;
  BlockingScope& operator=(const BlockingScope&) = delete;
};

/// Runs `f` (a blocking call into the C++ library) with the GIL released and
/// returns its result; called with the GIL held. If a signal handler raised while `f`
/// ran (see InterruptToken), raises that exception once `f` has returned.
template <class F>
auto NoGil(F&& f) {
  BlockingScope scope;
  auto result = [&] {
    py::gil_scoped_release nogil;
    return f();
  }();
  if (PyErr_Occurred() != nullptr) throw py::error_already_set();
  return result;
}
/// Runs `op(client)` -- one call of the C++ client that returns a Result -- on `self`'s
/// client with the GIL released (NoGil) and returns the value; a failure raises.
template <class Self, class Op>
auto Call(const Self& self, Op op) {
  auto client = self.Get();
  return Unwrap(NoGil([&] { return op(client); }));
}
/// Raises ValueError (through the s3ml.errors.InvalidArgumentError class) naming `arg`.
[[noreturn]] void ThrowInvalid(const std::string& arg, const std::string& why);

/// The name of `h`'s type ("int", "dict") for error messages. GIL held.
inline std::string TypeName(const py::handle& h) { return py::str(py::type::handle_of(h).attr("__name__")); }

/// Converts a Status into the Python exception object (GIL held).
py::object MakeException(const Status& status);

/// An aware UTC datetime, or None for an unset (epoch) timestamp. GIL held.
py::object ToDatetime(Timestamp t);
/// Accepts a datetime (naive = UTC) or a POSIX timestamp number.
Timestamp FromDatetime(const py::handle& obj);

/// Read-only bytes that keep their owner alive: an object body, a sample field, a
/// slice of a shard. Implements the buffer protocol (memoryview, numpy.frombuffer and
/// torch.frombuffer do not copy). Thread safety: immutable.
class PyBuffer {
 public:
  PyBuffer() = default;
  PyBuffer(std::shared_ptr<const void> owner, const char* data, std::size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}
  /// Takes ownership of `buffer` without copying its bytes.
  static PyBuffer Adopt(Buffer&& buffer) {
    auto owned = std::make_shared<Buffer>(std::move(buffer));
    const char* data = owned->data();
    std::size_t size = owned->size();
    return PyBuffer(std::move(owned), data, size);
  }
  const char* data() const noexcept { return data_ != nullptr ? data_ : ""; }
  std::size_t size() const noexcept { return size_; }
  std::string_view view() const noexcept { return {data(), size_}; }
  const std::shared_ptr<const void>& owner() const noexcept { return owner_; }

 private:
  std::shared_ptr<const void> owner_;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Constructor arguments of s3ml.Client, kept so the client can be pickled and rebuilt.
struct ClientConfig {
  std::optional<std::string> endpoint_url, region, profile, access_key, secret_key, session_token,
      addressing_style, ca_bundle;
  std::optional<int> max_attempts, max_connections;
  std::optional<bool> verify;
  bool allow_sse_c_over_http = false;                 ///< ClientOptions::allow_sse_c_over_http
  bool unsigned_requests = false;                     ///< ClientOptions::no_sign_request (anonymous)
  std::optional<std::string> request_checksum_calculation;  ///< "when_supported" / "when_required"

  /// The keyword arguments that rebuild an equal configuration (None omitted).
  py::dict ToDict() const;
};

/// The Python-visible Client: configuration now, the C++ Client on first use.
/// A client built in another process (before fork()) is never reused: the child
/// builds its own (credentials are resolved again there).
/// Thread safety: Get() is safe from any thread.
class PyClient {
 public:
  explicit PyClient(ClientConfig config);
  /// The C++ client, built on first use (options from the environment/profile
  /// overlaid with the explicit arguments), as a copy carrying a fresh InterruptToken():
  /// what is done with it can be interrupted by Ctrl-C. Errors raise (CredentialsError,
  /// ValueError). GIL held.
  Client Get() const;
  const ClientConfig& config() const { return config_; }
  /// True once the C++ client exists in this process.
  bool started() const;

 private:
  Client Shared() const;  // the one C++ client of this process
  ClientConfig config_;
  mutable std::mutex mu_;
  mutable std::optional<Client> client_;
  mutable pid_t pid_ = 0;
};

/// Bytes of a request body borrowed from a Python object (bytes, bytearray,
/// memoryview, numpy array, s3ml.Buffer, anything with the buffer protocol), or
/// encoded from str, or read from a file-like object's read(). Construct and destroy
/// with the GIL held; view() may be used while it is released.
class BodyArg {
 public:
  BodyArg(const py::object& body, const char* arg_name);
  ~BodyArg();
  BodyArg(const BodyArg&) = delete;
  BodyArg& operator=(const BodyArg&) = delete;
  std::string_view view() const { return view_; }

 private:
  py::object keep_;
  std::optional<py::buffer_info> info_;
  std::string owned_;
  std::string_view view_;
};

/// "CRC32", "crc32c", "SHA1", "SHA256" (None/"" → none). Raises ValueError naming `arg`.
ChecksumAlgorithm ParseChecksumAlgorithm(const std::optional<std::string>& name, const char* arg);
/// The `range` argument of reads: None, 'bytes=first-last', 'bytes=first-', 'bytes=-suffix'
/// or an inclusive (first, last) tuple (last may be None). Raises ValueError naming it. GIL held.
std::optional<ByteRange> ParseRange(const py::object& range);
/// Optional string → "" when None.
inline std::string Str(const std::optional<std::string>& s) { return s.value_or(std::string()); }

using ClientClass = py::class_<PyClient, std::shared_ptr<PyClient>>;

/// The `sse=` keyword of writes: None, "AES256", "aws:kms", "aws:kms:dsse" or an
/// s3ml.SSECustomerKey; `kms_key_id` / `kms_context` (a dict of str) only with aws:kms*.
/// Raises ValueError/TypeError naming the argument. GIL held.
ServerSideEncryption ParseSse(const py::object& sse, const std::optional<std::string>& kms_key_id,
                              const py::object& kms_context);
/// An SSE-C key argument of reads and copy sources: None or an s3ml.SSECustomerKey
/// (the object's key). Raises ValueError naming `arg` for anything else. GIL held.
ServerSideEncryption ParseSseCustomerKeyArg(const py::object& sse, const char* arg);

/// Adds the encryption properties (server_side_encryption, sse_kms_key_id,
/// sse_customer_algorithm, sse_customer_key_md5, bucket_key_enabled) to a result class;
/// `get(const T&)` returns its EncryptionInfo.
template <class Cls, class Get>
void DefEncryptionProperties(Cls& cls, Get get) {
  using T = typename Cls::type;
  cls.def_property_readonly(
         "server_side_encryption", [get](const T& r) { return get(r).server_side_encryption; },
         "x-amz-server-side-encryption: 'AES256', 'aws:kms', 'aws:kms:dsse' or '' (none reported).")
      .def_property_readonly("sse_kms_key_id", [get](const T& r) { return get(r).kms_key_id; })
      .def_property_readonly("sse_customer_algorithm", [get](const T& r) { return get(r).customer_algorithm; },
                             "SSE-C: 'AES256' when the object is encrypted with a customer key.")
      .def_property_readonly("sse_customer_key_md5", [get](const T& r) { return get(r).customer_key_md5; })
      .def_property_readonly("bucket_key_enabled", [get](const T& r) { return get(r).bucket_key_enabled; });
}

// Registration of each area, one compile unit each, named by the C++ area it binds
// (errors.cc, buffer.cc, sse.cc, client.cc, listing.cc, versioning.cc, tagging.cc, ...).
void RegisterErrors(py::module_& m);
void RegisterBuffer(py::module_& m);
/// s3ml.SSECustomerKey (sse.cc; ParseSse above).
void RegisterSse(py::module_& m);
/// s3ml.Client with buckets and objects; it registers the client areas below.
void RegisterClient(py::module_& m);
/// list_objects, list_prefixes, list_object_versions and their lazy iterators.
void RegisterListing(ClientClass& cls, py::module_& m);
/// put_bucket_versioning / get_bucket_versioning.
void RegisterVersioning(ClientClass& cls);
/// get/put/delete_object_tagging.
void RegisterTagging(ClientClass& cls);
void RegisterBucketConfig(ClientClass& cls);  // bucket_config.cc: default encryption, bucket tags
void RegisterMultipart(ClientClass& cls, py::module_& m);
void RegisterSelect(ClientClass& cls, py::module_& m);
void RegisterTransfer(ClientClass& cls, py::module_& m);
/// get_objects: many GETs (whole objects or ranges) run concurrently (batch.cc).
void RegisterBatch(ClientClass& cls);
/// Bucket lifecycle configuration and restore_object.
void RegisterLifecycle(ClientClass& cls);
/// create_session (S3 Express One Zone).
void RegisterExpress(ClientClass& cls);
/// Client.presign_post (presign_post.cc).
void RegisterPresignPost(ClientClass& cls);
void RegisterMock(py::module_& m);
void RegisterDataset(py::module_& m);
void RegisterCheckpoint(py::module_& m);
void RegisterUri(py::module_& m);

}  // namespace s3ml::python

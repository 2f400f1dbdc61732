// Server-side encryption arguments (s3ml/sse.h): the s3ml.SSECustomerKey class and the
// sse= / sse_kms_* / copy_source_sse arguments of writes, reads and copies.
#include "py_common.h"
#include "s3ml/encoding.h"
#include "s3ml/sse.h"

namespace s3ml::python {

namespace {

/// s3ml.SSECustomerKey: a caller-held 256-bit SSE-C key. Immutable.
struct PySseCustomerKey {
  std::string key;  ///< the raw 32 bytes
};

std::string KmsContextJson(const py::object& context) {
  if (context.is_none()) return {};
  if (!py::isinstance<py::dict>(context))
    throw py::type_error("sse_kms_context: expected a dict of str to str, got " + TypeName(context));
  for (auto item : context.cast<py::dict>())
    if (!py::isinstance<py::str>(item.first) || !py::isinstance<py::str>(item.second))
      throw py::type_error("sse_kms_context: keys and values must be str");
  static py::object* dumps = new py::object(py::module_::import("json").attr("dumps"));
  return (*dumps)(context, py::arg("separators") = py::make_tuple(",", ":"), py::arg("sort_keys") = true)
      .cast<std::string>();
}

}  // namespace

ServerSideEncryption ParseSse(const py::object& sse, const std::optional<std::string>& kms_key_id,
                              const py::object& kms_context) {
  const bool kms_args = (kms_key_id && !kms_key_id->empty()) || !kms_context.is_none();
  const char* kms_arg = kms_key_id && !kms_key_id->empty() ? "sse_kms_key_id" : "sse_kms_context";
  if (sse.is_none()) {
    if (kms_args) ThrowInvalid(kms_arg, "needs sse='aws:kms' (or 'aws:kms:dsse')");
    return {};
  }
  if (py::isinstance<PySseCustomerKey>(sse)) {
    if (kms_args) ThrowInvalid(kms_arg, "only applies to sse='aws:kms', not to an SSECustomerKey");
    return ServerSideEncryption::CustomerKey(sse.cast<const PySseCustomerKey&>().key);
  }
  if (!py::isinstance<py::str>(sse))
    throw py::type_error("sse: expected 'AES256', 'aws:kms', 'aws:kms:dsse' or an s3ml.SSECustomerKey, got " +
                         TypeName(sse));
  const std::string s = sse.cast<std::string>();
  if (s == "AES256") {
    if (kms_args) ThrowInvalid(kms_arg, "only applies to sse='aws:kms', not to 'AES256'");
    return ServerSideEncryption::S3();
  }
  if (s == "aws:kms" || s == "aws:kms:dsse") {
    ServerSideEncryption e = ServerSideEncryption::Kms(Str(kms_key_id), KmsContextJson(kms_context));
    if (s == "aws:kms:dsse") e.kind = ServerSideEncryption::Kind::kKmsDsse;
    return e;
  }
  ThrowInvalid("sse", "expected 'AES256', 'aws:kms', 'aws:kms:dsse' or an s3ml.SSECustomerKey, got '" + s + "'");
}

ServerSideEncryption ParseSseCustomerKeyArg(const py::object& sse, const char* arg) {
  if (sse.is_none()) return {};
  if (py::isinstance<PySseCustomerKey>(sse))
    return ServerSideEncryption::CustomerKey(sse.cast<const PySseCustomerKey&>().key);
  ThrowInvalid(arg,
               "expected an s3ml.SSECustomerKey (the object's SSE-C key) or None; SSE-S3/KMS objects are "
               "decrypted without arguments, got " +
                   std::string(py::repr(sse)));
}

void RegisterSse(py::module_& m) {
  py::class_<PySseCustomerKey>(m, "SSECustomerKey", R"doc(A customer-provided AES-256 key for SSE-C.

Pass it as ``sse=`` when writing an object and again on every read (get_object,
head_object, copy_object's ``copy_source_sse``): S3 keeps only a salted HMAC of it.
The key travels in request headers, so the client refuses SSE-C over plain http
unless ``Client(allow_sse_c_over_http=True)``. Immutable; repr shows only the MD5.)doc")
      .def(py::init([](const py::bytes& key) {
             std::string k = key;
             if (k.size() != 32)
               ThrowInvalid("key", "an SSE-C key is 32 bytes (AES-256), got " + std::to_string(k.size()));
             return PySseCustomerKey{std::move(k)};
           }),
           py::arg("key"))
      .def_property_readonly(
          "key_md5", [](const PySseCustomerKey& k) { return Base64Md5(k.key); },
          "Base64 MD5 of the key (x-amz-server-side-encryption-customer-key-MD5).")
      .def("__repr__", [](const PySseCustomerKey& k) {
        return "s3ml.SSECustomerKey(key_md5='" + Base64Md5(k.key) + "')";
      });
}

}  // namespace s3ml::python

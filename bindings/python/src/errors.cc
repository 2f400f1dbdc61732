// Status → Python exception (classes defined in s3ml/errors.py).
#include "py_common.h"

namespace s3ml::python {

namespace {

/// s3ml.errors._from_status, imported on first use (s3ml/__init__ imports _core first).
py::object& FromStatusFn() {
  // Leaked on purpose: must outlive interpreter finalization order issues.
  static py::object* fn = new py::object(py::module_::import("s3ml.errors").attr("_from_status"));
  return *fn;
}

}  // namespace

py::object MakeException(const Status& status) {
  return FromStatusFn()(CategoryName(status.category()), status.code(), status.http_status(), status.message(),
                        status.request_id(), status.operation(), status.resource(), status.attempts(),
                        status.ToString());
}

void ThrowInvalid(const std::string& arg, const std::string& why) {
  Throw(Status::InvalidArgument(arg + ": " + why));
}

void RegisterErrors(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      py::object exc = MakeException(e.status());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    } catch (const Error& e) {  // s3ml::Error from Result::value()
      py::object exc = MakeException(e.status());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
    }
  });
  m.def(
      "_raise_status",
      [](const std::string& category, const std::string& code, int http_status, const std::string& message) {
        ErrorCategory cat = ErrorCategory::kInternal;
        for (int c = 0; c <= static_cast<int>(ErrorCategory::kInternal); ++c)
          if (category == CategoryName(static_cast<ErrorCategory>(c))) cat = static_cast<ErrorCategory>(c);
        Status s(cat, message);
        if (!code.empty()) s = s.WithCode(code);
        if (http_status != 0) s = s.WithHttpStatus(http_status);
        Throw(s);
      },
      py::arg("category"), py::arg("code") = "", py::arg("http_status") = 0, py::arg("message") = "",
      "Raises the exception a C++ Status with these fields becomes (for tests of the mapping).");
}

}  // namespace s3ml::python

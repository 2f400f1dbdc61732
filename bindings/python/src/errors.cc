// Status → Python exception (classes defined in s3ml/errors.py), datetimes.
#include <chrono>
#include <cmath>

#include "py_common.h"

namespace s3ml::python {

namespace {

/// s3ml.errors._from_status, imported on first use (s3ml/__init__ imports _core first).
py::object& FromStatusFn() {
  // Leaked on purpose: must outlive interpreter finalization order issues.
  static py::object* fn = new py::object(py::module_::import("s3ml.errors").attr("_from_status"));
  return *fn;
}

py::object& DatetimeType() {
  static py::object* type = new py::object(py::module_::import("datetime").attr("datetime"));
  return *type;
}
py::object& UtcTimezone() {
  static py::object* tz = new py::object(py::module_::import("datetime").attr("timezone").attr("utc"));
  return *tz;
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

py::object ToDatetime(Timestamp t) {
  if (t.time_since_epoch().count() == 0) return py::none();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return DatetimeType().attr("fromtimestamp")(static_cast<double>(us) / 1e6, UtcTimezone());
}

Timestamp FromDatetime(const py::handle& obj) {
  double seconds = 0;
  if (py::isinstance(obj, DatetimeType())) {
    py::object dt = py::reinterpret_borrow<py::object>(obj);
    if (dt.attr("tzinfo").is_none()) dt = dt.attr("replace")(py::arg("tzinfo") = UtcTimezone());
    seconds = dt.attr("timestamp")().cast<double>();
  } else if (py::isinstance<py::int_>(obj) || py::isinstance<py::float_>(obj)) {
    seconds = obj.cast<double>();
  } else {
    throw py::type_error("expected a datetime or a POSIX timestamp, got " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  }
  auto us = static_cast<std::int64_t>(std::llround(seconds * 1e6));
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::microseconds(us)));
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

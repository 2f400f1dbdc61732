// Timestamps as Python datetimes (aware, UTC) and back: ToDatetime / FromDatetime of py_common.h.
#include <chrono>
#include <cmath>

#include "py_common.h"

namespace s3ml::python {

namespace {

py::object& DatetimeType() {
  static py::object* type = new py::object(py::module_::import("datetime").attr("datetime"));
  return *type;
}
py::object& UtcTimezone() {
  static py::object* tz = new py::object(py::module_::import("datetime").attr("timezone").attr("utc"));
  return *tz;
}

}  // namespace

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
    throw py::type_error("expected a datetime or a POSIX timestamp, got " + TypeName(obj));
  }
  auto us = static_cast<std::int64_t>(std::llround(seconds * 1e6));
  return Timestamp(std::chrono::duration_cast<Timestamp::duration>(std::chrono::microseconds(us)));
}

}  // namespace s3ml::python

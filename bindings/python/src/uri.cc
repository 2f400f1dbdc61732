// s3ml.S3Uri and s3ml.parse_s3_uri (s3ml/uri.h): the one s3:// parser, shared with
// the CLI and the dataset sources; the Python package parses no URIs by hand.
#include "py_common.h"
#include "s3ml/uri.h"

namespace s3ml::python {

void RegisterUri(py::module_& m) {
  py::class_<S3Uri>(m, "S3Uri",
                    "A parsed \"s3://bucket[/key]\" (see parse_s3_uri). Unpacks as (bucket, key); "
                    "str() gives the URI back.")
      .def_readonly("bucket", &S3Uri::bucket)
      .def_readonly("key", &S3Uri::key, "Verbatim; empty for the whole bucket.")
      .def("__str__", &S3Uri::ToString)
      .def("__repr__", [](const S3Uri& u) { return "s3ml.S3Uri(bucket='" + u.bucket + "', key='" + u.key + "')"; })
      .def("__iter__", [](const S3Uri& u) { return py::iter(py::make_tuple(u.bucket, u.key)); })
      .def("__eq__", [](const S3Uri& a, const py::object& b) { return py::isinstance<S3Uri>(b) && a == b.cast<const S3Uri&>(); })
      .def("__hash__", [](const S3Uri& u) { return py::hash(py::make_tuple(u.bucket, u.key)); })
      .def(py::pickle([](const S3Uri& u) { return py::make_tuple(u.bucket, u.key); },
                      [](const py::tuple& t) {
                        if (t.size() != 2) throw py::value_error("S3Uri: bad pickle state");
                        return S3Uri{t[0].cast<std::string>(), t[1].cast<std::string>()};
                      }));
  m.def(
      "parse_s3_uri", [](const std::string& uri) { return Unwrap(ParseS3Uri(uri)); }, py::arg("uri"),
      "Parses \"s3://bucket[/key]\": a lowercase s3:// scheme, a valid bucket name, an optional key of at "
      "most 1024 bytes of UTF-8 taken verbatim (may end in '/' or contain '//'), no control characters. "
      "Raises ValueError (s3ml.InvalidArgumentError) saying what was wrong.");
}

}  // namespace s3ml::python

// The s3ml._core extension module: registers every area.
#include "py_common.h"
#include "s3ml/version.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "Native core of the s3ml package (use the `s3ml` package, not this module).";
  m.attr("__version__") = S3ML_VERSION_STRING;
  s3ml::python::RegisterErrors(m);
  s3ml::python::RegisterBuffer(m);
  s3ml::python::RegisterSse(m);
  s3ml::python::RegisterClient(m);
  s3ml::python::RegisterMock(m);
  s3ml::python::RegisterDataset(m);
  s3ml::python::RegisterCheckpoint(m);
  s3ml::python::RegisterUri(m);
}

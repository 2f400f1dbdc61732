// s3ml.Buffer: read-only bytes with the buffer protocol (no copies).
#include <algorithm>

#include "py_common.h"

namespace s3ml::python {

namespace {

std::string Repr(const PyBuffer& b) {
  constexpr std::size_t kShown = 32;
  py::bytes head(b.data(), std::min(b.size(), kShown));
  std::string r = "s3ml.Buffer(" + std::to_string(b.size()) + " bytes: " + std::string(py::repr(head));
  if (b.size() > kShown) r += "...";
  return r + ")";
}

}  // namespace

void RegisterBuffer(py::module_& m) {
  py::class_<PyBuffer>(m, "Buffer", py::buffer_protocol(),
                       "Read-only bytes (an object body, a sample field) that support the buffer\n"
                       "protocol: memoryview(buf), numpy.frombuffer(buf) and torch.frombuffer(buf) share\n"
                       "the memory (no copy; the Buffer stays alive while they do). bytes(buf) copies.")
      .def(py::init([](const py::bytes& data) {
             std::string_view v = data;
             auto owned = std::make_shared<std::string>(v);
             return PyBuffer(owned, owned->data(), owned->size());
           }),
           py::arg("data"), "A Buffer holding a copy of `data`.")
      .def_buffer([](PyBuffer& b) {
        return py::buffer_info(const_cast<char*>(b.data()), 1, py::format_descriptor<std::uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(b.size())}, {1}, /*readonly=*/true);
      })
      .def("__len__", &PyBuffer::size)
      .def("__bytes__", [](const PyBuffer& b) { return py::bytes(b.data(), b.size()); })
      .def("tobytes", [](const PyBuffer& b) { return py::bytes(b.data(), b.size()); }, "A copy as bytes.")
      .def(
          "decode",
          [](const PyBuffer& b, const char* encoding, const char* errors) {
            return py::reinterpret_steal<py::str>(PyUnicode_Decode(b.data(), static_cast<py::ssize_t>(b.size()),
                                                                   encoding, errors));
          },
          py::arg("encoding") = "utf-8", py::arg("errors") = "strict", "The bytes decoded as text.")
      .def_property_readonly(
          "address", [](const PyBuffer& b) { return reinterpret_cast<std::uintptr_t>(b.data()); },
          "Address of the first byte (to check that views share memory).")
      .def("__eq__",
           [](const PyBuffer& b, const py::object& other) -> py::object {
             if (py::isinstance<PyBuffer>(other)) return py::bool_(b.view() == other.cast<const PyBuffer&>().view());
             if (PyObject_CheckBuffer(other.ptr())) {
               py::buffer_info info = py::reinterpret_borrow<py::buffer>(other).request();
               std::string_view ov(static_cast<const char*>(info.ptr),
                                   static_cast<std::size_t>(info.size * info.itemsize));
               return py::bool_(b.view() == ov);
             }
             return py::reinterpret_borrow<py::object>(Py_NotImplemented);
           })
      .def("__hash__", [](const PyBuffer& b) { return py::hash(py::bytes(b.data(), b.size())); })
      .def("__getitem__",
           [](const PyBuffer& b, py::ssize_t i) {
             auto n = static_cast<py::ssize_t>(b.size());
             if (i < 0) i += n;
             if (i < 0 || i >= n) throw py::index_error("s3ml.Buffer index out of range");
             return static_cast<int>(static_cast<unsigned char>(b.data()[i]));
           })
      .def("__getitem__",
           [](const PyBuffer& b, const py::slice& s) {
             py::ssize_t start = 0, stop = 0, step = 0, len = 0;
             if (!s.compute(static_cast<py::ssize_t>(b.size()), &start, &stop, &step, &len))
               throw py::error_already_set();
             if (step != 1) throw py::value_error("s3ml.Buffer slices must have step 1");
             return PyBuffer(b.owner(), b.data() + start, static_cast<std::size_t>(len));
           },
           "A zero-copy sub-buffer (shares the owner).")
      .def("__repr__", &Repr);
}

}  // namespace s3ml::python

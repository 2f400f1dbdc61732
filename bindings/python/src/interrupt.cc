// Ctrl-C for blocking calls: the waiting thread checks Python's signals while the
// native call runs with the GIL released (see InterruptToken in py_common.h).
#include "py_common.h"

namespace s3ml::python {

namespace {

thread_local int t_blocking_depth = 0;  // NoGil calls running on this thread

bool IsMainThread() {
  // Python runs signal handlers on the main thread of the main interpreter only.
  static const unsigned long main_ident =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  return PyThread_get_thread_ident() == main_ident;
}

// Runs on the token's thread, inside a wait of a NoGil call (GIL released).
bool CheckSignals() {
  if (t_blocking_depth == 0) return false;  // outside NoGil nobody would raise the exception
  py::gil_scoped_acquire gil;
  if (PyErr_Occurred() != nullptr) return true;  // already raised by an earlier check
  // A handler that raises (KeyboardInterrupt) leaves its exception set for NoGil.
  return PyErr_CheckSignals() != 0;
}

}  // namespace

BlockingScope::BlockingScope() { ++t_blocking_depth; }
BlockingScope::~BlockingScope() { --t_blocking_depth; }

CancellationToken InterruptToken() {
  if (!IsMainThread()) return CancellationToken();
  return CancellationToken::Polled(&CheckSignals);
}

}  // namespace s3ml::python

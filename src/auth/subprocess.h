#pragma once
// Runs a shell command and captures its output (for credential_process).

#include <chrono>
#include <cstddef>
#include <string>

#include "s3ml/result.h"

namespace s3ml {

/// What a finished command produced.
struct ProcessOutput {
  int exit_code = -1;    ///< exit status, or -1 when killed by a signal
  int term_signal = 0;   ///< the signal that killed it, 0 if it exited
  std::string out;       ///< stdout (at most max_output bytes)
  std::string err;       ///< stderr (at most max_output bytes)
};

/// Runs `/bin/sh -c command` with stdin from /dev/null and the process's own
/// environment, capturing stdout and stderr. A command still running after
/// `timeout` is killed (SIGKILL) and reported as kTimeout. Output beyond
/// `max_output` bytes per stream is discarded (the command is not blocked).
/// Errors: kIo when the command cannot be started; kTimeout.
/// Thread safety: safe to call concurrently (uses posix_spawn, no fork in a threaded parent).
Result<ProcessOutput> RunShellCommand(const std::string& command, std::chrono::milliseconds timeout,
                                      std::size_t max_output = 1 << 20);

}  // namespace s3ml

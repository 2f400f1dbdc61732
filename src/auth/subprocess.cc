#include "auth/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "s3ml/file.h"

extern char** environ;  // passed through to the child unchanged; never read here

namespace s3ml {

namespace {

class SpawnActions {
 public:
  SpawnActions() { ok_ = posix_spawn_file_actions_init(&fa_) == 0; }
  ~SpawnActions() {
    if (ok_) posix_spawn_file_actions_destroy(&fa_);
  }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_{};
  bool ok_ = false;
};

Status SysError(const std::string& what, int err) {
  return Status(ErrorCategory::kIo, what + ": " + std::strerror(err));
}

}  // namespace

Result<ProcessOutput> RunShellCommand(const std::string& command, std::chrono::milliseconds timeout,
                                      std::size_t max_output) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return SysError("pipe", errno);
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return SysError("pipe", errno);
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);

  SpawnActions fa;
  if (!fa.ok()) return SysError("posix_spawn_file_actions_init", errno);
  // dup2 clears O_CLOEXEC on the child's copies; every other descriptor stays close-on-exec.
  if (posix_spawn_file_actions_addopen(fa.get(), 0, "/dev/null", O_RDONLY, 0) != 0 ||
      posix_spawn_file_actions_adddup2(fa.get(), out_w.get(), 1) != 0 ||
      posix_spawn_file_actions_adddup2(fa.get(), err_w.get(), 2) != 0)
    return Status(ErrorCategory::kIo, "cannot set up the command's standard streams");

  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, "/bin/sh", fa.get(), nullptr, argv, environ);
  if (rc != 0) return SysError("cannot start /bin/sh", rc);
  out_w.Reset();
  err_w.Reset();

  ProcessOutput result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true, timed_out = false;
  char buf[8192];
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_r.get() : -1, POLLIN, 0}, {err_open ? err_r.get() : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0) {
      if (errno == EINTR) continue;
      timed_out = true;  // cannot wait any more: treat like a timeout and reap the child
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t k = ::read(fds[i].fd, buf, sizeof buf);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& dst = i == 0 ? result.out : result.err;
      if (dst.size() < max_output) dst.append(buf, std::min<std::size_t>(static_cast<std::size_t>(k), max_output - dst.size()));
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);  // the child we spawned, by its pid
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return Status(ErrorCategory::kTimeout, "command did not finish within " + std::to_string(timeout.count()) +
                                               " ms and was killed");
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace s3ml

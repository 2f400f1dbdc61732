#include "cli_util.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

#include "s3ml/options.h"

namespace s3ml::cli {

Result<Client> MakeClient(const GlobalOptions& global) {
  S3ML_ASSIGN_OR_RETURN(ClientOptions options, ClientOptions::FromEnvironment(global.profile));
  if (!global.profile.empty()) options.profile = global.profile;
  if (!global.endpoint_url.empty()) options.endpoint_url = global.endpoint_url;
  if (!global.region.empty()) options.region = global.region;
  if (global.no_sign_request) options.no_sign_request = true;
  options.cancel = ProcessCancellation();
  return Client::Create(std::move(options));
}

namespace {
std::atomic<int> g_signals{0};
const CancellationToken& Token() {
  static const CancellationToken token;  // made before the handlers are installed
  return token;
}
extern "C" void OnInterrupt(int) {
  // Async-signal-safe only: an atomic increment, a lock-free store, _exit.
  if (g_signals.fetch_add(1) > 0) _exit(kExitInterrupted);
  Token().Cancel();
}
}  // namespace

const CancellationToken& ProcessCancellation() { return Token(); }

void InstallInterruptHandlers() {
  (void)Token();
  struct sigaction sa {};
  sa.sa_handler = &OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool Interrupted() { return g_signals.load() > 0; }

int FailInterrupted(const std::string& command) {
  PrintError(command, "cancelled: interrupted");
  return kExitInterrupted;
}

void PrintError(const std::string& command, const std::string& what) {
  // One line, whatever the server put in its message: scripts read the last line.
  std::string line = what;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fflush(stdout);
  std::fprintf(stderr, "s3ml %s: %s\n", command.c_str(), line.c_str());
}

int Fail(const std::string& command, const Status& status) {
  if (Interrupted() && status.category() == ErrorCategory::kCancelled) return FailInterrupted(command);
  // Our own usage errors read better without the "InvalidArgument: " tag.
  const bool bare = status.category() == ErrorCategory::kInvalidArgument && status.operation().empty() &&
                    status.code().empty() && !status.message().empty();
  PrintError(command, bare ? status.message() : status.ToString());
  return status.category() == ErrorCategory::kInvalidArgument ? kExitUsage : kExitFailure;
}

std::string FormatLocalTime(Timestamp t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm) == 0) return "0000-00-00 00:00:00";
  return buf;
}

}  // namespace s3ml::cli

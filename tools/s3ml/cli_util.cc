#include "cli_util.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
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
  // A field the flags did not set came from the environment or the shared config profile.
  const std::vector<OptionFlag> sources = {
      {"ClientOptions.endpoint_url",
       global.endpoint_url.empty() ? "the endpoint URL (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the profile's endpoint_url)"
                                   : "--endpoint-url"},
      {"ClientOptions.region",
       global.region.empty() ? "the region (AWS_REGION, AWS_DEFAULT_REGION or the profile's region)" : "--region"},
      {"ClientOptions.addressing", "the profile's s3 addressing_style"},
      {"ClientOptions.no_sign_request", "--no-sign-request"},
      {"ClientOptions.credentials", "the credentials"},
      {"ClientOptions.retry.max_attempts", "AWS_MAX_ATTEMPTS (or the profile's max_attempts)"},
      {"ClientOptions.ca_file", "AWS_CA_BUNDLE (or the profile's ca_bundle)"},
      {"ClientOptions.imds_endpoint", "AWS_EC2_METADATA_SERVICE_ENDPOINT"},
  };
  auto client = Client::Create(std::move(options));
  if (!client.ok()) return InFlagTerms(client.status(), sources);
  return client;
}

Status InFlagTerms(const Status& status, const std::vector<OptionFlag>& flags) {
  if (status.ok() || status.category() != ErrorCategory::kInvalidArgument) return status;
  const std::string& message = status.message();
  auto ends_name = [&](std::size_t at) {
    if (at >= message.size()) return true;
    const char c = message[at];
    return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.');
  };
  for (const OptionFlag& f : flags) {
    const auto dot = f.field.find('.');
    if (dot == std::string::npos) continue;
    const std::string type = f.field.substr(0, dot), member = f.field.substr(dot + 1);
    // Longest spelling first, so that "invalid ClientOptions.x" loses its "invalid ".
    for (const std::string& spelling :
         {"invalid " + f.field, f.field, type + "::" + member, type + ": " + member}) {
      for (auto at = message.find(spelling); at != std::string::npos; at = message.find(spelling, at + 1)) {
        if (!ends_name(at + spelling.size())) continue;
        std::string restated = message;
        restated.replace(at, spelling.size(), f.flag);
        return Status::InvalidArgument(std::move(restated));
      }
    }
  }
  return status;
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

namespace {
void PrintStatus(const std::string& command, const Status& status) {
  // Our own usage errors read better without the "InvalidArgument: " tag.
  const bool bare = status.category() == ErrorCategory::kInvalidArgument && status.operation().empty() &&
                    status.code().empty() && !status.message().empty();
  PrintError(command, bare ? status.message() : status.ToString());
}
}  // namespace

int Fail(const std::string& command, const Status& status) {
  if (Interrupted() && status.category() == ErrorCategory::kCancelled) return FailInterrupted(command);
  PrintStatus(command, status);
  return status.category() == ErrorCategory::kInvalidArgument ? kExitUsage : kExitFailure;
}

int FailRunning(const std::string& command, const Status& status) {
  if (Interrupted() && status.category() == ErrorCategory::kCancelled) return FailInterrupted(command);
  PrintStatus(command, status);
  return kExitFailure;
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

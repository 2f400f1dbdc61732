// `s3ml serve`: runs the in-memory mock S3 server in the foreground.
//
// Prints the endpoint URL as the only line on stdout (so scripts can read it),
// then blocks until SIGINT or SIGTERM and exits 0 after a clean stop.

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "s3ml/mock/server.h"

namespace s3ml::cli {

namespace {

struct ServeOptions {
  mock::MockS3Options server;
  bool no_verify = false;
};

int RunServe(const ServeOptions& opts) {
  // Block the stop signals before any server thread exists, so every thread
  // inherits the mask and only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t previous;
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, &previous) != 0) {
    std::fprintf(stderr, "s3ml serve: cannot block SIGINT/SIGTERM\n");
    return 1;
  }

  // Every connection, idle ones included, is a file descriptor: raise the soft
  // limit to the hard one (often 1,024 -> 4,096 or more), as servers do. Best
  // effort; at the limit new connections wait in the listen queue.
  rlimit files{};
  constexpr rlim_t kEnoughFiles = rlim_t{1} << 20;  // Linux's default nr_open
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < std::min(files.rlim_max, kEnoughFiles)) {
    files.rlim_cur = std::min(files.rlim_max, kEnoughFiles);
    (void)setrlimit(RLIMIT_NOFILE, &files);
  }

  mock::MockS3Options server_options = opts.server;
  server_options.verify_signatures = !opts.no_verify;
  auto server = mock::MockS3Server::Start(server_options);
  if (!server.ok()) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    std::fprintf(stderr, "s3ml serve: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const std::string url = (*server)->endpoint_url();
  std::fprintf(stdout, "%s\n", url.c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "s3ml serve: mock S3 listening on %s (region %s, access key %s, signatures %s%s); "
               "stop with Ctrl-C or SIGTERM\n",
               url.c_str(), server_options.region.c_str(), server_options.access_key.c_str(),
               server_options.verify_signatures ? "verified" : "not verified",
               server_options.allow_anonymous ? ", anonymous allowed" : "");
  std::fflush(stderr);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) != 0) {
  }
  (*server)->Stop();
  const mock::MockStats stats = (*server)->stats();
  std::fprintf(stderr, "s3ml serve: stopped on %s after %llu requests (%llu faults injected)\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM", static_cast<unsigned long long>(stats.requests),
               static_cast<unsigned long long>(stats.faults_injected));
  server->reset();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace

void RegisterServe(CLI::App& app, std::function<void(Action)> on_selected) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the in-memory mock S3 server in the foreground");
  cmd->add_option("--host", opts->server.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", opts->server.port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--access-key", opts->server.access_key, "Access key id requests must be signed with")
      ->capture_default_str();
  cmd->add_option("--secret-key", opts->server.secret_key, "Secret access key requests must be signed with")
      ->capture_default_str();
  cmd->add_option("--region", opts->server.region, "Region requests must be signed for")->capture_default_str();
  cmd->add_flag("--no-verify-signatures", opts->no_verify, "Accept requests whatever their signature");
  cmd->add_flag("--allow-anonymous", opts->server.allow_anonymous, "Accept unsigned requests");
  cmd->add_option("--threads", opts->server.threads, "Connection threads kept ready; more are started when all are busy (up to "
                  "max(threads, 1024)), so this is not a connection limit")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--seed", opts->server.seed, "Fault-injection random seed")->capture_default_str();
  cmd->add_option("--virtual-host-domain", opts->server.virtual_host_domains,
                  "Extra base domain for virtual-hosted addressing (<bucket>.<domain>); repeatable");
  cmd->callback([opts, on_selected] { on_selected([opts] { return RunServe(*opts); }); });
}

}  // namespace s3ml::cli

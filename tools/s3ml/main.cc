// s3ml: command-line client and mock server. See README.md "The CLI".
#include <cstdio>
#include <exception>

#include "cli_util.h"
#include "commands.h"
#include "s3ml/version.h"

int main(int argc, char** argv) {
  CLI::App app{"s3ml - S3 client for machine-learning datasets", "s3ml"};
  app.set_version_flag("--version", S3ML_VERSION_STRING);
  app.require_subcommand(1);
  // Global options may follow the subcommand too (`s3ml ls s3://b --endpoint-url URL`),
  // as with the aws CLI. Inherited by the subcommands registered below.
  app.fallthrough();
  s3ml::cli::GlobalOptions global;
  app.add_option("--endpoint-url", global.endpoint_url, "S3 endpoint URL (default: AWS, or AWS_ENDPOINT_URL_S3)");
  app.add_option("--profile", global.profile, "Shared config profile");
  app.add_option("--region", global.region, "Region");
  app.add_flag("--no-sign-request", global.no_sign_request, "Send anonymous requests");
  app.add_flag("-q,--quiet", global.quiet, "Print only errors");

  s3ml::cli::Action action;
  auto select = [&](s3ml::cli::Action a) { action = std::move(a); };
  s3ml::cli::RegisterServe(app, select);
  s3ml::cli::RegisterObjectCommands(app, global, select);
  s3ml::cli::RegisterPresign(app, global, select);
  s3ml::cli::RegisterDemo(app, select);
  s3ml::cli::RegisterVersioning(app, global, select);
  s3ml::cli::RegisterSelect(app, global, select);
  s3ml::cli::RegisterBench(app, global, select);
  s3ml::cli::RegisterCheckpoint(app, global, select);
  s3ml::cli::RegisterLifecycle(app, global, select);
  s3ml::cli::RegisterExpress(app, global, select);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!action) {
    std::fprintf(stderr, "s3ml: no command given (try --help)\n");
    return 2;
  }
  const std::string command = app.get_subcommands().empty() ? "" : app.get_subcommands().front()->get_name();
  s3ml::cli::InstallInterruptHandlers();
  int rc = 1;
  try {
    rc = action();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s3ml: %s\n", e.what());
    rc = 1;
  }
  // A command that finished its clean-up after a signal exits as interrupted, whatever it returned.
  if (s3ml::cli::Interrupted() && rc != s3ml::cli::kExitInterrupted) return s3ml::cli::FailInterrupted(command);
  return rc;
}

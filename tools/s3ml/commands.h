#pragma once
// Each subcommand registers itself on the CLI11 app; main() dispatches.
// Files: cmd_serve.cc (mock server), cmd_objects.cc (ls/cp/rm/cat/mb/rb/presign), cmd_demo.cc.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace s3ml::cli {

/// Options shared by every client command (like the aws CLI's global options).
struct GlobalOptions {
  std::string endpoint_url;
  std::string profile;
  std::string region;
  bool no_sign_request = false;
  bool quiet = false;
};

/// A registered command's action; returns the process exit code.
using Action = std::function<int()>;

/// Registers `serve`. Returns the action to run when the subcommand was chosen.
void RegisterServe(CLI::App& app, std::function<void(Action)> on_selected);
/// Registers ls, cp, rm, mb, rb, cat.
void RegisterObjectCommands(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `presign` (URLs, and browser POST forms with --post; cmd_presign.cc).
void RegisterPresign(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `demo`.
void RegisterDemo(CLI::App& app, std::function<void(Action)> on_selected);
/// Registers `bench read` (cmd_bench.cc).
void RegisterBench(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `versioning` (cmd_versioning.cc).
void RegisterVersioning(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `select` (cmd_select.cc).
void RegisterSelect(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `lifecycle` and `restore` (cmd_lifecycle.cc).
void RegisterLifecycle(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `checkpoint` (cmd_checkpoint.cc).
void RegisterCheckpoint(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// Registers `create-session` (cmd_express.cc).
void RegisterExpress(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected);
/// `ls --versions`: versions and delete markers under s3://bucket[/prefix] (cmd_versioning.cc).
int RunLsVersions(const GlobalOptions& g, const std::string& path, bool recursive,
                  const std::function<std::string(std::uint64_t)>& size_str);

}  // namespace s3ml::cli

#pragma once
// Helpers shared by the CLI's client commands.

#include <string>
#include <vector>

#include "commands.h"
#include "s3ml/client.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml::cli {

/// Exit codes: 0 success, 1 an operation failed, 2 bad usage (rejected before any I/O),
/// 130 interrupted (SIGINT or SIGTERM; the shell's 128 + SIGINT).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

/// The process's cancellation token: every client MakeClient builds honours it.
const CancellationToken& ProcessCancellation();
/// Installs the SIGINT/SIGTERM handlers of the client commands: the first signal
/// cancels ProcessCancellation() (requests in flight stop, multipart uploads are
/// aborted, temporary files removed, progress lines ended); a second one exits at once
/// with kExitInterrupted. `serve` blocks these signals and waits for them itself.
void InstallInterruptHandlers();
/// True once a SIGINT/SIGTERM arrived.
bool Interrupted();
/// Prints "s3ml <command>: cancelled: interrupted" and returns kExitInterrupted.
int FailInterrupted(const std::string& command);

/// ClientOptions::FromEnvironment(profile) overlaid with the global flags
/// (--endpoint-url, --region, --no-sign-request), then Client::Create. A rejected
/// option is reported by the flag (or environment variable) it came from.
Result<Client> MakeClient(const GlobalOptions& global);

/// Where the CLI took an options-struct field from: {"ReaderOptions.fetch_threads",
/// "--fetch-threads"}. `field` is "<Struct>.<member>", whatever spelling the struct's
/// own messages use ("Struct.member", "Struct::member" or "Struct: member").
struct OptionFlag {
  std::string field;
  std::string flag;
};

/// A validation error of an options struct (ClientOptions, TransferOptions,
/// ReaderOptions, ArtifactReadOptions, ArtifactWriteOptions) restated in the terms
/// the user typed: the struct field it names becomes the flag, and the error is a
/// bare usage error (InvalidArgument, no operation context), e.g.
/// "invalid ClientOptions.endpoint_url: malformed ..." -> "--endpoint-url: malformed ...".
/// Statuses that name none of `flags` are returned unchanged.
Status InFlagTerms(const Status& status, const std::vector<OptionFlag>& flags);

/// Prints "s3ml <command>: <what>" as exactly one line on stderr.
void PrintError(const std::string& command, const std::string& what);

/// PrintError with the status (Status::ToString()); returns kExitUsage for
/// InvalidArgument errors, FailInterrupted's code for a cancellation after a signal,
/// and kExitFailure otherwise. For checks of the arguments.
int Fail(const std::string& command, const Status& status);

/// PrintError with the status; returns kExitFailure whatever the category (but
/// FailInterrupted's code for a cancellation after a signal). For
/// failures once the command runs (the data it reads, the server's answers): a
/// corrupt shard is not a usage error even when the library calls it InvalidArgument.
int FailRunning(const std::string& command, const Status& status);

/// Local time as the aws CLI prints it: "2024-05-01 13:45:07".
std::string FormatLocalTime(Timestamp t);

}  // namespace s3ml::cli

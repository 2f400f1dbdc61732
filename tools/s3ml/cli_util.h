#pragma once
// Helpers shared by the CLI's client commands.

#include <string>

#include "commands.h"
#include "s3ml/client.h"
#include "s3ml/objects.h"
#include "s3ml/result.h"

namespace s3ml::cli {

/// Exit codes: 0 success, 1 an operation failed, 2 bad usage (rejected before any I/O).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// ClientOptions::FromEnvironment(profile) overlaid with the global flags
/// (--endpoint-url, --region, --no-sign-request), then Client::Create.
Result<Client> MakeClient(const GlobalOptions& global);

/// Prints "s3ml <command>: <what>" as exactly one line on stderr.
void PrintError(const std::string& command, const std::string& what);

/// PrintError with the status (Status::ToString()); returns kExitUsage for
/// InvalidArgument errors and kExitFailure otherwise.
int Fail(const std::string& command, const Status& status);

/// Local time as the aws CLI prints it: "2024-05-01 13:45:07".
std::string FormatLocalTime(Timestamp t);

}  // namespace s3ml::cli

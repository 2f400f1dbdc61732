#pragma once
/// \file Pluggable logging. s3ml never prints: it hands redacted lines to a sink.

#include <functional>
#include <string_view>

namespace s3ml {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

/// Receives one log line. Secrets (signatures, secret keys, session tokens) are
/// redacted before the line reaches the sink. May be called from any thread.
using LogSink = std::function<void(LogLevel level, std::string_view line)>;

/// Installs the process-wide sink (nullptr: discard everything, the default).
/// Thread safety: safe to call at any time; lines in flight finish on the old sink.
void SetLogSink(LogSink sink);
/// Lines below this level are dropped before formatting. Default kWarn.
void SetLogLevel(LogLevel level);

}  // namespace s3ml

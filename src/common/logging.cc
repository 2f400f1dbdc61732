#include "common/logging.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <regex>

namespace s3ml {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kWarn)};
std::mutex g_mu;                       // guards g_sink
std::shared_ptr<const LogSink> g_sink;  // copied out under the lock, called without it
}  // namespace

void SetLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_sink = sink ? std::make_shared<const LogSink>(std::move(sink)) : nullptr;
}
void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

namespace detail {

bool LogEnabled(LogLevel level) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return false;
  std::lock_guard<std::mutex> lock(g_mu);
  return g_sink != nullptr;
}

std::string Redact(std::string_view line) {
  // Values that end at a delimiter: query params, header values, key=value pairs.
  static const std::regex kPatterns(
      R"((Signature=|X-Amz-Signature=|X-Amz-Security-Token=|x-amz-security-token:\s*|aws_secret_access_key\s*=\s*|aws_session_token\s*=\s*|SecretAccessKey"?\s*[:=]\s*"?|Token"?\s*[:=]\s*"?)([^&,\s"]+))",
      std::regex::icase);
  return std::regex_replace(std::string(line), kPatterns, "$1***");
}

void LogLine(LogLevel level, std::string_view line) {
  std::shared_ptr<const LogSink> sink;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    sink = g_sink;
  }
  if (sink) (*sink)(level, Redact(line));
}

}  // namespace detail
}  // namespace s3ml

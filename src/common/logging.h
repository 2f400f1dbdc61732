#pragma once
// Internal logging helpers: S3ML_LOG(kInfo, "x=" << x) builds the line only when enabled.

#include <sstream>
#include <string>
#include <string_view>

#include "s3ml/logging.h"

namespace s3ml::detail {

bool LogEnabled(LogLevel level);
/// Redacts then delivers.
void LogLine(LogLevel level, std::string_view line);
/// Replaces the values of Signature=, X-Amz-Signature=, X-Amz-Security-Token=,
/// x-amz-security-token:, aws_secret_access_key and Credential secrets with "***".
std::string Redact(std::string_view line);

}  // namespace s3ml::detail

#define S3ML_LOG(level, expr)                                              \
  do {                                                                     \
    if (::s3ml::detail::LogEnabled(::s3ml::LogLevel::level)) {             \
      std::ostringstream _s3ml_os;                                         \
      _s3ml_os << expr;                                                    \
      ::s3ml::detail::LogLine(::s3ml::LogLevel::level, _s3ml_os.str());    \
    }                                                                      \
  } while (0)

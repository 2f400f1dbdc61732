// Date parsing (src/common/time.cc): x-amz-date, ISO-8601 (S3 XML timestamps) and
// HTTP dates, in both out-of-range modes. Whatever parses formats and parses back.
#include <chrono>

#include "common/time.h"
#include "fuzz_util.h"

using namespace s3ml;

namespace {
SystemTime Seconds(SystemTime t) { return std::chrono::time_point_cast<std::chrono::seconds>(t); }

void Check(Result<SystemTime> (*parse)(std::string_view, OutOfRange), std::string (*format)(SystemTime),
           std::string_view s, bool whole_seconds) {
  for (OutOfRange mode : {OutOfRange::kError, OutOfRange::kClamp}) {
    auto t = parse(s, mode);
    if (!t.ok()) continue;
    const std::string text = format(*t);
    auto back = parse(text, OutOfRange::kError);
    S3ML_FUZZ_CHECK(back.ok());  // a parsed time is always inside the range
    if (whole_seconds) S3ML_FUZZ_CHECK(Seconds(*back) == Seconds(*t));
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  Check(ParseAmzDate, FormatAmzDate, s, true);
  Check(ParseIso8601, FormatIso8601, s, true);
  Check(ParseHttpDate, FormatHttpDate, s, true);
  return 0;
}

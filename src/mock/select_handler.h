#pragma once
// SelectObjectContent for the mock: request XML + object bytes -> an event-stream
// response body (Records chunks, optional Progress, Stats, End), using the same
// SQL engine as the client's local fallback (src/select).

#include <string>
#include <string_view>

#include "mock/s3_error.h"

namespace s3ml::mock {

/// Runs the SelectObjectContentRequest in `request_xml` over `object` and returns the
/// whole response body (event-stream messages). Request and query errors found before
/// any record was produced are returned as an S3Error (HTTP 400, S3's code, e.g.
/// MalformedXML, InvalidExpressionType, ParseUnexpectedToken, InvalidScanRange);
/// errors after records were produced become a trailing RequestLevelError message
/// (":message-type" error with ":error-code" / ":error-message") instead of End.
///
/// Thread safety: stateless; safe to call concurrently.
Expected<std::string> HandleSelectObjectContent(const std::string& request_xml, std::string_view object);

}  // namespace s3ml::mock

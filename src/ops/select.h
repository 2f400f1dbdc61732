#pragma once
// SelectObjectContent request building: POST /bucket/key?select&select-type=2 with the
// SelectObjectContentRequest XML body. The event-stream response is decoded by the
// client (select/event_stream.h).

#include <string>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/result.h"
#include "s3ml/select.h"

namespace s3ml::ops {

/// The SelectObjectContentRequest XML document for `req` (no I/O).
std::string SelectRequestXml(const SelectObjectContentRequest& req);

/// Errors: kInvalidArgument for an empty SQL expression or a quote character that is NUL.
Result<HttpRequest> BuildSelectObjectContent(const Target& t, const SelectObjectContentRequest& req);

}  // namespace s3ml::ops

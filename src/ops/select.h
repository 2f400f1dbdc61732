#pragma once
// SelectObjectContent on the wire: the request (POST /bucket/key?select&select-type=2
// with the SelectObjectContentRequest XML body) and its response, an AWS event stream
// (select/event_stream.h) of Records, Stats, Progress, Cont and End events, decoded
// as it arrives by SelectStreamSink.

#include <functional>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/result.h"
#include "s3ml/select.h"
#include "select/event_stream.h"

namespace s3ml::ops {

/// The SelectObjectContentRequest XML document for `req` (no I/O).
std::string SelectRequestXml(const SelectObjectContentRequest& req);

/// Errors: kInvalidArgument for an empty SQL expression or a quote character that is NUL.
Result<HttpRequest> BuildSelectObjectContent(const Target& t, const SelectObjectContentRequest& req);

/// The byte counts of a Stats or Progress event payload: `<root>` (`"Stats"` or
/// `"Progress"`) with BytesScanned, BytesProcessed and BytesReturned (absent: 0).
/// Errors: kProtocol (code EventStreamError) for a payload that is not that XML, and for
/// a count that is not a non-negative integer, naming the element and quoting its text.
Result<SelectStats> ParseSelectStats(std::string_view payload, const char* root);

/// Decodes a SelectObjectContent response stream as it arrives and hands Records
/// payloads to the caller. Stats (and Progress, until Stats comes) give stats();
/// a RequestLevelError event (in an HTTP 200) becomes a kService error with its code.
/// Thread safety: one request at a time; `on_records` must outlive the sink.
class SelectStreamSink final : public ResponseSink {
 public:
  using RecordsFn = std::function<Status(std::string_view records)>;
  explicit SelectStreamSink(const RecordsFn& on_records) : on_records_(on_records) {}

  /// A retry must not replay records the caller has already seen: kIntegrity once any were delivered.
  Status CanRestart() const override;
  Status Begin(int http_status, const Headers& headers, std::optional<std::uint64_t> content_length) override;
  /// Errors: the decoder's, the callback's, a RequestLevelError, an event after End,
  /// a malformed Stats or Progress payload.
  Status Write(const char* data, std::size_t n) override;
  /// Errors: kProtocol (EventStreamError) for a stream cut inside a message or without End.
  Status Finish() override;

  bool delivered() const { return delivered_; }
  bool saw_end() const { return saw_end_; }
  const SelectStats& stats() const { return stats_; }

 private:
  Status Handle(const eventstream::Message& m);

  const RecordsFn& on_records_;
  eventstream::Decoder decoder_;
  bool delivered_ = false;
  bool saw_end_ = false;
  SelectStats stats_;
  Status abort_;
};

/// The error for a stream that ended without an End event.
Status SelectStreamWithoutEnd();

}  // namespace s3ml::ops

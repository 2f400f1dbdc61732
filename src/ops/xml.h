#pragma once
// The one boundary where pugixml parse results become Status. Included only by
// ops/*.cc (pugixml never appears in a header outside this layer's sources).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "ops/errors.h"
#include "s3ml/result.h"

namespace s3ml::ops {

/// Parses `body` into `doc` and returns the element holding the answer: the document
/// element when it is `expected_root`. Some S3-compatible servers (moto) name the root
/// after the operation instead: `expected_root` with "Result" replaced by "Response"
/// (<ListPartsResponse>) or "<operation>Response" (<GetBucketVersioningResponse>); such
/// a wrapper is accepted, and when it wraps an `expected_root` element that element is
/// returned. Errors (kProtocol, with `http_status`, naming `operation`): empty body,
/// malformed/truncated XML, or a different root element; each quotes the start of the body.
Result<pugi::xml_node> ParseXmlDocument(std::string_view body, std::string_view operation, const char* expected_root,
                                        int http_status, pugi::xml_document& doc);

/// The text values of a listing answer, url-decoded when the answer says
/// <EncodingType>url</EncodingType> (the request asked for encoding-type=url):
/// ListObjectsV2, ListObjectVersions, ListMultipartUploads.
class ListingText {
 public:
  /// `root` is the answer's element; `operation` names errors.
  ListingText(const pugi::xml_node& root, std::string_view operation);
  /// Child `name` of `node`, decoded. Errors: kProtocol for a value that does not decode.
  Result<std::string> operator()(const pugi::xml_node& node, const char* name) const;

 private:
  bool url_;
  std::string_view operation_;
};

/// Text of child `name` ("" when absent).
std::string ChildText(const pugi::xml_node& node, const char* name);

/// Child `name` as an unsigned integer; absent -> `def`. Errors: kProtocol naming the element.
Result<std::uint64_t> ChildUint(const pugi::xml_node& node, const char* name, std::uint64_t def,
                                std::string_view operation);

/// Child `name` as "true"/"false"; absent -> false. Errors: kProtocol for other text.
Result<bool> ChildBool(const pugi::xml_node& node, const char* name, std::string_view operation);

/// Child `name` as an ISO-8601 timestamp; absent -> epoch. Errors: kProtocol.
Result<std::chrono::system_clock::time_point> ChildTime(const pugi::xml_node& node, const char* name,
                                                        std::string_view operation);

/// Serialises a document without indentation, with an XML declaration.
std::string SerializeXml(const pugi::xml_document& doc);

}  // namespace s3ml::ops

#pragma once
// The one boundary where pugixml parse results become Status. Included only by
// ops/*.cc (pugixml never appears in a header outside this layer's sources).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "s3ml/result.h"

namespace s3ml::ops {

/// A printable excerpt of a response body for error messages: at most
/// `max_chars` characters, control bytes shown as '.', whitespace runs collapsed.
std::string BodySnippet(std::string_view body, std::size_t max_chars = 160);

/// Parses `body` into `doc` and checks that the document element is
/// `expected_root`. Errors (kProtocol, with `http_status`, naming `operation`):
/// empty body, malformed/truncated XML, or a different root element; each quotes
/// the start of the body.
Status ParseXmlDocument(std::string_view body, std::string_view operation, const char* expected_root,
                        int http_status, pugi::xml_document& doc);

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

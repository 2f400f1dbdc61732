#include "ops/xml.h"

#include <sstream>

#include "common/time.h"
#include "common/uri.h"
#include "ops/requests.h"

namespace s3ml::ops {


namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// moto's names for the root of an answer: "<Root minus Result>Response" or "<operation>Response".
bool IsResponseWrapper(std::string_view name, std::string_view operation, std::string_view expected_root) {
  if (!EndsWith(name, "Response")) return false;
  const std::string_view stem = name.substr(0, name.size() - 8);
  if (!operation.empty() && stem == operation) return true;
  return EndsWith(expected_root, "Result") && stem == expected_root.substr(0, expected_root.size() - 6);
}

}  // namespace

Result<pugi::xml_node> ParseXmlDocument(std::string_view body, std::string_view operation, const char* expected_root,
                                        int http_status, pugi::xml_document& doc) {
  std::string root_desc = std::string("<") + expected_root + ">";
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank)
    return ProtocolError(operation, "the server sent an empty body where S3 sends an XML " + root_desc + " document",
                         http_status);
  // parse_ws_pcdata_single keeps a whitespace-only element text: an object key may be " ".
  pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size(),
                                             pugi::parse_default | pugi::parse_ws_pcdata_single, pugi::encoding_utf8);
  if (!r) {
    std::ostringstream os;
    os << "the server's response is not valid XML (" << r.description() << " at byte " << r.offset
       << "; expected an " << root_desc << " document); body starts with: " << BodySnippet(body);
    return ProtocolError(operation, os.str(), http_status);
  }
  pugi::xml_node root = doc.document_element();
  if (!root)
    return ProtocolError(operation,
                         "the server's response has no XML element (expected " + root_desc +
                             "); body starts with: " + BodySnippet(body),
                         http_status);
  const std::string_view name = root.name();
  if (name == expected_root) return root;
  if (IsResponseWrapper(name, operation, expected_root)) {
    pugi::xml_node inner = root.child(expected_root);
    return inner ? inner : root;
  }
  return ProtocolError(operation,
                       "unexpected XML document <" + std::string(name) + "> (expected " + root_desc +
                           "); body starts with: " + BodySnippet(body),
                       http_status);
}

Result<std::string> DecodeListingValue(std::string_view s, std::string_view operation) {
  std::string plus_as_space(s);
  for (char& c : plus_as_space)
    if (c == '+') c = ' ';
  auto r = UriDecode(plus_as_space);
  if (!r.ok())
    return ProtocolError(operation,
                         "the server sent a url-encoded value that does not decode: '" + BodySnippet(s, 80) + "'");
  return r;
}

ListingText::ListingText(const pugi::xml_node& root, std::string_view operation)
    : url_(ChildText(root, "EncodingType") == "url"), operation_(operation) {}

Result<std::string> ListingText::operator()(const pugi::xml_node& node, const char* name) const {
  std::string v = ChildText(node, name);
  if (!url_) return v;
  return DecodeListingValue(v, operation_);
}

std::string ChildText(const pugi::xml_node& node, const char* name) {
  return node.child(name).text().as_string();
}

Result<std::uint64_t> ChildUint(const pugi::xml_node& node, const char* name, std::uint64_t def,
                                std::string_view operation) {
  pugi::xml_node c = node.child(name);
  if (!c) return def;
  std::string s = c.text().as_string();
  std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  if (b == std::string::npos)
    return ProtocolError(operation, std::string("empty <") + name + "> where a number was expected");
  s = s.substr(b, e - b + 1);
  std::uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9' || v > (UINT64_MAX - 9) / 10)
      return ProtocolError(operation,
                           std::string("<") + name + "> is not a non-negative integer: '" + BodySnippet(s, 40) + "'");
    v = v * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return v;
}

Result<bool> ChildBool(const pugi::xml_node& node, const char* name, std::string_view operation) {
  pugi::xml_node c = node.child(name);
  if (!c) return false;
  std::string s = c.text().as_string();
  if (s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "false" || s == "FALSE" || s == "False" || s.empty()) return false;
  return ProtocolError(operation, std::string("<") + name + "> is not true/false: '" + BodySnippet(s, 40) + "'");
}

Result<std::chrono::system_clock::time_point> ChildTime(const pugi::xml_node& node, const char* name,
                                                        std::string_view operation) {
  pugi::xml_node c = node.child(name);
  if (!c) return std::chrono::system_clock::time_point{};
  // Informational (LastModified, Initiated, ...): a year outside 1678..2262 is clamped.
  auto t = ParseIso8601(c.text().as_string(), OutOfRange::kClamp);
  if (!t.ok())
    return ProtocolError(operation, std::string("<") + name + "> is not an ISO-8601 time: '" +
                                        BodySnippet(c.text().as_string(), 40) + "'");
  return *t;
}

std::string SerializeXml(const pugi::xml_document& doc) {
  std::ostringstream os;
  doc.save(os, "", pugi::format_raw, pugi::encoding_utf8);
  // pugixml writes a carriage return in text raw, and an XML parser reads a raw CR as
  // LF, so a key such as "a\rb" would name another object: write it as a character
  // reference. With format_raw there is no other CR in the document.
  std::string out = os.str();
  for (std::string::size_type at = 0; (at = out.find('\r', at)) != std::string::npos; at += 5)
    out.replace(at, 1, "&#13;");
  return out;
}

}  // namespace s3ml::ops

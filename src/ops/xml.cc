#include "ops/xml.h"

#include <sstream>

#include "common/time.h"

namespace s3ml::ops {

std::string BodySnippet(std::string_view body, std::size_t max_chars) {
  std::string out;
  bool in_space = false;
  for (unsigned char c : body) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (!in_space && !out.empty()) out += ' ';
      in_space = true;
      continue;
    }
    in_space = false;
    out += (c < 0x20 || c == 0x7f) ? '.' : static_cast<char>(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

Status ProtocolError(std::string_view operation, int http_status, const std::string& what) {
  std::string msg;
  if (!operation.empty()) msg = std::string(operation) + ": ";
  msg += what;
  Status st(ErrorCategory::kProtocol, std::move(msg));
  return http_status != 0 ? st.WithHttpStatus(http_status) : st;
}

}  // namespace

Status ParseXmlDocument(std::string_view body, std::string_view operation, const char* expected_root,
                        int http_status, pugi::xml_document& doc) {
  std::string root_desc = std::string("<") + expected_root + ">";
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank)
    return ProtocolError(operation, http_status,
                         "the server sent an empty body where S3 sends an XML " + root_desc + " document");
  pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    std::ostringstream os;
    os << "the server's response is not valid XML (" << r.description() << " at byte " << r.offset
       << "; expected an " << root_desc << " document); body starts with: " << BodySnippet(body);
    return ProtocolError(operation, http_status, os.str());
  }
  pugi::xml_node root = doc.document_element();
  if (!root)
    return ProtocolError(operation, http_status,
                         "the server's response has no XML element (expected " + root_desc +
                             "); body starts with: " + BodySnippet(body));
  if (std::string_view(root.name()) != expected_root)
    return ProtocolError(operation, http_status,
                         "unexpected XML document <" + std::string(root.name()) + "> (expected " + root_desc +
                             "); body starts with: " + BodySnippet(body));
  return Status::Ok();
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
    return ProtocolError(operation, 0, std::string("empty <") + name + "> where a number was expected");
  s = s.substr(b, e - b + 1);
  std::uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9' || v > (UINT64_MAX - 9) / 10)
      return ProtocolError(operation, 0, std::string("<") + name + "> is not a non-negative integer: '" +
                                             BodySnippet(s, 40) + "'");
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
  return ProtocolError(operation, 0,
                       std::string("<") + name + "> is not true/false: '" + BodySnippet(s, 40) + "'");
}

Result<std::chrono::system_clock::time_point> ChildTime(const pugi::xml_node& node, const char* name,
                                                        std::string_view operation) {
  pugi::xml_node c = node.child(name);
  if (!c) return std::chrono::system_clock::time_point{};
  // Informational (LastModified, Initiated, ...): a year outside 1678..2262 is clamped.
  auto t = ParseIso8601(c.text().as_string(), OutOfRange::kClamp);
  if (!t.ok())
    return ProtocolError(operation, 0, std::string("<") + name + "> is not an ISO-8601 time: '" +
                                           BodySnippet(c.text().as_string(), 40) + "'");
  return *t;
}

std::string SerializeXml(const pugi::xml_document& doc) {
  std::ostringstream os;
  doc.save(os, "", pugi::format_raw, pugi::encoding_utf8);
  return os.str();
}

}  // namespace s3ml::ops

#include "mock/xml.h"

#include <sstream>
#include <string_view>

namespace s3ml::mock {

namespace {
// pugixml stores text as C strings, so a NUL (a valid character of an S3 key)
// would end the text. AddText stores this marker instead and str() writes it
// as the character reference S3 writes ("&#x0;", like "&#x1;" for U+0001).
// The marker's bytes never occur in UTF-8, and every text the mock writes is
// UTF-8 (keys and listing parameters are checked by the router).
constexpr std::string_view kNulMarker = "\xFF\xFE\xFD";
}  // namespace

XmlWriter::XmlWriter(const char* root, bool with_namespace) {
  auto decl = doc_.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  root_ = doc_.append_child(root);
  if (with_namespace) root_.append_attribute("xmlns") = kS3Namespace;
}

std::string XmlWriter::str() const {
  std::ostringstream os;
  doc_.save(os, "", pugi::format_raw, pugi::encoding_utf8);
  // pugixml writes a carriage return in text raw, and every XML parser turns a raw
  // CR into LF: S3 writes it as a reference so keys such as "a\rb" survive. With
  // format_raw there is no other CR in the document.
  std::string out = os.str();
  std::string::size_type at = 0;
  while ((at = out.find('\r', at)) != std::string::npos) {
    out.replace(at, 1, "&#13;");
    at += 5;
  }
  at = 0;
  while ((at = out.find(kNulMarker, at)) != std::string::npos) {
    out.replace(at, kNulMarker.size(), "&#x0;");
    at += 5;
  }
  return out;
}

pugi::xml_node AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  auto n = parent.append_child(name);
  if (text.find('\0') == std::string::npos) {
    n.text().set(text.c_str());
    return n;
  }
  std::string marked;
  for (char c : text) {
    if (c == '\0') marked += kNulMarker;
    else marked += c;
  }
  n.text().set(marked.c_str());
  return n;
}

std::string ErrorXml(const S3Error& e, const std::string& resource, const std::string& request_id,
                     const std::string& host_id) {
  XmlWriter w("Error", /*with_namespace=*/false);
  auto root = w.root();
  AddText(root, "Code", e.code);
  AddText(root, "Message", e.message);
  for (const auto& [name, value] : e.details) AddText(root, name.c_str(), value);
  if (!resource.empty()) AddText(root, "Resource", resource);
  AddText(root, "RequestId", request_id);
  AddText(root, "HostId", host_id);
  return w.str();
}

}  // namespace s3ml::mock

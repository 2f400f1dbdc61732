#include "mock/xml.h"

#include <sstream>

namespace s3ml::mock {

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
  return os.str();
}

pugi::xml_node AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  auto n = parent.append_child(name);
  n.text().set(text.c_str());
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

#pragma once
// XML helpers for the mock's responses (pugixml). S3 documents carry the
// 2006-03-01 namespace and an XML declaration.

#include <pugixml.hpp>

#include <string>

#include "mock/s3_error.h"

namespace s3ml::mock {

inline constexpr const char* kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

/// A document whose root element `root` has the S3 namespace.
class XmlWriter {
 public:
  explicit XmlWriter(const char* root, bool with_namespace = true);
  pugi::xml_node root() { return root_; }
  /// Serialises with `<?xml version="1.0" encoding="UTF-8"?>` and no indentation.
  std::string str() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

/// Appends <name>text</name> to `parent`.
pugi::xml_node AddText(pugi::xml_node parent, const char* name, const std::string& text);

/// <Error><Code/><Message/>[details]<Resource/><RequestId/><HostId/></Error>
std::string ErrorXml(const S3Error& e, const std::string& resource, const std::string& request_id,
                     const std::string& host_id);

}  // namespace s3ml::mock

#include "s3_uri.h"

namespace s3ml::cli {

bool LooksLikeS3Uri(const std::string& text) {
  return text.size() >= 3 && (text[0] == 's' || text[0] == 'S') && text[1] == '3' && text[2] == ':';
}

S3Uri AsDirectory(S3Uri uri) {
  // awscli's FileFormat.s3_format appends '/' to the path of every directory operation.
  if (!uri.key.empty() && uri.key.back() != '/') uri.key += '/';
  return uri;
}

}  // namespace s3ml::cli

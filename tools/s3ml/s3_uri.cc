#include "s3_uri.h"

#include "s3ml/client.h"

namespace s3ml::cli {

std::string S3Uri::ToString() const { return key.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + key; }

bool LooksLikeS3Uri(const std::string& text) {
  return text.size() >= 3 && (text[0] == 's' || text[0] == 'S') && text[1] == '3' && text[2] == ':';
}

Result<S3Uri> ParseS3Uri(const std::string& text) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid S3 URI '" + text + "': " + why);
  };
  if (text.rfind("s3://", 0) != 0) return invalid("expected s3://bucket[/key]");
  const std::string rest = text.substr(5);
  const auto slash = rest.find('/');
  S3Uri uri;
  uri.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) uri.key = rest.substr(slash + 1);
  if (uri.bucket.empty()) return invalid("missing bucket name (expected s3://bucket[/key])");
  if (Status st = ValidateBucketName(uri.bucket); !st.ok()) {
    return invalid(st.message().empty() ? st.ToString() : st.message());
  }
  if (!uri.key.empty()) {
    if (Status st = ValidateObjectKey(uri.key); !st.ok()) {
      return invalid(st.message().empty() ? st.ToString() : st.message());
    }
  }
  return uri;
}

S3Uri AsDirectory(S3Uri uri) {
  // awscli's FileFormat.s3_format appends '/' to the path of every directory operation.
  if (!uri.key.empty() && uri.key.back() != '/') uri.key += '/';
  return uri;
}

}  // namespace s3ml::cli

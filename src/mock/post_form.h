#pragma once
// Browser POST uploads (S3's POST Object): the multipart/form-data body and the
// POST policy document. Pure functions of their input, used by PostObject
// (server_post.cc) and tested on their own.
//
// Limits (untrusted input):
//  - the form fields before the file part, headers and values together, at most
//    kMaxPostPreDataBytes (20 KiB): 400 MaxPostPreDataLengthExceeded;
//  - the policy document's JSON nests at most kMaxPolicyDepth levels: 400
//    InvalidPolicyDocument. (The policy is a form field, so it is within 20 KiB.)

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time.h"
#include "mock/s3_error.h"

namespace s3ml::mock {

inline constexpr std::size_t kMaxPostPreDataBytes = 20 * 1024;
inline constexpr int kMaxPolicyDepth = 8;

/// A parsed multipart/form-data body. Only the fields before the file part count:
/// S3 ignores the ones after it ("The file or text content must be the last field
/// in the form").
struct PostForm {
  std::vector<std::pair<std::string, std::string>> fields;  ///< (name as sent, value), in form order
  bool has_file = false;
  std::string filename;           ///< the file part's filename parameter ("" when none)
  std::size_t file_offset = 0;    ///< the file's bytes: body[file_offset, file_offset + file_size)
  std::size_t file_size = 0;

  /// The first field named `name` (ASCII case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
};

/// Parses a multipart/form-data body. `content_type` is the request's Content-Type
/// header. Errors: 412 PreconditionFailed (not multipart/form-data), 400
/// MalformedPOSTRequest (no boundary, bad framing), 400 MaxPostPreDataLengthExceeded,
/// 400 InvalidArgument (no file part).
Expected<PostForm> ParsePostForm(const std::string& content_type, const std::string& body);

/// The POST policy's verdict on a form, as of `now`: nullopt when every condition
/// holds. `key` is the object key after ${filename} expansion, `file_size` the
/// upload's length. Errors: 400 InvalidPolicyDocument (malformed policy), 403
/// AccessDenied ("Invalid according to Policy: ..." for an expired policy, a failed
/// condition or a field no condition covers), 400 EntityTooSmall / EntityTooLarge
/// (content-length-range).
MaybeError CheckPostPolicy(const std::string& policy_json, const PostForm& form, const std::string& bucket,
                           const std::string& key, std::uint64_t file_size, SystemTime now);

}  // namespace s3ml::mock

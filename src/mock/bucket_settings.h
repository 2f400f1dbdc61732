#pragma once
// Per-bucket settings the mock keeps beside the objects (default encryption, tags,
// Object Ownership, the bucket ACL, Block Public Access, CORS) and the ACL model the
// buckets and objects share: their parsing, validation and XML live in
// mock/acl.cc and mock/server_bucket_config.cc.
//
// The mock has one account (the owner of every bucket and object). Grants to other
// canonical users and e-mail addresses are kept and listed as S3 lists them, but no
// request can act as anyone else: the only other principals that can reach the mock
// are anonymous (unsigned) requests, which the AllUsers group stands for.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mock/sse.h"

namespace s3ml::mock {

inline constexpr const char* kAllUsersUri = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr const char* kAuthenticatedUsersUri = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
inline constexpr const char* kLogDeliveryUri = "http://acs.amazonaws.com/groups/s3/LogDelivery";

/// One ACL grant: a grantee and a permission (FULL_CONTROL, READ, WRITE, READ_ACP, WRITE_ACP).
struct Grant {
  enum class Type { kCanonicalUser, kGroup, kEmail };
  Type type = Type::kCanonicalUser;
  std::string id;     ///< kCanonicalUser
  std::string uri;    ///< kGroup
  std::string email;  ///< kEmail
  std::string permission;
  bool operator==(const Grant& o) const {
    return type == o.type && id == o.id && uri == o.uri && email == o.email && permission == o.permission;
  }
};
/// A bucket's or an object's grants. Empty: the default ACL, FULL_CONTROL for the owner.
using Acl = std::vector<Grant>;

/// A CORS rule (PutBucketCors), in the order the configuration lists it.
struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_origins;  ///< may hold one '*' wildcard each
  std::vector<std::string> allowed_methods;  ///< GET, PUT, HEAD, POST, DELETE
  std::vector<std::string> allowed_headers;  ///< may hold one '*' wildcard each
  std::vector<std::string> expose_headers;
  std::optional<long long> max_age_seconds;
};

/// The four Block Public Access switches (PutPublicAccessBlock).
struct PublicAccessBlock {
  bool block_public_acls = true;
  bool ignore_public_acls = true;
  bool block_public_policy = true;
  bool restrict_public_buckets = true;
};

/// Everything a bucket carries besides objects, versioning and lifecycle. The defaults
/// are those of a bucket S3 creates today: SSE-S3 default encryption, Object Ownership
/// BucketOwnerEnforced (ACLs disabled), Block Public Access all on, no tags, no CORS.
struct BucketSettings {
  /// Default encryption; algorithm "AES256" unless PutBucketEncryption chose KMS.
  SseRecord default_encryption{"AES256", {}, {}, false, {}};
  std::optional<std::map<std::string, std::string>> tags;  ///< nullopt: NoSuchTagSet
  /// BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter; nullopt after
  /// DeleteBucketOwnershipControls (ACLs enabled, as ObjectWriter).
  std::optional<std::string> object_ownership = std::string("BucketOwnerEnforced");
  Acl acl;
  std::optional<PublicAccessBlock> public_access_block = PublicAccessBlock{};
  std::optional<std::vector<CorsRule>> cors;

  bool acls_enabled() const { return object_ownership != std::optional<std::string>("BucketOwnerEnforced"); }
};

}  // namespace s3ml::mock

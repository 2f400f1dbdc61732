#pragma once
// S3 access control lists in the mock: canned ACLs, the x-amz-grant-* headers, the
// AccessControlPolicy document (parse and render), and what a grant allows.
// The model (Grant, Acl) is in mock/bucket_settings.h.

#include <pugixml.hpp>

#include <optional>
#include <string>

#include "common/http_types.h"
#include "mock/bucket_settings.h"
#include "mock/s3_error.h"

namespace s3ml::mock {

/// The grants a canned ACL stands for (the owner's FULL_CONTROL first). `for_bucket`
/// allows log-delivery-write. Errors: 400 InvalidArgument for an unknown name.
Expected<Acl> CannedAcl(const std::string& name, const std::string& owner_id, bool for_bucket);

/// The ACL a request's x-amz-acl or x-amz-grant-* headers ask for, nullopt when it
/// sends neither. Errors: 400 InvalidRequest for both kinds at once, InvalidArgument
/// for a malformed grantee or an unknown group, UnresolvableGrantByEmailAddress for an
/// e-mail grantee (the mock has no other accounts to resolve one to).
Expected<std::optional<Acl>> AclFromHeaders(const Headers& h, const std::string& owner_id, bool for_bucket);

/// An <AccessControlPolicy> body (PutBucketAcl, PutObjectAcl). Errors: 400
/// MalformedACLError for a document that does not follow the schema (unknown
/// permission, grantee type without its identifier), InvalidArgument for a malformed
/// canonical user id or an unknown group, UnresolvableGrantByEmailAddress, 403
/// AccessDenied when the Owner is not the bucket's owner.
Expected<Acl> ParseAclXml(const std::string& payload, const std::string& owner_id);

/// <Owner/><AccessControlList><Grant/>...</AccessControlList> under `root`; an empty
/// `acl` lists the owner's FULL_CONTROL.
void AddAclXml(pugi::xml_node root, const Acl& acl, const std::string& owner_id);

/// True when the ACL grants anything to AllUsers or AuthenticatedUsers (what Block
/// Public Access calls a public ACL).
bool IsPublicAcl(const Acl& acl);
/// True when the ACL grants nothing but the owner's FULL_CONTROL (what a bucket with
/// Object Ownership BucketOwnerEnforced accepts).
bool IsOwnerFullControlOnly(const Acl& acl, const std::string& owner_id);
/// True when the ACL grants AllUsers `permission` (or FULL_CONTROL).
bool GrantsAllUsers(const Acl& acl, const std::string& permission);

}  // namespace s3ml::mock

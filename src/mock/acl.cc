#include "mock/acl.h"

#include <cctype>

#include "mock/xml.h"

namespace s3ml::mock {

namespace {

// The canonical user S3's aws-exec-read canned ACL grants READ to (Amazon EC2).
constexpr const char* kEc2CanonicalId = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";

constexpr const char* kPermissions[] = {"FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"};

bool IsPermission(const std::string& p) {
  for (const char* k : kPermissions)
    if (p == k) return true;
  return false;
}

Grant User(const std::string& id, const char* permission) {
  Grant g;
  g.type = Grant::Type::kCanonicalUser;
  g.id = id;
  g.permission = permission;
  return g;
}

Grant Group(const char* uri, const char* permission) {
  Grant g;
  g.type = Grant::Type::kGroup;
  g.uri = uri;
  g.permission = permission;
  return g;
}

// A canonical user id is 64 lower-case hex digits.
bool IsCanonicalId(const std::string& id) {
  if (id.size() != 64) return false;
  for (char c : id)
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  return true;
}

MaybeError CheckGrantee(const Grant& g) {
  switch (g.type) {
    case Grant::Type::kCanonicalUser:
      if (!IsCanonicalId(g.id)) return InvalidArgument("Invalid id", "CanonicalUser/ID", g.id);
      break;
    case Grant::Type::kGroup:
      if (g.uri != kAllUsersUri && g.uri != kAuthenticatedUsersUri && g.uri != kLogDeliveryUri)
        return InvalidArgument("Invalid group uri", "Group/URI", g.uri);
      break;
    case Grant::Type::kEmail:
      // Single-account mock: no address resolves to an account.
      return S3Error(400, "UnresolvableGrantByEmailAddress",
                     "The e-mail address you provided does not match any account on record.")
          .With("EmailAddress", g.email);
  }
  return std::nullopt;
}

S3Error MalformedAcl() {
  return S3Error(400, "MalformedACLError",
                 "The XML you provided was not well-formed or did not validate against our published schema");
}

std::string Trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// One x-amz-grant-* header: `id="...", uri="...", emailAddress="..."`.
MaybeError ParseGrantHeader(const std::string& header, const std::string& value, const char* permission, Acl& out) {
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    const std::string item = Trimmed(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? value.size() + 1 : comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos) return InvalidArgument("Invalid grantee in " + header, header, value);
    const std::string type = Trimmed(item.substr(0, eq));
    std::string v = Trimmed(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    Grant g;
    g.permission = permission;
    if (type == "id") {
      g.type = Grant::Type::kCanonicalUser;
      g.id = v;
    } else if (type == "uri") {
      g.type = Grant::Type::kGroup;
      g.uri = v;
    } else if (type == "emailAddress") {
      g.type = Grant::Type::kEmail;
      g.email = v;
    } else {
      return InvalidArgument("Argument format not recognized", header, value);
    }
    if (auto err = CheckGrantee(g)) return err;
    out.push_back(std::move(g));
  }
  return std::nullopt;
}

}  // namespace

Expected<Acl> CannedAcl(const std::string& name, const std::string& owner_id, bool for_bucket) {
  Acl acl{User(owner_id, "FULL_CONTROL")};
  // In a single account the bucket owner is the object owner: bucket-owner-read and
  // bucket-owner-full-control add nothing to the owner's FULL_CONTROL.
  if (name == "private" || name == "bucket-owner-read" || name == "bucket-owner-full-control") return acl;
  if (name == "public-read") {
    acl.push_back(Group(kAllUsersUri, "READ"));
  } else if (name == "public-read-write") {
    acl.push_back(Group(kAllUsersUri, "READ"));
    acl.push_back(Group(kAllUsersUri, "WRITE"));
  } else if (name == "authenticated-read") {
    acl.push_back(Group(kAuthenticatedUsersUri, "READ"));
  } else if (name == "aws-exec-read") {
    acl.push_back(User(kEc2CanonicalId, "READ"));
  } else if (name == "log-delivery-write" && for_bucket) {
    acl.push_back(Group(kLogDeliveryUri, "WRITE"));
    acl.push_back(Group(kLogDeliveryUri, "READ_ACP"));
  } else {
    return InvalidArgument("The canned ACL is not valid", "x-amz-acl", name);
  }
  return acl;
}

Expected<std::optional<Acl>> AclFromHeaders(const Headers& h, const std::string& owner_id, bool for_bucket) {
  static constexpr std::pair<const char*, const char*> kGrantHeaders[] = {
      {"x-amz-grant-full-control", "FULL_CONTROL"},
      {"x-amz-grant-read", "READ"},
      {"x-amz-grant-write", "WRITE"},
      {"x-amz-grant-read-acp", "READ_ACP"},
      {"x-amz-grant-write-acp", "WRITE_ACP"},
  };
  const std::string* canned = h.Find("x-amz-acl");
  Acl grants;
  bool any_grant = false;
  for (const auto& [header, permission] : kGrantHeaders) {
    const std::string* value = h.Find(header);
    if (!value) continue;
    any_grant = true;
    if (auto err = ParseGrantHeader(header, *value, permission, grants)) return *err;
  }
  if (canned && any_grant) return InvalidRequest("Specifying both Canned ACLs and Header Grants is not allowed");
  if (canned) {
    auto acl = CannedAcl(*canned, owner_id, for_bucket);
    if (!acl.ok()) return acl.error();
    return std::optional<Acl>(std::move(*acl));
  }
  if (any_grant) return std::optional<Acl>(std::move(grants));
  return std::optional<Acl>();
}

Expected<Acl> ParseAclXml(const std::string& payload, const std::string& owner_id) {
  pugi::xml_document doc;
  if (payload.empty() || !doc.load_buffer(payload.data(), payload.size())) return MalformedAcl();
  auto root = doc.child("AccessControlPolicy");
  if (!root) return MalformedAcl();
  if (auto owner = root.child("Owner")) {
    const std::string id = owner.child("ID").text().as_string();
    if (id != owner_id) return AccessDenied();
  }
  auto list = root.child("AccessControlList");
  if (!list) return MalformedAcl();
  Acl acl;
  for (auto node : list.children()) {
    if (std::string(node.name()) != "Grant") return MalformedAcl();
    auto grantee = node.child("Grantee");
    Grant g;
    g.permission = node.child("Permission").text().as_string();
    if (!grantee || !IsPermission(g.permission)) return MalformedAcl();
    std::string type;
    for (auto attr : grantee.attributes()) {
      std::string name = attr.name();
      if (name == "xsi:type" || (name.size() > 5 && name.compare(name.size() - 5, 5, ":type") == 0)) type = attr.value();
    }
    if (type == "CanonicalUser" && grantee.child("ID")) {
      g.type = Grant::Type::kCanonicalUser;
      g.id = grantee.child("ID").text().as_string();
    } else if (type == "Group" && grantee.child("URI")) {
      g.type = Grant::Type::kGroup;
      g.uri = grantee.child("URI").text().as_string();
    } else if (type == "AmazonCustomerByEmail" && grantee.child("EmailAddress")) {
      g.type = Grant::Type::kEmail;
      g.email = grantee.child("EmailAddress").text().as_string();
    } else {
      return MalformedAcl();
    }
    if (auto err = CheckGrantee(g)) return *err;
    acl.push_back(std::move(g));
  }
  return acl;
}

void AddAclXml(pugi::xml_node root, const Acl& acl, const std::string& owner_id) {
  auto owner = root.append_child("Owner");
  AddText(owner, "ID", owner_id);
  AddText(owner, "DisplayName", "s3ml-mock");
  auto list = root.append_child("AccessControlList");
  const Acl owner_only{User(owner_id, "FULL_CONTROL")};
  for (const Grant& g : acl.empty() ? owner_only : acl) {
    auto grant = list.append_child("Grant");
    auto grantee = grant.append_child("Grantee");
    grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
    switch (g.type) {
      case Grant::Type::kCanonicalUser:
        grantee.append_attribute("xsi:type") = "CanonicalUser";
        AddText(grantee, "ID", g.id);
        if (g.id == owner_id) AddText(grantee, "DisplayName", "s3ml-mock");
        break;
      case Grant::Type::kGroup:
        grantee.append_attribute("xsi:type") = "Group";
        AddText(grantee, "URI", g.uri);
        break;
      case Grant::Type::kEmail:
        grantee.append_attribute("xsi:type") = "AmazonCustomerByEmail";
        AddText(grantee, "EmailAddress", g.email);
        break;
    }
    AddText(grant, "Permission", g.permission);
  }
}

bool IsPublicAcl(const Acl& acl) {
  for (const Grant& g : acl)
    if (g.type == Grant::Type::kGroup && (g.uri == kAllUsersUri || g.uri == kAuthenticatedUsersUri)) return true;
  return false;
}

bool IsOwnerFullControlOnly(const Acl& acl, const std::string& owner_id) {
  for (const Grant& g : acl)
    if (!(g.type == Grant::Type::kCanonicalUser && g.id == owner_id && g.permission == "FULL_CONTROL")) return false;
  return true;
}

bool GrantsAllUsers(const Acl& acl, const std::string& permission) {
  for (const Grant& g : acl)
    if (g.type == Grant::Type::kGroup && g.uri == kAllUsersUri &&
        (g.permission == permission || g.permission == "FULL_CONTROL"))
      return true;
  return false;
}

}  // namespace s3ml::mock

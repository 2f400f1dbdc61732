#include "mock/part_checksums.h"

#include <pugixml.hpp>

#include "common/crypto.h"
#include "mock/checksums.h"

namespace s3ml::mock {

namespace {

bool IsAlgorithm(const std::string& a) { return a == "crc32" || a == "crc32c" || a == "crc64nvme" || a == "sha1" || a == "sha256"; }
bool IsCrc(const std::string& a) { return a == "crc32" || a == "crc32c" || a == "crc64nvme"; }

}  // namespace

std::string ChecksumElementName(const std::string& algorithm) { return "Checksum" + ChecksumDisplayName(algorithm); }

MaybeError ApplyUploadChecksumHeaders(const Headers& h, ObjectRecord& attrs, HeaderList& reply) {
  const std::string* alg = h.Find("x-amz-checksum-algorithm");
  const std::string* type = h.Find("x-amz-checksum-type");
  if (!alg) {
    if (type) return InvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
    return std::nullopt;
  }
  const std::string a = ToLower(*alg);
  if (!IsAlgorithm(a)) return InvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
  std::string t = type ? *type : (a == "crc64nvme" ? "FULL_OBJECT" : "COMPOSITE");
  if (t != "COMPOSITE" && t != "FULL_OBJECT")
    return InvalidRequest("Value for x-amz-checksum-type header is invalid.");
  if (t == "FULL_OBJECT" && !IsCrc(a))
    return InvalidRequest("The FULL_OBJECT checksum type cannot be used with the " + a + " checksum algorithm.");
  if (t == "COMPOSITE" && a == "crc64nvme")
    return InvalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.");
  attrs.checksum_algorithm = a;
  attrs.checksum_type = t;
  reply.emplace_back("x-amz-checksum-algorithm", ChecksumDisplayName(a));
  reply.emplace_back("x-amz-checksum-type", t);
  return std::nullopt;
}

Expected<std::map<std::string, std::string>> PartChecksums(const ObjectRecord& upload_attrs,
                                                           const HeaderList& supplied, const HeaderList& trailers,
                                                           const std::string& payload) {
  std::map<std::string, std::string> sums;
  for (const auto& [alg, value] : supplied) sums[alg] = value;
  constexpr std::string_view kPrefix = "x-amz-checksum-";
  for (const auto& [name, value] : trailers)
    if (name.compare(0, kPrefix.size(), kPrefix) == 0) sums[name.substr(kPrefix.size())] = value;
  const std::string& want = upload_attrs.checksum_algorithm;
  if (want.empty()) return sums;
  if (!sums.empty() && sums.count(want) == 0)
    return InvalidRequest("Checksum Type mismatch occurred, expected checksum Type: " + want +
                          ", actual checksum Type: " + sums.begin()->first);
  if (sums.count(want) == 0) {
    auto computed = ComputeChecksum(want, payload);
    if (computed) sums[want] = *computed;
  }
  return sums;
}

Expected<CompletedChecksum> CompleteChecksum(const ObjectRecord& upload_attrs, const std::string& payload,
                                             const std::vector<const PartRecord*>& parts, const std::string& body,
                                             const std::string& upload_id) {
  CompletedChecksum out;
  const std::string& a = upload_attrs.checksum_algorithm;
  if (a.empty()) return out;
  out.algorithm = a;
  out.type = upload_attrs.checksum_type.empty() ? "COMPOSITE" : upload_attrs.checksum_type;
  // The request's Checksum<ALG> per part, by part number (the caller validated the XML).
  std::map<int, std::string> listed;
  pugi::xml_document doc;
  if (doc.load_buffer(payload.data(), payload.size())) {
    const std::string element = ChecksumElementName(a);
    for (auto node : doc.child("CompleteMultipartUpload").children("Part")) {
      auto sum = node.child(element.c_str());
      if (sum) listed[node.child("PartNumber").text().as_int()] = sum.text().as_string();
    }
  }
  std::string concatenated;
  for (const PartRecord* p : parts) {
    auto it = listed.find(p->number);
    if (it == listed.end() && out.type == "FULL_OBJECT") continue;  // optional there: the bytes decide
    if (it == listed.end())
      return InvalidRequest("The upload was created using a " + a +
                            " checksum. The complete request must include the checksum for each part. It was missing "
                            "for part " + std::to_string(p->number) + " in the request.");
    auto stored = p->checksums.find(a);
    if (stored == p->checksums.end() || stored->second != it->second)
      return S3Error(400, "InvalidPart",
                     "One or more of the specified parts could not be found. The part may not have been uploaded, or "
                     "the specified entity tag may not match the part's entity tag.")
          .With("UploadId", upload_id)
          .With("PartNumber", std::to_string(p->number))
          .With(ChecksumElementName(a), it->second);
    auto raw = Base64Decode(stored->second);
    if (raw.ok()) concatenated += *raw;
  }
  if (out.type == "FULL_OBJECT") {
    out.value = ComputeChecksum(a, body).value_or("");
  } else {
    out.value = ComputeChecksum(a, concatenated).value_or("") + "-" + std::to_string(parts.size());
  }
  return out;
}

void AddObjectChecksumHeaders(const Headers& request, const std::string& part_number_param, bool whole,
                              const ObjectRecord& obj, HeaderList& reply) {
  if (ToLower(request.Get("x-amz-checksum-mode")) != "enabled") return;
  if (!part_number_param.empty() && !obj.part_checksums.empty()) {
    const long n = std::strtol(part_number_param.c_str(), nullptr, 10);
    if (n >= 1 && static_cast<std::size_t>(n) <= obj.part_checksums.size()) {
      for (const auto& [alg, value] : obj.part_checksums[static_cast<std::size_t>(n - 1)])
        reply.emplace_back("x-amz-checksum-" + alg, value);
    }
    return;
  }
  // A single-part object read with partNumber=1 is the whole object.
  if (!whole && !(part_number_param == "1" && obj.part_sizes.empty())) return;
  for (const auto& [alg, value] : obj.checksums) reply.emplace_back("x-amz-checksum-" + alg, value);
  if (!obj.checksum_type.empty()) reply.emplace_back("x-amz-checksum-type", obj.checksum_type);
}

}  // namespace s3ml::mock

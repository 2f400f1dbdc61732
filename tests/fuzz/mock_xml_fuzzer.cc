// The mock server's XML request bodies, run through the operations that parse them
// (src/mock/server*.cc, lifecycle.cc, select_handler.cc): DeleteObjects,
// CompleteMultipartUpload, PutBucketLifecycleConfiguration, PutObjectTagging,
// PutBucketVersioning, RestoreObject, SelectObjectContent, CreateBucket, the bucket
// settings (Put{Bucket,Object}Acl, PutBucketEncryption, PutBucketTagging,
// PutBucketOwnershipControls, PutPublicAccessBlock, PutBucketCors), against a
// fresh in-memory store holding one bucket, two objects and one upload with two parts
// (no sockets: MockS3Server::Impl::Dispatch is called directly).
// Byte 0 picks the operation, the rest is the body.
#include "common/time.h"
#include "fuzz_util.h"
#include "mock/server_impl.h"

using namespace s3ml;
using namespace s3ml::mock;

namespace {

struct Server {
  MockS3Server::Impl impl{MockS3Options{}};
  SystemTime now = SystemClock().Now();

  Expected<Reply> Run(const std::string& method, const std::string& target, std::string payload,
                      const Headers& headers = {}) {
    auto r = Route(method, target, "127.0.0.1", headers.Has("x-amz-copy-source"), impl.base_domains);
    if (!r.ok()) return r.error();
    Call c{r.value(), headers, method, std::move(payload), {}, now, {}};
    return impl.Dispatch(c);
  }
};

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  auto a = s.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  return s.substr(a, s.find(close, a) - a);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t which = in.Byte();
  std::string body(in.Rest());

  Server s;
  auto check = [](const Expected<Reply>& r) {
    if (!r.ok()) fuzz::Fail();
  };
  check(s.Run("PUT", "/bucket", ""));
  check(s.Run("PUT", "/bucket/data.csv", "id,name\n1,alice\n2,bob\n"));
  check(s.Run("PUT", "/bucket/b.json", "{\"a\":1}\n{\"a\":2}\n"));

  Expected<Reply> reply = S3Error(500, "Unset", "");
  switch (which % 16) {
    case 0:
      reply = s.Run("POST", "/bucket?delete", body);
      break;
    case 1: {
      auto created = s.Run("POST", "/bucket/big?uploads", "");
      check(created);
      const std::string id = Between(created.value().body, "<UploadId>", "</UploadId>");
      check(s.Run("PUT", "/bucket/big?partNumber=1&uploadId=" + id, "head"));
      check(s.Run("PUT", "/bucket/big?partNumber=2&uploadId=" + id, "tail"));
      reply = s.Run("POST", "/bucket/big?uploadId=" + id, body);
      break;
    }
    case 2:
      reply = s.Run("PUT", "/bucket?lifecycle", body);
      if (reply.ok()) (void)s.Run("GET", "/bucket?lifecycle", "");
      break;
    case 3:
      reply = s.Run("PUT", "/bucket/data.csv?tagging", body);
      if (reply.ok()) (void)s.Run("GET", "/bucket/data.csv?tagging", "");
      break;
    case 4:
      reply = s.Run("PUT", "/bucket?versioning", body);
      if (reply.ok()) (void)s.Run("GET", "/bucket?versioning", "");
      break;
    case 5:
      reply = s.Run("POST", "/bucket/data.csv?restore", body);
      break;
    case 6:
      reply = s.Run("POST", "/bucket/data.csv?select&select-type=2", body);
      break;
    case 7:
      reply = s.Run("POST", "/bucket/b.json?select&select-type=2", body);
      break;
    case 8:
      reply = s.Run("PUT", "/bucket2", body);
      break;
    case 9:
      check(s.Run("DELETE", "/bucket?ownershipControls", ""));  // ACLs on, so the grants are judged
      reply = s.Run("PUT", "/bucket?acl", body);
      if (reply.ok()) (void)s.Run("GET", "/bucket?acl", "");
      break;
    case 10:
      check(s.Run("DELETE", "/bucket?ownershipControls", ""));
      reply = s.Run("PUT", "/bucket/data.csv?acl", body);
      if (reply.ok()) (void)s.Run("GET", "/bucket/data.csv?acl", "");
      break;
    case 11:
      reply = s.Run("PUT", "/bucket?encryption", body);
      if (reply.ok()) check(s.Run("PUT", "/bucket/after", "x"));  // the default applies to a write
      break;
    case 12:
      reply = s.Run("PUT", "/bucket?tagging", body);
      if (reply.ok()) (void)s.Run("GET", "/bucket?tagging", "");
      break;
    case 13:
      reply = s.Run("PUT", "/bucket?ownershipControls", body);
      break;
    case 14:
      reply = s.Run("PUT", "/bucket?publicAccessBlock", body);
      break;
    case 15: {
      Headers h;
      h.Add("Content-MD5", Base64Encode(Md5(body)));
      reply = s.Run("PUT", "/bucket?cors", body, h);
      if (reply.ok()) (void)s.Run("GET", "/bucket?cors", "");
      break;
    }
  }
  if (!reply.ok()) {
    const S3Error& e = reply.error();
    // Malformed requests are client errors, never a server failure.
    S3ML_FUZZ_CHECK(e.http_status >= 400 && e.http_status < 500 && !e.code.empty());
  }
  return 0;
}

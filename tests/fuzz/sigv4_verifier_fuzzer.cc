// The mock server's request authentication (src/mock/verifier.cc, router.cc): SigV4
// Authorization headers, presigned query strings (SigV4 and SigV2), the request body
// per x-amz-content-sha256 (hashes, aws-chunked with or without signatures and
// trailers) and the x-amz-checksum-* / Content-MD5 headers.
//
// Input: byte 0 (mode), then an HTTP/1.1-like request head:
//   METHOD SP TARGET '\n' (Name ':' SP? Value '\n')* '\n' body
// The verifier's clock is fixed at 20130524T000000Z (the AWS documentation's
// examples), its keys are the documentation's example keys.
#include "common/time.h"
#include "fuzz_util.h"
#include "mock/router.h"
#include "mock/verifier.h"

using namespace s3ml;

namespace {

const mock::Verifier& TheVerifier(bool verify) {
  static const mock::Verifier on(
      mock::VerifierConfig{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", true, false});
  static const mock::Verifier off(
      mock::VerifierConfig{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", false, true});
  return verify ? on : off;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t mode = in.Byte();
  std::string_view request_line = in.Until('\n');
  if (!request_line.empty() && request_line.back() == '\r') request_line.remove_suffix(1);
  const auto sp = request_line.find(' ');
  const std::string method(request_line.substr(0, sp));
  const std::string target(sp == std::string_view::npos ? "/" : request_line.substr(sp + 1));
  Headers headers;
  for (std::string_view line = in.Until('\n'); !line.empty() && line != "\r"; line = in.Until('\n')) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    headers.Add(std::string(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
  const std::string body(in.Rest());

  static const std::vector<std::string> kDomains = {"s3.amazonaws.com", "localhost", "127.0.0.1"};
  auto routed = mock::Route(method, target, headers.Get("Host", "examplebucket.s3.amazonaws.com"),
                            headers.Has("x-amz-copy-source"), kDomains);
  if (!routed.ok()) return 0;
  const mock::RoutedRequest& r = routed.value();
  const mock::Verifier& verifier = TheVerifier((mode & 1) == 0);
  const mock::VerifyInput vin{method, r.raw_path, r.query, headers, r.raw_query, r.virtual_hosted ? r.bucket : ""};
  auto now = ParseAmzDate("20130524T000000Z");
  if (!now.ok()) fuzz::Fail();
  auto auth = verifier.Verify(vin, *now);
  mock::AuthInfo info;
  if (auth.ok()) {
    info = auth.value();
  } else if (mode & 2) {
    // Exercise the body decoder as if the signature had checked out.
    info.mode = mock::AuthInfo::Mode::kHeader;
    info.verified = (mode & 4) != 0;
    info.amz_date = "20130524T000000Z";
    info.scope = "20130524/us-east-1/s3/aws4_request";
    info.signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  } else {
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> trailers;
  auto payload = verifier.DecodeBody(info, headers, body, &trailers);
  if (payload.ok()) (void)mock::VerifyIntegrityHeaders(headers, payload.value());
  return 0;
}

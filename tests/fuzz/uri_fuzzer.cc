// URI and endpoint parsing: percent-decoding (src/common/uri.cc), endpoint URLs and
// their validation in ClientOptions, s3:// URIs (ParseS3Uri, src/client/validation.cc) with
// either check, and the mock's query-string and Host parsing (src/mock/router.cc).
// Byte 0 picks the parser.
#include "common/uri.h"
#include "fuzz_util.h"
#include "mock/router.h"
#include "s3ml/client.h"
#include "s3ml/uri.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t which = in.Byte();
  const std::string_view s = in.Rest();
  const std::string str(s);
  switch (which % 7) {
    case 0: {
      auto d = UriDecode(s);
      // Encoding then decoding gives the bytes back, whatever they are.
      auto back = UriDecode(UriEncode(s, (which & 8) != 0));
      S3ML_FUZZ_CHECK(back.ok() && *back == s);
      if (d.ok()) S3ML_FUZZ_CHECK(d->size() <= s.size());
      break;
    }
    case 1: {
      auto e = ParseEndpoint(s);
      if (e.ok()) S3ML_FUZZ_CHECK(e->scheme == "http" || e->scheme == "https");
      break;
    }
    case 2: {  // the endpoint as ClientOptions validates it (Client::Create does no I/O)
      ClientOptions o = ClientOptions::ForEndpoint(str);
      o.credentials = Credentials{"AKID", "secret", "", std::nullopt, "fuzz"};
      (void)o.Validate();
      break;
    }
    case 3:
    case 4: {
      const S3UriCheck check = which % 7 == 3 ? S3UriCheck::kNames : S3UriCheck::kShape;
      auto u = ParseS3Uri(str, check);
      if (u.ok()) {
        auto again = ParseS3Uri(u->ToString(), check);
        S3ML_FUZZ_CHECK(again.ok() && *again == *u);
      }
      break;
    }
    case 5: (void)mock::ParseQuery(str); break;
    case 6: (void)mock::HostWithoutPort(str); break;
  }
  return 0;
}

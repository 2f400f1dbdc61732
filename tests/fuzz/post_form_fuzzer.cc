// Browser POST uploads (src/mock/post_form.cc): the multipart/form-data parser and the
// POST policy checker. Input: <policy JSON>\x00<form body>; the body is parsed with a
// fixed boundary, and the policy is checked against what parsed.
#include "fuzz_util.h"
#include "mock/post_form.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::string policy(in.Until('\0'));
  const std::string body(in.Rest());
  auto form = mock::ParsePostForm("multipart/form-data; boundary=B", body);
  if (!form.ok()) {
    S3ML_FUZZ_CHECK(!form.error().code.empty());
    S3ML_FUZZ_CHECK(form.error().http_status == 400 || form.error().http_status == 412);
    return 0;
  }
  // The file is a slice of the body, and the fields before it are within the limit.
  S3ML_FUZZ_CHECK(form.value().has_file);
  S3ML_FUZZ_CHECK(form.value().file_offset + form.value().file_size <= body.size());
  std::size_t fields = 0;
  for (const auto& [name, value] : form.value().fields) fields += name.size() + value.size();
  S3ML_FUZZ_CHECK(fields <= mock::kMaxPostPreDataBytes);
  const SystemTime now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto verdict = mock::CheckPostPolicy(policy, form.value(), "bucket", "key", form.value().file_size, now);
  if (verdict) {
    S3ML_FUZZ_CHECK(!verdict->code.empty());
    S3ML_FUZZ_CHECK(verdict->http_status == 400 || verdict->http_status == 403);
  }
  return 0;
}

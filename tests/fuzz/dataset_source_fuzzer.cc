// Dataset sources (src/dataset/source.cc): manifest text and brace patterns.
// Byte 0 picks the parser.
#include "fuzz_util.h"
#include "s3ml/dataset/source.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t which = in.Byte();
  const std::string_view s = in.Rest();
  if (which & 1) {
    auto shards = dataset::ParseManifest(s, "s3://bucket/manifest.jsonl");
    if (shards.ok())
      for (const auto& sh : *shards) S3ML_FUZZ_CHECK(!sh.bucket.empty());
  } else {
    auto keys = dataset::ExpandBraces(std::string(s));
    (void)keys;
  }
  return 0;
}

// The dataset reader's shard decoders (src/dataset/decoders.cc): WebDataset tar
// (libarchive, also compressed) and JSON Lines. Byte 0 picks the decoder.
#include "fuzz_util.h"
#include "s3ml/dataset/sample.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t which = in.Byte();
  static const auto tar = dataset::TarDecoder();
  static const auto jsonl = dataset::JsonLinesDecoder();
  dataset::ShardData shard;
  shard.info.bucket = "bucket";
  shard.info.key = "shard-000.tar";
  auto bytes = std::make_shared<Buffer>(in.Rest());
  shard.bytes = bytes;
  std::vector<dataset::Sample> out;
  Status st = ((which & 1) ? jsonl : tar)->Decode(shard, out);
  if (!st.ok()) {
    S3ML_FUZZ_CHECK(out.empty());  // a shard that fails adds no samples
    return 0;
  }
  // Every field stays readable through the samples' owners alone.
  bytes.reset();
  shard.bytes.reset();
  std::size_t sum = 0;
  for (const auto& s : out)
    for (const auto& f : s.fields)
      for (char c : f.second) sum += static_cast<unsigned char>(c);
  (void)sum;
  return 0;
}

// S3 Select over JSON input, LINES and DOCUMENT (src/select: JSON reader, paths,
// evaluator, writers). Input: [options][range][chunk] SQL '\n' object-bytes.
#include "select_driver.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t opt = in.Byte(), rng = in.Byte(), chunk = in.Byte();
  const std::string_view sql = in.Until('\n');
  const std::string_view object = in.Rest();
  select::InputSerialization input;
  input.format = select::Format::kJson;
  input.json_type = (opt & 1) ? select::JsonType::kLines : select::JsonType::kDocument;
  if (opt & 0x80) input.compression = select::Compression::kGzip;
  fuzz::RunSelect(sql, input, fuzz::OutputFor(opt >> 1), fuzz::RangeFor(rng, object.size()), object,
                  chunk == 0 ? 1 : chunk);
  return 0;
}

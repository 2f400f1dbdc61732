// S3 Select over CSV input (src/select: CSV reader, evaluator, writers). Input:
// [options][range][chunk] SQL '\n' object-bytes.
#include "select_driver.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t opt = in.Byte(), opt2 = in.Byte(), rng = in.Byte(), chunk = in.Byte();
  const std::string_view sql = in.Until('\n');
  const std::string_view object = in.Rest();
  select::InputSerialization input;
  input.format = select::Format::kCsv;
  static const select::FileHeaderInfo kHeader[] = {select::FileHeaderInfo::kNone, select::FileHeaderInfo::kUse,
                                                   select::FileHeaderInfo::kIgnore, select::FileHeaderInfo::kUse};
  input.csv.file_header_info = kHeader[opt & 3];
  static const char* kField[] = {",", "\t", "||", ";"};
  input.csv.field_delimiter = kField[(opt >> 2) & 3];
  static const char* kRecord[] = {"\n", "\r\n", "\n", "$"};
  input.csv.record_delimiter = kRecord[(opt >> 4) & 3];
  if (opt & 0x40) input.csv.allow_quoted_record_delimiter = true;
  if (opt & 0x80) input.compression = select::Compression::kGzip;
  if (opt2 & 1) input.csv.quote_character = '\'';
  if (opt2 & 2) input.csv.quote_escape_character = '\\';
  if (opt2 & 4) input.csv.comments = "";
  fuzz::RunSelect(sql, input, fuzz::OutputFor(opt2 >> 3), fuzz::RangeFor(rng, object.size()), object,
                  chunk == 0 ? 1 : chunk);
  return 0;
}

// The S3 Select SQL parser and evaluator (src/select/parser.cc, eval.cc): the whole
// input is the SQL text; what parses runs over a small fixed CSV and JSON object.
#include "select_driver.h"

using namespace s3ml;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  auto q = select::Query::Parse(sql);
  if (!q.ok()) {
    S3ML_FUZZ_CHECK(!q.status().code().empty());  // every parse error carries an S3 code
    return 0;
  }
  static const std::string kCsv =
      "id,name,score,when,tags\n1,alice,3.5,2024-01-02T03:04:05Z,a;b\n2,bob,-7,2023-12-31,\n"
      "3,\"c, d\",,1999-01-01T00:00:00.5+01:00,x\n4,e,1e308,not a date,\"q\"\"\"\n";
  static const std::string kJson =
      "{\"id\":1,\"name\":\"alice\",\"score\":3.5,\"a\":[1,2,{\"b\":null}],\"o\":{\"p\":true}}\n"
      "{\"id\":2,\"name\":\"bob\",\"score\":-7,\"a\":[],\"o\":{}}\n"
      "{\"id\":9223372036854775807,\"name\":null,\"score\":\"x\",\"when\":\"2024-01-02T03:04:05Z\"}\n";
  select::InputSerialization csv;
  csv.csv.file_header_info = (size & 1) ? select::FileHeaderInfo::kUse : select::FileHeaderInfo::kNone;
  fuzz::RunSelect(sql, csv, fuzz::OutputFor(static_cast<std::uint8_t>(size)), {}, kCsv, 7);
  select::InputSerialization json;
  json.format = select::Format::kJson;
  json.json_type = select::JsonType::kLines;
  fuzz::RunSelect(sql, json, fuzz::OutputFor(static_cast<std::uint8_t>(size >> 1)), {}, kJson, 5);
  return 0;
}

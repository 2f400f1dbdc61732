// select_tool: runs the S3 Select engine over a local file (used by the moto interop test).
//
//   select_tool --sql SQL [--input JSON] [--output JSON] [--range START:END] [--chunk N] FILE
//
// --input/--output take boto3's InputSerialization/OutputSerialization dicts as JSON, e.g.
// '{"CSV": {"FileHeaderInfo": "USE"}, "CompressionType": "GZIP"}'. Output records go to
// stdout; an error prints "<Code>: <message>" to stderr and exits 1.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "select/select.h"

namespace sel = s3ml::select;

namespace {

char OneChar(const nlohmann::json& j, const char* key, char dflt) {
  if (!j.contains(key)) return dflt;
  std::string s = j[key].get<std::string>();
  return s.empty() ? dflt : s[0];
}

s3ml::Result<sel::InputSerialization> ParseInput(const nlohmann::json& j) {
  sel::InputSerialization in;
  S3ML_ASSIGN_OR_RETURN(in.compression, sel::ParseCompression(j.value("CompressionType", "NONE")));
  if (j.contains("JSON")) {
    in.format = sel::Format::kJson;
    S3ML_ASSIGN_OR_RETURN(in.json_type, sel::ParseJsonType(j["JSON"].value("Type", "DOCUMENT")));
  } else if (j.contains("CSV")) {
    const auto& c = j["CSV"];
    S3ML_ASSIGN_OR_RETURN(in.csv.file_header_info, sel::ParseFileHeaderInfo(c.value("FileHeaderInfo", "NONE")));
    in.csv.field_delimiter = c.value("FieldDelimiter", ",");
    in.csv.record_delimiter = c.value("RecordDelimiter", "\n");
    in.csv.quote_character = OneChar(c, "QuoteCharacter", '"');
    in.csv.quote_escape_character = OneChar(c, "QuoteEscapeCharacter", '"');
    in.csv.comments = c.value("Comments", "#");
    in.csv.allow_quoted_record_delimiter = c.value("AllowQuotedRecordDelimiter", false);
  }
  return in;
}

s3ml::Result<sel::OutputSerialization> ParseOutput(const nlohmann::json& j) {
  sel::OutputSerialization out;
  if (j.contains("JSON")) {
    out.format = sel::Format::kJson;
    out.record_delimiter = j["JSON"].value("RecordDelimiter", "\n");
  } else if (j.contains("CSV")) {
    const auto& c = j["CSV"];
    S3ML_ASSIGN_OR_RETURN(out.quote_fields, sel::ParseQuoteFields(c.value("QuoteFields", "ASNEEDED")));
    out.field_delimiter = c.value("FieldDelimiter", ",");
    out.record_delimiter = c.value("RecordDelimiter", "\n");
    out.quote_character = OneChar(c, "QuoteCharacter", '"');
    out.quote_escape_character = OneChar(c, "QuoteEscapeCharacter", '"');
  }
  return out;
}

int Fail(const s3ml::Status& st) {
  std::cerr << (st.code().empty() ? "Error" : st.code()) << ": " << st.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sql, in_json = R"({"CSV": {}})", out_json = R"({"CSV": {}})", file;
  sel::ScanRange range;
  size_t chunk = 65536;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--sql") sql = next();
    else if (a == "--input") in_json = next();
    else if (a == "--output") out_json = next();
    else if (a == "--chunk") chunk = std::stoul(next());
    else if (a == "--range") {
      std::string r = next();
      auto colon = r.find(':');
      if (colon > 0) range.start = std::stoull(r.substr(0, colon));
      if (colon + 1 < r.size()) range.end = std::stoull(r.substr(colon + 1));
    } else file = a;
  }
  if (sql.empty() || file.empty()) {
    std::cerr << "usage: select_tool --sql SQL [--input JSON] [--output JSON] [--range S:E] [--chunk N] FILE\n";
    return 2;
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::cerr << "cannot open " << file << "\n";
    return 2;
  }
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto query = sel::Query::Parse(sql);
  if (!query.ok()) return Fail(query.status());
  auto resolved = range.Resolve(data.size());
  if (!resolved.ok()) return Fail(resolved.status());
  auto in = ParseInput(nlohmann::json::parse(in_json));
  if (!in.ok()) return Fail(in.status());
  auto out = ParseOutput(nlohmann::json::parse(out_json));
  if (!out.ok()) return Fail(out.status());
  auto run = sel::SelectEngine::Start(*query, *in, *out, *resolved,
                                      [](std::string_view rec) {
                                        std::cout.write(rec.data(), static_cast<std::streamsize>(rec.size()));
                                        return s3ml::Status::Ok();
                                      });
  if (!run.ok()) return Fail(run.status());
  for (size_t off = 0; off < data.size() && !(*run)->done(); off += chunk) {
    auto st = (*run)->Feed(data.data() + off, std::min(chunk, data.size() - off));
    if (!st.ok()) return Fail(st);
  }
  auto st = (*run)->Finish();
  if (!st.ok()) return Fail(st);
  auto stats = (*run)->stats();
  std::cerr << "stats scanned=" << stats.bytes_scanned << " processed=" << stats.bytes_processed
            << " returned=" << stats.bytes_returned << "\n";
  return 0;
}

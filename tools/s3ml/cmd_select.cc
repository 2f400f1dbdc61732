// select: run an S3 Select SQL expression over one object and print the records.
//
//   s3ml select s3://bucket/data.csv --sql "SELECT s._1 FROM S3Object s" [--input csv|json]
//        [--output csv|json] [--csv-header use|ignore|none] [--json-type lines|document]
//        [--compression gzip|none] [--local]
//
// Without --local the server runs the query; if it refuses Select (501, 405, or an
// AccessDenied about Select) the client runs the same engine locally.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>

#include "cli_util.h"
#include "commands.h"
#include "s3_uri.h"
#include "s3ml/s3ml.h"

namespace s3ml::cli {

namespace {

struct SelectArgs {
  std::string path;
  std::string sql;
  std::string input = "csv";
  std::string output;  // default: same as input
  std::string csv_header = "use";
  std::string json_type = "lines";
  std::string compression = "none";
  bool local = false;
  bool stats = false;
};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Status Usage(const std::string& flag, const std::string& value, const char* expected) {
  return Status::InvalidArgument("invalid " + flag + " '" + value + "' (expected " + expected + ")");
}

int RunSelect(const GlobalOptions& g, const SelectArgs& a) {
  const std::string command = "select";
  auto uri = ParseS3Uri(a.path);
  if (!uri.ok()) return Fail(command, uri.status());
  if (uri->key.empty())
    return Fail(command, Status::InvalidArgument("invalid object URI '" + a.path + "': expected s3://bucket/key"));

  SelectObjectContentRequest req;
  req.bucket = uri->bucket;
  req.key = uri->key;
  req.sql = a.sql;
  req.force_local = a.local;

  const std::string in = Lower(a.input), out = Lower(a.output.empty() ? a.input : a.output);
  if (in != "csv" && in != "json") return Fail(command, Usage("--input", a.input, "csv or json"));
  if (out != "csv" && out != "json") return Fail(command, Usage("--output", a.output, "csv or json"));
  req.input.format = in == "json" ? SelectFormat::kJson : SelectFormat::kCsv;
  req.output.format = out == "json" ? SelectFormat::kJson : SelectFormat::kCsv;

  const std::string header = Lower(a.csv_header);
  if (header == "use") req.input.file_header_info = CsvFileHeaderInfo::kUse;
  else if (header == "ignore") req.input.file_header_info = CsvFileHeaderInfo::kIgnore;
  else if (header == "none") req.input.file_header_info = CsvFileHeaderInfo::kNone;
  else return Fail(command, Usage("--csv-header", a.csv_header, "use, ignore or none"));

  const std::string jt = Lower(a.json_type);
  if (jt == "lines") req.input.json_type = SelectJsonType::kLines;
  else if (jt == "document") req.input.json_type = SelectJsonType::kDocument;
  else return Fail(command, Usage("--json-type", a.json_type, "lines or document"));

  const std::string comp = Lower(a.compression);
  if (comp == "gzip") req.input.compression = SelectCompression::kGzip;
  else if (comp == "none") req.input.compression = SelectCompression::kNone;
  else return Fail(command, Usage("--compression", a.compression, "gzip or none"));

  auto client = MakeClient(g);
  if (!client.ok()) return Fail(command, client.status());
  SelectStats stats;
  Status st = client->SelectObjectContent(
      req,
      [](std::string_view records) {
        if (std::fwrite(records.data(), 1, records.size(), stdout) != records.size())
          return Status(ErrorCategory::kIo, "cannot write to standard output");
        return Status::Ok();
      },
      &stats);
  std::fflush(stdout);
  if (!st.ok()) return Fail(command, st);
  if (a.stats)
    std::fprintf(stderr, "scanned %llu processed %llu returned %llu bytes (%s)\n",
                 static_cast<unsigned long long>(stats.bytes_scanned),
                 static_cast<unsigned long long>(stats.bytes_processed),
                 static_cast<unsigned long long>(stats.bytes_returned), stats.evaluated_locally ? "local" : "server");
  return 0;
}

}  // namespace

void RegisterSelect(CLI::App& app, GlobalOptions& global, std::function<void(Action)> on_selected) {
  GlobalOptions* g = &global;
  auto a = std::make_shared<SelectArgs>();
  CLI::App* sub = app.add_subcommand("select", "Run an S3 Select SQL query over s3://bucket/key and print the records");
  sub->add_option("object", a->path, "s3://bucket/key")->required();
  sub->add_option("--sql,-e", a->sql, "SQL expression, e.g. \"SELECT s._1 FROM S3Object s\"")->required();
  sub->add_option("--input", a->input, "input format: csv or json (default csv)");
  sub->add_option("--output", a->output, "output format: csv or json (default: the input format)");
  sub->add_option("--csv-header", a->csv_header, "CSV first line: use, ignore or none (default use)");
  sub->add_option("--json-type", a->json_type, "JSON input: lines or document (default lines)");
  sub->add_option("--compression", a->compression, "input compression: gzip or none (default none)");
  sub->add_flag("--local", a->local, "run the query locally over a streamed GET instead of on the server");
  sub->add_flag("--stats", a->stats, "print the Stats (bytes scanned/processed/returned) on stderr");
  sub->callback([=] { on_selected([=] { return RunSelect(*g, *a); }); });
}

}  // namespace s3ml::cli

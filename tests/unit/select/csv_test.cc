#include <catch2/catch.hpp>

#include "select_test_util.h"

using namespace s3ml::select;
using namespace s3ml::select::testing;

TEST_CASE("SelectCsv: RFC 4180 quoting, doubled quotes and delimiters inside quotes", "[select][csv]") {
  const char* data = "\"a,b\",\"say \"\"hi\"\"\",plain\n\"\",x,\"\"\"\"\n";
  CHECK(Sel("SELECT _1, _2, _3 FROM S3Object", data, CsvIn(), JsonOut()) ==
        "{\"_1\":\"a,b\",\"_2\":\"say \\\"hi\\\"\",\"_3\":\"plain\"}\n{\"_1\":\"\",\"_2\":\"x\",\"_3\":\"\\\"\"}\n");
  // CSV output re-quotes as needed.
  CHECK(Sel("SELECT * FROM S3Object", data) == "\"a,b\",\"say \"\"hi\"\"\",plain\n,x,\"\"\"\"\n");
}

TEST_CASE("SelectCsv: every chunking gives the same records, incl. splits inside quotes and UTF-8", "[select][csv]") {
  const std::string data =
      "\xEF\xBB\xBFh\xC3\xA9" "ader,b\n\"q,u\"\"o\nte\",\xE2\x82\xAC" "uro\r\n#comment,line\nlast,\"x\"";
  auto in = CsvIn(FileHeaderInfo::kUse);
  in.csv.allow_quoted_record_delimiter = true;
  const std::string expected = "{\"h\xC3\xA9" "ader\":\"q,u\\\"o\\nte\",\"b\":\"\xE2\x82\xAC" "uro\"}\n"
                               "{\"h\xC3\xA9" "ader\":\"last\",\"b\":\"x\"}\n";
  for (size_t chunk : {1, 2, 3, 5, 7, 64}) {
    INFO("chunk " << chunk);
    CHECK(Sel("SELECT * FROM S3Object", data, in, JsonOut(), chunk) == expected);
  }
}

TEST_CASE("SelectCsv: FileHeaderInfo NONE, IGNORE and USE", "[select][csv]") {
  const char* data = "k,v\n1,2\n";
  CHECK(Sel("SELECT * FROM S3Object", data, CsvIn(FileHeaderInfo::kNone), JsonOut()) ==
        "{\"_1\":\"k\",\"_2\":\"v\"}\n{\"_1\":\"1\",\"_2\":\"2\"}\n");
  CHECK(Sel("SELECT * FROM S3Object", data, CsvIn(FileHeaderInfo::kIgnore), JsonOut()) == "{\"_1\":\"1\",\"_2\":\"2\"}\n");
  CHECK(Sel("SELECT * FROM S3Object", data, CsvIn(FileHeaderInfo::kUse), JsonOut()) == "{\"k\":\"1\",\"v\":\"2\"}\n");
  CHECK(Sel("SELECT k, _2 FROM S3Object", data, CsvIn(FileHeaderInfo::kUse), JsonOut()) == "{\"k\":\"1\",\"_2\":\"2\"}\n");
}

TEST_CASE("SelectCsv: custom field, record, quote, escape and comment characters", "[select][csv]") {
  auto in = CsvIn();
  in.csv.field_delimiter = "|";
  in.csv.record_delimiter = "\r\n";
  in.csv.quote_character = '\'';
  in.csv.quote_escape_character = '\\';
  in.csv.comments = "//";
  const char* data = "a|'b|\\'c'\r\n// skipped|x\r\n'd'|e\r\n";
  for (size_t chunk : {1, 2, 100}) {
    CHECK(Sel("SELECT _1, _2 FROM S3Object", data, in, JsonOut(), chunk) ==
          "{\"_1\":\"a\",\"_2\":\"b|'c\"}\n{\"_1\":\"d\",\"_2\":\"e\"}\n");
  }
  auto tab = CsvIn();
  tab.csv.field_delimiter = "\t";
  tab.csv.comments = "";
  CHECK(Sel("SELECT _2 FROM S3Object", "#a\tb\n", tab) == "b\n");
  CHECK(Sel("SELECT _2 FROM S3Object", "#a,b\nc,d\n") == "d\n");  // default comment char is '#'
}

TEST_CASE("SelectCsv: quoted record delimiter needs AllowQuotedRecordDelimiter", "[select][csv]") {
  const char* data = "\"a\nb\",c\n";
  CHECK(Sel("SELECT _1 FROM S3Object", data) == "ERROR CSVEscapingRecordDelimiter");
  auto in = CsvIn();
  in.csv.allow_quoted_record_delimiter = true;
  CHECK(Sel("SELECT _2 FROM S3Object", data, in) == "c\n");
  CHECK(Sel("SELECT _1 FROM S3Object", "\"abc\n", in) == "ERROR CSVParsingError");
}

TEST_CASE("SelectCsv: blank lines are skipped and a missing final delimiter is fine", "[select][csv]") {
  CHECK(Sel("SELECT _1 FROM S3Object", "a\n\n\nb") == "a\nb\n");
  CHECK(Sel("SELECT _1 FROM S3Object", "a\r\nb\r\n") == "a\nb\n");  // CRLF with the default "\n"
  CHECK(Sel("SELECT COUNT(*) FROM S3Object", "\"\"\n") == "1\n");     // a quoted empty field is a record
}

TEST_CASE("SelectCsv: a record over 1 MB fails with OverMaxRecordSize", "[select][csv]") {
  std::string big(1024 * 1024 + 10, 'x');
  CHECK(Sel("SELECT _1 FROM S3Object", big, CsvIn(), CsvOut(), 4096) == "ERROR OverMaxRecordSize");
}

TEST_CASE("SelectCsv: CSV output QuoteFields, delimiters and escape", "[select][csv]") {
  OutputSerialization out;
  out.quote_fields = QuoteFields::kAlways;
  CHECK(Sel("SELECT _1, _2 FROM S3Object", "a,b\n", CsvIn(), out) == "\"a\",\"b\"\n");
  out.quote_fields = QuoteFields::kAsNeeded;
  out.field_delimiter = ";";
  out.record_delimiter = "\r\n";
  out.quote_escape_character = '\\';
  CHECK(Sel("SELECT _1, _2, _3 FROM S3Object", "\"x;y\",\"q\"\"\",plain\n", CsvIn(), out) ==
        "\"x;y\";\"q\\\"\";plain\r\n");
  CHECK(Sel("SELECT _1, 1.5, TRUE, NULL, _7 FROM S3Object", "a\n") == "a,1.5,true,,\n");
}

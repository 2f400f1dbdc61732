#include <catch2/catch.hpp>

#include "mock/aws_chunked.h"

using namespace s3ml::mock;

namespace {
// A stand-in chain: the "signature" of a chunk is prev + ":" + size.
std::string FakeSig(const std::string& prev, std::string_view chunk) { return prev + ":" + std::to_string(chunk.size()); }
}  // namespace

TEST_CASE("AwsChunked: unsigned chunks with a trailer decode to the payload and the trailer") {
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  auto d = DecodeAwsChunked(body, {});
  REQUIRE(d.ok());
  CHECK(d->payload == "hello world");
  REQUIRE(d->trailers.size() == 1);
  CHECK(d->trailers[0].first == "x-amz-checksum-crc32");
  CHECK(d->trailers[0].second == "DUoRhQ==");
}

TEST_CASE("AwsChunked: signed chunk chain verifies and a tampered signature is SignatureDoesNotMatch") {
  ChunkedDecodeOptions opts;
  opts.verify_chunk_signatures = true;
  opts.seed_signature = "seed";
  opts.chunk_signer = FakeSig;
  const std::string good = "3;chunk-signature=seed:3\r\nabc\r\n0;chunk-signature=seed:3:0\r\n\r\n";
  auto d = DecodeAwsChunked(good, opts);
  REQUIRE(d.ok());
  CHECK(d->payload == "abc");
  const std::string bad = "3;chunk-signature=seed:3\r\nabc\r\n0;chunk-signature=seed:9:0\r\n\r\n";
  auto e = DecodeAwsChunked(bad, opts);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == "SignatureDoesNotMatch");
  CHECK(e.error().http_status == 403);
  const std::string unsigned_chunk = "3\r\nabc\r\n0\r\n\r\n";
  CHECK_FALSE(DecodeAwsChunked(unsigned_chunk, opts).ok());
}

TEST_CASE("AwsChunked: truncated and malformed framing are 400 errors naming the problem") {
  auto short_body = DecodeAwsChunked("a\r\nhello", {});
  REQUIRE_FALSE(short_body.ok());
  CHECK(short_body.error().code == "IncompleteBody");
  CHECK(short_body.error().message.find("declares 10 bytes") != std::string::npos);
  auto bad_size = DecodeAwsChunked("zz\r\nhello\r\n0\r\n\r\n", {});
  REQUIRE_FALSE(bad_size.ok());
  CHECK(bad_size.error().code == "InvalidRequest");
  auto no_crlf = DecodeAwsChunked("2\r\nabXX0\r\n\r\n", {});
  REQUIRE_FALSE(no_crlf.ok());
  auto no_end = DecodeAwsChunked("2\r\nab\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n", {});
  REQUIRE_FALSE(no_end.ok());
  CHECK(no_end.error().code == "IncompleteBody");
}

TEST_CASE("AwsChunked: signed trailer is verified against the last chunk signature") {
  ChunkedDecodeOptions opts;
  opts.verify_chunk_signatures = true;
  opts.seed_signature = "s";
  opts.chunk_signer = FakeSig;
  opts.verify_trailer_signature = true;
  opts.trailer_signer = [](const std::string& prev, const std::string& canonical) { return prev + "|" + std::to_string(canonical.size()); };
  const std::string trailer = "x-amz-checksum-crc32:AAAAAA==\n";  // 30 bytes
  const std::string good = "1;chunk-signature=s:1\r\nx\r\n0;chunk-signature=s:1:0\r\nx-amz-checksum-crc32:AAAAAA==\r\n"
                           "x-amz-trailer-signature:s:1:0|" + std::to_string(trailer.size()) + "\r\n\r\n";
  auto d = DecodeAwsChunked(good, opts);
  REQUIRE(d.ok());
  CHECK(d->trailers.size() == 1);  // the signature line is not a trailer
  std::string bad = good;
  bad.replace(bad.find("|"), 1, "#");
  CHECK_FALSE(DecodeAwsChunked(bad, opts).ok());
}

// The mock's aws-chunked request-body decoder (src/mock/aws_chunked.cc), with and
// without chunk / trailer signature chains. Byte 0 picks the mode.
#include "fuzz_util.h"
#include "mock/aws_chunked.h"

using namespace s3ml;

namespace {
// A stand-in chain as in the unit tests: the "signature" of a chunk is prev + ":" + size.
std::string FakeSig(const std::string& prev, std::string_view chunk) { return prev + ":" + std::to_string(chunk.size()); }
std::string FakeTrailerSig(const std::string& prev, const std::string& trailers) {
  return prev + "/" + std::to_string(trailers.size());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t mode = in.Byte();
  mock::ChunkedDecodeOptions opts;
  if (mode & 1) {
    opts.verify_chunk_signatures = true;
    opts.seed_signature = "seed";
    opts.chunk_signer = FakeSig;
  }
  if (mode & 2) {
    opts.verify_trailer_signature = true;
    opts.trailer_signer = FakeTrailerSig;
    if (!opts.chunk_signer) {
      opts.seed_signature = "seed";
      opts.chunk_signer = FakeSig;
    }
  }
  const std::string_view body = in.Rest();
  auto d = mock::DecodeAwsChunked(body, opts);
  if (d.ok()) {
    // The payload is made of the body's own bytes: it is never longer.
    S3ML_FUZZ_CHECK(d.value().payload.size() <= body.size());
  } else {
    S3ML_FUZZ_CHECK(!d.error().code.empty());
    S3ML_FUZZ_CHECK(d.error().http_status == 400 || d.error().http_status == 403);
  }
  return 0;
}

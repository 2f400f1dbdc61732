// The AWS event-stream decoder (src/select/event_stream) and the client's handling of
// a SelectObjectContent response stream (ops::SelectStreamSink, src/ops/select.cc), fed from a fake
// transport. Byte 0: bit 0 picks the client path; bit 1 means the rest is a list of
// messages without their CRCs (total u32, headers length u32, headers and payload),
// which the harness completes with correct prelude and message CRCs so that mutations
// reach the header and event handling; the other bits give the chunk size the stream
// arrives in.
#include <cstddef>
#include <cstdint>
#include <memory>

#include <zlib.h>

#include "client/client_impl.h"
#include "fuzz_util.h"
#include "select/event_stream.h"

using namespace s3ml;
namespace es = s3ml::eventstream;

namespace {

std::string_view g_body;
std::size_t g_chunk = 1;

/// Answers every request with 200 and the fuzz bytes as the body, in g_chunk pieces.
class FakeHttp final : public HttpClient {
 public:
  Result<HttpResponse> Send(const HttpRequest&, ResponseSink* sink) override {
    HttpResponse r;
    r.status = 200;
    r.headers.Set("Content-Type", "application/octet-stream");
    if (!sink) {
      r.body = Buffer(g_body);
      return r;
    }
    S3ML_RETURN_IF_ERROR(sink->Begin(200, r.headers, g_body.size()));
    for (std::size_t i = 0; i < g_body.size(); i += g_chunk)
      S3ML_RETURN_IF_ERROR(sink->Write(g_body.data() + i, std::min(g_chunk, g_body.size() - i)));
    S3ML_RETURN_IF_ERROR(sink->Finish());
    return r;
  }
};

const Client& TheClient() {
  static const Client client = [] {
    ClientOptions o = ClientOptions::ForEndpoint("http://127.0.0.1:9");
    o.credentials = Credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt, "fuzz"};
    o.retry.max_attempts = 1;
    o.disable_imds = true;
    ClientDependencies deps;
    deps.http = std::make_shared<FakeHttp>();
    auto c = Client::Impl::Create(o, deps);
    if (!c.ok()) fuzz::Fail();
    return *c;
  }();
  return client;
}

std::uint32_t GetU32(const char* p) {
  return (std::uint32_t{static_cast<unsigned char>(p[0])} << 24) | (std::uint32_t{static_cast<unsigned char>(p[1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(p[2])} << 8) | std::uint32_t{static_cast<unsigned char>(p[3])};
}
void PutU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
std::uint32_t Crc(const std::string& s, std::size_t n) {
  return static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(n)));
}

/// Inserts the two CRCs into each message of `in` (see the file comment); an
/// impossible total length copies the rest as it is.
std::string WithCrcs(std::string_view in) {
  std::string out;
  while (in.size() >= 8) {
    const std::uint32_t total = GetU32(in.data());
    if (total < 16 || total - 8 > in.size()) break;
    std::string m(in.substr(0, 8));
    PutU32(m, Crc(m, 8));
    m.append(in.substr(8, total - 16));
    PutU32(m, Crc(m, m.size()));
    out += m;
    in.remove_prefix(total - 8);
  }
  out.append(in);
  return out;
}

void DecodeOnly(std::string_view body, std::size_t chunk) {
  es::Decoder d;
  es::Message m;
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    if (!d.Feed(body.data() + i, std::min(chunk, body.size() - i)).ok()) return;
    while (d.Next(m)) {
      // Whatever decodes re-encodes, and decodes to the same message.
      auto again = es::Encode(m);
      S3ML_FUZZ_CHECK(again.ok());
      es::Decoder d2;
      S3ML_FUZZ_CHECK(d2.Feed(again->data(), again->size()).ok());
      es::Message m2;
      S3ML_FUZZ_CHECK(d2.Next(m2));
      S3ML_FUZZ_CHECK(m2.headers == m.headers && m2.payload == m.payload);
      S3ML_FUZZ_CHECK(d2.at_boundary());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  const std::uint8_t mode = in.Byte();
  const std::size_t chunk = (mode >> 2) == 0 ? 1 : (mode >> 2) * 7;
  std::string fixed;
  std::string_view body = in.Rest();
  if (mode & 2) {
    fixed = WithCrcs(body);
    body = fixed;
  }
  if ((mode & 1) == 0) {
    DecodeOnly(body, chunk);
    return 0;
  }
  g_body = body;
  g_chunk = chunk;
  SelectObjectContentRequest req;
  req.bucket = "bucket";
  req.key = "data.csv";
  req.sql = "SELECT * FROM S3Object";
  req.disable_local_fallback = true;
  std::size_t seen = 0;
  SelectStats stats;
  Status st = TheClient().SelectObjectContent(
      req, [&](std::string_view records) { seen += records.size(); return Status::Ok(); }, &stats);
  (void)st.ToString();
  return 0;
}

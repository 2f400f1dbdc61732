#include "select/event_stream.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using s3ml::ErrorCategory;
using s3ml::eventstream::Decoder;
using s3ml::eventstream::Encode;
using s3ml::eventstream::EncodeError;
using s3ml::eventstream::EncodeEvent;
using s3ml::eventstream::Message;

namespace {

std::vector<Message> DecodeAll(Decoder& d) {
  std::vector<Message> out;
  Message m;
  while (d.Next(m)) out.push_back(m);
  return out;
}

std::string SampleStream() {
  return EncodeEvent("Records", "application/octet-stream", "a,b\n1,2\n") +
         EncodeEvent("Stats", "text/xml", "<Stats><BytesScanned>8</BytesScanned></Stats>") + EncodeEvent("End", "", "");
}

}  // namespace

TEST_CASE("EventStream: encode then decode round-trips headers and payload", "[eventstream]") {
  Message m;
  m.headers = {{":message-type", "event"}, {":event-type", "Records"}, {"x", std::string(300, 'v')}};
  m.payload = std::string("\0binary\xff", 8);
  auto bytes = Encode(m);
  REQUIRE(bytes.ok());
  CHECK(bytes->size() == 16 + (1 + 13 + 3 + 5) + (1 + 11 + 3 + 7) + (1 + 1 + 3 + 300) + 8);
  Decoder d;
  REQUIRE(d.Feed(bytes->data(), bytes->size()).ok());
  auto msgs = DecodeAll(d);
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].headers == m.headers);
  CHECK(msgs[0].payload == m.payload);
  CHECK(msgs[0].Header(":event-type") == "Records");
  CHECK(msgs[0].Header("missing").empty());
  CHECK(d.at_boundary());
}

TEST_CASE("EventStream: decoder accepts bytes fed one at a time", "[eventstream]") {
  const std::string s = SampleStream();
  Decoder d;
  std::vector<Message> msgs;
  for (char c : s) {
    REQUIRE(d.Feed(&c, 1).ok());
    auto got = DecodeAll(d);
    msgs.insert(msgs.end(), got.begin(), got.end());
  }
  REQUIRE(msgs.size() == 3);
  CHECK(msgs[0].payload == "a,b\n1,2\n");
  CHECK(msgs[0].Header(":content-type") == "application/octet-stream");
  CHECK(msgs[1].Header(":event-type") == "Stats");
  CHECK(msgs[2].Header(":event-type") == "End");
  CHECK(msgs[2].payload.empty());
  CHECK(d.at_boundary());
}

TEST_CASE("EventStream: error message carries code and message headers", "[eventstream]") {
  const std::string s = EncodeError("CastFailed", "Attempt to convert from one data type to another failed");
  Decoder d;
  REQUIRE(d.Feed(s.data(), s.size()).ok());
  Message m;
  REQUIRE(d.Next(m));
  CHECK(m.Header(":message-type") == "error");
  CHECK(m.Header(":error-code") == "CastFailed");
  CHECK(m.Header(":error-message").find("convert") != std::string::npos);
}

TEST_CASE("EventStream: corrupt prelude CRC is a protocol error and stays sticky", "[eventstream]") {
  std::string s = SampleStream();
  s[9] ^= 0x01;  // inside the prelude CRC
  Decoder d;
  auto st = d.Feed(s.data(), s.size());
  REQUIRE_FALSE(st.ok());
  CHECK(st.category() == ErrorCategory::kProtocol);
  CHECK(st.message().find("prelude CRC") != std::string::npos);
  Message m;
  CHECK_FALSE(d.Next(m));
  CHECK_FALSE(d.Feed("x", 1).ok());
}

TEST_CASE("EventStream: corrupt payload fails the message CRC", "[eventstream]") {
  std::string s = EncodeEvent("Records", "application/octet-stream", "hello world");
  s[s.size() - 6] ^= 0x20;  // a payload byte
  Decoder d;
  auto st = d.Feed(s.data(), s.size());
  REQUIRE_FALSE(st.ok());
  CHECK(st.category() == ErrorCategory::kProtocol);
  CHECK(st.message().find("message CRC") != std::string::npos);
}

TEST_CASE("EventStream: truncated stream leaves a partial message pending", "[eventstream]") {
  const std::string s = SampleStream();
  const std::string first = EncodeEvent("Records", "application/octet-stream", "a,b\n1,2\n");
  Decoder d;
  REQUIRE(d.Feed(s.data(), first.size() + 5).ok());
  auto msgs = DecodeAll(d);
  REQUIRE(msgs.size() == 1);
  CHECK_FALSE(d.at_boundary());
  CHECK(d.pending_bytes() == 5);
}

TEST_CASE("EventStream: impossible lengths are rejected", "[eventstream]") {
  Message m;
  m.payload = "x";
  auto bytes = Encode(m);
  REQUIRE(bytes.ok());
  std::string s = *bytes;
  // Header length larger than the message, with a valid prelude CRC.
  s[7] = 100;
  Decoder probe;
  // Recompute the prelude CRC (bitwise CRC-32, independent of zlib) so that only the
  // length check can fail.
  const std::string fixed = s.substr(0, 8);
  {
    uint32_t crc = 0xffffffffu;
    for (unsigned char c : fixed) {
      crc ^= c;
      for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xffffffffu;
    for (int k = 0; k < 4; ++k) s[8 + k] = static_cast<char>((crc >> (24 - 8 * k)) & 0xff);
  }
  auto st = probe.Feed(s.data(), s.size());
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("impossible message length") != std::string::npos);
}

TEST_CASE("EventStream: oversized header value is refused by the encoder", "[eventstream]") {
  Message m;
  m.headers = {{"big", std::string(70000, 'x')}};
  auto r = Encode(m);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().category() == ErrorCategory::kInvalidArgument);
}

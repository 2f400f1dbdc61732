#pragma once
// Requests to the mock server for its tests: a SigV4-signing HTTP client over
// httplib::Client (or unsigned, presigned, tampered requests), XML queries, and a
// raw-socket exchange for fault tests (support/net.h).

#include <httplib.h>
#include <pugixml.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/signer.h"
#include "common/http_types.h"
#include "common/time.h"
#include "s3ml/credentials.h"
#include "s3ml/mock/server.h"
#include "support/net.h"

namespace s3ml::mock::testing {

/// Starts a server or fails the test (REQUIRE inside).
std::unique_ptr<MockS3Server> StartServer(MockS3Options options = {});

struct Response {
  int status = 0;
  httplib::Error error = httplib::Error::Success;
  httplib::Headers headers;
  std::string body;

  std::string Header(const std::string& name) const;
  std::size_t HeaderCount(const std::string& name) const;
  /// Text of the first node matching an XPath (local names, e.g. "/Error/Code"), or "".
  std::string Xml(const std::string& xpath) const;
  /// Texts of every node matching an XPath.
  std::vector<std::string> XmlAll(const std::string& xpath) const;
};

enum class Sign { kHeader, kPresign, kNone };

struct Request {
  std::string method = "GET";
  std::string path = "/";  ///< encoded
  std::vector<std::pair<std::string, std::string>> query;  ///< raw (unencoded)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Sign sign = Sign::kHeader;
  std::string host;                 ///< Host name to sign/send (default 127.0.0.1)
  std::optional<SystemTime> time;   ///< signing time (default now)
  std::string payload_hash;         ///< passed to SignHeaders (empty: SHA-256 of body)
  std::chrono::seconds expires{300};
  std::optional<std::string> region;  ///< signing region (default: the server's)
  /// After signing: produce the bytes to send (aws-chunked tests).
  std::function<std::string(const HttpRequest& signed_request)> wire_body;
  /// After signing: alter the request (tampering tests).
  std::function<void(HttpRequest& signed_request)> after_sign;
};

/// "/bucket/key" with the key URI-encoded once (slashes kept).
std::string ObjPath(const std::string& bucket, const std::string& key);

class Client {
 public:
  explicit Client(const MockS3Server& server);
  Client(const MockS3Server& server, Credentials creds);

  Response Send(const Request& r) const;

  Response Get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) const;
  Response Head(const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) const;
  Response Put(const std::string& path, std::string body,
               std::vector<std::pair<std::string, std::string>> headers = {}) const;
  Response Delete(const std::string& path) const;
  Response CreateBucket(const std::string& bucket) const;
  /// The URL of a presigned request (for tests that fetch it themselves).
  std::string PresignedTarget(Request r) const;

  const Credentials& creds() const { return creds_; }
  const SigV4Signer& signer() const { return signer_; }
  std::string region() const { return region_; }
  int port() const { return port_; }

 private:
  HttpRequest Build(const Request& r) const;
  int port_;
  std::string region_;
  Credentials creds_;
  SigV4Signer signer_;
};

// The loopback helpers (RawExchange, ConnectLoopback) under the names these tests use.
using s3ml::test::ConnectLoopback;
using s3ml::test::RawExchange;
using s3ml::test::RawResult;

}  // namespace s3ml::mock::testing

#include "support/mock_requests.h"

#include <catch2/catch.hpp>

#include "common/uri.h"

namespace s3ml::mock::testing {

std::unique_ptr<MockS3Server> StartServer(MockS3Options options) {
  auto server = MockS3Server::Start(std::move(options));
  REQUIRE(server.ok());
  return std::move(*server);
}

std::string Response::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::size_t Response::HeaderCount(const std::string& name) const { return headers.count(name); }

std::string Response::Xml(const std::string& xpath) const {
  auto all = XmlAll(xpath);
  return all.empty() ? std::string() : all.front();
}

std::vector<std::string> Response::XmlAll(const std::string& xpath) const {
  pugi::xml_document doc;
  // Whitespace-only text is kept: an object key may be " ".
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single)) return {};
  // pugixml ignores namespaces: plain element paths match S3's namespaced documents.
  std::vector<std::string> out;
  for (const auto& n : doc.select_nodes(xpath.c_str())) out.emplace_back(n.node().text().as_string());
  return out;
}

std::string ObjPath(const std::string& bucket, const std::string& key) {
  return "/" + bucket + "/" + UriEncode(key, /*encode_slash=*/false);
}

Client::Client(const MockS3Server& server)
    : Client(server, Credentials{server.options().access_key, server.options().secret_key, "", std::nullopt, "test"}) {}

Client::Client(const MockS3Server& server, Credentials creds)
    : port_(server.port()), region_(server.options().region), creds_(std::move(creds)) {}

HttpRequest Client::Build(const Request& r) const {
  HttpRequest req;
  req.method = r.method;
  req.host = r.host.empty() ? "127.0.0.1" : r.host;
  req.port = port_;
  req.path = r.path;
  req.query = r.query;
  for (const auto& [k, v] : r.headers) req.headers.Add(k, v);
  if (!r.body.empty()) req.body = MemoryBody(r.body);
  return req;
}

std::string Client::PresignedTarget(Request r) const {
  HttpRequest req = Build(r);
  const SystemTime now = r.time.value_or(SystemClock().Now());
  REQUIRE(signer_.Presign(req, creds_, r.region.value_or(region_), now, r.expires).ok());
  std::string q = req.EncodedQuery();
  return req.path + (q.empty() ? "" : "?" + q);
}

Response Client::Send(const Request& r) const {
  HttpRequest req = Build(r);
  const SystemTime now = r.time.value_or(SystemClock().Now());
  std::string target;
  if (r.sign == Sign::kHeader) {
    REQUIRE(signer_.SignHeaders(req, creds_, r.region.value_or(region_), now, r.payload_hash).ok());
  } else if (r.sign == Sign::kPresign) {
    REQUIRE(signer_.Presign(req, creds_, r.region.value_or(region_), now, r.expires).ok());
  }
  if (r.after_sign) r.after_sign(req);
  std::string q = req.EncodedQuery();
  target = req.path + (q.empty() ? "" : "?" + q);

  httplib::Client cli("127.0.0.1", port_);
  cli.set_url_encode(false);
  // Bounds for "does not hang", not for speed: under ASan on a loaded 2-core machine the
  // server's ~1 s of CPU for the 200 KB Select expression took more than 10 s of wall time.
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(60, 0);
  cli.set_write_timeout(60, 0);
  cli.set_decompress(false);
  httplib::Request hreq;
  hreq.method = r.method;
  hreq.path = target;
  for (const auto& [k, v] : req.headers) hreq.headers.emplace(k, v);
  if (!hreq.has_header("Host")) hreq.headers.emplace("Host", req.HostHeader());
  hreq.body = r.wire_body ? r.wire_body(req) : r.body;

  auto res = cli.send(hreq);
  Response out;
  out.error = res.error();
  if (res) {
    out.status = res->status;
    out.headers = res->headers;
    out.body = res->body;
  }
  return out;
}

Response Client::Get(const std::string& path, std::vector<std::pair<std::string, std::string>> headers) const {
  Request r;
  r.path = path;
  r.headers = std::move(headers);
  return Send(r);
}

Response Client::Head(const std::string& path, std::vector<std::pair<std::string, std::string>> headers) const {
  Request r;
  r.method = "HEAD";
  r.path = path;
  r.headers = std::move(headers);
  return Send(r);
}

Response Client::Put(const std::string& path, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers) const {
  Request r;
  r.method = "PUT";
  r.path = path;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return Send(r);
}

Response Client::Delete(const std::string& path) const {
  Request r;
  r.method = "DELETE";
  r.path = path;
  return Send(r);
}

Response Client::CreateBucket(const std::string& bucket) const {
  Request r;
  r.method = "PUT";
  r.path = "/" + bucket;
  return Send(r);
}

}  // namespace s3ml::mock::testing

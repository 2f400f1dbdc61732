#include "ops/errors.h"

#include "ops/xml.h"

namespace s3ml::ops {

namespace {

// Code for an error response whose body does not say (HEAD, proxies, empty bodies).
std::string CodeForStatus(int status, const ResponseTraits& traits) {
  switch (status) {
    case 301: return "PermanentRedirect";
    case 307: return "TemporaryRedirect";
    case 304: return "NotModified";
    case 400: return "BadRequest";
    case 403: return "AccessDenied";
    case 404: return traits.not_found_code.empty() ? "NotFound" : traits.not_found_code;
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 411: return "MissingContentLength";
    case 412: return "PreconditionFailed";
    case 416: return "InvalidRange";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 501: return "NotImplemented";
    case 502: return "BadGateway";
    case 503: return "ServiceUnavailable";
    case 504: return "GatewayTimeout";
    default: return "HTTP" + std::to_string(status);
  }
}

std::string MessageForStatus(int status, const HttpResponse& resp) {
  switch (status) {
    case 301:
    case 307: {
      std::string region = resp.headers.Get("x-amz-bucket-region");
      return region.empty() ? "the bucket must be addressed at another endpoint"
                            : "the bucket is in region " + region + "; use that region's endpoint";
    }
    case 304: return "Not Modified";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 412: return "At least one of the preconditions you specified did not hold";
    default: return {};
  }
}

}  // namespace

std::string BodySnippet(std::string_view body, std::size_t max_chars) {
  std::string out;
  bool in_space = false;
  for (unsigned char c : body) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (!in_space && !out.empty()) out += ' ';
      in_space = true;
      continue;
    }
    in_space = false;
    out += (c < 0x20 || c == 0x7f) ? '.' : static_cast<char>(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Status ProtocolError(std::string_view operation, std::string_view what, int http_status) {
  std::string msg;
  if (!operation.empty()) msg = std::string(operation) + ": ";
  msg += what;
  Status st(ErrorCategory::kProtocol, std::move(msg));
  return http_status != 0 ? st.WithHttpStatus(http_status) : st;
}

Status ProtocolError(std::string_view operation, const HttpResponse& resp, std::string_view what) {
  return ProtocolError(operation, std::string(what) + "; body starts with: " + BodySnippet(resp.body.view()),
                       resp.status);
}

std::string ResourceName(std::string_view bucket, std::string_view key) {
  if (bucket.empty()) return {};
  std::string r = "s3://" + std::string(bucket);
  if (!key.empty()) r += "/" + std::string(key);
  return r;
}

Status ErrorFromResponse(const HttpResponse& resp, const ResponseTraits& traits) {
  std::string request_id = resp.headers.Get("x-amz-request-id");
  std::string host_id = resp.headers.Get("x-amz-id-2");
  std::string code, message;
  std::string_view body = resp.body.view();
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (!traits.is_head && !blank) {
    pugi::xml_document doc;
    if (auto parsed = ParseXmlDocument(body, {}, "Error", resp.status, doc); parsed.ok()) {
      const pugi::xml_node err = *parsed;
      code = ChildText(err, "Code");
      message = ChildText(err, "Message");
      if (std::string rid = ChildText(err, "RequestId"); !rid.empty()) request_id = rid;
      if (std::string hid = ChildText(err, "HostId"); !hid.empty()) host_id = hid;
      // InvalidArgument & co. name the offending argument: "Invalid version id specified (versionId: x)".
      if (std::string arg = ChildText(err, "ArgumentName"); !arg.empty())
        message += (message.empty() ? "" : " ") + std::string("(") + arg + ": " + ChildText(err, "ArgumentValue") + ")";
      if (code == "PermanentRedirect" || code == "TemporaryRedirect") {
        std::string endpoint = ChildText(err, "Endpoint");
        if (!endpoint.empty()) message += (message.empty() ? "" : " ") + std::string("(endpoint ") + endpoint + ")";
      }
    } else {
      // Not S3 XML (a proxy or load balancer page): keep the status-derived code, quote the body.
      message = "unexpected non-S3 error body: " + BodySnippet(body);
    }
  }
  if (code.empty()) code = CodeForStatus(resp.status, traits);
  if (message.empty()) message = MessageForStatus(resp.status, resp);
  return Status(ErrorCategory::kService, std::move(message))
      .WithCode(std::move(code))
      .WithHttpStatus(resp.status)
      .WithRequestId(std::move(request_id), std::move(host_id));
}

Status ClassifyResponse(const HttpResponse& resp, const ResponseTraits& traits) {
  if (resp.status >= 200 && resp.status < 300) {
    if (!traits.error_in_200 || traits.is_head) return Status::Ok();
    // CopyObject & co. may answer 200 and then report a failure in the body.
    std::string_view body = resp.body.view();
    std::size_t start = body.find('<');
    if (start == std::string_view::npos) return Status::Ok();  // the parser reports a bad body
    pugi::xml_document doc;
    if (!ParseXmlDocument(body, {}, "Error", resp.status, doc).ok()) return Status::Ok();  // the parser reports it
    return ErrorFromResponse(resp, traits);
  }
  if (resp.status < 200) {
    return ProtocolError({}, "unexpected informational HTTP status " + std::to_string(resp.status), resp.status);
  }
  return ErrorFromResponse(resp, traits);
}

std::function<Status(const HttpResponse&)> MakeClassifier(ResponseTraits traits) {
  return [traits = std::move(traits)](const HttpResponse& resp) { return ClassifyResponse(resp, traits); };
}

}  // namespace s3ml::ops

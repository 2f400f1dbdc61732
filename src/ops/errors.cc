#include "ops/errors.h"

#include <pugixml.hpp>

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
    pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
    pugi::xml_node err = r ? doc.child("Error") : pugi::xml_node();
    if (err) {
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
    if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) return Status::Ok();
    if (!doc.child("Error")) return Status::Ok();
    return ErrorFromResponse(resp, traits);
  }
  if (resp.status < 200) {
    return Status(ErrorCategory::kProtocol, "unexpected informational HTTP status " + std::to_string(resp.status))
        .WithHttpStatus(resp.status);
  }
  return ErrorFromResponse(resp, traits);
}

std::function<Status(const HttpResponse&)> MakeClassifier(ResponseTraits traits) {
  return [traits = std::move(traits)](const HttpResponse& resp) { return ClassifyResponse(resp, traits); };
}

}  // namespace s3ml::ops

// Client-side validation of bucket names, object keys and s3:// URIs (before any I/O).

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "ops/requests.h"
#include "s3ml/client.h"
#include "s3ml/express.h"
#include "s3ml/uri.h"

namespace s3ml {

namespace {

bool StartsWith(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }
bool EndsWith(const std::string& s, std::string_view p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
Status Bad(const std::string& bucket, const std::string& why) {
  return Status::InvalidArgument("invalid bucket name '" + bucket + "': " + why);
}

// Index of the first byte that does not start/continue a valid UTF-8 sequence, or npos.
std::size_t InvalidUtf8At(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return i;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

// The characters of every bucket name; the shape check of an S3 URI's bucket.
Status CheckBucketAlphabet(const std::string& b) {
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      std::string shown = (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                              ? "a non-printable or non-ASCII byte"
                              : std::string("'") + c + "'";
      return Bad(b, "it contains " + shown + "; only lowercase letters, digits, '.' and '-' are allowed");
    }
  }
  return Status::Ok();
}

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// The URI as shown in an error: control characters as \xNN so that a stray newline
// or escape sequence can't garble the terminal or the log line.
std::string Printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (!IsControl(c)) {
      out += c;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    out += "\\x";
    out += kHex[u >> 4];
    out += kHex[u & 0xF];
  }
  return out;
}

bool StartsWithNoCase(std::string_view s, std::string_view p) { return EqualsIgnoreCase(s.substr(0, p.size()), p); }

// Why `text` does not start with "s3://", as precisely as the text allows.
std::string SchemeProblem(std::string_view text) {
  constexpr std::string_view kExpected = " (expected s3://bucket[/key])";
  if (text.empty()) return "the URI is empty" + std::string(kExpected);
  if (StartsWithNoCase(text, "s3://")) return "the scheme must be lowercase 's3://'";
  if (StartsWithNoCase(text, "s3:")) return "'s3:' must be followed by '//'" + std::string(kExpected);
  if (auto sep = text.find("://"); sep != std::string_view::npos && sep > 0 &&
                                   std::all_of(text.begin(), text.begin() + sep, [](char c) {
                                     return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' ||
                                            c == '.';
                                   }))
    return "unsupported scheme '" + std::string(text.substr(0, sep)) + "://'" + std::string(kExpected);
  return "missing the s3:// scheme" + std::string(kExpected);
}

}  // namespace

std::string S3Uri::ToString() const { return key.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + key; }

Result<S3Uri> ParseS3Uri(std::string_view text, S3UriCheck check) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid S3 URI '" + Printable(text) + "': " + why);
  };
  constexpr std::string_view kScheme = "s3://";
  if (text.substr(0, kScheme.size()) != kScheme) return invalid(SchemeProblem(text));
  const std::string_view rest = text.substr(kScheme.size());
  const auto slash = rest.find('/');
  S3Uri uri;
  uri.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) uri.key = std::string(rest.substr(slash + 1));
  if (uri.bucket.empty()) return invalid("missing bucket name (expected s3://bucket[/key])");
  // Refused rather than kept verbatim: a trailing newline or CR from a script or a
  // CRLF file would otherwise become part of the key without anyone noticing.
  if (auto c = std::find_if(text.begin(), text.end(), IsControl); c != text.end()) {
    const auto at = static_cast<std::size_t>(c - text.begin());
    return invalid("byte " + std::to_string(at) + " is a control character, which would become part of the " +
                   (at < kScheme.size() + uri.bucket.size() ? "bucket" : "key"));
  }
  // A validator's message already names what it checked ("invalid bucket name 'x': ...").
  auto fail = [&](const Status& st) { return invalid(st.message().empty() ? st.ToString() : st.message()); };
  if (Status st = CheckBucketAlphabet(uri.bucket); !st.ok()) return fail(st);
  if (check == S3UriCheck::kNames) {
    if (Status st = ValidateBucketName(uri.bucket); !st.ok()) return fail(st);
    if (!uri.key.empty())
      if (Status st = ValidateObjectKey(uri.key); !st.ok()) return fail(st);
  }
  return uri;
}

Status ValidateBucketName(const std::string& b) {
  if (b.empty()) return Status::InvalidArgument("invalid bucket name: the bucket name is empty");
  if (b.size() < 3 || b.size() > 63)
    return Bad(b, "it is " + std::to_string(b.size()) + " characters long; bucket names are 3 to 63 characters");
  S3ML_RETURN_IF_ERROR(CheckBucketAlphabet(b));
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) return Bad(b, "it must begin and end with a letter or digit");
  if (b.find("..") != std::string::npos) return Bad(b, "it must not contain two adjacent periods");
  if (ops::IsIpAddress(b)) return Bad(b, "it must not be formatted as an IP address");
  for (std::string_view p : {"xn--", "sthree-", "amzn-s3-demo-"})
    if (StartsWith(b, p)) return Bad(b, "the prefix '" + std::string(p) + "' is reserved");
  if (IsDirectoryBucket(b)) {  // S3 Express One Zone: <base>--<zone-id>--x-s3, no dots
    if (DirectoryBucketZoneId(b).empty() || b.find('.') != std::string::npos)
      return Bad(b, "directory bucket names have the form <base-name>--<zone-id>--x-s3 (e.g. data--usw2-az1--x-s3) "
                    "with only lowercase letters, digits and '-'");
    return Status::Ok();
  }
  for (std::string_view s : {"-s3alias", "--ol-s3", ".mrap", "--table-s3"})
    if (EndsWith(b, s)) return Bad(b, "the suffix '" + std::string(s) + "' is reserved");
  return Status::Ok();
}

Status ValidateObjectKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("invalid object key: the key is empty");
  if (key.size() > 1024)
    return Status::InvalidArgument("invalid object key: it is " + std::to_string(key.size()) +
                                   " bytes long; S3 keys are at most 1024 bytes of UTF-8");
  if (std::size_t at = InvalidUtf8At(key); at != std::string_view::npos)
    return Status::InvalidArgument("invalid object key: byte " + std::to_string(at) +
                                   " is not valid UTF-8; S3 keys are UTF-8 strings");
  return Status::Ok();
}

}  // namespace s3ml

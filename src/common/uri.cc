#include "common/uri.h"

#include <cctype>

namespace s3ml {

std::string UriEncode(std::string_view s, bool encode_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::string> UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) {
      return Status::InvalidArgument("truncated percent-escape in '" + std::string(s) + "'");
    }
    int hi = HexVal(s[i + 1]), lo = HexVal(s[i + 2]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("bad percent-escape in '" + std::string(s) + "'");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("malformed endpoint URL '" + std::string(url) + "': " + why);
  };
  Endpoint ep;
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad("expected scheme://host[:port]");
  ep.scheme = std::string(url.substr(0, sep));
  for (char& c : ep.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ep.scheme != "http" && ep.scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  auto slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (!path.empty() && path[0] != '/') return bad("query strings and fragments are not allowed");
  if (path.find_first_of("?#") != std::string_view::npos) return bad("query strings and fragments are not allowed");
  if (authority.empty()) return bad("missing host");
  if (authority.find('@') != std::string_view::npos) return bad("user info is not allowed");
  std::string_view hostpart = authority, portpart;
  if (authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    hostpart = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("junk after IPv6 literal");
      portpart = after.substr(1);
      if (portpart.empty()) return bad("empty port");
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      hostpart = authority.substr(0, colon);
      portpart = authority.substr(colon + 1);
      if (portpart.empty()) return bad("empty port");
    }
    for (char c : hostpart)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
        return bad(std::string("invalid character '") + c + "' in host");
  }
  if (hostpart.empty()) return bad("missing host");
  ep.host = std::string(hostpart);
  if (!portpart.empty()) {
    if (portpart.size() > 5) return bad("port out of range");
    int p = 0;
    for (char c : portpart) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("port is not a number");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return bad("port out of range");
    ep.port = p;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  ep.base_path = std::string(path);
  return ep;
}

}  // namespace s3ml

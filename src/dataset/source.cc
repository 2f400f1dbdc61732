#include "s3ml/dataset/source.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>

#include "s3ml/client.h"

namespace s3ml::dataset {

std::string ShardInfo::Uri() const { return "s3://" + bucket + "/" + key; }

namespace {

constexpr std::size_t kMaxExpansion = 10'000'000;
constexpr std::uint64_t kMaxExpansionBytes = std::uint64_t{64} << 20;  // total length of the names

// Expands one brace group's body ("0000..0999" or "a,b,c") into alternatives.
Result<std::vector<std::string>> ExpandGroup(const std::string& body, const std::string& pattern) {
  auto dots = body.find("..");
  if (dots != std::string::npos && body.find(',') == std::string::npos) {
    std::string lo = body.substr(0, dots), hi = body.substr(dots + 2);
    auto numeric = [](const std::string& s) {
      if (s.empty() || s.size() > 18) return false;
      for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      return true;
    };
    if (!numeric(lo) || !numeric(hi))
      return Status::InvalidArgument("brace range {" + body + "} in \"" + pattern + "\" needs numeric bounds");
    std::uint64_t a = std::stoull(lo), b = std::stoull(hi);
    if (a > b) return Status::InvalidArgument("brace range {" + body + "} in \"" + pattern + "\" is descending");
    if (b - a >= kMaxExpansion) return Status::InvalidArgument("brace range {" + body + "} is too large");
    std::size_t width = (lo.size() > 1 && lo[0] == '0') || lo.size() == hi.size() ? lo.size() : 0;
    std::vector<std::string> out;
    out.reserve(b - a + 1);
    for (std::uint64_t i = a; i <= b; ++i) {
      std::string s = std::to_string(i);
      if (s.size() < width) s.insert(0, width - s.size(), '0');
      out.push_back(std::move(s));
    }
    return out;
  }
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto comma = body.find(',', start);
    out.push_back(body.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// What the expansion will produce, computed before anything is allocated: a
// short pattern can multiply into gigabytes of names.
struct ExpansionSize {
  std::uint64_t names = 1;
  std::uint64_t bytes = 0;  // total length of all names
};

// Sum of the lengths of the decimal numbers a..b, each padded to `width`.
std::uint64_t RangeBytes(std::uint64_t a, std::uint64_t b, std::size_t width) {
  std::uint64_t total = 0, lo_of_digits = 0, hi_of_digits = 9;
  for (std::size_t digits = 1; digits <= 20 && lo_of_digits <= b; ++digits) {
    const std::uint64_t lo = std::max(a, lo_of_digits), hi = std::min(b, hi_of_digits);
    if (lo <= hi) total += (hi - lo + 1) * std::max<std::uint64_t>(digits, width);
    lo_of_digits = hi_of_digits + 1;
    hi_of_digits = hi_of_digits > UINT64_MAX / 10 ? UINT64_MAX : hi_of_digits * 10 + 9;
  }
  return total;
}

Status CheckedGrow(ExpansionSize& size, std::uint64_t alternatives, std::uint64_t alternative_bytes,
                   const std::string& pattern) {
  // names' = names * k; bytes' = bytes * k + names * alternative_bytes (each prefix gets every alternative).
  const auto too_big = [&] {
    return Status::InvalidArgument("\"" + pattern + "\" expands to more than " +
                                   std::to_string(kMaxExpansionBytes >> 20) + " MiB of names");
  };
  std::uint64_t names = 0, bytes = 0, extra = 0;
  if (__builtin_mul_overflow(size.names, alternatives, &names) || names > kMaxExpansion)
    return Status::InvalidArgument("\"" + pattern + "\" expands to more than 10 million names");
  if (__builtin_mul_overflow(size.bytes, alternatives, &bytes) ||
      __builtin_mul_overflow(size.names, alternative_bytes, &extra) || __builtin_add_overflow(bytes, extra, &bytes) ||
      bytes > kMaxExpansionBytes)
    return too_big();
  size.names = names;
  size.bytes = bytes;
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> ExpandBraces(const std::string& pattern) {
  // First pass: check the result's size against both limits, allocating nothing.
  ExpansionSize size;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      auto next = pattern.find('{', i);
      const std::size_t len = (next == std::string::npos ? pattern.size() : next) - i;
      S3ML_RETURN_IF_ERROR(CheckedGrow(size, 1, len, pattern));
      if (next == std::string::npos) break;
      i = next;
      continue;
    }
    auto close = pattern.find('}', i + 1);
    if (close == std::string::npos) break;  // reported by the second pass
    const std::string body = pattern.substr(i + 1, close - i - 1);
    auto dots = body.find("..");
    std::uint64_t count = 0, bytes = 0;
    if (dots != std::string::npos && body.find(',') == std::string::npos) {
      const std::string lo = body.substr(0, dots), hi = body.substr(dots + 2);
      const bool numeric = !lo.empty() && !hi.empty() && lo.size() <= 18 && hi.size() <= 18 &&
                           lo.find_first_not_of("0123456789") == std::string::npos &&
                           hi.find_first_not_of("0123456789") == std::string::npos;
      if (!numeric) break;  // reported by the second pass
      const std::uint64_t a = std::stoull(lo), b = std::stoull(hi);
      if (a > b || b - a >= kMaxExpansion) break;
      const std::size_t width = (lo.size() > 1 && lo[0] == '0') || lo.size() == hi.size() ? lo.size() : 0;
      count = b - a + 1;
      bytes = RangeBytes(a, b, width);
    } else {
      count = static_cast<std::uint64_t>(std::count(body.begin(), body.end(), ',')) + 1;
      bytes = body.size() + 1 - count;  // the commas are not part of any name
    }
    S3ML_RETURN_IF_ERROR(CheckedGrow(size, count, bytes, pattern));
    i = close + 1;
  }

  std::vector<std::string> results{""};
  std::size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '}') return Status::InvalidArgument("unbalanced '}' in \"" + pattern + "\"");
    if (c != '{') {
      auto next = pattern.find_first_of("{}", i);
      std::string lit = pattern.substr(i, next == std::string::npos ? std::string::npos : next - i);
      for (auto& r : results) r += lit;
      i = next == std::string::npos ? pattern.size() : next;
      continue;
    }
    auto close = pattern.find('}', i + 1);
    if (close == std::string::npos) return Status::InvalidArgument("unbalanced '{' in \"" + pattern + "\"");
    std::string body = pattern.substr(i + 1, close - i - 1);
    if (body.find('{') != std::string::npos)
      return Status::InvalidArgument("nested braces are not supported in \"" + pattern + "\"");
    S3ML_ASSIGN_OR_RETURN(auto alts, ExpandGroup(body, pattern));
    if (results.size() * alts.size() > kMaxExpansion)
      return Status::InvalidArgument("\"" + pattern + "\" expands to more than 10 million names");
    std::vector<std::string> next;
    next.reserve(results.size() * alts.size());
    for (const auto& r : results)
      for (const auto& a : alts) next.push_back(r + a);
    results = std::move(next);
    i = close + 1;
  }
  return results;
}

Result<std::vector<ShardInfo>> ParseManifest(std::string_view text, const std::string& origin) {
  std::vector<ShardInfo> out;
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    std::istringstream in(line);
    std::string uri, size, etag, extra;
    if (!(in >> uri) || uri[0] == '#') continue;
    in >> size >> etag >> extra;
    auto where = [&] { return "manifest " + origin + " line " + std::to_string(line_no) + ": "; };
    if (!extra.empty()) return Status::InvalidArgument(where() + "more than three columns");
    // Shape only: a manifest is parsed without a client; names are checked when a shard is fetched.
    auto parsed = ParseS3Uri(uri, S3UriCheck::kShape);
    if (!parsed.ok()) return Status::InvalidArgument(where() + parsed.status().message());
    if (parsed->key.empty()) return Status::InvalidArgument(where() + "URI without a key: " + uri);
    ShardInfo s;
    s.bucket = parsed->bucket;
    s.key = parsed->key;
    if (!size.empty() && size != "-") {
      for (char c : size)
        if (!std::isdigit(static_cast<unsigned char>(c)))
          return Status::InvalidArgument(where() + "size column is not a number: " + size);
      if (size.size() > 19) return Status::InvalidArgument(where() + "size out of range: " + size);
      s.size = std::stoull(size);
    }
    s.etag = etag;
    out.push_back(std::move(s));
  }
  return out;
}

Source Source::Prefix(std::string uri) {
  Source s;
  s.kind_ = Kind::kPrefix;
  s.location_ = std::move(uri);
  return s;
}

Source Source::Keys(std::string bucket, std::vector<std::string> keys) {
  std::vector<ShardInfo> shards;
  shards.reserve(keys.size());
  for (auto& k : keys) {
    ShardInfo s;
    s.bucket = bucket;
    s.key = std::move(k);
    shards.push_back(std::move(s));
  }
  return Shards(std::move(shards));
}

Source Source::Shards(std::vector<ShardInfo> shards) {
  Source s;
  s.kind_ = Kind::kShards;
  s.shards_ = std::move(shards);
  return s;
}

Source Source::Manifest(std::string location) {
  Source s;
  s.kind_ = Kind::kManifest;
  s.location_ = std::move(location);
  return s;
}

Source Source::Pattern(std::string uri_pattern) {
  Source s;
  s.kind_ = Kind::kPattern;
  s.location_ = std::move(uri_pattern);
  return s;
}

std::string Source::Describe() const {
  switch (kind_) {
    case Kind::kPrefix: return "prefix " + location_;
    case Kind::kManifest: return "manifest " + location_;
    case Kind::kPattern: return "pattern " + location_;
    case Kind::kShards: break;
  }
  return std::to_string(shards_.size()) + " explicit shards";
}

Source::PageFn Source::Pages(const Client& client) const {
  if (kind_ != Kind::kPrefix) return nullptr;
  auto parsed = ParseS3Uri(location_);
  if (!parsed.ok()) return [st = parsed.status()]() -> Result<std::optional<std::vector<ShardInfo>>> { return st; };
  ListObjectsV2Request req;
  req.bucket = parsed->bucket;
  req.prefix = parsed->key;
  auto pages = std::make_shared<ListObjectsV2Paginator>(client.ListObjectsV2Pages(std::move(req)));
  return [pages, bucket = parsed->bucket]() -> Result<std::optional<std::vector<ShardInfo>>> {
    if (!pages->HasMorePages()) return std::optional<std::vector<ShardInfo>>();
    S3ML_ASSIGN_OR_RETURN(auto page, pages->NextPage());
    std::vector<ShardInfo> out;
    out.reserve(page.contents.size());
    for (auto& o : page.contents) {
      if (!o.key.empty() && o.key.back() == '/') continue;  // "folder" placeholder objects
      ShardInfo s;
      s.bucket = bucket;
      s.key = std::move(o.key);
      s.size = o.size;
      s.etag = std::move(o.etag);
      out.push_back(std::move(s));
    }
    return std::optional<std::vector<ShardInfo>>(std::move(out));
  };
}

Result<std::vector<ShardInfo>> Source::Resolve(const Client& client) const {
  std::vector<ShardInfo> out;
  switch (kind_) {
    case Kind::kShards:
      out = shards_;
      for (const auto& s : out)
        if (s.bucket.empty() || s.key.empty())
          return Status::InvalidArgument("dataset source: a shard has an empty bucket or key");
      break;
    case Kind::kPattern: {
      S3ML_ASSIGN_OR_RETURN(auto uris, ExpandBraces(location_));
      for (const auto& u : uris) {
        S3ML_ASSIGN_OR_RETURN(auto p, ParseS3Uri(u));
        if (p.key.empty()) return Status::InvalidArgument("pattern " + location_ + " yields a URI without a key: " + u);
        ShardInfo s;
        s.bucket = p.bucket;
        s.key = p.key;
        out.push_back(std::move(s));
      }
      break;
    }
    case Kind::kManifest: {
      std::string text;
      if (location_.rfind("s3://", 0) == 0) {
        S3ML_ASSIGN_OR_RETURN(auto p, ParseS3Uri(location_));
        GetObjectRequest req;
        req.bucket = p.bucket;
        req.key = p.key;
        auto r = client.GetObject(req);
        if (!r.ok()) return r.status();
        text = r->body.str();
      } else {
        std::ifstream f(location_, std::ios::binary);
        if (!f) return Status(ErrorCategory::kIo, "cannot open manifest file " + location_);
        std::ostringstream ss;
        ss << f.rdbuf();
        text = ss.str();
      }
      S3ML_ASSIGN_OR_RETURN(out, ParseManifest(text, location_));
      break;
    }
    case Kind::kPrefix: {
      PageFn next = Pages(client);
      while (true) {
        S3ML_ASSIGN_OR_RETURN(auto page, next());
        if (!page) break;
        for (auto& s : *page) out.push_back(std::move(s));
      }
      break;
    }
  }
  if (out.empty()) return Status::InvalidArgument("dataset " + Describe() + " has no shards");
  return out;
}

}  // namespace s3ml::dataset

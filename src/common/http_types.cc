#include "common/http_types.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "common/uri.h"

namespace s3ml {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

void Headers::Set(std::string name, std::string value) {
  Remove(name);
  entries_.emplace_back(std::move(name), std::move(value));
}
void Headers::Add(std::string name, std::string value) { entries_.emplace_back(std::move(name), std::move(value)); }
void Headers::Remove(std::string_view name) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return EqualsIgnoreCase(e.first, name); }),
                 entries_.end());
}
const std::string* Headers::Find(std::string_view name) const {
  for (const auto& e : entries_)
    if (EqualsIgnoreCase(e.first, name)) return &e.second;
  return nullptr;
}
std::string Headers::Get(std::string_view name, std::string def) const {
  const std::string* v = Find(name);
  return v ? *v : def;
}

namespace {

class MemoryRequestBody final : public RequestBody {
 public:
  explicit MemoryRequestBody(std::string data) : owned_(std::move(data)), view_(owned_) {}
  explicit MemoryRequestBody(std::string_view view) : view_(view) {}
  std::uint64_t size() const override { return view_.size(); }
  Result<std::size_t> Read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= view_.size()) return std::size_t{0};
    std::size_t k = std::min<std::size_t>(n, view_.size() - offset);
    std::memcpy(out, view_.data() + offset, k);
    return k;
  }
  std::optional<std::string_view> Contiguous() const override { return view_; }

 private:
  std::string owned_;
  std::string_view view_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { if (f) std::fclose(f); }
};

class FileRequestBody final : public RequestBody {
 public:
  FileRequestBody(std::unique_ptr<std::FILE, FileCloser> f, std::string path, std::uint64_t offset, std::uint64_t len)
      : file_(std::move(f)), path_(std::move(path)), offset_(offset), len_(len) {}
  std::uint64_t size() const override { return len_; }
  Result<std::size_t> Read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= len_) return std::size_t{0};
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, len_ - offset));
    if (fseeko(file_.get(), static_cast<off_t>(offset_ + offset), SEEK_SET) != 0)
      return Status(ErrorCategory::kIo, "seek in " + path_ + ": " + std::strerror(errno));
    std::size_t k = std::fread(out, 1, n, file_.get());
    if (k == 0 && n > 0)
      return Status(ErrorCategory::kIo, "read " + path_ + ": file shrank or failed while uploading");
    return k;
  }

 private:
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string path_;
  std::uint64_t offset_, len_;
};

class CallbackRequestBody final : public RequestBody {
 public:
  CallbackRequestBody(std::uint64_t size, std::function<Result<std::size_t>(std::uint64_t, char*, std::size_t)> fn)
      : size_(size), fn_(std::move(fn)) {}
  std::uint64_t size() const override { return size_; }
  Result<std::size_t> Read(std::uint64_t offset, char* out, std::size_t n) override {
    if (offset >= size_) return std::size_t{0};
    return fn_(offset, out, static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset)));
  }

 private:
  std::uint64_t size_;
  std::function<Result<std::size_t>(std::uint64_t, char*, std::size_t)> fn_;
};

}  // namespace

Status ForEachBodyChunk(RequestBody& body, const std::function<void(std::string_view)>& fn, const char* doing) {
  if (auto whole = body.Contiguous()) {
    fn(*whole);
    return Status::Ok();
  }
  std::vector<char> buf(std::size_t{64} << 10);
  std::uint64_t off = 0;
  const std::uint64_t total = body.size();
  while (off < total) {
    S3ML_ASSIGN_OR_RETURN(std::size_t n, body.Read(off, buf.data(), buf.size()));
    if (n == 0)
      return Status(ErrorCategory::kIo, "request body ended after " + std::to_string(off) + " of " +
                                            std::to_string(total) + " bytes while " + doing);
    fn(std::string_view(buf.data(), n));
    off += n;
  }
  return Status::Ok();
}

std::shared_ptr<RequestBody> MemoryBody(std::string data) {
  return std::make_shared<MemoryRequestBody>(std::move(data));
}
std::shared_ptr<RequestBody> BorrowedBody(std::string_view data) {
  return std::make_shared<MemoryRequestBody>(data);
}
Result<std::shared_ptr<RequestBody>> FileBody(const std::string& path, std::uint64_t offset, std::int64_t length) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status(ErrorCategory::kIo, "open " + path + ": " + std::strerror(errno));
  if (fseeko(f.get(), 0, SEEK_END) != 0) return Status(ErrorCategory::kIo, "seek " + path + ": " + std::strerror(errno));
  off_t end = ftello(f.get());
  if (end < 0) return Status(ErrorCategory::kIo, "size of " + path + ": " + std::strerror(errno));
  auto total = static_cast<std::uint64_t>(end);
  if (offset > total) return Status::InvalidArgument("offset beyond the end of " + path);
  std::uint64_t len = length < 0 ? total - offset : std::min<std::uint64_t>(static_cast<std::uint64_t>(length), total - offset);
  return std::shared_ptr<RequestBody>(std::make_shared<FileRequestBody>(std::move(f), path, offset, len));
}
std::shared_ptr<RequestBody> CallbackBody(
    std::uint64_t size, std::function<Result<std::size_t>(std::uint64_t, char*, std::size_t)> read) {
  return std::make_shared<CallbackRequestBody>(size, std::move(read));
}

std::string HttpRequest::HostHeader() const {
  bool default_port = port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;  // IPv6 literal
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string HttpRequest::EncodedQuery() const {
  std::string out;
  for (const auto& [k, v] : query) {
    if (!out.empty()) out += '&';
    out += UriEncode(k, /*encode_slash=*/true);
    out += '=';
    out += UriEncode(v, /*encode_slash=*/true);
  }
  return out;
}

std::string HttpRequest::Url() const {
  std::string u = scheme + "://" + HostHeader() + (path.empty() ? "/" : path);
  std::string q = EncodedQuery();
  if (!q.empty()) u += "?" + q;
  return u;
}

}  // namespace s3ml

// Built-in sample decoders: raw objects, WebDataset tar shards (libarchive) and JSON Lines.
#include <archive.h>
#include <archive_entry.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include "s3ml/dataset/sample.h"

namespace s3ml::dataset {
namespace {

// Shard bytes that do not decode are data corruption (a truncated upload, a
// damaged object), not a bad argument: callers that catch argument errors must
// not swallow them.
constexpr const char* kCorruptShard = "CorruptShard";

Status CorruptShard(const std::string& message) {
  return Status(ErrorCategory::kIntegrity, message).WithCode(kCorruptShard);
}

Sample BaseSample(const ShardData& shard, std::uint64_t index) {
  Sample s;
  s.shard = shard.info.Uri();
  s.index = index;
  s.etag = shard.info.etag;
  s.version_id = shard.info.version_id;
  return s;
}

class RawDecoderImpl final : public SampleDecoder {
 public:
  Status Decode(const ShardData& shard, std::vector<Sample>& out) const override {
    Sample s = BaseSample(shard, 0);
    s.key = shard.info.key;
    s.fields.emplace_back("", shard.bytes->view());
    s.owner = shard.bytes;
    out.push_back(std::move(s));
    return Status::Ok();
  }
  std::string name() const override { return "raw"; }
};

class JsonLinesDecoderImpl final : public SampleDecoder {
 public:
  Status Decode(const ShardData& shard, std::vector<Sample>& out) const override {
    std::string_view text = shard.bytes->view();
    std::size_t pos = 0, line_no = 0, index = 0;
    const std::size_t first = out.size();  // a shard that fails adds no samples
    while (pos < text.size()) {
      auto nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      // Validated without building a document: a cut-off or damaged record fails
      // here, naming its line, instead of reaching the consumer as a sample.
      if (!nlohmann::json::accept(line.begin(), line.end())) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
        return CorruptShard("jsonl shard " + shard.info.Uri() + ": line " + std::to_string(line_no) +
                            " is not valid JSON (truncated or corrupt data)");
      }
      Sample s = BaseSample(shard, index++);
      s.key = shard.info.key + "#" + std::to_string(line_no);
      s.fields.emplace_back("json", line);
      s.owner = shard.bytes;
      out.push_back(std::move(s));
    }
    return Status::Ok();
  }
  std::string name() const override { return "jsonl"; }
};

// RAII for a libarchive read handle.
struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Keeps the shard and any member bytes that could not be viewed in place
// (compressed shards, members split across blocks) alive for the samples.
struct TarOwner {
  std::shared_ptr<const Buffer> shard;
  std::vector<std::unique_ptr<Buffer>> copies;
};

class TarDecoderImpl final : public SampleDecoder {
 public:
  Status Decode(const ShardData& shard, std::vector<Sample>& out) const override {
    std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
    if (!a) return Status(ErrorCategory::kInternal, "libarchive: archive_read_new failed");
    archive_read_support_filter_all(a.get());
    archive_read_support_format_tar(a.get());
    const Buffer& buf = *shard.bytes;
    const std::string uri = shard.info.Uri();
    auto fail = [&](const std::string& what) {
      const char* msg = archive_error_string(a.get());
      return CorruptShard("tar shard " + uri + ": " + what + (msg ? std::string(": ") + msg : std::string()));
    };
    if (buf.empty()) return Status::Ok();  // an empty object is an empty shard
    if (archive_read_open_memory(a.get(), buf.data(), buf.size()) != ARCHIVE_OK) return fail("cannot open");

    // Bytes the shard actually yields: its own size, or for a compressed shard
    // what has been decompressed so far. Copies of members (and the zeros of
    // sparse holes) may never add up to more, whatever sizes the headers declare.
    const bool compressed = archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_NONE;
    auto available = [&](std::size_t block) {
      std::uint64_t decoded = compressed ? static_cast<std::uint64_t>(archive_filter_bytes(a.get(), 0)) + block : 0;
      return std::max<std::uint64_t>(buf.size(), decoded);
    };
    std::uint64_t materialised = 0;
    auto oversized = [&](const std::string& path, std::uint64_t claimed) {
      return CorruptShard("tar shard " + uri + ": member " + path + " claims " + std::to_string(claimed) +
                          " bytes, more than the " + std::to_string(available(0)) + " bytes the shard holds");
    };

    auto owner = std::make_shared<TarOwner>();
    owner->shard = shard.bytes;
    std::vector<Sample> samples;  // appended to `out` only when the whole shard decodes
    std::uint64_t index = 0;
    std::string current_key;
    bool have_current = false;
    archive_entry* entry = nullptr;
    while (true) {
      int rc = archive_read_next_header(a.get(), &entry);
      if (rc == ARCHIVE_EOF) break;
      if (rc == ARCHIVE_WARN) rc = ARCHIVE_OK;
      if (rc != ARCHIVE_OK) return fail("corrupt header after " + std::to_string(index) + " samples");
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      const char* raw_path = archive_entry_pathname(entry);
      if (raw_path == nullptr) continue;
      std::string path = raw_path;
      while (path.rfind("./", 0) == 0) path.erase(0, 2);
      auto slash = path.rfind('/');
      std::size_t name_start = slash == std::string::npos ? 0 : slash + 1;
      auto dot = path.find('.', name_start);
      if (dot == std::string::npos || dot == name_start) continue;  // no extension, or a hidden file
      std::string key = path.substr(0, dot);
      std::string field = path.substr(dot + 1);

      // Member bytes: a view into the shard when libarchive hands back one block
      // inside it (uncompressed tar from memory), otherwise a copy.
      std::string_view bytes;
      const void* block = nullptr;
      size_t block_size = 0;
      la_int64_t offset = 0;
      std::unique_ptr<Buffer> copy;
      std::int64_t expected = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
      if (!compressed && expected > 0 && static_cast<std::uint64_t>(expected) > buf.size())
        return oversized(path, static_cast<std::uint64_t>(expected));
      bool first_block = true;
      while (true) {
        int r = archive_read_data_block(a.get(), &block, &block_size, &offset);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return fail("cannot read member " + path);
        const char* p = static_cast<const char*>(block);
        bool inside = p >= buf.data() && p + block_size <= buf.data() + buf.size();
        if (first_block && inside && offset == 0 && !copy &&
            static_cast<std::int64_t>(block_size) == expected) {
          bytes = std::string_view(p, block_size);
        } else {
          const std::uint64_t have = copy ? copy->size() : bytes.size();
          if (offset < 0 || static_cast<std::uint64_t>(offset) < have)
            return CorruptShard("tar shard " + uri + ": member " + path + " has overlapping data blocks");
          const std::uint64_t extent = static_cast<std::uint64_t>(offset) + block_size;
          // Checked before allocating: a sparse member can declare any size.
          if (materialised + (copy ? 0 : have) + (extent - have) > available(block_size))
            return oversized(path, extent);
          if (!copy) {
            copy = std::make_unique<Buffer>();
            if (!bytes.empty()) copy->append(bytes);
            materialised += bytes.size();
            bytes = {};
          }
          if (static_cast<std::uint64_t>(offset) > copy->size()) {  // sparse hole
            std::string zeros(static_cast<std::size_t>(offset) - copy->size(), '\0');
            copy->append(zeros);
          }
          copy->append(p, block_size);
          materialised += extent - have;
        }
        first_block = false;
      }
      if (copy) {
        bytes = copy->view();
        owner->copies.push_back(std::move(copy));
      }

      if (!have_current || key != current_key) {
        Sample s = BaseSample(shard, index++);
        s.key = key;
        s.owner = owner;
        samples.push_back(std::move(s));
        current_key = key;
        have_current = true;
      }
      Sample& s = samples.back();
      for (const auto& f : s.fields)
        if (f.first == field)
          return CorruptShard("tar shard " + uri + ": member " + path + " repeats field \"" + field +
                              "\" of sample " + key);
      s.fields.emplace_back(std::move(field), bytes);
    }
    for (auto& s : samples) out.push_back(std::move(s));
    return Status::Ok();
  }
  std::string name() const override { return "tar"; }
};

}  // namespace

std::shared_ptr<SampleDecoder> RawDecoder() { return std::make_shared<RawDecoderImpl>(); }
std::shared_ptr<SampleDecoder> TarDecoder() { return std::make_shared<TarDecoderImpl>(); }
std::shared_ptr<SampleDecoder> JsonLinesDecoder() { return std::make_shared<JsonLinesDecoderImpl>(); }

}  // namespace s3ml::dataset

#pragma once
/// \file Samples and the decoders that split a shard into samples.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3ml/buffer.h"
#include "s3ml/dataset/source.h"
#include "s3ml/result.h"

namespace s3ml::dataset {

/// One sample. Field bytes are zero-copy views into a buffer kept alive by
/// `owner` (normally the fetched shard itself), so a Sample stays valid as long
/// as it (or a copy of it) exists, independently of the reader.
///
/// Thread safety: a value type; copies share the (immutable) buffer.
struct Sample {
  std::string key;          ///< sample key: the object key (raw), member basename (tar), "<shard>#<line>" (JSONL)
  std::string shard;        ///< "s3://bucket/key" of the shard it came from
  std::uint64_t index = 0;  ///< position of the sample within its shard (0-based)
  /// (name, bytes) in shard order: "" for raw objects, the extension for tar
  /// members ("jpg", "seg.png"), "json" for JSON Lines records.
  std::vector<std::pair<std::string, std::string_view>> fields;
  std::shared_ptr<const void> owner;  ///< keeps the bytes of `fields` alive
  std::string etag;                   ///< of the shard object
  std::string version_id;             ///< of the shard object (empty when unversioned)

  /// The bytes of field `name`, or nullopt when the sample has no such field.
  std::optional<std::string_view> field(std::string_view name) const {
    for (const auto& f : fields)
      if (f.first == name) return f.second;
    return std::nullopt;
  }
  /// The first field's bytes (the whole object for raw samples); empty if none.
  std::string_view data() const { return fields.empty() ? std::string_view() : fields.front().second; }
};

/// A fetched shard as handed to a decoder.
struct ShardData {
  ShardInfo info;                       ///< bucket/key/etag/version as fetched
  std::shared_ptr<const Buffer> bytes;  ///< the whole object
};

/// Splits one shard into samples. Implement it to add a format.
///
/// Contract: Decode is deterministic (same bytes → same samples in the same
/// order), fills `index` with 0,1,2,..., and points fields into `shard.bytes`
/// (set `owner` to keep them alive) or into buffers it owns through `owner`.
/// Thread safety: Decode may be called concurrently from several threads.
class SampleDecoder {
 public:
  virtual ~SampleDecoder() = default;
  /// Appends the shard's samples to `out` (nothing on error). Errors: bytes that
  /// do not decode (corrupt or truncated data) are kIntegrity with code
  /// "CorruptShard", naming the shard and what is malformed; kInternal for bugs.
  virtual Status Decode(const ShardData& shard, std::vector<Sample>& out) const = 0;
  /// A short name ("raw", "tar", "jsonl").
  virtual std::string name() const = 0;
};

/// One object = one sample with a single field "" holding the whole object.
std::shared_ptr<SampleDecoder> RawDecoder();

/// WebDataset tar shards, read with libarchive from memory (any tar dialect
/// libarchive reads: ustar, pax, GNU long names; gzip/bzip2/xz/zstd-compressed
/// shards are decompressed, uncompressed ones are zero-copy). Members are grouped
/// by basename — the path up to the first '.' of the file name, directories kept
/// ("a/b/x.seg.png" → key "a/b/x", field "seg.png") — and consecutive members
/// with the same key form one sample. Documented behaviour for odd members:
/// directories, links and other non-regular entries are skipped; files whose name
/// has no '.' or starts with '.' are skipped; a sample simply lacks the fields it
/// has no member for; a field repeated within one sample is an error naming the
/// shard and member; a leading "./" is removed. A corrupt or truncated archive or
/// a repeated field: kIntegrity "CorruptShard".
std::shared_ptr<SampleDecoder> TarDecoder();

/// JSON Lines: one sample per non-empty line (a trailing '\r' is removed), field
/// "json" holding the line (zero-copy). Each line is validated as JSON without
/// building a document; a line that is not (a cut-off last record, damaged bytes)
/// fails the shard with kIntegrity "CorruptShard" naming the line. Blank lines
/// are skipped and do not count as samples.
std::shared_ptr<SampleDecoder> JsonLinesDecoder();

}  // namespace s3ml::dataset

#pragma once
/// \file Dataset sources: where the shards of a dataset come from.
///
/// A *shard* is the unit of assignment to readers: a tar or JSON Lines file, or,
/// for one-object-per-sample data, each object itself.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "s3ml/result.h"
#include "s3ml/uri.h"

namespace s3ml {
class Client;
}

namespace s3ml::dataset {

/// One shard: an S3 object, with what is known about it before it is fetched.
struct ShardInfo {
  std::string bucket;
  std::string key;
  std::optional<std::uint64_t> size;  ///< from a listing or manifest; unknown: HEAD before fetching
  std::string etag;                   ///< from a listing or manifest (may be empty)
  std::string version_id;             ///< pin a version (manifest/explicit); empty: latest

  /// "s3://bucket/key"
  std::string Uri() const;
};

/// The URI type and parser of s3ml/uri.h, under the names this header used to declare.
using s3ml::ParseS3Uri;
using s3ml::S3Uri;

/// Expands WebDataset-style brace patterns: "{0000..0999}" (inclusive range,
/// zero-padded to the width of the first bound when it has a leading zero or the
/// bounds have equal width), "{a,b,c}" (alternatives); several groups expand as
/// a cartesian product, left to right. Errors: kInvalidArgument for unbalanced or
/// nested braces, a range with non-numeric or descending bounds, or an expansion
/// of more than 10 million names or more than 64 MiB of names in total (the sum
/// of their lengths). Both limits are checked before anything is allocated, so a
/// short hostile pattern fails at once instead of exhausting memory.
Result<std::vector<std::string>> ExpandBraces(const std::string& pattern);

/// Describes where a dataset's shards are. A value type: building a Source does
/// no I/O; the reader resolves it on first use.
///
/// Thread safety: a value type; Resolve() is const and may run concurrently.
class Source {
 public:
  /// Every object under "s3://bucket/prefix" (listing order). Listed page by page
  /// with ListObjectsV2. A reader's first run fetches while it lists (the next
  /// page is requested when the shards of the previous ones are planned) when
  /// the assignment needs no shard count: no shard shuffling, and kExact or a
  /// single reader. Otherwise the whole listing is walked first (see Resolve()).
  /// Later epochs reuse the listing of the first.
  static Source Prefix(std::string uri);
  /// Explicit keys in one bucket, in the given order.
  static Source Keys(std::string bucket, std::vector<std::string> keys);
  /// Explicit shards (sizes/etags/versions optional), in the given order.
  static Source Shards(std::vector<ShardInfo> shards);
  /// A manifest: one "s3://bucket/key" per line, optionally followed by
  /// whitespace-separated size and etag columns. Blank lines and lines starting
  /// with '#' are ignored. `location` is an s3:// URI (fetched with the client) or
  /// a local file path.
  static Source Manifest(std::string location);
  /// A brace pattern such as "s3://b/train-{0000..0999}.tar" (see ExpandBraces).
  static Source Pattern(std::string uri_pattern);

  /// The shards, in a deterministic order. For a prefix, pages are requested
  /// lazily one at a time, but all of them are walked before returning: exact
  /// once-per-epoch assignment across readers needs the full shard count (the
  /// trade-off: start-up costs one LIST per 1000 shards — shards, not samples,
  /// so this stays small; for one-object-per-sample data, use a manifest for
  /// very large datasets). Errors: the client's error for a failed LIST or
  /// manifest GET (named by URI), kInvalidArgument for malformed input, and
  /// kInvalidArgument when the source has no shards.
  Result<std::vector<ShardInfo>> Resolve(const Client& client) const;

  /// A short description for messages ("prefix s3://b/train/").
  std::string Describe() const;

  /// Shards one LIST page at a time: each call returns the next page's shards
  /// (possibly none, e.g. a page of "folder/" placeholders), and nullopt after
  /// the last page. Errors: the client's error for a failed LIST.
  using PageFn = std::function<Result<std::optional<std::vector<ShardInfo>>>()>;
  /// For a prefix source, a PageFn over its listing (no request is made until
  /// it is called); null for the other kinds. The reader uses it to start
  /// fetching the first shards while later pages are still being listed.
  PageFn Pages(const Client& client) const;

 private:
  enum class Kind { kPrefix, kShards, kManifest, kPattern };
  Kind kind_ = Kind::kShards;
  std::string location_;
  std::vector<ShardInfo> shards_;
};

/// Parses manifest text (see Source::Manifest). `origin` names the manifest in errors.
Result<std::vector<ShardInfo>> ParseManifest(std::string_view text, const std::string& origin);

}  // namespace s3ml::dataset

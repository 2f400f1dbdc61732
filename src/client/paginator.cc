// Paginator<Request, Page>: the one lazy listing walker, defined here for each paged
// listing; what differs between listings (which call, which markers) is in Listing<>.

#include "client/client_impl.h"
#include "s3ml/client.h"

namespace s3ml {

namespace {

// The page returned once a listing is done, for the listings scoped by prefix/delimiter.
template <class Page, class Request>
Page EmptyPrefixPage(const Request& req) {
  Page p;
  p.bucket = req.bucket;
  p.prefix = req.prefix;
  p.delimiter = req.delimiter;
  return p;
}

/// Per listing: the operation, what its markers are called, the request for a page,
/// the page after the last, where a page's entries are, and how to continue. Advance
/// returns false when the page's next markers are the ones just sent (no progress).
template <class Request, class Page>
struct Listing;

template <>
struct Listing<ListObjectsV2Request, ListObjectsV2Result> {
  static constexpr const char* kOp = "ListObjectsV2";
  static constexpr const char* kMarkers = "continuation token";
  static Result<ListObjectsV2Result> Fetch(const Client& c, const ListObjectsV2Request& r) {
    return c.ListObjectsV2(r);
  }
  static ListObjectsV2Result Empty(const ListObjectsV2Request& r) {
    return EmptyPrefixPage<ListObjectsV2Result>(r);
  }
  static std::vector<ObjectSummary>& Items(ListObjectsV2Result& p) { return p.contents; }
  static bool Advance(ListObjectsV2Request& r, const ListObjectsV2Result& p) {
    if (p.next_continuation_token == r.continuation_token) return false;
    r.continuation_token = p.next_continuation_token;
    return true;
  }
};

template <>
struct Listing<ListObjectVersionsRequest, ListObjectVersionsResult> {
  static constexpr const char* kOp = "ListObjectVersions";
  static constexpr const char* kMarkers = "key and version-id markers";
  static Result<ListObjectVersionsResult> Fetch(const Client& c, const ListObjectVersionsRequest& r) {
    return c.ListObjectVersions(r);
  }
  static ListObjectVersionsResult Empty(const ListObjectVersionsRequest& r) {
    return EmptyPrefixPage<ListObjectVersionsResult>(r);
  }
  static std::vector<ObjectVersionSummary>& Items(ListObjectVersionsResult& p) { return p.versions; }
  static bool Advance(ListObjectVersionsRequest& r, const ListObjectVersionsResult& p) {
    // After a common prefix S3 gives a key marker but no version-id marker.
    if (p.next_key_marker == r.key_marker && p.next_version_id_marker == r.version_id_marker) return false;
    r.key_marker = p.next_key_marker;
    r.version_id_marker = p.next_version_id_marker;
    return true;
  }
};

template <>
struct Listing<ListPartsRequest, ListPartsResult> {
  static constexpr const char* kOp = "ListParts";
  static constexpr const char* kMarkers = "part-number marker";
  static Result<ListPartsResult> Fetch(const Client& c, const ListPartsRequest& r) { return c.ListParts(r); }
  static ListPartsResult Empty(const ListPartsRequest& r) {
    ListPartsResult p;
    p.bucket = r.bucket;
    p.key = r.key;
    p.upload_id = r.upload_id;
    return p;
  }
  static std::vector<PartInfo>& Items(ListPartsResult& p) { return p.parts; }
  static bool Advance(ListPartsRequest& r, const ListPartsResult& p) {
    if (p.next_part_number_marker <= r.part_number_marker) return false;
    r.part_number_marker = p.next_part_number_marker;
    return true;
  }
};

template <>
struct Listing<ListMultipartUploadsRequest, ListMultipartUploadsResult> {
  static constexpr const char* kOp = "ListMultipartUploads";
  static constexpr const char* kMarkers = "key and upload-id markers";
  static Result<ListMultipartUploadsResult> Fetch(const Client& c, const ListMultipartUploadsRequest& r) {
    return c.ListMultipartUploads(r);
  }
  static ListMultipartUploadsResult Empty(const ListMultipartUploadsRequest& r) {
    return EmptyPrefixPage<ListMultipartUploadsResult>(r);
  }
  static std::vector<MultipartUploadInfo>& Items(ListMultipartUploadsResult& p) { return p.uploads; }
  static bool Advance(ListMultipartUploadsRequest& r, const ListMultipartUploadsResult& p) {
    if (p.next_key_marker == r.key_marker && p.next_upload_id_marker == r.upload_id_marker) return false;
    r.key_marker = p.next_key_marker;
    r.upload_id_marker = p.next_upload_id_marker;
    return true;
  }
};

}  // namespace

template <class Request, class Page>
Result<Page> Paginator<Request, Page>::NextPage() {
  using L = Listing<Request, Page>;
  if (done_) return L::Empty(req_);
  auto page = L::Fetch(client_, req_);
  if (!page.ok() || !page->is_truncated) {
    done_ = true;
    return page;
  }
  if (!L::Advance(req_, *page)) {
    done_ = true;
    return Status(ErrorCategory::kProtocol, std::string("the server returned the same ") + L::kMarkers +
                                                " twice; stopping to avoid an endless listing")
        .WithContext(L::kOp, ops::ResourceName(req_.bucket));
  }
  return page;
}

template <class Request, class Page>
Result<std::vector<typename Paginator<Request, Page>::Item>> Paginator<Request, Page>::All() {
  std::vector<Item> all;
  while (HasMorePages()) {
    auto page = NextPage();
    if (!page.ok()) return page.status();
    for (auto& item : Listing<Request, Page>::Items(*page)) all.push_back(std::move(item));
  }
  return all;
}

template class Paginator<ListObjectsV2Request, ListObjectsV2Result>;
template class Paginator<ListObjectVersionsRequest, ListObjectVersionsResult>;
template class Paginator<ListPartsRequest, ListPartsResult>;
template class Paginator<ListMultipartUploadsRequest, ListMultipartUploadsResult>;

}  // namespace s3ml

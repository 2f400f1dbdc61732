// The paginators over ListParts and ListMultipartUploads (Paginator<Request, Page>):
// small pages against the test endpoint, one request per page, markers walked without
// gaps or repeats. The ListObjectsV2 and ListObjectVersions paginators are tested with
// their operations (client_ops_test.cc, client_versioning_test.cc).

#include <set>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "support/test_support.h"

using namespace s3ml;
using namespace s3ml::test;

TEST_CASE("ListPartsPaginator: walks an upload's parts two per page, one request per page",
          "[portable][multipart][listing]") {
  Client c = PortableClient();
  ScopedBucket b(c, "parts-pages");
  AbortAllUploads cleanup(c, b.name());
  CreateMultipartUploadRequest create;
  create.bucket = b.name();
  create.key = "parts/five";
  auto up = c.CreateMultipartUpload(create);
  INFO(up.status().ToString());
  REQUIRE(up.ok());
  for (int n = 1; n <= 5; ++n) {  // parts below 5 MiB: only CompleteMultipartUpload minds
    UploadPartRequest part;
    part.bucket = b.name();
    part.key = create.key;
    part.upload_id = up->upload_id;
    part.part_number = n;
    const std::string body = "part " + std::to_string(n);
    part.data = body;  // borrowed: body outlives the call
    REQUIRE(c.UploadPart(part).ok());
  }

  ListPartsRequest req{b.name(), create.key, up->upload_id, 2, 0};
  ListPartsPaginator pages = c.ListPartsPages(req);
  std::vector<int> seen;
  const int npages = WalkPages(pages, [&](const ListPartsResult& page) {
    CHECK(page.parts.size() <= 2);
    for (const auto& p : page.parts) seen.push_back(p.part_number);
  });
  CHECK(npages == 3);
  CHECK(seen == std::vector<int>{1, 2, 3, 4, 5});
  auto after_end = pages.NextPage();
  REQUIRE(after_end.ok());
  CHECK(after_end->parts.empty());
  CHECK_FALSE(after_end->is_truncated);
  CHECK(after_end->upload_id == up->upload_id);

  auto all = c.ListPartsPages(req).All();
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  REQUIRE(all->size() == 5);
  CHECK(all->back().part_number == 5);
  CHECK(all->back().size == std::string("part 5").size());
}

TEST_CASE("ListMultipartUploadsPaginator: walks uploads two per page with key and upload-id markers",
          "[portable][multipart][listing]") {
  Client c = PortableClient();
  ScopedBucket b(c, "uploads-pages");
  AbortAllUploads cleanup(c, b.name());
  // Two uploads of one key, so that a page boundary can fall between them (upload-id marker).
  std::set<std::pair<std::string, std::string>> made;
  for (const char* key : {"up-a", "up-b", "up-b", "up-c", "up-d"}) {
    CreateMultipartUploadRequest create;
    create.bucket = b.name();
    create.key = key;
    auto up = c.CreateMultipartUpload(create);
    REQUIRE(up.ok());
    made.emplace(key, up->upload_id);
  }
  ListMultipartUploadsRequest req;
  req.bucket = b.name();
  req.prefix = "up-";
  req.max_uploads = 2;
  if (!Portable().mock) {
    // moto ignores max-uploads and the markers for this call (see client_multipart_test.cc).
    auto all = c.ListMultipartUploadsPages(req).All();
    REQUIRE(all.ok());
    CHECK(all->size() == made.size());
    return;
  }

  ListMultipartUploadsPaginator pages = c.ListMultipartUploadsPages(req);
  std::vector<std::pair<std::string, std::string>> seen;
  const int npages = WalkPages(pages, [&](const ListMultipartUploadsResult& page) {
    CHECK(page.uploads.size() <= 2);
    for (const auto& u : page.uploads) seen.emplace_back(u.key, u.upload_id);
  });
  CHECK(npages == 3);
  REQUIRE(seen.size() == made.size());  // no upload twice, none left out
  CHECK(std::set<std::pair<std::string, std::string>>(seen.begin(), seen.end()) == made);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i - 1].first <= seen[i].first);  // key order
  auto after_end = pages.NextPage();
  REQUIRE(after_end.ok());
  CHECK(after_end->uploads.empty());
  CHECK(after_end->prefix == "up-");

  auto all = c.ListMultipartUploadsPages(req).All();
  REQUIRE(all.ok());
  CHECK(all->size() == made.size());
}

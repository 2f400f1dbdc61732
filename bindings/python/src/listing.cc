// Lazy listings: objects, common prefixes and object versions, one request per page.
#include "py_common.h"
#include "s3ml/versioning.h"

namespace s3ml::python {

namespace {

/// Iterates the items of a paginator's pages, fetching a page only when the previous
/// one is used up (one request per page, GIL released while it is in flight).
template <class Paginator, class Item, class Extract>
class PageIterator {
 public:
  PageIterator(Paginator pager, Extract extract) : pager_(std::move(pager)), extract_(std::move(extract)) {}

  Item Next() {
    while (index_ >= items_.size()) {
      if (!pager_.HasMorePages()) throw py::stop_iteration();
      auto page = NoGil([&] { return pager_.NextPage(); });
      if (!page.ok()) Throw(page.status());
      items_ = extract_(*page, prefixes_);
      index_ = 0;
      ++pages_;
    }
    return std::move(items_[index_++]);
  }
  int pages() const { return pages_; }
  /// The common prefixes of the pages fetched so far (ListObjectsV2 with a delimiter).
  const std::vector<std::string>& prefixes() const { return prefixes_; }

 private:
  Paginator pager_;
  Extract extract_;
  std::vector<Item> items_;
  std::size_t index_ = 0;
  int pages_ = 0;
  std::vector<std::string> prefixes_;
};

using ObjectsFn = std::vector<ObjectSummary> (*)(ListObjectsV2Result&, std::vector<std::string>&);
using PrefixesFn = std::vector<std::string> (*)(ListObjectsV2Result&, std::vector<std::string>&);
using VersionsFn = std::vector<ObjectVersionSummary> (*)(ListObjectVersionsResult&, std::vector<std::string>&);
using ObjectIter = PageIterator<ListObjectsV2Paginator, ObjectSummary, ObjectsFn>;
using PrefixIter = PageIterator<ListObjectsV2Paginator, std::string, PrefixesFn>;
using VersionIter = PageIterator<ListObjectVersionsPaginator, ObjectVersionSummary, VersionsFn>;

// The objects of a page; its common prefixes are kept aside (ObjectIterator.common_prefixes).
std::vector<ObjectSummary> TakeContents(ListObjectsV2Result& r, std::vector<std::string>& prefixes) {
  prefixes.insert(prefixes.end(), r.common_prefixes.begin(), r.common_prefixes.end());
  return std::move(r.contents);
}
std::vector<std::string> TakePrefixes(ListObjectsV2Result& r, std::vector<std::string>&) {
  return std::move(r.common_prefixes);
}
std::vector<ObjectVersionSummary> TakeVersions(ListObjectVersionsResult& r, std::vector<std::string>&) {
  return std::move(r.versions);
}

int PageSize(std::optional<int> page_size) {
  if (page_size && (*page_size < 1 || *page_size > 1000))
    ThrowInvalid("page_size", "must be 1..1000, got " + std::to_string(*page_size));
  return page_size.value_or(0);
}

template <class It>
py::class_<It> BindIterator(py::module_& m, const char* name, const char* doc) {
  return py::class_<It>(m, name, doc)
      .def("__iter__", [](It& it) -> It& { return it; }, py::return_value_policy::reference_internal)
      .def("__next__", &It::Next)
      .def_property_readonly("pages_fetched", &It::pages, "List requests made so far.");
}

}  // namespace

void RegisterListing(ClientClass& cls, py::module_& m) {
  py::class_<ObjectSummary>(m, "ObjectSummary", "An object of list_objects().")
      .def_readonly("key", &ObjectSummary::key)
      .def_readonly("size", &ObjectSummary::size)
      .def_readonly("etag", &ObjectSummary::etag)
      .def_property_readonly("last_modified", [](const ObjectSummary& o) { return ToDatetime(o.last_modified); })
      .def_property_readonly("storage_class",
                             [](const ObjectSummary& o) { return o.storage_class.empty() ? "STANDARD" : o.storage_class; })
      .def_readonly("owner_id", &ObjectSummary::owner_id)
      .def("__repr__", [](const ObjectSummary& o) {
        return "s3ml.ObjectSummary(key='" + o.key + "', size=" + std::to_string(o.size) + ")";
      });
  py::class_<ObjectVersionSummary>(m, "ObjectVersion", "A version or delete marker of list_object_versions().")
      .def_readonly("key", &ObjectVersionSummary::key)
      .def_readonly("version_id", &ObjectVersionSummary::version_id)
      .def_readonly("is_latest", &ObjectVersionSummary::is_latest)
      .def_readonly("is_delete_marker", &ObjectVersionSummary::is_delete_marker)
      .def_readonly("size", &ObjectVersionSummary::size)
      .def_readonly("etag", &ObjectVersionSummary::etag)
      .def_property_readonly("last_modified",
                             [](const ObjectVersionSummary& o) { return ToDatetime(o.last_modified); })
      .def_readonly("storage_class", &ObjectVersionSummary::storage_class)
      .def_readonly("owner_id", &ObjectVersionSummary::owner_id)
      .def("__repr__", [](const ObjectVersionSummary& o) {
        return "s3ml.ObjectVersion(key='" + o.key + "', version_id='" + o.version_id + "'" +
               (o.is_delete_marker ? ", delete marker" : "") + (o.is_latest ? ", latest" : "") + ")";
      });

  BindIterator<ObjectIter>(m, "ObjectIterator", "Lazy iterator over list_objects(): one request per page.")
      .def_property_readonly(
          "common_prefixes", [](const ObjectIter& it) { return it.prefixes(); },
          "With a delimiter: the common prefixes (\"directories\") of the pages fetched so far, in\n"
          "listing order -- all of them once iteration has ended (empty without a delimiter).");
  BindIterator<PrefixIter>(m, "PrefixIterator", "Lazy iterator over list_prefixes(): one request per page.");
  BindIterator<VersionIter>(m, "VersionIterator", "Lazy iterator over list_object_versions(): one request per page.");

  cls.def(
         "list_objects",
         [](const PyClient& self, const std::string& bucket, const std::string& prefix,
            std::optional<std::string> delimiter, std::optional<std::string> start_after,
            std::optional<int> page_size) {
           ListObjectsV2Request req;
           req.bucket = bucket;
           req.prefix = prefix;
           req.delimiter = Str(delimiter);
           req.start_after = Str(start_after);
           req.max_keys = PageSize(page_size);
           return ObjectIter(self.Get().ListObjectsV2Pages(std::move(req)), &TakeContents);
         },
         py::arg("bucket"), py::arg("prefix") = "", py::arg("delimiter") = py::none(), py::kw_only(),
         py::arg("start_after") = py::none(), py::arg("page_size") = py::none(),
         "Every object under `prefix`, lazily: a page (page_size keys, default 1000) is requested\n"
         "only when iteration reaches it. With a delimiter, iteration yields the objects directly\n"
         "under `prefix`, and the iterator's .common_prefixes holds the prefixes (\"directories\") the\n"
         "pages fetched so far named (all of them once iteration has ended).")
      .def(
          "list_prefixes",
          [](const PyClient& self, const std::string& bucket, const std::string& prefix, const std::string& delimiter,
             std::optional<int> page_size) {
            if (delimiter.empty()) ThrowInvalid("delimiter", "must not be empty");
            ListObjectsV2Request req;
            req.bucket = bucket;
            req.prefix = prefix;
            req.delimiter = delimiter;
            req.max_keys = PageSize(page_size);
            return PrefixIter(self.Get().ListObjectsV2Pages(std::move(req)), &TakePrefixes);
          },
          py::arg("bucket"), py::arg("prefix") = "", py::arg("delimiter") = "/", py::kw_only(),
          py::arg("page_size") = py::none(), "The common prefixes (\"directories\") under `prefix`, lazily.")
      .def(
          "list_object_versions",
          [](const PyClient& self, const std::string& bucket, const std::string& prefix,
             std::optional<int> page_size) {
            ListObjectVersionsRequest req;
            req.bucket = bucket;
            req.prefix = prefix;
            req.max_keys = PageSize(page_size);
            return VersionIter(self.Get().ListObjectVersionsPages(std::move(req)), &TakeVersions);
          },
          py::arg("bucket"), py::arg("prefix") = "", py::kw_only(), py::arg("page_size") = py::none(),
          "Every version and delete marker under `prefix` (keys ascending, newest first), lazily.");
}

}  // namespace s3ml::python

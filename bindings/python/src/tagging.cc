// Object tagging (s3ml/tagging.h): tag sets as dicts.
#include "py_common.h"
#include "s3ml/tagging.h"

namespace s3ml::python {

namespace {

py::dict TagDict(const std::vector<Tag>& tags) {
  py::dict d;
  for (const auto& t : tags) d[py::str(t.key)] = t.value;
  return d;
}

}  // namespace

void RegisterTagging(ClientClass& cls) {
  cls.def(
         "get_object_tagging",
         [](const PyClient& self, const std::string& bucket, const std::string& key,
            std::optional<std::string> version_id) {
           GetObjectTaggingRequest req{bucket, key, Str(version_id)};
           return TagDict(Call(self, [&](Client& c) { return c.GetObjectTagging(req); }).tags);
         },
         py::arg("bucket"), py::arg("key"), py::arg("version_id") = py::none(), "The tags as a dict.")
      .def(
          "put_object_tagging",
          [](const PyClient& self, const std::string& bucket, const std::string& key,
             const std::map<std::string, std::string>& tags, std::optional<std::string> version_id) {
            PutObjectTaggingRequest req;
            req.bucket = bucket;
            req.key = key;
            req.version_id = Str(version_id);
            for (const auto& [k, v] : tags) req.tags.push_back(Tag{k, v});
            return Call(self, [&](Client& c) { return c.PutObjectTagging(req); }).version_id;
          },
          py::arg("bucket"), py::arg("key"), py::arg("tags"), py::arg("version_id") = py::none(),
          "Replaces the tag set; returns the version id tagged.")
      .def(
          "delete_object_tagging",
          [](const PyClient& self, const std::string& bucket, const std::string& key,
             std::optional<std::string> version_id) {
            DeleteObjectTaggingRequest req{bucket, key, Str(version_id)};
            return Call(self, [&](Client& c) { return c.DeleteObjectTagging(req); }).version_id;
          },
          py::arg("bucket"), py::arg("key"), py::arg("version_id") = py::none());
}

}  // namespace s3ml::python

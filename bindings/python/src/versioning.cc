// Bucket versioning configuration (s3ml/versioning.h); list_object_versions is in listing.cc.
#include "py_common.h"
#include "s3ml/versioning.h"

namespace s3ml::python {

void RegisterVersioning(ClientClass& cls) {
  cls.def(
         "put_bucket_versioning",
         [](const PyClient& self, const std::string& bucket, bool enabled) {
           Client c = self.Get();
           PutBucketVersioningRequest req{bucket, enabled ? VersioningStatus::kEnabled : VersioningStatus::kSuspended};
           Check(NoGil([&] { return c.PutBucketVersioning(req); }));
         },
         py::arg("bucket"), py::arg("enabled"), "Enables (True) or suspends (False) versioning.")
      .def(
          "get_bucket_versioning",
          [](const PyClient& self, const std::string& bucket) {
            auto status = Call(self, [&](Client& c) { return c.GetBucketVersioning(bucket); }).status;
            return std::string(VersioningStatusName(status));
          },
          py::arg("bucket"), "\"Enabled\", \"Suspended\" or \"Unversioned\".");
}

}  // namespace s3ml::python

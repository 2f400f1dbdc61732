// Bucket settings (s3ml/sse.h, s3ml/tagging.h): default encryption as a dict, bucket
// tags as a dict.
#include "py_common.h"
#include "s3ml/sse.h"
#include "s3ml/tagging.h"

namespace s3ml::python {

void RegisterBucketConfig(ClientClass& cls) {
  cls.def(
         "get_bucket_encryption",
         [](const PyClient& self, const std::string& bucket) {
           BucketEncryption e = Call(self, [&](Client& c) { return c.GetBucketEncryption(bucket); });
           py::dict d;
           d["sse_algorithm"] = e.sse_algorithm;
           d["kms_key_id"] = e.kms_key_id;
           d["bucket_key_enabled"] = e.bucket_key_enabled;
           return d;
         },
         py::arg("bucket"),
         "The bucket's default encryption: {'sse_algorithm', 'kms_key_id', 'bucket_key_enabled'}\n"
         "('AES256' for a bucket never configured).")
      .def(
          "put_bucket_encryption",
          [](const PyClient& self, const std::string& bucket, const std::string& sse_algorithm,
             std::optional<std::string> kms_key_id, bool bucket_key_enabled) {
            PutBucketEncryptionRequest req;
            req.bucket = bucket;
            req.encryption.sse_algorithm = sse_algorithm;
            req.encryption.kms_key_id = Str(kms_key_id);
            req.encryption.bucket_key_enabled = bucket_key_enabled;
            Client c = self.Get();
            Check(NoGil([&] { return c.PutBucketEncryption(req); }));
          },
          py::arg("bucket"), py::arg("sse_algorithm") = "AES256", py::kw_only(), py::arg("kms_key_id") = py::none(),
          py::arg("bucket_key_enabled") = false,
          "Sets the encryption new objects written without SSE arguments get ('AES256', 'aws:kms',\n"
          "'aws:kms:dsse').")
      .def(
          "delete_bucket_encryption",
          [](const PyClient& self, const std::string& bucket) {
            Client c = self.Get();
            Check(NoGil([&] { return c.DeleteBucketEncryption(bucket); }));
          },
          py::arg("bucket"), "Returns the bucket to SSE-S3, S3's base level of encryption.")
      .def(
          "get_bucket_tagging",
          [](const PyClient& self, const std::string& bucket) {
            py::dict d;
            for (const Tag& t : Call(self, [&](Client& c) { return c.GetBucketTagging(bucket); }))
              d[py::str(t.key)] = t.value;
            return d;
          },
          py::arg("bucket"), "The bucket's tags as a dict. Raises s3ml.S3Error (NoSuchTagSet) when it has none.")
      .def(
          "put_bucket_tagging",
          [](const PyClient& self, const std::string& bucket, const std::map<std::string, std::string>& tags) {
            PutBucketTaggingRequest req;
            req.bucket = bucket;
            for (const auto& [k, v] : tags) req.tags.push_back(Tag{k, v});
            Client c = self.Get();
            Check(NoGil([&] { return c.PutBucketTagging(req); }));
          },
          py::arg("bucket"), py::arg("tags"), "Replaces the bucket's tag set.")
      .def(
          "delete_bucket_tagging",
          [](const PyClient& self, const std::string& bucket) {
            Client c = self.Get();
            Check(NoGil([&] { return c.DeleteBucketTagging(bucket); }));
          },
          py::arg("bucket"), "Removes every tag of the bucket.");
}

}  // namespace s3ml::python

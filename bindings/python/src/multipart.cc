// Multipart upload primitives.
#include "py_common.h"
#include "s3ml/multipart.h"

namespace s3ml::python {

void RegisterMultipart(ClientClass& cls, py::module_& m) {
  py::class_<UploadPartResult>(m, "UploadPartResult")
      .def_readonly("etag", &UploadPartResult::etag)
      .def_readonly("checksum_crc32", &UploadPartResult::checksum_crc32)
      .def_readonly("checksum_crc32c", &UploadPartResult::checksum_crc32c)
      .def_readonly("checksum_sha1", &UploadPartResult::checksum_sha1)
      .def_readonly("checksum_sha256", &UploadPartResult::checksum_sha256)
      .def("__repr__", [](const UploadPartResult& r) { return "s3ml.UploadPartResult(etag=" + r.etag + ")"; });
  py::class_<CompleteMultipartUploadResult> complete_result(m, "CompleteMultipartUploadResult");
  DefEncryptionProperties(complete_result,
                          [](const CompleteMultipartUploadResult& r) -> const EncryptionInfo& { return r.encryption; });
  complete_result.def_readonly("location", &CompleteMultipartUploadResult::location)
      .def_readonly("bucket", &CompleteMultipartUploadResult::bucket)
      .def_readonly("key", &CompleteMultipartUploadResult::key)
      .def_readonly("etag", &CompleteMultipartUploadResult::etag)
      .def_readonly("version_id", &CompleteMultipartUploadResult::version_id);
  py::class_<PartInfo>(m, "PartInfo")
      .def_readonly("part_number", &PartInfo::part_number)
      .def_readonly("etag", &PartInfo::etag)
      .def_readonly("size", &PartInfo::size)
      .def_property_readonly("last_modified", [](const PartInfo& p) { return ToDatetime(p.last_modified); });
  py::class_<MultipartUploadInfo>(m, "MultipartUploadInfo")
      .def_readonly("key", &MultipartUploadInfo::key)
      .def_readonly("upload_id", &MultipartUploadInfo::upload_id)
      .def_readonly("storage_class", &MultipartUploadInfo::storage_class)
      .def_property_readonly("initiated", [](const MultipartUploadInfo& u) { return ToDatetime(u.initiated); });

  cls.def(
         "create_multipart_upload",
         [](const PyClient& self, const std::string& bucket, const std::string& key, std::optional<Metadata> metadata,
            std::optional<std::string> content_type, std::optional<std::string> storage_class,
            std::optional<std::string> checksum_algorithm, const py::object& sse,
            std::optional<std::string> sse_kms_key_id, const py::object& sse_kms_context) {
           Client c = self.Get();
           CreateMultipartUploadRequest req;
           req.sse = ParseSse(sse, sse_kms_key_id, sse_kms_context);
           req.bucket = bucket;
           req.key = key;
           req.metadata = metadata.value_or(Metadata{});
           req.content_type = Str(content_type);
           req.storage_class = Str(storage_class);
           req.checksum_algorithm = ParseChecksumAlgorithm(checksum_algorithm, "checksum_algorithm");
           return Unwrap(NoGil([&] { return c.CreateMultipartUpload(req); })).upload_id;
         },
         py::arg("bucket"), py::arg("key"), py::kw_only(), py::arg("metadata") = py::none(),
         py::arg("content_type") = py::none(), py::arg("storage_class") = py::none(),
         py::arg("checksum_algorithm") = py::none(), py::arg("sse") = py::none(),
         py::arg("sse_kms_key_id") = py::none(), py::arg("sse_kms_context") = py::none(),
         "Starts a multipart upload; returns its upload id. sse as put_object (an SSECustomerKey must\n"
         "then be passed to every upload_part and complete_multipart_upload too).")
      .def(
          "upload_part",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const std::string& upload_id,
             int part_number, const py::object& body, std::optional<std::string> checksum_algorithm,
             const py::object& sse) {
            Client c = self.Get();
            BodyArg data(body, "body");
            UploadPartRequest req;
            req.sse = ParseSseCustomerKeyArg(sse, "sse");
            req.bucket = bucket;
            req.key = key;
            req.upload_id = upload_id;
            req.part_number = part_number;
            req.data = data.view();
            req.checksum_algorithm = ParseChecksumAlgorithm(checksum_algorithm, "checksum_algorithm");
            return Unwrap(NoGil([&] { return c.UploadPart(req); }));
          },
          py::arg("bucket"), py::arg("key"), py::arg("upload_id"), py::arg("part_number"), py::arg("body"),
          py::kw_only(), py::arg("checksum_algorithm") = py::none(), py::arg("sse") = py::none(),
          "Uploads part `part_number` (1..10000) from bytes-like `body` (no copy).")
      .def(
          "upload_part_copy",
          [](const PyClient& self, const std::string& src_bucket, const std::string& src_key,
             const std::string& dst_bucket, const std::string& dst_key, const std::string& upload_id, int part_number,
             std::optional<std::pair<std::uint64_t, std::uint64_t>> source_range,
             std::optional<std::string> source_version_id) {
            Client c = self.Get();
            UploadPartCopyRequest req;
            req.source_bucket = src_bucket;
            req.source_key = src_key;
            req.source_version_id = Str(source_version_id);
            req.bucket = dst_bucket;
            req.key = dst_key;
            req.upload_id = upload_id;
            req.part_number = part_number;
            if (source_range) req.source_range = ByteRange::Closed(source_range->first, source_range->second);
            return Unwrap(NoGil([&] { return c.UploadPartCopy(req); })).etag;
          },
          py::arg("src_bucket"), py::arg("src_key"), py::arg("dst_bucket"), py::arg("dst_key"), py::arg("upload_id"),
          py::arg("part_number"), py::kw_only(), py::arg("source_range") = py::none(),
          py::arg("source_version_id") = py::none(),
          "Copies (an inclusive (first, last) byte range of) an object as one part; returns its ETag.")
      .def(
          "complete_multipart_upload",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const std::string& upload_id,
             const py::iterable& parts, const py::object& sse, std::optional<std::string> if_match,
             std::optional<std::string> if_none_match) {
            Client c = self.Get();
            CompleteMultipartUploadRequest req;
            req.if_match = if_match.value_or("");
            req.if_none_match = if_none_match.value_or("");
            req.sse = ParseSseCustomerKeyArg(sse, "sse");
            req.bucket = bucket;
            req.key = key;
            req.upload_id = upload_id;
            for (py::handle p : parts) {
              CompletedPart cp;
              if (py::isinstance<py::tuple>(p) && py::len(p) == 2) {
                auto t = p.cast<py::tuple>();
                cp.part_number = t[0].cast<int>();
                if (py::isinstance<UploadPartResult>(t[1])) {
                  const auto& r = t[1].cast<const UploadPartResult&>();
                  cp.etag = r.etag;
                  cp.checksum_crc32 = r.checksum_crc32;
                  cp.checksum_crc32c = r.checksum_crc32c;
                  cp.checksum_sha1 = r.checksum_sha1;
                  cp.checksum_sha256 = r.checksum_sha256;
                } else {
                  cp.etag = t[1].cast<std::string>();
                }
              } else {
                throw py::type_error(
                    "parts: expected (part_number, etag) or (part_number, UploadPartResult) tuples");
              }
              req.parts.push_back(std::move(cp));
            }
            return Unwrap(NoGil([&] { return c.CompleteMultipartUpload(req); }));
          },
          py::arg("bucket"), py::arg("key"), py::arg("upload_id"), py::arg("parts"), py::kw_only(),
          py::arg("sse") = py::none(), py::arg("if_match") = py::none(), py::arg("if_none_match") = py::none(),
          "Completes the upload from (part_number, etag or UploadPartResult) pairs in ascending order.\n"
          "if_none_match='*' / if_match=etag: a conditional write of the object (as put_object); a\n"
          "failed condition leaves the upload in place, a 409 ConditionalRequestConflict ends it.")
      .def(
          "abort_multipart_upload",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const std::string& upload_id) {
            Client c = self.Get();
            AbortMultipartUploadRequest req{bucket, key, upload_id};
            Check(NoGil([&] { return c.AbortMultipartUpload(req); }));
          },
          py::arg("bucket"), py::arg("key"), py::arg("upload_id"))
      .def(
          "list_parts",
          [](const PyClient& self, const std::string& bucket, const std::string& key, const std::string& upload_id) {
            Client c = self.Get();
            ListPartsRequest req;
            req.bucket = bucket;
            req.key = key;
            req.upload_id = upload_id;
            std::vector<PartInfo> parts;
            for (int guard = 0; guard < 100000; ++guard) {
              ListPartsResult page = Unwrap(NoGil([&] { return c.ListParts(req); }));
              for (auto& p : page.parts) parts.push_back(std::move(p));
              if (!page.is_truncated || page.next_part_number_marker <= req.part_number_marker) break;
              req.part_number_marker = page.next_part_number_marker;
            }
            return parts;
          },
          py::arg("bucket"), py::arg("key"), py::arg("upload_id"), "Every uploaded part (all pages).")
      .def(
          "list_multipart_uploads",
          [](const PyClient& self, const std::string& bucket, const std::string& prefix) {
            Client c = self.Get();
            ListMultipartUploadsRequest req;
            req.bucket = bucket;
            req.prefix = prefix;
            std::vector<MultipartUploadInfo> uploads;
            for (int guard = 0; guard < 100000; ++guard) {
              ListMultipartUploadsResult page = Unwrap(NoGil([&] { return c.ListMultipartUploads(req); }));
              for (auto& u : page.uploads) uploads.push_back(std::move(u));
              if (!page.is_truncated || (page.next_key_marker == req.key_marker &&
                                         page.next_upload_id_marker == req.upload_id_marker))
                break;
              req.key_marker = page.next_key_marker;
              req.upload_id_marker = page.next_upload_id_marker;
            }
            return uploads;
          },
          py::arg("bucket"), py::arg("prefix") = "", "Every in-progress upload under `prefix` (all pages).");
}

}  // namespace s3ml::python

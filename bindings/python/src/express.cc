// S3 Express One Zone (s3ml/express.h): CreateSession on a directory bucket.
#include "py_common.h"
#include "s3ml/express.h"

namespace s3ml::python {

void RegisterExpress(ClientClass& cls) {
  cls.def(
         "create_session",
         [](const PyClient& self, const std::string& bucket, const std::string& mode) {
           CreateSessionRequest req;
           req.bucket = bucket;
           if (mode == "ReadWrite") {
             req.mode = SessionMode::kReadWrite;
           } else if (mode == "ReadOnly") {
             req.mode = SessionMode::kReadOnly;
           } else {
             ThrowInvalid("mode", "expected 'ReadWrite' or 'ReadOnly', got '" + mode + "'");
           }
           CreateSessionResult got = Call(self, [&](Client& c) { return c.CreateSession(req); });
           py::dict creds;
           creds["AccessKeyId"] = got.credentials.access_key_id;
           creds["SecretAccessKey"] = got.credentials.secret_access_key;
           creds["SessionToken"] = got.credentials.session_token;
           creds["Expiration"] =
               got.credentials.expiration ? ToDatetime(*got.credentials.expiration) : py::object(py::none());
           py::dict out;
           out["Credentials"] = creds;
           if (!got.server_side_encryption.empty()) out["ServerSideEncryption"] = got.server_side_encryption;
           return out;
         },
         py::arg("bucket"), py::arg("mode") = "ReadWrite",
         "S3 Express One Zone: creates a session on a directory bucket (`<base>--<zone-id>--x-s3`);\n"
         "returns {'Credentials': {'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'},\n"
         "'ServerSideEncryption'}. The client manages sessions itself for its own requests.");
}

}  // namespace s3ml::python

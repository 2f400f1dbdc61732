#pragma once
// Shared fixtures for the client tests (integration, dataset).
//
// Tests tagged [portable] talk to "the test endpoint": the in-process MockS3Server,
// or, when S3ML_TEST_ENDPOINT is set (with S3ML_TEST_ACCESS_KEY, S3ML_TEST_SECRET_KEY
// and optionally S3ML_TEST_REGION), that server instead (tests/interop runs them
// against moto this way). Portable tests create uniquely named buckets and delete
// them (with their objects) when done.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/client_impl.h"
#include "s3ml/client.h"
#include "s3ml/mock/server.h"
#include "support/net.h"           // ClosedPort
#include "support/random_bytes.h"  // RandomBytes

namespace s3ml::test {

/// The endpoint [portable] tests use (started once per process).
struct PortableEndpoint {
  bool external = false;
  std::string url;
  std::string access_key, secret_key, region;
  mock::MockS3Server* mock = nullptr;  ///< null when external
};
PortableEndpoint& Portable();

/// Options for a client of the portable endpoint (path-style, explicit keys).
ClientOptions PortableOptions();
/// A client of the portable endpoint; REQUIREs success.
Client PortableClient();

/// A fresh mock server for one test (faults stay local to the test).
std::unique_ptr<mock::MockS3Server> StartMock(mock::MockS3Options opts = {});
/// Options for a client of `server` with its credentials.
ClientOptions MockOptions(const mock::MockS3Server& server);

/// A Sleeper that records the delays instead of sleeping.
class RecordingSleeper final : public Sleeper {
 public:
  void Sleep(std::chrono::milliseconds d) override;
  std::vector<std::chrono::milliseconds> delays() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> delays_;
};

/// A client over `options` (reading time from `clock` when given); REQUIREs success.
Client MakeClient(ClientOptions options, Clock* clock = nullptr);

/// A client over `options` whose retry backoff goes to `sleeper` (no real sleeping).
Client ClientWithSleeper(ClientOptions options, Sleeper* sleeper);

/// "s3ml-it-<tag>-<pid>-<n>": unique per process run.
std::string UniqueBucketName(const std::string& tag);

/// How a ScopedBucket starts and ends.
struct BucketSetup {
  bool enable_versioning = false;  ///< PutBucketVersioning(Enabled) right after creation
  bool delete_versions = false;    ///< clean up every version and delete marker, not only current objects
};

/// Creates a bucket and deletes it on destruction, after deleting every object in it
/// (or every version and delete marker, with BucketSetup::delete_versions).
class ScopedBucket {
 public:
  ScopedBucket(const Client& client, const std::string& tag, BucketSetup setup = {});
  ~ScopedBucket();
  ScopedBucket(const ScopedBucket&) = delete;
  ScopedBucket& operator=(const ScopedBucket&) = delete;
  const std::string& name() const { return name_; }

 private:
  Client client_;
  std::string name_;
  bool delete_versions_;
};

/// Keys that break naive encoders; all valid S3 keys.
const std::vector<std::string>& OddKeys();

/// Requests for bucket/key with nothing else set.
GetObjectRequest GetReq(const std::string& bucket, const std::string& key);
HeadObjectRequest HeadReq(const std::string& bucket, const std::string& key);
PutObjectRequest PutReq(const std::string& bucket, const std::string& key, std::string_view data);

/// Puts `data` at bucket/key (in `storage_class` when given); REQUIREs success.
PutObjectResult Put(const Client& c, const std::string& bucket, const std::string& key, std::string_view data,
                    const std::string& storage_class = {});

/// The multipart uploads in progress in `bucket` (one page; REQUIREs the listing to succeed).
std::vector<MultipartUploadInfo> OpenUploads(const Client& c, const std::string& bucket);

}  // namespace s3ml::test

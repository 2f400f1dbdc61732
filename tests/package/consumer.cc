// Uses only installed headers and targets: start the mock, write, list and read back.
#include <s3ml/mock/server.h>
#include <s3ml/s3ml.h>

#include <cstdio>

int main() {
  auto server = s3ml::mock::MockS3Server::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "mock: %s\n", server.status().ToString().c_str());
    return 1;
  }
  s3ml::ClientOptions opts = s3ml::ClientOptions::ForEndpoint((*server)->endpoint_url());
  opts.credentials = s3ml::Credentials{(*server)->options().access_key, (*server)->options().secret_key, "", {}, ""};
  auto client = s3ml::Client::Create(opts);
  if (!client.ok()) {
    std::fprintf(stderr, "client: %s\n", client.status().ToString().c_str());
    return 1;
  }
  try {
    client->CreateBucket({"consumer-bucket", ""}).value();
    s3ml::PutObjectRequest put;
    put.bucket = "consumer-bucket";
    put.key = "hello.txt";
    put.data = "hello from an installed s3ml";
    client->PutObject(put).value();
    auto got = client->GetObject({"consumer-bucket", "hello.txt"}).value();
    auto listed = client->ListObjectsV2({"consumer-bucket"}).value();
    if (got.body.view() != put.data || listed.contents.size() != 1) {
      std::fprintf(stderr, "round trip mismatch\n");
      return 1;
    }
    std::printf("package consumer OK: %s v%s\n", got.body.str().c_str(), S3ML_VERSION_STRING);
  } catch (const s3ml::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

// Conan test_package: the in-process mock server, then a put/get round trip through the
// client. Any failure exits non-zero, which fails `conan create`.
#include <s3ml/mock/server.h>
#include <s3ml/s3ml.h>

#include <cstdio>
#include <string>

int main() {
  auto server = s3ml::mock::MockS3Server::Start();
  if (!server.ok()) {
    std::fprintf(stderr, "mock server: %s\n", server.status().ToString().c_str());
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
    client->CreateBucket({"conan-test", ""}).value();
    s3ml::PutObjectRequest put;
    put.bucket = "conan-test";
    put.key = "hello.txt";
    put.data = "hello from the s3ml Conan package";
    client->PutObject(put).value();
    auto got = client->GetObject({"conan-test", "hello.txt"}).value();
    if (got.body.view() != put.data) {
      std::fprintf(stderr, "round trip mismatch: got \"%s\"\n", got.body.str().c_str());
      return 1;
    }
    std::printf("s3ml conan test_package OK: \"%s\" (s3ml %s, mock at %s)\n", got.body.str().c_str(),
                S3ML_VERSION_STRING, (*server)->endpoint_url().c_str());
  } catch (const s3ml::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

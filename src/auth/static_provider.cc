#include "s3ml/credentials.h"

namespace s3ml {

namespace {
class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : creds_(std::move(c)) {
    if (creds_.source.empty()) creds_.source = "explicit";
  }
  Result<Credentials> GetCredentials() override {
    if (creds_.empty())
      return Status(ErrorCategory::kCredentials, "explicit credentials are missing the access key id or secret");
    return creds_;
  }
  std::string Name() const override { return "explicit"; }

 private:
  Credentials creds_;
};
}  // namespace

std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials creds) {
  return std::make_shared<StaticProvider>(std::move(creds));
}

}  // namespace s3ml

#include "s3ml/status.h"

#include <sstream>

namespace s3ml {

const char* CategoryName(ErrorCategory c) noexcept {
  switch (c) {
    case ErrorCategory::kOk: return "OK";
    case ErrorCategory::kInvalidArgument: return "InvalidArgument";
    case ErrorCategory::kCredentials: return "Credentials";
    case ErrorCategory::kNetwork: return "Network";
    case ErrorCategory::kTimeout: return "Timeout";
    case ErrorCategory::kService: return "Service";
    case ErrorCategory::kProtocol: return "Protocol";
    case ErrorCategory::kIntegrity: return "Integrity";
    case ErrorCategory::kIo: return "Io";
    case ErrorCategory::kCancelled: return "Cancelled";
    case ErrorCategory::kInternal: return "Internal";
  }
  return "Unknown";
}

namespace {
const std::string& Empty() {
  static const std::string e;
  return e;
}
}  // namespace

Status::Status(ErrorCategory category, std::string message) {
  auto s = std::make_shared<State>();
  s->category = category == ErrorCategory::kOk ? ErrorCategory::kInternal : category;
  s->message = std::move(message);
  state_ = std::move(s);
}

Status Status::Cancelled(std::string message) {
  return Status(ErrorCategory::kCancelled, std::move(message)).WithCode("Cancelled");
}

ErrorCategory Status::category() const noexcept { return state_ ? state_->category : ErrorCategory::kOk; }
const std::string& Status::code() const& noexcept { return state_ ? state_->code : Empty(); }
std::string Status::code() && { return state_ ? state_->code : std::string(); }
int Status::http_status() const noexcept { return state_ ? state_->http_status : 0; }
const std::string& Status::message() const& noexcept { return state_ ? state_->message : Empty(); }
std::string Status::message() && { return state_ ? state_->message : std::string(); }
const std::string& Status::request_id() const& noexcept { return state_ ? state_->request_id : Empty(); }
std::string Status::request_id() && { return state_ ? state_->request_id : std::string(); }
const std::string& Status::host_id() const& noexcept { return state_ ? state_->host_id : Empty(); }
std::string Status::host_id() && { return state_ ? state_->host_id : std::string(); }
const std::string& Status::operation() const& noexcept { return state_ ? state_->operation : Empty(); }
std::string Status::operation() && { return state_ ? state_->operation : std::string(); }
const std::string& Status::resource() const& noexcept { return state_ ? state_->resource : Empty(); }
std::string Status::resource() && { return state_ ? state_->resource : std::string(); }
int Status::attempts() const noexcept { return state_ ? state_->attempts : 0; }

bool Status::IsTransient() const noexcept {
  if (!state_) return false;
  switch (state_->category) {
    case ErrorCategory::kNetwork:
    case ErrorCategory::kTimeout:
      return true;
    case ErrorCategory::kService: {
      const std::string& c = state_->code;
      if (c == "SlowDown" || c == "RequestTimeout" || c == "InternalError" || c == "ServiceUnavailable" ||
          c == "Throttling" || c == "ThrottlingException" || c == "ThrottledException" ||
          c == "RequestThrottled" || c == "RequestThrottledException" || c == "TooManyRequestsException" ||
          c == "ProvisionedThroughputExceededException" || c == "TransactionInProgressException" ||
          c == "RequestLimitExceeded" || c == "BandwidthLimitExceeded" || c == "LimitExceededException" ||
          c == "PriorRequestNotComplete" || c == "EC2ThrottledException")
        return true;
      int h = state_->http_status;
      return h == 500 || h == 502 || h == 503 || h == 504 || h == 429;
    }
    default:
      return false;
  }
}

Status::State Status::Copy() const {
  if (state_) return *state_;
  State s;
  return s;
}

Status Status::WithCode(std::string code) const {
  State s = Copy();
  s.code = std::move(code);
  return Status(std::make_shared<const State>(std::move(s)));
}
Status Status::WithHttpStatus(int http_status) const {
  State s = Copy();
  s.http_status = http_status;
  return Status(std::make_shared<const State>(std::move(s)));
}
Status Status::WithRequestId(std::string request_id, std::string host_id) const {
  State s = Copy();
  s.request_id = std::move(request_id);
  if (!host_id.empty()) s.host_id = std::move(host_id);
  return Status(std::make_shared<const State>(std::move(s)));
}
Status Status::WithContext(std::string operation, std::string resource) const {
  State s = Copy();
  s.operation = std::move(operation);
  s.resource = std::move(resource);
  return Status(std::make_shared<const State>(std::move(s)));
}
Status Status::WithAttempts(int attempts) const {
  State s = Copy();
  s.attempts = attempts;
  return Status(std::make_shared<const State>(std::move(s)));
}
Status Status::WithMessage(std::string message) const {
  State s = Copy();
  s.message = std::move(message);
  return Status(std::make_shared<const State>(std::move(s)));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::ostringstream os;
  const State& s = *state_;
  if (!s.operation.empty()) {
    os << s.operation;
    if (!s.resource.empty()) os << ' ' << s.resource;
    os << ": ";
  }
  os << (s.code.empty() ? CategoryName(s.category) : s.code);
  if (s.http_status != 0 || !s.request_id.empty()) {
    os << " (";
    if (s.http_status != 0) os << "HTTP " << s.http_status;
    if (!s.request_id.empty()) os << (s.http_status != 0 ? ", " : "") << "request id " << s.request_id;
    os << ')';
  }
  if (!s.message.empty()) os << ": " << s.message;
  if (s.attempts > 1) os << ", gave up after " << s.attempts << " attempts";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

Error::Error(Status status) : std::runtime_error(status.ToString()), status_(std::move(status)) {}

}  // namespace s3ml

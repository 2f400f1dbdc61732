#include "mock/faults.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "mock/router.h"

namespace s3ml::mock {

namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// "<digits>[K|M|G]" (binary multiples), at most kMaxFaultBytes.
bool ParseSize(const std::string& text, std::uint64_t& out, std::string& why) {
  std::string digits = text;
  std::uint64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K': case 'k': unit = 1024; break;
      case 'M': case 'm': unit = 1024 * 1024; break;
      case 'G': case 'g': unit = 1024 * 1024 * 1024; break;
      default: break;
    }
    if (unit != 1) digits.pop_back();
  }
  if (!AllDigits(digits) || digits.size() > 13) {
    why = "'" + text + "' is not a size (digits with an optional K, M or G suffix)";
    return false;
  }
  const std::uint64_t n = std::stoull(digits);
  if (n > kMaxFaultBytes / unit) {
    why = "size '" + text + "' exceeds the limit of 1 TiB";
    return false;
  }
  out = n * unit;
  return true;
}

// "<digits>(ms|s|m|h)".
bool ParseDuration(const std::string& text, std::chrono::milliseconds& out, std::string& why) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  const std::string digits = text.substr(0, i), unit = text.substr(i);
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60 * 1000;
  else if (unit == "h") scale = 3600 * 1000;
  if (digits.empty() || digits.size() > 9 || scale == 0) {
    why = "'" + text + "' is not a duration (digits with ms, s, m or h)";
    return false;
  }
  out = std::chrono::milliseconds(std::stoll(digits) * scale);
  return true;
}

bool IsErrorCode(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::isalpha(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.'; });
}

// The S3 error code an HTTP status gets when an instruction names none.
std::string DefaultCode(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 403: return "AccessDenied";
    case 404: return "NoSuchKey";
    case 408: return "RequestTimeout";
    case 409: return "OperationAborted";
    case 412: return "PreconditionFailed";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 501: return "NotImplemented";
    case 502: return "BadGateway";
    case 503: return "SlowDown";
    case 504: return "GatewayTimeout";
    default: return "InjectedFault";
  }
}

// "[-after-<size>]" at `rest` (which is "" or starts with "-after-").
bool ParseOptionalAfter(const std::string& rest, std::uint64_t& out, std::string& why) {
  out = 0;
  if (rest.empty()) return true;
  if (!StartsWith(rest, "-after-")) {
    why = "expected '-after-<size>' after the kind, got '" + rest + "'";
    return false;
  }
  return ParseSize(rest.substr(7), out, why);
}

bool MaxDelay(std::chrono::milliseconds d, std::string& why) {
  if (d <= kMaxFaultDelay) return true;
  why = "durations are limited to 10m";
  return false;
}

// The operations fault plans may name: those the mock implements (mock/router.h), or "*".
bool IsOperationName(const std::string& s) { return s == "*" || IsImplementedOperation(s); }

S3Error BadInstruction(const std::string& header, const std::string& text, const std::string& why) {
  return InvalidArgument("Invalid fault instruction '" + text + "': " + why, header, text);
}

// S3's wording for the error codes faults usually inject.
struct InjectedMessage {
  const char* code;
  const char* message;
};
constexpr InjectedMessage kInjectedMessages[] = {
    {"SlowDown", "Please reduce your request rate."},
    {"InternalError", "We encountered an internal error. Please try again."},
    {"ServiceUnavailable", "Service is unable to handle request."},
};

}  // namespace

S3Error InjectedError(const InjectedFault& f, int status, const std::string& code) {
  std::string message = "Injected fault";
  for (const auto& m : kInjectedMessages)
    if (code == m.code) message = m.message;
  if (!f.instruction.empty()) message += " (s3ml injected fault '" + f.instruction + "' from " + f.source + ")";
  return S3Error(status, code, message);
}

bool ParseInstruction(const std::string& text, FaultRule& out, std::string& why) {
  out = FaultRule{};
  if (text.empty()) {
    why = "the instruction is empty";
    return false;
  }
  if (text.size() > kMaxInstructionChars) {
    why = "instructions are limited to " + std::to_string(kMaxInstructionChars) + " characters";
    return false;
  }
  if (text == "reset") {
    out.kind = FaultRule::Kind::kConnectionReset;
    return true;
  }
  if (StartsWith(text, "reset-after-")) {
    out.kind = FaultRule::Kind::kResetAfterBytes;
    return ParseSize(text.substr(12), out.after_bytes, why);
  }
  if (StartsWith(text, "truncate-after-")) {
    out.kind = FaultRule::Kind::kTruncateBody;
    return ParseSize(text.substr(15), out.truncate_after, why);
  }
  if (StartsWith(text, "delay-")) {
    out.kind = FaultRule::Kind::kLatency;
    return ParseDuration(text.substr(6), out.latency, why) && MaxDelay(out.latency, why);
  }
  if (StartsWith(text, "stall-for-")) {
    out.kind = FaultRule::Kind::kStall;
    const std::string rest = text.substr(10);
    const auto after = rest.find("-after-");
    return ParseDuration(rest.substr(0, after), out.latency, why) && MaxDelay(out.latency, why) &&
           ParseOptionalAfter(after == std::string::npos ? std::string() : rest.substr(after), out.after_bytes, why);
  }
  if (StartsWith(text, "corrupt-body")) {
    out.kind = FaultRule::Kind::kCorruptBody;
    return ParseOptionalAfter(text.substr(12), out.after_bytes, why);
  }
  if (StartsWith(text, "change-object")) {
    out.kind = FaultRule::Kind::kChangeObject;
    return ParseOptionalAfter(text.substr(13), out.after_bytes, why);
  }
  if (StartsWith(text, "200-with-error")) {
    out.kind = FaultRule::Kind::kErrorInOkBody;
    out.http_status = 200;
    out.error_code = "InternalError";
    const std::string rest = text.substr(14);
    if (rest.empty()) return true;
    if (rest[0] != '-' || !IsErrorCode(rest.substr(1))) {
      why = "expected '200-with-error' or '200-with-error-<Code>'";
      return false;
    }
    out.error_code = rest.substr(1);
    return true;
  }
  if (StartsWith(text, "skew-clock-")) {
    out.kind = FaultRule::Kind::kSkewClock;
    std::chrono::milliseconds d{0};
    if (!ParseDuration(text.substr(11), d, why)) return false;
    if (d.count() % 1000 != 0 || d.count() == 0) {
      why = "the skew must be a whole number of seconds, at least 1s";
      return false;
    }
    if (d > kMaxClockSkew) {
      why = "the skew is limited to 7 days";
      return false;
    }
    out.clock_skew = std::chrono::duration_cast<std::chrono::seconds>(d);
    return true;
  }
  if (StartsWith(text, "slowdown-for-")) {
    out.kind = FaultRule::Kind::kSlowDown;
    out.http_status = 503;
    out.error_code = "SlowDown";
    std::string rest = text.substr(13);
    const auto dash = rest.find('-');
    const std::string n = rest.substr(0, dash);
    const std::string tail = dash == std::string::npos ? std::string() : rest.substr(dash);
    if (!AllDigits(n) || n.size() > 4 || (tail != "-requests" && tail != "-request")) {
      why = "expected 'slowdown-for-<n>-requests'";
      return false;
    }
    out.repeat = std::stoi(n);
    if (out.repeat < 1 || out.repeat > kMaxSlowdownRequests) {
      why = "n must be 1.." + std::to_string(kMaxSlowdownRequests);
      return false;
    }
    return true;
  }
  if (StartsWith(text, "return-")) {
    // return-<status>[-<Code>][-after-<size>]
    std::string rest = text.substr(7);
    const std::string status = rest.substr(0, rest.find('-'));
    if (status.size() != 3 || !AllDigits(status) || std::stoi(status) < 400 || std::stoi(status) > 599) {
      why = "expected 'return-<status>' with an HTTP status 400..599";
      return false;
    }
    out.kind = FaultRule::Kind::kHttpError;
    out.http_status = std::stoi(status);
    out.error_code = DefaultCode(out.http_status);
    rest = rest.substr(status.size());
    if (!rest.empty() && !StartsWith(rest, "-after-")) {
      const auto next = rest.find('-', 1);
      const std::string code = rest.substr(1, next == std::string::npos ? std::string::npos : next - 1);
      if (rest[0] != '-' || !IsErrorCode(code)) {
        why = "expected 'return-<status>-<Code>' with an S3 error code (letters and digits)";
        return false;
      }
      out.error_code = code;
      rest = next == std::string::npos ? std::string() : rest.substr(next);
    }
    if (!rest.empty()) {
      out.kind = FaultRule::Kind::kErrorAfterBytes;
      return ParseOptionalAfter(rest, out.after_bytes, why);
    }
    return true;
  }
  why = "unknown instruction (see docs/reliability.md, \"Fault conformance\")";
  return false;
}

void FaultInjector::Add(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  // splitmix-style spread so rules with adjacent indices get unrelated streams.
  std::uint64_t s = seed_ + 0x9E3779B97F4A7C15ull * (++added_);
  rules_.push_back(State{std::move(rule), 0, std::mt19937_64(s)});
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

std::optional<FaultRule> FaultInjector::Decide(const std::string& operation, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<FaultRule> chosen;
  for (auto& st : rules_) {
    const FaultRule& r = st.rule;
    if (r.operation != "*" && r.operation != operation) continue;
    if (!r.key_prefix.empty() && key.compare(0, r.key_prefix.size(), r.key_prefix) != 0) continue;
    const std::uint64_t n = ++st.matches;
    bool fire;
    if (!r.nth.empty()) {
      fire = std::find(r.nth.begin(), r.nth.end(), static_cast<int>(n)) != r.nth.end();
    } else if (r.count > 0) {
      fire = n <= static_cast<std::uint64_t>(r.count);
    } else if (r.probability > 0.0) {
      // 53 random bits -> [0, 1): identical on every platform (unlike std::uniform_real_distribution).
      const double u = static_cast<double>(st.rng() >> 11) * (1.0 / 9007199254740992.0);
      fire = u < r.probability;
    } else {
      fire = true;  // no schedule: every matching request
    }
    if (fire && !chosen) chosen = r;
  }
  return chosen;
}

Expected<FaultInjector::RequestFault> FaultInjector::FromHeaders(const std::string* fault_header,
                                                                 const std::string* plan_header,
                                                                 const std::string& operation,
                                                                 const std::string& request_id) {
  RequestFault out;
  if (fault_header) {
    FaultRule rule;
    std::string why;
    if (!ParseInstruction(*fault_header, rule, why)) return BadInstruction("x-s3ml-fault", *fault_header, why);
    if (rule.kind == FaultRule::Kind::kSkewClock) out.skew = rule.clock_skew;
    if (rule.kind == FaultRule::Kind::kSlowDown) {
      // Stateless header, stateful instruction: requests carrying the same value are
      // refused `repeat` times in a row, then one passes, and the cycle starts again.
      std::lock_guard<std::mutex> lock(mu_);
      if (slowdown_cycles_.size() >= kMaxSlowdownCycles && !slowdown_cycles_.count(*fault_header))
        slowdown_cycles_.clear();
      const std::uint64_t seen = slowdown_cycles_[*fault_header]++;
      if (seen % static_cast<std::uint64_t>(rule.repeat + 1) == static_cast<std::uint64_t>(rule.repeat)) return out;
    }
    out.fault = InjectedFault{std::move(rule), "x-s3ml-fault", *fault_header};
    return out;
  }
  if (!plan_header) return out;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = plans_.find(*plan_header);
  if (it == plans_.end())
    return InvalidArgument("No fault plan '" + *plan_header + "' (never created, or deleted)", "x-s3ml-fault-plan",
                           *plan_header);
  Plan& plan = it->second;
  auto list = plan.pending.find(operation);
  if (list == plan.pending.end()) list = plan.pending.find("*");
  if (list != plan.pending.end()) {
    PlannedFault& next = list->second.front();
    out.fault = InjectedFault{next.rule, "fault plan " + *plan_header, next.text};
    plan.fired.push_back(FaultPlanStatus::Fired{operation, next.text, request_id});
    if (next.rule.kind == FaultRule::Kind::kSkewClock) plan.skew = next.rule.clock_skew;  // stays for later requests
    if (--next.uses_left <= 0) {
      list->second.pop_front();
      if (list->second.empty()) plan.pending.erase(list);
    }
  }
  out.skew = plan.skew;
  return out;
}

Expected<std::string> FaultInjector::CreatePlan(const FaultPlan& plan) {
  Plan p;
  p.original = plan;
  std::size_t total = 0;
  for (const auto& [op, list] : plan.instructions) {
    if (!IsOperationName(op))
      return InvalidArgument("Fault plan: '" + op + "' is not an S3 operation name (e.g. GetObject) or '*'",
                             "operation", op);
    for (const auto& text : list) {
      if (++total > kMaxPlanInstructions)
        return InvalidArgument("Fault plan: more than " + std::to_string(kMaxPlanInstructions) + " instructions");
      PlannedFault f;
      f.text = text;
      std::string why;
      if (!ParseInstruction(text, f.rule, why)) return BadInstruction("instruction", text, why + " (operation " + op + ")");
      f.uses_left = f.rule.kind == FaultRule::Kind::kSlowDown ? f.rule.repeat : 1;
      p.pending[op].push_back(std::move(f));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (plans_.size() >= kMaxFaultPlans)
    return InvalidArgument("Too many fault plans (limit " + std::to_string(kMaxFaultPlans) +
                           "); delete the ones that are done");
  char id[24];
  const std::uint64_t n = ++plans_created_;
  std::snprintf(id, sizeof(id), "fp-%016llx",
                static_cast<unsigned long long>((n * 0xBF58476D1CE4E5B9ull) ^ (seed_ * 0x94D049BB133111EBull)));
  plans_.emplace(id, std::move(p));
  return std::string(id);
}

std::optional<FaultPlanStatus> FaultInjector::GetPlan(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = plans_.find(id);
  if (it == plans_.end()) return std::nullopt;
  FaultPlanStatus s;
  s.id = id;
  s.plan = it->second.original;
  s.fired = it->second.fired;
  s.clock_skew = it->second.skew;
  for (const auto& [op, list] : it->second.pending)
    for (const auto& f : list)
      s.remaining[op].push_back(f.text);  // a partly used slowdown-for-N-requests stays listed
  return s;
}

bool FaultInjector::DeletePlan(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return plans_.erase(id) > 0;
}

}  // namespace s3ml::mock

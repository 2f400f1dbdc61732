#pragma once
// Fault injection: decides, per request, which fault (if any) applies.
//
// Three sources, one FaultRule each time, applied by one code path (Impl::Handle):
//  - rules added with MockS3Server::AddFault: deterministic, each rule has its own
//    match counter and RNG (seeded from the server seed and the rule's index), so
//    the outcome depends only on the seed and on the order of matching requests;
//  - the request's own `x-s3ml-fault: <instruction>` header (ParseInstruction);
//  - a fault plan named by `x-s3ml-fault-plan: <id>`: per-operation instruction
//    lists, each instruction consumed once, in order.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mock/s3_error.h"
#include "s3ml/mock/server.h"

namespace s3ml::mock {

/// Limits on fault instructions and plans (documented in docs/reliability.md).
inline constexpr std::size_t kMaxInstructionChars = 128;
inline constexpr std::uint64_t kMaxFaultBytes = std::uint64_t{1} << 40;  // sizes up to 1 TiB
inline constexpr std::chrono::seconds kMaxFaultDelay{600};              // stall/delay up to 10 minutes
inline constexpr std::chrono::seconds kMaxClockSkew{7 * 24 * 3600};      // skew up to 7 days
inline constexpr int kMaxSlowdownRequests = 1000;
inline constexpr std::size_t kMaxPlanInstructions = 1000;  // per plan, all operations together
inline constexpr std::size_t kMaxFaultPlans = 1000;        // live plans per server
inline constexpr std::size_t kMaxSlowdownCycles = 1024;    // distinct slowdown header values tracked

/// Parses one instruction (grammar: s3ml/mock/server.h ParseFaultInstruction).
/// Returns false with `why` (a phrase naming what is wrong) on a malformed one.
bool ParseInstruction(const std::string& text, FaultRule& out, std::string& why);

/// A fault chosen for one request, with where it came from.
struct InjectedFault {
  FaultRule rule;
  std::string source;       ///< "x-s3ml-fault", "fault plan <id>" or "fault rule"
  std::string instruction;  ///< the instruction text ("" for AddFault rules)
};

/// The S3 error answer an injected fault returns: S3's wording for the codes it
/// has one for (SlowDown, InternalError, ServiceUnavailable), "Injected fault" for
/// any other. The message names the instruction when `f` came from x-s3ml-fault or
/// a fault plan, so that a client's error says what hit it.
S3Error InjectedError(const InjectedFault& f, int status, const std::string& code);

/// Thread safety: all methods are safe to call concurrently (one mutex).
class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed) : seed_(seed) {}

  void Add(FaultRule rule);
  void Clear();
  /// Advances every matching AddFault rule; returns the first one that fires.
  std::optional<FaultRule> Decide(const std::string& operation, const std::string& key);

  /// What a request's x-s3ml-fault / x-s3ml-fault-plan headers ask for (either may
  /// be null). `skew` is the clock skew to check the request's signature with (a
  /// skew-clock instruction, or the skew a plan was left with).
  struct RequestFault {
    std::optional<InjectedFault> fault;
    std::chrono::seconds skew{0};
  };
  /// Consumes the plan's next instruction for `operation` (a request consumes it
  /// whether or not its signature then verifies). Errors: 400 InvalidArgument naming
  /// the malformed instruction or the unknown plan.
  Expected<RequestFault> FromHeaders(const std::string* fault_header, const std::string* plan_header,
                                     const std::string& operation, const std::string& request_id);

  /// Errors: 400 InvalidArgument naming the malformed instruction or operation, or the limit exceeded.
  Expected<std::string> CreatePlan(const FaultPlan& plan);
  std::optional<FaultPlanStatus> GetPlan(const std::string& id) const;
  bool DeletePlan(const std::string& id);

 private:
  struct State {
    FaultRule rule;
    std::uint64_t matches = 0;
    std::mt19937_64 rng;
  };
  struct PlannedFault {
    std::string text;
    FaultRule rule;
    int uses_left = 1;  // slowdown-for-N-requests fires N times
  };
  struct Plan {
    FaultPlan original;
    std::map<std::string, std::deque<PlannedFault>> pending;
    std::vector<FaultPlanStatus::Fired> fired;
    std::chrono::seconds skew{0};
  };

  const std::uint64_t seed_;
  mutable std::mutex mu_;  // guards everything below
  std::vector<State> rules_;
  std::uint64_t added_ = 0;
  std::map<std::string, Plan> plans_;
  std::uint64_t plans_created_ = 0;
  std::map<std::string, std::uint64_t> slowdown_cycles_;  // x-s3ml-fault value -> requests seen
};

}  // namespace s3ml::mock

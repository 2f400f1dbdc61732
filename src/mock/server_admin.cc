// The mock's admin API under /_s3ml/ (documented in docs/reliability.md, "Fault
// conformance"): fault plans and the mock clock, so that tests in any language can
// drive them against `s3ml serve`.
//
// Every admin request must carry a valid AWS signature made with the server's own
// access key, whatever verify_signatures says: the API changes what every client of
// the server sees, so it is never open. Anything else is 403 AccessDenied.

#include <nlohmann/json.hpp>

#include "mock/server_impl.h"

namespace s3ml::mock {

namespace {

constexpr std::size_t kMaxAdminBody = 1 << 20;  // a fault plan's JSON, at most 1 MiB

void Json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

nlohmann::json PlanJson(const FaultPlanStatus& s) {
  nlohmann::json fired = nlohmann::json::array();
  for (const auto& f : s.fired)
    fired.push_back({{"operation", f.operation}, {"instruction", f.instruction}, {"request_id", f.request_id}});
  return {{"id", s.id},
          {"instructions", s.plan.instructions},
          {"fired", fired},
          {"remaining", s.remaining},
          {"completed", s.completed()},
          {"clock_skew_seconds", s.clock_skew.count()}};
}

// {"instructions": {"GetObject": ["return-503", ...], "*": [...]}}
Expected<FaultPlan> ParsePlan(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return InvalidArgument("The fault plan is not a JSON object: expected {\"instructions\": {\"GetObject\": "
                           "[\"return-503\", ...]}}");
  for (const auto& [name, value] : doc.items()) {
    (void)value;
    if (name != "instructions") return InvalidArgument("Unknown fault plan field '" + name + "'", "field", name);
  }
  auto it = doc.find("instructions");
  if (it == doc.end() || !it->is_object())
    return InvalidArgument("The fault plan needs \"instructions\": an object of operation -> list of instructions");
  FaultPlan plan;
  for (const auto& [op, list] : it->items()) {
    if (!list.is_array())
      return InvalidArgument("Fault plan: the instructions of '" + op + "' are not a list of strings", "operation", op);
    auto& out = plan.instructions[op];
    for (const auto& item : list) {
      if (!item.is_string())
        return InvalidArgument("Fault plan: an instruction of '" + op + "' is not a string", "operation", op);
      out.push_back(item.get<std::string>());
    }
  }
  return plan;
}

}  // namespace

void MockS3Server::Impl::HandleAdmin(httplib::Request& req, const Headers& headers, httplib::Response& res,
                                     const std::string& request_id) {
  const auto qmark = req.target.find('?');
  const std::string raw_path = req.target.substr(0, qmark);
  const std::string raw_query = qmark == std::string::npos ? std::string() : req.target.substr(qmark + 1);
  const std::string resource = raw_path;
  auto fail = [&](const S3Error& e) { RenderError(e, resource, res, req.method == "HEAD", request_id); };
  auto query = ParseQuery(raw_query);
  if (!query.ok()) return fail(query.error());

  // Signed with the server's own access key, always (not an S3 Express session key).
  if (options.access_key.empty() || options.secret_key.empty())
    return fail(AccessDenied("The s3ml admin API needs the server's credentials, and this server has none"));
  auto auth = admin_verifier.Verify(VerifyInput{req.method, raw_path, *query, headers, raw_query, {}},
                                    SystemClock().Now());
  if (!auth.ok()) {
    CountOperation({}, true, false);
    return fail(AccessDenied("The s3ml admin API requires a request signed with the server's access key (" +
                             auth.error().code + ": " + auth.error().message + ")"));
  }
  if (!auth->verified || auth->access_key != options.access_key) {
    CountOperation({}, true, false);
    return fail(AccessDenied("The s3ml admin API requires a request signed with the server's access key"));
  }
  if (req.body.size() > kMaxAdminBody)
    return fail(InvalidArgument("The admin request body exceeds the limit of 1 MiB"));
  std::vector<std::pair<std::string, std::string>> trailers;
  auto payload = admin_verifier.DecodeBody(*auth, headers, std::move(req.body), &trailers);
  if (!payload.ok()) return fail(payload.error());

  const std::string plans_prefix = "/_s3ml/fault-plans";
  if (raw_path == plans_prefix || raw_path == plans_prefix + "/") {
    if (req.method == "POST") {
      auto plan = ParsePlan(*payload);
      if (!plan.ok()) return fail(plan.error());
      auto id = faults.CreatePlan(*plan);
      if (!id.ok()) return fail(id.error());
      return Json(res, 200, PlanJson(*faults.GetPlan(*id)));
    }
    return fail(S3Error(405, "MethodNotAllowed", "Use POST to create a fault plan").With("Method", req.method));
  }
  if (raw_path.compare(0, plans_prefix.size() + 1, plans_prefix + "/") == 0) {
    const std::string id = raw_path.substr(plans_prefix.size() + 1);
    const S3Error missing = S3Error(404, "NoSuchFaultPlan", "The fault plan does not exist").With("PlanId", id);
    if (req.method == "GET") {
      auto status = faults.GetPlan(id);
      if (!status) return fail(missing);
      return Json(res, 200, PlanJson(*status));
    }
    if (req.method == "DELETE") {
      if (!faults.DeletePlan(id)) return fail(missing);
      res.status = 204;
      return;
    }
    return fail(S3Error(405, "MethodNotAllowed", "Use GET or DELETE on a fault plan").With("Method", req.method));
  }
  if (raw_path == "/_s3ml/clock") {
    if (req.method == "POST") {
      const nlohmann::json doc = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
      const auto it = doc.is_object() ? doc.find("advance_seconds") : doc.end();
      if (doc.is_discarded() || !doc.is_object() || doc.size() != 1 || it == doc.end() ||
          !it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > (std::int64_t{1} << 40))
        return fail(InvalidArgument("Expected {\"advance_seconds\": <non-negative integer>}; the clock only moves "
                                    "forward"));
      AdvanceClock(std::chrono::seconds(it->get<std::int64_t>()));
    } else if (req.method != "GET") {
      return fail(S3Error(405, "MethodNotAllowed", "Use GET or POST on the clock").With("Method", req.method));
    }
    return Json(res, 200,
                {{"now", FormatIso8601(Now())}, {"advanced_seconds", clock_offset_s.load()}});
  }
  return fail(S3Error(404, "NoSuchAdminResource",
                      "Admin resources: /_s3ml/fault-plans, /_s3ml/fault-plans/<id>, /_s3ml/clock")
                  .With("Path", raw_path));
}

}  // namespace s3ml::mock

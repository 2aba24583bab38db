// jobs.cc: Hugging Face Jobs (hf-hub-api.md §8): create, inspect, cancel, logs.
// Creating a job is a billed, non-idempotent POST: never retried automatically.
#include "hub/hub.h"
#include "hub/internal.h"

namespace sf::hub {

using internal::GetString;

bool JobInfo::IsTerminal() const {
  return stage == "COMPLETED" || stage == "CANCELED" || stage == "ERROR" || stage == "DELETED";
}

std::string JobInfo::Url(std::string_view endpoint) const {
  return std::string(endpoint) + "/jobs/" + owner + "/" + id;
}

Result<JobInfo> ParseJobInfo(const nlohmann::json& j) {
  if (!j.is_object()) return ParseError("job: not a JSON object");
  JobInfo info;
  auto id = GetString(j, "id");
  if (!id) return ParseError("job: no id");
  info.id = *id;
  if (j.contains("status") && j["status"].is_object()) {
    info.stage = GetString(j["status"], "stage").value_or("");
    info.message = GetString(j["status"], "message");
  }
  if (j.contains("owner") && j["owner"].is_object())
    info.owner = GetString(j["owner"], "name").value_or("");
  info.flavor = GetString(j, "flavor").value_or("");
  info.created_at = GetString(j, "createdAt");
  info.raw = j;
  return info;
}

namespace {

bool IsSafeSegment(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  return s != "." && s != "..";
}

}  // namespace

Result<JobInfo> HubClient::CreateJob(const std::string& ns_in, const JobSpec& spec) {
  if (spec.docker_image.empty() == spec.space_id.empty())
    return InvalidArgument("job: give exactly one of a Docker image or a Space id");
  if (spec.command.empty()) return InvalidArgument("job: empty command");
  SF_ASSIGN_OR_RETURN(std::string ns, ResolveNamespace(ns_in));
  if (!IsSafeSegment(ns)) return InvalidArgument("job: invalid namespace \"" + ns + "\"");
  const std::string what = "create job in " + ns;
  nlohmann::json body = {{"command", spec.command},
                         {"arguments", spec.arguments},
                         {"environment", spec.environment},
                         {"flavor", spec.flavor.empty() ? "cpu-basic" : spec.flavor}};
  if (!spec.docker_image.empty()) {
    body["dockerImage"] = spec.docker_image;
  } else {
    body["spaceId"] = spec.space_id;
  }
  std::vector<std::string> secret_values;
  if (!spec.secrets.empty()) {
    body["secrets"] = spec.secrets;
    for (const auto& [k, v] : spec.secrets) secret_values.push_back(v);
  }
  if (spec.timeout_seconds) body["timeoutSeconds"] = *spec.timeout_seconds;
  if (!spec.labels.empty()) body["labels"] = spec.labels;
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      Call(JsonRequest("POST", config_.endpoint + "/api/jobs/" + ns, body), what, secret_values));
  auto parsed = ParseJobInfo(nlohmann::json::parse(r.body, nullptr, false));
  if (!parsed.ok()) return Status(Code::kRemote, what + ": " + parsed.status().message());
  if (parsed->owner.empty()) parsed->owner = ns;
  return parsed;
}

Result<JobInfo> HubClient::GetJob(const std::string& ns_in, const std::string& job_id) {
  SF_ASSIGN_OR_RETURN(std::string ns, ResolveNamespace(ns_in));
  if (!IsSafeSegment(ns) || !IsSafeSegment(job_id))
    return InvalidArgument("job: invalid namespace or id");
  const std::string what = "job " + ns + "/" + job_id;
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      Call(Authorized("GET", config_.endpoint + "/api/jobs/" + ns + "/" + job_id), what));
  auto parsed = ParseJobInfo(nlohmann::json::parse(r.body, nullptr, false));
  if (!parsed.ok()) return Status(Code::kRemote, what + ": " + parsed.status().message());
  if (parsed->owner.empty()) parsed->owner = ns;
  return parsed;
}

Status HubClient::CancelJob(const std::string& ns_in, const std::string& job_id) {
  SF_ASSIGN_OR_RETURN(std::string ns, ResolveNamespace(ns_in));
  if (!IsSafeSegment(ns) || !IsSafeSegment(job_id))
    return InvalidArgument("job: invalid namespace or id");
  auto r = Call(Authorized("POST", config_.endpoint + "/api/jobs/" + ns + "/" + job_id + "/cancel"),
                "cancel job " + ns + "/" + job_id);
  return r.ok() ? Status::Ok() : r.status();
}

Result<LogRead> HubClient::ReadJobLogs(const std::string& ns_in, const std::string& job_id,
                                       const LogOptions& options,
                                       const std::function<bool(const LogLine&)>& on_line) {
  SF_ASSIGN_OR_RETURN(std::string ns, ResolveNamespace(ns_in));
  if (!IsSafeSegment(ns) || !IsSafeSegment(job_id))
    return InvalidArgument("job: invalid namespace or id");
  std::string url = config_.endpoint + "/api/jobs/" + ns + "/" + job_id + "/logs";
  if (options.tail) url += "?tail=" + std::to_string(*options.tail);
  return ReadLogs(url, "logs of job " + ns + "/" + job_id, options, true, on_line);
}

}  // namespace sf::hub

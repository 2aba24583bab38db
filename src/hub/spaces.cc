// spaces.cc: Space runtime, hardware, sleep time, restart/pause, secrets and variables
// (hf-hub-api.md §6). None of these POSTs is retried automatically (hardware and restart requests
// are not idempotent from the user's point of view: billing, rebuilds).
#include "hub/hub.h"
#include "hub/internal.h"

namespace sf::hub {

using internal::GetString;

bool SpaceRuntime::IsTransitional() const {
  return stage == "BUILDING" || stage == "RUNNING_BUILDING" || stage == "APP_STARTING" ||
         stage == "RUNNING_APP_STARTING";
}

Result<SpaceRuntime> ParseSpaceRuntime(const nlohmann::json& j) {
  if (!j.is_object()) return ParseError("Space runtime: not a JSON object");
  SpaceRuntime rt;
  auto stage = GetString(j, "stage");
  if (!stage) return ParseError("Space runtime: no stage");
  rt.stage = *stage;
  if (j.contains("hardware") && j["hardware"].is_object()) {
    rt.hardware_current = GetString(j["hardware"], "current");
    rt.hardware_requested = GetString(j["hardware"], "requested");
  }
  rt.gc_timeout = internal::GetInt(j, "gcTimeout");
  rt.error_message = GetString(j, "errorMessage");
  rt.sha = GetString(j, "sha");
  if (j.contains("domains") && j["domains"].is_array())
    for (const auto& d : j["domains"])
      if (auto name = GetString(d, "domain")) rt.domains.push_back(*name);
  rt.raw = j;
  return rt;
}

namespace {

Status CheckSpaceId(const std::string& id) {
  if (!IsValidRepoId(id) || id.find('/') == std::string::npos)
    return InvalidArgument("invalid Space id \"" + id + "\" (expected owner/name)");
  return Status::Ok();
}

}  // namespace

Result<SpaceRuntime> HubClient::GetSpaceRuntime(const std::string& space_id) {
  SF_RETURN_IF_ERROR(CheckSpaceId(space_id));
  const std::string what = "Space " + space_id + " runtime";
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      Call(Authorized("GET", config_.endpoint + "/api/spaces/" + space_id + "/runtime"), what));
  auto parsed = ParseSpaceRuntime(nlohmann::json::parse(r.body, nullptr, false));
  if (!parsed.ok()) return Status(Code::kRemote, what + ": " + parsed.status().message());
  return parsed;
}

Result<std::string> HubClient::GetSpaceHost(const std::string& space_id) {
  SF_RETURN_IF_ERROR(CheckSpaceId(space_id));
  const std::string what = "Space " + space_id + " host";
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      Call(Authorized("GET", config_.endpoint + "/api/spaces/" + space_id + "/host"), what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("host") || !j["host"].is_string() ||
      !(j["host"].get<std::string>().starts_with("http://") ||
        j["host"].get<std::string>().starts_with("https://")))
    return Status(Code::kRemote, what + ": the answer has no http(s) \"host\"");
  std::string host = j["host"].get<std::string>();
  while (host.ends_with('/')) host.pop_back();
  return host;
}

Result<SpaceRuntime> HubClient::SpacePost(const std::string& space_id, const std::string& action,
                                          const nlohmann::json& body, std::string_view what) {
  SF_RETURN_IF_ERROR(CheckSpaceId(space_id));
  http::Request req =
      body.is_null()
          ? Authorized("POST", config_.endpoint + "/api/spaces/" + space_id + "/" + action)
          : JsonRequest("POST", config_.endpoint + "/api/spaces/" + space_id + "/" + action, body);
  SF_ASSIGN_OR_RETURN(http::Response r, Call(req, what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  auto parsed = ParseSpaceRuntime(j);
  if (!parsed.ok()) {
    // Some deployments answer {} or plain "OK"; the action succeeded, so read the runtime.
    return GetSpaceRuntime(space_id);
  }
  return parsed;
}

Result<SpaceRuntime> HubClient::RequestSpaceHardware(const std::string& space_id,
                                                     const std::string& flavor,
                                                     std::optional<std::int64_t> sleep_time) {
  nlohmann::json body = {{"flavor", flavor}};
  if (sleep_time) body["sleepTimeSeconds"] = *sleep_time;
  const std::string what = "request hardware " + flavor + " for Space " + space_id;
  auto r = SpacePost(space_id, "hardware", body, what);
  if (r.ok()) return r;
  const Status& st = r.status();
  if (st.code() == Code::kFailedPrecondition || st.code() == Code::kPermissionDenied) {
    std::string hint =
        flavor == "zero-a10g"
            ? " (ZeroGPU needs the Gradio SDK and free hosting slots: 2 on a free account, 10 on "
              "PRO; otherwise assign it by hand in the Space settings)"
            : " (paid hardware needs a payment method on the account: "
              "https://huggingface.co/settings/billing)";
    return Status(st.code(), st.message() + hint);
  }
  return r;
}

Result<SpaceRuntime> HubClient::SetSpaceSleepTime(const std::string& space_id,
                                                  std::int64_t seconds) {
  return SpacePost(space_id, "sleeptime", {{"seconds", seconds}},
                   "set sleep time of Space " + space_id);
}

Result<SpaceRuntime> HubClient::RestartSpace(const std::string& space_id, bool factory_reboot) {
  return SpacePost(space_id, factory_reboot ? "restart?factory=true" : "restart", nullptr,
                   "restart Space " + space_id);
}

Result<SpaceRuntime> HubClient::PauseSpace(const std::string& space_id) {
  return SpacePost(space_id, "pause", nullptr, "pause Space " + space_id);
}

Status HubClient::SpaceKeyValue(const std::string& space_id, const std::string& kind,
                                const std::string& method, const nlohmann::json& body,
                                std::string_view what, const std::vector<std::string>& secrets) {
  SF_RETURN_IF_ERROR(CheckSpaceId(space_id));
  auto r =
      Call(JsonRequest(method, config_.endpoint + "/api/spaces/" + space_id + "/" + kind, body),
           what, secrets);
  return r.ok() ? Status::Ok() : r.status();
}

Status HubClient::AddSpaceSecret(const std::string& space_id, const std::string& key,
                                 const std::string& value, const std::string& description) {
  if (key.empty()) return InvalidArgument("empty secret name");
  nlohmann::json body = {{"key", key}, {"value", value}};
  if (!description.empty()) body["description"] = description;
  return SpaceKeyValue(space_id, "secrets", "POST", body,
                       "add secret " + key + " to Space " + space_id, {value});
}

Status HubClient::DeleteSpaceSecret(const std::string& space_id, const std::string& key) {
  return SpaceKeyValue(space_id, "secrets", "DELETE", {{"key", key}},
                       "delete secret " + key + " of Space " + space_id, {});
}

Status HubClient::AddSpaceVariable(const std::string& space_id, const std::string& key,
                                   const std::string& value, const std::string& description) {
  if (key.empty()) return InvalidArgument("empty variable name");
  nlohmann::json body = {{"key", key}, {"value", value}};
  if (!description.empty()) body["description"] = description;
  return SpaceKeyValue(space_id, "variables", "POST", body,
                       "add variable " + key + " to Space " + space_id, {});
}

Status HubClient::DeleteSpaceVariable(const std::string& space_id, const std::string& key) {
  return SpaceKeyValue(space_id, "variables", "DELETE", {{"key", key}},
                       "delete variable " + key + " of Space " + space_id, {});
}

Result<std::map<std::string, std::string>> HubClient::GetSpaceVariables(
    const std::string& space_id) {
  SF_RETURN_IF_ERROR(CheckSpaceId(space_id));
  const std::string what = "variables of Space " + space_id;
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      Call(Authorized("GET", config_.endpoint + "/api/spaces/" + space_id + "/variables"), what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) return Status(Code::kRemote, what + ": unexpected answer");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_object()) {
      out[k] = GetString(v, "value").value_or("");
    } else if (v.is_string()) {
      out[k] = v.get<std::string>();
    }
  }
  return out;
}

// ---- logs (Spaces and Jobs share the SSE framing) ---------------------------------------------

Result<LogRead> HubClient::ReadLogs(const std::string& url, std::string_view what,
                                    const LogOptions& options, bool drop_job_banner,
                                    const std::function<bool(const LogLine&)>& on_line) {
  http::Request req = Authorized("GET", url);
  req.total_timeout = options.max_duration;
  req.idle_timeout = options.idle_timeout;
  LogRead out;
  bool got_bytes = false;
  bool stopped = false;
  http::SseParser parser;
  parser.set_on_comment([&](std::string_view) { got_bytes = true; });
  auto r = http::StreamSse(
      http_, req,
      [&](const http::SseEvent& ev) {
        got_bytes = true;
        if (ev.data.empty()) return true;  // keep-alive
        LogLine line;
        auto j = nlohmann::json::parse(ev.data, nullptr, false);
        if (j.is_object()) {
          line.text = GetString(j, "data").value_or("");
          line.timestamp = GetString(j, "timestamp").value_or("");
        } else {
          line.text = ev.data;  // tolerate plain-text frames
        }
        if (drop_job_banner && out.lines.empty() && line.text.rfind("===== Job started", 0) == 0)
          return true;
        while (!line.text.empty() && (line.text.back() == '\n' || line.text.back() == '\r'))
          line.text.pop_back();
        out.lines.push_back(line);
        if (on_line && !on_line(out.lines.back())) {
          stopped = true;
          return false;
        }
        if (out.lines.size() >= options.max_lines) {
          out.hit_line_limit = true;
          return false;
        }
        return true;
      },
      &parser);
  if (!r.ok()) {
    // A bounded read that ran into its time bound after the stream opened is a normal end.
    if (r.status().code() == Code::kTimeout && got_bytes) {
      out.timed_out = true;
      return out;
    }
    return Scrub(r.status().WithContext(what));
  }
  if (r->status != 0 && (r->status < 200 || r->status >= 300))
    return Scrub(StatusFromResponse(*r, what));
  (void)stopped;
  return out;
}

Result<LogRead> HubClient::ReadSpaceLogs(const std::string& space_id, LogKind kind,
                                         const LogOptions& options,
                                         const std::function<bool(const LogLine&)>& on_line) {
  SF_RETURN_IF_ERROR(CheckSpaceId(space_id));
  std::string k = kind == LogKind::kBuild ? "build" : "run";
  std::string url = config_.endpoint + "/api/spaces/" + space_id + "/logs/" + k;
  if (options.tail) url += "?tail=" + std::to_string(*options.tail);
  return ReadLogs(url, k + " logs of Space " + space_id, options, false, on_line);
}

}  // namespace sf::hub

// validate: the pipeline (resolve the Space's host, wait for RUNNING, CheckSpace, classify, write
// the run record) and the runtime wait it shares with the build's deploy steps.
#include "factory/validate.h"

#include <algorithm>
#include <cctype>
#include <thread>

namespace sf::factory {
namespace {

using nlohmann::json;
using runs::RunStatus;

std::string HostOf(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  std::string_view rest = url.substr(p + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string h(rest.substr(0, rest.rfind(':') == std::string_view::npos || rest.front() == '['
                                   ? rest.size()
                                   : rest.rfind(':')));
  std::transform(h.begin(), h.end(), h.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return h;
}

bool IsSimulator(const http::Response& r) {
  // `spacefactory sim` marks every answer (src/sim/sim.cc).
  return http::FindHeader(r.headers, "X-Spacefactory-Simulator").value_or("") == "1";
}

struct ResolvedHost {
  std::string host;
  bool simulated = false;
  std::string source;  // "/host", "space info"
};

// The app root of a Space: GET /api/spaces/{id}/host, else the `host` of the Space info.
Result<ResolvedHost> ResolveHost(http::HttpClient& http, const hub::HubConfig& cfg,
                                 const std::string& space_id) {
  auto get = [&](const std::string& path) {
    http::Request r;
    r.url = cfg.endpoint + path;
    r.headers.emplace_back("Accept", "application/json");
    if (cfg.token) r.headers.emplace_back("Authorization", "Bearer " + *cfg.token);
    return http.Send(r);
  };
  const std::string what = "Space " + space_id;
  ResolvedHost out;
  auto host = get("/api/spaces/" + space_id + "/host");
  if (!host.ok()) return host.status().WithContext("looking up " + what);
  out.simulated = IsSimulator(*host);
  if (host->status == 200) {
    json j = json::parse(host->body, nullptr, false);
    if (j.is_object() && j.contains("host") && j["host"].is_string()) {
      out.host = j["host"].get<std::string>();
      out.source = "/api/spaces/{id}/host";
    }
  }
  if (out.host.empty()) {
    auto info = get("/api/spaces/" + space_id);
    if (!info.ok()) return info.status().WithContext("looking up " + what);
    out.simulated = out.simulated || IsSimulator(*info);
    if (info->status < 200 || info->status >= 300) {
      Status s = hub::StatusFromResponse(*info, what);
      if (!cfg.token && (info->status == 401 || info->status == 404)) {
        s = Status(s.code(), s.message() + " (no HF token was given: a private Space needs one)");
      }
      return s;
    }
    json j = json::parse(info->body, nullptr, false);
    if (j.is_object() && j.contains("host") && j["host"].is_string()) {
      out.host = j["host"].get<std::string>();
      out.source = "space info";
    } else {
      return Status(Code::kRemote, "the Hub gives no host for " + what);
    }
  }
  while (!out.host.empty() && out.host.back() == '/') out.host.pop_back();
  if (out.host.rfind("http://", 0) != 0 && out.host.rfind("https://", 0) != 0) {
    out.host = "https://" + out.host;
  }
  return out;
}

void Sleep(const std::function<void(std::chrono::milliseconds)>& sleep,
           std::chrono::milliseconds d) {
  if (sleep)
    sleep(d);
  else
    std::this_thread::sleep_for(d);
}

bool IsFatalStage(const std::string& s) {
  return s == "PAUSED" || s == "BUILD_ERROR" || s == "RUNTIME_ERROR" || s == "CONFIG_ERROR" ||
         s == "NO_APP_FILE" || s == "DELETING";
}

}  // namespace

bool TokenAllowedFor(std::string_view url, std::string_view hub_endpoint) {
  const std::string h = HostOf(url);
  if (h.empty()) return false;
  if (h.size() > 9 && h.ends_with(".hf.space")) return true;
  return h == HostOf(hub_endpoint);
}

Result<SpaceWait> WaitForSpaceRunning(hub::HubClient& hub, http::HttpClient& http,
                                      const std::string& space_id, const Clock& clock,
                                      const SpaceWaitOptions& o) {
  SpaceWait w;
  const auto deadline = clock.Monotonic() + o.timeout;
  std::string last_reported;
  while (true) {
    auto rt = hub.GetSpaceRuntime(space_id);
    ++w.polls;
    if (!rt.ok()) return rt.status();
    w.stage = rt->stage;
    w.hardware = rt->hardware_current;
    if (o.progress && rt->stage != last_reported) {
      o.progress("wait", "Space " + space_id + " is " + rt->stage);
      last_reported = rt->stage;
    }
    if (rt->stage == "RUNNING") {
      w.running = true;
      return w;
    }
    if (IsFatalStage(rt->stage)) {
      w.error = rt->stage == "PAUSED" ? "the Space is paused by its owner (restart it in Settings)"
                                      : "the Space is in " + rt->stage;
      if (rt->error_message && !rt->error_message->empty()) w.error += ": " + *rt->error_message;
      if (rt->stage != "PAUSED" && rt->stage != "DELETING") {
        const hub::LogKind kind =
            rt->stage == "RUNTIME_ERROR" ? hub::LogKind::kRun : hub::LogKind::kBuild;
        hub::LogOptions lo;
        lo.max_lines = 400;
        lo.max_duration = std::chrono::milliseconds(10'000);
        lo.idle_timeout = std::chrono::milliseconds(2'000);
        auto logs = hub.ReadSpaceLogs(space_id, kind, lo);
        if (logs.ok()) {
          std::string text;
          for (const auto& l : logs->lines) text += l.text + "\n";
          const std::size_t n = logs->lines.size();
          for (std::size_t i = n > 20 ? n - 20 : 0; i < n; ++i) {
            w.log_tail.push_back(logs->lines[i].text);
          }
          if (o.store && !o.run_id.empty()) {
            const std::string path = std::string("artifacts/space-") +
                                     (kind == hub::LogKind::kRun ? "run" : "build") + ".log";
            if (o.store->WriteRunFile(o.run_id, path, text).ok()) w.log_artifact = path;
          }
        } else {
          w.log_tail.push_back("(the logs could not be read: " + logs.status().message() + ")");
        }
      }
      return w;
    }
    if ((rt->stage == "SLEEPING" || rt->stage == "STOPPED") && !o.wake_url.empty()) {
      // A request to the app wakes it; the answer (platform HTML) does not matter.
      http::Request wake;
      wake.url = o.wake_url;
      wake.total_timeout = std::chrono::milliseconds(10'000);
      if (!o.token.empty()) wake.headers.emplace_back("Authorization", "Bearer " + o.token);
      (void)http.Send(wake);
    }
    if (clock.Monotonic() + o.poll_interval > deadline) {
      w.timed_out = true;
      w.error = "the Space did not reach RUNNING within " +
                std::to_string(o.timeout.count() / 1000) + " s (last stage " + rt->stage + ")";
      return w;
    }
    Sleep(o.sleep, o.poll_interval);
  }
}

std::string RenderValidateReport(const json& state) {
  std::string r = RenderReport(state);
  // The build report's card row means nothing for a validate run.
  if (auto p = r.find("| Card source | `` |\n"); p != std::string::npos) r.erase(p, 21);
  std::string extra;
  if (state.contains("space_id") || state.contains("space_url")) {
    extra += "## Space\n\n| | |\n|---|---|\n";
    if (auto id = state.value("space_id", ""); !id.empty()) extra += "| Space | `" + id + "` |\n";
    extra += "| App URL | " + state.value("space_url", std::string("(not resolved)")) + " |\n";
    if (state.contains("runtime")) {
      const json& rt = state["runtime"];
      extra += "| Stage | " + rt.value("stage", std::string("?")) + " |\n";
      if (rt.contains("hardware") && rt["hardware"].is_string())
        extra += "| Hardware | `" + rt["hardware"].get<std::string>() + "` |\n";
    }
    extra += "\n";
  }
  if (state.contains("log_tail") && state["log_tail"].is_array() && !state["log_tail"].empty()) {
    extra += "## Space log (last lines)\n\n```\n";
    for (const auto& l : state["log_tail"])
      if (l.is_string()) extra += l.get<std::string>() + "\n";
    extra += "```\n";
    if (auto f = state.value("log_file", ""); !f.empty()) extra += "\nFull log: `" + f + "`\n";
    extra += "\n";
  }
  if (state.contains("evidence") && state["evidence"].is_array() && !state["evidence"].empty()) {
    extra += "## Evidence\n\n";
    for (const auto& e : state["evidence"])
      if (e.is_string()) extra += "- " + e.get<std::string>() + "\n";
    extra += "\n";
  }
  if (state.contains("validation")) extra += RenderValidationSection(state["validation"]);
  auto links = r.find("## Links");
  if (links == std::string::npos) return r + "\n" + extra;
  r.insert(links, extra);
  return r;
}

Result<ValidateOutcome> Validate(const ValidateOptions& o, Deps& deps) {
  if (o.space_id.empty() == o.url.empty())
    return InvalidArgument("validate: give either a SPACE_ID (owner/name) or --url URL");
  if (!o.space_id.empty() &&
      (!hub::IsValidRepoId(o.space_id) || o.space_id.find('/') == std::string::npos))
    return InvalidArgument("validate: not a Space id (owner/name): " + o.space_id);
  if (!o.url.empty() && o.url.rfind("http://", 0) != 0 && o.url.rfind("https://", 0) != 0)
    return InvalidArgument("validate: --url must be an http:// or https:// URL: " + o.url);
  if (o.repeats < 0 || o.repeats > 100)
    return InvalidArgument("validate: --repeats must be between 0 and 100");
  if (deps.http == nullptr) return InvalidArgument("validate: networking is disabled");

  const hub::HubConfig cfg = hub::ConfigFromEnv(deps.env, deps.fs);
  const std::string input = o.space_id.empty() ? o.url : o.space_id;
  const std::string id = MakeRunId(deps.clock.Now(), deps.random ? deps.random() : 0);
  SF_RETURN_IF_ERROR(deps.store.CreateRun(id, "validate", input, json::object()));
  SF_ASSIGN_OR_RETURN(json state, deps.store.ReadState(id));
  state["steps"] = json::object();
  state["links"] = {{"run_dir", deps.store.RunDir(id)}};
  if (!o.space_id.empty()) {
    state["space_id"] = o.space_id;
    state["links"]["space"] = cfg.endpoint + "/spaces/" + o.space_id;
    state["links"]["space_settings"] = cfg.endpoint + "/spaces/" + o.space_id + "/settings";
  } else {
    state["links"]["space"] = o.url;
  }
  auto progress = [&](std::string_view step, std::string_view message) {
    if (deps.progress) deps.progress(step, message);
  };
  ValidateOutcome out;
  out.run_id = id;
  out.run_dir = deps.store.RunDir(id);
  out.report_path = out.run_dir + "/report.md";

  // Every outcome ends here: state.json, report.md, the final event.
  auto finish = [&](const Classification& c) -> Result<ValidateOutcome> {
    state["status"] = std::string(runs::StatusName(c.status));
    state["reason"] = c.reason;
    state["evidence"] = c.evidence;
    state["finished_at"] = FormatIso8601(deps.clock.Now());
    SF_RETURN_IF_ERROR(deps.store.WriteState(id, state));
    SF_ASSIGN_OR_RETURN(state, deps.store.ReadState(id));
    SF_RETURN_IF_ERROR(deps.store.WriteRunFile(id, "report.md", RenderValidateReport(state)));
    SF_RETURN_IF_ERROR(deps.store.AppendEvent(id, "run_finished",
                                              {{"status", state["status"]}, {"reason", c.reason}}));
    out.status = c.status;
    out.state = state;
    return out;
  };
  auto fail = [&](const std::string& reason) {
    Classification c;
    c.reason = reason;
    return finish(c);
  };
  auto step = [&](const std::string& name, auto&& body) -> Status {
    SF_RETURN_IF_ERROR(deps.store.StepStarted(id, name));
    const auto start = deps.clock.Monotonic();
    json output = body();
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deps.clock.Monotonic() - start);
    state["steps"][name] = {{"duration_ms", ms.count()}};
    SF_RETURN_IF_ERROR(deps.store.StepDone(id, name, output));
    return deps.store.WriteState(id, state);
  };

  std::string base_url = o.url;
  std::string token;
  bool simulated = false;
  if (!o.space_id.empty()) {
    token = cfg.token.value_or("");
    hub::HubClient hub(*deps.http, cfg);
    Status resolve_error;
    SF_RETURN_IF_ERROR(step("resolve_host", [&]() -> json {
      progress("resolve", "looking up the host of " + o.space_id + " on " + cfg.endpoint);
      auto resolved = ResolveHost(*deps.http, cfg, o.space_id);
      if (!resolved.ok()) {
        resolve_error = resolved.status();
        return {{"error", resolve_error.message()}};
      }
      base_url = resolved->host;
      simulated = resolved->simulated;
      return {{"host", base_url}, {"source", resolved->source}, {"simulated", simulated}};
    }));
    state["simulated"] = simulated;
    if (!resolve_error.ok()) {
      out.remote_unreachable =
          resolve_error.code() == Code::kUnavailable || resolve_error.code() == Code::kTimeout;
      return fail(resolve_error.message());
    }
    state["space_url"] = base_url;

    SpaceWait wait;
    Status wait_error;
    SF_RETURN_IF_ERROR(step("wait_runtime", [&]() -> json {
      SpaceWaitOptions wo;
      wo.timeout = o.wait_timeout;
      wo.poll_interval = o.poll_interval;
      wo.wake_url = base_url + "/config";
      wo.token = token;
      wo.store = &deps.store;
      wo.run_id = id;
      wo.sleep = o.sleep ? o.sleep : deps.sleep;
      wo.progress = deps.progress;
      auto w = WaitForSpaceRunning(hub, *deps.http, o.space_id, deps.clock, wo);
      if (!w.ok()) {
        wait_error = w.status();
        return {{"error", wait_error.message()}};
      }
      wait = *w;
      return {{"stage", wait.stage}, {"polls", wait.polls}, {"timed_out", wait.timed_out}};
    }));
    if (!wait_error.ok()) {
      out.remote_unreachable =
          wait_error.code() == Code::kUnavailable || wait_error.code() == Code::kTimeout;
      return fail("cannot read the runtime of " + o.space_id + ": " + wait_error.message());
    }
    state["runtime"] = {{"stage", wait.stage}};
    if (wait.hardware) state["runtime"]["hardware"] = *wait.hardware;
    if (!wait.running) {
      state["log_tail"] = wait.log_tail;
      if (!wait.log_artifact.empty()) state["log_file"] = wait.log_artifact;
      std::string reason = wait.error;
      if (!wait.log_tail.empty()) reason += " — last log line: " + wait.log_tail.back();
      return fail(reason);
    }
  } else {
    if (TokenAllowedFor(o.url, cfg.endpoint)) token = cfg.token.value_or("");
    state["space_url"] = base_url;
  }

  SpaceCheck check;
  SF_RETURN_IF_ERROR(step("check", [&]() -> json {
    SpaceCheckOptions co;
    co.base_url = base_url;
    co.token = token;
    co.endpoint = o.endpoint;
    co.repeats = o.repeats;
    co.call_timeout = o.call_timeout;
    co.expected_kind = o.expected_kind;
    co.store = &deps.store;
    co.run_id = id;
    co.progress = deps.progress;
    auto r = CheckSpace(co, *deps.http);
    if (r.ok()) check = std::move(r).value();
    json j = check.ToJson();
    return {{"gate_passed", j["gate_passed"]},
            {"calls_ok", j["calls_ok"]},
            {"placeholder", j["placeholder"]},
            {"failure_stage", j.value("failure_stage", "")}};
  }));
  for (const auto& c : check.calls) {
    json ev = {{"index", c.index}, {"ok", c.ok}, {"latency_ms", c.latency_ms}};
    if (c.failure != CallFailure::kNone) ev["failure"] = std::string(CallFailureName(c.failure));
    SF_RETURN_IF_ERROR(deps.store.AppendEvent(id, "validate_call", ev));
  }
  simulated = simulated || check.served_by_simulator;
  state["simulated"] = simulated;
  state["validation"] = check.ToJson();
  out.remote_unreachable = out.remote_unreachable || check.unreachable;
  return finish(ClassifyCheck(check, /*inference_path_known=*/false));
}

}  // namespace sf::factory

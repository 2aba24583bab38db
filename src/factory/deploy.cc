// The deploy steps of the build pipeline (DESIGN.md §4), each journaled and safe to resume:
//
//   deploy_target   whoami → namespace, the Space id (model name + run id suffix), simulated flag
//   create_space    POST /api/repos/create, always private; a 409 is reused only when the Hub says
//                   the Space is ours and its name carries this run's suffix
//   commit_base     the Space's head commit before our upload (the initial commit)
//   commit          one commit with the generated files, parentCommit = commit_base. On resume, a
//                   head that moved past commit_base means our commit landed before the crash, so
//                   it is never sent twice
//   hardware        ZeroGPU (zero-a10g) first, then --fallback-hardware; refusals → the Hub's
//   reason wait_runtime    poll the runtime until RUNNING (errors → logs into the run), resolve the
//   host health_gate     /health, /config, {P}/info, the generation endpoint (CheckSpace, no call)
//   smoke           with --smoke: one generation call and the output type (CheckSpace, 1 call)
#include <algorithm>
#include <cctype>
#include <thread>

#include "factory/internal.h"
#include "factory/validate.h"

namespace sf::factory::internal {
namespace {

constexpr std::string_view kZeroGpuFlavor = "zero-a10g";

void Sleep(Deps& deps, std::chrono::milliseconds d) {
  if (deps.sleep)
    deps.sleep(d);
  else
    std::this_thread::sleep_for(d);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsFatalStage(const std::string& stage) {
  return stage == "BUILD_ERROR" || stage == "RUNTIME_ERROR" || stage == "CONFIG_ERROR" ||
         stage == "NO_APP_FILE" || stage == "DELETING" || stage == "PAUSED";
}

std::string Tail(const std::vector<hub::LogLine>& lines, std::size_t n) {
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += lines[i].text + "\n";
  return out;
}

struct Context {
  const BuildOptions& options;
  const spacegen::GeneratedSpace& space;
  RunRecorder& rec;
  Deps& deps;
  hub::HubConfig config;
  hub::HubClient& hub;
};

// Runs `step` once: a journaled output from an earlier process is returned as is.
template <typename Fn>
Result<json> Once(Context& c, std::string_view step, Fn&& fn) {
  SF_ASSIGN_OR_RETURN(auto done, c.rec.Completed(step));
  if (done) return *done;
  SF_RETURN_IF_ERROR(c.rec.Begin(step));
  std::string message;
  SF_ASSIGN_OR_RETURN(json output, fn(message));
  c.rec.Applied(step);
  SF_RETURN_IF_ERROR(c.rec.Done(step, output, message));
  return output;
}

Result<json> DeployTarget(Context& c) {
  return Once(c, "deploy_target", [&](std::string& message) -> Result<json> {
    SF_ASSIGN_OR_RETURN(hub::WhoAmI me, c.hub.Whoami());
    std::string model = c.rec.state().value("model_id", c.space.model_id);
    std::string id = me.name + "/" + SpaceNameFor(model, c.rec.id());
    message = "Space " + id + (me.simulator ? " (simulator)" : "");
    return json{{"space_id", id}, {"namespace", me.name}, {"simulated", me.simulator}};
  });
}

Result<json> CreateSpace(Context& c, const std::string& space_id) {
  return Once(c, "create_space", [&](std::string& message) -> Result<json> {
    hub::CreateRepoOptions create;
    create.type = hub::RepoType::kSpace;
    create.repo_id = space_id;
    create.is_private = true;  // never public, whatever the input
    create.sdk = "gradio";
    hub::RepoConflict conflict;
    auto created = c.hub.CreateRepo(create, &conflict);
    if (created.ok()) {
      message = "created private Space " + created->repo_id;
      return json{{"space_id", created->repo_id}, {"url", created->url}, {"reused", false}};
    }
    if (created.status().code() != Code::kAlreadyExists) return created.status();
    // A 409 after a crash between the create and its journal entry: ours only when the Hub says
    // we created it (the name carries this run's suffix), and only while it is private.
    if (!conflict.ours)
      return Status(Code::kAlreadyExists,
                    "Space " + space_id + " already exists and was not created by this account");
    if (conflict.is_private != true)
      return Status(Code::kFailedPrecondition,
                    "Space " + space_id + " exists but is not private; refusing to upload to it");
    message = "reusing private Space " + space_id + " created by this run";
    return json{{"space_id", space_id}, {"url", conflict.url}, {"reused", true}};
  });
}

Result<json> Commit(Context& c, const std::string& space_id) {
  SF_ASSIGN_OR_RETURN(json base, Once(c, "commit_base", [&](std::string& message) -> Result<json> {
                        SF_ASSIGN_OR_RETURN(hub::RepoInfo info,
                                            c.hub.GetRepoInfo(hub::RepoType::kSpace, space_id));
                        if (!info.sha)
                          return Status(Code::kRemote, "Space " + space_id + " has no head commit");
                        message = "head " + info.sha->substr(0, 12);
                        return json{{"parent", *info.sha}};
                      }));
  const std::string parent = base.value("parent", "");
  return Once(c, "commit", [&](std::string& message) -> Result<json> {
    // Resumed after a crash mid-commit? Nobody else writes to this fresh private Space, so a head
    // that moved past the base is our commit.
    SF_ASSIGN_OR_RETURN(hub::RepoInfo info, c.hub.GetRepoInfo(hub::RepoType::kSpace, space_id));
    if (info.sha && *info.sha != parent) {
      message = "commit " + info.sha->substr(0, 12) + " was already applied";
      return json{{"commit", *info.sha}, {"recovered", true}};
    }
    hub::CommitOptions commit;
    commit.type = hub::RepoType::kSpace;
    commit.repo_id = space_id;
    commit.summary = "Space Factory: Space for " + c.space.model_id;
    commit.description = "Generated by spacefactory run " + c.rec.id() + " (template agent).";
    commit.parent_commit = parent;
    for (const auto& f : c.space.files) commit.files.push_back({f.path, f.content});
    SF_ASSIGN_OR_RETURN(hub::CommitResult result, c.hub.Commit(commit));
    message = "commit " + result.commit_oid.substr(0, 12) + ", " +
              std::to_string(commit.files.size()) + " files";
    return json{{"commit", result.commit_oid},
                {"commit_url", result.commit_url},
                {"files", commit.files.size()},
                {"recovered", false}};
  });
}

// The hardware the Space runs on. A refusal is not an error of the run: it becomes
// manual_hardware_required with the Hub's words.
Result<json> Hardware(Context& c, const std::string& space_id) {
  return Once(c, "hardware", [&](std::string& message) -> Result<json> {
    if (!c.space.zero_gpu) {
      message = "cpu-basic (no GPU needed)";
      return json{{"requested", "cpu-basic"}, {"granted", "cpu-basic"}};
    }
    json attempts = json::array();
    std::vector<std::string> flavors = {std::string(kZeroGpuFlavor)};
    if (!c.options.fallback_hardware.empty()) flavors.push_back(c.options.fallback_hardware);
    for (const auto& flavor : flavors) {
      auto r = c.hub.RequestSpaceHardware(space_id, flavor);
      if (r.ok()) {
        attempts.push_back({{"flavor", flavor}, {"granted", true}});
        message = "granted " + flavor;
        return json{{"requested", flavor}, {"granted", flavor}, {"attempts", attempts}};
      }
      Code code = r.status().code();
      if (code == Code::kUnavailable || code == Code::kTimeout) return r.status();
      attempts.push_back(
          {{"flavor", flavor}, {"granted", false}, {"reason", r.status().message()}});
    }
    message = "refused: " + attempts.back().value("reason", "");
    return json{{"requested", flavors.front()}, {"granted", nullptr}, {"attempts", attempts}};
  });
}

// Polls the runtime until RUNNING or a fatal stage; logs of a failed Space go into the run.
Result<json> WaitRuntime(Context& c, const std::string& space_id) {
  return Once(c, "wait_runtime", [&](std::string& message) -> Result<json> {
    const auto start = c.deps.clock.Monotonic();
    std::string last_stage;
    for (;;) {
      auto rt = c.hub.GetSpaceRuntime(space_id);
      if (!rt.ok()) return rt.status();
      if (rt->stage != last_stage && c.deps.progress)
        c.deps.progress("wait_runtime", "stage " + rt->stage);
      last_stage = rt->stage;
      if (rt->stage == "RUNNING") {
        std::string url;
        auto host = c.hub.GetSpaceHost(space_id);
        url = host.ok() ? *host : SpaceUrlFallback(space_id);
        message = "RUNNING at " + url;
        return json{{"stage", "RUNNING"},
                    {"hardware", rt->hardware_current.value_or("")},
                    {"space_url", url}};
      }
      if (IsFatalStage(rt->stage)) {
        json out = {{"stage", rt->stage}, {"error", rt->error_message.value_or("")}};
        hub::LogKind kind = rt->stage == "BUILD_ERROR" ? hub::LogKind::kBuild : hub::LogKind::kRun;
        hub::LogOptions log_options;
        log_options.max_duration = std::chrono::seconds(10);
        log_options.tail = 200;
        auto logs = c.hub.ReadSpaceLogs(space_id, kind, log_options);
        if (logs.ok()) {
          std::string file = kind == hub::LogKind::kBuild ? "build.log" : "run.log";
          std::string all = Tail(logs->lines, logs->lines.size());
          SF_RETURN_IF_ERROR(c.deps.store.WriteRunFile(c.rec.id(), "artifacts/" + file, all));
          out["log_file"] = "artifacts/" + file;
          out["log_tail"] = Tail(logs->lines, 20);
        } else {
          out["log_error"] = logs.status().message();
        }
        message = "Space stage " + rt->stage;
        return out;
      }
      if (c.deps.clock.Monotonic() - start >= c.options.runtime_timeout) {
        message = "timed out in stage " + rt->stage;
        return json{{"stage", rt->stage}, {"timed_out", true}};
      }
      Sleep(c.deps, c.options.poll_interval);
    }
  });
}

// CheckSpace as a journaled step: the gate (repeats 0) or the smoke test (repeats 1).
Result<json> CheckStep(Context& c, std::string_view step, const std::string& url, int repeats) {
  return Once(c, step, [&](std::string& message) -> Result<json> {
    SpaceCheckOptions check;
    check.base_url = url;
    check.token = c.config.token.value_or("");
    check.endpoint = "generate";
    check.repeats = repeats;
    check.call_timeout = c.options.call_timeout;
    if (repeats > 0) {
      check.store = &c.deps.store;
      check.run_id = c.rec.id();
    }
    check.progress = c.deps.progress;
    SF_ASSIGN_OR_RETURN(SpaceCheck result, CheckSpace(check, *c.deps.http));
    json j = result.ToJson();
    Classification cls = ClassifyCheck(result, /*inference_path_known=*/true);
    j["classification"] = {{"status", std::string(runs::StatusName(cls.status))},
                           {"reason", cls.reason},
                           {"evidence", cls.evidence}};
    message = std::string(runs::StatusName(cls.status)) + ": " + cls.reason;
    return j;
  });
}

Verdict VerdictOf(const json& check) {
  const json& cls = check.value("classification", json::object());
  auto status = runs::StatusFromName(cls.value("status", "failed")).value_or(RunStatus::kFailed);
  return {status, cls.value("reason", "")};
}

}  // namespace

std::string SpaceNameFor(const std::string& model_id, const std::string& run_id) {
  std::string model =
      model_id.substr(model_id.find('/') == std::string::npos ? 0 : model_id.find('/') + 1);
  std::string name;
  for (char ch : Lower(model)) {
    bool ok = std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    name += ok ? ch : '-';
  }
  if (name.size() > 60) name.resize(60);
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  if (name.empty()) name = "space";
  // "20261124T071500Z-3fa2" → "sf-3fa2": short, and tells this run's Space from others.
  return name + "-sf-" + run_id.substr(run_id.size() - 4);
}

std::string SpaceUrlFallback(const std::string& space_id) {
  std::string sub;
  for (char ch : Lower(space_id)) sub += (ch == '/' || ch == '_' || ch == '.') ? '-' : ch;
  return "https://" + sub + ".hf.space";
}

Result<Verdict> RunDeploySteps(const BuildOptions& options, const spacegen::GeneratedSpace& space,
                               RunRecorder& rec) {
  Deps& deps = rec.deps();
  hub::HubConfig config = hub::ConfigFromEnv(deps.env, deps.fs);
  hub::HubClient hub(*deps.http, config);
  Context c{options, space, rec, deps, config, hub};
  json& state = rec.state();

  SF_ASSIGN_OR_RETURN(json target, DeployTarget(c));
  const std::string space_id = target.value("space_id", "");
  state["simulated"] = target.value("simulated", false);
  state["space_id"] = space_id;
  state["links"]["space"] = config.endpoint + "/spaces/" + space_id;
  state["links"]["space_settings"] = config.endpoint + "/spaces/" + space_id + "/settings";

  SF_ASSIGN_OR_RETURN(json created, CreateSpace(c, space_id));
  state["deploy"]["create"] = created;
  SF_ASSIGN_OR_RETURN(json committed, Commit(c, space_id));
  state["deploy"]["commit"] = committed;

  SF_ASSIGN_OR_RETURN(json hardware, Hardware(c, space_id));
  state["deploy"]["hardware"] = hardware;
  if (hardware["granted"].is_null()) {
    std::string why;
    for (const auto& a : hardware.value("attempts", json::array()))
      why += (why.empty() ? "" : "; ") + a.value("flavor", "") + ": " + a.value("reason", "");
    return Verdict{RunStatus::kManualHardwareRequired,
                   "the Space is uploaded, but the Hub refused GPU hardware (" + why +
                       "); assign it in the Space settings" +
                       (options.fallback_hardware.empty()
                            ? ", or allow a fixed GPU with --fallback-hardware FLAVOR"
                            : "")};
  }

  SF_ASSIGN_OR_RETURN(json runtime, WaitRuntime(c, space_id));
  state["deploy"]["runtime"] = runtime;
  const std::string stage = runtime.value("stage", "");
  if (stage != "RUNNING") {
    if (runtime.value("timed_out", false))
      return Verdict{RunStatus::kFailed, "the Space did not reach RUNNING within " +
                                             std::to_string(options.runtime_timeout.count()) +
                                             " s (last stage " + stage + ")"};
    std::string why = "the Space ended in " + stage;
    if (auto e = runtime.value("error", ""); !e.empty()) why += ": " + e;
    if (runtime.contains("log_file")) why += " (logs in " + runtime.value("log_file", "") + ")";
    return Verdict{RunStatus::kFailed, why};
  }
  const std::string url = runtime.value("space_url", "");
  state["space_url"] = url;

  SF_ASSIGN_OR_RETURN(json gate, CheckStep(c, "health_gate", url, 0));
  state["validation"] = gate;
  Verdict verdict = VerdictOf(gate);
  if (!options.smoke || verdict.first != RunStatus::kFullInferenceCandidateHealthPassed)
    return verdict;
  SF_ASSIGN_OR_RETURN(json smoke, CheckStep(c, "smoke", url, 1));
  state["validation"] = smoke;
  return VerdictOf(smoke);
}

}  // namespace sf::factory::internal

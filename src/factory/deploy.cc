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

#include "factory/internal.h"
#include "factory/validate.h"

namespace sf::factory::internal {
namespace {

constexpr std::string_view kZeroGpuFlavor = "zero-a10g";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
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

// Waits for RUNNING (validate.h's WaitForSpaceRunning: logs of a failed Space go into the run) and
// resolves the app's URL through the Hub.
Result<json> WaitRuntime(Context& c, const std::string& space_id) {
  return Once(c, "wait_runtime", [&](std::string& message) -> Result<json> {
    SpaceWaitOptions wait;
    wait.timeout = c.options.runtime_timeout;
    wait.poll_interval = c.options.poll_interval;
    wait.token = c.config.token.value_or("");
    wait.store = &c.deps.store;
    wait.run_id = c.rec.id();
    wait.sleep = c.deps.sleep;
    wait.progress = c.deps.progress;
    SF_ASSIGN_OR_RETURN(SpaceWait w,
                        WaitForSpaceRunning(c.hub, *c.deps.http, space_id, c.deps.clock, wait));
    json out = {{"stage", w.stage}, {"hardware", w.hardware.value_or("")}, {"polls", w.polls}};
    if (!w.running) {
      out["error"] = w.error;
      out["timed_out"] = w.timed_out;
      if (!w.log_artifact.empty()) out["log_file"] = w.log_artifact;
      std::string tail;
      for (const auto& line : w.log_tail) tail += line + "\n";
      if (!tail.empty()) out["log_tail"] = tail;
      message = w.error;
      return out;
    }
    auto host = c.hub.GetSpaceHost(space_id);
    std::string url = host.ok() ? *host : SpaceUrlFallback(space_id);
    out["space_url"] = url;
    message = "RUNNING at " + url;
    return out;
  });
}

// CheckSpace as a journaled step: the gate (repeats 0) or the smoke test (repeats 1).
Result<json> CheckStep(Context& c, std::string_view step, const std::string& url, int repeats) {
  return Once(c, step, [&](std::string& message) -> Result<json> {
    SpaceCheckOptions check;
    check.base_url = url;
    check.token = c.config.token.value_or("");
    // No --endpoint: discovery picks the one named "generate", which every generated app has.
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
    std::string why = runtime.value("error", "the Space did not reach RUNNING (" + stage + ")");
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

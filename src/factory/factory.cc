#include "factory/factory.h"

#include <unistd.h>

#include <chrono>

#include "factory/internal.h"
#include "hub/hub.h"

namespace sf::factory {

using nlohmann::json;
using runs::RunStatus;

Result<CardInput> LoadCard(const BuildOptions& options, FileSystem& fs, const Env& env,
                           http::HttpClient* http) {
  if (options.card_text) {
    CardInput in{*options.card_text, "embedded", {}};
    in.facts.model_id = options.model_id;
    return in;
  }
  const std::string& input = options.input;
  if (input.empty()) return InvalidArgument("no input: give a README.md path, a model id or a URL");
  if (fs.Exists(input)) {
    if (fs.IsDirectory(input))
      return InvalidArgument(input + " is a directory; pass the model card file (README.md)");
    SF_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(input, 64u << 20));
    CardInput in{std::move(text), "file:" + input, {}};
    in.facts.model_id = options.model_id;
    return in;
  }
  hub::HubConfig config = hub::ConfigFromEnv(env, fs);
  auto model_id = hub::ParseModelReference(input, config.endpoint);
  if (!model_id)
    return NotFound(input + ": no such file, and not a model id (owner/name) or Hub model URL");
  if (http == nullptr) return Unavailable("cannot fetch " + *model_id + ": networking is disabled");
  hub::HubClient client(*http, config);
  auto info = client.GetModelInfo(*model_id);
  if (!info.ok()) {
    if (info.status().code() == Code::kUnavailable || info.status().code() == Code::kTimeout)
      return Status(info.status().code(),
                    "cannot reach the Hub at " + config.endpoint + ": " + info.status().message());
    return info.status();
  }
  auto text = client.DownloadFile(*model_id, "README.md");
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound)
      return NotFound(*model_id + " has no model card (README.md)");
    return text.status();
  }
  CardInput in{std::move(text).value(), "hub:" + *model_id, {}};
  in.facts.model_id = info->id;
  std::uint64_t weight_bytes = 0;
  bool sized = false;
  for (const auto& f : info->files) {
    in.facts.files.push_back(f.path);
    static constexpr std::string_view kWeightExt[] = {".safetensors", ".bin",  ".gguf", ".pt",
                                                      ".pth",         ".ckpt", ".onnx", ".h5"};
    for (auto ext : kWeightExt) {
      if (f.path.size() > ext.size() && f.path.ends_with(ext) && f.size) {
        weight_bytes += *f.size;
        sized = true;
      }
    }
  }
  if (sized) in.facts.total_weight_bytes = weight_bytes;
  return in;
}

namespace {

using internal::RunRecorder;
using internal::Verdict;

json OptionsToJson(const BuildOptions& o) {
  json j = {{"input", o.input},
            {"dry_run", o.dry_run},
            {"gpu_duration_seconds", o.gpu_duration_seconds},
            {"model_id", o.model_id},
            {"fallback_hardware", o.fallback_hardware},
            {"smoke", o.smoke},
            {"runtime_timeout_s", o.runtime_timeout.count()},
            {"poll_interval_ms", o.poll_interval.count()},
            {"call_timeout_s", o.call_timeout.count()}};
  if (o.hardware) j["hardware"] = std::string(card::HardwareName(*o.hardware));
  return j;
}

BuildOptions OptionsFromJson(const json& j) {
  BuildOptions o;
  o.input = j.value("input", "");
  o.dry_run = j.value("dry_run", false);
  o.gpu_duration_seconds = j.value("gpu_duration_seconds", 60);
  o.model_id = j.value("model_id", "");
  o.fallback_hardware = j.value("fallback_hardware", "");
  o.smoke = j.value("smoke", false);
  o.runtime_timeout = std::chrono::seconds(j.value("runtime_timeout_s", 900));
  o.poll_interval = std::chrono::milliseconds(j.value("poll_interval_ms", 2000));
  o.call_timeout = std::chrono::seconds(j.value("call_timeout_s", 300));
  std::string hw = j.value("hardware", "");
  if (hw == "cpu-basic") o.hardware = card::Hardware::kCpuBasic;
  if (hw == "zero-a10g") o.hardware = card::Hardware::kZeroGpu;
  return o;
}

json FactsToJson(const card::RepoFacts& f) {
  json j = {{"model_id", f.model_id}, {"files", f.files}};
  if (f.total_weight_bytes) j["total_weight_bytes"] = *f.total_weight_bytes;
  return j;
}

card::RepoFacts FactsFromJson(const json& j) {
  card::RepoFacts f;
  f.model_id = j.value("model_id", "");
  f.files = j.value("files", std::vector<std::string>{});
  if (j.contains("total_weight_bytes")) f.total_weight_bytes = j["total_weight_bytes"];
  return f;
}

// The pipeline proper, once the run exists. Returns the terminal status and its reason; a non-ok
// Status is an internal failure the caller records as `failed`.
Result<Verdict> RunPipeline(const BuildOptions& options, const card::ParsedCard& parsed,
                            const card::RepoFacts& facts, RunRecorder& rec) {
  spacegen::GeneratedSpace space;
  SF_ASSIGN_OR_RETURN(auto local, internal::RunLocalSteps(options, parsed, facts, rec, &space));
  if (local) return *local;

  Deps& deps = rec.deps();
  if (options.dry_run)
    return Verdict{RunStatus::kGeneratedOnly,
                   "--dry-run: files generated and checked, nothing deployed"};
  if (!hub::ConfigFromEnv(deps.env, deps.fs).token)
    return Verdict{RunStatus::kGeneratedOnly,
                   "no HF token: files generated and checked, nothing deployed"};
  if (deps.http == nullptr)
    return Verdict{RunStatus::kGeneratedOnly,
                   "networking is disabled: files generated and checked, nothing deployed"};
  return internal::RunDeploySteps(options, space, rec);
}

Result<BuildOutcome> Drive(const BuildOptions& options, const card::ParsedCard& parsed,
                           const card::RepoFacts& facts, RunRecorder& rec) {
  Deps& deps = rec.deps();
  auto result = RunPipeline(options, parsed, facts, rec);
  RunStatus status;
  std::string reason;
  if (result.ok()) {
    std::tie(status, reason) = std::move(result).value();
  } else {
    status = RunStatus::kFailed;
    reason = "error: " + result.status().message();
    rec.state()["error"] = result.status().ToString();
  }
  Status finished = rec.Finish(status, reason);
  if (!finished.ok()) return finished.WithContext("cannot record the end of run " + rec.id());

  BuildOutcome out;
  out.run_id = rec.id();
  out.status = status;
  out.run_dir = deps.store.RunDir(rec.id());
  out.report_path = out.run_dir + "/report.md";
  out.state = rec.state();
  return out;
}

}  // namespace

bool IsSuccess(RunStatus status) {
  return status == RunStatus::kFullInferenceSuccess ||
         status == RunStatus::kFullInferenceCandidateHealthPassed ||
         status == RunStatus::kGeneratedOnly;
}

Result<BuildOutcome> Build(const BuildOptions& options, const CardInput& in, Deps& deps) {
  const std::string& label = options.input.empty() ? in.source : options.input;
  auto parsed = card::ParseCard(in.text);
  if (!parsed.ok()) return parsed.status().WithContext(label);

  std::string id = MakeRunId(deps.clock.Now(), deps.random ? deps.random() : 0);
  json initial = {{"card_source", in.source},       {"simulated", false},
                  {"dry_run", options.dry_run},     {"options", OptionsToJson(options)},
                  {"facts", FactsToJson(in.facts)}, {"steps", json::object()}};
  if (!in.facts.model_id.empty()) initial["model_id"] = in.facts.model_id;
  SF_RETURN_IF_ERROR(deps.store.CreateRun(id, "build", label, initial));
  // The card itself, so `resume` can rebuild the same Space without the original input.
  SF_RETURN_IF_ERROR(deps.store.WriteRunFile(id, "artifacts/card.md", in.text));
  auto state = deps.store.ReadState(id);
  if (!state.ok()) return state.status();
  RunRecorder rec(deps, id, std::move(state).value());
  rec.state()["links"] = {{"run_dir", deps.store.RunDir(id)},
                          {"report", deps.store.RunDir(id) + "/report.md"}};
  if (deps.progress) deps.progress("run", "created " + id);
  return Drive(options, *parsed, in.facts, rec);
}

Result<BuildOutcome> Resume(const std::string& run_id, Deps& deps,
                            const std::function<bool(int pid)>& is_alive) {
  if (!IsValidRunId(run_id)) return InvalidArgument("not a run id: " + run_id);
  SF_ASSIGN_OR_RETURN(json state, deps.store.ReadState(run_id));
  if (state.value("kind", "") != "build")
    return Status(Code::kFailedPrecondition, "run " + run_id + " is a " + state.value("kind", "?") +
                                                 " run; only build runs can be resumed");
  auto status = runs::StatusFromName(state.value("status", ""));
  if (!status || (*status != RunStatus::kRunning && *status != RunStatus::kInterrupted))
    return Status(Code::kFailedPrecondition,
                  "run " + run_id + " already ended with status " + state.value("status", "?"));
  int pid = state.value("pid", 0);
  if (*status == RunStatus::kRunning && pid > 0 && pid != getpid() && is_alive(pid))
    return Status(Code::kFailedPrecondition,
                  "run " + run_id + " is still running (pid " + std::to_string(pid) + ")");
  SF_ASSIGN_OR_RETURN(
      std::string text,
      deps.fs.ReadFile(deps.store.RunDir(run_id) + "/artifacts/card.md", 64u << 20));
  auto parsed = card::ParseCard(text);
  if (!parsed.ok()) return parsed.status().WithContext(run_id + "/artifacts/card.md");
  BuildOptions options = OptionsFromJson(state.value("options", json::object()));
  card::RepoFacts facts = FactsFromJson(state.value("facts", json::object()));

  state["status"] = "running";
  state["pid"] = static_cast<int>(getpid());
  state["resumed"] = state.value("resumed", 0) + 1;
  SF_RETURN_IF_ERROR(deps.store.WriteState(run_id, state));
  SF_RETURN_IF_ERROR(deps.store.AppendEvent(run_id, "run_resumed", {{"pid", getpid()}}));
  RunRecorder rec(deps, run_id, std::move(state));
  if (deps.progress) deps.progress("run", "resuming " + run_id);
  return Drive(options, *parsed, facts, rec);
}

}  // namespace sf::factory

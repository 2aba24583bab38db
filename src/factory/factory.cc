#include "factory/factory.h"

#include <unistd.h>

#include <chrono>

#include "hub/hub.h"

namespace sf::factory {
namespace {

using nlohmann::json;
using runs::RunStatus;

}  // namespace

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

// One run in flight: owns the state document and journals every change.
class RunRecorder {
 public:
  RunRecorder(Deps& deps, std::string id, json state)
      : deps_(deps), id_(std::move(id)), state_(std::move(state)) {}

  const std::string& id() const { return id_; }
  json& state() { return state_; }

  Status Begin(std::string_view step) {
    step_start_ = deps_.clock.Monotonic();
    state_["steps"][std::string(step)] = {{"started_at", FormatIso8601(deps_.clock.Now())}};
    return deps_.store.StepStarted(id_, std::string(step));
  }

  Status Done(std::string_view step, const json& output, std::string_view message) {
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.Monotonic() - step_start_)
            .count();
    json& s = state_["steps"][std::string(step)];
    s["finished_at"] = FormatIso8601(deps_.clock.Now());
    s["duration_ms"] = ms;
    if (deps_.progress) deps_.progress(step, message);
    SF_RETURN_IF_ERROR(deps_.store.StepDone(id_, std::string(step), output));
    return deps_.store.WriteState(id_, state_);
  }

  // Sets the terminal status, writes report.md and the final state.
  Status Finish(RunStatus status, std::string reason) {
    state_["status"] = std::string(runs::StatusName(status));
    state_["reason"] = std::move(reason);
    state_["finished_at"] = FormatIso8601(deps_.clock.Now());
    SF_RETURN_IF_ERROR(deps_.store.WriteRunFile(id_, "report.md", RenderReport(state_)));
    SF_RETURN_IF_ERROR(deps_.store.AppendEvent(
        id_, "run_finished", {{"status", state_["status"]}, {"reason", state_["reason"]}}));
    return deps_.store.WriteState(id_, state_);
  }

 private:
  Deps& deps_;
  std::string id_;
  json state_;
  std::chrono::steady_clock::time_point step_start_;
};

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// The pipeline proper, once the run exists. Returns the terminal status and its reason; a non-ok
// Status is an internal failure the caller records as `failed`.
using Verdict = std::pair<RunStatus, std::string>;

Result<Verdict> RunPipeline(const BuildOptions& options, const card::ParsedCard& parsed,
                            const card::RepoFacts& facts, RunRecorder& rec, Deps& deps) {
  // analyze
  SF_RETURN_IF_ERROR(rec.Begin("analyze"));
  card::CardAnalysis analysis = card::AnalyzeCard(parsed, facts);
  json analysis_json = card::AnalysisToJson(analysis);
  rec.state()["analysis"] = analysis_json;
  if (!analysis.model_id.empty()) rec.state()["model_id"] = analysis.model_id;
  std::string summary =
      "task " + analysis.task + ", " + std::to_string(analysis.blockers.size()) + " blocker(s)";
  SF_RETURN_IF_ERROR(rec.Done("analyze", analysis_json, summary));

  std::vector<std::string> hard;
  for (const auto& b : analysis.blockers)
    if (b.hard) hard.push_back(std::string(card::BlockerName(b.kind)));
  if (!hard.empty())
    return Verdict{RunStatus::kTechnicalBlocker, "hard blocker(s): " + Join(hard, ", ")};
  if (analysis.task == "unknown")
    return Verdict{RunStatus::kTechnicalBlocker,
                   "the card does not say what the model does (task unknown)"};
  if (!spacegen::HasTemplate(analysis.task))
    return Verdict{RunStatus::kTechnicalBlocker,
                   "no Space template for task " + analysis.task + " yet"};
  if (analysis.model_id.empty())
    return Verdict{RunStatus::kTechnicalBlocker,
                   "the card does not name the model repo to load; pass --model-id OWNER/NAME or "
                   "build from the model id"};

  // generate
  SF_RETURN_IF_ERROR(rec.Begin("generate"));
  spacegen::SpaceOptions space_options;
  space_options.hardware = options.hardware.value_or(analysis.hardware);
  if (space_options.hardware != card::Hardware::kCpuBasic)
    space_options.hardware = card::Hardware::kZeroGpu;  // the template targets ZeroGPU first
  space_options.gpu_duration_seconds = options.gpu_duration_seconds;
  SF_ASSIGN_OR_RETURN(spacegen::GeneratedSpace space,
                      spacegen::GenerateSpace(analysis, space_options));
  json files = json::array();
  for (const auto& f : space.files) {
    SF_RETURN_IF_ERROR(deps.store.WriteRunFile(rec.id(), "generated/" + f.path, f.content));
    files.push_back(f.path);
  }
  rec.state()["space"] = {{"task", space.task},
                          {"hardware", std::string(card::HardwareName(space_options.hardware))},
                          {"files", files},
                          {"notes", space.notes},
                          {"agent", "template"}};
  SF_RETURN_IF_ERROR(rec.Done("generate", rec.state()["space"],
                              std::to_string(files.size()) + " files for " + space.task));

  // static checks
  SF_RETURN_IF_ERROR(rec.Begin("static_checks"));
  std::string gen_dir = deps.store.RunDir(rec.id()) + "/generated";
  auto checks = spacegen::RunStaticChecks(space, gen_dir, deps.runner);
  json checks_json = json::array();
  std::string checks_text;
  std::vector<std::string> failed;
  for (const auto& c : checks) {
    checks_json.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    checks_text += (c.passed ? "PASS " : "FAIL ") + c.name + ": " + c.detail + "\n";
    if (!c.passed) failed.push_back(c.name);
  }
  SF_RETURN_IF_ERROR(
      deps.store.WriteRunFile(rec.id(), "tests/static_checks.json", checks_json.dump(2) + "\n"));
  SF_RETURN_IF_ERROR(deps.store.WriteRunFile(rec.id(), "tests/static_checks.txt", checks_text));
  rec.state()["checks"] = checks_json;
  SF_RETURN_IF_ERROR(rec.Done("static_checks", checks_json,
                              failed.empty() ? std::to_string(checks.size()) + " checks passed"
                                             : "failed: " + Join(failed, ", ")));
  if (!failed.empty())
    return Verdict{RunStatus::kFailed, "static checks failed: " + Join(failed, ", ")};

  // Nothing is deployed by this pipeline: say why, precisely.
  std::string why;
  if (options.dry_run) {
    why = "--dry-run: files generated and checked, nothing deployed";
  } else if (!hub::ConfigFromEnv(deps.env, deps.fs).token) {
    why = "no HF token: files generated and checked, nothing deployed";
  } else {
    why = "deploying to the Hub is not available in this version: files generated and checked";
  }
  return Verdict{RunStatus::kGeneratedOnly, why};
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
  json initial = {{"card_source", in.source},
                  {"simulated", false},
                  {"dry_run", options.dry_run},
                  {"steps", json::object()}};
  if (!in.facts.model_id.empty()) initial["model_id"] = in.facts.model_id;
  SF_RETURN_IF_ERROR(deps.store.CreateRun(id, "build", label, initial));
  auto state = deps.store.ReadState(id);
  if (!state.ok()) return state.status();
  RunRecorder rec(deps, id, std::move(state).value());
  rec.state()["links"] = {{"run_dir", deps.store.RunDir(id)},
                          {"report", deps.store.RunDir(id) + "/report.md"}};
  if (deps.progress) deps.progress("run", "created " + id);

  auto result = RunPipeline(options, *parsed, in.facts, rec, deps);
  RunStatus status;
  std::string reason;
  if (result.ok()) {
    std::tie(status, reason) = std::move(result).value();
  } else {
    status = RunStatus::kFailed;
    reason = "internal error: " + result.status().message();
    rec.state()["error"] = result.status().ToString();
  }
  Status finished = rec.Finish(status, reason);
  if (!finished.ok()) return finished.WithContext("cannot record the end of run " + id);

  BuildOutcome out;
  out.run_id = id;
  out.status = status;
  out.run_dir = deps.store.RunDir(id);
  out.report_path = out.run_dir + "/report.md";
  out.state = rec.state();
  return out;
}

}  // namespace sf::factory

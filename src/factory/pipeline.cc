// The local steps of the build pipeline: analyse, generate, static checks. They are pure and
// deterministic (same card → same files, byte for byte), so a resumed run recomputes them and only
// journals the steps that were not journaled before the crash.
#include "factory/internal.h"

namespace sf::factory::internal {
namespace {

// Journals `step` unless an earlier process already did; `output` is what the step computed now.
Status JournalPureStep(RunRecorder& rec, std::string_view step, const json& output,
                       std::string_view message) {
  SF_ASSIGN_OR_RETURN(auto done, rec.Completed(step));
  if (done) return Status::Ok();
  SF_RETURN_IF_ERROR(rec.Begin(step));
  return rec.Done(step, output, message);
}

}  // namespace

Result<std::optional<Verdict>> RunLocalSteps(const BuildOptions& options,
                                             const card::ParsedCard& parsed,
                                             const card::RepoFacts& facts, RunRecorder& rec,
                                             spacegen::GeneratedSpace* space_out) {
  Deps& deps = rec.deps();
  // analyze
  card::CardAnalysis analysis = card::AnalyzeCard(parsed, facts);
  json analysis_json = card::AnalysisToJson(analysis);
  rec.state()["analysis"] = analysis_json;
  if (!analysis.model_id.empty()) rec.state()["model_id"] = analysis.model_id;
  SF_RETURN_IF_ERROR(JournalPureStep(
      rec, "analyze", analysis_json,
      "task " + analysis.task + ", " + std::to_string(analysis.blockers.size()) + " blocker(s)"));

  std::vector<std::string> hard;
  for (const auto& b : analysis.blockers)
    if (b.hard) hard.push_back(std::string(card::BlockerName(b.kind)));
  if (!hard.empty())
    return std::optional<Verdict>(
        Verdict{RunStatus::kTechnicalBlocker, "hard blocker(s): " + Join(hard, ", ")});
  if (analysis.task == "unknown")
    return std::optional<Verdict>(Verdict{
        RunStatus::kTechnicalBlocker, "the card does not say what the model does (task unknown)"});
  if (!spacegen::HasTemplate(analysis.task))
    return std::optional<Verdict>(Verdict{RunStatus::kTechnicalBlocker,
                                          "no Space template for task " + analysis.task + " yet"});
  if (analysis.model_id.empty())
    return std::optional<Verdict>(
        Verdict{RunStatus::kTechnicalBlocker,
                "the card does not name the model repo to load; pass --model-id OWNER/NAME or "
                "build from the model id"});

  // generate
  spacegen::SpaceOptions space_options;
  space_options.hardware = options.hardware.value_or(analysis.hardware);
  if (space_options.hardware != card::Hardware::kCpuBasic)
    space_options.hardware = card::Hardware::kZeroGpu;  // the template targets ZeroGPU first
  space_options.gpu_duration_seconds = options.gpu_duration_seconds;
  SF_ASSIGN_OR_RETURN(spacegen::GeneratedSpace space,
                      spacegen::GenerateSpace(analysis, space_options));
  json files = json::array();
  for (const auto& f : space.files) files.push_back(f.path);
  rec.state()["space"] = {{"task", space.task},
                          {"hardware", std::string(card::HardwareName(space_options.hardware))},
                          {"files", files},
                          {"notes", space.notes},
                          {"agent", "template"}};
  SF_ASSIGN_OR_RETURN(auto generated, rec.Completed("generate"));
  if (!generated) {
    SF_RETURN_IF_ERROR(rec.Begin("generate"));
    for (const auto& f : space.files)
      SF_RETURN_IF_ERROR(deps.store.WriteRunFile(rec.id(), "generated/" + f.path, f.content));
    SF_RETURN_IF_ERROR(rec.Done("generate", rec.state()["space"],
                                std::to_string(files.size()) + " files for " + space.task));
  }

  // static checks
  SF_ASSIGN_OR_RETURN(auto checked, rec.Completed("static_checks"));
  json checks_json;
  if (checked) {
    checks_json = *checked;
  } else {
    SF_RETURN_IF_ERROR(rec.Begin("static_checks"));
    std::string gen_dir = deps.store.RunDir(rec.id()) + "/generated";
    auto checks = spacegen::RunStaticChecks(space, gen_dir, deps.runner);
    checks_json = json::array();
    std::string checks_text;
    for (const auto& c : checks) {
      checks_json.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
      checks_text += (c.passed ? "PASS " : "FAIL ") + c.name + ": " + c.detail + "\n";
    }
    SF_RETURN_IF_ERROR(
        deps.store.WriteRunFile(rec.id(), "tests/static_checks.json", checks_json.dump(2) + "\n"));
    SF_RETURN_IF_ERROR(deps.store.WriteRunFile(rec.id(), "tests/static_checks.txt", checks_text));
  }
  std::vector<std::string> failed;
  for (const auto& c : checks_json)
    if (!c.value("passed", false)) failed.push_back(c.value("name", ""));
  rec.state()["checks"] = checks_json;
  if (!checked)
    SF_RETURN_IF_ERROR(rec.Done("static_checks", checks_json,
                                failed.empty()
                                    ? std::to_string(checks_json.size()) + " checks passed"
                                    : "failed: " + Join(failed, ", ")));
  if (!failed.empty())
    return std::optional<Verdict>(
        Verdict{RunStatus::kFailed, "static checks failed: " + Join(failed, ", ")});
  *space_out = std::move(space);
  return std::optional<Verdict>();
}

}  // namespace sf::factory::internal

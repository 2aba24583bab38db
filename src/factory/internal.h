// Internals shared by the factory's pipeline files. Not part of the module's interface.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "factory/factory.h"
#include "hub/hub.h"

namespace sf::factory::internal {

using nlohmann::json;
using runs::RunStatus;

// The terminal status of a pipeline and the one-line reason the report leads with.
using Verdict = std::pair<RunStatus, std::string>;

std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// For report.md (report.cc): a string field of a JSON object, else `fallback`; and text made safe
// for a Markdown table cell ('|' escaped, line breaks as spaces).
std::string Str(const json& j, const char* key, std::string fallback = "");
std::string Cell(std::string s);

// One run in flight: owns the state document and journals every change. Steps are keyed by name
// in the run's journal (runs::RunStore step_started / step_done), which is what makes `resume`
// safe: a step whose step_done is journaled is never run again, its output is reused.
class RunRecorder {
 public:
  RunRecorder(Deps& deps, std::string id, json state)
      : deps_(deps), id_(std::move(id)), state_(std::move(state)) {}

  const std::string& id() const { return id_; }
  json& state() { return state_; }
  Deps& deps() { return deps_; }

  // The journaled output of `step` when it completed in an earlier process, else nullopt.
  Result<std::optional<json>> Completed(std::string_view step);

  // Journals step_started (allowed again after a crash), runs the kill hook, remembers the time.
  Status Begin(std::string_view step);
  // After the step's side effect and before step_done: where a crash leaves an applied but
  // unjournaled effect (the kill test stops here too).
  void Applied(std::string_view step);
  // Journals step_done with `output`, records timings and writes state.json.
  Status Done(std::string_view step, const json& output, std::string_view message);

  // Sets the terminal status, writes report.md and the final state.
  Status Finish(RunStatus status, std::string reason);

 private:
  void Boundary(std::string_view step, std::string_view phase);
  Deps& deps_;
  std::string id_;
  json state_;
  std::chrono::steady_clock::time_point step_start_;
};

// The part of the pipeline that needs no network: analyse, generate, static checks. Pure and
// deterministic, so a resumed run recomputes it and only re-journals what was not journaled.
// Fills `space` with the generated files; a Verdict means the run ends here.
Result<std::optional<Verdict>> RunLocalSteps(const BuildOptions& options,
                                             const card::ParsedCard& parsed,
                                             const card::RepoFacts& facts, RunRecorder& rec,
                                             spacegen::GeneratedSpace* space);

// The deploy steps (create the private Space, commit, hardware, wait, gate, smoke, classify).
Result<Verdict> RunDeploySteps(const BuildOptions& options, const spacegen::GeneratedSpace& space,
                               RunRecorder& rec);

// The Space name a run deploys to: the model's name plus the run id's random part, so that a 409 on
// resume can be told apart from somebody else's Space.
std::string SpaceNameFor(const std::string& model_id, const std::string& run_id);

// The base URL a Gradio client connects to, from GET /api/spaces/{id}/host, else the Hub's
// convention (https://<owner>-<name>.hf.space).
std::string SpaceUrlFallback(const std::string& space_id);

}  // namespace sf::factory::internal

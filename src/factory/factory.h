// factory: the build pipeline (DESIGN.md §4), its classification into the statuses of §2, and the
// human report.
//
// Build never lies: a status above generated_only needs a deployed, observed Space, which this
// pipeline reaches only with the deploy steps; offline it ends at generated_only (files generated
// and statically checked) or technical_blocker (a hard blocker with its evidence), or failed.
//
// Nothing is written for input that cannot be read or parsed: the run record is created only once
// the card is in hand, so a bad path, a binary file or an unreachable Hub leaves no half run
// behind.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "card/card.h"
#include "core/core.h"
#include "http/http.h"
#include "runs/runs.h"
#include "spacegen/spacegen.h"

namespace sf::factory {

struct BuildOptions {
  std::string input;  // a local README.md, a model id ("owner/name") or a model URL
  bool dry_run = false;
  std::optional<card::Hardware> hardware;  // override the analysis' recommendation
  int gpu_duration_seconds = 60;
  // The repo a local card belongs to, when the card does not name it (--model-id).
  std::string model_id;
  // When the card text comes from memory (the embedded demo card): `input` is then only a label.
  std::optional<std::string> card_text;

  // Deploy (with a token, not --dry-run). The Space is always created private.
  // A fixed-GPU flavor to request when ZeroGPU is refused ("t4-small", "a10g-small", …); empty =
  // no fallback (the run ends manual_hardware_required).
  std::string fallback_hardware;
  bool smoke = false;  // call the generation endpoint once and check the output type
  std::chrono::seconds runtime_timeout{900};  // BUILDING/APP_STARTING → RUNNING
  std::chrono::milliseconds poll_interval{2000};
  std::chrono::seconds call_timeout{300};  // one smoke call
};

// Progress of one step, for the CLI's display. Never carries secrets.
using ProgressFn = std::function<void(std::string_view step, std::string_view message)>;

struct Deps {
  FileSystem& fs;
  const Clock& clock;
  const Env& env;
  runs::RunStore& store;
  spacegen::CommandRunner& runner;
  http::HttpClient* http = nullptr;  // null: no network (a model id is then an error)
  std::function<std::uint32_t()> random;
  ProgressFn progress = nullptr;
  // Waiting between polls; default std::this_thread::sleep_for. Tests with a FakeClock advance it.
  std::function<void(std::chrono::milliseconds)> sleep = nullptr;
  // Called at every step boundary (phase "started", "applied" = side effect done but not yet
  // journaled, "done"). For fault injection only: the kill test SIGKILLs the process here.
  std::function<void(std::string_view step, std::string_view phase)> boundary = nullptr;
};

struct BuildOutcome {
  std::string run_id;
  runs::RunStatus status = runs::RunStatus::kFailed;
  std::string run_dir;
  std::string report_path;
  nlohmann::json state;
};

// A model card in hand, with what the Hub told us about its repo (when it came from the Hub).
struct CardInput {
  std::string text;
  std::string source;  // "file:<path>", "hub:<id>" or "embedded"
  card::RepoFacts facts;
};

// Reads the card from `options.card_text`, a local file, or the Hub (model id or URL). Writes
// nothing. Errors: kInvalidArgument (a directory, unreadable file), kNotFound (no such file/model),
// kUnavailable / kTimeout (Hub unreachable), kPermissionDenied (gated/private).
Result<CardInput> LoadCard(const BuildOptions& options, FileSystem& fs, const Env& env,
                           http::HttpClient* http);

// Runs the build pipeline on a loaded card. A non-ok Result means no run was created (the card does
// not parse, the store refuses the run); once a run exists every outcome, including internal
// failures, is a BuildOutcome with a terminal status and a report.
Result<BuildOutcome> Build(const BuildOptions& options, const CardInput& card, Deps& deps);

// Continues a run that was interrupted (its process died): reloads the card and options saved in
// the run, skips every journaled step and reuses its output, and finishes the run. kNotFound for an
// unknown run, kFailedPrecondition when the run already ended or its process is still alive
// (`is_alive(pid)`).
Result<BuildOutcome> Resume(const std::string& run_id, Deps& deps,
                            const std::function<bool(int pid)>& is_alive);

// Renders report.md from a run's state.json (so a report can always be re-rendered from the truth).
std::string RenderReport(const nlohmann::json& state);

// True for statuses that mean "the run achieved what was asked" (exit code 0).
bool IsSuccess(runs::RunStatus status);

}  // namespace sf::factory

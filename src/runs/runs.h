// runs: the run record (DESIGN.md §3) and its SQLite index.
//
// The files are the truth: runs/<id>/state.json (atomic), events.jsonl (append-only, fsync per
// event), report.md, generated/, tests/, artifacts/, traces/. The SQLite index (WAL) makes listing
// fast and can always be rebuilt from the files (RebuildIndex).
//
// Steps are keyed by (run_id, step): the journal records step_started / step_done with the step's
// output, so a resumed run skips what is done and never repeats a side effect that completed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"

namespace sf::runs {

// The seven statuses of DESIGN.md §2, plus the two in-flight states.
enum class RunStatus {
  kRunning,
  kFullInferenceSuccess,
  kFullInferenceCandidateHealthPassed,
  kHealthOnly,
  kManualHardwareRequired,
  kTechnicalBlocker,
  kGeneratedOnly,
  kFailed,
  kInterrupted,  // the process died mid-run; `resume` continues it
};
std::string_view StatusName(RunStatus s);  // "full_inference_success", ...
std::optional<RunStatus> StatusFromName(std::string_view name);
bool IsTerminal(RunStatus s);

struct RunSummary {
  std::string run_id;
  std::string kind;   // "build" | "validate"
  std::string input;  // model id, card path or Space id
  RunStatus status = RunStatus::kRunning;
  std::string created_at;  // ISO 8601
  std::string updated_at;
  bool simulated = false;
};

// The store root layout: <root>/runs/<run_id>/..., <root>/index.sqlite.
class RunStore {
 public:
  // Opens (creating if needed) the store at `root`. Fails if the root is not writable or the index
  // cannot be opened.
  static Result<std::unique_ptr<RunStore>> Open(std::string root, FileSystem& fs, const Clock& clock);
  ~RunStore();

  // Creates runs/<id>/ with its subfolders and an initial state.json
  // {run_id, kind, input, status:"running", created_at, ...}. `id` must be a valid run id.
  Status CreateRun(const std::string& id, const std::string& kind, const std::string& input,
                   const nlohmann::json& extra_state);

  std::string RunDir(const std::string& id) const;
  std::string Root() const { return root_; }

  Result<nlohmann::json> ReadState(const std::string& id) const;
  // Atomically replaces state.json (sets updated_at) and updates the index row.
  Status WriteState(const std::string& id, nlohmann::json state);

  // Appends {"ts":..., "type":type, ...data} to events.jsonl (fsync'd).
  Status AppendEvent(const std::string& id, const std::string& type, const nlohmann::json& data);
  // All events; a torn last line (kill mid-write) is skipped, never an error.
  Result<std::vector<nlohmann::json>> ReadEvents(const std::string& id) const;

  // Step journal on top of events: "step_started" / "step_done" (with output).
  Status StepStarted(const std::string& id, const std::string& step);
  Status StepDone(const std::string& id, const std::string& step, const nlohmann::json& output);
  // The output of a completed step, if the journal has its step_done.
  Result<std::optional<nlohmann::json>> StepOutput(const std::string& id,
                                                   const std::string& step) const;

  // Writes a file inside the run dir (relative path like "report.md" or "generated/app.py"),
  // atomically, creating parent folders. Refuses paths escaping the run dir.
  Status WriteRunFile(const std::string& id, const std::string& relative, std::string_view content);

  // Newest first, from the index.
  Result<std::vector<RunSummary>> List(int limit = 100) const;
  Result<RunSummary> Get(const std::string& id) const;
  // Rebuilds the index from the run folders (the files are the truth).
  Status RebuildIndex();
  // Marks runs left in "running" whose owner process (state.json "pid") is gone as "interrupted"
  // (state + index + an event). `is_alive` is injected so tests need no real processes.
  Status MarkStaleRunsInterrupted(const std::function<bool(int pid)>& is_alive);

 private:
  struct Impl;
  RunStore(std::string root, FileSystem& fs, const Clock& clock, std::unique_ptr<Impl> impl);
  std::string root_;
  FileSystem& fs_;
  const Clock& clock_;
  std::unique_ptr<Impl> impl_;
};

// Default store root: --store, else $SPACE_FACTORY_STORE, else $XDG_DATA_HOME/spacefactory,
// else ~/.local/share/spacefactory.
std::string DefaultStoreRoot(const Env& env);

}  // namespace sf::runs

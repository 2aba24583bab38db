// runs: the run record (DESIGN.md §3) and its SQLite index.
//
// The files are the truth: runs/<id>/state.json (atomic), events.jsonl (append-only, fsync per
// event), report.md, generated/, tests/, artifacts/, traces/. The SQLite index (WAL) makes listing
// fast and can always be rebuilt from the files (RebuildIndex).
//
// Steps are keyed by (run_id, step): the journal records step_started / step_done with the step's
// output, so a resumed run skips what is done and never repeats a side effect that completed.
//
// Threading: a RunStore is NOT thread-safe; use one instance from one thread (or guard it). Several
// processes may open the same store at once: the index runs in WAL mode with a busy timeout, and
// state.json is replaced atomically. The events of one run are appended by the process that owns it
// (state.json "pid"); other processes may read them at any time.
//
// File access goes through the injected FileSystem, except the SQLite index, which opens
// <root>/index.sqlite itself. Nothing here logs; content is stored as given (callers redact).
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

// What RebuildIndex did: folders indexed, and folders skipped (no/corrupt state.json, a name that
// is not a run id, or a state.json whose run_id does not match its folder).
struct RebuildStats {
  int indexed = 0;
  int skipped = 0;
  std::vector<std::string> skipped_ids;  // folder names, sorted
};

// What Open found: whether the index had to be created or rebuilt, and where a corrupt index went.
struct OpenInfo {
  bool index_rebuilt = false;
  std::string corrupt_index_moved_to;  // empty unless a corrupt index.sqlite was renamed aside
  RebuildStats rebuild;
};

// The store root layout: <root>/runs/<run_id>/..., <root>/index.sqlite.
class RunStore {
 public:
  // Opens (creating if needed) the store at `root`. Fails if the root is not writable or the index
  // cannot be opened. A corrupt index.sqlite is renamed aside (index.sqlite.corrupt-<time>) and
  // rebuilt from the run folders; a freshly created index is filled from the folders too.
  // `fs` and `clock` must outlive the store.
  static Result<std::unique_ptr<RunStore>> Open(std::string root, FileSystem& fs,
                                                const Clock& clock);
  // Whether Open had to create/rebuild the index (for `spacefactory runs` to say so).
  const OpenInfo& open_info() const;
  ~RunStore();

  // Creates runs/<id>/ with its subfolders and an initial state.json
  // {run_id, kind, input, status:"running", created_at, updated_at, simulated, pid,
  // ...extra_state}, appends a "run_created" event and indexes the run. `id` must be a valid run id
  // (else kInvalidArgument); an existing run is kAlreadyExists. `extra_state` must be an object (or
  // null) and may set "simulated" (bool) but none of the other fields above.
  // Not atomic against another process creating the very same id (ids carry 16 random bits).
  Status CreateRun(const std::string& id, const std::string& kind, const std::string& input,
                   const nlohmann::json& extra_state);

  std::string RunDir(const std::string& id) const;
  std::string Root() const { return root_; }

  // kNotFound if the run does not exist, kParse if state.json is corrupt.
  Result<nlohmann::json> ReadState(const std::string& id) const;
  // Atomically replaces state.json (sets updated_at) and updates the index row. `state` must be an
  // object with a valid "status" name; "run_id" is set to `id` (a different one is refused). If the
  // file write fails, neither state.json nor the index changes. The owner "pid" is kept as given
  // (a resuming process sets its own).
  Status WriteState(const std::string& id, nlohmann::json state);

  // Appends {"ts":..., "seq":n, "type":type, ...data} to events.jsonl (fsync'd). `data` is an
  // object (or null) without the keys ts/seq/type. seq starts at 1 and increases by one per event.
  // A torn final line left by a crash is dropped (the journal is rewritten atomically without it)
  // before the first append of this process.
  Status AppendEvent(const std::string& id, const std::string& type, const nlohmann::json& data);
  // All events; a torn last line (kill mid-write) is skipped, never an error. A corrupt line before
  // the last one is kParse naming the line number. No journal yet = no events.
  Result<std::vector<nlohmann::json>> ReadEvents(const std::string& id) const;

  // Step journal on top of events: "step_started" {step} / "step_done" {step, output}.
  // StepStarted on a step already done is kAlreadyExists (use StepOutput; never redo a side
  // effect); starting a step again after a crash (started, not done) is allowed and journaled.
  // StepDone needs a prior StepStarted (kFailedPrecondition) and happens once (kAlreadyExists).
  Status StepStarted(const std::string& id, const std::string& step);
  Status StepDone(const std::string& id, const std::string& step, const nlohmann::json& output);
  // The output of a completed step, if the journal has its step_done.
  Result<std::optional<nlohmann::json>> StepOutput(const std::string& id,
                                                   const std::string& step) const;

  // Writes a file inside the run dir (relative path like "report.md" or "generated/app.py"),
  // atomically, creating parent folders. Refuses (kInvalidArgument) absolute paths, "..", ".",
  // empty components, NUL bytes, and state.json / events.jsonl (which have their own writers). The
  // check is lexical: symlinks placed inside the run dir are not resolved.
  Status WriteRunFile(const std::string& id, const std::string& relative, std::string_view content);

  // Newest first (run_id DESC), from the index. limit <= 0 means no limit.
  Result<std::vector<RunSummary>> List(int limit = 100) const;
  // From the index; a run missing from the index is read from its state.json. kNotFound if neither.
  Result<RunSummary> Get(const std::string& id) const;
  // Rebuilds the index from the run folders (the files are the truth), in one transaction. Folders
  // with a missing/corrupt state.json are skipped and counted in `stats`.
  Status RebuildIndex(RebuildStats* stats = nullptr);
  // Marks runs left in "running" whose owner process (state.json "pid") is gone — or that have no
  // pid — as "interrupted" (state + index + a "run_interrupted" event). `is_alive` is injected so
  // tests need no real processes. Ids of the marked runs go to `marked` if given. Note: a recycled
  // pid looks alive; such a run stays "running" until that process is gone too.
  Status MarkStaleRunsInterrupted(const std::function<bool(int pid)>& is_alive,
                                  std::vector<std::string>* marked = nullptr);

 private:
  struct Impl;
  RunStore(std::string root, FileSystem& fs, const Clock& clock, std::unique_ptr<Impl> impl);
  std::string root_;
  FileSystem& fs_;
  const Clock& clock_;
  std::unique_ptr<Impl> impl_;
};

// kill(pid, 0): true if the process exists (also when owned by another user). For
// MarkStaleRunsInterrupted.
bool ProcessAlive(int pid);

// Default store root: --store, else $SPACE_FACTORY_STORE, else $XDG_DATA_HOME/spacefactory,
// else ~/.local/share/spacefactory (empty variables count as unset; with no HOME either,
// ".spacefactory" in the working directory). --store is the caller's business.
std::string DefaultStoreRoot(const Env& env);

}  // namespace sf::runs

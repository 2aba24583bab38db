// The run store: run folders (the truth) + the SQLite index (see index.h).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "runs/index.h"
#include "runs/journal.h"
#include "runs/runs.h"

namespace sf::runs {
namespace {

using nlohmann::json;

constexpr const char* kStateFile = "state.json";
constexpr const char* kEventsFile = "events.jsonl";
constexpr const char* kIndexFile = "index.sqlite";
constexpr const char* kSubdirs[] = {"generated", "tests", "artifacts", "traces"};
// Fields CreateRun owns; extra_state may not set them.
constexpr const char* kReservedStateKeys[] = {"run_id",     "kind",       "input", "status",
                                              "created_at", "updated_at", "pid"};

Status ValidateId(const std::string& id) {
  if (!IsValidRunId(id)) return InvalidArgument("invalid run id '" + id + "'");
  return Status::Ok();
}

// "20261124T031500Z": for names of files moved aside.
std::string CompactTime(std::chrono::system_clock::time_point t) {
  std::string out;
  for (char c : FormatIso8601(t)) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out;
}

Result<std::string> RequireString(const json& state, const char* key, const std::string& id) {
  auto it = state.find(key);
  if (it == state.end() || !it->is_string()) {
    return ParseError("state of run " + id + ": \"" + key + "\" must be a string");
  }
  return it->get<std::string>();
}

// The index row a state.json stands for. Checks the fields the index needs.
Result<RunSummary> SummaryFromState(const json& state, const std::string& id) {
  if (!state.is_object()) return ParseError("state of run " + id + " is not a JSON object");
  RunSummary r;
  SF_ASSIGN_OR_RETURN(r.run_id, RequireString(state, "run_id", id));
  if (r.run_id != id) {
    return ParseError("state of run " + id + " names a different run_id '" + r.run_id + "'");
  }
  SF_ASSIGN_OR_RETURN(r.kind, RequireString(state, "kind", id));
  SF_ASSIGN_OR_RETURN(r.input, RequireString(state, "input", id));
  SF_ASSIGN_OR_RETURN(std::string status, RequireString(state, "status", id));
  std::optional<RunStatus> parsed = StatusFromName(status);
  if (!parsed) return ParseError("state of run " + id + ": unknown status '" + status + "'");
  r.status = *parsed;
  SF_ASSIGN_OR_RETURN(r.created_at, RequireString(state, "created_at", id));
  SF_ASSIGN_OR_RETURN(r.updated_at, RequireString(state, "updated_at", id));
  auto sim = state.find("simulated");
  if (sim != state.end() && !sim->is_boolean()) {
    return ParseError("state of run " + id + ": \"simulated\" must be a boolean");
  }
  r.simulated = sim != state.end() && sim->get<bool>();
  return r;
}

// A lexical check: relative, no "", "." or ".." components, not one of the files with own writers.
Status ValidateRelative(const std::string& rel) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("refusing run file path '" + rel + "': " + std::string(why));
  };
  if (rel.empty()) return bad("empty");
  if (rel.find('\0') != std::string::npos) return bad("contains a NUL byte");
  if (rel.front() == '/') return bad("absolute paths are not allowed");
  if (rel == kStateFile || rel == kEventsFile) return bad("written only through its own API");
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string_view part(rel.data() + start, end - start);
    if (part.empty()) return bad("empty path component");
    if (part == "." || part == "..") return bad("'.' and '..' are not allowed");
    start = end + 1;
  }
  return Status::Ok();
}

// What this process knows about one run's journal (loaded from the file on first append).
struct JournalState {
  long long next_seq = 1;
};

}  // namespace

struct RunStore::Impl {
  std::unique_ptr<internal::Index> index;
  OpenInfo info;
  std::map<std::string, JournalState> journals;
};

RunStore::RunStore(std::string root, FileSystem& fs, const Clock& clock, std::unique_ptr<Impl> impl)
    : root_(std::move(root)), fs_(fs), clock_(clock), impl_(std::move(impl)) {}

RunStore::~RunStore() = default;

const OpenInfo& RunStore::open_info() const { return impl_->info; }

Result<std::unique_ptr<RunStore>> RunStore::Open(std::string root, FileSystem& fs,
                                                 const Clock& clock) {
  if (root.empty()) return InvalidArgument("run store root is empty");
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  SF_RETURN_IF_ERROR(fs.CreateDirectories(root + "/runs").WithContext("run store"));

  auto impl = std::make_unique<Impl>();
  const std::string path = root + "/" + kIndexFile;
  bool created = false;
  Result<std::unique_ptr<internal::Index>> index = internal::Index::Open(path, &created);
  if (!index.ok() && internal::IsCorruptIndexStatus(index.status())) {
    // The index is derived data: move the bad file aside (kept for inspection) and start over.
    std::string aside = path + ".corrupt-" + CompactTime(clock.Now());
    for (int n = 2; fs.Exists(aside); ++n) {
      aside = path + ".corrupt-" + CompactTime(clock.Now()) + "-" + std::to_string(n);
    }
    SF_RETURN_IF_ERROR(fs.Rename(path, aside).WithContext("moving corrupt index aside"));
    for (const char* suffix : {"-wal", "-shm"}) {
      if (fs.Exists(path + suffix)) {
        SF_RETURN_IF_ERROR(
            fs.Rename(path + suffix, aside + suffix).WithContext("moving corrupt index aside"));
      }
    }
    impl->info.corrupt_index_moved_to = aside;
    index = internal::Index::Open(path, &created);
  }
  if (!index.ok()) return index.status().WithContext("run store " + root);
  impl->index = std::move(index).value();

  std::unique_ptr<RunStore> store(new RunStore(root, fs, clock, std::move(impl)));
  if (created) {
    // A new index over possibly existing folders (deleted or corrupt index): fill it.
    SF_RETURN_IF_ERROR(store->RebuildIndex(&store->impl_->info.rebuild));
    store->impl_->info.index_rebuilt = true;
  }
  return store;
}

std::string RunStore::RunDir(const std::string& id) const { return root_ + "/runs/" + id; }

Status RunStore::CreateRun(const std::string& id, const std::string& kind, const std::string& input,
                           const json& extra_state) {
  SF_RETURN_IF_ERROR(ValidateId(id));
  if (kind.empty()) return InvalidArgument("run kind is empty");
  if (!extra_state.is_null() && !extra_state.is_object()) {
    return InvalidArgument("extra state of run " + id + " must be a JSON object");
  }
  json state = extra_state.is_null() ? json::object() : extra_state;
  for (const char* key : kReservedStateKeys) {
    if (state.contains(key)) {
      return InvalidArgument("extra state of run " + id + " may not set \"" + key + "\"");
    }
  }
  if (state.contains("simulated") && !state["simulated"].is_boolean()) {
    return InvalidArgument("extra state of run " + id + ": \"simulated\" must be a boolean");
  }
  const std::string dir = RunDir(id);
  if (fs_.Exists(dir)) return Status(Code::kAlreadyExists, "run " + id + " already exists");
  SF_RETURN_IF_ERROR(fs_.CreateDirectories(dir));
  for (const char* sub : kSubdirs) SF_RETURN_IF_ERROR(fs_.CreateDirectories(dir + "/" + sub));

  const std::string now = FormatIso8601(clock_.Now());
  state["run_id"] = id;
  state["kind"] = kind;
  state["input"] = input;
  state["status"] = StatusName(RunStatus::kRunning);
  state["created_at"] = now;
  state["updated_at"] = now;
  if (!state.contains("simulated")) state["simulated"] = false;
  state["pid"] = static_cast<int>(::getpid());
  SF_ASSIGN_OR_RETURN(RunSummary summary, SummaryFromState(state, id));
  SF_RETURN_IF_ERROR(
      fs_.WriteFileAtomic(dir + "/" + kStateFile, internal::DumpJson(state, 2) + "\n"));
  SF_RETURN_IF_ERROR(AppendEvent(
      id, "run_created", {{"kind", kind}, {"input", input}, {"simulated", summary.simulated}}));
  return impl_->index->Upsert(summary).WithContext("run " + id + " created, but");
}

Result<json> RunStore::ReadState(const std::string& id) const {
  SF_RETURN_IF_ERROR(ValidateId(id));
  Result<std::string> text = fs_.ReadFile(RunDir(id) + "/" + kStateFile);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return NotFound("run " + id + " not found");
    return text.status();
  }
  json state = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded()) return ParseError("state.json of run " + id + " is not valid JSON");
  if (!state.is_object()) return ParseError("state.json of run " + id + " is not a JSON object");
  return state;
}

Status RunStore::WriteState(const std::string& id, json state) {
  SF_RETURN_IF_ERROR(ValidateId(id));
  if (!state.is_object()) return InvalidArgument("state of run " + id + " must be a JSON object");
  if (!fs_.IsDirectory(RunDir(id))) return NotFound("run " + id + " not found");
  auto rid = state.find("run_id");
  if (rid != state.end() && (!rid->is_string() || rid->get<std::string>() != id)) {
    return InvalidArgument("state for run " + id + " names another run_id");
  }
  state["run_id"] = id;
  state["updated_at"] = FormatIso8601(clock_.Now());
  Result<RunSummary> summary = SummaryFromState(state, id);
  if (!summary.ok()) return InvalidArgument(summary.status().message());
  SF_RETURN_IF_ERROR(
      fs_.WriteFileAtomic(RunDir(id) + "/" + kStateFile, internal::DumpJson(state, 2) + "\n"));
  return impl_->index->Upsert(*summary).WithContext(
      "state.json of run " + id +
      " written, but the index was not updated (RebuildIndex fixes it)");
}

Status RunStore::AppendEvent(const std::string& id, const std::string& type, const json& data) {
  SF_RETURN_IF_ERROR(ValidateId(id));
  if (type.empty()) return InvalidArgument("event type is empty");
  if (!data.is_null() && !data.is_object()) {
    return InvalidArgument("event data must be a JSON object");
  }
  for (const char* key : {"ts", "seq", "type"}) {
    if (data.is_object() && data.contains(key)) {
      return InvalidArgument(std::string("event data may not set \"") + key + "\"");
    }
  }
  const std::string dir = RunDir(id);
  if (!fs_.IsDirectory(dir)) return NotFound("run " + id + " not found");
  const std::string path = dir + "/" + kEventsFile;

  auto cached = impl_->journals.find(id);
  if (cached == impl_->journals.end()) {
    // First append of this process: learn seq and steps; drop a torn tail left by a crash.
    Result<std::string> text = fs_.ReadFile(path);
    std::string content;
    if (text.ok()) {
      content = std::move(text).value();
    } else if (text.status().code() != Code::kNotFound) {
      return text.status();
    }
    SF_ASSIGN_OR_RETURN(internal::ParsedJournal parsed, internal::ParseJournal(content, path));
    JournalState j;
    for (const json& e : parsed.events) {
      auto seq = e.find("seq");
      if (seq != e.end() && seq->is_number_integer()) {
        j.next_seq = std::max(j.next_seq, seq->get<long long>() + 1);
      }
    }
    if (parsed.repaired) {
      SF_RETURN_IF_ERROR(fs_.WriteFileAtomic(path, *parsed.repaired)
                             .WithContext("repairing the journal of run " + id));
    }
    cached = impl_->journals.emplace(id, std::move(j)).first;
    if (parsed.torn_bytes > 0) {
      SF_RETURN_IF_ERROR(
          AppendEvent(id, "journal_repaired",
                      {{"dropped_bytes", parsed.torn_bytes}, {"line", parsed.torn_line}}));
    }
  }
  JournalState& j = cached->second;
  std::string line = "{\"ts\":" + internal::DumpJson(internal::TimestampMs(clock_.Now()), -1) +
                     ",\"seq\":" + std::to_string(j.next_seq) +
                     ",\"type\":" + internal::DumpJson(type, -1);
  if (data.is_object() && !data.empty())
    line += "," + internal::DumpJson(data, -1).substr(1);
  else
    line += "}";
  Status s = fs_.AppendLine(path, line);
  if (!s.ok()) {
    // A failed append may have left a partial line: reload (and repair) before the next one.
    impl_->journals.erase(cached);
    return s.WithContext("event " + type + " of run " + id);
  }
  ++j.next_seq;
  return Status::Ok();
}

Result<std::vector<json>> RunStore::ReadEvents(const std::string& id) const {
  SF_RETURN_IF_ERROR(ValidateId(id));
  const std::string dir = RunDir(id);
  if (!fs_.IsDirectory(dir)) return NotFound("run " + id + " not found");
  const std::string path = dir + "/" + kEventsFile;
  Result<std::string> text = fs_.ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return std::vector<json>{};
    return text.status();
  }
  SF_ASSIGN_OR_RETURN(internal::ParsedJournal parsed, internal::ParseJournal(*text, path));
  return std::move(parsed.events);
}

Status RunStore::StepStarted(const std::string& id, const std::string& step) {
  if (step.empty()) return InvalidArgument("step name is empty");
  SF_ASSIGN_OR_RETURN(std::optional<json> done, StepOutput(id, step));
  if (done) {
    return Status(Code::kAlreadyExists, "step " + step + " of run " + id + " is already done");
  }
  return AppendEvent(id, "step_started", {{"step", step}});
}

Status RunStore::StepDone(const std::string& id, const std::string& step, const json& output) {
  if (step.empty()) return InvalidArgument("step name is empty");
  SF_ASSIGN_OR_RETURN(std::vector<json> events, ReadEvents(id));
  bool started = false;
  for (const json& e : events) {
    if (e.value("step", "") != step) continue;
    std::string type = e.value("type", "");
    if (type == "step_done") {
      return Status(Code::kAlreadyExists, "step " + step + " of run " + id + " is already done");
    }
    if (type == "step_started") started = true;
  }
  if (!started) {
    return Status(Code::kFailedPrecondition,
                  "step " + step + " of run " + id + " was never started");
  }
  return AppendEvent(id, "step_done", {{"step", step}, {"output", output}});
}

Result<std::optional<json>> RunStore::StepOutput(const std::string& id,
                                                 const std::string& step) const {
  SF_ASSIGN_OR_RETURN(std::vector<json> events, ReadEvents(id));
  std::optional<json> out;
  for (const json& e : events) {
    if (e.value("type", "") == "step_done" && e.value("step", "") == step) {
      auto it = e.find("output");
      out = it == e.end() ? json() : *it;
    }
  }
  return out;
}

Status RunStore::WriteRunFile(const std::string& id, const std::string& relative,
                              std::string_view content) {
  SF_RETURN_IF_ERROR(ValidateId(id));
  SF_RETURN_IF_ERROR(ValidateRelative(relative));
  const std::string dir = RunDir(id);
  if (!fs_.IsDirectory(dir)) return NotFound("run " + id + " not found");
  std::size_t slash = relative.rfind('/');
  if (slash != std::string::npos) {
    SF_RETURN_IF_ERROR(fs_.CreateDirectories(dir + "/" + relative.substr(0, slash)));
  }
  return fs_.WriteFileAtomic(dir + "/" + relative, content);
}

Result<std::vector<RunSummary>> RunStore::List(int limit) const {
  return impl_->index->List(limit);
}

Result<RunSummary> RunStore::Get(const std::string& id) const {
  SF_RETURN_IF_ERROR(ValidateId(id));
  Result<RunSummary> row = impl_->index->Get(id);
  if (row.ok() || row.status().code() != Code::kNotFound) return row;
  // Not indexed (e.g. created while the index was unavailable): the files are the truth.
  SF_ASSIGN_OR_RETURN(json state, ReadState(id));
  return SummaryFromState(state, id);
}

Status RunStore::RebuildIndex(RebuildStats* stats) {
  RebuildStats local;
  RebuildStats& st = stats ? *stats : local;
  st = RebuildStats{};
  const std::string runs_dir = root_ + "/runs";
  Result<std::vector<std::string>> names = fs_.ListDirectory(runs_dir);
  if (!names.ok() && names.status().code() != Code::kNotFound) return names.status();
  std::vector<RunSummary> rows;
  if (names.ok()) {
    for (const std::string& name : *names) {
      if (!fs_.IsDirectory(runs_dir + "/" + name)) continue;  // stray files are not runs
      Result<RunSummary> row = InvalidArgument("not a run id");
      if (IsValidRunId(name)) {
        Result<json> state = ReadState(name);
        row = state.ok() ? SummaryFromState(*state, name) : Result<RunSummary>(state.status());
      }
      if (!row.ok()) {
        ++st.skipped;
        st.skipped_ids.push_back(name);
        continue;
      }
      rows.push_back(std::move(row).value());
    }
  }
  SF_RETURN_IF_ERROR(impl_->index->ReplaceAll(rows).WithContext("rebuilding the run index"));
  st.indexed = static_cast<int>(rows.size());
  return Status::Ok();
}

Status RunStore::MarkStaleRunsInterrupted(const std::function<bool(int pid)>& is_alive,
                                          std::vector<std::string>* marked) {
  const std::string runs_dir = root_ + "/runs";
  Result<std::vector<std::string>> names = fs_.ListDirectory(runs_dir);
  if (!names.ok()) {
    return names.status().code() == Code::kNotFound ? Status::Ok() : names.status();
  }
  Status first_error;
  const int self = static_cast<int>(::getpid());
  for (const std::string& id : *names) {
    if (!IsValidRunId(id)) continue;
    Result<json> state = ReadState(id);
    if (!state.ok() || state->value("status", "") != StatusName(RunStatus::kRunning)) continue;
    auto pid_it = state->find("pid");
    int pid = 0;
    if (pid_it != state->end() && pid_it->is_number_integer()) pid = pid_it->get<int>();
    bool alive = pid > 0 && (pid == self || is_alive(pid));
    if (alive) continue;
    json next = *state;
    next["status"] = StatusName(RunStatus::kInterrupted);
    next["interrupted_at"] = FormatIso8601(clock_.Now());
    Status s = WriteState(id, std::move(next));
    if (s.ok()) {
      s = AppendEvent(id, "run_interrupted",
                      {{"previous_status", "running"}, {"pid", pid > 0 ? json(pid) : json()}});
    }
    if (!s.ok()) {
      if (first_error.ok()) first_error = s;
      continue;
    }
    if (marked) marked->push_back(id);
  }
  return first_error;
}

bool ProcessAlive(int pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) == 0) return true;
  return errno == EPERM;  // exists, owned by someone else
}

}  // namespace sf::runs

// The SQLite index (list, rebuild, corruption recovery), the step journal and stale-run marking.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "runs/runs.h"
#include "runs_test_util.h"

namespace sf::runs {
namespace {

using nlohmann::json;
using testing_util::ReadAll;
using testing_util::RunsTest;
using testing_util::WriteAll;
namespace stdfs = std::filesystem;

std::vector<std::string> Ids(const std::vector<RunSummary>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.push_back(r.run_id);
  return out;
}

void RemoveIndexFiles(const std::string& root) {
  for (const char* f : {"/index.sqlite", "/index.sqlite-wal", "/index.sqlite-shm"}) {
    std::error_code ec;
    stdfs::remove(root + f, ec);
  }
}

TEST_F(RunsTest, ListIsNewestFirstWithLimit) {
  // Created out of order; listing follows the ids (which sort by time).
  std::string b = Create(60);
  std::string a = Create(0);
  std::string c = Create(3600, "validate");
  auto all = store_->List();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Ids(*all), (std::vector<std::string>{c, b, a}));
  EXPECT_EQ((*all)[0].kind, "validate");
  EXPECT_EQ((*all)[0].input, "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ((*all)[0].created_at, "2026-11-24T03:15:00Z");

  auto two = store_->List(2);
  EXPECT_EQ(Ids(*two), (std::vector<std::string>{c, b}));
  EXPECT_EQ(store_->List(0)->size(), 3u);
  EXPECT_EQ(store_->Get(NewId(99)).status().code(), Code::kNotFound);
}

TEST_F(RunsTest, IndexUsesWalAndSchemaVersion) {
  Create(0);
  // The WAL file exists while the store is open (journal_mode=WAL).
  EXPECT_TRUE(stdfs::exists(root_ + "/index.sqlite-wal"));
  // A second store on the same root (another process) sees the same runs.
  auto other = RunStore::Open(root_, *fs_, clock_);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  std::string id2 = NewId(30);
  ASSERT_TRUE((*other)->CreateRun(id2, "build", "x", nullptr).ok());
  EXPECT_EQ(store_->List()->size(), 2u);
  EXPECT_EQ(store_->Get(id2)->run_id, id2);
  EXPECT_FALSE((*other)->open_info().index_rebuilt);
}

TEST_F(RunsTest, RebuildFromFilesAfterDeletingIndex) {
  std::string a = Create(0);
  std::string b = Create(10);
  auto st = *store_->ReadState(b);
  st["status"] = "generated_only";
  ASSERT_TRUE(store_->WriteState(b, st).ok());
  store_.reset();
  RemoveIndexFiles(root_);

  OpenStore();
  EXPECT_TRUE(store_->open_info().index_rebuilt);
  EXPECT_EQ(store_->open_info().rebuild.indexed, 2);
  auto runs = store_->List();
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(Ids(*runs), (std::vector<std::string>{b, a}));
  EXPECT_EQ((*runs)[0].status, RunStatus::kGeneratedOnly);
}

TEST_F(RunsTest, RebuildSkipsFoldersWithoutValidStateAndCountsThem) {
  std::string good = Create(0);
  std::string corrupt = Create(5);
  std::string missing = Create(6);
  WriteAll(StatePath(corrupt), "{ truncated");
  stdfs::remove(StatePath(missing));
  stdfs::create_directories(root_ + "/runs/not-a-run-id");
  WriteAll(root_ + "/runs/stray.txt", "x");  // files are ignored, not counted

  RebuildStats stats;
  ASSERT_TRUE(store_->RebuildIndex(&stats).ok());
  EXPECT_EQ(stats.indexed, 1);
  EXPECT_EQ(stats.skipped, 3);
  std::vector<std::string> expected = {corrupt, missing, "not-a-run-id"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(stats.skipped_ids, expected);
  EXPECT_EQ(Ids(*store_->List()), (std::vector<std::string>{good}));
  EXPECT_TRUE(store_->RebuildIndex().ok());  // stats are optional
}

TEST_F(RunsTest, CorruptIndexIsMovedAsideAndRebuilt) {
  std::string a = Create(0);
  std::string b = Create(1);
  store_.reset();
  RemoveIndexFiles(root_);
  WriteAll(root_ + "/index.sqlite", std::string(8192, 'Z'));  // not a database

  OpenStore();
  const OpenInfo& info = store_->open_info();
  EXPECT_TRUE(info.index_rebuilt);
  ASSERT_FALSE(info.corrupt_index_moved_to.empty());
  EXPECT_EQ(info.corrupt_index_moved_to, root_ + "/index.sqlite.corrupt-20261124T031500Z");
  EXPECT_EQ(ReadAll(info.corrupt_index_moved_to), std::string(8192, 'Z'));
  EXPECT_EQ(Ids(*store_->List()), (std::vector<std::string>{b, a}));

  // Again: the aside name does not clobber the first one.
  store_.reset();
  RemoveIndexFiles(root_);
  WriteAll(root_ + "/index.sqlite",
           "SQLite format 3" + std::string(1, '\0') + std::string(4000, 'q'));
  OpenStore();
  EXPECT_EQ(store_->open_info().corrupt_index_moved_to,
            root_ + "/index.sqlite.corrupt-20261124T031500Z-2");
  EXPECT_EQ(store_->List()->size(), 2u);
}

TEST_F(RunsTest, GetFallsBackToFilesWhenNotIndexed) {
  std::string a = Create(0);
  store_.reset();
  RemoveIndexFiles(root_);
  OpenStore();  // rebuilt
  // A run folder written by hand (e.g. copied in) after the rebuild is still readable.
  std::string b = NewId(20);
  stdfs::create_directories(root_ + "/runs/" + b);
  json st = {{"run_id", b},        {"kind", "build"},   {"input", "x"},
             {"status", "failed"}, {"created_at", "t"}, {"updated_at", "t"}};
  WriteAll(root_ + "/runs/" + b + "/state.json", st.dump());
  auto row = store_->Get(b);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->status, RunStatus::kFailed);
  EXPECT_EQ(store_->List()->size(), 1u);
}

TEST_F(RunsTest, StepJournalSemantics) {
  std::string id = Create(0);
  EXPECT_FALSE(store_->StepOutput(id, "create_space")->has_value());
  EXPECT_EQ(store_->StepDone(id, "create_space", {}).code(), Code::kFailedPrecondition);
  EXPECT_EQ(store_->StepStarted(id, "").code(), Code::kInvalidArgument);

  ASSERT_TRUE(store_->StepStarted(id, "create_space").ok());
  EXPECT_FALSE(store_->StepOutput(id, "create_space")->has_value());
  // Crashed mid-step and resumed: starting again is allowed (the step is not done).
  ASSERT_TRUE(store_->StepStarted(id, "create_space").ok());
  json out = {{"repo", "alice/qwen-demo"},
              {"url", "https://huggingface.co/spaces/alice/qwen-demo"}};
  ASSERT_TRUE(store_->StepDone(id, "create_space", out).ok());
  EXPECT_EQ(store_->StepOutput(id, "create_space")->value(), out);

  // Done means done: never redo the side effect.
  EXPECT_EQ(store_->StepStarted(id, "create_space").code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->StepDone(id, "create_space", {}).code(), Code::kAlreadyExists);

  // Steps are independent; a null output is still "done".
  ASSERT_TRUE(store_->StepStarted(id, "commit").ok());
  ASSERT_TRUE(store_->StepDone(id, "commit", nullptr).ok());
  auto commit = store_->StepOutput(id, "commit");
  ASSERT_TRUE(commit->has_value());
  EXPECT_TRUE(commit->value().is_null());

  // Survives a restart (the journal is the truth).
  OpenStore();
  EXPECT_EQ(store_->StepOutput(id, "create_space")->value(), out);
  EXPECT_EQ(store_->StepStarted(id, "create_space").code(), Code::kAlreadyExists);

  auto events = *store_->ReadEvents(id);
  std::vector<std::string> types;
  for (const auto& e : events) types.push_back(e["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"run_created", "step_started", "step_started",
                                             "step_done", "step_started", "step_done"}));
  EXPECT_EQ(events[3]["step"], "create_space");
  EXPECT_EQ(events[3]["output"], out);
  EXPECT_EQ(store_->StepOutput(NewId(50), "x").status().code(), Code::kNotFound);
}

TEST_F(RunsTest, MarkStaleRunsInterrupted) {
  auto set = [&](const std::string& id, json pid, const char* status) {
    auto st = *store_->ReadState(id);
    if (pid.is_null()) {
      st.erase("pid");
    } else {
      st["pid"] = pid;
    }
    st["status"] = status;
    ASSERT_TRUE(store_->WriteState(id, st).ok());
  };
  std::string dead = Create(0);
  std::string alive = Create(1);
  std::string finished = Create(2);
  std::string mine = Create(3);  // owned by this process
  std::string no_pid = Create(4);
  set(dead, 111, "running");
  set(alive, 222, "running");
  set(finished, 111, "failed");
  set(no_pid, nullptr, "running");
  std::string corrupt = Create(5);
  WriteAll(StatePath(corrupt), "garbage");

  std::vector<int> asked;
  auto is_alive = [&](int pid) {
    asked.push_back(pid);
    return pid == 222;
  };
  clock_.Advance(std::chrono::minutes(5));
  std::vector<std::string> marked;
  ASSERT_TRUE(store_->MarkStaleRunsInterrupted(is_alive, &marked).ok());
  std::vector<std::string> expected = {dead, no_pid};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(marked, expected);
  EXPECT_EQ(asked, (std::vector<int>{111, 222}));  // never asked about ourselves or finished runs

  auto st = *store_->ReadState(dead);
  EXPECT_EQ(st["status"], "interrupted");
  EXPECT_EQ(st["interrupted_at"], "2026-11-24T03:20:00Z");
  EXPECT_EQ(store_->Get(dead)->status, RunStatus::kInterrupted);
  auto events = *store_->ReadEvents(dead);
  EXPECT_EQ(events.back()["type"], "run_interrupted");
  EXPECT_EQ(events.back()["pid"], 111);
  EXPECT_EQ(events.back()["previous_status"], "running");

  EXPECT_EQ((*store_->ReadState(alive))["status"], "running");
  EXPECT_EQ((*store_->ReadState(finished))["status"], "failed");
  EXPECT_EQ((*store_->ReadState(mine))["status"], "running");
  EXPECT_EQ((*store_->ReadState(no_pid))["status"], "interrupted");

  // Idempotent: nothing left to mark.
  marked.clear();
  ASSERT_TRUE(store_->MarkStaleRunsInterrupted(is_alive, &marked).ok());
  EXPECT_TRUE(marked.empty());
}

}  // namespace
}  // namespace sf::runs

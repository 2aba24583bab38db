// Run record: state, events, run files, statuses, store root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "runs/runs.h"
#include "runs_test_util.h"

namespace sf::runs {
namespace {

using nlohmann::json;
using testing_util::AppendRaw;
using testing_util::ReadAll;
using testing_util::RunsTest;
using testing_util::WriteAll;
namespace stdfs = std::filesystem;

TEST(StatusNamesTest, RoundTripAndTerminal) {
  const RunStatus all[] = {RunStatus::kRunning,
                           RunStatus::kFullInferenceSuccess,
                           RunStatus::kFullInferenceCandidateHealthPassed,
                           RunStatus::kHealthOnly,
                           RunStatus::kManualHardwareRequired,
                           RunStatus::kTechnicalBlocker,
                           RunStatus::kGeneratedOnly,
                           RunStatus::kFailed,
                           RunStatus::kInterrupted};
  for (RunStatus s : all) {
    auto back = StatusFromName(StatusName(s));
    ASSERT_TRUE(back.has_value()) << StatusName(s);
    EXPECT_EQ(*back, s);
    EXPECT_EQ(IsTerminal(s), s != RunStatus::kRunning && s != RunStatus::kInterrupted);
  }
  EXPECT_EQ(StatusName(RunStatus::kFullInferenceCandidateHealthPassed),
            "full_inference_candidate_health_passed");
  EXPECT_EQ(StatusName(RunStatus::kManualHardwareRequired), "manual_hardware_required");
  EXPECT_FALSE(StatusFromName("success").has_value());
  EXPECT_FALSE(StatusFromName("").has_value());
}

TEST(DefaultStoreRootTest, Precedence) {
  EXPECT_EQ(DefaultStoreRoot(
                MapEnv({{"SPACE_FACTORY_STORE", "/s"}, {"XDG_DATA_HOME", "/x"}, {"HOME", "/h"}})),
            "/s");
  EXPECT_EQ(DefaultStoreRoot(MapEnv({{"XDG_DATA_HOME", "/x"}, {"HOME", "/h"}})), "/x/spacefactory");
  EXPECT_EQ(DefaultStoreRoot(MapEnv({{"SPACE_FACTORY_STORE", ""}, {"HOME", "/h"}})),
            "/h/.local/share/spacefactory");
  EXPECT_EQ(DefaultStoreRoot(MapEnv({})), ".spacefactory");
}

TEST_F(RunsTest, CreateRunWritesLayoutAndState) {
  std::string id = NewId(0);
  ASSERT_TRUE(store_
                  ->CreateRun(id, "build", "Qwen/Qwen2.5-0.5B-Instruct",
                              {{"simulated", true}, {"target", "space"}})
                  .ok());
  for (const char* sub : {"generated", "tests", "artifacts", "traces"}) {
    EXPECT_TRUE(stdfs::is_directory(store_->RunDir(id) + "/" + sub)) << sub;
  }
  auto state = store_->ReadState(id);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ((*state)["run_id"], id);
  EXPECT_EQ((*state)["kind"], "build");
  EXPECT_EQ((*state)["input"], "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ((*state)["status"], "running");
  EXPECT_EQ((*state)["created_at"], "2026-11-24T03:15:00Z");
  EXPECT_EQ((*state)["updated_at"], "2026-11-24T03:15:00Z");
  EXPECT_EQ((*state)["simulated"], true);
  EXPECT_EQ((*state)["pid"], static_cast<int>(::getpid()));
  EXPECT_EQ((*state)["target"], "space");

  auto row = store_->Get(id);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->status, RunStatus::kRunning);
  EXPECT_TRUE(row->simulated);

  auto events = store_->ReadEvents(id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0]["type"], "run_created");
  EXPECT_EQ((*events)[0]["seq"], 1);

  // simulated defaults to false.
  std::string id2 = Create(5);
  EXPECT_EQ((*store_->ReadState(id2))["simulated"], false);
}

TEST_F(RunsTest, CreateRunRejectsBadInput) {
  EXPECT_EQ(store_->CreateRun("../../etc", "build", "x", nullptr).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->CreateRun(NewId(0), "", "x", nullptr).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->CreateRun(NewId(0), "build", "x", {{"status", "failed"}}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_->CreateRun(NewId(0), "build", "x", {{"simulated", "yes"}}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_->CreateRun(NewId(0), "build", "x", json::array()).code(),
            Code::kInvalidArgument);
  std::string id = Create(0);
  EXPECT_EQ(store_->CreateRun(id, "build", "x", nullptr).code(), Code::kAlreadyExists);
}

TEST_F(RunsTest, WriteStateReplacesAndIndexes) {
  std::string id = Create(0);
  auto state = *store_->ReadState(id);
  state["status"] = "health_only";
  state["space"] = "alice/qwen-demo";
  clock_.Advance(std::chrono::seconds(90));
  ASSERT_TRUE(store_->WriteState(id, state).ok());

  auto back = *store_->ReadState(id);
  EXPECT_EQ(back["status"], "health_only");
  EXPECT_EQ(back["space"], "alice/qwen-demo");
  EXPECT_EQ(back["created_at"], "2026-11-24T03:15:00Z");
  EXPECT_EQ(back["updated_at"], "2026-11-24T03:16:30Z");
  auto row = *store_->Get(id);
  EXPECT_EQ(row.status, RunStatus::kHealthOnly);
  EXPECT_EQ(row.updated_at, "2026-11-24T03:16:30Z");

  // Refused: unknown status, another run's id, missing fields, non-object, unknown run.
  auto bad = state;
  bad["status"] = "great_success";
  EXPECT_EQ(store_->WriteState(id, bad).code(), Code::kInvalidArgument);
  bad = state;
  bad["run_id"] = NewId(1);
  EXPECT_EQ(store_->WriteState(id, bad).code(), Code::kInvalidArgument);
  bad = state;
  bad.erase("kind");
  EXPECT_EQ(store_->WriteState(id, bad).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->WriteState(id, json::array()).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->WriteState(NewId(7), state).code(), Code::kNotFound);
  EXPECT_EQ((*store_->ReadState(id))["status"], "health_only");
}

TEST_F(RunsTest, ReadStateErrors) {
  EXPECT_EQ(store_->ReadState(NewId(3)).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->ReadState("nope").status().code(), Code::kInvalidArgument);
  std::string id = Create(0);
  WriteAll(StatePath(id), "{\"run_id\": ");
  EXPECT_EQ(store_->ReadState(id).status().code(), Code::kParse);
}

TEST_F(RunsTest, EventsRoundTripWithIncreasingSeq) {
  std::string id = Create(0);
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::milliseconds(250));
    ASSERT_TRUE(store_->AppendEvent(id, "progress", {{"i", i}, {"msg", "héllo"}}).ok());
  }
  ASSERT_TRUE(store_->AppendEvent(id, "note", nullptr).ok());
  auto events = store_->ReadEvents(id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 7u);
  for (std::size_t n = 0; n < events->size(); ++n) EXPECT_EQ((*events)[n]["seq"], n + 1);
  EXPECT_EQ((*events)[1]["type"], "progress");
  EXPECT_EQ((*events)[1]["i"], 0);
  EXPECT_EQ((*events)[1]["msg"], "héllo");
  EXPECT_EQ((*events)[1]["ts"], "2026-11-24T03:15:00.250Z");
  EXPECT_EQ((*events)[6]["type"], "note");

  // Each line is one compact JSON object starting with ts, seq, type.
  std::string raw = ReadAll(EventsPath(id));
  EXPECT_EQ(std::count(raw.begin(), raw.end(), '\n'), 7);
  EXPECT_EQ(raw.rfind("{\"ts\":", 0), 0u);

  // A new process (store) continues the sequence.
  OpenStore();
  ASSERT_TRUE(store_->AppendEvent(id, "after_restart", {}).ok());
  events = store_->ReadEvents(id);
  EXPECT_EQ(events->back()["seq"], 8);

  // Bad input.
  EXPECT_EQ(store_->AppendEvent(id, "", {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvent(id, "x", {{"seq", 1}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvent(id, "x", json::array({1})).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->AppendEvent(NewId(9), "x", {}).code(), Code::kNotFound);
}

TEST_F(RunsTest, TornLastLineIsSkippedAndRepaired) {
  std::string id = Create(0);
  ASSERT_TRUE(store_->AppendEvent(id, "a", {}).ok());
  AppendRaw(EventsPath(id), "{\"ts\":\"2026-11-24T03:15:00.000Z\",\"seq\":3,\"ty");  // kill -9

  auto events = store_->ReadEvents(id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 2u);

  // The next process to append drops the torn tail first, so it never becomes a middle line.
  OpenStore();
  ASSERT_TRUE(store_->AppendEvent(id, "b", {}).ok());
  events = store_->ReadEvents(id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[2]["type"], "journal_repaired");
  EXPECT_EQ((*events)[2]["line"], 3);
  EXPECT_EQ((*events)[2]["seq"], 3);
  EXPECT_EQ((*events)[3]["type"], "b");
  EXPECT_EQ((*events)[3]["seq"], 4);
}

TEST_F(RunsTest, UnterminatedCompleteLastLineIsKeptAndTerminated) {
  std::string id = Create(0);
  AppendRaw(EventsPath(id), "{\"seq\":2,\"type\":\"x\"}");  // the '\n' never made it
  EXPECT_EQ(store_->ReadEvents(id)->size(), 2u);
  OpenStore();
  ASSERT_TRUE(store_->AppendEvent(id, "y", {}).ok());
  auto events = store_->ReadEvents(id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2]["seq"], 3);
}

TEST_F(RunsTest, CorruptMiddleLineIsAParseErrorWithLineNumber) {
  std::string id = Create(0);
  AppendRaw(EventsPath(id), "not json at all\n");
  AppendRaw(EventsPath(id), "{\"seq\":9,\"type\":\"z\"}\n");
  auto events = store_->ReadEvents(id);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.status().code(), Code::kParse);
  EXPECT_NE(events.status().message().find("line 2"), std::string::npos)
      << events.status().message();
  // A non-object line in the middle is corrupt too.
  WriteAll(EventsPath(id), "{\"seq\":1,\"type\":\"a\"}\n[1,2]\n{\"seq\":2,\"type\":\"b\"}\n");
  events = store_->ReadEvents(id);
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.status().message().find("line 2"), std::string::npos);
}

TEST_F(RunsTest, WriteRunFileCreatesParentsAndRejectsEscapes) {
  std::string id = Create(0);
  ASSERT_TRUE(store_->WriteRunFile(id, "report.md", "# Report\n").ok());
  ASSERT_TRUE(store_->WriteRunFile(id, "generated/app/deep/app.py", "print(1)\n").ok());
  EXPECT_EQ(ReadAll(store_->RunDir(id) + "/report.md"), "# Report\n");
  EXPECT_EQ(ReadAll(store_->RunDir(id) + "/generated/app/deep/app.py"), "print(1)\n");

  const std::vector<std::string> bad_paths = {"",
                                              "/etc/passwd",
                                              "../escape.txt",
                                              "generated/../../escape.txt",
                                              "a/..",
                                              "..",
                                              ".",
                                              "./report.md",
                                              "a//b",
                                              "generated/",
                                              "state.json",
                                              "events.jsonl",
                                              std::string("a\0b", 3)};
  for (const std::string& bad : bad_paths) {
    Status s = store_->WriteRunFile(id, bad, "x");
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << "'" << bad << "'";
  }
  EXPECT_FALSE(stdfs::exists(root_ + "/runs/escape.txt"));
  EXPECT_FALSE(stdfs::exists(root_ + "/escape.txt"));
  EXPECT_EQ(store_->WriteRunFile(NewId(4), "report.md", "x").code(), Code::kNotFound);
}

TEST_F(RunsTest, InjectedWriteFailureLeavesOldStateIntact) {
  std::string id = Create(0);
  auto state = *store_->ReadState(id);
  const std::string before = ReadAll(StatePath(id));
  state["status"] = "full_inference_success";
  fs_->FailWriteAt(1);
  Status s = store_->WriteState(id, state);
  EXPECT_EQ(s.code(), Code::kIo);
  EXPECT_NE(s.message().find("injected"), std::string::npos);
  EXPECT_EQ(ReadAll(StatePath(id)), before);
  EXPECT_EQ((*store_->ReadState(id))["status"], "running");
  EXPECT_EQ(store_->Get(id)->status, RunStatus::kRunning);  // the index did not move either
  // The store keeps working after the failure.
  ASSERT_TRUE(store_->WriteState(id, state).ok());
  EXPECT_EQ(store_->Get(id)->status, RunStatus::kFullInferenceSuccess);

  // A failing state write during CreateRun surfaces too, and the run is not indexed.
  std::string id2 = NewId(10);
  fs_->FailWriteAt(1);
  EXPECT_EQ(store_->CreateRun(id2, "build", "x", nullptr).code(), Code::kIo);
  EXPECT_EQ(store_->Get(id2).status().code(), Code::kNotFound);
}

TEST_F(RunsTest, InjectedAppendFailureSurfacesAndJournalRecovers) {
  std::string id = Create(0);
  fs_->FailAppendAt(1, /*leave_torn_line=*/true);
  Status s = store_->AppendEvent(id, "lost", {{"k", "v"}});
  EXPECT_EQ(s.code(), Code::kIo);
  ASSERT_TRUE(store_->AppendEvent(id, "kept", {}).ok());
  auto events = store_->ReadEvents(id);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[1]["type"], "journal_repaired");
  EXPECT_EQ((*events)[2]["type"], "kept");
  EXPECT_EQ((*events)[2]["seq"], 3);
}

TEST(ProcessAliveTest, SelfAndInvalid) {
  EXPECT_TRUE(ProcessAlive(static_cast<int>(::getpid())));
  EXPECT_FALSE(ProcessAlive(0));
  EXPECT_FALSE(ProcessAlive(-5));
}

}  // namespace
}  // namespace sf::runs

// The build pipeline end to end against `spacefactory sim` (a child process), through the binary:
// one scenario per status with its evidence, hardware refusal and fallback, and the kill test —
// SIGKILL at every step boundary, then `resume`, and exactly one Space and one commit each time.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli_fixture.h"
#include "http/http.h"

namespace {

using namespace sf_cli_test;
using nlohmann::json;

const char* const kCard = SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md";

class DeployTest : public CliTest {
 protected:
  // A simulator with fast Space stages; `extra` adds options (--zero-gpu deny:402, behaviours …).
  void StartSim(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--build-delay", "100", "--startup-delay", "50",
                                     "--no-python-check"};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_ = std::make_unique<SimProcess>(SF_SOURCE_DIR "/tests/data/sim", args);
    ASSERT_FALSE(sim_->endpoint().empty());
    env_ = "HF_ENDPOINT=" + Quote(sim_->endpoint()) + " HF_TOKEN=" + Quote(sim_->token());
  }

  json Build(std::vector<std::string> extra, int* exit_code = nullptr,
             const std::string& more_env = "") {
    std::vector<std::string> args = {"build", kCard, "--json", "--poll-interval", "100"};
    if (std::find(extra.begin(), extra.end(), "--runtime-timeout") == extra.end())
      extra.insert(extra.end(), {"--runtime-timeout", "20"});
    args.insert(args.end(), extra.begin(), extra.end());
    Outcome o = Run(args, env_ + " " + more_env);
    if (exit_code) *exit_code = o.exit_code;
    last_ = o;
    auto j = json::parse(o.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << o.err << o.out;
    EXPECT_EQ(o.out.find(sim_->token()), std::string::npos);
    EXPECT_EQ(o.err.find(sim_->token()), std::string::npos);
    return j;
  }

  json HubGet(const std::string& path) {
    auto http = sf::http::NewCurlHttpClient();
    sf::http::Request req;
    req.method = "GET";
    req.url = sim_->endpoint() + path;
    req.headers.emplace_back("Authorization", "Bearer " + sim_->token());
    auto r = http->Send(req);
    if (!r.ok() || r->status != 200) return json();
    return json::parse(r->body, nullptr, false);
  }

  // Misbehaviours of the simulated Space apps (the sim's admin route; spec in
  // sim/space_behaviour.h).
  void SetBehaviours(const std::string& spec) {
    auto http = sf::http::NewCurlHttpClient();
    sf::http::Request req;
    req.method = "POST";
    req.url = sim_->endpoint() + "/_sim/space-behaviours";
    req.body = spec;
    auto r = http->Send(req);
    ASSERT_TRUE(r.ok() && r->status == 200) << spec;
  }

  // Deletes a Space (ZeroGPU Spaces count against the account's hosting quota, as on the Hub).
  void DeleteSpace(const std::string& space_id) {
    auto http = sf::http::NewCurlHttpClient();
    sf::http::Request req;
    req.method = "DELETE";
    req.url = sim_->endpoint() + "/api/repos/delete";
    req.headers.emplace_back("Authorization", "Bearer " + sim_->token());
    req.headers.emplace_back("Content-Type", "application/json");
    auto slash = space_id.find('/');
    req.body = json{{"type", "space"},
                    {"organization", space_id.substr(0, slash)},
                    {"name", space_id.substr(slash + 1)}}
                   .dump();
    auto r = http->Send(req);
    ASSERT_TRUE(r.ok() && r->status == 200) << space_id;
  }

  // Spaces of sim-user whose name carries `run_id`'s suffix.
  int SpacesOfRun(const std::string& run_id) {
    json list = HubGet("/api/spaces?author=sim-user&limit=1000");
    int n = 0;
    for (const auto& s : list)
      if (s.value("id", "").ends_with("-sf-" + run_id.substr(run_id.size() - 4))) ++n;
    return n;
  }

  int CommitsOf(const std::string& space_id) {
    json c = HubGet("/_sim/commits/spaces/" + space_id);
    return c.value("count", -1);
  }

  std::string Report(const json& state) {
    return Slurp(store_ / "runs" / state.value("run_id", "") / "report.md");
  }

  std::unique_ptr<SimProcess> sim_;
  std::string env_;
  Outcome last_;
};

TEST_F(DeployTest, DryRunIsGeneratedOnlyAndCreatesNoSpace) {
  StartSim();
  int code = -1;
  json state = Build({"--dry-run"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(state["status"], "generated_only");
  EXPECT_FALSE(state.contains("space_id"));
  EXPECT_EQ(SpacesOfRun(state["run_id"]), 0);
}

TEST_F(DeployTest, HardBlockerIsTechnicalBlockerAndCreatesNoSpace) {
  StartSim();
  Outcome o = Run({"build", SF_TESTDATA_DIR "/modelcards/048.md", "--json"}, env_);
  EXPECT_EQ(o.exit_code, 1) << o.err;
  json state = json::parse(o.out);
  EXPECT_EQ(state["status"], "technical_blocker");
  EXPECT_NE(Report(state).find("custom_cuda"), std::string::npos);
  EXPECT_EQ(SpacesOfRun(state["run_id"]), 0);
}

TEST_F(DeployTest, ZeroGpuRefusedIsManualHardwareRequiredWithTheHubsReason) {
  StartSim({"--zero-gpu", "deny:402"});
  int code = -1;
  json state = Build({}, &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(state["status"], "manual_hardware_required") << state.dump(2);
  EXPECT_EQ(state["simulated"], true);
  // Uploaded, private, exactly once; the Hub's own words are in the report.
  std::string space = state["space_id"];
  json info = HubGet("/api/spaces/" + space);
  EXPECT_EQ(info["private"], true);
  EXPECT_EQ(CommitsOf(space), 2);  // the initial commit and ours
  const json& attempts = state["deploy"]["hardware"]["attempts"];
  ASSERT_EQ(attempts.size(), 1u);
  std::string hub_reason = attempts[0]["reason"];
  EXPECT_FALSE(hub_reason.empty());
  EXPECT_NE(Report(state).find(hub_reason), std::string::npos) << Report(state);
  EXPECT_NE(Report(state).find("SIMULATED"), std::string::npos);
  EXPECT_NE(Report(state).find("/settings"), std::string::npos);
}

TEST_F(DeployTest, FixedGpuFallbackIsRequestedOnlyWhenAllowed) {
  StartSim({"--zero-gpu", "deny:403"});
  json state = Build({"--fallback-hardware", "t4-small"});
  const json& hw = state["deploy"]["hardware"];
  EXPECT_EQ(hw["granted"], "t4-small") << state.dump(2);
  ASSERT_EQ(hw["attempts"].size(), 2u);
  EXPECT_EQ(hw["attempts"][0]["flavor"], "zero-a10g");
  EXPECT_EQ(hw["attempts"][0]["granted"], false);
  EXPECT_NE(state["status"], "manual_hardware_required");
}

TEST_F(DeployTest, WithoutSmokeTheGatePassedSpaceIsACandidate) {
  StartSim();
  int code = -1;
  json state = Build({}, &code);
  EXPECT_EQ(code, 0) << last_.err;
  EXPECT_EQ(state["status"], "full_inference_candidate_health_passed") << state.dump(2);
  EXPECT_EQ(state["simulated"], true);
  // The evidence: the gate's observations, no generation call.
  EXPECT_EQ(state["validation"]["health"]["passed"], true);
  EXPECT_EQ(state["validation"]["api"]["passed"], true);
  EXPECT_EQ(state["validation"]["api"]["endpoint"], "/generate");
  EXPECT_TRUE(state["validation"]["calls"].empty());
  EXPECT_TRUE(state["space_url"].get<std::string>().starts_with(sim_->endpoint()));
  json info = HubGet("/api/spaces/" + state["space_id"].get<std::string>());
  EXPECT_EQ(info["private"], true);
}

TEST_F(DeployTest, SmokeCallWithTheRightOutputTypeIsFullInferenceSuccess) {
  StartSim();
  int code = -1;
  json state = Build({"--smoke"}, &code);
  EXPECT_EQ(code, 0) << last_.err;
  ASSERT_EQ(state["status"], "full_inference_success") << state.dump(2);
  const json& calls = state["validation"]["calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["ok"], true);
  std::string report = Report(state);
  EXPECT_NE(report.find("## Deployment"), std::string::npos) << report;
  EXPECT_NE(report.find("SIMULATED"), std::string::npos);
  // The output is kept as an artifact of the run.
  bool stored = false;
  for (const auto& e :
       fs::directory_iterator(store_ / "runs" / state["run_id"].get<std::string>() / "artifacts"))
    stored |= e.path().filename().string().starts_with("call-");
  EXPECT_TRUE(stored);
}

// Apps that lie or break never reach full_inference_success.
TEST_F(DeployTest, MisbehavingAppsAreNeverFullInferenceSuccess) {
  StartSim();
  struct Case {
    std::string behaviour;
    std::string status;
    std::vector<std::string> extra;
  };
  const std::vector<Case> cases = {
      {"*=placeholder", "health_only", {}},
      {"*=placeholder:echo", "health_only", {}},
      {"*=wrong-type", "failed", {}},
      {"*=error:model exploded", "failed", {}},
      {"*=slow:4000", "failed", {"--call-timeout", "1"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.behaviour);
    SetBehaviours(c.behaviour);
    std::vector<std::string> args = {"--smoke"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    json state = Build(args);
    EXPECT_EQ(state["status"], c.status) << state.dump(2);
    EXPECT_NE(state["status"], "full_inference_success");
    if (c.behaviour.find("error") != std::string::npos) {
      EXPECT_NE(Report(state).find("model exploded"), std::string::npos) << Report(state);
    }
    if (state.contains("space_id")) DeleteSpace(state["space_id"]);
  }
}

TEST_F(DeployTest, ASpaceThatNeverLeavesBuildingTimesOutAsFailed) {
  StartSim();
  SetBehaviours("*=building");
  json state = Build({"--runtime-timeout", "1"});
  EXPECT_EQ(state["status"], "failed");
  EXPECT_NE(state["reason"].get<std::string>().find("did not reach RUNNING"), std::string::npos);
  EXPECT_EQ(state["deploy"]["runtime"]["stage"], "BUILDING");
}

TEST_F(DeployTest, ARuntimeErrorPutsTheLogsIntoTheRunAndTheTailIntoTheReport) {
  StartSim();
  SetBehaviours("*=crash:0ms");
  json state = Build({"--smoke"});
  EXPECT_EQ(state["status"], "failed") << state.dump(2);
  const json& rt = state["deploy"]["runtime"];
  if (rt["stage"] == "RUNTIME_ERROR") {
    EXPECT_EQ(rt["log_file"], "artifacts/space-run.log");
    EXPECT_TRUE(fs::exists(store_ / "runs" / state["run_id"].get<std::string>() / "artifacts" /
                           "space-run.log"));
    EXPECT_NE(Report(state).find("Space log"), std::string::npos);
  }
}

// SIGKILL at each step boundary in turn, then resume: every run ends with the same status as an
// uninterrupted one, exactly one Space, one commit of ours, and a readable journal.
TEST_F(DeployTest, KillAtEveryStepBoundaryThenResumeFinishesWithOneSpaceAndOneCommit) {
  StartSim();
  json reference = Build({"--smoke"});
  const std::string expected = reference.value("status", "");
  ASSERT_EQ(expected, "full_inference_success") << reference.dump(2);
  DeleteSpace(reference["space_id"]);

  const std::vector<std::string> pure = {"analyze", "generate", "static_checks"};
  const std::vector<std::string> effects = {"deploy_target", "create_space", "commit_base",
                                            "commit",        "hardware",     "wait_runtime",
                                            "health_gate",   "smoke"};
  std::vector<std::string> boundaries;
  for (const auto& s : pure) boundaries.push_back(s + ":done");
  for (const auto& s : effects)
    for (const char* phase : {"started", "applied", "done"}) boundaries.push_back(s + ":" + phase);

  for (const auto& at : boundaries) {
    SCOPED_TRACE(at);
    fs::remove_all(store_);
    Outcome killed = Run(
        {"build", kCard, "--json", "--smoke", "--runtime-timeout", "20", "--poll-interval", "100"},
        env_ + " SPACE_FACTORY_FAULT_KILL_AT=" + at);
    EXPECT_NE(killed.exit_code, 0);
    EXPECT_TRUE(killed.out.empty()) << "the process was not killed at " << at;
    // The run is there, interrupted.
    Outcome list = Run({"runs", "--json"});
    auto runs = json::parse(list.out, nullptr, false);
    ASSERT_TRUE(runs.is_array() && runs.size() == 1u) << list.out << list.err;
    std::string id = runs[0]["run_id"];
    EXPECT_EQ(runs[0]["status"], "interrupted");

    Outcome resumed = Run({"resume", id, "--json"}, env_);
    auto state = json::parse(resumed.out, nullptr, false);
    ASSERT_FALSE(state.is_discarded()) << resumed.err;
    EXPECT_EQ(state["status"], expected) << state.dump(2);
    EXPECT_EQ(state["resumed"], 1);
    EXPECT_EQ(SpacesOfRun(id), 1);
    EXPECT_EQ(CommitsOf(state["space_id"]), 2);

    // The journal: every step done exactly once, in order, and the run finished once.
    std::string events = Slurp(store_ / "runs" / id / "events.jsonl");
    std::map<std::string, int> done;
    int finished = 0;
    std::istringstream lines(events);
    for (std::string line; std::getline(lines, line);) {
      auto e = json::parse(line, nullptr, false);
      ASSERT_FALSE(e.is_discarded()) << line;
      if (e["type"] == "step_done") ++done[e["step"]];
      if (e["type"] == "run_finished") ++finished;
    }
    EXPECT_EQ(finished, 1);
    for (const auto& [step, n] : done) EXPECT_EQ(n, 1) << step;
    // A second resume is refused: the run has ended.
    Outcome again = Run({"resume", id}, env_);
    EXPECT_EQ(again.exit_code, 2);
    EXPECT_NE(again.err.find("already ended"), std::string::npos) << again.err;
    if (state.contains("space_id")) DeleteSpace(state["space_id"]);
  }
}

}  // namespace

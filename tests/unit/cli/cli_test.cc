// Black-box tests of the spacefactory binary: exit codes, one-line errors, nothing half-written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_fixture.h"

namespace {

using namespace sf_cli_test;

TEST_F(CliTest, VersionAndUsage) {
  Outcome v = Run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("0.1.0"), std::string::npos);
  Outcome none = Run({});
  EXPECT_EQ(none.exit_code, 2);
  Outcome bad = Run({"build"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(Lines(bad.err), 1) << bad.err;
  Outcome flag = Run({"build", "x.md", "--hardware", "h100x8"});
  EXPECT_EQ(flag.exit_code, 2);
}

TEST_F(CliTest, BadInputsGiveOneLineErrorsAndNoRun) {
  std::vector<std::pair<std::string, fs::path>> inputs = {
      {"empty", Write("empty.md", "")},
      {"binary", Write("binary.md", std::string("\x7f"
                                                "ELF\0\0\x01\x02",
                                                8) +
                                        std::string(64, '\0'))},
      {"non-utf8", Write("latin1.md", "---\nlicense: mit\n---\nCaf\xe9 na\xefve model\n")},
      {"huge front matter",
       Write("hugefm.md", "---\n" + std::string(2u << 20, '#') + "\n---\nbody\n")},
      {"20 MB card", Write("big.md", std::string(20u << 20, 'a'))},
      {"directory", dir_},
      {"missing file", dir_ / "does-not-exist.md"},
  };
  for (const auto& [what, path] : inputs) {
    Outcome o = Run({"build", path.string()});
    EXPECT_EQ(o.exit_code, 2) << what << ": " << o.err;
    EXPECT_EQ(Lines(o.err), 1) << what << ": " << o.err;
    EXPECT_EQ(o.err.rfind("error: ", 0), 0u) << what << ": " << o.err;
    EXPECT_EQ(RunDirs(), 0) << what;
    Outcome a = Run({"analyze", path.string()});
    EXPECT_EQ(a.exit_code, 2) << what << ": " << a.err;
  }
}

TEST_F(CliTest, ModelIdWithUnreachableHubExits3AndWritesNothing) {
  Outcome o = Run({"build", "Qwen/Qwen2.5-0.5B-Instruct"});
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_EQ(Lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("cannot reach the Hub at http://127.0.0.1:9"), std::string::npos) << o.err;
  EXPECT_EQ(RunDirs(), 0);
  EXPECT_FALSE(fs::exists(store_ / "runs"));
  Outcome url = Run({"analyze", "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct"});
  EXPECT_EQ(url.exit_code, 3) << url.err;
}

TEST_F(CliTest, TokenNeverPrinted) {
  // Assembled at run time so the source holds nothing that looks like a real token.
  const std::string token = std::string("hf_") + "ThisIsAFakeTokenForTests0123456789";
  Outcome o = Run({"build", "Qwen/Qwen2.5-0.5B-Instruct", "--json"}, "HF_TOKEN=" + token);
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(o.err.find(token), std::string::npos);
  EXPECT_EQ(o.out.find(token), std::string::npos);
}

TEST_F(CliTest, DemoBuildsDeploysValidatesAndRunsListsIt) {
  Outcome o = Run({"demo", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;
  auto both = nlohmann::json::parse(o.out);
  const auto& state = both["build"];
  EXPECT_EQ(state["status"], "full_inference_success") << state.dump(2);
  EXPECT_EQ(state["simulated"], true);
  EXPECT_EQ(state["analysis"]["task"], "text-generation");
  EXPECT_TRUE(state["space_url"].is_string());
  std::string id = state["run_id"];
  fs::path run = store_ / "runs" / id;
  EXPECT_TRUE(fs::exists(run / "generated" / "app.py"));
  EXPECT_TRUE(fs::exists(run / "tests" / "static_checks.json"));
  std::string report = Slurp(run / "report.md");
  EXPECT_NE(report.find("full_inference_success"), std::string::npos);
  EXPECT_NE(report.find("SIMULATED"), std::string::npos);
  ASSERT_TRUE(both.contains("validate")) << o.out;
  EXPECT_EQ(both["validate"]["status"], "full_inference_success") << both["validate"].dump(2);
  EXPECT_EQ(both["validate"]["simulated"], true);

  Outcome list = Run({"runs", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto runs = nlohmann::json::parse(list.out);
  ASSERT_EQ(runs.size(), 2u);  // the build and the validation
  bool listed = false;
  for (const auto& r : runs) listed |= r["run_id"] == id && r["simulated"] == true;
  EXPECT_TRUE(listed) << list.out;

  Outcome show = Run({"runs", id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("status:  full_inference_success"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("report.md"), std::string::npos);

  Outcome missing = Run({"runs", "20200101T000000Z-0000"});
  EXPECT_EQ(missing.exit_code, 2);
  Outcome bogus = Run({"runs", "../../etc/passwd"});
  EXPECT_EQ(bogus.exit_code, 2);
}

TEST_F(CliTest, AnalyzeJsonShape) {
  fs::path card = fs::path(SF_TESTDATA_DIR) / "modelcards" / "048.md";
  Outcome o = Run({"analyze", card.string(), "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_TRUE(j["task"].is_string());
  ASSERT_TRUE(j["blockers"].is_array());
  for (const auto& b : j["blockers"]) {
    EXPECT_TRUE(b["kind"].is_string());
    EXPECT_TRUE(b["evidence"].is_string());
  }
}

TEST_F(CliTest, HardBlockerCardEndsAsTechnicalBlocker) {
  fs::path card = fs::path(SF_TESTDATA_DIR) / "modelcards" / "048.md";  // custom CUDA kernels
  Outcome o = Run({"build", card.string(), "--json"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  auto state = nlohmann::json::parse(o.out);
  EXPECT_EQ(state["status"], "technical_blocker");
  std::string report = Slurp(store_ / "runs" / state["run_id"].get<std::string>() / "report.md");
  EXPECT_NE(report.find("custom_cuda"), std::string::npos);
  EXPECT_NE(report.find("hard"), std::string::npos);
}

}  // namespace

namespace {

TEST_F(CliTest, AgainstTheSimulator) {
  SimProcess sim(SF_SOURCE_DIR "/tests/data/sim", {"--no-python-check"});
  ASSERT_FALSE(sim.endpoint().empty());
  ASSERT_EQ(sim.token().rfind("hf_", 0), 0u);
  const std::string env =
      "HF_ENDPOINT=" + Quote(sim.endpoint()) + " HF_TOKEN=" + Quote(sim.token());

  Outcome who = Run({"whoami", "--json"}, env);
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_EQ(nlohmann::json::parse(who.out)["name"], "sim-user");
  EXPECT_EQ(who.out.find(sim.token()), std::string::npos);

  Outcome search = Run({"search", "models", "tiny", "--limit", "5", "--json"}, env);
  ASSERT_EQ(search.exit_code, 0) << search.err;
  auto found = nlohmann::json::parse(search.out);
  ASSERT_TRUE(found.is_array());
  ASSERT_FALSE(found.empty());
  for (const auto& m : found) EXPECT_NE(m["id"].get<std::string>().find("tiny"), std::string::npos);

  // The card and the file list come from the (simulated) Hub; the GGUF-only repo's files make the
  // blocker, not the card's words alone.
  Outcome gguf = Run({"analyze", "sim-org/llama-gguf", "--json"}, env);
  ASSERT_EQ(gguf.exit_code, 0) << gguf.err;
  auto analysis = nlohmann::json::parse(gguf.out);
  EXPECT_EQ(analysis["model_id"], "sim-org/llama-gguf");
  bool gguf_only = false;
  for (const auto& b : analysis["blockers"]) gguf_only |= b["kind"] == "gguf_only";
  EXPECT_TRUE(gguf_only) << gguf.out;

  Outcome build = Run({"build", "sim-org/tiny-gpt2", "--dry-run", "--json"}, env);
  ASSERT_EQ(build.exit_code, 0) << build.err;
  auto state = nlohmann::json::parse(build.out);
  EXPECT_EQ(state["status"], "generated_only");
  EXPECT_EQ(state["card_source"], "hub:sim-org/tiny-gpt2");
  EXPECT_EQ(build.out.find(sim.token()), std::string::npos);

  // Private repo of another user: not found, exit 2, nothing written.
  int before = RunDirs();
  Outcome priv = Run({"build", "sim-other/private-model"}, env);
  EXPECT_EQ(priv.exit_code, 2) << priv.err;
  EXPECT_NE(priv.err.find("not found"), std::string::npos);
  EXPECT_EQ(RunDirs(), before);

  // A bad token is a permission error, not "not found".
  Outcome bad =
      Run({"whoami"}, "HF_ENDPOINT=" + Quote(sim.endpoint()) + " HF_TOKEN=hf_wrongwrongwrongwrong");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_EQ(bad.err.find("hf_wrongwrong"), std::string::npos);
}

}  // namespace

namespace {

TEST_F(CliTest, RunOfADeadProcessShowsAsInterrupted) {
  Outcome demo =
      Run({"build", SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md", "--dry-run", "--json"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  std::string id = nlohmann::json::parse(demo.out)["run_id"];
  // Pretend the run was killed mid-flight: status running, owned by a process that has exited.
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  fs::path state_path = store_ / "runs" / id / "state.json";
  auto state = nlohmann::json::parse(Slurp(state_path));
  state["status"] = "running";
  state["pid"] = child;
  std::ofstream(state_path) << state.dump();

  Outcome list = Run({"runs", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto runs = nlohmann::json::parse(list.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "interrupted");
  EXPECT_EQ(nlohmann::json::parse(Slurp(state_path))["status"], "interrupted");
}

}  // namespace

namespace {

// The template agent is deterministic: the same card gives the same Space, byte for byte.
TEST_F(CliTest, TheTemplateAgentGeneratesByteIdenticalSpacesForTheSameCard) {
  const std::string card = SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md";
  Outcome a = Run({"build", card, "--dry-run", "--json"});
  Outcome b = Run({"build", card, "--dry-run", "--json"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto sa = nlohmann::json::parse(a.out);
  auto sb = nlohmann::json::parse(b.out);
  ASSERT_NE(sa["run_id"], sb["run_id"]);
  fs::path ga = store_ / "runs" / sa["run_id"].get<std::string>() / "generated";
  fs::path gb = store_ / "runs" / sb["run_id"].get<std::string>() / "generated";
  int files = 0;
  for (const auto& e : fs::directory_iterator(ga)) {
    ++files;
    EXPECT_EQ(Slurp(e.path()), Slurp(gb / e.path().filename())) << e.path().filename();
  }
  EXPECT_GE(files, 3);
  EXPECT_FALSE(Slurp(ga / "app.py").empty());
}

}  // namespace

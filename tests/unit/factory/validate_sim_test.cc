// Scenarios: `spacefactory validate` against the simulated Space runtime of `spacefactory sim`
// (both as child processes, black box). The seeded Space sim-org/demo-space gets each misbehaviour
// in turn (POST /_sim/space-behaviours); placeholder, wrong type, error, slow, crash and
// never-running apps must never yield full_inference_success, and each names its evidence.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "factory/validate.h"
#include "http/http.h"
#include "hub/hub.h"
#include "validate_proc_util.h"

namespace sf::factory {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using testing_util::ChildServer;
using testing_util::CommandResult;
using testing_util::RunCommand;

constexpr char kSpace[] = "sim-org/demo-space";       // seeded, public, text -> text (Gradio 5)
constexpr char kImageSpace[] = "sim-user/image-app";  // created here, private, text -> image (6)

constexpr char kImageApp[] = R"(import gradio as gr


def generate(prompt):
    raise NotImplementedError("the simulator answers for this app")


demo = gr.Interface(fn=generate, inputs=gr.Textbox(label="prompt"), outputs=gr.Image(label="image"))
demo.launch()
)";

constexpr char kImageReadme[] = R"(---
title: Image app
sdk: gradio
sdk_version: 6.31.0
app_file: app.py
---
)";

http::ClientOptions OneAttempt() {
  http::ClientOptions o;
  o.max_attempts = 1;
  return o;
}

// Creates the private image Space and waits until it runs; "" or why not.
std::string CreateImageSpace(const std::string& endpoint, const std::string& token) {
  auto http = http::NewCurlHttpClient(OneAttempt());
  hub::HubClient hub(*http, {.endpoint = endpoint, .token = token});
  hub::CreateRepoOptions create;
  create.repo_id = kImageSpace;
  create.is_private = true;
  if (auto r = hub.CreateRepo(create); !r.ok()) return "create: " + r.status().ToString();
  hub::CommitOptions commit;
  commit.repo_id = kImageSpace;
  commit.files = {{"app.py", kImageApp}, {"README.md", kImageReadme}};
  if (auto r = hub.Commit(commit); !r.ok()) return "commit: " + r.status().ToString();
  SystemClock clock;
  SpaceWaitOptions wait;
  wait.timeout = std::chrono::seconds(30);
  wait.poll_interval = std::chrono::milliseconds(100);
  auto w = WaitForSpaceRunning(hub, *http, kImageSpace, clock, wait);
  if (!w.ok()) return "wait: " + w.status().ToString();
  return w->running ? "" : "wait: " + w->error;
}

class ValidateSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new ChildServer();
    start_error_ = new std::string(
        sim_->Start({SF_BINARY, "sim", "--data", std::string(SF_TESTDATA_DIR) + "/sim",
                     "--build-delay", "200", "--startup-delay", "200", "--no-python-check"},
                    {}, "SIM_OTHER_TOKEN=", std::chrono::seconds(60)));
    if (start_error_->empty()) {
      *start_error_ = CreateImageSpace(sim_->Value("HF_ENDPOINT"), sim_->Value("HF_TOKEN"));
    }
  }
  static void TearDownTestSuite() {
    delete sim_;
    delete start_error_;
    sim_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(start_error_->empty()) << *start_error_;
    endpoint_ = sim_->Value("HF_ENDPOINT");
    token_ = sim_->Value("HF_TOKEN");
    ASSERT_FALSE(endpoint_.empty());
    ASSERT_FALSE(token_.empty());
    store_ = stdfs::path(::testing::TempDir()) /
             ("sf_validate_sim_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(store_);
    SetBehaviour("");
  }
  void TearDown() override {
    SetBehaviour("");
    stdfs::remove_all(store_);
  }

  void SetBehaviour(const std::string& spec) {
    auto http = http::NewCurlHttpClient(OneAttempt());
    http::Request r;
    r.method = spec.empty() ? "DELETE" : "POST";
    r.url = endpoint_ + "/_sim/space-behaviours";
    r.body = spec;
    auto resp = http->Send(r);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    ASSERT_EQ(resp->status, 200) << resp->body;
  }

  struct Outcome {
    int exit_code = -1;
    json state;
  };
  Outcome Validate(const std::string& target, const std::string& flags, bool token = true) {
    CommandResult r = RunCommand(
        "env -u HF_TOKEN NO_PROXY=127.0.0.1,localhost HF_HOME=" + store_.string() +
        " HF_ENDPOINT=" + endpoint_ + (token ? " HF_TOKEN=" + token_ : std::string()) + " " +
        SF_BINARY + " validate " + target + " " + flags + " --json --store " + store_.string());
    Outcome o;
    o.exit_code = r.exit_code;
    o.state = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(o.state.is_discarded()) << "exit " << r.exit_code << ": " << r.out;
    if (o.state.is_discarded()) o.state = json::object();
    return o;
  }
  std::string Reason(const Outcome& o) { return o.state.value("reason", ""); }

  static ChildServer* sim_;
  static std::string* start_error_;
  std::string endpoint_, token_;
  stdfs::path store_;
};

ChildServer* ValidateSimTest::sim_ = nullptr;
std::string* ValidateSimTest::start_error_ = nullptr;

TEST_F(ValidateSimTest, HealthySimulatedSpaceIsFullInferenceSuccess) {
  Outcome o = Validate(kSpace, "--repeats 2 --timeout 10");
  EXPECT_EQ(o.state["status"], "full_inference_success") << Reason(o);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_EQ(o.state["simulated"], true);
  EXPECT_EQ(o.state["space_id"], kSpace);
  EXPECT_EQ(o.state["space_url"], endpoint_ + "/_spaces/" + kSpace);
  EXPECT_EQ(o.state["validation"]["calls_ok"], 2);
  const std::string run_dir = (store_ / "runs" / o.state["run_id"].get<std::string>()).string();
  std::ifstream report(run_dir + "/report.md");
  std::string text((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("SIMULATED RUN"), std::string::npos);
  // The token went to the simulated Space but into no file of the run.
  for (const auto& e : stdfs::recursive_directory_iterator(run_dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(body.find(token_), std::string::npos) << e.path();
  }
}

TEST_F(ValidateSimTest, UrlModeAgainstTheSimulatedSpace) {
  Outcome o = Validate("--url " + endpoint_ + "/_spaces/" + kSpace, "--repeats 1 --timeout 10");
  EXPECT_EQ(o.state["status"], "full_inference_success") << Reason(o);
  EXPECT_EQ(o.state["simulated"], true);
}

struct BadCase {
  std::string behaviour;
  std::string flags;
  std::string status;
  std::string evidence;  // in the reason
};

TEST_F(ValidateSimTest, MisbehavingAppsNeverYieldFullInferenceSuccess) {
  const std::vector<BadCase> cases = {
      {"placeholder", "--repeats 2", "health_only", "placeholder"},
      {"placeholder:echo", "--repeats 2", "health_only", "echoed"},
      {"wrong-type", "--repeats 2", "failed", "wrong type"},
      {"error:CUDA out of memory", "--repeats 2", "failed", "CUDA out of memory"},
      {"slow:4000", "--repeats 2 --timeout 1", "failed", "too slow"},
      {"crash:1", "--repeats 3", "failed", ""},
      {"crash:0", "--repeats 1 --wait-timeout 5", "failed", "RUNTIME_ERROR"},
      {"building", "--repeats 1 --wait-timeout 2", "failed", "did not reach RUNNING"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.behaviour);
    SetBehaviour(std::string(kSpace) + "=" + c.behaviour);
    Outcome o = Validate(kSpace, c.flags);
    EXPECT_NE(o.state.value("status", ""), "full_inference_success");
    EXPECT_EQ(o.state.value("status", ""), c.status) << Reason(o);
    EXPECT_NE(Reason(o).find(c.evidence), std::string::npos) << Reason(o);
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_EQ(o.state.value("simulated", false), true);
  }
}

TEST_F(ValidateSimTest, PrivateImageSpace) {
  Outcome ok = Validate(kImageSpace, "--repeats 2 --timeout 10");
  EXPECT_EQ(ok.state["status"], "full_inference_success") << Reason(ok);
  const json& out = ok.state["validation"]["calls"][0]["outputs"][0];
  EXPECT_EQ(out["kind"], "image");
  EXPECT_EQ(out["media"], "png");
  EXPECT_EQ(ok.state["validation"]["api"]["gradio_version"].get<std::string>().substr(0, 2), "6.");

  // Without a token the Hub does not show the Space: a clear failure that names the token.
  Outcome anon = Validate(kImageSpace, "--repeats 1", /*token=*/false);
  EXPECT_EQ(anon.state["status"], "failed");
  EXPECT_NE(Reason(anon).find("token"), std::string::npos) << Reason(anon);
  EXPECT_EQ(anon.exit_code, 1);

  for (const BadCase& c : std::vector<BadCase>{
           {"wrong-type:magic", "--repeats 2", "failed", "magic bytes"},
           {"wrong-type", "--repeats 2", "failed", "wrong type"},
           {"placeholder", "--repeats 2", "health_only", "placeholder"},
           {"slow:3000", "--repeats 1 --timeout 1", "failed", "too slow"},
       }) {
    SCOPED_TRACE(c.behaviour);
    SetBehaviour(std::string(kImageSpace) + "=" + c.behaviour);
    Outcome o = Validate(kImageSpace, c.flags);
    EXPECT_EQ(o.state.value("status", ""), c.status) << Reason(o);
    EXPECT_NE(Reason(o).find(c.evidence), std::string::npos) << Reason(o);
  }
}

TEST_F(ValidateSimTest, UnknownSpaceIsAClearFailure) {
  Outcome o = Validate("sim-org/no-such-space", "--repeats 1");
  EXPECT_EQ(o.state["status"], "failed");
  EXPECT_NE(Reason(o).find("sim-org/no-such-space"), std::string::npos) << Reason(o);
  EXPECT_EQ(o.exit_code, 1);
}

TEST_F(ValidateSimTest, BadUsageIsExitTwo) {
  CommandResult both = RunCommand(std::string(SF_BINARY) + " validate " + kSpace +
                                  " --url http://127.0.0.1:1 --store " + store_.string());
  EXPECT_EQ(both.exit_code, 2);
  CommandResult none = RunCommand(std::string(SF_BINARY) + " validate --store " + store_.string());
  EXPECT_EQ(none.exit_code, 2);
  CommandResult bad =
      RunCommand(std::string(SF_BINARY) + " validate 'not a space' --store " + store_.string());
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace sf::factory

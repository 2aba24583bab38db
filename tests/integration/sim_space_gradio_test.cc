// Integration: the path the factory's build/validate pipeline takes against the simulator — our
// Hub client creates a private Space and commits a GENERATED app (card → analysis → spacegen),
// waits for RUNNING, reads the Space's `host`, and our Gradio client (sf::gradio over libcurl)
// discovers /generate, calls it (the /call API and the queue protocol), and checks the output
// type. Misbehaving Spaces fail the checks the way the validator needs.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "card/card.h"
#include "gradio/gradio.h"
#include "http/http.h"
#include "hub/hub.h"
#include "sim/sim.h"
#include "spacegen/spacegen.h"

namespace sf {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SimSpaceGradioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    sim::SimOptions o;
    o.build_delay = 200ms;
    o.startup_delay = 100ms;
    o.check_python = false;
    auto s = sim::Simulator::Start(o, *fs_, clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    sim_ = std::move(s).value();
    token_ = sim_->default_token();
    http::ClientOptions co;
    co.max_attempts = 1;
    http_ = http::NewCurlHttpClient(co);
    hub_ = std::make_unique<hub::HubClient>(*http_, hub::HubConfig{sim_->url(), token_});
  }
  void TearDown() override {
    if (sim_) sim_->Stop();
  }

  // Generates the Space for a labelled model card, creates it private, commits it, waits for
  // RUNNING and returns its host URL.
  std::string Deploy(const std::string& card_file, const std::string& model_id,
                     const std::string& name, const std::string& expect_task) {
    auto parsed = card::ParseCard(ReadFile(card_file));
    EXPECT_TRUE(parsed.ok());
    if (!parsed.ok()) return "";
    card::RepoFacts facts;
    facts.model_id = model_id;
    card::CardAnalysis analysis = card::AnalyzeCard(*parsed, facts);
    EXPECT_EQ(analysis.task, expect_task);
    auto space = spacegen::GenerateSpace(analysis, {});
    EXPECT_TRUE(space.ok()) << space.status().ToString();
    if (!space.ok()) return "";
    std::string id = "sim-user/" + name;
    hub::CreateRepoOptions create;
    create.repo_id = id;
    auto created = hub_->CreateRepo(create);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    hub::CommitOptions commit;
    commit.repo_id = id;
    for (const auto& f : space->files) commit.files.push_back({f.path, f.content});
    auto committed = hub_->Commit(commit);
    EXPECT_TRUE(committed.ok()) << committed.status().ToString();
    std::string stage;
    for (int i = 0; i < 100 && stage != "RUNNING"; ++i) {
      auto rt = hub_->GetSpaceRuntime(id);
      EXPECT_TRUE(rt.ok());
      if (rt.ok()) stage = rt->stage;
      if (stage != "RUNNING") std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(stage, "RUNNING");
    auto info = hub_->GetRepoInfo(hub::RepoType::kSpace, id);
    EXPECT_TRUE(info.ok());
    return info.ok() ? info->raw.value("host", "") : "";
  }

  SystemClock clock_;
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<hub::HubClient> hub_;
  std::string token_;
};

TEST_F(SimSpaceGradioTest, GeneratedTextAppAnswersThroughOurGradioClient) {
  std::string host = Deploy(std::string(SF_SOURCE_DIR) + "/examples/Qwen2.5-0.5B-Instruct.md",
                            "Qwen/Qwen2.5-0.5B-Instruct", "qwen-demo", "text-generation");
  ASSERT_EQ(host, sim_->url() + "/_spaces/sim-user/qwen-demo");

  // Private: without the token the client gets the proxy's HTML, a clear error.
  gradio::Client anonymous(*http_, {.root_url = host});
  EXPECT_FALSE(anonymous.LoadConfig().ok());

  gradio::Client client(*http_, {.root_url = host, .token = token_});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(client.config()->api_prefix, "/gradio_api");
  const gradio::Endpoint* ep = info->Find("/generate");
  ASSERT_NE(ep, nullptr);
  ASSERT_EQ(ep->parameters.size(), 3u);
  EXPECT_EQ(ep->parameters[0].component, "Textbox");
  json inputs = json::array({"Write a haiku about the sea.", 64, 0.7});
  auto r = client.Call(ep->name, inputs, {.total_timeout = 10s});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->protocol, "call");
  auto checked = client.CheckOutput(*ep, *r);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_NE(checked->at(0).value.get<std::string>().find("haiku"), std::string::npos);
  auto q = client.CallViaQueue(ep->name, inputs, {.total_timeout = 10s});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->data, r->data);  // deterministic
  EXPECT_TRUE(q->server_duration_s.has_value());

  // The generated app registers GET /health.
  http::Request health;
  health.url = host + "/health";
  health.headers = {{"Authorization", "Bearer " + token_}};
  auto h = http_->Send(health);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(json::parse(h->body).value("task", ""), "text-generation");

  // Misbehaviours are visible to the checks.
  ASSERT_TRUE(sim_->SetSpaceBehaviours("sim-user/qwen-demo=error:CUDA out of memory").ok());
  EXPECT_FALSE(client.Call(ep->name, inputs, {.total_timeout = 10s}).ok());
  ASSERT_TRUE(sim_->SetSpaceBehaviours("sim-user/qwen-demo=wrong-type").ok());
  auto wrong = client.Call(ep->name, inputs, {.total_timeout = 10s});
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(client.CheckOutput(*ep, *wrong).ok());
  ASSERT_TRUE(sim_->SetSpaceBehaviours("sim-user/qwen-demo=crash:1").ok());
  EXPECT_TRUE(client.Call(ep->name, inputs, {.total_timeout = 10s}).ok());
  auto rt = hub_->GetSpaceRuntime("sim-user/qwen-demo");
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ(rt->stage, "RUNTIME_ERROR");
  EXPECT_FALSE(client.LoadConfig().ok());  // 503 HTML now
}

TEST_F(SimSpaceGradioTest, ImageOutputIsARealPngAndWrongMagicIsCaught) {
  // A twin of a generated text-to-image app (same UI block as the spacegen template).
  std::string app =
      ReadFile(std::string(SF_SOURCE_DIR) + "/tests/e2e/gradio_apps/twins/text_to_image.py");
  std::string id = "sim-user/t2i";
  hub::CreateRepoOptions create;
  create.repo_id = id;
  ASSERT_TRUE(hub_->CreateRepo(create).ok());
  hub::CommitOptions commit;
  commit.repo_id = id;
  commit.files = {{"app.py", app}, {"README.md", "---\nsdk: gradio\nsdk_version: 5.49.1\n---\n"}};
  ASSERT_TRUE(hub_->Commit(commit).ok());
  std::this_thread::sleep_for(400ms);
  std::string host = sim_->url() + "/_spaces/" + id;
  gradio::Client client(*http_, {.root_url = host, .token = token_});
  auto info = client.LoadInfo();
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const gradio::Endpoint* ep = info->Find("generate");
  ASSERT_NE(ep, nullptr);
  json inputs = json::array({"a fox", "", 10, 7.5, 0});
  auto r = client.Call(ep->name, inputs, {.total_timeout = 10s});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto checked = client.CheckOutput(*ep, *r);
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->at(0).media, gradio::MediaType::kPng);

  ASSERT_TRUE(sim_->SetSpaceBehaviours(id + "=wrong-type:magic").ok());
  auto bad = client.Call(ep->name, inputs, {.total_timeout = 10s});
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(client.CheckOutput(*ep, *bad).ok());
  ASSERT_TRUE(sim_->SetSpaceBehaviours(id + "=slow:400").ok());
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.Call(ep->name, inputs, {.total_timeout = 10s}).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 400ms);
}

}  // namespace
}  // namespace sf

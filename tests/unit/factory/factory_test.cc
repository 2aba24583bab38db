#include "factory/factory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace sf::factory {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;

std::string Slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Answers each URL with a canned response, or a transport error when none is set.
class FakeHttp final : public http::HttpClient {
 public:
  std::map<std::string, http::Response> routes;
  std::vector<std::string> seen;
  Result<http::Response> Send(const http::Request& r) override {
    seen.push_back(r.method + " " + r.url);
    auto it = routes.find(r.url);
    if (it == routes.end()) return Unavailable("connection refused (127.0.0.1)");
    return it->second;
  }
};

// Runs commands for real unless told to fail.
class ScriptedRunner final : public spacegen::CommandRunner {
 public:
  explicit ScriptedRunner(bool fail) : fail_(fail), real_(spacegen::NewProcessRunner()) {}
  Result<Output> Run(const std::vector<std::string>& argv, const std::string& dir,
                     int timeout) override {
    if (fail_) return Output{1, "SyntaxError: invalid syntax (injected)"};
    return real_->Run(argv, dir, timeout);
  }

 private:
  bool fail_;
  std::unique_ptr<spacegen::CommandRunner> real_;
};

class FactoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(::testing::TempDir()) /
           ("sf_factory_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
    auto store = runs::RunStore::Open(dir_.string(), *fs_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  Deps MakeDeps(spacegen::CommandRunner& runner, http::HttpClient* http = nullptr) {
    return Deps{*fs_, clock_, env_, *store_, runner, http, [this] { return ++counter_; }, nullptr};
  }

  Result<BuildOutcome> BuildFile(const std::string& path, spacegen::CommandRunner& runner,
                                 BuildOptions options = {}) {
    options.input = path;
    Deps deps = MakeDeps(runner);
    SF_ASSIGN_OR_RETURN(CardInput in, LoadCard(options, *fs_, env_, nullptr));
    return Build(options, in, deps);
  }

  std::string Shared(const std::string& card) {
    return (stdfs::path(SF_TESTDATA_DIR) / "modelcards" / card).string();
  }

  stdfs::path dir_;
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1795490100))};
  MapEnv env_{std::vector<std::pair<std::string, std::string>>{}};
  std::unique_ptr<runs::RunStore> store_;
  std::uint32_t counter_ = 0;
};

TEST_F(FactoryTest, DemoCardEndsGeneratedOnlyWithFullRecord) {
  ScriptedRunner runner(false);
  auto out = BuildFile(SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md", runner);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, runs::RunStatus::kGeneratedOnly);
  const json& st = out->state;
  EXPECT_EQ(st["status"], "generated_only");
  EXPECT_EQ(st["model_id"], "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(st["analysis"]["task"], "text-generation");
  EXPECT_NE(st["reason"].get<std::string>().find("no HF token"), std::string::npos);
  for (const auto& c : st["checks"]) EXPECT_TRUE(c["passed"].get<bool>()) << c.dump();

  stdfs::path run(out->run_dir);
  for (auto f : {"generated/app.py", "generated/requirements.txt", "generated/README.md",
                 "tests/static_checks.json", "tests/static_checks.txt", "report.md", "state.json",
                 "events.jsonl"})
    EXPECT_TRUE(stdfs::exists(run / f)) << f;
  for (auto d : {"artifacts", "traces"}) EXPECT_TRUE(stdfs::is_directory(run / d)) << d;

  // The file on disk is the state we returned, and the report renders from it.
  auto disk = json::parse(Slurp(run / "state.json"));
  EXPECT_EQ(disk["status"], "generated_only");
  EXPECT_EQ(Slurp(run / "report.md"), RenderReport(disk));

  // Every step is journaled as started and done, and the run's end is recorded.
  auto events = store_->ReadEvents(out->run_id);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> done;
  for (const auto& e : *events)
    if (e["type"] == "step_done") done.push_back(e["step"]);
  EXPECT_EQ(done, (std::vector<std::string>{"analyze", "generate", "static_checks"}));
  EXPECT_EQ(events->back()["type"], "run_finished");

  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status, runs::RunStatus::kGeneratedOnly);
}

TEST_F(FactoryTest, DryRunSaysSo) {
  ScriptedRunner runner(false);
  BuildOptions options;
  options.dry_run = true;
  auto out = BuildFile(SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md", runner, options);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, runs::RunStatus::kGeneratedOnly);
  EXPECT_NE(out->state["reason"].get<std::string>().find("--dry-run"), std::string::npos);
}

TEST_F(FactoryTest, HardBlockerStopsAtAnalysisWithEvidence) {
  ScriptedRunner runner(false);
  auto out = BuildFile(Shared("048.md"), runner);  // needs custom CUDA kernels (ExLlamaV3 fork)
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, runs::RunStatus::kTechnicalBlocker);
  bool found = false;
  for (const auto& b : out->state["analysis"]["blockers"])
    if (b["kind"] == "custom_cuda") found = !b["evidence"].get<std::string>().empty();
  EXPECT_TRUE(found) << out->state["analysis"].dump(2);
  EXPECT_FALSE(out->state.contains("space"));
  EXPECT_FALSE(stdfs::exists(stdfs::path(out->run_dir) / "generated" / "app.py"));
  std::string report = Slurp(stdfs::path(out->report_path));
  EXPECT_NE(report.find("technical_blocker"), std::string::npos);
  EXPECT_NE(report.find("custom_cuda"), std::string::npos);
}

TEST_F(FactoryTest, FailingStaticCheckEndsFailed) {
  ScriptedRunner runner(true);
  auto out = BuildFile(SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md", runner);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, runs::RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("py_compile"), std::string::npos)
      << out->state["reason"];
  EXPECT_FALSE(IsSuccess(out->status));
}

TEST_F(FactoryTest, UnreachableHubCreatesNoRun) {
  FakeHttp http;
  BuildOptions options;
  options.input = "Qwen/Qwen2.5-0.5B-Instruct";
  auto in = LoadCard(options, *fs_, env_, &http);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), Code::kUnavailable);
  EXPECT_NE(in.status().message().find("cannot reach the Hub at https://huggingface.co"),
            std::string::npos);
  auto listed = store_->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  EXPECT_FALSE(stdfs::exists(dir_ / "runs") && !stdfs::is_empty(dir_ / "runs"));
}

TEST_F(FactoryTest, HubCardAndFileListFeedTheAnalysis) {
  FakeHttp http;
  const std::string base = "https://huggingface.co";
  http.routes[base + "/api/models/acme/tiny-gguf?blobs=true"] = {
      200,
      {},
      json{{"id", "acme/tiny-gguf"},
           {"siblings", json::array({json{{"rfilename", "README.md"}, {"size", 100}},
                                     json{{"rfilename", "tiny-q4_k_m.gguf"}, {"size", 900000}}})}}
          .dump()};
  http.routes[base + "/acme/tiny-gguf/resolve/main/README.md"] = {
      200,
      {},
      "---\nlicense: apache-2.0\npipeline_tag: text-generation\n---\n# Tiny\nA chat model.\n"};
  BuildOptions options;
  options.input = "https://huggingface.co/acme/tiny-gguf";
  auto in = LoadCard(options, *fs_, env_, &http);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->source, "hub:acme/tiny-gguf");
  EXPECT_EQ(in->facts.model_id, "acme/tiny-gguf");
  ASSERT_TRUE(in->facts.total_weight_bytes.has_value());
  EXPECT_EQ(*in->facts.total_weight_bytes, 900000u);
  auto parsed = card::ParseCard(in->text);
  ASSERT_TRUE(parsed.ok());
  auto analysis = card::AnalyzeCard(*parsed, in->facts);
  EXPECT_TRUE(analysis.HasBlocker(card::BlockerKind::kGgufOnly));
  EXPECT_EQ(analysis.model_id, "acme/tiny-gguf");
}

TEST_F(FactoryTest, HubErrorsKeepTheirMeaning) {
  FakeHttp http;
  const std::string base = "https://huggingface.co";
  http.routes[base + "/api/models/acme/private?blobs=true"] = {
      404, {{"X-Error-Code", "RepoNotFound"}}, R"({"error":"Repository not found"})"};
  http.routes[base + "/api/models/acme/gated?blobs=true"] = {
      200, {}, json{{"id", "acme/gated"}, {"gated", "manual"}}.dump()};
  http.routes[base + "/acme/gated/resolve/main/README.md"] = {
      403,
      {{"X-Error-Code", "GatedRepo"}},
      R"({"error":"Access to model acme/gated is restricted"})"};
  BuildOptions options;
  options.input = "acme/private";
  auto missing = LoadCard(options, *fs_, env_, &http);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  options.input = "acme/gated";
  auto gated = LoadCard(options, *fs_, env_, &http);
  EXPECT_EQ(gated.status().code(), Code::kPermissionDenied);
  EXPECT_NE(gated.status().message().find("gated"), std::string::npos);
}

TEST_F(FactoryTest, ReportMarksSimulatedRuns) {
  json state = {{"status", "generated_only"}, {"simulated", true}, {"input", "x"}};
  EXPECT_NE(RenderReport(state).find("SIMULATED RUN"), std::string::npos);
  state["simulated"] = false;
  EXPECT_EQ(RenderReport(state).find("SIMULATED"), std::string::npos);
}

}  // namespace
}  // namespace sf::factory

namespace sf::factory {
namespace {

TEST(ReportTest, ParameterCountsReadNaturally) {
  auto row = [](double b) {
    std::string r = RenderReport(
        {{"status", "generated_only"}, {"analysis", {{"task", "x"}, {"params_billions", b}}}});
    auto at = r.find("| Parameters | ");
    return at == std::string::npos ? std::string()
                                   : r.substr(at + 15, r.find(" |", at + 15) - at - 15);
  };
  EXPECT_EQ(row(0.49), "0.49 B");
  EXPECT_EQ(row(7), "7 B");
  EXPECT_EQ(row(0.0015), "1.5 M");
  EXPECT_EQ(row(0.0000915), "91.5 K");
}

}  // namespace
}  // namespace sf::factory

namespace sf::factory {
namespace {

TEST_F(FactoryTest, TokenNeverReachesTheRunRecord) {
  // Assembled at run time so the source holds nothing that looks like a real token.
  const std::string token = std::string("hf_") + "SecretTokenValueForThisTest0123456789";
  MapEnv env({{std::string("HF_TOKEN"), token}});
  ScriptedRunner runner(false);
  BuildOptions options;
  options.input = SF_SOURCE_DIR "/examples/Qwen2.5-0.5B-Instruct.md";
  Deps deps{*fs_, clock_, env, *store_, runner, nullptr, [] { return 7u; }, nullptr};
  auto in = LoadCard(options, *fs_, env, nullptr);
  ASSERT_TRUE(in.ok());
  auto out = Build(options, *in, deps);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, runs::RunStatus::kGeneratedOnly);
  // With a token the reason is about deployment, not about a missing token.
  EXPECT_EQ(out->state["reason"].get<std::string>().find("no HF token"), std::string::npos);
  int files = 0;
  for (const auto& e : stdfs::recursive_directory_iterator(out->run_dir)) {
    if (!e.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(Slurp(e.path()).find(token), std::string::npos) << e.path();
  }
  EXPECT_GE(files, 7);
}

}  // namespace
}  // namespace sf::factory

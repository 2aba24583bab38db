// Fidelity of `spacefactory validate --url` against real Gradio: the fixture apps of
// tests/e2e/gradio_apps/ (text→text, text→image, text→audio, image→label) run on loopback with the
// pinned gradio 6.x (tests/.venv) and, when pinned (tests/requirements-gradio5.txt), gradio 5.x
// (tests/.venv-gradio5). The binary discovers each endpoint, generates inputs (our PNG is decoded
// by PIL in image→label), calls it twice, checks the real output types and classifies. A venv
// without gradio is a failure, not a skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "validate_proc_util.h"

namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using sf::factory::testing_util::ChildServer;
using sf::factory::testing_util::CommandResult;
using sf::factory::testing_util::FreePort;
using sf::factory::testing_util::RunCommand;

CommandResult Validate(const std::string& url, const std::string& store, int repeats) {
  // No token and no Hub: --url talks to the app only.
  return RunCommand("env -u HF_TOKEN -u HF_ENDPOINT NO_PROXY=127.0.0.1,localhost " +
                    std::string(SF_BINARY) + " validate --url " + url + " --repeats " +
                    std::to_string(repeats) + " --timeout 60 --json --store " + store);
}

void CheckAgainst(const std::string& venv, const std::string& version_prefix) {
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  const std::vector<std::string> apps = {"text_to_text", "text_to_image", "text_to_audio",
                                         "image_to_label"};
  std::vector<std::pair<std::string, int>> ports;
  for (const auto& a : apps) {
    int p = FreePort();
    ASSERT_GT(p, 0);
    ports.emplace_back(a, p);
  }
  std::vector<std::string> args = {std::string(SF_SOURCE_DIR) + "/tests/" + venv + "/bin/python",
                                   std::string(SF_SOURCE_DIR) + "/tests/e2e/gradio_apps/serve.py"};
  for (const auto& [name, port] : ports) args.push_back(name + "=" + std::to_string(port));
  ChildServer server;
  const std::string err = server.Start(
      args,
      {"GRADIO_ANALYTICS_ENABLED=False", "HF_HUB_OFFLINE=1", "NO_PROXY=127.0.0.1,localhost",
       "no_proxy=127.0.0.1,localhost", "PYTHONUNBUFFERED=1"},
      "READY", std::chrono::seconds(90));
  ASSERT_TRUE(err.empty()) << err << " (is gradio installed in tests/" << venv
                           << "? run scripts/install-deps.sh)";
  const stdfs::path store = stdfs::path(::testing::TempDir()) /
                            ("sf_validate_fidelity_" + std::to_string(::getpid()) + venv);
  stdfs::remove_all(store);

  for (const auto& [app, port] : ports) {
    SCOPED_TRACE(venv + " " + app);
    CommandResult r = Validate("http://127.0.0.1:" + std::to_string(port), store.string(), 2);
    json st = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(st.is_discarded()) << "exit " << r.exit_code << ", output: " << r.out;
    const json& v = st["validation"];
    EXPECT_EQ(v["api"]["gradio_version"].get<std::string>().rfind(version_prefix, 0), 0u)
        << v["api"]["gradio_version"];
    EXPECT_TRUE(v["api"]["passed"]);
    EXPECT_TRUE(v["health"]["passed"]) << v["health"].dump();
    EXPECT_EQ(v["health"]["probe"], "/gradio_api/app_id");  // Gradio has no /health
    EXPECT_EQ(st["space_url"], "http://127.0.0.1:" + std::to_string(port));
    EXPECT_EQ(st["simulated"], false);
    ASSERT_EQ(v["calls"].size(), 2u) << v.dump(2);
    for (const auto& c : v["calls"]) EXPECT_TRUE(c["ok"]) << c.dump();
    const json& out = v["calls"][0]["outputs"][0];
    EXPECT_TRUE(stdfs::exists(store / "runs" / st["run_id"].get<std::string>() /
                              out["artifact"].get<std::string>()));
    if (app == "text_to_text") {
      // The fixture echoes its input ("echo: …"): real Gradio, but a placeholder app.
      EXPECT_EQ(out["kind"], "text");
      EXPECT_EQ(st["status"], "health_only");
      EXPECT_TRUE(v["placeholder"]);
      EXPECT_EQ(r.exit_code, 1);
    } else {
      EXPECT_EQ(st["status"], "full_inference_success") << st["reason"];
      EXPECT_EQ(r.exit_code, 0);
      EXPECT_TRUE(v.contains("recommended_zero_gpu_duration_s"));
      EXPECT_GT(v["latency_p50_ms"].get<double>(), 0.0);
    }
    if (app == "text_to_image") {
      EXPECT_EQ(out["kind"], "image");
      EXPECT_TRUE(out["media"] == "png" || out["media"] == "webp" || out["media"] == "jpeg")
          << out["media"];
      if (out.contains("detail") && out["detail"].contains("width")) {
        EXPECT_EQ(out["detail"]["width"], 64);
      }
    }
    if (app == "text_to_audio") {
      EXPECT_EQ(out["kind"], "audio");
      EXPECT_EQ(out["media"], "wav");
      EXPECT_DOUBLE_EQ(out["detail"]["duration_s"].get<double>(), 0.5);
    }
    if (app == "image_to_label") {
      EXPECT_EQ(out["kind"], "label");
      EXPECT_NE(out["preview"].get<std::string>().find("bright"), std::string::npos);
    }
  }

  // An endpoint that does not exist is a clear failure naming the real one.
  CommandResult bad =
      Validate("http://127.0.0.1:" + std::to_string(ports[0].second) + " --endpoint /nope",
               store.string(), 1);
  json st = json::parse(bad.out, nullptr, false);
  ASSERT_FALSE(st.is_discarded()) << bad.out;
  EXPECT_EQ(st["status"], "failed");
  EXPECT_NE(st["reason"].get<std::string>().find("it has: /"), std::string::npos) << st["reason"];
  EXPECT_EQ(bad.exit_code, 1);
  stdfs::remove_all(store);
}

TEST(ValidateFidelity, RealGradio6FixtureApps) { CheckAgainst(".venv", "6."); }

TEST(ValidateFidelity, RealGradio5FixtureAppsWhenPinned) {
  if (!stdfs::exists(std::string(SF_SOURCE_DIR) + "/tests/requirements-gradio5.txt")) {
    GTEST_SKIP() << "gradio 5.x is not pinned (tests/requirements-gradio5.txt)";
  }
  CheckAgainst(".venv-gradio5", "5.");
}

// Nothing listens: exit 3 (remote), a failed run, one clear line.
TEST(ValidateFidelity, UnreachableAppIsARemoteError) {
  int port = FreePort();
  const stdfs::path store =
      stdfs::path(::testing::TempDir()) / ("sf_validate_unreach_" + std::to_string(::getpid()));
  CommandResult r = Validate("http://127.0.0.1:" + std::to_string(port), store.string(), 1);
  json st = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(st.is_discarded()) << r.out;
  EXPECT_EQ(st["status"], "failed");
  EXPECT_EQ(r.exit_code, 3);
  stdfs::remove_all(store);
}

}  // namespace

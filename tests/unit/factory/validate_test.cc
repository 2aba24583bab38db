// Unit tests of the validate pipeline against a scripted Hub + Gradio app (no network): the
// classification of each behaviour, and each bad input ending as a clear error with the right
// status.
#include "factory/validate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>

#include "validate_test_util.h"

namespace sf::factory {
namespace {

namespace stdfs = std::filesystem;
using nlohmann::json;
using runs::RunStatus;
using testing_util::FakeApp;
using testing_util::FakeHttp;
using testing_util::kApp;
using testing_util::kHub;

const std::string kToken = std::string("hf_") + "validateTESTtoken" + "0123456789abcdef";

class NullRunner final : public spacegen::CommandRunner {
 public:
  Result<Output> Run(const std::vector<std::string>&, const std::string&, int) override {
    return Output{0, ""};
  }
};

std::string Slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = stdfs::path(::testing::TempDir()) /
           ("sf_validate_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    stdfs::remove_all(dir_);
    stdfs::create_directories(dir_);
    auto store = runs::RunStore::Open(dir_.string(), *fs_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    http_.handler = [this](const http::Request& r) { return app_.Handle(r); };
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  Result<ValidateOutcome> Run(ValidateOptions o, bool with_token = true) {
    MapEnv env(with_token ? std::vector<std::pair<std::string, std::string>>{{"HF_ENDPOINT", kHub},
                                                                             {"HF_TOKEN", kToken},
                                                                             {"HOME", dir_}}
                          : std::vector<std::pair<std::string, std::string>>{{"HF_ENDPOINT", kHub},
                                                                             {"HOME", dir_}});
    Deps deps{*fs_, clock_, env, *store_, runner_, &http_, [this] { return ++counter_; }, nullptr};
    o.sleep = [this](std::chrono::milliseconds d) { clock_.Advance(d); };
    o.poll_interval = std::chrono::milliseconds(1000);
    if (o.call_timeout == ValidateOptions{}.call_timeout) o.call_timeout = std::chrono::seconds(5);
    return Validate(o, deps);
  }
  Result<ValidateOutcome> RunSpace(int repeats = 3) {
    ValidateOptions o;
    o.space_id = "alice/demo";
    o.repeats = repeats;
    return Run(o);
  }
  std::string RunFile(const ValidateOutcome& out, const std::string& rel) {
    return Slurp(stdfs::path(out.run_dir) / rel);
  }
  // Everything the run wrote, for secret checks.
  std::string AllRunText(const ValidateOutcome& out) {
    std::string all;
    for (const auto& e : stdfs::recursive_directory_iterator(out.run_dir))
      if (e.is_regular_file()) all += Slurp(e.path());
    return all;
  }

  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000))};
  NullRunner runner_;
  FakeApp app_;
  FakeHttp http_;
  stdfs::path dir_;
  std::unique_ptr<runs::RunStore> store_;
  std::uint32_t counter_ = 0;
};

TEST_F(ValidateTest, RealTextOutputIsFullInferenceSuccess) {
  app_.text_reply = [](const std::string& in) {
    return "Once upon a time, " + in.substr(0, 5) + " and a long continuation of generated words";
  };
  auto out = RunSpace(3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, RunStatus::kFullInferenceSuccess) << out->state.dump(2);
  const json& st = out->state;
  EXPECT_EQ(st["kind"], "validate");
  EXPECT_EQ(st["space_id"], "alice/demo");
  EXPECT_EQ(st["space_url"], kApp);
  EXPECT_EQ(st["simulated"], false);
  const json& v = st["validation"];
  EXPECT_TRUE(v["health"]["passed"]);
  EXPECT_EQ(v["health"]["probe"], "/health");
  EXPECT_TRUE(v["api"]["passed"]);
  EXPECT_EQ(v["api"]["endpoint"], "/generate");
  EXPECT_EQ(v["api"]["endpoint_reason"], "named 'generate'");
  EXPECT_EQ(v["calls"].size(), 3u);
  EXPECT_EQ(v["calls_ok"], 3);
  EXPECT_TRUE(v["real_output_observed"]);
  EXPECT_TRUE(v.contains("latency_p50_ms"));
  EXPECT_EQ(v["recommended_zero_gpu_duration_s"], 10);  // fast calls: the 10 s floor
  // Different prompts per call.
  EXPECT_NE(v["calls"][0]["input"], v["calls"][1]["input"]);
  // Artifacts, report, events.
  EXPECT_TRUE(stdfs::exists(stdfs::path(out->run_dir) / "artifacts/call-1-out-0.json"));
  std::string report = RunFile(*out, "report.md");
  EXPECT_NE(report.find("full_inference_success"), std::string::npos);
  EXPECT_NE(report.find("## Validation"), std::string::npos);
  EXPECT_NE(report.find("Recommended ZeroGPU duration"), std::string::npos);
  EXPECT_EQ(report.find("Card source"), std::string::npos);
  std::string events = RunFile(*out, "events.jsonl");
  EXPECT_NE(events.find("validate_call"), std::string::npos);
  EXPECT_NE(events.find("run_finished"), std::string::npos);
  // The token went to the app (private Space) but nowhere into the run record.
  EXPECT_TRUE(app_.saw_token_on_app);
  EXPECT_EQ(AllRunText(*out).find(kToken), std::string::npos);
}

TEST_F(ValidateTest, SimulatorHeaderMarksTheRunSimulated) {
  app_.hub_is_sim = true;
  app_.text_reply = [](const std::string& in) {
    return "story about " + std::to_string(in.size()) +
           " things, far longer than the prompt decoration";
  };
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->state["simulated"], true);
  EXPECT_NE(RunFile(*out, "report.md").find("SIMULATED"), std::string::npos);
}

TEST_F(ValidateTest, ImageOutputIsCheckedByMagicBytesAndStored) {
  app_.output_component = "Image";
  auto out = RunSpace(2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFullInferenceSuccess) << out->state.dump(2);
  const json& c = out->state["validation"]["calls"][0]["outputs"][0];
  EXPECT_EQ(c["kind"], "image");
  EXPECT_EQ(c["media"], "png");
  EXPECT_EQ(c["detail"]["width"], 32);
  std::string png = RunFile(*out, c["artifact"].get<std::string>());
  EXPECT_EQ(gradio::DetectMediaType(png), gradio::MediaType::kPng);
}

TEST_F(ValidateTest, PlaceholderTextIsNeverAboveHealthOnly) {
  for (std::string text : {"This is a placeholder response.", "TODO: load the model",
                           "Inference not implemented yet", "Lorem ipsum dolor sit amet"}) {
    SCOPED_TRACE(text);
    app_.text_reply = [text](const std::string& in) { return text + " (" + in.substr(0, 4) + ")"; };
    auto out = RunSpace(2);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->status, RunStatus::kHealthOnly);
    EXPECT_TRUE(out->state["validation"]["placeholder"]);
    EXPECT_FALSE(out->state["validation"]["real_output_observed"]);
  }
}

TEST_F(ValidateTest, ConstantOutputAcrossInputsIsAPlaceholder) {
  app_.text_reply = [](const std::string&) {
    return "A perfectly plausible sentence about the world.";
  };
  auto out = RunSpace(3);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kHealthOnly);
  EXPECT_NE(out->state["reason"].get<std::string>().find("same output"), std::string::npos);
}

TEST_F(ValidateTest, EchoIsAPlaceholder) {
  app_.text_reply = [](const std::string& in) { return "echo: " + in; };
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kHealthOnly);
  EXPECT_NE(out->state["reason"].get<std::string>().find("echoed"), std::string::npos);
}

TEST_F(ValidateTest, TinyImageAndSilentAudioArePlaceholders) {
  app_.output_component = "Image";
  app_.png_size = 1;
  auto img = RunSpace(1);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->status, RunStatus::kHealthOnly);
  EXPECT_NE(img->state["reason"].get<std::string>().find("1x1"), std::string::npos);

  app_.output_component = "Audio";
  app_.silent_audio = true;
  auto wav = RunSpace(1);
  ASSERT_TRUE(wav.ok());
  EXPECT_EQ(wav->status, RunStatus::kHealthOnly);
  EXPECT_NE(wav->state["reason"].get<std::string>().find("silence"), std::string::npos);
}

TEST_F(ValidateTest, WrongTypeFails) {
  // Declares Image, serves WAV bytes.
  app_.output_component = "Image";
  app_.serve_wav_for_image = true;
  auto out = RunSpace(2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["validation"]["calls"][0]["failure"], "wrong_type");
  EXPECT_NE(out->state["reason"].get<std::string>().find("magic bytes say wav"), std::string::npos);

  // A text app where the task wants an image.
  app_ = FakeApp{};
  ValidateOptions o;
  o.space_id = "alice/demo";
  o.repeats = 1;
  o.expected_kind = gradio::OutputKind::kImage;
  auto text = Run(o);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->status, RunStatus::kFailed);
  EXPECT_EQ(text->state["validation"]["calls"][0]["failure"], "wrong_type");
}

TEST_F(ValidateTest, EndpointErrorFails) {
  app_.sse_override =
      "event: error\ndata: {\"error\": \"CUDA out of memory\", \"title\": \"Error\"}\n\n";
  auto out = RunSpace(3);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["validation"]["calls"].size(), 1u);  // stops at the first failure
  EXPECT_EQ(out->state["validation"]["calls"][0]["failure"], "app_error");
  EXPECT_NE(out->state["reason"].get<std::string>().find("CUDA out of memory"), std::string::npos);
}

TEST_F(ValidateTest, ZeroGpuQuotaIsNotTheAppsFault) {
  app_.sse_override =
      "event: error\ndata: {\"error\": \"You have exceeded your GPU quota (60s requested vs. 12s "
      "left). Try again in 1:02:03\", \"title\": \"ZeroGPU quota exceeded\"}\n\n";
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kHealthOnly);
  EXPECT_EQ(out->state["validation"]["calls"][0]["failure"], "zerogpu_quota_exhausted");
  EXPECT_NE(out->state["reason"].get<std::string>().find("ZeroGPU"), std::string::npos);
}

TEST_F(ValidateTest, ErrorWithoutDetailIsDiagnosedThroughTheQueue) {
  app_.sse_override = "event: error\ndata: null\n\n";
  app_.queue_error = "You have exceeded your free GPU quota (60s requested vs. 3s left).";
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->state["validation"]["calls"][0]["failure"], "zerogpu_quota_exhausted")
      << out->state.dump(2);
  EXPECT_TRUE(app_.queue_joined);
}

TEST_F(ValidateTest, StreamEndingWithoutCompleteIsAClearFailure) {
  app_.sse_override = "event: heartbeat\ndata: null\n\nevent: generating\ndata: [\"par\"]\n\n";
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["validation"]["calls"][0]["failure"], "stream_ended");
  EXPECT_NE(out->state["reason"].get<std::string>().find("without 'complete'"), std::string::npos);
}

TEST_F(ValidateTest, SlowBeyondTheTimeoutFails) {
  app_.sse_timeout = true;
  auto out = RunSpace(2);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["validation"]["calls"][0]["failure"], "timeout");
  EXPECT_NE(out->state["reason"].get<std::string>().find("too slow"), std::string::npos);
}

TEST_F(ValidateTest, MalformedConfigFails) {
  app_.config_body = R"({"version": "5.49.1", "dependencies": "oops"})";
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["validation"]["failure_stage"], "config");
  EXPECT_NE(out->state["reason"].get<std::string>().find("dependencies"), std::string::npos);
}

TEST_F(ValidateTest, NonGradioSpaceFails) {
  app_.config_body = "<!DOCTYPE html><html><body>Streamlit app</body></html>";
  app_.config_type = "text/html";
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["validation"]["failure_stage"], "config");
  EXPECT_NE(out->state["reason"].get<std::string>().find("/config"), std::string::npos);
}

TEST_F(ValidateTest, UnknownSpaceFails) {
  app_.space_exists = false;
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("alice/demo"), std::string::npos);
  EXPECT_FALSE(out->remote_unreachable);
  EXPECT_FALSE(out->state.contains("validation"));
}

TEST_F(ValidateTest, PrivateSpaceWithoutTokenFails) {
  app_.space_private = true;
  ValidateOptions o;
  o.space_id = "alice/demo";
  o.repeats = 1;
  auto out = Run(o, /*with_token=*/false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("token"), std::string::npos)
      << out->state["reason"];
}

TEST_F(ValidateTest, PrivateAppUrlWithoutTokenFails) {
  app_.space_private = true;
  ValidateOptions o;
  o.url = kApp;
  o.repeats = 1;
  auto out = Run(o, /*with_token=*/false);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("private Space"), std::string::npos)
      << out->state["reason"];
}

TEST_F(ValidateTest, UrlModeNeverSendsTheTokenToAForeignHost) {
  app_.text_reply = [](const std::string& in) {
    return "generated: " + std::to_string(in.size()) + " characters of a story that goes on";
  };
  ValidateOptions o;
  o.url = kApp;  // http://app.test is neither *.hf.space nor the Hub's host
  o.repeats = 1;
  auto out = Run(o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFullInferenceSuccess) << out->state.dump(2);
  EXPECT_FALSE(app_.saw_token_on_app);
  EXPECT_EQ(app_.hub_requests, 0);
  EXPECT_TRUE(TokenAllowedFor("https://alice-demo.hf.space", "https://huggingface.co"));
  EXPECT_TRUE(TokenAllowedFor("http://127.0.0.1:5000/spaces/x", "http://127.0.0.1:5000"));
  EXPECT_FALSE(TokenAllowedFor("https://evil.example/x.hf.space", "https://huggingface.co"));
  EXPECT_FALSE(TokenAllowedFor("https://hf.space.evil.example", "https://huggingface.co"));
}

TEST_F(ValidateTest, BuildErrorFetchesTheLogs) {
  app_.stages = {"BUILDING", "BUILD_ERROR"};
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("BUILD_ERROR"), std::string::npos);
  EXPECT_NE(out->state["reason"].get<std::string>().find("No matching distribution"),
            std::string::npos);
  EXPECT_EQ(out->state["log_file"], "artifacts/space-build.log");
  EXPECT_NE(RunFile(*out, "artifacts/space-build.log").find("pip install"), std::string::npos);
  EXPECT_NE(RunFile(*out, "report.md").find("Space log (last lines)"), std::string::npos);
}

TEST_F(ValidateTest, RuntimeErrorFetchesTheRunLogs) {
  app_.stages = {"RUNTIME_ERROR"};
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_EQ(out->state["log_file"], "artifacts/space-run.log");
}

TEST_F(ValidateTest, PausedIsFatal) {
  app_.stages = {"PAUSED"};
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("paused"), std::string::npos);
}

TEST_F(ValidateTest, SleepingSpaceIsWokenAndValidated) {
  app_.text_reply = [](const std::string& in) {
    return "a reply of some length for " + std::to_string(in.size()) + " input characters";
  };
  app_.stages = {"SLEEPING", "SLEEPING", "APP_STARTING", "RUNNING"};
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFullInferenceSuccess) << out->state.dump(2);
  EXPECT_GE(app_.wake_requests, 1);
  EXPECT_EQ(out->state["runtime"]["stage"], "RUNNING");
}

TEST_F(ValidateTest, NeverRunningTimesOut) {
  app_.stages = {"BUILDING"};
  ValidateOptions o;
  o.space_id = "alice/demo";
  o.wait_timeout = std::chrono::seconds(30);
  auto out = Run(o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("did not reach RUNNING within 30 s"),
            std::string::npos);
}

TEST_F(ValidateTest, HubUnreachableIsARemoteError) {
  app_.hub_down = true;
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_TRUE(out->remote_unreachable);
}

TEST_F(ValidateTest, HealthSurrogateAndBrokenHealth) {
  app_.text_reply = [](const std::string& in) {
    return "An answer that is clearly generated, about " + in.substr(0, 8);
  };
  app_.health_status = 404;
  auto out = RunSpace(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFullInferenceSuccess);
  EXPECT_EQ(out->state["validation"]["health"]["probe"], "/gradio_api/app_id");

  app_.health_status = 500;
  auto bad = RunSpace(1);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, RunStatus::kFailed);
  EXPECT_EQ(bad->state["validation"]["failure_stage"], "health");
  EXPECT_EQ(bad->state["validation"]["calls"].size(), 0u);
}

TEST_F(ValidateTest, UnknownEndpointListsTheAvailableOnes) {
  ValidateOptions o;
  o.space_id = "alice/demo";
  o.endpoint = "/nope";
  auto out = Run(o);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kFailed);
  EXPECT_NE(out->state["reason"].get<std::string>().find("/generate"), std::string::npos);
}

TEST_F(ValidateTest, GateOnlyWithoutCalls) {
  auto out = RunSpace(0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->status, RunStatus::kHealthOnly);
  EXPECT_TRUE(out->state["validation"]["gate_passed"]);
  EXPECT_EQ(app_.calls, 0);
}

TEST_F(ValidateTest, BadOptionsCreateNoRun) {
  ValidateOptions both;
  both.space_id = "alice/demo";
  both.url = kApp;
  EXPECT_EQ(Run(both).status().code(), Code::kInvalidArgument);
  ValidateOptions neither;
  EXPECT_EQ(Run(neither).status().code(), Code::kInvalidArgument);
  ValidateOptions bad_id;
  bad_id.space_id = "not a space";
  EXPECT_EQ(Run(bad_id).status().code(), Code::kInvalidArgument);
  ValidateOptions bad_url;
  bad_url.url = "ftp://x";
  EXPECT_EQ(Run(bad_url).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(!stdfs::exists(dir_ / "runs") || stdfs::is_empty(dir_ / "runs"));
}

// ---- pure helpers --------------------------------------------------------------------------

TEST(ValidateHelpers, DurationRecommendation) {
  std::string note;
  EXPECT_EQ(RecommendZeroGpuDuration(0.2, &note), 10);
  EXPECT_NE(note.find("floor"), std::string::npos);
  EXPECT_EQ(RecommendZeroGpuDuration(10.0, nullptr), 15);
  EXPECT_EQ(RecommendZeroGpuDuration(10.1, nullptr), 20);  // 15.15 → 16 → 20
  EXPECT_EQ(RecommendZeroGpuDuration(50.0, &note), 75);
  EXPECT_NE(note.find("60 s default"), std::string::npos);
  EXPECT_EQ(RecommendZeroGpuDuration(200.0, &note), 120);
  EXPECT_NE(note.find("capped"), std::string::npos);
}

TEST(ValidateHelpers, GeneratedMediaIsWellFormed) {
  std::string png = MakeTestPng(16, 3);
  EXPECT_EQ(gradio::DetectMediaType(png), gradio::MediaType::kPng);
  json d;
  EXPECT_TRUE(MediaPlaceholderSigns(png, &d).empty());
  EXPECT_EQ(d["width"], 16);
  EXPECT_NE(MakeTestPng(16, 3), MakeTestPng(16, 4));
  std::string wav = MakeTestWav(500, 1);
  EXPECT_EQ(gradio::DetectMediaType(wav), gradio::MediaType::kWav);
  json w;
  EXPECT_TRUE(MediaPlaceholderSigns(wav, &w).empty());
  EXPECT_DOUBLE_EQ(w["duration_s"].get<double>(), 0.5);
  EXPECT_EQ(MediaPlaceholderSigns(MakeTestPng(1, 0), nullptr).size(), 1u);
  EXPECT_EQ(MediaPlaceholderSigns(MakeTestWav(10, 0), nullptr).size(), 1u);  // 10 ms
  // Truncated or hostile headers never crash.
  for (std::size_t n = 0; n < png.size() && n < 64; ++n)
    (void)MediaPlaceholderSigns(png.substr(0, n), &d);
  for (std::size_t n = 0; n < 64; ++n) (void)MediaPlaceholderSigns(wav.substr(0, n), &d);
  (void)MediaPlaceholderSigns(std::string("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff", 20), &d);
  (void)MediaPlaceholderSigns(std::string("\xFF\xD8\xFF\xC0\x00\x01", 6) + std::string(8, '\0'),
                              &d);
}

TEST(ValidateHelpers, TextPlaceholderSigns) {
  EXPECT_TRUE(TextPlaceholderSigns("The capital of France is Paris.", "capital of France").empty());
  EXPECT_FALSE(TextPlaceholderSigns("echo: hello world", "hello world").empty());
  EXPECT_FALSE(TextPlaceholderSigns("hello world", "hello world").empty());
  EXPECT_FALSE(TextPlaceholderSigns("Hello Ada Lovelace", "Ada Lovelace").empty());  // greet()
  // A continuation that repeats the prompt is not an echo.
  EXPECT_TRUE(TextPlaceholderSigns(
                  "hello world, said the robot as it powered up for the first time", "hello world")
                  .empty());
  EXPECT_FALSE(TextPlaceholderSigns(json{{"label", "placeholder"}}, "").empty());
  EXPECT_TRUE(TextPlaceholderSigns("a todo list app", "").empty());  // lower-case "todo" is fine
  EXPECT_FALSE(TextPlaceholderSigns("TODO", "").empty());
}

TEST(ValidateHelpers, ClassifyCallError) {
  EXPECT_EQ(ClassifyCallError(Status(Code::kRemote, "No GPU was available after 60s")),
            CallFailure::kZeroGpuNoGpu);
  EXPECT_EQ(ClassifyCallError(Status(Code::kRemote, "GPU task aborted")),
            CallFailure::kZeroGpuAborted);
  EXPECT_EQ(ClassifyCallError(Status(Code::kRemote,
                                     "The requested GPU duration (300s) is larger than the "
                                     "maximum allowed")),
            CallFailure::kZeroGpuDuration);
  EXPECT_EQ(ClassifyCallError(Status(Code::kTimeout, "no result within 5000 ms")),
            CallFailure::kTimeout);
  EXPECT_EQ(ClassifyCallError(Status(Code::kRemote, "boom")), CallFailure::kAppError);
}

TEST(ValidateHelpers, ClassificationNeverPromotesAPlaceholder) {
  SpaceCheck c;
  c.health.passed = true;
  c.api.passed = true;
  c.api.endpoint = "/generate";
  CallRecord ok;
  ok.index = 1;
  ok.ok = true;
  c.calls.push_back(ok);
  EXPECT_EQ(ClassifyCheck(c).status, RunStatus::kFullInferenceSuccess);
  c.placeholder = true;
  c.placeholder_evidence = {"x"};
  EXPECT_EQ(ClassifyCheck(c, true).status, RunStatus::kHealthOnly);
  c.placeholder = false;
  c.placeholder_evidence.clear();
  c.calls.clear();
  EXPECT_EQ(ClassifyCheck(c, true).status, RunStatus::kFullInferenceCandidateHealthPassed);
  EXPECT_EQ(ClassifyCheck(c, false).status, RunStatus::kHealthOnly);
  c.health.passed = false;
  EXPECT_EQ(ClassifyCheck(c, true).status, RunStatus::kFailed);
}

}  // namespace
}  // namespace sf::factory

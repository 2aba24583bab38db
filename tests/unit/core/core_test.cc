#include "core/core.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace sf {
namespace {

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFound("no such run");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.ToString(), "not_found: no such run");
  EXPECT_EQ(s.WithContext("runs 1").message(), "runs 1: no such run");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SF_ASSIGN_OR_RETURN(int h, Half(x));
  SF_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(ResultTest, PropagatesErrors) {
  ASSERT_TRUE(Quarter(8).ok());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Quarter(8).status().ok());
}

TEST(EnvTest, Expansion) {
  MapEnv env({{"TOKEN", "abc"}, {"EMPTY", ""}});
  EXPECT_EQ(*ExpandEnv("key=${TOKEN}", env), "key=abc");
  EXPECT_EQ(*ExpandEnv("${MISSING:-dflt}/${TOKEN}", env), "dflt/abc");
  EXPECT_EQ(*ExpandEnv("${EMPTY:-x}", env), "x");
  EXPECT_EQ(*ExpandEnv("cost $5 and $$HOME", env), "cost $5 and $HOME");
  auto missing = ExpandEnv("${NOPE}", env);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("NOPE"), std::string::npos);
  EXPECT_FALSE(ExpandEnv("${TOKEN", env).ok());
  EXPECT_FALSE(ExpandEnv("${1BAD}", env).ok());
}

TEST(ConfigTest, YamlWithEnvAndTypes) {
  MapEnv env({{std::string("OR_KEY"), std::string("sk-or-v1-secret")}});
  auto cfg = ParseConfig(
      "openrouter:\n  api_key: ${OR_KEY}\n  priority: true\n  retries: 3\n  ratio: 0.5\n"
      "  quoted: \"42\"\nlist: [a, b]\n",
      "agentic-config.yaml", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ((*cfg)["openrouter"]["api_key"], "sk-or-v1-secret");
  EXPECT_EQ((*cfg)["openrouter"]["priority"], true);
  EXPECT_EQ((*cfg)["openrouter"]["retries"], 3);
  EXPECT_DOUBLE_EQ((*cfg)["openrouter"]["ratio"].get<double>(), 0.5);
  EXPECT_EQ((*cfg)["openrouter"]["quoted"], "42");
  EXPECT_EQ((*cfg)["list"][1], "b");
}

TEST(ConfigTest, JsonIsAccepted) {
  MapEnv env(std::vector<std::pair<std::string, std::string>>{});
  auto cfg = ParseConfig(R"({"a": {"b": [1, 2]}, "c": "x"})", "c.json", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ((*cfg)["a"]["b"][1], 2);
}

TEST(ConfigTest, ErrorsNameFileLineAndKey) {
  MapEnv env(std::vector<std::pair<std::string, std::string>>{});
  auto cfg = ParseConfig("huggingface:\n  token: ${HF_TOKEN_X}\n", "my.yaml", env);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(),
            "my.yaml:2: key huggingface.token: environment variable HF_TOKEN_X is not set");
  auto bad = ParseConfig("a: [1, 2\nb: c\n", "bad.yaml", env);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kParse);
  EXPECT_EQ(bad.status().message().rfind("bad.yaml:", 0), 0u) << bad.status().message();
}

TEST(RedactorTest, KnownFormatsAndLiterals) {
  Redactor r;
  r.AddSecret("my-custom-provider-key-123");
  r.AddSecret("abc");  // too short: ignored
  // The token is assembled at run time so the source holds nothing that looks like a real token.
  std::string in = std::string("token hf_") + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" +
                   " key sk-proj-abcdefghijklmnop " +
                   "Authorization: Bearer eyJhbGciOi.J9 and my-custom-provider-key-123, abc stays";
  std::string out = r.Redact(in);
  EXPECT_EQ(out.find("hf_AbCd"), std::string::npos);
  EXPECT_EQ(out.find("sk-proj"), std::string::npos);
  EXPECT_EQ(out.find("eyJhbG"), std::string::npos);
  EXPECT_EQ(out.find("my-custom-provider-key"), std::string::npos);
  EXPECT_NE(out.find("Bearer [REDACTED]"), std::string::npos);
  EXPECT_NE(out.find("abc stays"), std::string::npos);
  // Words that merely contain the prefixes are left alone.
  EXPECT_EQ(r.Redact("the hf_hub module and task-sk-x"), "the hf_hub module and task-sk-x");
}

TEST(RedactorTest, MaskSecret) {
  EXPECT_EQ(MaskSecret("hf_abcdefghijklmnopWXYZ"), "hf_…WXYZ");
  EXPECT_EQ(MaskSecret("sk-or-v1-0123456789abcd"), "sk-or-v1-…abcd");
  EXPECT_EQ(MaskSecret("short"), "*****");
}

TEST(LoggerTest, RedactsBeforeSink) {
  auto redactor = std::make_shared<Redactor>();
  redactor->AddSecret("literal-secret-value");
  std::vector<std::string> lines;
  Logger log(LogLevel::kInfo, redactor,
             [&](LogLevel, std::string_view line) { lines.emplace_back(line); });
  log.Debug("hidden by level");
  log.Info("calling with hf_0123456789abcdefghij and literal-secret-value");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "calling with [REDACTED] and [REDACTED]");
}

TEST(RunIdTest, SortsByTimeAndValidates) {
  using namespace std::chrono;
  system_clock::time_point t1 = system_clock::time_point(seconds(1795490100));  // 2026-11-24
  std::string a = MakeRunId(t1, 0xffff);
  std::string b = MakeRunId(t1 + seconds(1), 0x0000);
  EXPECT_LT(a, b);
  EXPECT_TRUE(IsValidRunId(a));
  EXPECT_EQ(a.size(), 21u);
  EXPECT_EQ(a.substr(16), "-ffff");
  EXPECT_FALSE(IsValidRunId("../../etc"));
  EXPECT_FALSE(IsValidRunId("20261124T031500Z-7f3g"));
  EXPECT_EQ(FormatIso8601(t1).size(), 20u);
}

class FileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sf_fs_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string P(const std::string& name) { return (dir_ / name).string(); }
  std::filesystem::path dir_;
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
};

TEST_F(FileSystemTest, AtomicWriteReplacesAndLeavesNoTemp) {
  ASSERT_TRUE(fs_->WriteFileAtomic(P("state.json"), "one").ok());
  ASSERT_TRUE(fs_->WriteFileAtomic(P("state.json"), "two").ok());
  EXPECT_EQ(*fs_->ReadFile(P("state.json")), "two");
  auto names = fs_->ListDirectory(dir_.string());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"state.json"});
}

TEST_F(FileSystemTest, AtomicWriteIntoMissingDirFailsCleanly) {
  Status s = fs_->WriteFileAtomic(P("nope/state.json"), "x");
  EXPECT_EQ(s.code(), Code::kNotFound);
}

TEST_F(FileSystemTest, AppendAndReadErrors) {
  ASSERT_TRUE(fs_->AppendLine(P("events.jsonl"), "{\"a\":1}").ok());
  ASSERT_TRUE(fs_->AppendLine(P("events.jsonl"), "{\"a\":2}").ok());
  EXPECT_EQ(*fs_->ReadFile(P("events.jsonl")), "{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(fs_->ReadFile(P("missing")).status().code(), Code::kNotFound);
  auto dir = fs_->ReadFile(dir_.string());
  EXPECT_EQ(dir.status().code(), Code::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);
  ASSERT_TRUE(fs_->WriteFileAtomic(P("big"), std::string(100, 'x')).ok());
  EXPECT_EQ(fs_->ReadFile(P("big"), 10).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sf

#include "hub/hub.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sf::hub {
namespace {

TEST(HubTest, RepoIds) {
  EXPECT_TRUE(IsValidRepoId("Qwen/Qwen2.5-0.5B-Instruct"));
  EXPECT_TRUE(IsValidRepoId("gpt2"));
  EXPECT_FALSE(IsValidRepoId("a/b/c"));
  EXPECT_FALSE(IsValidRepoId("owner/na me"));
  EXPECT_FALSE(IsValidRepoId("owner/..x"));
  EXPECT_FALSE(IsValidRepoId("/name"));
  EXPECT_FALSE(IsValidRepoId(""));
}

TEST(HubTest, ModelReferences) {
  const std::string ep = "http://127.0.0.1:5000";
  EXPECT_EQ(ParseModelReference("Qwen/Qwen2.5-0.5B", ep), "Qwen/Qwen2.5-0.5B");
  EXPECT_EQ(ParseModelReference("https://huggingface.co/Qwen/Qwen2.5-0.5B", ep),
            "Qwen/Qwen2.5-0.5B");
  EXPECT_EQ(ParseModelReference("https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/README.md", ep),
            "Qwen/Qwen2.5-0.5B");
  EXPECT_EQ(ParseModelReference("http://127.0.0.1:5000/acme/m?x=1", ep), "acme/m");
  EXPECT_EQ(ParseModelReference("gpt2", ep), std::nullopt);  // bare names could be a typo'd path
  EXPECT_EQ(ParseModelReference("./card.md", ep), std::nullopt);
  EXPECT_EQ(ParseModelReference("https://example.com/a/b", ep), std::nullopt);
}

http::Response Resp(int status, http::Headers headers, std::string body) {
  return http::Response{status, std::move(headers), std::move(body)};
}

TEST(HubTest, ErrorMapping) {
  auto s = StatusFromResponse(Resp(404, {{"X-Error-Code", "RepoNotFound"}}, R"({"error":"nope"})"),
                              "model a/b");
  EXPECT_EQ(s.code(), Code::kNotFound);
  s = StatusFromResponse(Resp(401, {}, R"({"error":"Repository Not Found"})"), "model a/b");
  EXPECT_EQ(s.code(), Code::kNotFound) << "anonymous 401 on a repo means missing or private";
  s = StatusFromResponse(
      Resp(401, {{"X-Error-Message", "Invalid credentials in Authorization header"}}, ""),
      "whoami");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("Invalid credentials"), std::string::npos);
  s = StatusFromResponse(
      Resp(403, {{"X-Error-Code", "GatedRepo"}}, R"({"error":"ask for access"})"), "model a/b");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("gated"), std::string::npos);
  EXPECT_NE(s.message().find("ask for access"), std::string::npos);
  s = StatusFromResponse(Resp(404, {{"X-Error-Code", "EntryNotFound"}}, ""), "a/b/README.md");
  EXPECT_EQ(s.code(), Code::kNotFound);
  s = StatusFromResponse(Resp(409, {}, R"({"error":"You already created this model repo"})"), "x");
  EXPECT_EQ(s.code(), Code::kAlreadyExists);
  s = StatusFromResponse(Resp(503, {}, "<html>\nService Unavailable</html>"), "x");
  EXPECT_EQ(s.code(), Code::kRemote);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

TEST(HubTest, ConfigFromEnvAndTokenFile) {
  auto fs = NewRealFileSystem();
  std::filesystem::path home =
      std::filesystem::path(::testing::TempDir()) / ("sf_hub_" + std::to_string(::getpid()));
  std::filesystem::create_directories(home / ".cache/huggingface");
  std::ofstream(home / ".cache/huggingface/token") << "hf_fromfile0123456789\n";
  MapEnv with_env({{std::string("HF_TOKEN"), std::string("hf_fromenv0123456789")},
                   {std::string("HF_ENDPOINT"), std::string("http://127.0.0.1:7/")}});
  HubConfig a = ConfigFromEnv(with_env, *fs);
  EXPECT_EQ(a.endpoint, "http://127.0.0.1:7");
  EXPECT_EQ(a.token, "hf_fromenv0123456789");
  MapEnv file_only({{std::string("HOME"), home.string()}});
  HubConfig b = ConfigFromEnv(file_only, *fs);
  EXPECT_EQ(b.endpoint, "https://huggingface.co");
  EXPECT_EQ(b.token, "hf_fromfile0123456789");
  MapEnv nothing({{std::string("HOME"), (home / "nope").string()}});
  EXPECT_FALSE(ConfigFromEnv(nothing, *fs).token.has_value());
  std::filesystem::remove_all(home);
}

}  // namespace
}  // namespace sf::hub

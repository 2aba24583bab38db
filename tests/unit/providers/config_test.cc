#include <gtest/gtest.h>

#include "providers/providers.h"

namespace sf::providers {
namespace {

const std::string kOrKey = std::string("sk-or-") + "v1-0123456789abcdef";
const std::string kHfKey = std::string("hf_") + "abcdefghijklmnopqrstuvwxyz";

MapEnv TestEnv() {
  return MapEnv({{"HF_TOKEN", kHfKey}, {"OPENROUTER_KEY", kOrKey}, {"SHEIKH_KEY", "sk-sheikh-1"}});
}

TEST(ConfigTest, ParsesTheSeedFormat) {
  const char* text = R"(# seed 002 agentic-config.yaml
huggingface:
  token: ${HF_TOKEN}
  mcp_url: "https://huggingface.co/mcp"

openrouter:
  api_key: ${OPENROUTER_KEY}
  url: "https://api.openrouter.ai/v1/chat/completions"
  priority: true
  fallback: true
  always_use_this_key: false

sheikh:
  api_key: ${SHEIKH_KEY}
  url: "https://api.sheikh.codes/v1/chat/completions"
  priority: false

providers:
  custom_provider_x:
    api_key: ""
    url: "https://custom.provider/api/v1/infer"
    priority: false
    fallback: true
)";
  auto env = TestEnv();
  auto cfg = ParseAgenticConfig(text, "agentic-config.yaml", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->providers.size(), 4u);
  // priority first, then document order
  EXPECT_EQ(cfg->providers[0].name, "openrouter");
  EXPECT_EQ(cfg->providers[0].base_url, "https://api.openrouter.ai/v1");
  EXPECT_TRUE(cfg->providers[0].fallback);
  EXPECT_EQ(cfg->providers[0].kind, ProviderKind::kOpenRouter);
  ASSERT_EQ(cfg->providers[0].keys.size(), 1u);
  EXPECT_EQ(cfg->providers[0].keys[0].secret, kOrKey);
  EXPECT_EQ(cfg->providers[0].keys[0].id, "openrouter#1");
  EXPECT_EQ(cfg->providers[1].name, "huggingface");
  EXPECT_EQ(cfg->providers[1].base_url, "https://router.huggingface.co/v1");
  EXPECT_EQ(cfg->providers[1].mcp_url, "https://huggingface.co/mcp");
  EXPECT_EQ(cfg->providers[1].keys[0].secret, kHfKey);
  EXPECT_EQ(cfg->providers[2].name, "sheikh");
  EXPECT_EQ(cfg->providers[2].base_url, "https://api.sheikh.codes/v1");
  EXPECT_EQ(cfg->providers[3].name, "custom_provider_x");
  EXPECT_TRUE(cfg->providers[3].keys.empty());  // api_key: ""
  EXPECT_EQ(cfg->providers[3].base_url, "https://custom.provider/api/v1/infer");
}

TEST(ConfigTest, SeveralKeysPerProviderAndIntegerPriority) {
  const char* text = R"(
providers:
  b:
    url: http://127.0.0.1:1/v1/
    priority: 2
    api_key: [sk-one-1111, sk-two-2222]
  a:
    url: http://127.0.0.1:2/v1
    priority: 1
    keys:
      - sk-three-3333
      - {key: sk-four-4444, label: main, priority: true}
    models: [m1, m2]
    always_use_this_key: true
)";
  MapEnv env({});
  auto cfg = ParseAgenticConfig(text, "c.yaml", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->providers.size(), 2u);
  EXPECT_EQ(cfg->providers[0].name, "a");
  EXPECT_TRUE(cfg->providers[0].always_use_this_key);
  ASSERT_EQ(cfg->providers[0].keys.size(), 2u);
  EXPECT_EQ(cfg->providers[0].keys[0].id, "a#main");  // priority key first
  EXPECT_EQ(cfg->providers[0].keys[1].id, "a#1");
  EXPECT_EQ(cfg->providers[0].models, (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(cfg->providers[1].base_url, "http://127.0.0.1:1/v1");
  EXPECT_EQ(cfg->providers[1].keys.size(), 2u);
}

void ExpectError(const std::string& text, const std::string& want_where,
                 const std::string& want_key) {
  auto env = TestEnv();
  auto cfg = ParseAgenticConfig(text, "cfg.yaml", env);
  ASSERT_FALSE(cfg.ok()) << text;
  EXPECT_NE(cfg.status().message().find(want_where), std::string::npos) << cfg.status().message();
  EXPECT_NE(cfg.status().message().find(want_key), std::string::npos) << cfg.status().message();
  EXPECT_EQ(cfg.status().message().find(kOrKey), std::string::npos);
}

TEST(ConfigTest, ErrorsNameFileLineAndKey) {
  ExpectError("openrouter:\n  api_key: x\n  priority: yes-please\n", "cfg.yaml:3",
              "openrouter.priority");
  ExpectError("providers:\n  p:\n    api_key: sk-abcdef1234\n", "cfg.yaml:2", "providers.p.url");
  ExpectError("providers:\n  p:\n    url: ftp://x\n", "cfg.yaml:3", "providers.p.url");
  ExpectError("huggingface:\n  token: ${NOT_SET_ANYWHERE}\n", "cfg.yaml:2", "huggingface.token");
  ExpectError("providers:\n  p:\n    url: http://x/v1\n    colour: red\n", "cfg.yaml:4",
              "providers.p.colour");
  ExpectError("openrouter:\n  api_key: a\n  fallback: 3\n", "cfg.yaml:3", "openrouter.fallback");
  ExpectError("router:\n  max_rounds: 0\n", "cfg.yaml:2", "router.max_rounds");
  ExpectError("providers:\n  p:\n    url: http://x/v1\n    models: [1, ok]\n", "cfg.yaml:4",
              "providers.p.models.0");
  ExpectError("openrouter: {api_key: a}\nproviders:\n  openrouter: {api_key: b}\n", "cfg.yaml:3",
              "defined twice");
  ExpectError("just: a string\n", "cfg.yaml:1", "just");
  ExpectError("providers: [1, 2]\n", "cfg.yaml:1", "providers");
  ExpectError("openrouter:\n  api_key: [\n", "cfg.yaml", "");  // YAML syntax error
}

TEST(ConfigTest, JsonConfigIsAccepted) {
  MapEnv env({});
  auto cfg = ParseAgenticConfig(
      R"({"providers": {"x": {"url": "http://127.0.0.1:9/v1", "api_key": "sk-x-123456"}}})",
      "agentic-config.json", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->providers.at(0).name, "x");
}

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/discovery-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs_ = NewRealFileSystem();
    (void)fs_->RemoveAll(dir_);
    ASSERT_TRUE(fs_->CreateDirectories(dir_).ok());
  }
  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(fs_->WriteFileAtomic(dir_ + "/" + name, text).ok());
  }
  std::string dir_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(DiscoveryTest, Order) {
  Write("agentic-config.yml", "providers: {fromyml: {url: 'http://a/v1', api_key: k1-123456}}\n");
  Write("agentic-config.json", R"({"providers": {"fromjson": {"url": "http://a/v1"}}})");
  Write("explicit.yaml", "providers: {explicit: {url: 'http://a/v1'}}\n");
  Write("env.yaml", "providers: {fromenv: {url: 'http://a/v1'}}\n");
  MapEnv none({});
  auto c = LoadAgenticConfig(*fs_, none, "", dir_);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->providers.at(0).name, "fromyml");
  Write("agentic-config.yaml", "providers: {fromyaml: {url: 'http://a/v1'}}\n");
  c = LoadAgenticConfig(*fs_, none, "", dir_);
  EXPECT_EQ(c->providers.at(0).name, "fromyaml");
  MapEnv with_env({{"AGENTIC_CONFIG", dir_ + "/env.yaml"}});
  c = LoadAgenticConfig(*fs_, with_env, "", dir_);
  EXPECT_EQ(c->providers.at(0).name, "fromenv");
  c = LoadAgenticConfig(*fs_, with_env, dir_ + "/explicit.yaml", dir_);
  EXPECT_EQ(c->providers.at(0).name, "explicit");
}

TEST_F(DiscoveryTest, MissingNamedFilesAreErrors) {
  MapEnv none({});
  auto c = LoadAgenticConfig(*fs_, none, dir_ + "/nope.yaml", dir_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("nope.yaml"), std::string::npos);
  MapEnv bad({{"AGENTIC_CONFIG", dir_ + "/gone.yaml"}});
  c = LoadAgenticConfig(*fs_, bad, "", dir_);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AGENTIC_CONFIG"), std::string::npos);
}

TEST_F(DiscoveryTest, EnvironmentAlone) {
  auto env = TestEnv();
  auto c = LoadAgenticConfig(*fs_, env, "", dir_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->source, "environment");
  ASSERT_EQ(c->providers.size(), 2u);
  EXPECT_EQ(c->providers[0].name, "huggingface");
  EXPECT_EQ(c->providers[0].keys[0].origin, "env");
  EXPECT_EQ(c->providers[1].name, "openrouter");
  EXPECT_EQ(c->providers[1].base_url, "https://openrouter.ai/api/v1");
  MapEnv none({});
  c = LoadAgenticConfig(*fs_, none, "", dir_);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->providers.empty());
}

}  // namespace
}  // namespace sf::providers

// provider_route_request: listed and callable when a gateway is wired in through the extra-tools
// hook (what `spacefactory serve` does), absent otherwise; keys only masked.
#include <gtest/gtest.h>

#include <sstream>

#include "mcp/mcp.h"
#include "providers/providers.h"

namespace sf::mcp {
namespace {

constexpr const char* kInit =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
    "\n"
    R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
    "\n";

// Runs `lines` after the handshake over stdio; returns the responses by id.
std::map<int, json> Exchange(Server& server, const std::string& lines) {
  std::istringstream in(std::string(kInit) + lines);
  std::ostringstream out;
  EXPECT_EQ(RunStdio(server, in, out), 0u);
  std::map<int, json> by_id;
  std::istringstream read(out.str());
  std::string line;
  while (std::getline(read, line)) {
    json m = json::parse(line);
    if (m.contains("id") && m["id"].is_number_integer()) by_id[m["id"].get<int>()] = m;
  }
  return by_id;
}

bool Lists(const json& list_response, const std::string& name) {
  for (const auto& t : list_response["result"]["tools"])
    if (t["name"] == name) return true;
  return false;
}

class ProviderToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = std::string("sk-") + "route" + "test" + "0123456789abcdef";
    MapEnv cfg_env({{"LAB_KEY", secret_}});
    auto cfg = providers::ParseAgenticConfig(
        "providers:\n  mylab:\n    url: http://127.0.0.1:9/v1\n    api_key: ${LAB_KEY}\n"
        "    models: [llama-3-8b]\nrouter: {ledger: false}\n",
        "test.yaml", cfg_env);
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    providers::GatewayOptions go;
    go.config = std::move(cfg).value();
    auto gw = providers::Gateway::Create(std::move(go));
    ASSERT_TRUE(gw.ok()) << gw.status().message();
    gateway_ = std::move(gw).value();
  }
  void TearDown() override {
    if (gateway_) gateway_->Shutdown();
  }
  std::shared_ptr<Server> Service(const ExtraToolsHook& hook) {
    ServiceDeps deps{*fs_, clock_, env_, nullptr, nullptr, nullptr, ""};
    return NewService(deps, ServiceOptions{}, hook);
  }

  std::string secret_;
  std::shared_ptr<providers::Gateway> gateway_;
  std::unique_ptr<FileSystem> fs_ = NewRealFileSystem();
  SystemClock clock_;
  MapEnv env_{{{"SPACE_FACTORY_STORE", ::testing::TempDir() + "/mcp-provider-store"}}};
};

TEST_F(ProviderToolTest, ListedAndCallableWithAGateway) {
  auto server = Service([gw = gateway_](Registry& r) { AddProviderTools(r, gw); });
  auto replies = Exchange(
      *server,
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"provider_route_request","arguments":{"model":"llama-3-8b"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"provider_route_request","arguments":{"model":"mylab/other-model"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"provider_route_request","arguments":{}}})"
      "\n");
  server->Shutdown();
  ASSERT_TRUE(Lists(replies[2], "provider_route_request")) << replies[2].dump();
  for (const auto& t : replies[2]["result"]["tools"])
    if (t["name"] == "provider_route_request") {
      EXPECT_EQ(t["inputSchema"]["required"], json::array({"model"}));
      EXPECT_EQ(t["inputSchema"]["properties"]["model"]["type"], "string");
    }

  const json& r = replies[3]["result"];
  ASSERT_FALSE(r.value("isError", false)) << r.dump();
  const json& plan = r["structuredContent"];
  EXPECT_EQ(plan["model"], "llama-3-8b");
  ASSERT_EQ(plan["candidates"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["candidates"][0]["provider"], "mylab");
  EXPECT_EQ(plan["candidates"][0]["upstream_model"], "llama-3-8b");
  EXPECT_FALSE(plan["candidates"][0]["key"].get<std::string>().empty());
  EXPECT_FALSE(plan["explanation"].get<std::string>().empty());
  // The text block is the same plan as JSON.
  EXPECT_EQ(json::parse(r["content"][0]["text"].get<std::string>()), plan);

  EXPECT_EQ(replies[4]["result"]["structuredContent"]["candidates"][0]["upstream_model"],
            "other-model");
  // The schema rejects a call without a model (an isError result, not a protocol error).
  EXPECT_TRUE(replies[5]["result"].value("isError", false)) << replies[5].dump();

  for (const auto& [id, m] : replies)
    EXPECT_EQ(m.dump().find(secret_.substr(3)), std::string::npos) << "secret leaked: " << id;
}

TEST_F(ProviderToolTest, AbsentWithoutAGateway) {
  auto server = Service(nullptr);
  auto replies = Exchange(
      *server,
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"provider_route_request","arguments":{"model":"x"}}})"
      "\n");
  server->Shutdown();
  EXPECT_TRUE(Lists(replies[2], "hf_whoami")) << replies[2].dump();
  EXPECT_FALSE(Lists(replies[2], "provider_route_request"));
  EXPECT_TRUE(replies[3].contains("error")) << replies[3].dump();
}

}  // namespace
}  // namespace sf::mcp

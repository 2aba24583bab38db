// The gateway's REST routes through the Router: keys added through the API (stored encrypted,
// picked up by a new gateway, removable), /api/providers, /api/providers/route, /v1/models,
// /metrics.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fakes.h"
#include "providers/providers.h"

namespace sf::providers {
namespace {

using nlohmann::json;
using testing::CaptureWriter;
using testing::FakeUpstream;

const std::string K1 = std::string("sk-") + "config-key-aaaa1111";
const std::string K2 = std::string("sk-") + "api-added-key-bbbb2222";

class GatewayApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/gateway-api-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs_ = NewRealFileSystem();
    (void)fs_->RemoveAll(dir_);
    Open();
  }
  void TearDown() override {
    if (gw_) gw_->Shutdown();
  }
  void Open() {
    if (gw_) gw_->Shutdown();
    MapEnv env({{"K1", K1}});
    auto cfg = ParseAgenticConfig("p:\n  url: http://p.test/v1\n  api_key: ${K1}\n  models: [m1]\n",
                                  "api.yaml", env);
    ASSERT_TRUE(cfg.ok());
    GatewayOptions o;
    o.config = std::move(*cfg);
    o.state_dir = dir_;
    o.fs = fs_.get();
    o.client_factory = [] { return std::make_unique<FakeUpstream>(); };
    auto g = Gateway::Create(std::move(o));
    ASSERT_TRUE(g.ok()) << g.status().message();
    gw_ = *g;
    router_ = http::Router();
    gw_->Mount(router_);
  }
  std::shared_ptr<CaptureWriter> Call(const std::string& method, const std::string& path,
                                      const std::string& body = "") {
    http::ServerRequest req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.body = body;
    req.remote_address = "127.0.0.1";
    auto w = std::make_shared<CaptureWriter>();
    router_.Dispatch(req, w);
    return w;
  }
  std::string dir_;
  std::unique_ptr<FileSystem> fs_;
  std::shared_ptr<Gateway> gw_;
  http::Router router_;
};

TEST_F(GatewayApiTest, KeysAddedThroughTheApiAreStoredEncryptedAndSurviveARestart) {
  auto w = Call("POST", "/api/providers/p/keys", json{{"key", K2}, {"label", "team"}}.dump());
  ASSERT_EQ(w->response.status, 201) << w->response.body;
  EXPECT_EQ(w->Json()["id"], "p#api-team");
  EXPECT_EQ(w->response.body.find(K2), std::string::npos);
  EXPECT_EQ(Call("POST", "/api/providers/p/keys", json{{"key", K2}}.dump())->response.status, 409);
  EXPECT_EQ(Call("POST", "/api/providers/nope/keys", json{{"key", K2}}.dump())->response.status,
            404);
  EXPECT_EQ(Call("POST", "/api/providers/p/keys", "{}")->response.status, 400);
  auto raw = fs_->ReadFile(dir_ + "/keys.enc");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->find(K2), std::string::npos);

  Open();  // a new gateway on the same state directory
  auto d = Call("GET", "/api/providers");
  ASSERT_EQ(d->response.status, 200);
  EXPECT_EQ(d->response.body.find(K1), std::string::npos);
  EXPECT_EQ(d->response.body.find(K2), std::string::npos);
  json keys = d->Json()["providers"][0]["keys"];
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1]["id"], "p#api-team");
  EXPECT_EQ(keys[1]["origin"], "api");
  EXPECT_EQ(keys[1]["key"], MaskSecret(K2));

  EXPECT_EQ(Call("DELETE", "/api/providers/p/keys/p%23api-team")->response.status, 200);
  EXPECT_EQ(Call("GET", "/api/providers")->Json()["providers"][0]["keys"].size(), 1u);
  EXPECT_EQ(Call("DELETE", "/api/providers/p/keys/p%231")->response.status, 404);
}

TEST_F(GatewayApiTest, RouteModelsAndMetrics) {
  auto r = Call("POST", "/api/providers/route", R"({"model":"m1"})");
  ASSERT_EQ(r->response.status, 200);
  json plan = r->Json();
  EXPECT_EQ(plan["candidates"][0]["provider"], "p");
  EXPECT_EQ(plan["candidates"][0]["upstream_model"], "m1");
  EXPECT_FALSE(plan["explanation"].get<std::string>().empty());
  EXPECT_EQ(Call("POST", "/api/providers/route", "nope")->response.status, 400);
  EXPECT_NE(Call("POST", "/api/providers/route", R"({"model":"zz"})")
                ->Json()["explanation"]
                .get<std::string>()
                .find("no configured provider"),
            std::string::npos);

  auto m = Call("GET", "/v1/models");
  ASSERT_EQ(m->response.status, 200);
  json ids = json::array();
  json listed = m->Json();
  for (const auto& e : listed["data"]) ids.push_back(e["id"]);
  EXPECT_EQ(ids, json({"auto", "p/m1"}));

  auto metrics = Call("GET", "/metrics");
  EXPECT_EQ(metrics->response.status, 200);
  EXPECT_NE(metrics->response.body.find("sf_gateway_key_breaker_state{provider=\"p\""),
            std::string::npos);
  EXPECT_NE(metrics->Header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(metrics->response.body.find("\nsf_gateway_usage_records_dropped_total 0\n"),
            std::string::npos);
}

}  // namespace
}  // namespace sf::providers

// Router semantics through Gateway::Complete with a scripted upstream: key order, failover,
// fallback, always_use_this_key, retries honouring Retry-After, breakers, error mapping, secrets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fakes.h"
#include "providers/internal.h"
#include "providers/providers.h"

namespace sf::providers {
namespace {

using testing::CaptureWriter;
using testing::Completion;
using testing::Err;
using testing::FakeUpstream;
using testing::Ok;
using testing::Transport;

const std::string K1 = std::string("sk-") + "own-key-one-1111";
const std::string K2 = std::string("sk-") + "own-key-two-2222";
const std::string S1 = std::string("sk-") + "shared-credit-3333";

class RouterTest : public ::testing::Test {
 protected:
  void Make(const std::string& yaml) {
    if (gw_) gw_->Shutdown();
    MapEnv env({{"K1", K1}, {"K2", K2}, {"S1", S1}});
    auto cfg = ParseAgenticConfig(yaml, "test.yaml", env);
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    cfg->router.initial_backoff = std::chrono::milliseconds(10);
    GatewayOptions o;
    o.config = std::move(*cfg);
    o.clock = &clock_;
    o.sleep = [this](std::chrono::milliseconds d) {
      sleeps_.push_back(d);
      clock_.Advance(d);
    };
    o.client_factory = [] { return std::make_unique<FakeUpstream>(); };
    auto g = Gateway::Create(std::move(o));
    ASSERT_TRUE(g.ok()) << g.status().message();
    gw_ = *g;
  }
  void TearDown() override {
    if (gw_) gw_->Shutdown();
  }
  std::shared_ptr<CaptureWriter> Chat(const std::string& model, bool stream = false) {
    auto w = std::make_shared<CaptureWriter>();
    nlohmann::json body = {{"model", model},
                           {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                           {"stream", stream}};
    gw_->Complete(body.dump(), up_, w);
    return w;
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> out;
    for (const auto& c : up_.calls()) out.push_back(c.key);
    return out;
  }

  static constexpr const char* kTwoProviders = R"(
openrouter:
  url: http://or.test/api/v1
  api_key: ["${K1}", "${K2}"]
  priority: true
shared:
  url: http://shared.test/v1
  api_key: ${S1}
  fallback: true
)";

  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::hours(500000))};
  std::vector<std::chrono::milliseconds> sleeps_;
  FakeUpstream up_;
  std::shared_ptr<Gateway> gw_;
};

TEST_F(RouterTest, OwnKeyFirstThenNextKeyOn429) {
  Make(kTwoProviders);
  up_.Queue(K1, Err(429, R"({"error":{"message":"slow down"}})", {{"Retry-After", "7"}}));
  auto w = Chat("openrouter/openai/gpt-4o");
  EXPECT_EQ(w->response.status, 200);
  EXPECT_EQ(Keys(), (std::vector<std::string>{K1, K2}));
  EXPECT_EQ(w->Header("x-spacefactory-key-id"), "openrouter#2");
  EXPECT_EQ(w->Header("x-spacefactory-attempts"), "2");
  EXPECT_EQ(up_.calls()[0].url, "http://or.test/api/v1/chat/completions");
  EXPECT_EQ(nlohmann::json::parse(up_.calls()[0].body)["model"], "openai/gpt-4o");
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(RouterTest, FallbackProviderAfterEveryOwnKeyFailed) {
  Make(kTwoProviders);
  up_.Queue(K1, Err(402, R"({"error":{"message":"no credits"}})"));
  up_.Queue(K2, Err(500));
  auto w = Chat("openrouter/openai/gpt-4o");
  EXPECT_EQ(w->response.status, 200);
  EXPECT_EQ(Keys(), (std::vector<std::string>{K1, K2, S1}));
  EXPECT_EQ(w->Header("x-spacefactory-provider"), "shared");
  EXPECT_EQ(up_.calls()[2].url, "http://shared.test/v1/chat/completions");
  EXPECT_EQ(nlohmann::json::parse(up_.calls()[2].body)["model"], "openai/gpt-4o");
}

TEST_F(RouterTest, AlwaysUseThisKeyNeverLeavesTheProvider) {
  Make(R"(
openrouter:
  url: http://or.test/api/v1
  api_key: ${K1}
  always_use_this_key: true
shared:
  url: http://shared.test/v1
  api_key: ${S1}
  fallback: true
)");
  up_.Default(K1, Err(503, "overloaded"));
  auto w = Chat("openrouter/m");
  EXPECT_EQ(w->response.status, 503);
  for (const auto& k : Keys()) EXPECT_EQ(k, K1);
  EXPECT_EQ(Keys().size(), 2u);  // two rounds
  EXPECT_EQ(w->Header("x-should-retry"), "false");
  auto j = w->Json();
  ASSERT_TRUE(j.contains("error")) << w->response.body;
  EXPECT_EQ(j["error"]["type"], "upstream_error");
  auto plan = gw_->Plan({{"model", "openrouter/m"}});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->candidates.size(), 1u);
  EXPECT_NE(plan->explanation.find("always_use_this_key"), std::string::npos);
}

TEST_F(RouterTest, ClientErrorsPassThroughWithoutFailover) {
  Make(kTwoProviders);
  up_.Queue(K1, Err(400, R"({"error":{"message":"bad temperature","param":"temperature"}})"));
  auto w = Chat("openrouter/m");
  EXPECT_EQ(w->response.status, 400);
  EXPECT_EQ(Keys().size(), 1u);
  EXPECT_EQ(w->Json()["error"]["param"], "temperature");
}

TEST_F(RouterTest, SecondRoundWaitsForRetryAfter) {
  Make("solo:\n  url: http://solo.test/v1\n  api_key: ${K1}\n");
  up_.Queue(K1, Err(429, R"({"error":{"message":"rate"}})", {{"Retry-After", "2"}}));
  auto w = Chat("solo/m");
  EXPECT_EQ(w->response.status, 200);
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], std::chrono::milliseconds(2000));
  EXPECT_EQ(Keys().size(), 2u);
}

TEST_F(RouterTest, LongRetryAfterIsReturnedNotWaited) {
  Make("solo:\n  url: http://solo.test/v1\n  api_key: ${K1}\n");
  up_.Queue(K1, Err(429, R"({"error":{"message":"rate"}})", {{"Retry-After", "60"}}));
  auto w = Chat("solo/m");
  EXPECT_EQ(w->response.status, 429);
  EXPECT_EQ(w->Header("Retry-After"), "60");
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(Keys().size(), 1u);
}

TEST_F(RouterTest, BreakerOpensThenHalfOpenProbeCloses) {
  Make("solo:\n  url: http://solo.test/v1\n  api_key: ${K1}\nrouter:\n  max_rounds: 1\n");
  up_.Default(K1, Err(503, "down"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Chat("solo/m")->response.status, 503);
  EXPECT_EQ(Keys().size(), 3u);
  auto w = Chat("solo/m");  // open: not even tried
  EXPECT_EQ(w->response.status, 503);
  EXPECT_EQ(w->Json()["error"]["code"], "circuit_open");
  EXPECT_FALSE(w->Header("Retry-After").empty());
  EXPECT_EQ(Keys().size(), 3u);
  EXPECT_EQ(gw_->Describe()["providers"][0]["keys"][0]["breaker"], "open");
  clock_.Advance(std::chrono::milliseconds(1500));
  up_.Default(K1, Ok(Completion("back")));
  EXPECT_EQ(Chat("solo/m")->response.status, 200);  // the probe
  EXPECT_EQ(gw_->Describe()["providers"][0]["keys"][0]["breaker"], "closed");
}

TEST_F(RouterTest, RejectedKeyStaysOut) {
  Make(kTwoProviders);
  up_.Queue(K1, Err(401, R"({"error":{"message":"invalid key"}})"));
  EXPECT_EQ(Chat("openrouter/m")->response.status, 200);
  EXPECT_EQ(Chat("openrouter/m")->response.status, 200);
  EXPECT_EQ(Keys(), (std::vector<std::string>{K1, K2, K2}));
  EXPECT_EQ(gw_->Describe()["providers"][0]["keys"][0]["breaker"], "dead");
}

TEST_F(RouterTest, TransportFailuresMapTo502And504) {
  Make("solo:\n  url: http://solo.test/v1\n  api_key: ${K1}\nrouter:\n  max_rounds: 1\n");
  up_.Queue(K1, Transport(Code::kTimeout));
  auto w = Chat("solo/m");
  EXPECT_EQ(w->response.status, 504);
  EXPECT_EQ(w->Json()["error"]["code"], "upstream_timeout");
  up_.Queue(K1, Transport(Code::kUnavailable));
  w = Chat("solo/m");
  EXPECT_EQ(w->response.status, 502);
}

TEST_F(RouterTest, BareModelAndAutoPickTheFirstProviderThatServesThem) {
  Make(R"(
a:
  url: http://a.test/v1
  api_key: ${K1}
  models: [alpha]
b:
  url: http://b.test/v1
  api_key: ${K2}
  models: [beta, gamma]
  priority: true
)");
  EXPECT_EQ(Chat("alpha")->Header("x-spacefactory-provider"), "a");
  EXPECT_EQ(Chat("gamma")->Header("x-spacefactory-provider"), "b");
  auto w = Chat("auto");
  EXPECT_EQ(w->Header("x-spacefactory-provider"), "b");
  EXPECT_EQ(nlohmann::json::parse(up_.calls().back().body)["model"], "beta");
  w = Chat("nobody-serves-this");
  EXPECT_EQ(w->response.status, 404);
  EXPECT_EQ(w->Json()["error"]["code"], "model_not_found");
}

TEST_F(RouterTest, BadRequestsGetOpenAiErrors) {
  Make(kTwoProviders);
  auto bad = [&](const std::string& body, const std::string& param) {
    auto w = std::make_shared<CaptureWriter>();
    gw_->Complete(body, up_, w);
    EXPECT_EQ(w->response.status, 400) << body;
    auto j = w->Json();
    ASSERT_TRUE(j.contains("error")) << w->response.body;
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    if (!param.empty()) {
      EXPECT_EQ(j["error"]["param"], param) << body;
    }
  };
  bad("{not json", "");
  bad("[1,2]", "");
  bad(R"({"messages":[]})", "model");
  bad(R"({"model":7,"messages":[]})", "model");
  bad(R"({"model":"openrouter/m","messages":"hi"})", "messages");
  bad(R"({"model":"openrouter/m","messages":[],"stream":"yes"})", "stream");
  // The parse error quotes the bad bytes: invalid UTF-8 must not turn the 400 into a 500
  // (found by providers_fuzz).
  bad("{\"model\":\xde\x9duto\"}", "");
  bad("2e504", "");  // a number overflow is out_of_range, not parse_error (providers_fuzz)
  EXPECT_TRUE(up_.calls().empty());
}

// simdjson reads requests; what it refuses goes to nlohmann, whose message says where the text
// broke (simdjson's says only what kind of error it was).
TEST_F(RouterTest, NotJsonSaysWhereTheTextBroke) {
  Make(kTwoProviders);
  auto w = std::make_shared<CaptureWriter>();
  gw_->Complete("{\"model\":\"openrouter/m\",\n \"messages\": [tru]}", up_, w);
  EXPECT_EQ(w->response.status, 400);
  auto j = w->Json();
  EXPECT_EQ(j["error"]["code"], "invalid_json");
  std::string message = j["error"]["message"];
  EXPECT_NE(message.find("request body is not valid JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
  EXPECT_TRUE(up_.calls().empty());
}

// The router reads `model`, `messages` and `stream` with simdjson (nlohmann's SAX pass when it
// refuses); it must read them as a document would: the last duplicate wins, nested members do not
// count, a null stream is no stream, and a body whose model needs no rewrite goes upstream byte for
// byte.
TEST_F(RouterTest, RequestMembersAreReadAsADocumentWouldBe) {
  Make(kTwoProviders);
  auto send = [&](const std::string& body) {
    auto w = std::make_shared<CaptureWriter>();
    up_.Queue(K1, Ok(Completion("fine")));
    gw_->Complete(body, up_, w);
    return w;
  };
  auto w = send(R"({"model":7,"messages":"x","messages":[],"model":"openrouter/m"})");
  EXPECT_EQ(w->response.status, 200) << w->response.body;
  auto sent = nlohmann::json::parse(up_.calls().back().body);
  EXPECT_EQ(sent["model"], "m");
  EXPECT_TRUE(sent["messages"].is_array());
  w = send(R"({"model":"openrouter/m","messages":[],"stream":null})");
  EXPECT_EQ(w->response.status, 200) << w->response.body;
  w = send(
      R"({"model":"openrouter/m","messages":[],"meta":{"model":5,"stream":"x"},"tools":[{"model":1}]})");
  EXPECT_EQ(w->response.status, 200) << w->response.body;
  w = send(R"({"model":"openrouter/m","messages":[],"model":"")");
  EXPECT_EQ(w->response.status, 400);
  w = send(R"({"model":"openrouter/m","messages":[],"model":""})");
  EXPECT_EQ(w->response.status, 400);
  EXPECT_EQ(w->Json()["error"]["param"], "model");

  Make("solo:\n  url: http://solo.test/v1\n  api_key: ${K1}\n");
  const std::string body = R"({ "model" : "m",  "messages":[ {"role":"user","content":"hi"} ] })";
  w = send(body);
  EXPECT_EQ(w->response.status, 200) << w->response.body;
  EXPECT_EQ(up_.calls().back().body, body);

  // A body above simdjson's size cap (long conversations) is read by the SAX pass: same rules.
  const std::string big = R"({"model":7,"messages":[{"role":"user","content":")" +
                          std::string(300u << 10, 'x') + R"("}],"stream":false,"model":"m"})";
  w = send(big);
  EXPECT_EQ(w->response.status, 200) << w->response.body.substr(0, 200);
  EXPECT_EQ(up_.calls().back().body, big);
  w = send(big.substr(0, big.size() - 1));  // cut: not JSON, whichever parser read it
  EXPECT_EQ(w->response.status, 400);
  EXPECT_EQ(w->Json()["error"]["code"], "invalid_json");
}

TEST(ExtractUsageTest, ReadsTheThreeCountsOfTheUsageObject) {
  std::int64_t p = -1, c = -1, t = -1;
  EXPECT_TRUE(internal::ExtractUsage(
      R"({"id":"x","usage":{"prompt_tokens":3,"completion_tokens_details":{"total_tokens":99},)"
      R"("completion_tokens":2,"total_tokens":5}})",
      &p, &c, &t));
  EXPECT_EQ(p, 3);
  EXPECT_EQ(c, 2);
  EXPECT_EQ(t, 5);  // the nested total_tokens does not count
  p = c = t = -1;
  EXPECT_TRUE(internal::ExtractUsage(
      R"({"usage":{"prompt_tokens":null,"completion_tokens":1.5,"total_tokens":"7"}})", &p, &c,
      &t));
  EXPECT_EQ(p, -1);
  EXPECT_EQ(c, -1);
  EXPECT_EQ(t, -1);
  EXPECT_FALSE(
      internal::ExtractUsage(R"({"usage":{"prompt_tokens":4,"total_tokens":})", &p, &c, &t));
  EXPECT_EQ(p, -1);  // nothing is taken from an object that does not parse
  EXPECT_FALSE(internal::ExtractUsage(R"({"choices":[]})", &p, &c, &t));
}

TEST(ScanEventKeysTest, FindsErrorAndUsageMembersOnlyWhereKeysAre) {
  auto scan = [](std::string_view data) {
    internal::EventKeys k = internal::ScanEventKeys(data);
    return std::string(k.error ? "E" : "-") + (k.usage ? "U" : "-");
  };
  EXPECT_EQ(scan(R"({"id":"x","choices":[{"delta":{"content":"the error: usage"}}]})"), "--");
  EXPECT_EQ(scan(R"({"error":{"message":"boom"}})"), "E-");
  EXPECT_EQ(scan("{\"error\" \t:\n{\"message\":\"boom\"}}"), "E-");
  EXPECT_EQ(scan(R"({"id":"x","choices":[],"usage":{"prompt_tokens":1}})"), "-U");
  EXPECT_EQ(scan(R"({"usage" : {"total_tokens":2}})"), "-U");
  EXPECT_EQ(scan(R"({"usage":null})"), "--") << "usage must be an object";
  EXPECT_EQ(scan(R"({"usage":{"x":1},"error":{}})"), "E-") << "an error event wins";
  // Keys quoted inside a string value are escaped: not members.
  EXPECT_EQ(scan(R"({"content":"say \"error\": no, \"usage\": {}"})"), "--");
  // A value that is a quoted five-letter word followed by a colon-free continuation.
  EXPECT_EQ(scan(R"({"finish_reason":"error","n":1})"), "--");
  EXPECT_EQ(scan(R"({"errors":{},"usages":{}})"), "--");
  EXPECT_EQ(scan(""), "--");
  EXPECT_EQ(scan(":"), "--");
  EXPECT_EQ(scan(R"("error":)"), "E-");
}

TEST(JsonParsersTest, ParsersAreReusedAndALargeOneIsNotKept) {
  internal::JsonParsers pool;
  std::string body = R"({"model":"a/m","messages":[],"stream":true})";
  for (int i = 0; i < 3; ++i) {
    auto read = internal::ReadChatRequest(body, &pool);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->model_name, "a/m");
    EXPECT_TRUE(read->stream_value);
    EXPECT_EQ(pool.kept(), 1u) << "one parser, taken and given back";
  }
  {
    auto a = pool.Take();
    auto b = pool.Take();  // a second reader at the same time gets its own
    EXPECT_EQ(pool.kept(), 0u);
  }
  EXPECT_EQ(pool.kept(), 2u);
  std::int64_t p = -1, c = -1, t = -1;
  EXPECT_TRUE(internal::ExtractUsage(
      R"({"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})", &p, &c, &t,
      &pool));
  EXPECT_EQ(t, 3);
  EXPECT_EQ(pool.kept(), 2u);
  // A 100 KiB body grows a parser's scratch past what the pool keeps: it is dropped.
  std::string big = R"({"model":"a/m","messages":[{"role":"user","content":")" +
                    std::string(100u << 10, 'x') + R"("}]})";
  ASSERT_TRUE(internal::ReadChatRequest(big, &pool).ok());
  EXPECT_EQ(pool.kept(), 1u);
  // Text simdjson refuses still gets nlohmann's verdict and message.
  std::string bad = R"({"model":"a/m",)";
  auto read = internal::ReadChatRequest(bad, &pool);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("line 1"), std::string::npos) << read.status().message();
}

TEST_F(RouterTest, NoProvidersIs503) {
  Make("{}\n");
  auto w = Chat("anything");
  EXPECT_EQ(w->response.status, 503);
  EXPECT_EQ(w->Json()["error"]["code"], "no_providers");
}

TEST_F(RouterTest, SecretsNeverReachTheClientOrTheDescription) {
  Make("solo:\n  url: http://solo.test/v1\n  api_key: ${K1}\nrouter:\n  max_rounds: 1\n");
  up_.Queue(K1, Err(401, "{\"error\":{\"message\":\"key " + K1 + " is not valid\"}}"));
  auto w = Chat("solo/m");
  EXPECT_EQ(w->response.status, 401);
  EXPECT_EQ(w->response.body.find(K1), std::string::npos) << w->response.body;
  up_.Queue(K1, Err(422, "echo " + K1));
  gw_->Describe();
  EXPECT_EQ(gw_->Describe().dump().find(K1), std::string::npos);
  EXPECT_EQ(gw_->MetricsText().find(K1), std::string::npos);
  auto plan = gw_->Plan({{"model", "solo/m"}});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->candidates[0].masked_key.find(K1), std::string::npos);
}

TEST_F(RouterTest, PlanExplainsOrderAndSkips) {
  Make(R"(
openrouter:
  url: http://or.test/api/v1
  api_key: ["${K1}", "${K2}"]
  priority: true
shared:
  url: http://shared.test/v1
  api_key: ${S1}
  fallback: true
other:
  url: http://other.test/v1
  api_key: ${S1}
)");
  auto plan = gw_->Plan({{"model", "openrouter/x"}});
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->candidates.size(), 3u);
  EXPECT_EQ(plan->candidates[0].key_id, "openrouter#1");
  EXPECT_NE(plan->candidates[0].reason.find("would serve"), std::string::npos);
  EXPECT_EQ(plan->candidates[2].provider, "shared");
  EXPECT_NE(plan->candidates[2].reason.find("fallback after openrouter"), std::string::npos);
  bool other_skipped = false;
  for (const auto& s : plan->skipped) other_skipped |= s.starts_with("other:");
  EXPECT_TRUE(other_skipped);
}

}  // namespace
}  // namespace sf::providers

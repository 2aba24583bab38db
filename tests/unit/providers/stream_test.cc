// Streaming rules: fail over only before the first byte; a cut after that ends with an SSE error
// event and never [DONE]; events (tool-call deltas included) are forwarded 1:1 as they arrive.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fakes.h"
#include "providers/providers.h"

namespace sf::providers {
namespace {

using testing::CaptureWriter;
using testing::Chunk;
using testing::FakeUpstream;
using testing::Script;
using testing::StreamOk;
using testing::Transport;

const std::string K1 = std::string("sk-") + "stream-key-one-1111";
const std::string K2 = std::string("sk-") + "stream-key-two-2222";

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MapEnv env({{"K1", K1}, {"K2", K2}});
    auto cfg = ParseAgenticConfig(
        "p:\n  url: http://p.test/v1\n  api_key:\n    - ${K1}\n    - ${K2}\n", "t.yaml", env);
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    GatewayOptions o;
    o.config = std::move(*cfg);
    o.sleep = [](std::chrono::milliseconds) {};
    o.client_factory = [] { return std::make_unique<FakeUpstream>(); };
    auto g = Gateway::Create(std::move(o));
    ASSERT_TRUE(g.ok());
    gw_ = *g;
  }
  void TearDown() override { gw_->Shutdown(); }
  std::shared_ptr<CaptureWriter> Stream() {
    auto w = std::make_shared<CaptureWriter>();
    nlohmann::json body = {
        {"model", "p/m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"stream", true}};
    gw_->Complete(body.dump(), up_, w);
    return w;
  }
  FakeUpstream up_;
  std::shared_ptr<Gateway> gw_;
};

bool EndsWithDone(const std::string& body) { return body.ends_with("data: [DONE]\n\n"); }

TEST_F(StreamTest, CleanStreamIsForwardedOneToOne) {
  up_.Queue(K1, StreamOk({"Hel", "lo"}));
  auto w = Stream();
  EXPECT_EQ(w->response.status, 200);
  EXPECT_TRUE(w->streaming);
  EXPECT_TRUE(w->ended);
  EXPECT_EQ(w->answers, 1);
  ASSERT_EQ(w->writes.size(), 3u);
  EXPECT_EQ(w->writes[0], Chunk("Hel"));
  EXPECT_EQ(w->writes[1], Chunk("lo"));
  EXPECT_TRUE(EndsWithDone(w->response.body));
  EXPECT_EQ(w->Header("Content-Type"), "text/event-stream");
}

TEST_F(StreamTest, ToolCallDeltasPassUnchanged) {
  Script s{.status = 200, .headers = {{"Content-Type", "text/event-stream"}}};
  s.chunks = {
      R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]})"
      "\n\n",
      R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}}]})"
      "\n\n",
      R"(data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]}}]})"
      "\n\n",
      R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"
      "\n\n",
      "data: [DONE]\n\n"};
  up_.Queue(K1, s);
  auto w = Stream();
  EXPECT_EQ(w->writes, s.chunks);
  EXPECT_TRUE(w->ended);
}

TEST_F(StreamTest, PartialEventsAreHeldUntilComplete) {
  std::string e1 = Chunk("a"), e2 = Chunk("b");
  Script s{.status = 200, .headers = {{"Content-Type", "text/event-stream"}}};
  s.chunks = {e1.substr(0, 10), e1.substr(10) + e2.substr(0, 5), e2.substr(5), "data: [DONE]\n\n"};
  up_.Queue(K1, s);
  auto w = Stream();
  ASSERT_EQ(w->writes.size(), 3u);
  EXPECT_EQ(w->writes[0], e1);
  EXPECT_EQ(w->writes[1], e2);
  EXPECT_TRUE(w->ended);
}

TEST_F(StreamTest, FailoverBeforeTheFirstByte) {
  up_.Queue(K1, Transport(Code::kTimeout));  // TTFT timeout / hang
  up_.Queue(K2, StreamOk({"from k2"}));
  auto w = Stream();
  EXPECT_EQ(w->answers, 1);
  EXPECT_EQ(w->Header("x-spacefactory-key-id"), "p#2");
  EXPECT_TRUE(EndsWithDone(w->response.body));
  EXPECT_EQ(up_.calls().size(), 2u);
}

TEST_F(StreamTest, CutBeforeAnyCompleteEventStillFailsOver) {
  Script cut{.status = 200, .headers = {{"Content-Type", "text/event-stream"}}};
  cut.chunks = {"data: {\"choi"};  // half an event, then the connection dies
  cut.error_after_chunks = Code::kUnavailable;
  up_.Queue(K1, cut);
  up_.Queue(K2, StreamOk({"ok"}));
  auto w = Stream();
  EXPECT_EQ(w->writes.front(), Chunk("ok"));
  EXPECT_TRUE(EndsWithDone(w->response.body));
}

TEST_F(StreamTest, CutAfterCommitEndsWithAnErrorEventAndNoDone) {
  Script cut = StreamOk({"one", "two"}, /*done=*/false);
  cut.error_after_chunks = Code::kUnavailable;
  up_.Queue(K1, cut);
  auto w = Stream();
  EXPECT_EQ(up_.calls().size(), 1u);  // no failover after commit
  EXPECT_TRUE(w->ended);
  EXPECT_EQ(w->response.body.find("[DONE]"), std::string::npos);
  ASSERT_EQ(w->writes.size(), 3u);
  auto last = nlohmann::json::parse(w->writes.back().substr(6));
  EXPECT_EQ(last["error"]["code"], "stream_interrupted");
}

TEST_F(StreamTest, CleanEndWithoutDoneIsAnInterruption) {
  up_.Queue(K1, StreamOk({"one"}, /*done=*/false));
  auto w = Stream();
  EXPECT_EQ(w->response.body.find("[DONE]"), std::string::npos);
  EXPECT_NE(w->response.body.find("stream_interrupted"), std::string::npos);
}

TEST_F(StreamTest, ErrorStatusBeforeStreamFailsOver) {
  up_.Queue(K1, testing::Err(503));
  up_.Queue(K2, StreamOk({"fine"}));
  auto w = Stream();
  EXPECT_EQ(w->answers, 1);
  EXPECT_TRUE(EndsWithDone(w->response.body));
}

TEST_F(StreamTest, UsageIsReadFromTheStream) {
  Script s = StreamOk({"x"}, false);
  s.chunks.push_back(
      "data: "
      "{\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":"
      "5}}\n\n");
  s.chunks.push_back("data: [DONE]\n\n");
  up_.Queue(K1, s);
  auto w = Stream();
  EXPECT_TRUE(EndsWithDone(w->response.body));
  EXPECT_NE(gw_->MetricsText().find("outcome=\"ok\""), std::string::npos);
}

}  // namespace
}  // namespace sf::providers

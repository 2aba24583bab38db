// JSON-RPC decoding, the schema subset, URI templates and the session's method dispatch.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

using namespace std::chrono_literals;

TEST(Decode, ParseErrorAndInvalidRequests) {
  auto d = Decode("{not json");
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0]["error"]["code"], err::kParse);
  EXPECT_TRUE(d.errors[0]["id"].is_null());

  d = Decode(R"({"jsonrpc":"1.0","id":3,"method":"ping"})");
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0]["error"]["code"], err::kInvalidRequest);
  EXPECT_EQ(d.errors[0]["id"], 3);

  for (const char* bad :
       {R"("just a string")", R"(42)", R"({"id":1,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
        R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})",
        R"({"jsonrpc":"2.0","id":1,"method":7})",
        R"({"jsonrpc":"2.0","id":1,"method":"x","params":5})", R"({"jsonrpc":"2.0","id":1})",
        R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1}})",
        R"({"jsonrpc":"2.0","id":1,"error":{"message":"no code"}})"}) {
    d = Decode(bad);
    ASSERT_EQ(d.errors.size(), 1u) << bad;
    EXPECT_EQ(d.errors[0]["error"]["code"], err::kInvalidRequest) << bad;
    EXPECT_TRUE(d.messages.empty()) << bad;
  }
}

TEST(Decode, KindsBatchesAndLimits) {
  auto d = Decode(R"({"jsonrpc":"2.0","id":"a","method":"tools/list","params":{}})");
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].kind, MessageKind::kRequest);
  EXPECT_EQ(d.messages[0].id, "a");
  d = Decode(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(d.messages[0].kind, MessageKind::kNotification);
  d = Decode(R"({"jsonrpc":"2.0","id":9,"result":{"ok":true}})");
  EXPECT_EQ(d.messages[0].kind, MessageKind::kResponse);

  d = Decode("[]");
  EXPECT_TRUE(d.batch);
  ASSERT_EQ(d.errors.size(), 1u);
  d = Decode(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}, 5, {"jsonrpc":"2.0","method":"x"}])");
  EXPECT_TRUE(d.batch);
  EXPECT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.errors.size(), 1u);

  DecodeLimits small;
  small.max_bytes = 64;
  d = Decode(std::string(100, ' '), small);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_NE(d.errors[0]["error"]["message"].get<std::string>().find("exceeds"), std::string::npos);

  std::string deep(100000, '[');  // would overflow a recursive parser or printer
  d = Decode(deep);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0]["error"]["code"], err::kInvalidRequest);
  // Brackets inside strings do not count.
  d = Decode(R"({"jsonrpc":"2.0","method":"x","params":{"s":")" + std::string(200, '[') + R"("}})");
  EXPECT_EQ(d.messages.size(), 1u);
}

TEST(Versions, SupportedAndModern) {
  EXPECT_TRUE(IsSupportedVersion("2025-11-25"));
  EXPECT_TRUE(IsSupportedVersion("2025-03-26"));
  EXPECT_FALSE(IsSupportedVersion("2024-11-05"));
  EXPECT_TRUE(IsModernVersion("2026-07-28"));
  EXPECT_TRUE(IsModernVersion("2027-01-01"));
  EXPECT_FALSE(IsModernVersion("2025-11-25"));
  EXPECT_FALSE(IsModernVersion("garbage"));
  json e = UnsupportedVersionError(1, "2026-07-28");
  EXPECT_EQ(e["error"]["code"], err::kUnsupportedVersion);
  EXPECT_EQ(e["error"]["data"]["supported"], json(SupportedVersions()));
  EXPECT_NE(e["error"]["message"].get<std::string>().find("2025-11-25"), std::string::npos);
}

TEST(Schema, ValidatesTheSubsetWeUse) {
  json s = {{"type", "object"},
            {"properties",
             {{"q", {{"type", "string"}, {"maxLength", 3}}},
              {"n", {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}}},
              {"kind", {{"type", "string"}, {"enum", {"a", "b"}}}},
              {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}, {"maxItems", 2}}}}},
            {"required", {"q"}},
            {"additionalProperties", false}};
  EXPECT_EQ(ValidateArguments(s, {{"q", "abc"}, {"n", 2}}), "");
  EXPECT_EQ(ValidateArguments(s, {{"q", "abc"}, {"n", 2.0}}), "");
  EXPECT_NE(ValidateArguments(s, json::object()), "");
  EXPECT_EQ(ValidateArguments(s, {{"q", "abcd"}}), "q: must be at most 3 characters");
  EXPECT_EQ(ValidateArguments(s, {{"q", "a"}, {"n", 9}}), "n: must be <= 5");
  EXPECT_EQ(ValidateArguments(s, {{"q", "a"}, {"n", 1.5}}), "n: must be integer");
  EXPECT_EQ(ValidateArguments(s, {{"q", "a"}, {"zzz", 1}}), "zzz: unknown argument");
  EXPECT_NE(ValidateArguments(s, {{"q", "a"}, {"kind", "c"}}), "");
  EXPECT_EQ(ValidateArguments(s, {{"q", "a"}, {"tags", json::array({"x", 1})}}),
            "tags[1]: must be string");
  EXPECT_NE(ValidateArguments(s, {{"q", "a"}, {"tags", {"x", "y", "z"}}}), "");
  EXPECT_EQ(ValidateArguments(s, json::array()), "arguments: must be object");
}

TEST(UriTemplate, MatchesOneSegmentPerVariable) {
  std::map<std::string, std::string> v;
  EXPECT_TRUE(MatchUriTemplate("test://template/{id}/data", "test://template/123/data", &v));
  EXPECT_EQ(v["id"], "123");
  EXPECT_FALSE(MatchUriTemplate("test://template/{id}/data", "test://template//data"));
  EXPECT_FALSE(MatchUriTemplate("test://template/{id}/data", "test://template/1/2/data"));
  EXPECT_TRUE(MatchUriTemplate("spacefactory://runs/{run_id}/report.md",
                               "spacefactory://runs/20261124T031500Z-7f3a/report.md", &v));
  EXPECT_EQ(v["run_id"], "20261124T031500Z-7f3a");
  EXPECT_FALSE(MatchUriTemplate("spacefactory://runs/{run_id}/report.md",
                                "spacefactory://runs/x/state.json"));
}

// Records what a session sends back for one request.
class Capture final : public Outbound {
 public:
  void Send(const json& m) override {
    std::lock_guard<std::mutex> lock(mu);
    sent.push_back(m);
    cv.notify_all();
  }
  void Reply(const json& r) override {
    std::lock_guard<std::mutex> lock(mu);
    reply = r;
    done = true;
    cv.notify_all();
  }
  void Drop() override {
    std::lock_guard<std::mutex> lock(mu);
    dropped = true;
    done = true;
    cv.notify_all();
  }
  bool Wait(std::chrono::milliseconds d = 5s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, d, [&] { return done; });
  }
  bool WaitSent(std::size_t n, std::chrono::milliseconds d = 5s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, d, [&] { return sent.size() >= n; });
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<json> sent;
  json reply;
  bool done = false, dropped = false;
};

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reg = std::make_shared<Registry>();
    AddConformanceFixtures(*reg);
    ASSERT_TRUE(reg->AddTool({{{"name", "slow"},
                               {"description", "waits until cancelled"},
                               {"inputSchema", {{"type", "object"}}}},
                              [](const json&, CallContext& ctx) -> Result<json> {
                                for (int i = 0; i < 500 && !ctx.Cancelled(); ++i)
                                  std::this_thread::sleep_for(10ms);
                                return ToolText("done");
                              }})
                    .ok());
    ServerOptions o;
    o.worker_threads = 2;
    o.client_request_timeout = 2s;
    o.page_size = 5;
    server_ = std::make_shared<Server>(o, reg);
    session_ = server_->NewSession("t");
  }
  void TearDown() override { server_->Shutdown(); }

  json Call(const std::string& method, json params = nullptr, json id = 1) {
    json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) msg["params"] = params;
    auto d = Decode(Serialize(msg));
    EXPECT_EQ(d.messages.size(), 1u);
    auto out = std::make_shared<Capture>();
    session_->Handle(d.messages.at(0), out);
    EXPECT_TRUE(out->Wait());
    return out->reply;
  }
  void Notify(const std::string& method, json params = nullptr) {
    json msg = {{"jsonrpc", "2.0"}, {"method", method}};
    if (!params.is_null()) msg["params"] = params;
    session_->Handle(Decode(Serialize(msg)).messages.at(0), nullptr);
  }
  json Init(const std::string& version = "2025-11-25", json caps = json::object()) {
    return Call("initialize", {{"protocolVersion", version},
                               {"capabilities", caps},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  }
  static int Code(const json& r) { return r.contains("error") ? r["error"]["code"].get<int>() : 0; }

  std::shared_ptr<Server> server_;
  std::shared_ptr<Session> session_;
};

TEST_F(SessionTest, RequestsBeforeInitializeAreRefusedButPingWorks) {
  EXPECT_EQ(Code(Call("tools/list")), err::kInvalidRequest);
  EXPECT_EQ(Call("ping")["result"], json::object());
  json r = Init();
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25");
  EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "spacefactory");
  EXPECT_EQ(Code(Init()), err::kInvalidRequest);  // twice
  EXPECT_EQ(Code(Call("tools/list")), 0);
}

TEST_F(SessionTest, VersionNegotiation) {
  EXPECT_EQ(Init("2024-01-01")["result"]["protocolVersion"], "2025-11-25");
  auto s2 = server_->NewSession("b");
  session_ = s2;
  EXPECT_EQ(Init("2025-03-26")["result"]["protocolVersion"], "2025-03-26");
  session_ = server_->NewSession("c");
  json r = Init("2026-07-28");
  EXPECT_EQ(Code(r), err::kInvalidParams);
  EXPECT_EQ(r["error"]["data"]["requested"], "2026-07-28");
  EXPECT_EQ(r["error"]["data"]["supported"][0], "2025-11-25");
  EXPECT_FALSE(session_->initialized());
  EXPECT_EQ(Code(Call("initialize", {{"capabilities", json::object()}})), err::kInvalidParams);
}

TEST_F(SessionTest, ModernClientGetsUnsupportedVersion) {
  json r = Call("server/discover",
                {{"_meta", {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}}}});
  EXPECT_EQ(Code(r), err::kUnsupportedVersion);
  r = Call("tools/list", {{"_meta",
                           {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                            {"io.modelcontextprotocol/clientCapabilities", json::object()}}}});
  EXPECT_EQ(Code(r), err::kUnsupportedVersion);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("2025-06-18"), std::string::npos);
}

TEST_F(SessionTest, ErrorsForBadMethodsAndParams) {
  Init();
  EXPECT_EQ(Code(Call("nope/nothing")), err::kMethodNotFound);
  EXPECT_EQ(Code(Call("tools/call", {{"name", "no_such_tool"}})), err::kInvalidParams);
  EXPECT_EQ(Code(Call("tools/call", json::object())), err::kInvalidParams);
  EXPECT_EQ(Code(Call("tools/call", {{"name", "test_sampling"}, {"arguments", 5}})),
            err::kInvalidParams);
  EXPECT_EQ(Code(Call("tools/list", json::array({1}))), err::kInvalidParams);
  EXPECT_EQ(Code(Call("logging/setLevel", {{"level", "loud"}})), err::kInvalidParams);
  EXPECT_EQ(Code(Call("logging/setLevel", {{"level", "warning"}})), 0);
  EXPECT_EQ(Code(Call("resources/read", {{"uri", "test://nothing"}})), err::kResourceNotFound);
  EXPECT_EQ(Code(Call("resources/read", json::object())), err::kInvalidParams);
  EXPECT_EQ(Code(Call("prompts/get", {{"name", "test_prompt_with_arguments"}})),
            err::kInvalidParams);
  EXPECT_EQ(Code(Call("prompts/get", {{"name", "nope"}})), err::kInvalidParams);
  EXPECT_EQ(Code(Call("tools/list", {{"cursor", "bogus"}})), err::kInvalidParams);
  EXPECT_EQ(Code(Call("completion/complete", {{"ref", 1}})), err::kInvalidParams);
  // Schema violations are tool errors (isError), not protocol errors.
  json r = Call("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", 5}}}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("prompt"), std::string::npos);
}

TEST_F(SessionTest, ListsPageAndResourcesPromptsCompletionWork) {
  Init();
  json all = json::array();
  json cursor = nullptr;
  for (int i = 0; i < 20; ++i) {
    json p = json::object();
    if (!cursor.is_null()) p["cursor"] = cursor;
    json r = Call("tools/list", p)["result"];
    for (auto& t : r["tools"]) all.push_back(t);
    if (!r.contains("nextCursor")) break;
    cursor = r["nextCursor"];
  }
  EXPECT_EQ(all.size(), 14u);  // 13 fixtures + slow
  for (const auto& t : all) EXPECT_TRUE(t.contains("description")) << t.dump();
  json r = Call("resources/read", {{"uri", "test://template/42/data"}});
  EXPECT_NE(r["result"]["contents"][0]["text"].get<std::string>().find("42"), std::string::npos);
  r = Call("prompts/get",
           {{"name", "test_prompt_with_arguments"}, {"arguments", {{"arg1", "x"}, {"arg2", "y"}}}});
  EXPECT_EQ(r["result"]["messages"][0]["content"]["text"],
            "Prompt with arguments: arg1='x', arg2='y'");
  r = Call("completion/complete",
           {{"ref", {{"type", "ref/prompt"}, {"name", "test_prompt_with_arguments"}}},
            {"argument", {{"name", "arg1"}, {"value", "par"}}}});
  EXPECT_EQ(r["result"]["completion"]["values"].size(), 3u);
  EXPECT_EQ(Code(Call("resources/subscribe", {{"uri", "test://watched-resource"}})), 0);
  EXPECT_TRUE(session_->IsSubscribed("test://watched-resource"));
  std::vector<json> standalone;
  session_->SetStandalone([&](const json& m) { standalone.push_back(m); });
  server_->NotifyResourceUpdated("test://watched-resource");
  ASSERT_EQ(standalone.size(), 1u);
  EXPECT_EQ(standalone[0]["method"], "notifications/resources/updated");
  EXPECT_EQ(Code(Call("resources/unsubscribe", {{"uri", "test://watched-resource"}})), 0);
  server_->NotifyResourceUpdated("test://watched-resource");
  EXPECT_EQ(standalone.size(), 1u);
}

TEST_F(SessionTest, ProgressLoggingAndCancellation) {
  Init();
  auto d = Decode(
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"test_tool_with_progress","_meta":{"progressToken":"tok"}}})");
  auto out = std::make_shared<Capture>();
  session_->Handle(d.messages[0], out);
  ASSERT_TRUE(out->Wait());
  ASSERT_EQ(out->sent.size(), 3u);
  EXPECT_EQ(out->sent[2]["params"]["progress"], 100.0);
  EXPECT_EQ(out->sent[2]["params"]["progressToken"], "tok");
  EXPECT_EQ(out->reply["id"], 5);

  // Logging below the level is filtered.
  Call("logging/setLevel", {{"level", "error"}});
  d = Decode(
      R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"test_tool_with_logging"}})");
  out = std::make_shared<Capture>();
  session_->Handle(d.messages[0], out);
  ASSERT_TRUE(out->Wait());
  EXPECT_TRUE(out->sent.empty());

  d = Decode(R"({"jsonrpc":"2.0","id":"s1","method":"tools/call","params":{"name":"slow"}})");
  out = std::make_shared<Capture>();
  session_->Handle(d.messages[0], out);
  // The same id while in flight is refused.
  auto dup = std::make_shared<Capture>();
  session_->Handle(d.messages[0], dup);
  ASSERT_TRUE(dup->Wait());
  EXPECT_EQ(Code(dup->reply), err::kInvalidRequest);
  Notify("notifications/cancelled", {{"requestId", "s1"}, {"reason", "test"}});
  Notify("notifications/cancelled", {{"requestId", "unknown"}});  // ignored
  ASSERT_TRUE(out->Wait());
  EXPECT_TRUE(out->dropped);  // no response after cancellation
}

TEST_F(SessionTest, ServerToClientRequests) {
  // Without the capability the tool reports an error.
  Init();
  json r = Call("tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "hi"}}}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("sampling"),
            std::string::npos);

  session_ = server_->NewSession("caps");
  Init("2025-11-25", {{"sampling", json::object()}, {"elicitation", json::object()}});
  auto d = Decode(
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"test_sampling","arguments":{"prompt":"hello"}}})");
  auto out = std::make_shared<Capture>();
  session_->Handle(d.messages[0], out);
  ASSERT_TRUE(out->WaitSent(1));
  json req = out->sent[0];
  EXPECT_EQ(req["method"], "sampling/createMessage");
  EXPECT_EQ(req["params"]["maxTokens"], 100);
  json answer = {
      {"jsonrpc", "2.0"},
      {"id", req["id"]},
      {"result",
       {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "pong"}}}, {"model", "m"}}}};
  session_->Handle(Decode(Serialize(answer)).messages[0], nullptr);
  ASSERT_TRUE(out->Wait());
  EXPECT_EQ(out->reply["result"]["content"][0]["text"], "LLM response: pong");

  // An error answer becomes an isError result naming the client's message.
  d = Decode(
      R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"test_elicitation","arguments":{"message":"who?"}}})");
  out = std::make_shared<Capture>();
  session_->Handle(d.messages[0], out);
  ASSERT_TRUE(out->WaitSent(1));
  json err_answer = {{"jsonrpc", "2.0"},
                     {"id", out->sent[0]["id"]},
                     {"error", {{"code", -1}, {"message", "user said no"}}}};
  session_->Handle(Decode(Serialize(err_answer)).messages[0], nullptr);
  ASSERT_TRUE(out->Wait());
  EXPECT_EQ(out->reply["result"]["isError"], true);
  EXPECT_NE(Serialize(out->reply).find("user said no"), std::string::npos);

  // No answer at all: the call times out (2 s here) and the client is told it was cancelled.
  d = Decode(
      R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"test_sampling","arguments":{"prompt":"x"}}})");
  out = std::make_shared<Capture>();
  session_->Handle(d.messages[0], out);
  ASSERT_TRUE(out->Wait(10s));
  EXPECT_EQ(out->reply["result"]["isError"], true);
  EXPECT_EQ(out->sent.back()["method"], "notifications/cancelled");
}

TEST_F(SessionTest, BatchesOnlyFor20250326) {
  Init();
  EXPECT_FALSE(BatchAllowed(*session_));
  session_ = server_->NewSession("old");
  Init("2025-03-26");
  EXPECT_TRUE(BatchAllowed(*session_));
  auto d = Decode(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_simple_text"}},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":3,"method":"initialize","params":{}}, 7])");
  json all;
  std::mutex mu;
  std::condition_variable cv;
  HandleBatch(*session_, d, nullptr, [&](json a) {
    std::lock_guard<std::mutex> lock(mu);
    all = std::move(a);
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return !all.is_null(); }));
  EXPECT_EQ(all.size(), 4u);  // ping, the tool, initialize refused, the invalid member
}

}  // namespace
}  // namespace sf::mcp

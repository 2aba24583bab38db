// The Streamable HTTP transport driven directly (fake ResponseWriter, injected clock), and once
// through the real server with libcurl.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

using namespace std::chrono_literals;

class FakeWriter final : public http::ResponseWriter {
 public:
  void Respond(http::Response r) override {
    std::lock_guard<std::mutex> lock(mu);
    status = r.status;
    headers = r.headers;
    body = r.body;
    ended = true;
    cv.notify_all();
  }
  void Begin(int s, http::Headers h) override {
    std::lock_guard<std::mutex> lock(mu);
    status = s;
    headers = h;
    streaming = true;
  }
  void Write(std::string d) override {
    std::lock_guard<std::mutex> lock(mu);
    body += d;
    cv.notify_all();
  }
  void End() override {
    std::lock_guard<std::mutex> lock(mu);
    ended = true;
    cv.notify_all();
  }
  bool closed() const override { return gone.load(); }

  bool WaitEnded(std::chrono::milliseconds d = 5s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, d, [&] { return ended; });
  }
  bool WaitFor(const std::string& text, std::chrono::milliseconds d = 5s) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, d, [&] { return body.find(text) != std::string::npos; });
  }
  // The JSON-RPC messages of the body: the JSON body, or each SSE data line.
  std::vector<json> Messages() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<json> out;
    if (!streaming) {
      if (!body.empty()) out.push_back(json::parse(body));
      return out;
    }
    std::size_t pos = 0;
    while ((pos = body.find("data: ", pos)) != std::string::npos) {
      auto end = body.find('\n', pos);
      out.push_back(json::parse(body.substr(pos + 6, end - pos - 6)));
      pos = end;
    }
    return out;
  }
  std::string Header(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    return http::FindHeader(headers, name).value_or("");
  }

  std::mutex mu;
  std::condition_variable cv;
  int status = 0;
  http::Headers headers;
  std::string body;
  bool streaming = false, ended = false;
  std::atomic<bool> gone{false};
};

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto reg = std::make_shared<Registry>();
    AddConformanceFixtures(*reg);
    ServerOptions so;
    so.worker_threads = 2;
    server_ = std::make_shared<Server>(so, reg);
    HttpOptions o;
    o.clock = &clock_;
    o.keepalive_interval = 0ms;
    o.session_idle_timeout = 10min;
    o.limits.max_bytes = 64 << 10;
    transport_ = HttpTransport::Create(server_, o);
  }
  void TearDown() override {
    transport_->Stop();
    server_->Shutdown();
  }

  std::shared_ptr<FakeWriter> Send(const std::string& method, const std::string& body,
                                   http::Headers extra = {}, bool wait = true) {
    http::ServerRequest r;
    r.method = method;
    r.path = r.target = "/mcp";
    r.body = body;
    r.headers = {{"Host", "127.0.0.1:8765"},
                 {"Content-Type", "application/json"},
                 {"Accept", "application/json, text/event-stream"}};
    for (const auto& kv : extra) {  // not a structured binding: clang 14 cannot capture one
      const auto& [k, v] = kv;
      std::erase_if(r.headers, [&](auto& h) { return h.first == kv.first; });
      if (!v.empty()) r.headers.emplace_back(k, v);
    }
    auto w = std::make_shared<FakeWriter>();
    transport_->Handle(r, w);
    if (wait) {
      EXPECT_TRUE(w->WaitEnded()) << body;
    }
    return w;
  }
  std::string Initialize(const std::string& version = "2025-11-25", json caps = json::object()) {
    json init = {{"jsonrpc", "2.0"},
                 {"id", 0},
                 {"method", "initialize"},
                 {"params",
                  {{"protocolVersion", version},
                   {"capabilities", caps},
                   {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}};
    auto w = Send("POST", init.dump());
    EXPECT_EQ(w->status, 200);
    std::string sid = w->Header("Mcp-Session-Id");
    EXPECT_FALSE(sid.empty());
    Send("POST", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
         {{"Mcp-Session-Id", sid}});
    return sid;
  }
  static json Rpc(int id, const std::string& method, json params = json::object()) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  }

  FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::hours(500000))};
  std::shared_ptr<Server> server_;
  std::shared_ptr<HttpTransport> transport_;
};

TEST_F(HttpTransportTest, InitializeThenCallAToolOverSse) {
  std::string sid = Initialize();
  EXPECT_EQ(sid.size(), 32u);
  // A client that ranks SSE first gets SSE even when nothing is streamed before the result.
  auto w = Send("POST", Rpc(1, "tools/call", {{"name", "test_simple_text"}}).dump(),
                {{"Mcp-Session-Id", sid},
                 {"MCP-Protocol-Version", "2025-11-25"},
                 {"Accept", "text/event-stream, application/json"}});
  EXPECT_EQ(w->status, 200);
  EXPECT_EQ(w->Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(w->Header("Mcp-Session-Id"), sid);
  auto msgs = w->Messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["result"]["content"][0]["text"], "This is a simple text response for testing.");
  // The SDKs' "application/json, text/event-stream": nothing to stream → one JSON response.
  w = Send("POST", Rpc(5, "tools/call", {{"name", "test_simple_text"}}).dump(),
           {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(w->status, 200);
  EXPECT_EQ(w->Header("Content-Type"), "application/json");
  EXPECT_EQ(w->Header("Mcp-Session-Id"), sid);
  ASSERT_EQ(w->Messages().size(), 1u);
  EXPECT_EQ(w->Messages()[0]["result"]["content"][0]["text"],
            "This is a simple text response for testing.");
  // q-values decide before order.
  w = Send("POST", Rpc(6, "ping").dump(),
           {{"Mcp-Session-Id", sid}, {"Accept", "application/json;q=0.5, text/event-stream"}});
  EXPECT_EQ(w->Header("Content-Type"), "text/event-stream");
  w = Send("POST", Rpc(7, "ping").dump(),
           {{"Mcp-Session-Id", sid}, {"Accept", "text/event-stream;q=0.9, application/json"}});
  EXPECT_EQ(w->Header("Content-Type"), "application/json");
  // */* or no Accept at all: JSON.
  w = Send("POST", Rpc(11, "ping").dump(), {{"Mcp-Session-Id", sid}, {"Accept", "*/*"}});
  EXPECT_EQ(w->Header("Content-Type"), "application/json");
  w = Send("POST", Rpc(12, "ping").dump(), {{"Mcp-Session-Id", sid}, {"Accept", ""}});
  EXPECT_EQ(w->Header("Content-Type"), "application/json");
  // Only SSE acceptable (application/json;q=0) → SSE.
  w = Send("POST", Rpc(8, "ping").dump(),
           {{"Mcp-Session-Id", sid}, {"Accept", "application/json;q=0, */*"}});
  EXPECT_EQ(w->Header("Content-Type"), "text/event-stream");
  // A tool that logs streams its messages first, then the result, even for a JSON-first client.
  Send("POST", Rpc(9, "logging/setLevel", {{"level", "debug"}}).dump(), {{"Mcp-Session-Id", sid}});
  w = Send("POST", Rpc(10, "tools/call", {{"name", "test_tool_with_logging"}}).dump(),
           {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(w->Header("Content-Type"), "text/event-stream");
  msgs = w->Messages();
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0]["method"], "notifications/message");
  EXPECT_EQ(msgs[3]["id"], 10);
  // A client that accepts only JSON gets JSON.
  w = Send("POST", Rpc(2, "ping").dump(),
           {{"Mcp-Session-Id", sid}, {"Accept", "application/json"}});
  EXPECT_EQ(w->Header("Content-Type"), "application/json");
  EXPECT_EQ(w->Messages()[0]["result"], json::object());
  // Notifications and responses: 202, no body.
  w = Send("POST", R"({"jsonrpc":"2.0","method":"notifications/roots/list_changed"})",
           {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(w->status, 202);
  EXPECT_TRUE(w->body.empty());
}

TEST_F(HttpTransportTest, SessionErrors) {
  auto w = Send("POST", Rpc(1, "tools/list").dump());
  EXPECT_EQ(w->status, 400);
  EXPECT_EQ(json::parse(w->body)["error"]["code"], err::kServer);
  w = Send("POST", Rpc(1, "tools/list").dump(), {{"Mcp-Session-Id", "nope"}});
  EXPECT_EQ(w->status, 404);
  EXPECT_EQ(json::parse(w->body)["error"]["code"], err::kSessionNotFound);
  w = Send("GET", "", {{"Mcp-Session-Id", "nope"}, {"Accept", "text/event-stream"}});
  EXPECT_EQ(w->status, 404);

  std::string sid = Initialize();
  // initialize again on the same session
  w = Send("POST", Rpc(2, "initialize", {{"protocolVersion", "2025-11-25"}}).dump(),
           {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(w->status, 400);
  // Expiry on the injected clock.
  clock_.Advance(9min);
  EXPECT_EQ(Send("POST", Rpc(3, "ping").dump(), {{"Mcp-Session-Id", sid}})->status, 200);
  clock_.Advance(11min);
  EXPECT_EQ(Send("POST", Rpc(4, "ping").dump(), {{"Mcp-Session-Id", sid}})->status, 404);
  EXPECT_EQ(transport_->session_count(), 0u);

  // DELETE ends a session.
  sid = Initialize();
  EXPECT_EQ(Send("DELETE", "", {{"Mcp-Session-Id", sid}})->status, 200);
  EXPECT_EQ(Send("POST", Rpc(5, "ping").dump(), {{"Mcp-Session-Id", sid}})->status, 404);
  // Sweep expires idle sessions too.
  sid = Initialize();
  EXPECT_EQ(transport_->session_count(), 1u);
  clock_.Advance(11min);
  transport_->Sweep();
  EXPECT_EQ(transport_->session_count(), 0u);
}

TEST_F(HttpTransportTest, BadInput) {
  std::string sid = Initialize();
  http::Headers s = {{"Mcp-Session-Id", sid}};
  auto w = Send("POST", "{oops", s);
  EXPECT_EQ(w->status, 400);
  EXPECT_EQ(json::parse(w->body)["error"]["code"], err::kParse);
  w = Send("POST", R"({"jsonrpc":"1.0","id":1,"method":"ping"})", s);
  EXPECT_EQ(w->status, 400);
  EXPECT_EQ(json::parse(w->body)["error"]["code"], err::kInvalidRequest);
  w = Send("POST", Rpc(1, "no/such").dump(), s);
  EXPECT_EQ(w->Messages()[0]["error"]["code"], err::kMethodNotFound);
  w = Send("POST", Rpc(1, "tools/call", {{"name", 3}}).dump(), s);
  EXPECT_EQ(w->Messages()[0]["error"]["code"], err::kInvalidParams);
  w = Send("POST", std::string(70 << 10, ' '), s);  // above the 64 KiB limit of this test
  EXPECT_EQ(w->status, 400);
  w = Send("POST", Rpc(1, "ping").dump(),
           {{"Mcp-Session-Id", sid}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(w->status, 415);
  w = Send("POST", Rpc(1, "ping").dump(), {{"Mcp-Session-Id", sid}, {"Accept", "text/html"}});
  EXPECT_EQ(w->status, 406);
  w = Send("GET", "", {{"Mcp-Session-Id", sid}, {"Accept", "application/json"}});
  EXPECT_EQ(w->status, 406);
  w = Send("PUT", "", s);
  EXPECT_EQ(w->status, 405);
  w = Send("POST", Rpc(1, "ping").dump(),
           {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "1999-01-01"}});
  EXPECT_EQ(w->status, 400);
  // Batches are refused on a 2025-11-25 session...
  w = Send("POST", "[" + Rpc(1, "ping").dump() + "]", s);
  EXPECT_EQ(w->status, 400);
  // ...and answered as an array on a 2025-03-26 one.
  std::string old = Initialize("2025-03-26");
  w = Send("POST", "[" + Rpc(1, "ping").dump() + "," + Rpc(2, "tools/list").dump() + "]",
           {{"Mcp-Session-Id", old}});
  EXPECT_EQ(w->status, 200);
  auto arr = json::parse(w->body);
  ASSERT_TRUE(arr.is_array());
  EXPECT_EQ(arr.size(), 2u);
}

TEST_F(HttpTransportTest, DnsRebindingProtection) {
  json init =
      Rpc(1, "initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}});
  auto w = Send("POST", init.dump(),
                {{"Host", "evil.example.com"}, {"Origin", "http://evil.example.com"}});
  EXPECT_EQ(w->status, 403);
  w = Send("POST", init.dump(), {{"Origin", "http://evil.example.com"}});
  EXPECT_EQ(w->status, 403);
  w = Send("POST", init.dump(), {{"Origin", "null"}});
  EXPECT_EQ(w->status, 403);
  for (const char* host : {"localhost", "localhost:9", "127.0.0.1:1234", "[::1]:80"}) {
    w = Send("POST", init.dump(), {{"Host", host}, {"Origin", std::string("http://") + host}});
    EXPECT_EQ(w->status, 200) << host;
  }
}

TEST_F(HttpTransportTest, ModernClientsGetUnsupportedVersion) {
  auto w = Send("POST", Rpc(1, "tools/list").dump(), {{"MCP-Protocol-Version", "2026-07-28"}});
  EXPECT_EQ(w->status, 400);
  json e = json::parse(w->body);
  EXPECT_EQ(e["error"]["code"], err::kUnsupportedVersion);
  EXPECT_EQ(e["error"]["data"]["supported"][0], "2025-11-25");
  w = Send("POST", Rpc(2, "server/discover").dump());
  EXPECT_EQ(w->status, 400);
  EXPECT_EQ(json::parse(w->body)["error"]["code"], err::kUnsupportedVersion);
  w = Send("POST", Rpc(3, "tools/list",
                       {{"_meta", {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}}}})
                       .dump());
  EXPECT_EQ(json::parse(w->body)["error"]["code"], err::kUnsupportedVersion);
}

TEST_F(HttpTransportTest, ProgressStreamsAndResumesWithLastEventId) {
  std::string sid = Initialize();
  json call = Rpc(7, "tools/call",
                  {{"name", "test_tool_with_progress"}, {"_meta", {{"progressToken", 1}}}});
  auto w = Send("POST", call.dump(), {{"Mcp-Session-Id", sid}}, false);
  ASSERT_TRUE(w->WaitFor("\"progress\":0"));
  // The connection drops after the first event; the client resumes with its id.
  w->gone = true;
  std::string first_id;
  {
    std::lock_guard<std::mutex> lock(w->mu);
    auto p = w->body.find("id: ");
    ASSERT_NE(p, std::string::npos);
    first_id = w->body.substr(p + 4, w->body.find('\n', p) - p - 4);
  }
  auto g =
      Send("GET", "",
           {{"Mcp-Session-Id", sid}, {"Accept", "text/event-stream"}, {"Last-Event-ID", first_id}},
           false);
  ASSERT_TRUE(g->WaitEnded());
  auto msgs = g->Messages();
  ASSERT_GE(msgs.size(), 2u);
  EXPECT_EQ(msgs.back()["id"], 7);
  EXPECT_EQ(msgs.back()["result"]["content"][0]["text"],
            "Tool with progress executed successfully");
  for (const auto& m : msgs)
    EXPECT_NE(m.value("params", json::object()).value("progress", -1.0), 0.0);
}

TEST_F(HttpTransportTest, SamplingRoundTripAndStandaloneStream) {
  std::string sid = Initialize("2025-11-25", {{"sampling", json::object()}});
  auto get = Send("GET", "", {{"Mcp-Session-Id", sid}, {"Accept", "text/event-stream"}}, false);
  EXPECT_EQ(get->status, 200);
  EXPECT_TRUE(get->streaming);
  auto w = Send(
      "POST",
      Rpc(3, "tools/call", {{"name", "test_sampling"}, {"arguments", {{"prompt", "hi"}}}}).dump(),
      {{"Mcp-Session-Id", sid}}, false);
  ASSERT_TRUE(w->WaitFor("sampling/createMessage"));
  json req = w->Messages().at(0);
  json answer = {
      {"jsonrpc", "2.0"},
      {"id", req["id"]},
      {"result",
       {{"role", "assistant"}, {"content", {{"type", "text"}, {"text", "yo"}}}, {"model", "m"}}}};
  EXPECT_EQ(Send("POST", answer.dump(), {{"Mcp-Session-Id", sid}})->status, 202);
  ASSERT_TRUE(w->WaitEnded());
  EXPECT_EQ(w->Messages().back()["result"]["content"][0]["text"], "LLM response: yo");
  // resources/updated goes to the standalone GET stream.
  Send("POST", Rpc(4, "resources/subscribe", {{"uri", "test://watched-resource"}}).dump(),
       {{"Mcp-Session-Id", sid}});
  server_->NotifyResourceUpdated("test://watched-resource");
  EXPECT_TRUE(get->WaitFor("notifications/resources/updated"));
  transport_->Sweep();  // writes a keep-alive comment on the open stream
  EXPECT_TRUE(get->WaitFor(": keep-alive"));
}

// Through the real Beast server and libcurl: headers, status codes and SSE on the wire.
TEST(HttpTransportWire, InitializeAndListOverRealServer) {
  auto reg = std::make_shared<Registry>();
  AddConformanceFixtures(*reg);
  auto server = std::make_shared<Server>(ServerOptions{}, reg);
  HttpOptions o;
  o.keepalive_interval = 0ms;
  auto transport = HttpTransport::Create(server, o);
  http::Router router;
  transport->Mount(router);
  auto srv = http::NewHttpServer({}, router.AsHandler());
  if (!srv.ok() && srv.status().code() == Code::kFailedPrecondition) GTEST_SKIP() << "no server";
  ASSERT_TRUE(srv.ok());
  auto client = http::NewCurlHttpClient();
  auto post = [&](const std::string& body, http::Headers h) {
    h.emplace_back("Content-Type", "application/json");
    h.emplace_back("Accept", "application/json, text/event-stream");
    return client->Send(
        {.method = "POST", .url = (*srv)->url() + "/mcp", .headers = h, .body = body});
  };
  auto r = post(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}})",
      {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  auto sid = http::FindHeader(r->headers, "mcp-session-id");
  ASSERT_TRUE(sid);
  EXPECT_EQ(json::parse(r->body)["result"]["protocolVersion"], "2025-06-18");
  r = post(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", {{"Mcp-Session-Id", *sid}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(http::FindHeader(r->headers, "content-type").value_or(""), "application/json");
  EXPECT_NE(r->body.find("test_simple_text"), std::string::npos);
  // The same request from a client that ranks SSE first: one SSE event, then the stream ends.
  r = client->Send({.method = "POST",
                    .url = (*srv)->url() + "/mcp",
                    .headers = {{"Content-Type", "application/json"},
                                {"Accept", "text/event-stream, application/json"},
                                {"Mcp-Session-Id", *sid}},
                    .body = R"({"jsonrpc":"2.0","id":4,"method":"tools/call",)"
                            R"("params":{"name":"test_simple_text"}})"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(http::FindHeader(r->headers, "content-type").value_or(""), "text/event-stream");
  EXPECT_NE(r->body.find("data: {"), std::string::npos);
  EXPECT_NE(r->body.find("simple text response"), std::string::npos);
  r = post(R"({"jsonrpc":"2.0","id":3,"method":"ping"})",
           {{"Mcp-Session-Id", *sid}, {"Origin", "http://evil.example"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 403);
  (*srv)->Stop(200ms);
  transport->Stop();
  server->Shutdown();
}

}  // namespace
}  // namespace sf::mcp

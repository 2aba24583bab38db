// StreamOnLoop: upstream calls made from a server's io thread (what the gateway does). A "proxy"
// server's handler calls an upstream server on its own loop and reports what it saw as JSON, so
// every test drives the real code path: pooling, the stale-connection re-send rule, timeouts,
// cancellation and transport errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/http.h"

namespace sf::http {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class UpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StartUpstream(ServerOptions{});
    Router proxy;
    // Forwards to the upstream path given in ?path=; ?stop_after=N aborts after N chunks;
    // ?idle_ms sets the idle timeout; ?post_plain sends a POST without idempotent_override.
    proxy.Get("/relay", [this](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
      Request r;
      r.method = req.QueryParam("post_plain") ? "POST" : "GET";
      r.url =
          req.QueryParam("url").value_or(upstream_->url() + req.QueryParam("path").value_or(""));
      if (auto ms = req.QueryParam("idle_ms"))
        r.idle_timeout = std::chrono::milliseconds(std::stoi(*ms));
      int stop_after = std::stoi(req.QueryParam("stop_after").value_or("-1"));
      auto seen = std::make_shared<json>(json{{"chunks", json::array()}});
      auto thread_ok = std::make_shared<bool>(true);
      const auto serving_thread = std::this_thread::get_id();
      StreamOnLoop(
          *req.loop, std::move(r),
          [seen, thread_ok, serving_thread](int status, const Headers&) {
            *thread_ok = *thread_ok && std::this_thread::get_id() == serving_thread;
            (*seen)["status"] = status;
            return true;
          },
          [seen, stop_after](std::string_view chunk) {
            (*seen)["chunks"].push_back(std::string(chunk));
            return stop_after < 0 || static_cast<int>((*seen)["chunks"].size()) < stop_after;
          },
          [seen, thread_ok, serving_thread, w](Result<Response> res) {
            *thread_ok = *thread_ok && std::this_thread::get_id() == serving_thread;
            (*seen)["ok"] = res.ok();
            (*seen)["code"] = static_cast<int>(res.status().code());
            (*seen)["message"] = res.status().message();
            (*seen)["same_thread"] = *thread_ok;
            w->Respond(JsonResponse(200, seen->dump()));
          });
    });
    proxy.Get("/after", [](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
      auto start = std::chrono::steady_clock::now();
      const auto serving_thread = std::this_thread::get_id();
      RunOnLoopAfter(*req.loop, 30ms, [w, start, serving_thread] {
        auto waited = std::chrono::steady_clock::now() - start;
        json j = {
            {"waited_ms", std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()},
            {"same_thread", std::this_thread::get_id() == serving_thread}};
        w->Respond(JsonResponse(200, j.dump()));
      });
    });
    auto s = NewHttpServer({}, proxy.AsHandler());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    proxy_ = std::move(s).value();
    ClientOptions co;
    co.max_attempts = 1;
    client_ = NewCurlHttpClient(co);
  }

  void StartUpstream(ServerOptions options) {
    if (upstream_) upstream_->Stop(100ms);
    Router up;
    up.Get("/stream", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Begin(200, {{"Content-Type", "text/event-stream"}});
      std::thread([w] {
        for (int i = 0; i < 3; ++i) {
          w->Write("data: " + std::to_string(i) + "\n\n");
          std::this_thread::sleep_for(5ms);
        }
        w->End();
      }).detach();
    });
    up.Get("/plain", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      ++plain_hits_;
      w->Respond(TextResponse(201, "hello"));
    });
    up.Post("/plain", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      ++plain_hits_;
      w->Respond(TextResponse(201, "hello"));
    });
    up.Get("/never", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      std::lock_guard<std::mutex> lock(mu_);
      parked_.push_back(std::move(w));  // never answered (until TearDown)
    });
    auto s = NewHttpServer(options, up.AsHandler());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    upstream_ = std::move(s).value();
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      parked_.clear();
    }
    if (proxy_) proxy_->Stop(200ms);
    if (upstream_) upstream_->Stop(200ms);
  }

  json Relay(const std::string& query) {
    auto res = client_->Send(Request{.url = proxy_->url() + "/relay?" + query});
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    if (!res.ok()) return json::object();
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }

  std::unique_ptr<HttpServer> upstream_, proxy_;
  std::unique_ptr<HttpClient> client_;
  std::atomic<int> plain_hits_{0};
  std::mutex mu_;
  std::vector<std::shared_ptr<ResponseWriter>> parked_;
};

TEST_F(UpstreamTest, RelaysAStreamPieceByPieceOnTheServingThread) {
  json j = Relay("path=/stream");
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump();
  EXPECT_EQ(j["status"], 200);
  std::string all;
  for (const auto& c : j["chunks"]) all += c.get<std::string>();
  EXPECT_EQ(all, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  EXPECT_GE(j["chunks"].size(), 2u) << "pieces are delivered as they arrive, not buffered";
  EXPECT_TRUE(j["same_thread"].get<bool>());
}

TEST_F(UpstreamTest, KeepAliveConnectionsArePooled) {
  for (int i = 0; i < 5; ++i) {
    json j = Relay("path=/plain");
    ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
    EXPECT_EQ(j["status"], 201);
    EXPECT_EQ(j["chunks"][0], "hello");
  }
  // The proxy has one io thread and the calls were sequential: one upstream connection.
  EXPECT_EQ(upstream_->open_connections(), 1u);
}

TEST_F(UpstreamTest, AStalePooledConnectionIsReplacedForIdempotentRequestsOnly) {
  ASSERT_TRUE(Relay("path=/plain")["ok"].get<bool>());
  // The upstream restarts on the same port: the pooled connection is dead.
  ServerOptions same_port;
  same_port.port = upstream_->port();
  StartUpstream(same_port);
  json j = Relay("path=/plain");
  EXPECT_TRUE(j["ok"].get<bool>()) << "a GET is re-sent on a fresh connection: " << j.dump();
  EXPECT_EQ(j["status"], 201);

  StartUpstream(same_port);
  plain_hits_ = 0;
  j = Relay("path=/plain&post_plain=1");
  EXPECT_FALSE(j["ok"].get<bool>()) << "a plain POST is never re-sent: " << j.dump();
  EXPECT_EQ(j["code"], static_cast<int>(Code::kUnavailable));
  EXPECT_EQ(plain_hits_.load(), 0);
}

TEST_F(UpstreamTest, IdleTimeoutIsATimeout) {
  json j = Relay("path=/never&idle_ms=150");
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["code"], static_cast<int>(Code::kTimeout)) << j.dump();
  EXPECT_NE(j["message"].get<std::string>().find("GET 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(j["message"].get<std::string>().find("/never"), std::string::npos)
      << "messages name the host, never the path";
}

TEST_F(UpstreamTest, ACallbackReturningFalseCancelsAndTheConnectionIsNotReused) {
  json j = Relay("path=/stream&stop_after=1");
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["code"], static_cast<int>(Code::kCancelled));
  EXPECT_EQ(j["chunks"].size(), 1u);
  json again = Relay("path=/plain");
  EXPECT_TRUE(again["ok"].get<bool>()) << again.dump();
}

TEST_F(UpstreamTest, RefusedConnectionIsUnavailable) {
  // A port that was just free: bind a server, note its port, stop it.
  auto tmp = NewHttpServer({}, [](ServerRequest&, std::shared_ptr<ResponseWriter>) {});
  ASSERT_TRUE(tmp.ok());
  std::string url = (*tmp)->url() + "/x";
  (*tmp)->Stop(0ms);
  json j = Relay("url=" + url);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["code"], static_cast<int>(Code::kUnavailable)) << j.dump();
}

TEST_F(UpstreamTest, OnlyPlainHttpWithoutAProxyRunsOnTheLoop) {
  MapEnv none({});
  EXPECT_TRUE(CanStreamOnLoop("http://127.0.0.1:8080/v1/chat/completions", none));
  EXPECT_TRUE(CanStreamOnLoop("http://localhost/v1", none));
  EXPECT_FALSE(CanStreamOnLoop("https://router.huggingface.co/v1", none));
  EXPECT_FALSE(CanStreamOnLoop("not a url", none));
  MapEnv proxied({{"http_proxy", "http://proxy:3128"}, {"no_proxy", "localhost, .internal"}});
  EXPECT_FALSE(CanStreamOnLoop("http://10.0.0.5:8000/v1", proxied));
  EXPECT_TRUE(CanStreamOnLoop("http://localhost:8000/v1", proxied));
  EXPECT_TRUE(CanStreamOnLoop("http://llm.internal:8000/v1", proxied));
  EXPECT_FALSE(CanStreamOnLoop("http://notinternal:8000/v1", proxied));
  MapEnv all({{"HTTP_PROXY", "http://proxy:3128"}, {"NO_PROXY", "*"}});
  EXPECT_TRUE(CanStreamOnLoop("http://10.0.0.5:8000/v1", all));
}

TEST_F(UpstreamTest, RunOnLoopAfterWaitsOnTheServingThread) {
  auto res = client_->Send(Request{.url = proxy_->url() + "/after"});
  ASSERT_TRUE(res.ok());
  json j = json::parse(res->body);
  EXPECT_GE(j["waited_ms"].get<int>(), 29);
  EXPECT_TRUE(j["same_thread"].get<bool>());
}

}  // namespace
}  // namespace sf::http

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
      // ?evil adds a header whose value would split the request; ?framing adds framing fields
      // the connection owns.
      if (req.QueryParam("evil")) r.headers.emplace_back("X-Evil", "sk-secret\r\nInjected: 1");
      if (req.QueryParam("framing")) {
        r.headers.emplace_back("Content-Length", "77");
        r.headers.emplace_back("Connection", "close");
        r.headers.emplace_back("X-Kept", "yes");
      }
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
    // 100,000 bytes in one go, with a Content-Length or as one chunk written with the end:
    // answers larger than the client's 16 KB piece that arrive faster than they are read.
    up.Get("/big", [](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
      std::string body;
      for (int i = 0; body.size() < 100'000; ++i) body += std::to_string(i % 10);
      if (!req.QueryParam("chunked")) return w->Respond(TextResponse(200, std::move(body)));
      w->Begin(200, {{"Content-Type", "text/plain"}});
      w->Write(std::move(body));
      w->End();
    });
    up.Get("/plain", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      ++plain_hits_;
      w->Respond(TextResponse(201, "hello"));
    });
    // The request's fields as the upstream received them, one "name: value" per line.
    auto fields = [this](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
      ++plain_hits_;
      std::string seen;
      for (const auto& [k, v] : req.headers) seen += k + ": " + v + "\n";
      w->Respond(TextResponse(200, seen));
    };
    up.Get("/fields", fields);
    up.Post("/fields", fields);
    up.Post("/plain", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      ++plain_hits_;
      w->Respond(TextResponse(201, "hello"));
    });
    // Answers the odd-numbered requests (1st, 3rd, …); drops the connection (RST) after reading
    // the even-numbered ones: a keep-alive connection the upstream gives up on under a request.
    auto flaky = [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      if (flaky_hits_++ % 2 == 1) return w->Abort();
      w->Respond(TextResponse(201, "hello"));
    };
    up.Get("/flaky", flaky);
    up.Post("/flaky", flaky);
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
  std::atomic<int> flaky_hits_{0};
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

TEST_F(UpstreamTest, TheRequestHeadCarriesHostAgentAndOnlyOurFraming) {
  json j = Relay("path=/fields&framing=1");
  ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
  EXPECT_EQ(j["chunks"][0], "Host: 127.0.0.1:" + std::to_string(upstream_->port()) +
                                "\nUser-Agent: spacefactory/" + std::string(Version()) +
                                "\nX-Kept: yes\n");
  // A POST with an empty body says so.
  j = Relay("path=/fields&post_plain=1");
  ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
  EXPECT_NE(j["chunks"][0].get<std::string>().find("Content-Length: 0\n"), std::string::npos)
      << j.dump();
  EXPECT_EQ(upstream_->open_connections(), 1u) << "the connection stayed open despite 'close'";
}

TEST_F(UpstreamTest, AnIpv6UpstreamGetsABracketedHost) {
  ServerOptions o;
  o.host = "::1";
  Router up;
  up.Get("/fields", [](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
    w->Respond(TextResponse(200, req.Header("Host").value_or("none")));
  });
  auto s = NewHttpServer(o, up.AsHandler());
  if (!s.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << s.status().ToString();
  std::string url = (*s)->url() + "/fields";  // http://[::1]:port/fields, '[' ']' escaped
  for (auto [from, to] : {std::pair{"[", "%5B"}, std::pair{"]", "%5D"}})
    url.replace(url.find(from), 1, to);
  json j = Relay("url=" + url);
  (*s)->Stop(100ms);
  ASSERT_TRUE(j["ok"].get<bool>()) << j.dump();
  EXPECT_EQ(j["chunks"][0], "[::1]:" + std::to_string((*s)->port()));
}

TEST_F(UpstreamTest, AHeaderThatWouldSplitTheRequestIsRefusedBeforeAnythingIsSent) {
  json j = Relay("path=/plain&evil=1");
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_EQ(j["code"], static_cast<int>(Code::kInvalidArgument));
  std::string message = j["message"];
  EXPECT_NE(message.find("'X-Evil' has a control character"), std::string::npos) << message;
  EXPECT_EQ(message.find("sk-secret"), std::string::npos) << "a value may be a credential";
  EXPECT_EQ(plain_hits_, 0);
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

TEST_F(UpstreamTest, AnAnswerLargerThanTheReadPieceArrivesWholeAndInOrder) {
  std::string want;
  for (int i = 0; want.size() < 100'000; ++i) want += std::to_string(i % 10);
  for (const char* path : {"path=/big", "path=/big%3Fchunked%3D1"}) {
    for (int round = 0; round < 2; ++round) {  // the second on the pooled connection
      json j = Relay(path);
      ASSERT_TRUE(j["ok"].get<bool>()) << path << " " << j.dump().substr(0, 300);
      std::string got;
      for (const auto& c : j["chunks"]) got += c.get<std::string>();
      EXPECT_EQ(got.size(), want.size()) << path;
      EXPECT_TRUE(got == want) << path;
      EXPECT_GE(j["chunks"].size(), 7u) << "pieces of at most 16 KB";
    }
  }
}

TEST_F(UpstreamTest, AClosedPooledConnectionIsDroppedBeforeAnythingIsSent) {
  ASSERT_TRUE(Relay("path=/plain")["ok"].get<bool>());
  // The upstream restarts on the same port: the pooled connection is closed. It is found closed
  // before the request is written, so even a plain POST goes out (once) on a new connection.
  ServerOptions same_port;
  same_port.port = upstream_->port();
  StartUpstream(same_port);
  plain_hits_ = 0;
  json j = Relay("path=/plain&post_plain=1");
  EXPECT_TRUE(j["ok"].get<bool>()) << j.dump();
  EXPECT_EQ(j["status"], 201);
  EXPECT_EQ(plain_hits_.load(), 1);
}

// What the gateway benchmark hit: several connections pooled, then the upstream's idle timeout
// closed them all. The next call must not spend its two attempts on two dead connections.
TEST_F(UpstreamTest, APoolEmptiedByTheUpstreamsIdleTimeoutCostsNoAttempt) {
  ServerOptions short_idle;
  short_idle.idle_timeout = 100ms;
  StartUpstream(short_idle);
  Router proxy;
  // Three upstream calls at once from one loop: three pooled connections afterwards.
  proxy.Get("/three", [this](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
    auto left = std::make_shared<int>(3);
    auto oks = std::make_shared<int>(0);
    for (int i = 0; i < 3; ++i) {
      StreamOnLoop(*req.loop, Request{.url = upstream_->url() + "/plain"}, nullptr, nullptr,
                   [left, oks, w](Result<Response> res) {
                     if (res.ok()) ++*oks;
                     if (--*left == 0) w->Respond(TextResponse(200, std::to_string(*oks)));
                   });
    }
  });
  proxy.Get("/one", [this](ServerRequest& req, std::shared_ptr<ResponseWriter> w) {
    StreamOnLoop(*req.loop, Request{.url = upstream_->url() + "/plain"}, nullptr, nullptr,
                 [w](Result<Response> res) {
                   w->Respond(TextResponse(200, res.ok() ? "ok" : res.status().message()));
                 });
  });
  proxy_->Stop(200ms);
  auto s = NewHttpServer({}, proxy.AsHandler());
  ASSERT_TRUE(s.ok());
  proxy_ = std::move(s).value();
  auto r = client_->Send(Request{.url = proxy_->url() + "/three"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "3");
  EXPECT_EQ(upstream_->open_connections(), 3u);
  for (int i = 0; i < 100 && upstream_->open_connections() > 0; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(upstream_->open_connections(), 0u) << "the upstream closed the idle connections";
  // One call at a time: the first finds the three dead connections in the pool.
  for (int i = 0; i < 2; ++i) {
    r = client_->Send(Request{.url = proxy_->url() + "/one"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->body, "ok");
  }
}

TEST_F(UpstreamTest, AConnectionDroppedUnderARequestIsResentForIdempotentRequestsOnly) {
  // 1st request answered (pooled), 2nd dropped after it was read.
  ASSERT_TRUE(Relay("path=/flaky")["ok"].get<bool>());
  json j = Relay("path=/flaky");
  EXPECT_TRUE(j["ok"].get<bool>()) << "a GET is re-sent on a new connection: " << j.dump();
  EXPECT_EQ(j["status"], 201);
  EXPECT_EQ(flaky_hits_.load(), 3);

  // 4th dropped: a plain POST that reached the upstream is never sent again.
  j = Relay("path=/flaky&post_plain=1");
  EXPECT_FALSE(j["ok"].get<bool>()) << j.dump();
  EXPECT_EQ(j["code"], static_cast<int>(Code::kUnavailable));
  EXPECT_EQ(flaky_hits_.load(), 4);
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

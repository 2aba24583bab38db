// The libcurl client against our Beast server on 127.0.0.1, port 0. No other network.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "http/http.h"

namespace sf::http {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

class ClientServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    auto s = NewHttpServer(opts, router_.AsHandler());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) server_->Stop(200ms);
    for (auto& t : threads_) t.join();
  }
  std::string Url(const std::string& path) const { return server_->url() + path; }

  // `clients` keep-alive clients on their own threads, `each` GET /ok each: how many answered "ok".
  int OkAnswersFromClients(int clients, int each) {
    std::vector<std::thread> ts;
    std::atomic<int> ok{0};
    for (int t = 0; t < clients; ++t) {
      ts.emplace_back([&] {
        auto c = Client(1);
        for (int i = 0; i < each; ++i) {
          auto x = c->Send({.url = Url("/ok")});
          if (x.ok() && x->body == "ok") ++ok;
        }
      });
    }
    for (auto& t : ts) t.join();
    return ok.load();
  }

  // A client that records its sleeps instead of sleeping.
  std::unique_ptr<HttpClient> Client(int attempts = 3) {
    ClientOptions o;
    o.max_attempts = attempts;
    o.initial_backoff = 1ms;
    o.max_backoff = 5ms;
    o.sleep = [this](milliseconds d) {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(d);
    };
    o.random01 = [] { return 0.5; };
    return NewCurlHttpClient(o);
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

TEST_F(ClientServerTest, SimpleRequestKeepAliveAndUserAgent) {
  std::mutex m;
  std::set<std::string> peers;
  std::string ua;
  router_.Get("/api/spaces/{owner}/{name}", [&](ServerRequest& r, auto w) {
    {
      std::lock_guard<std::mutex> lock(m);
      peers.insert(r.remote_address);
      ua = r.Header("user-agent").value_or("");
    }
    w->Respond(JsonResponse(200, "{\"id\":\"" + r.PathParam("owner") + "/" + r.PathParam("name") +
                                     "\",\"q\":\"" + r.QueryParam("q").value_or("") + "\"}"));
  });
  StartServer();
  auto client = Client();
  for (int i = 0; i < 5; ++i) {
    auto r = client->Send({.url = Url("/api/spaces/alice/demo?q=a+b")});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"id":"alice/demo","q":"a b"})");
    EXPECT_EQ(FindHeader(r->headers, "content-type"), "application/json");
  }
  EXPECT_EQ(peers.size(), 1u) << "one TCP connection reused for all requests";
  EXPECT_EQ(ua, "spacefactory/" + std::string(Version()));

  // Routing errors.
  auto r = client->Send({.method = "DELETE", .url = Url("/api/spaces/alice/demo")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(FindHeader(r->headers, "Allow"), "GET");
  r = client->Send({.url = Url("/nope")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  r = client->Send({.method = "HEAD", .url = Url("/api/spaces/alice/demo")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
}

TEST_F(ClientServerTest, PostBodyAndLimits) {
  router_.Post("/echo", [](ServerRequest& r, auto w) {
    w->Respond(TextResponse(200, std::to_string(r.body.size())));
  });
  ServerOptions opts;
  opts.max_body_bytes = 64 * 1024;
  opts.max_header_bytes = 8 * 1024;
  StartServer(opts);
  auto client = Client();
  auto r = client->Send({.method = "POST", .url = Url("/echo"), .body = std::string(1000, 'x')});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "1000");

  r = client->Send({.method = "POST", .url = Url("/echo"), .body = std::string(1 << 20, 'x')});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);

  r = client->Send(
      {.method = "POST", .url = Url("/echo"), .headers = {{"X-Big", std::string(16 * 1024, 'h')}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 431);

  // The client reconnects after those closes.
  r = client->Send({.method = "POST", .url = Url("/echo"), .body = "abc"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "3");
}

TEST_F(ClientServerTest, RedirectFollowedForGet) {
  router_.Get("/resolve/{file}", [](ServerRequest& r, auto w) {
    Response resp = TextResponse(302, "");
    resp.headers.emplace_back("Location", "/cdn/" + r.PathParam("file"));
    w->Respond(std::move(resp));
  });
  router_.Get("/cdn/{file}", [](ServerRequest& r, auto w) {
    w->Respond(TextResponse(200, "content of " + r.PathParam("file")));
  });
  StartServer();
  auto r = Client()->Send({.url = Url("/resolve/README.md")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "content of README.md");
}

TEST_F(ClientServerTest, StreamingIsDeliveredIncrementally) {
  std::promise<void> first_received;
  auto first_received_f = first_received.get_future().share();
  std::atomic<bool> server_waited_ok{false};
  router_.Get("/stream", [&](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
    w->Begin(200, {{"Content-Type", "text/plain"}});
    w->Write("first;");
    // Keep producing from another thread only once the client saw the first chunk.
    threads_.emplace_back([w, first_received_f, &server_waited_ok] {
      server_waited_ok = first_received_f.wait_for(5s) == std::future_status::ready;
      w->Write("second;");
      w->End();
    });
  });
  StartServer();
  std::vector<std::string> chunks;
  int status = 0;
  auto r = Client()->Stream(
      {.url = Url("/stream")},
      [&](int s, const Headers&) {
        status = s;
        return true;
      },
      [&](std::string_view c) {
        if (chunks.empty()) first_received.set_value();
        chunks.emplace_back(c);
        return true;
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(server_waited_ok) << "the first chunk reached the client before the stream ended";
  std::string all;
  for (auto& c : chunks) all += c;
  EXPECT_EQ(all, "first;second;");
}

TEST_F(ClientServerTest, SseEventsArriveOneByOneAndCallerCanStop) {
  // Shared with the producer thread, which may outlive the test body (joined in TearDown).
  auto acked = std::make_shared<std::atomic<int>>(0);
  router_.Get("/events", [&](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
    w->BeginSse();
    w->WriteComment("hello");
    threads_.emplace_back([w, acked] {
      for (int i = 0; i < 3 && !w->closed(); ++i) {
        w->WriteEvent({.event = "tick",
                       .data = "n=" + std::to_string(i) + "\nmore",
                       .id = std::to_string(i)});
        // Wait until the client processed it: proves per-event delivery.
        for (int spin = 0; spin < 500 && acked->load() <= i; ++spin)
          std::this_thread::sleep_for(1ms);
      }
      w->WriteEvent({.event = "complete", .data = "done"});
      w->End();
    });
  });
  StartServer();
  auto client = Client();
  std::vector<SseEvent> got;
  auto r =
      StreamSse(*client, {.url = Url("/events"), .total_timeout = 0ms}, [&](const SseEvent& e) {
        got.push_back(e);
        *acked = static_cast<int>(got.size());
        return true;
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(FindHeader(r->headers, "content-type"), "text/event-stream");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].event, "tick");
  EXPECT_EQ(got[0].data, "n=0\nmore");
  EXPECT_EQ(got[2].id, "2");
  EXPECT_EQ(got[3].event, "complete");

  // Stopping after the first event is not an error.
  int n = 0;
  *acked = 0;
  r = StreamSse(*client, {.url = Url("/events")}, [&](const SseEvent&) {
    ++n;
    *acked = 10;
    return false;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(n, 1);
}

// A proxy relays its first event right after the header: both arrive while the connection waits
// for them, and go out in one write. Regression: that write once kept the wait's error code and
// dropped the connection instead.
TEST_F(ClientServerTest, HeaderAndFirstChunkQueuedTogetherAfterAWait) {
  router_.Get("/late-stream", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([w] {
      std::this_thread::sleep_for(20ms);
      w->BeginSse();
      w->Write("data: first\n\n");
      w->Write("data: second\n\n");
      w->End();
    });
  });
  StartServer();
  auto client = Client(1);
  for (int i = 0; i < 3; ++i) {  // and the connection stays usable
    auto r = client->Send({.url = Url("/late-stream")});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "data: first\n\ndata: second\n\n");
    EXPECT_EQ(FindHeader(r->headers, "Content-Type").value_or(""), "text/event-stream");
  }
}

TEST_F(ClientServerTest, StreamAbortByCallbackIsCancelled) {
  router_.Get("/big", [](ServerRequest&, auto w) {
    w->Respond(TextResponse(200, std::string(1 << 20, 'z')));
  });
  StartServer();
  auto r = Client()->Stream({.url = Url("/big")}, nullptr, [](std::string_view) { return false; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCancelled);
}

TEST_F(ClientServerTest, RetriesOn503ThenSucceedsHonouringRetryAfter) {
  std::atomic<int> calls{0};
  router_.Get("/flaky", [&](ServerRequest&, auto w) {
    if (calls++ == 0) {
      Response r = JsonResponse(503, R"({"error":"busy"})");
      r.headers.emplace_back("Retry-After", "0");
      w->Respond(std::move(r));
    } else {
      w->Respond(JsonResponse(200, "{}"));
    }
  });
  router_.Get("/limited", [&](ServerRequest&, auto w) {
    Response r = JsonResponse(429, "{}");
    r.headers.emplace_back("RateLimit", "\"api\";r=0;t=2");
    w->Respond(std::move(r));
  });
  StartServer();
  auto client = Client(3);
  auto r = client->Send({.url = Url("/flaky")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(calls.load(), 2);
  ASSERT_EQ(sleeps_.size(), 1u);
  EXPECT_EQ(sleeps_[0], 0ms);

  // Streaming retries too, without delivering the 503 body.
  calls = 0;
  std::string streamed;
  r = client->Stream({.url = Url("/flaky")}, nullptr, [&](std::string_view c) {
    streamed += c;
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(streamed, "{}");

  // 429 with the Hub's RateLimit header: waits t seconds, gives up after the attempts.
  sleeps_.clear();
  r = client->Send({.url = Url("/limited")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(sleeps_, (std::vector<milliseconds>{2000ms, 2000ms}));
}

TEST_F(ClientServerTest, PostIsNotRetriedOn503UnlessIdempotent) {
  std::atomic<int> calls{0};
  router_.Post("/commit", [&](ServerRequest&, auto w) {
    ++calls;
    w->Respond(JsonResponse(503, "{}"));
  });
  StartServer();
  auto client = Client(3);
  auto r = client->Send({.method = "POST", .url = Url("/commit"), .body = "{}"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(calls.load(), 1);
  calls = 0;
  r = client->Send(
      {.method = "POST", .url = Url("/commit"), .body = "{}", .idempotent_override = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(ClientServerTest, ConnectionRefusedIsUnavailableAndNamesHostOnly) {
  StartServer();
  std::string url = Url("/x?token=secret");
  server_->Stop(0ms);
  server_.reset();
  auto r = Client(2)->Send({.url = url, .headers = {{"Authorization", "Bearer hf_secretsecret"}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("127.0.0.1"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos) << r.status().message();
  EXPECT_EQ(sleeps_.size(), 1u) << "connection errors are retried";
}

TEST_F(ClientServerTest, HangingServerTimesOutWithinTheBound) {
  std::mutex m;
  std::vector<std::shared_ptr<ResponseWriter>> held;
  router_.Get("/hang", [&](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
    std::lock_guard<std::mutex> lock(m);
    held.push_back(std::move(w));  // never answers
  });
  StartServer();
  auto start = std::chrono::steady_clock::now();
  auto r = Client(1)->Send({.url = Url("/hang"), .total_timeout = 300ms});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_LT(took, 2s);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  server_->Stop(50ms);  // the held writer cannot keep the server alive
  std::lock_guard<std::mutex> lock(m);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_TRUE(held[0]->closed());
  held[0]->Respond(TextResponse(200, "too late"));  // harmless after shutdown
}

TEST_F(ClientServerTest, StalledStreamHitsTheIdleTimeout) {
  std::mutex m;
  std::vector<std::shared_ptr<ResponseWriter>> held;
  router_.Get("/stall", [&](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
    w->BeginSse();
    w->WriteComment("started");
    std::lock_guard<std::mutex> lock(m);
    held.push_back(std::move(w));  // then silence
  });
  StartServer();
  auto start = std::chrono::steady_clock::now();
  std::string got;
  auto r = Client(1)->Stream({.url = Url("/stall"), .total_timeout = 0ms, .idle_timeout = 1000ms},
                             nullptr, [&](std::string_view c) {
                               got += c;
                               return true;
                             });
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_NE(r.status().message().find("no data"), std::string::npos) << r.status().message();
  EXPECT_EQ(got, ": started\n\n");
  EXPECT_LT(took, 3s);
  server_->Stop(50ms);
}

TEST_F(ClientServerTest, GracefulShutdownLetsInFlightRequestFinish) {
  std::promise<void> entered;
  router_.Get("/slow", [&](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
    entered.set_value();
    threads_.emplace_back([w] {
      std::this_thread::sleep_for(200ms);
      w->Respond(TextResponse(200, "finished"));
    });
  });
  StartServer();
  std::string url = Url("/slow");
  auto fut = std::async(std::launch::async, [&] { return Client(1)->Send({.url = url}); });
  entered.get_future().wait();
  auto start = std::chrono::steady_clock::now();
  server_->Stop(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  auto r = fut.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finished");
  EXPECT_EQ(FindHeader(r->headers, "connection"), "close");
  // No longer accepting.
  auto again = Client(1)->Send({.url = url, .connect_timeout = 500ms});
  EXPECT_FALSE(again.ok());
}

TEST_F(ClientServerTest, HandlerThatDropsWriterGets500AndMultipleIoThreadsWork) {
  router_.Get("/forget", [](ServerRequest&, auto) {});
  router_.Get("/throw", [](ServerRequest&, auto) -> void { throw std::runtime_error("boom"); });
  router_.Get("/ok", [](ServerRequest&, auto w) { w->Respond(TextResponse(200, "ok")); });
  ServerOptions opts;
  opts.io_threads = 3;
  StartServer(opts);
  auto client = Client(1);
  auto r = client->Send({.url = Url("/forget")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  r = client->Send({.url = Url("/throw")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(OkAnswersFromClients(4, 50), 200);
}

// Busy polling changes how an io thread waits, not what it serves: keep-alive requests from
// several clients, a timer-driven response (the loop's timerfd must still fire while it polls)
// and a prompt stop.
TEST_F(ClientServerTest, BusyPollingLoopsServeAndStopPromptly) {
  router_.Get("/ok", [](ServerRequest&, auto w) { w->Respond(TextResponse(200, "ok")); });
  router_.Get("/later", [](ServerRequest& req, auto w) {
    RunOnLoopAfter(*req.loop, 30ms, [w] { w->Respond(TextResponse(200, "later")); });
  });
  ServerOptions opts;
  opts.io_threads = 2;
  opts.busy_poll = 500us;
  StartServer(opts);
  EXPECT_EQ(OkAnswersFromClients(3, 40), 120);
  auto start = std::chrono::steady_clock::now();
  auto r = Client(1)->Send({.url = Url("/later")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "later");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  start = std::chrono::steady_clock::now();
  server_->Stop(200ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace sf::http

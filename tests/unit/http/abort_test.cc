// ResponseWriter::Abort: the connection is dropped without (the rest of) an answer, the client
// sees a transport error (kUnavailable), idempotent requests are retried, others are not, and the
// server keeps serving other connections.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http/http.h"

namespace sf::http {
namespace {

using namespace std::chrono_literals;

class AbortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Get("/abort", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      ++hits_;
      w->Abort();
    });
    router_.Post("/abort", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      ++hits_;
      w->Abort();
    });
    // Aborts on the first hit only: a retry succeeds.
    router_.Get("/abort-once", [this](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      if (hits_++ == 0) return w->Abort();
      w->Respond(TextResponse(200, "second time lucky"));
    });
    // Half a streamed body, then the connection drops (no last chunk).
    router_.Get("/cut", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Begin(200, {{"Content-Type", "text/plain"}});
      w->Write("half of it");
      w->Abort();
    });
    // Abort after a full answer was queued: the answer wins, the abort is a no-op.
    router_.Get("/late", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Respond(TextResponse(200, "answered"));
      w->Abort();
    });
    router_.Get("/ok", [](ServerRequest&, std::shared_ptr<ResponseWriter> w) {
      w->Respond(TextResponse(200, "ok"));
    });
    auto s = NewHttpServer({}, router_.AsHandler());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  void TearDown() override {
    if (server_) server_->Stop(200ms);
  }
  std::unique_ptr<HttpClient> Client(int attempts) {
    ClientOptions o;
    o.max_attempts = attempts;
    o.initial_backoff = 1ms;
    o.max_backoff = 2ms;
    o.sleep = [](std::chrono::milliseconds) {};
    return NewCurlHttpClient(o);
  }
  std::string Url(const char* path) const { return server_->url() + path; }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int> hits_{0};
};

TEST_F(AbortTest, ClientSeesUnavailableAndGetIsRetried) {
  auto client = Client(3);
  auto r = client->Send({.url = Url("/abort")});
  ASSERT_FALSE(r.ok()) << "status " << r->status;
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(hits_.load(), 3);  // every attempt reached the handler
  // The message names the host, never the path.
  EXPECT_EQ(r.status().message().find("/abort"), std::string::npos) << r.status().message();
}

TEST_F(AbortTest, PostIsNotRetried) {
  auto client = Client(3);
  auto r = client->Send({.method = "POST", .url = Url("/abort"), .body = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(hits_.load(), 1);
}

TEST_F(AbortTest, RetryAfterAbortSucceeds) {
  auto client = Client(2);
  auto r = client->Send({.url = Url("/abort-once")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "second time lucky");
  EXPECT_EQ(hits_.load(), 2);
}

TEST_F(AbortTest, MidStreamAbortIsATruncatedBody) {
  auto client = Client(1);
  auto r = client->Send({.url = Url("/cut")});
  ASSERT_FALSE(r.ok()) << "a cut stream must not look complete: " << r->body;
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
}

TEST_F(AbortTest, AbortAfterAnswerIsIgnoredAndServerKeepsServing) {
  auto client = Client(1);
  auto r = client->Send({.url = Url("/late")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "answered");
  auto aborted = client->Send({.url = Url("/abort")});
  EXPECT_FALSE(aborted.ok());
  for (int i = 0; i < 3; ++i) {  // the same client reconnects
    auto ok = client->Send({.url = Url("/ok")});
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->body, "ok");
  }
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (server_->open_connections() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_LE(server_->open_connections(), 1u);  // the aborted connection is gone
}

}  // namespace
}  // namespace sf::http

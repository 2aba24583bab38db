// gateway_upstream: the native OpenAI-compatible upstream behind every gateway in bench/gateway.
//
//   gateway_upstream [--port P] [--threads N] [--gap-us G]
//
// Prints "listening on http://127.0.0.1:PORT" once bound (port 0 = a free port) and runs until
// SIGINT/SIGTERM. It must never be the bottleneck, so it does the least a real provider does: it
// reads the whole request, answers from canned bytes and never parses the JSON (only a scan for
// `"stream": true`, which every gateway re-serialises differently). Routes:
//   POST /v1/chat/completions  a fixed chat.completion, or with "stream": true an SSE stream of
//                              kStreamChunks events (role, content deltas, finish, usage) + [DONE],
//                              each event written as its own chunk, without delay; when the
//                              body holds the word first-event-alone (the bench puts it in the
//                              user message, which every gateway passes on), the role chunk is
//                              written at once and the rest G µs later (default 1000), as a model
//                              that streams sends its first chunk before the next token exists
//   GET  /v1/models            one model
//   GET  /health               {"status":"ok"}
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/http.h"

namespace {

const char kCompletion[] =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1780000000,)"
    R"("model":"bench-model","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"Hello! I am fine, thank you."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}})";

const char kModels[] =
    R"({"object":"list","data":[{"id":"bench-model","object":"model","created":1780000000,)"
    R"("owned_by":"bench"}]})";

#define SF_CHUNK_HEAD                                                                \
  R"({"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1780000000,)" \
  R"("model":"bench-model",)"

// The stream: what a provider sends for a short answer. The upstream writes them one by one.
const char* const kStreamEvents[] = {
    SF_CHUNK_HEAD
    R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
    SF_CHUNK_HEAD R"("choices":[{"index":0,"delta":{"content":"Hello!"},"finish_reason":null}]})",
    SF_CHUNK_HEAD R"("choices":[{"index":0,"delta":{"content":" I am"},"finish_reason":null}]})",
    SF_CHUNK_HEAD R"("choices":[{"index":0,"delta":{"content":" fine,"},"finish_reason":null}]})",
    SF_CHUNK_HEAD
    R"("choices":[{"index":0,"delta":{"content":" thank you."},"finish_reason":null}]})",
    SF_CHUNK_HEAD R"("choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})",
    SF_CHUNK_HEAD
    R"("choices":[],"usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}})",
    "[DONE]",
};

#undef SF_CHUNK_HEAD

// True when the JSON body has `"stream"` followed by `: true` (any whitespace). A scan, not a
// parse: the upstream's cost must stay far below any gateway's.
bool WantsStream(std::string_view body) {
  constexpr std::string_view kKey = "\"stream\"";
  for (std::size_t at = body.find(kKey); at != std::string_view::npos;
       at = body.find(kKey, at + 1)) {
    std::size_t i = at + kKey.size();
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n')) ++i;
    if (i >= body.size() || body[i] != ':') continue;
    ++i;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n')) ++i;
    return body.substr(i).starts_with("true");
  }
  return false;
}

std::string EventBytes(const char* data) {
  std::string event = "data: ";
  event += data;
  event += "\n\n";
  return event;
}

// Writes the rest of split streams when their gap is over: one thread and a queue ordered by due
// time (ResponseWriter may be used from any thread), so no io thread ever sleeps.
class Pacer {
 public:
  explicit Pacer(std::chrono::microseconds gap) : gap_(gap), thread_([this] { Run(); }) {}
  ~Pacer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  // Events 1… of the stream, then its end, `gap` from now.
  void WriteRestLater(std::shared_ptr<sf::http::ResponseWriter> writer) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      due_.push(Due{Clock::now() + gap_, std::move(writer)});
    }
    cv_.notify_one();
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Due {
    Clock::time_point at;
    std::shared_ptr<sf::http::ResponseWriter> writer;
    bool operator>(const Due& o) const { return at > o.at; }
  };

  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (due_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (Clock::now() < due_.top().at) {
        cv_.wait_until(lock, due_.top().at);
        continue;
      }
      std::shared_ptr<sf::http::ResponseWriter> w = due_.top().writer;
      due_.pop();
      lock.unlock();
      for (std::size_t i = 1; i < std::size(kStreamEvents); ++i)
        w->Write(EventBytes(kStreamEvents[i]));
      w->End();
      lock.lock();
    }
  }

  const std::chrono::microseconds gap_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is constructed
};

}  // namespace

int main(int argc, char** argv) {
  sf::http::ServerOptions opts;
  opts.io_threads = 2;
  std::chrono::microseconds gap(1000);
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port") {
      opts.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    } else if (flag == "--threads") {
      opts.io_threads = std::atoi(argv[i + 1]);
    } else if (flag == "--gap-us") {
      gap = std::chrono::microseconds(std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: %s [--port P] [--threads N] [--gap-us G]\n", argv[0]);
      return 2;
    }
  }

  // Block the signals before the io threads start; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  sf::http::Router router;
  router.Get("/health", [](sf::http::ServerRequest&, auto w) {
    w->Respond(sf::http::JsonResponse(200, R"({"status":"ok"})"));
  });
  router.Get("/v1/models", [](sf::http::ServerRequest&, auto w) {
    w->Respond(sf::http::JsonResponse(200, kModels));
  });
  Pacer pacer(gap);  // before the server: outlives every writer it holds
  router.Post("/v1/chat/completions", [&pacer](sf::http::ServerRequest& r, auto w) {
    if (!WantsStream(r.body)) {
      w->Respond(sf::http::JsonResponse(200, kCompletion));
      return;
    }
    w->BeginSse();
    if (r.body.find("first-event-alone") != std::string::npos) {
      w->Write(EventBytes(kStreamEvents[0]));
      pacer.WriteRestLater(std::move(w));
      return;
    }
    for (const char* data : kStreamEvents) w->Write(EventBytes(data));
    w->End();
  });
  auto server = sf::http::NewHttpServer(opts, router.AsHandler());
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 3;
  }
  std::printf("listening on %s\n", (*server)->url().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Stop(std::chrono::seconds(2));
  return 0;
}

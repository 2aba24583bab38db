// bench_http_server: the sf::http server with a small JSON handler, for wrk on loopback.
//
//   bench_http_server [--port P] [--threads N]
//
// Prints "listening on http://127.0.0.1:PORT" once bound (port 0 = a free port) and runs until
// SIGINT/SIGTERM. Routes:
//   GET  /json                   {"message":"Hello, World!"} (serialised with nlohmann::json)
//   POST /v1/chat/completions    parses the JSON body, answers a fixed 300-byte chat.completion
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "http/http.h"

namespace {

const char kCompletion[] =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1780000000,)"
    R"("model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",)"
    R"("content":"Hello! I am fine, thank you."},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}})";

}  // namespace

int main(int argc, char** argv) {
  sf::http::ServerOptions opts;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port") {
      opts.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    } else if (flag == "--threads") {
      opts.io_threads = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--port P] [--threads N]\n", argv[0]);
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
  router.Get("/json", [](sf::http::ServerRequest&, auto w) {
    nlohmann::json body = {{"message", "Hello, World!"}};
    w->Respond(sf::http::JsonResponse(200, body.dump()));
  });
  router.Post("/v1/chat/completions", [](sf::http::ServerRequest& r, auto w) {
    auto req = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded() || !req.contains("messages")) {
      w->Respond(sf::http::JsonResponse(400, R"({"error":"bad request"})"));
      return;
    }
    w->Respond(sf::http::JsonResponse(200, kCompletion));
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

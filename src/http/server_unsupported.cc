// Stand-in for server.cc when the compiler is not g++: Asio 1.74's C++20 coroutines do not build
// with clang 14 + libstdc++ 12 (http-stack.md pitfall 2). Keeps clang builds (the fuzz preset)
// linking; the server itself needs a g++ build.
#include "http/http.h"

namespace sf::http {

Result<std::unique_ptr<HttpServer>> NewHttpServer(ServerOptions, Handler) {
  return Status(Code::kFailedPrecondition,
                "the HTTP server is only available in g++ builds (Asio coroutines)");
}

bool CanStreamOnLoop(std::string_view, const Env&) { return false; }

void StreamOnLoop(EventLoop&, Request, HeadersCallback, ChunkCallback, DoneCallback on_done) {
  on_done(Status(Code::kFailedPrecondition, "upstream calls on a loop need a g++ build"));
}

void RunOnLoopAfter(EventLoop&, std::chrono::milliseconds, std::function<void()> fn) { fn(); }

}  // namespace sf::http

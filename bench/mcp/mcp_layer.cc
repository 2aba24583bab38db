// mcp_layer: the MCP layer alone, in process — HttpTransport::Handle (Host/Origin check, Accept,
// session lookup, JSON-RPC decode, dispatch, tools/call of the inline no-op fixture
// test_simple_text, the reply serialised) with a writer that only keeps the response: no sockets,
// no HTTP parsing. Prints ns per call for JSON replies and for SSE replies (the client ranks
// text/event-stream first). Usage: mcp_layer [CALLS]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "mcp/mcp.h"

namespace {

using namespace sf;

class NullWriter final : public http::ResponseWriter {
 public:
  void Respond(http::Response r) override {
    bytes += r.body.size(), sid = http::FindHeader(r.headers, "Mcp-Session-Id").value_or(sid);
  }
  void Begin(int, http::Headers) override {}
  void Write(std::string d) override { bytes += d.size(); }
  void End() override {}
  bool closed() const override { return false; }
  std::size_t bytes = 0;
  std::string sid;
};

http::ServerRequest Post(std::string body, const std::string& sid, const char* accept) {
  http::ServerRequest r;
  r.method = "POST";
  r.path = r.target = "/mcp";
  r.body = std::move(body);
  r.headers = {{"Host", "127.0.0.1:8765"},
               {"Content-Type", "application/json"},
               {"Accept", accept},
               {"MCP-Protocol-Version", "2025-11-25"}};
  if (!sid.empty()) r.headers.emplace_back("Mcp-Session-Id", sid);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const long calls = argc > 1 ? std::atol(argv[1]) : 200000;
  auto reg = std::make_shared<mcp::Registry>();
  mcp::AddConformanceFixtures(*reg);
  auto server = std::make_shared<mcp::Server>(mcp::ServerOptions{}, reg);
  mcp::HttpOptions o;
  o.keepalive_interval = std::chrono::milliseconds(0);
  auto transport = mcp::HttpTransport::Create(server, o);
  auto w = std::make_shared<NullWriter>();
  auto init = Post(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}})",
      "", "application/json, text/event-stream");
  transport->Handle(init, w);
  const std::string sid = w->sid;
  for (const char* accept :
       {"application/json, text/event-stream", "text/event-stream, application/json"}) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < calls; ++i) {
      auto r =
          Post(R"({"jsonrpc":"2.0","id":)" + std::to_string(i + 1) +
                   R"(,"method":"tools/call","params":{"name":"test_simple_text","arguments":{}}})",
               sid, accept);
      transport->Handle(r, std::make_shared<NullWriter>());
    }
    double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
        calls;
    std::printf("accept \"%s\": %.0f ns per tools/call\n", accept, ns);
  }
  transport->Stop();
  server->Shutdown();
  return 0;
}

// Fuzzes the MCP JSON-RPC layer: Decode (framing, validation, limits) and a session's dispatch of
// whatever decodes (before and after initialize), with the conformance fixtures registered. Tool
// calls are not dispatched (they sleep and wait for clients); everything else must answer with a
// result or a JSON-RPC error, never crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "mcp/mcp.h"

namespace {

using sf::mcp::json;

class Sink final : public sf::mcp::Outbound {
 public:
  void Send(const json& m) override { (void)sf::mcp::Serialize(m); }
  void Reply(const json& r) override { (void)sf::mcp::Serialize(r); }
};

struct World {
  World() {
    auto reg = std::make_shared<sf::mcp::Registry>();
    sf::mcp::AddConformanceFixtures(*reg);
    sf::mcp::ServerOptions o;
    o.worker_threads = 1;
    server = std::make_shared<sf::mcp::Server>(o, reg);
  }
  std::shared_ptr<sf::mcp::Server> server;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // lives for the process; workers stay parked
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sf::mcp::DecodeLimits limits;
  limits.max_bytes = 1 << 16;
  sf::mcp::Decoded d = sf::mcp::Decode(text, limits);
  for (const auto& e : d.errors) (void)sf::mcp::Serialize(e);
  auto session = world->server->NewSession("fuzz");
  auto sink = std::make_shared<Sink>();
  bool initialize_first = size > 0 && (data[0] & 1);
  if (initialize_first) {
    auto init = sf::mcp::Decode(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{}}})");
    session->Handle(init.messages.at(0), sink);
  }
  for (const auto& m : d.messages) {
    if (m.method == "tools/call") continue;
    session->Handle(m, sink);
  }
  if (d.batch && sf::mcp::BatchAllowed(*session)) {
    sf::mcp::Decoded no_calls = d;
    std::erase_if(no_calls.messages, [](const auto& m) { return m.method == "tools/call"; });
    sf::mcp::HandleBatch(*session, no_calls, nullptr,
                         [](json all) { (void)sf::mcp::Serialize(all); });
  }
  session->Close();
  return 0;
}

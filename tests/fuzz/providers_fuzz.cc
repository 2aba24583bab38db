// Fuzzes the two parsers of outside input in the providers module. The first byte picks one:
//  - even: ParseAgenticConfig (YAML/JSON config text with ${ENV} expansion) must return a config
//    or an error naming file, line and key, never crash;
//  - odd: a chat completion request body through the whole gateway path (JSON parse, validation,
//    model routing, the attempt loop, the answer) against an upstream that streams back a fixed
//    answer. Every body must get exactly one answer: a completion, a stream or an OpenAI-style
//    error, and "not valid JSON" exactly when nlohmann::json::accept says so. The same text then
//    goes through the relay's event key scan and usage read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "providers/internal.h"
#include "providers/providers.h"

namespace {

using namespace sf;

// Upstream: a short SSE stream or a completion, whichever the request asked for.
class FixedUpstream final : public http::HttpClient {
 public:
  Result<http::Response> Send(const http::Request& r) override {
    bool stream = r.body.find("\"stream\":true") != std::string::npos;
    http::Response out{
        .status = 200, .headers = {{"Content-Type", "application/json"}}, .body = {}};
    out.body = stream ? "data: {\"choices\":[]}\n\ndata: [DONE]\n\n"
                      : R"({"id":"x","choices":[],"usage":{"prompt_tokens":1,"total_tokens":2}})";
    return out;
  }
};

class Writer final : public http::ResponseWriter {
 public:
  void Respond(http::Response r) override {
    ++answers;
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status >= 400 && !body.contains("error"))
      std::abort();  // every error must be an OpenAI-style error object
    if (r.status == 400 && body["error"].is_object() &&
        body["error"].value("code", "") == "invalid_json")
      invalid_json = true;
  }
  void Begin(int, http::Headers) override { ++answers; }
  void Write(std::string) override {}
  void End() override {}
  bool closed() const override { return false; }
  int answers = 0;
  bool invalid_json = false;
};

struct World {
  World() {
    MapEnv env({});
    auto config = providers::ParseAgenticConfig(
        "providers:\n  a:\n    url: http://127.0.0.1:9/v1\n    api_key: k-a\n    models: [m1, m2]\n"
        "  b:\n    url: http://127.0.0.1:9/v1\n    api_key: k-b\n    fallback: true\n"
        "router:\n  ledger: false\n",
        "fuzz.yaml", env);
    if (!config.ok()) std::abort();
    providers::GatewayOptions o;
    o.config = std::move(config).value();
    o.sleep = [](std::chrono::milliseconds) {};
    gateway = providers::Gateway::Create(std::move(o)).value();
  }
  std::shared_ptr<providers::Gateway> gateway;
  FixedUpstream upstream;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // lives for the process
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    MapEnv env({{"KEY", "from-env"}});
    auto config = providers::ParseAgenticConfig(text, "fuzz.yaml", env);
    if (!config.ok() && config.status().message().empty()) std::abort();
    return 0;
  }
  auto writer = std::make_shared<Writer>();
  world->gateway->Complete(std::string(text), world->upstream, writer);
  if (writer->answers != 1) std::abort();
  // The gateway reads requests with simdjson and asks nlohmann about what simdjson refuses: the
  // verdict "not JSON" must be nlohmann's, whichever parser read the text.
  if (writer->invalid_json == nlohmann::json::accept(text)) std::abort();
  // The same text as a relayed stream event: the key scan and the usage read (memory safety;
  // an error event never also reports usage).
  providers::internal::EventKeys keys = providers::internal::ScanEventKeys(text);
  if (keys.error && keys.usage) std::abort();
  std::int64_t prompt = -1, completion = -1, total = -1;
  providers::internal::ExtractUsage(text, &prompt, &completion, &total);
  return 0;
}

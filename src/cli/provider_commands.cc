// `spacefactory providers` (keys masked, health, usage from the ledger) and `spacefactory chat`
// (one prompt through the router, in process, recorded in the same ledger as the gateway's).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands.h"
#include "providers/providers.h"
#include "runs/runs.h"

namespace sf::cli {
namespace {

using nlohmann::json;

struct ProviderFlags {
  std::string config;
  std::string store;
  bool json = false;
  // chat
  std::string prompt;
  std::string model = "auto";
  std::string system;
  bool stream = false;
};

std::string StateDir(const ProviderFlags& f, Context& ctx) {
  std::string root = f.store.empty() ? runs::DefaultStoreRoot(*ctx.env) : f.store;
  return root + "/providers";
}

Result<std::shared_ptr<providers::Gateway>> OpenGateway(const ProviderFlags& f, Context& ctx) {
  SF_ASSIGN_OR_RETURN(providers::AgenticConfig config,
                      providers::LoadAgenticConfig(*ctx.fs, *ctx.env, f.config));
  providers::GatewayOptions go;
  go.config = std::move(config);
  go.config.router.workers = 1;
  go.state_dir = StateDir(f, ctx);
  go.fs = ctx.fs;
  go.clock = ctx.clock;
  return providers::Gateway::Create(std::move(go));
}

int CmdProviders(const ProviderFlags& f, Context& ctx) {
  auto gw = OpenGateway(f, ctx);
  if (!gw.ok()) return Fail(ctx, gw.status());
  json d = (*gw)->Describe();
  (*gw)->Shutdown();
  if (f.json) {
    *ctx.out << d.dump(2) << "\n";
    return 0;
  }
  *ctx.out << "config: " << d.value("config", "") << "\n";
  if (d["providers"].empty()) {
    *ctx.out << "no providers (write agentic-config.yaml, or set HF_TOKEN / OPENROUTER_KEY)\n";
  }
  for (const auto& p : d["providers"]) {
    *ctx.out << p["name"].get<std::string>() << "  (" << p["kind"].get<std::string>() << ", "
             << p["base_url"].get<std::string>() << ")  health " << p["health"].get<std::string>()
             << (p["priority"].get<bool>() ? "  priority" : "")
             << (p["fallback"].get<bool>() ? "  fallback" : "")
             << (p["always_use_this_key"].get<bool>() ? "  always_use_this_key" : "") << "\n";
    for (const auto& k : p["keys"])
      *ctx.out << "  " << k["id"].get<std::string>() << "  " << k["key"].get<std::string>() << "  "
               << k["origin"].get<std::string>() << "  breaker " << k["breaker"].get<std::string>()
               << "\n";
  }
  if (d.contains("usage") && !d["usage"].empty()) {
    *ctx.out << "usage (all time):\n";
    for (const auto& u : d["usage"]) {
      std::string provider = u["provider"].get<std::string>();
      std::string key_id = u["key_id"].get<std::string>();
      if (provider.empty()) provider = "(none)";  // refused before any provider was reached
      if (key_id.empty()) key_id = "-";
      char line[256];
      std::snprintf(line, sizeof line,
                    "  %-16s %-24s %6lld requests %5lld errors %9lld tokens %8.1f ms avg\n",
                    provider.c_str(), key_id.c_str(),
                    static_cast<long long>(u["requests"].get<std::int64_t>()),
                    static_cast<long long>(u["errors"].get<std::int64_t>()),
                    static_cast<long long>(u["total_tokens"].get<std::int64_t>()),
                    u["avg_latency_ms"].get<double>());
      *ctx.out << line;
    }
  }
  return 0;
}

// Collects the gateway's answer for the terminal: streamed content is printed as it arrives.
class TerminalWriter final : public http::ResponseWriter {
 public:
  explicit TerminalWriter(std::ostream& out) : out_(out) {}
  void Respond(http::Response r) override { response_ = std::move(r); }
  void Begin(int status, http::Headers) override { response_.status = status; }
  void Write(std::string data) override {
    parser_.Feed(data, [&](const http::SseEvent& ev) {
      if (ev.data == "[DONE]") {
        done_ = true;
        return true;
      }
      json j = json::parse(ev.data, nullptr, false);
      if (!j.is_object()) return true;
      if (j.contains("error")) {
        error_ = j["error"].value("message", "stream error");
        return true;
      }
      if (j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) {
        const json& delta = j["choices"][0].value("delta", json::object());
        if (delta.contains("content") && delta["content"].is_string()) {
          out_ << delta["content"].get<std::string>() << std::flush;
          text_ += delta["content"].get<std::string>();
        }
        if (delta.contains("tool_calls")) tools_.push_back(delta["tool_calls"]);
      }
      return true;
    });
  }
  void End() override { ended_ = true; }
  bool closed() const override { return false; }

  std::ostream& out_;
  http::Response response_;
  http::SseParser parser_;
  std::string text_, error_;
  json tools_ = json::array();
  bool done_ = false, ended_ = false;
};

int CmdChat(const ProviderFlags& f, Context& ctx) {
  auto gw = OpenGateway(f, ctx);
  if (!gw.ok()) return Fail(ctx, gw.status());
  json messages = json::array();
  if (!f.system.empty()) messages.push_back({{"role", "system"}, {"content", f.system}});
  messages.push_back({{"role", "user"}, {"content", f.prompt}});
  json body = {{"model", f.model}, {"messages", messages}, {"stream", f.stream}};
  http::ClientOptions co;
  co.max_attempts = 1;  // the router retries
  auto client = http::NewCurlHttpClient(co);
  auto writer = std::make_shared<TerminalWriter>(*ctx.out);
  (*gw)->Complete(body.dump(), *client, writer);
  (*gw)->Shutdown();
  const http::Response& r = writer->response_;
  if (f.stream) {
    if (r.status == 200 && writer->done_ && writer->error_.empty()) {
      *ctx.out << "\n";
      return 0;
    }
    if (r.status == 200 || r.status == 0) {
      *ctx.out << "\n";
      *ctx.err << "error: " << (writer->error_.empty() ? "stream ended early" : writer->error_)
               << "\n";
      return 3;
    }
  }
  json j = json::parse(r.body, nullptr, false);
  if (r.status != 200) {
    std::string msg = j.is_object() && j.contains("error") && j["error"].is_object()
                          ? j["error"].value("message", r.body)
                          : r.body;
    *ctx.err << "error: " << r.status << ": " << msg << "\n";
    return r.status == 400 || r.status == 404 || r.status == 503 ? 2 : 3;
  }
  if (f.json) {
    *ctx.out << j.dump(2) << "\n";
    return 0;
  }
  if (j.is_object() && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty()) {
    const json& msg = j["choices"][0].value("message", json::object());
    if (msg.contains("content") && msg["content"].is_string())
      *ctx.out << msg["content"].get<std::string>() << "\n";
    if (msg.contains("tool_calls")) *ctx.out << msg["tool_calls"].dump(2) << "\n";
    return 0;
  }
  *ctx.out << r.body << "\n";
  return 0;
}

}  // namespace

void AddProviderCommands(CLI::App& app, Context& ctx, CommandSet& set) {
  auto flags = std::make_shared<ProviderFlags>();
  auto* prov = app.add_subcommand(
      "providers", "Show the LLM providers of agentic-config.yaml: keys (masked), health, usage");
  prov->add_option("--config", flags->config, "agentic-config.yaml (default: discovery)");
  prov->add_option("--store", flags->store, "State root (keys, usage ledger)");
  prov->add_flag("--json", flags->json, "Print machine-readable JSON on stdout");
  set.On(prov, [flags, &ctx] { return CmdProviders(*flags, ctx); });

  auto* chat = app.add_subcommand("chat", "Send one prompt through the provider router");
  chat->add_option("prompt", flags->prompt, "The user message")->required();
  chat->add_option("--model", flags->model, "provider/model, a bare model, or auto")
      ->capture_default_str();
  chat->add_option("--system", flags->system, "A system message");
  chat->add_flag("--stream", flags->stream, "Stream the answer as it is generated");
  chat->add_option("--config", flags->config, "agentic-config.yaml (default: discovery)");
  chat->add_option("--store", flags->store, "State root (keys, usage ledger)");
  chat->add_flag("--json", flags->json, "Print the raw completion JSON");
  set.On(chat, [flags, &ctx] { return CmdChat(*flags, ctx); });
}

}  // namespace sf::cli

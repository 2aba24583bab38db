// `spacefactory serve`: one HTTP server for the OpenAI-compatible gateway, MCP (/mcp) and the REST
// API. Each part mounts its routes on one Router (MountParts below); this file owns binding, bearer
// auth for non-loopback binds, and shutdown on SIGINT/SIGTERM.
#include <signal.h>
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <vector>

#include "cli/commands.h"
#include "http/http.h"
#include "mcp/mcp.h"
#include "providers/providers.h"
#include "runs/runs.h"

namespace sf::cli {
namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8765;
  int io_threads = 2;
  int busy_poll_us = 200;
  std::string config;        // agentic-config path (providers); empty = discovery
  bool conformance = false;  // MCP conformance fixtures (test_* tools), never by default
};

constexpr const char* kApiKeyEnv = "SPACE_FACTORY_API_KEY";

bool IsLoopbackHost(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

http::Response Unauthorized() {
  auto r = http::JsonResponse(
      401, R"({"error":{"message":"missing or invalid bearer token","type":"unauthorized"}})");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

bool BearerMatches(const http::ServerRequest& request, const std::string& key) {
  auto auth = request.Header("Authorization");
  if (!auth || !auth->starts_with("Bearer ")) return false;
  std::string_view got = std::string_view(*auth).substr(7);
  return got.size() == key.size() && sodium_memcmp(got.data(), key.data(), key.size()) == 0;
}

// Every part of `serve` adds its routes here. Keep each part to one call into its module. Parts
// with long-lived streams add to `before_stop` what ends them, run before the server's graceful
// stop.
Status MountParts(const ServeFlags& flags, Context& ctx, http::Router& router,
                  std::vector<std::function<void()>>& before_stop) {
  (void)flags;
  (void)ctx;
  router.Get("/health", [](http::ServerRequest&, std::shared_ptr<http::ResponseWriter> w) {
    w->Respond(http::JsonResponse(200, R"({"status":"ok"})"));
  });
  // The OpenAI-compatible gateway (src/providers; what providers::MountGateway does, keeping the
  // gateway so MCP can offer provider_route_request on it).
  SF_ASSIGN_OR_RETURN(providers::AgenticConfig config,
                      providers::LoadAgenticConfig(*ctx.fs, *ctx.env, flags.config));
  providers::GatewayOptions gateway;
  gateway.config = std::move(config);
  gateway.state_dir = runs::DefaultStoreRoot(*ctx.env) + "/providers";
  gateway.fs = ctx.fs;
  gateway.logger = std::make_shared<Logger>(LogLevel::kWarn, std::make_shared<Redactor>());
  SF_ASSIGN_OR_RETURN(std::shared_ptr<providers::Gateway> gw,
                      providers::Gateway::Create(std::move(gateway)));
  gw->Mount(router);
  SF_ASSIGN_OR_RETURN(
      std::shared_ptr<mcp::HttpTransport> mcp_transport,
      mcp::MountHttp(router, {*ctx.fs, *ctx.clock, *ctx.env, ctx.http, ctx.runner, ctx.random, ""},
                     flags.conformance, flags.host,
                     [gw](mcp::Registry& r) { mcp::AddProviderTools(r, gw); }));
  before_stop.push_back([mcp_transport] { mcp_transport->Stop(); });
  return Status::Ok();
}

int RunServe(const ServeFlags& flags, Context& ctx) {
  std::string api_key = ctx.env->Get(kApiKeyEnv).value_or("");
  if (!IsLoopbackHost(flags.host) && api_key.empty()) {
    *ctx.err << "error: serve: binding " << flags.host << " (not loopback) needs a bearer token in "
             << kApiKeyEnv << "\n";
    return 2;
  }
  if (sodium_init() < 0) {
    *ctx.err << "error: serve: libsodium failed to initialise\n";
    return 3;
  }
  http::Router router;
  std::vector<std::function<void()>> before_stop;
  if (Status s = MountParts(flags, ctx, router, before_stop); !s.ok()) {
    *ctx.err << "error: serve: " << s.message() << "\n";
    return ExitCodeFor(s);
  }
  http::Handler handler = router.AsHandler();
  if (!api_key.empty()) {
    handler = [inner = std::move(handler), api_key](http::ServerRequest& request,
                                                    std::shared_ptr<http::ResponseWriter> w) {
      if (request.path != "/health" && !BearerMatches(request, api_key))
        return w->Respond(Unauthorized());
      inner(request, std::move(w));
    };
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // io threads inherit the mask
  http::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.io_threads = flags.io_threads;
  options.busy_poll = std::chrono::microseconds(flags.busy_poll_us);
  // The errors the server itself answers (413, 431, malformed HTTP) in the OpenAI shape, as the
  // gateway's own errors are: OpenAI SDKs read error.message and error.code from them.
  options.error_body = [](int status, std::string_view message, std::string_view code) {
    return providers::ErrorResponse(status, message,
                                    status >= 500 ? "server_error" : "invalid_request_error", code)
        .body;
  };
  auto server = http::NewHttpServer(options, std::move(handler));
  if (!server.ok()) {
    *ctx.err << "error: serve: " << server.status().message() << "\n";
    return ExitCodeFor(server.status());
  }
  // One line tests and scripts can wait for; the port is the bound one (useful with --port 0).
  *ctx.out << "serving on http://" << flags.host << ":" << (*server)->port() << "\n" << std::flush;
  int sig = 0;
  sigwait(&set, &sig);
  *ctx.err << "serve: stopping\n";
  for (auto& stop : before_stop) stop();
  (*server)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, Context& ctx, CommandSet& set) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = app.add_subcommand(
      "serve", "Serve the OpenAI-compatible gateway, MCP (/mcp) and the REST API over HTTP");
  cmd->add_option("--host", flags->host, "Bind address (non-loopback needs SPACE_FACTORY_API_KEY)")
      ->capture_default_str();
  cmd->add_option("--port", flags->port, "Port (0 = a free port)")->capture_default_str();
  cmd->add_option("--io-threads", flags->io_threads, "Server io threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--busy-poll-us", flags->busy_poll_us,
                  "How long an idle io thread polls before it sleeps: lower latency on VMs for "
                  "up to this much CPU after each burst of requests (0 = never poll)")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  cmd->add_option("--config", flags->config, "agentic-config.yaml (default: discovery)");
  cmd->add_flag("--conformance", flags->conformance,
                "Also expose the MCP conformance-suite fixtures (test_* tools); for testing only");
  set.On(cmd, [flags, &ctx] { return RunServe(*flags, ctx); });
}

}  // namespace sf::cli

// `spacefactory mcp`: the MCP server over stdio (newline-delimited JSON-RPC on stdin/stdout; every
// diagnostic goes to stderr, nothing but MCP messages to stdout).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "cli/commands.h"
#include "mcp/mcp.h"

namespace sf::cli {
namespace {

struct McpFlags {
  bool conformance = false;
  std::string store;
  int workers = 4;
};

int RunMcp(const McpFlags& flags, Context& ctx) {
  mcp::ServiceDeps deps{*ctx.fs,    *ctx.clock, *ctx.env,   ctx.http,
                        ctx.runner, ctx.random, flags.store};
  mcp::ServiceOptions options;
  options.conformance = flags.conformance;
  options.worker_threads = flags.workers;
  auto err_mu = std::make_shared<std::mutex>();
  options.log = [err_mu, &ctx](std::string_view line) {
    std::lock_guard<std::mutex> lock(*err_mu);
    *ctx.err << line << "\n";
  };
  auto server = mcp::NewService(deps, options);
  std::size_t left = mcp::RunStdio(*server, std::cin, *ctx.out);
  if (left > 0) {
    // stdin closed while calls still run (a build ignores cancellation between steps): exit now
    // rather than hang the client; those runs show as interrupted in `spacefactory runs`.
    *ctx.err << "mcp: stdin closed with " << left << " call(s) still running; exiting\n";
    ctx.out->flush();
    ctx.err->flush();
    std::_Exit(0);
  }
  server->Shutdown();
  return 0;
}

}  // namespace

void AddMcpCommands(CLI::App& app, Context& ctx, CommandSet& set) {
  auto flags = std::make_shared<McpFlags>();
  auto* cmd = app.add_subcommand(
      "mcp", "MCP server over stdio for agent clients (Hub and factory tools; logs on stderr)");
  cmd->add_flag("--conformance", flags->conformance,
                "Also expose the MCP conformance-suite fixtures (test_* tools); for testing only");
  cmd->add_option("--store", flags->store,
                  "Run store root (default $SPACE_FACTORY_STORE or $XDG_DATA_HOME/spacefactory)");
  cmd->add_option("--workers", flags->workers, "Threads that run tool calls")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  set.On(cmd, [flags, &ctx] { return RunMcp(*flags, ctx); });
}

}  // namespace sf::cli

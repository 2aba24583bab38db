// The commands behind cli::Run. Each returns the process exit code.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "factory/factory.h"
#include "runs/runs.h"

namespace CLI {
class App;
}

namespace sf::cli {

// A command group adds its subcommands to the app and says what runs when one of them was parsed.
// Each group lives in its own file (serve.cc, …) and keeps its flags alive in the action closures.
class CommandSet {
 public:
  void On(CLI::App* command, std::function<int()> action) {
    actions_.emplace_back(command, std::move(action));
  }
  // The exit code of the parsed command's action, or nullopt if none of ours was parsed.
  std::optional<int> RunParsed() const;

 private:
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions_;
};

// `serve`: the HTTP server (gateway, MCP, REST API) on one port. serve.cc.
void AddServeCommand(CLI::App& app, Context& ctx, CommandSet& set);
// `validate SPACE_ID|--url URL`. validate_command.cc.
void AddValidateCommand(CLI::App& app, Context& ctx, CommandSet& set);
// `mcp`: the MCP server over stdio. mcp_commands.cc.
void AddMcpCommands(CLI::App& app, Context& ctx, CommandSet& set);
// `providers` and `chat`: the LLM provider router. provider_commands.cc.
void AddProviderCommands(CLI::App& app, Context& ctx, CommandSet& set);

struct CommonFlags {
  bool json = false;
  std::string store;  // empty: DefaultStoreRoot
};

struct BuildFlags {
  std::string input;
  bool dry_run = false;
  std::string hardware;  // "", "cpu-basic", "zero-a10g"
  int gpu_duration = 60;
  std::string model_id;
  std::string fallback_hardware;
  bool smoke = false;
  int runtime_timeout = 900;
  int poll_interval_ms = 2000;
  int call_timeout = 300;
};

// Shared by the commands: prints "error: <message>" and returns the exit code for `status`; opens
// the run store at --store or the default root.
int Fail(Context& ctx, const Status& status);
Result<std::unique_ptr<runs::RunStore>> OpenStore(const CommonFlags& common, Context& ctx);
// Shared by build, resume and demo.
factory::Deps MakeDeps(runs::RunStore& store, const CommonFlags& common, Context& ctx);
int PrintOutcome(const factory::BuildOutcome& outcome, const CommonFlags& common, Context& ctx);
int CmdBuild(const BuildFlags& flags, const CommonFlags& common, Context& ctx, bool use_demo_card);
// The whole main job offline: an in-process simulator, a build of the embedded card into a private
// simulated Space, a validation of it. demo.cc.
int CmdDemo(const CommonFlags& common, Context& ctx);
int CmdResume(const std::string& run_id, const CommonFlags& common, Context& ctx);
int CmdAnalyze(const std::string& input, const CommonFlags& common, Context& ctx);
int CmdRuns(const std::string& run_id, int limit, bool rebuild, const CommonFlags& common,
            Context& ctx);

}  // namespace sf::cli

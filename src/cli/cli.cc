#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/hub_commands.h"
#include "sim/sim.h"

namespace sf::cli {

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 0;
    case Code::kUnavailable:
    case Code::kRemote:
    case Code::kTimeout:
      return 3;
    default:
      return 2;
  }
}

std::optional<int> CommandSet::RunParsed() const {
  for (const auto& [command, action] : actions_)
    if (command->parsed()) return action();
  return std::nullopt;
}

namespace {
void AddCommon(CLI::App* cmd, CommonFlags& common, bool with_store) {
  cmd->add_flag("--json", common.json, "Print machine-readable JSON on stdout");
  if (with_store)
    cmd->add_option("--store", common.store,
                    "Run store root (default $SPACE_FACTORY_STORE or $XDG_DATA_HOME/spacefactory)");
}
}  // namespace

int Run(const std::vector<std::string>& args, Context& ctx) {
  CLI::App app{"spacefactory: turn Hugging Face models into private, validated Spaces",
               "spacefactory"};
  app.set_version_flag("--version", std::string(Version()));
  app.require_subcommand(1);
  app.fallthrough(false);

  CommonFlags common;
  BuildFlags build;
  auto* build_cmd = app.add_subcommand("build", "Build a Space from a model card, model id or URL");
  build_cmd->add_option("input", build.input, "README.md path, model id (owner/name) or model URL")
      ->required();
  build_cmd->add_flag("--dry-run", build.dry_run, "Generate and check the Space; deploy nothing");
  build_cmd
      ->add_option("--hardware", build.hardware, "Target hardware (default: from the analysis)")
      ->check(CLI::IsMember({"cpu-basic", "zero-a10g"}));
  build_cmd->add_option("--gpu-duration", build.gpu_duration, "@spaces.GPU duration in seconds")
      ->check(CLI::Range(5, 300));
  build_cmd->add_option("--model-id", build.model_id,
                        "The repo a local card belongs to, when the card does not name it");
  build_cmd->add_option(
      "--fallback-hardware", build.fallback_hardware,
      "Fixed GPU flavor to request when ZeroGPU is refused (t4-small, a10g-small, "
      "l4x1, …); default: none (manual_hardware_required)");
  build_cmd->add_flag("--smoke", build.smoke,
                      "Call the generation endpoint once and check the output type");
  build_cmd
      ->add_option("--runtime-timeout", build.runtime_timeout,
                   "Seconds to wait for the Space to reach RUNNING")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  build_cmd
      ->add_option("--poll-interval", build.poll_interval_ms,
                   "Milliseconds between polls of the Space's runtime")
      ->check(CLI::Range(50, 60000))
      ->capture_default_str();
  build_cmd->add_option("--call-timeout", build.call_timeout, "Seconds for the smoke call")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  AddCommon(build_cmd, common, true);

  std::string resume_id;
  auto* resume_cmd =
      app.add_subcommand("resume", "Continue an interrupted build run (after a crash or kill -9)");
  resume_cmd->add_option("run_id", resume_id, "The run to continue")->required();
  AddCommon(resume_cmd, common, true);

  auto* demo_cmd = app.add_subcommand(
      "demo", "Run the main job on the embedded example card (no token, no network)");
  AddCommon(demo_cmd, common, true);

  std::string analyze_input;
  auto* analyze_cmd = app.add_subcommand("analyze", "Analyse a model card: task, size, blockers");
  analyze_cmd->add_option("card", analyze_input, "README.md path, model id or model URL")
      ->required();
  AddCommon(analyze_cmd, common, false);

  std::string run_id;
  int limit = 50;
  bool rebuild = false;
  auto* runs_cmd = app.add_subcommand("runs", "List runs (newest first) or show one");
  runs_cmd->add_option("run_id", run_id, "Show this run");
  runs_cmd->add_option("--limit", limit, "How many runs to list")->check(CLI::Range(1, 100000));
  runs_cmd->add_flag("--rebuild-index", rebuild, "Rebuild the SQLite index from the run folders");
  AddCommon(runs_cmd, common, true);

  auto* whoami_cmd = app.add_subcommand("whoami", "Show the Hugging Face account behind the token");
  AddCommon(whoami_cmd, common, false);
  std::string search_kind, search_query;
  int search_limit = 20;
  auto* search_cmd = app.add_subcommand("search", "Search Hub models, datasets or Spaces");
  search_cmd->add_option("kind", search_kind, "models|datasets|spaces")
      ->required()
      ->check(CLI::IsMember({"models", "datasets", "spaces"}));
  search_cmd->add_option("query", search_query, "Search text");
  search_cmd->add_option("--limit", search_limit, "Maximum results")->check(CLI::Range(1, 10000));
  AddCommon(search_cmd, common, false);

  sim::SimOptions sim_options;
  long long build_delay_ms = sim_options.build_delay.count();
  long long startup_delay_ms = sim_options.startup_delay.count();
  long long job_duration_ms = sim_options.job_duration.count();
  bool no_python_check = false;
  auto* sim_cmd = app.add_subcommand(
      "sim", "Offline Hub simulator; prints its URL and a ready-to-use token when ready");
  sim_cmd->add_option("--host", sim_options.host, "Bind address")->capture_default_str();
  sim_cmd->add_option("--port", sim_options.port, "Port (0 = a free port)")->capture_default_str();
  sim_cmd->add_option("--data", sim_options.data_dir, "Seed directory (models, datasets, Spaces)");
  sim_cmd->add_option("--faults", sim_options.faults,
                      "Fault rules: '[METHOD ] GLOB=KIND[:ARG][xCOUNT][@PROB]; …' "
                      "(KIND: status, 429:secs, reset, slow:ms, truncate)");
  sim_cmd->add_option("--space-behaviours,--space-behaviour", sim_options.space_behaviours,
                      "Misbehaving Space apps: 'GLOB=KIND[:ARG]; …' (KIND: placeholder[:echo], "
                      "wrong-type[:magic], error[:MSG], slow:MS, crash:N|crash:MSms, building)");
  sim_cmd->add_option("--seed", sim_options.seed, "Seed for fault randomness")
      ->capture_default_str();
  sim_cmd->add_option("--build-delay", build_delay_ms, "Space BUILDING time (ms)")
      ->capture_default_str();
  sim_cmd->add_option("--startup-delay", startup_delay_ms, "Space APP_STARTING time (ms)")
      ->capture_default_str();
  sim_cmd->add_option("--job-duration", job_duration_ms, "Job run time (ms)")
      ->capture_default_str();
  sim_cmd->add_option("--zero-gpu", sim_options.zero_gpu, "ZeroGPU grants: quota|deny:402|deny:403")
      ->capture_default_str();
  sim_cmd->add_flag("--no-python-check", no_python_check,
                    "Do not py_compile app.py when a Space builds");

  CommandSet commands;
  AddServeCommand(app, ctx, commands);
  AddValidateCommand(app, ctx, commands);
  AddMcpCommands(app, ctx, commands);
  AddProviderCommands(app, ctx, commands);

  // CLI11 wants argv order reversed when given a vector.
  std::vector<std::string> rev(args.rbegin(), args.rend());
  try {
    app.parse(rev);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, *ctx.out, *ctx.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, *ctx.out, *ctx.err);
  } catch (const CLI::Success& e) {
    return app.exit(e, *ctx.out, *ctx.err);
  } catch (const CLI::ParseError& e) {
    std::ostringstream sink;  // CLI11 prints a usage hint; keep the error to one clear line
    app.exit(e, sink, sink);
    *ctx.err << "error: " << e.what() << " (see --help)\n";
    return 2;
  }

  if (auto code = commands.RunParsed()) return *code;
  if (build_cmd->parsed()) return CmdBuild(build, common, ctx, false);
  if (demo_cmd->parsed()) return CmdDemo(common, ctx);
  if (resume_cmd->parsed()) return CmdResume(resume_id, common, ctx);
  if (analyze_cmd->parsed()) return CmdAnalyze(analyze_input, common, ctx);
  if (runs_cmd->parsed()) return CmdRuns(run_id, limit, rebuild, common, ctx);
  if (whoami_cmd->parsed()) return CmdWhoami(common, ctx);
  if (search_cmd->parsed())
    return CmdSearch(search_kind, search_query, search_limit, common.json, ctx);
  if (sim_cmd->parsed()) {
    sim_options.build_delay = std::chrono::milliseconds(build_delay_ms);
    sim_options.startup_delay = std::chrono::milliseconds(startup_delay_ms);
    sim_options.job_duration = std::chrono::milliseconds(job_duration_ms);
    sim_options.check_python = !no_python_check;
    return sim::RunSimCommand(sim_options, *ctx.out, *ctx.err);
  }
  return 2;
}

}  // namespace sf::cli

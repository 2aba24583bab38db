#include "cli/commands.h"

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "card/card.h"
#include "factory/factory.h"
#include "hub/hub.h"
#include "runs/runs.h"

namespace sf::cli {

extern const std::string_view kDemoCardName;
extern const std::string_view kDemoCard;

using nlohmann::json;

int Fail(Context& ctx, const Status& status) {
  *ctx.err << "error: " << status.message() << "\n";
  return ExitCodeFor(status);
}

Result<std::unique_ptr<runs::RunStore>> OpenStore(const CommonFlags& common, Context& ctx) {
  std::string root = common.store.empty() ? runs::DefaultStoreRoot(*ctx.env) : common.store;
  auto store = runs::RunStore::Open(root, *ctx.fs, *ctx.clock);
  if (!store.ok()) return store.status().WithContext("cannot open the run store at " + root);
  return store;
}

factory::Deps MakeDeps(runs::RunStore& store, const CommonFlags& common, Context& ctx) {
  factory::Deps deps{*ctx.fs,     *ctx.clock, *ctx.env,   store,
                     *ctx.runner, ctx.http,   ctx.random, nullptr};
  if (!common.json) {
    deps.progress = [&ctx](std::string_view step, std::string_view message) {
      *ctx.err << "[" << step << "] " << message << "\n";
    };
  }
  // Fault injection for the kill test: SPACE_FACTORY_FAULT_KILL_AT=<step>:<phase> SIGKILLs this
  // process at that step boundary (phases: before, started, applied, done).
  if (auto at = ctx.env->Get("SPACE_FACTORY_FAULT_KILL_AT"); at && !at->empty()) {
    deps.boundary = [at = *at](std::string_view step, std::string_view phase) {
      if (at == std::string(step) + ":" + std::string(phase)) raise(SIGKILL);
    };
  }
  return deps;
}

int PrintOutcome(const factory::BuildOutcome& outcome, const CommonFlags& common, Context& ctx) {
  if (common.json) {
    *ctx.out << outcome.state.dump(2) << "\n";
  } else {
    const json& st = outcome.state;
    if (st.value("simulated", false))
      *ctx.out << "SIMULATED: this run used the offline simulator, not the Hugging Face Hub\n";
    *ctx.out << "status: " << runs::StatusName(outcome.status) << "\n";
    *ctx.out << "reason: " << st.value("reason", "") << "\n";
    *ctx.out << "run:    " << outcome.run_id << "\n";
    if (st.contains("space_id")) *ctx.out << "space:  " << st.value("space_id", "") << "\n";
    if (st.contains("links") && st["links"].contains("space"))
      *ctx.out << "link:   " << st["links"].value("space", "") << "\n";
    if (st.contains("space_url")) *ctx.out << "app:    " << st.value("space_url", "") << "\n";
    *ctx.out << "files:  " << outcome.run_dir << "/generated/\n";
    *ctx.out << "report: " << outcome.report_path << "\n";
  }
  return factory::IsSuccess(outcome.status) ? 0 : 1;
}

int CmdBuild(const BuildFlags& flags, const CommonFlags& common, Context& ctx, bool use_demo_card) {
  factory::BuildOptions options;
  options.input = use_demo_card ? std::string(kDemoCardName) : flags.input;
  if (use_demo_card) options.card_text = std::string(kDemoCard);
  options.dry_run = flags.dry_run;
  if (flags.hardware == "cpu-basic") options.hardware = card::Hardware::kCpuBasic;
  if (flags.hardware == "zero-a10g") options.hardware = card::Hardware::kZeroGpu;
  options.gpu_duration_seconds = flags.gpu_duration;
  options.model_id = flags.model_id;
  options.fallback_hardware = flags.fallback_hardware;
  options.smoke = flags.smoke;
  options.runtime_timeout = std::chrono::seconds(flags.runtime_timeout);
  options.poll_interval = std::chrono::milliseconds(flags.poll_interval_ms);
  options.call_timeout = std::chrono::seconds(flags.call_timeout);
  if (!options.model_id.empty() && !hub::IsValidRepoId(options.model_id))
    return Fail(ctx,
                InvalidArgument("--model-id: not a repo id (owner/name): " + options.model_id));

  // Read and parse the input before touching the store: bad input must leave nothing behind.
  auto loaded = factory::LoadCard(options, *ctx.fs, *ctx.env, ctx.http);
  if (!loaded.ok()) return Fail(ctx, loaded.status());

  auto store = OpenStore(common, ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  factory::Deps deps = MakeDeps(**store, common, ctx);
  auto outcome = factory::Build(options, *loaded, deps);
  if (!outcome.ok()) return Fail(ctx, outcome.status());
  return PrintOutcome(*outcome, common, ctx);
}

int CmdResume(const std::string& run_id, const CommonFlags& common, Context& ctx) {
  auto store = OpenStore(common, ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  factory::Deps deps = MakeDeps(**store, common, ctx);
  auto outcome = factory::Resume(run_id, deps, runs::ProcessAlive);
  if (!outcome.ok()) return Fail(ctx, outcome.status());
  return PrintOutcome(*outcome, common, ctx);
}

int CmdAnalyze(const std::string& input, const CommonFlags& common, Context& ctx) {
  factory::BuildOptions options;
  options.input = input;
  auto loaded = factory::LoadCard(options, *ctx.fs, *ctx.env, ctx.http);
  if (!loaded.ok()) return Fail(ctx, loaded.status());
  auto parsed = card::ParseCard(loaded->text);
  if (!parsed.ok()) return Fail(ctx, parsed.status().WithContext(input));
  card::CardAnalysis a = card::AnalyzeCard(*parsed, loaded->facts);
  if (common.json) {
    *ctx.out << card::AnalysisToJson(a).dump(2) << "\n";
    return 0;
  }
  auto& o = *ctx.out;
  o << "model:     " << (a.model_id.empty() ? "(not named in the card)" : a.model_id) << "\n";
  o << "task:      " << a.task << " (from " << a.task_source << ")\n";
  o << "library:   " << (a.library.empty() ? "unknown" : a.library) << "\n";
  o << "licence:   " << (a.license.empty() ? "not declared" : a.license) << " ("
    << card::LicenseClassName(a.license_class) << ")\n";
  if (a.params_billions) o << "params:    " << *a.params_billions << " B\n";
  o << "hardware:  " << card::HardwareName(a.hardware) << " - " << a.hardware_reason << "\n";
  o << "blockers:  " << (a.blockers.empty() ? "none" : "") << "\n";
  for (const auto& b : a.blockers) {
    o << "  - " << card::BlockerName(b.kind) << (b.hard ? " (hard)" : " (warning)");
    if (b.line > 0) o << " line " << b.line;
    o << ": " << b.evidence << "\n";
  }
  for (const auto& w : a.warnings) o << "warning:   " << w << "\n";
  return 0;
}

int CmdRuns(const std::string& run_id, int limit, bool rebuild, const CommonFlags& common,
            Context& ctx) {
  auto store = OpenStore(common, ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  runs::RunStore& s = **store;
  if (rebuild) {
    if (Status st = s.RebuildIndex(); !st.ok()) return Fail(ctx, st);
  }
  // Runs whose process died (kill -9) are shown as interrupted, never as running forever.
  if (Status st = s.MarkStaleRunsInterrupted(runs::ProcessAlive); !st.ok()) return Fail(ctx, st);

  if (!run_id.empty()) {
    if (!IsValidRunId(run_id)) return Fail(ctx, InvalidArgument("not a run id: " + run_id));
    auto state = s.ReadState(run_id);
    if (!state.ok()) return Fail(ctx, state.status());
    if (common.json) {
      *ctx.out << state->dump(2) << "\n";
      return 0;
    }
    const json& st = *state;
    *ctx.out << "run:     " << run_id << "\n";
    *ctx.out << "kind:    " << st.value("kind", "") << "\n";
    *ctx.out << "input:   " << st.value("input", "") << "\n";
    *ctx.out << "status:  " << st.value("status", "") << "\n";
    if (st.contains("reason")) *ctx.out << "reason:  " << st.value("reason", "") << "\n";
    if (st.contains("analysis") && st["analysis"].contains("blockers")) {
      for (const auto& b : st["analysis"]["blockers"])
        *ctx.out << "blocker: " << b.value("kind", "") << (b.value("hard", false) ? " (hard)" : "")
                 << ": " << b.value("evidence", "") << "\n";
    }
    *ctx.out << "report:  " << s.RunDir(run_id) << "/report.md\n";
    return 0;
  }

  auto list = s.List(limit);
  if (!list.ok()) return Fail(ctx, list.status());
  if (common.json) {
    json arr = json::array();
    for (const auto& r : *list)
      arr.push_back({{"run_id", r.run_id},
                     {"kind", r.kind},
                     {"input", r.input},
                     {"status", std::string(runs::StatusName(r.status))},
                     {"created_at", r.created_at},
                     {"updated_at", r.updated_at},
                     {"simulated", r.simulated}});
    *ctx.out << arr.dump(2) << "\n";
    return 0;
  }
  if (list->empty()) {
    *ctx.out << "no runs yet in " << s.Root() << "\n";
    return 0;
  }
  for (const auto& r : *list)
    *ctx.out << r.run_id << "  " << r.kind << "  " << runs::StatusName(r.status) << "  " << r.input
             << (r.simulated ? "  (simulated)" : "") << "\n";
  return 0;
}

}  // namespace sf::cli

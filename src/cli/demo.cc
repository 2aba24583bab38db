// `spacefactory demo`: the main job end to end with no token and no network. An in-process
// simulator stands in for the Hub (and serves the Space's Gradio API once it runs); the embedded
// example card is built into a private simulated Space, smoke-tested, then validated like any
// Space. Every run it creates says "simulated": true.
#include <ostream>

#include "cli/commands.h"
#include "factory/validate.h"
#include "sim/sim.h"

namespace sf::cli {

extern const std::string_view kDemoCardName;
extern const std::string_view kDemoCard;

namespace {

// The process environment with a few variables replaced (the simulator's endpoint and token).
class OverlayEnv final : public Env {
 public:
  OverlayEnv(const Env& base, std::vector<std::pair<std::string, std::string>> vars)
      : base_(base), vars_(std::move(vars)) {}
  std::optional<std::string> Get(const std::string& name) const override {
    for (const auto& [k, v] : vars_)
      if (k == name) return v;
    return base_.Get(name);
  }

 private:
  const Env& base_;
  std::vector<std::pair<std::string, std::string>> vars_;
};

}  // namespace

int CmdDemo(const CommonFlags& common, Context& ctx) {
  if (ctx.http == nullptr) return Fail(ctx, Unavailable("demo: no HTTP client"));
  sim::SimOptions sim_options;
  sim_options.build_delay = std::chrono::milliseconds(400);
  sim_options.startup_delay = std::chrono::milliseconds(200);
  auto sim = sim::Simulator::Start(sim_options, *ctx.fs, *ctx.clock);
  if (!sim.ok()) return Fail(ctx, sim.status().WithContext("demo: cannot start the simulator"));
  if (!common.json)
    *ctx.err << "[demo] simulator at " << (*sim)->url() << " (offline; not the real Hub)\n";

  OverlayEnv env(*ctx.env, {{"HF_ENDPOINT", (*sim)->url()}, {"HF_TOKEN", (*sim)->default_token()}});
  Context demo = ctx;
  demo.env = &env;

  factory::BuildOptions options;
  options.input = std::string(kDemoCardName);
  options.card_text = std::string(kDemoCard);
  options.smoke = true;
  options.runtime_timeout = std::chrono::seconds(120);
  options.poll_interval = std::chrono::milliseconds(200);
  auto loaded = factory::LoadCard(options, *demo.fs, env, demo.http);
  if (!loaded.ok()) return Fail(ctx, loaded.status());

  auto store = OpenStore(common, ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  factory::Deps deps = MakeDeps(**store, common, demo);
  auto built = factory::Build(options, *loaded, deps);
  if (!built.ok()) return Fail(ctx, built.status());
  std::optional<Result<factory::ValidateOutcome>> validated;
  if (built->state.contains("space_id")) {
    factory::ValidateOptions v;
    v.space_id = built->state.value("space_id", "");
    v.repeats = 2;
    v.wait_timeout = std::chrono::seconds(60);
    v.poll_interval = std::chrono::milliseconds(200);
    validated = factory::Validate(v, deps);
  }
  (*sim)->Stop();
  int code = factory::IsSuccess(built->status) ? 0 : 1;
  if (validated && (!validated->ok() || !factory::IsSuccess((*validated)->status))) code = 1;

  if (common.json) {
    nlohmann::json both = {{"build", built->state}};
    if (validated && validated->ok()) both["validate"] = (*validated)->state;
    *ctx.out << both.dump(2) << "\n";
    return code;
  }
  *ctx.out << "== build ==\n";
  PrintOutcome(*built, common, ctx);
  if (validated) {
    *ctx.out << "== validate " << built->state.value("space_id", "") << " ==\n";
    if (!validated->ok()) return Fail(ctx, validated->status());
    const auto& v = **validated;
    *ctx.out << "status: " << runs::StatusName(v.status) << "\n"
             << "reason: " << v.state.value("reason", "") << "\n"
             << "run:    " << v.run_id << "\n"
             << "report: " << v.report_path << "\n";
  }
  *ctx.out << "(the simulated Space lived only while the demo ran; its links point at the "
              "simulator)\n";
  return code;
}

}  // namespace sf::cli

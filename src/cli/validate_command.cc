// `spacefactory validate SPACE_ID|--url URL`: wait for the Space, call its generation endpoint N
// times, check the output type, measure latency, recommend a ZeroGPU duration, classify (factory
// module, validate.h). Exit codes: 0 full_inference_success (or, with --repeats 0, a passed
// health/API gate), 1 another status, 2 usage, 3 the Hub or the app could not be reached.
#include <CLI/CLI.hpp>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands.h"
#include "factory/factory.h"
#include "factory/validate.h"
#include "runs/runs.h"

namespace sf::cli {
namespace {

struct ValidateFlags {
  std::string space_id;
  std::string url;
  std::string endpoint;
  int repeats = 3;
  int timeout_s = 300;
  int wait_timeout_s = 900;
  std::string expect;
  CommonFlags common;
};

std::optional<gradio::OutputKind> ExpectedKind(const std::string& name) {
  if (name.empty()) return std::nullopt;
  return gradio::KindOfComponent(name == "text"   ? "Textbox"
                                 : name == "json" ? "JSON"
                                 : name == "bool" ? "Checkbox"
                                                  : name);
}

int RunValidate(const ValidateFlags& f, Context& ctx) {
  factory::ValidateOptions o;
  o.space_id = f.space_id;
  o.url = f.url;
  o.endpoint = f.endpoint;
  o.repeats = f.repeats;
  o.call_timeout = std::chrono::seconds(f.timeout_s);
  o.wait_timeout = std::chrono::seconds(f.wait_timeout_s);
  o.expected_kind = ExpectedKind(f.expect);
  if (o.space_id.empty() == o.url.empty()) {
    *ctx.err << "error: validate: give either a SPACE_ID (owner/name) or --url URL\n";
    return 2;
  }
  if (ctx.http == nullptr) {
    *ctx.err << "error: validate: networking is disabled\n";
    return 2;
  }
  std::string root = f.common.store.empty() ? runs::DefaultStoreRoot(*ctx.env) : f.common.store;
  auto store = runs::RunStore::Open(root, *ctx.fs, *ctx.clock);
  if (!store.ok()) {
    *ctx.err << "error: cannot open the run store at " << root << ": " << store.status().message()
             << "\n";
    return ExitCodeFor(store.status());
  }
  factory::Deps deps{*ctx.fs,     *ctx.clock, *ctx.env,   **store,
                     *ctx.runner, ctx.http,   ctx.random, nullptr};
  if (!f.common.json) {
    deps.progress = [&ctx](std::string_view step, std::string_view message) {
      *ctx.err << "[" << step << "] " << message << "\n";
    };
  }
  auto outcome = factory::Validate(o, deps);
  if (!outcome.ok()) {
    *ctx.err << "error: " << outcome.status().message() << "\n";
    return ExitCodeFor(outcome.status());
  }
  const nlohmann::json& st = outcome->state;
  if (f.common.json) {
    *ctx.out << st.dump(2) << "\n";
  } else {
    auto& out = *ctx.out;
    out << "status:   " << runs::StatusName(outcome->status)
        << (st.value("simulated", false) ? "  (SIMULATED)" : "") << "\n";
    out << "reason:   " << st.value("reason", "") << "\n";
    if (auto u = st.value("space_url", ""); !u.empty()) out << "app:      " << u << "\n";
    const nlohmann::json& v = st.value("validation", nlohmann::json::object());
    if (v.contains("api") && !v["api"].value("endpoint", "").empty())
      out << "endpoint: " << v["api"].value("endpoint", "") << "\n";
    if (v.contains("latency_p50_ms"))
      out << "latency:  p50 " << std::lround(v["latency_p50_ms"].get<double>()) << " ms, max "
          << std::lround(v.value("latency_max_ms", 0.0)) << " ms\n";
    if (v.contains("recommended_zero_gpu_duration_s"))
      out << "zerogpu:  @spaces.GPU(duration=" << v["recommended_zero_gpu_duration_s"].dump()
          << ")\n";
    out << "run:      " << outcome->run_id << "\n";
    out << "report:   " << outcome->report_path << "\n";
  }
  if (outcome->status == runs::RunStatus::kFullInferenceSuccess) return 0;
  if (f.repeats == 0 && st.contains("validation") && st["validation"].value("gate_passed", false)) {
    return 0;
  }
  if (outcome->remote_unreachable) return 3;
  return 1;
}

}  // namespace

void AddValidateCommand(CLI::App& app, Context& ctx, CommandSet& set) {
  auto f = std::make_shared<ValidateFlags>();
  auto* cmd = app.add_subcommand(
      "validate",
      "Validate a running Gradio Space: call its generation endpoint, check the output");
  cmd->add_option("space_id", f->space_id, "The Space (owner/name); its host comes from the Hub");
  cmd->add_option("--url", f->url, "A Gradio app root instead of a Space (no Hub calls)");
  cmd->add_option("--endpoint", f->endpoint,
                  "Endpoint to call (default: /generate, else the only or first named one)");
  cmd->add_option("--repeats", f->repeats, "Generation calls (0 = health/API gate only)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--timeout", f->timeout_s, "Seconds allowed per call (slower = failure)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--wait-timeout", f->wait_timeout_s, "Seconds to wait for the Space to run")
      ->check(CLI::Range(1, 7200))
      ->capture_default_str();
  cmd->add_option("--expect", f->expect, "Expected output kind (default: what the API declares)")
      ->check(CLI::IsMember(
          {"text", "image", "audio", "video", "label", "json", "number", "bool", "file"}));
  cmd->add_flag("--json", f->common.json, "Print the run's state.json on stdout");
  cmd->add_option("--store", f->common.store,
                  "Run store root (default $SPACE_FACTORY_STORE or $XDG_DATA_HOME/spacefactory)");
  set.On(cmd, [f, &ctx] { return RunValidate(*f, ctx); });
}

}  // namespace sf::cli

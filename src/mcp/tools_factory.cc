// Space Factory tools (analyse, build, validate, run status), the run resources
// spacefactory://runs/<id>/report.md and /state.json, and the two prompts.
#include <atomic>

#include "card/card.h"
#include "factory/factory.h"
#include "factory/validate.h"
#include "hub/hub.h"
#include "mcp/mcp.h"
#include "runs/runs.h"

namespace sf::mcp {
namespace {

constexpr const char* kRunsPrefix = "spacefactory://runs/";

std::string ReportUri(const std::string& id) { return kRunsPrefix + id + "/report.md"; }
std::string StateUri(const std::string& id) { return kRunsPrefix + id + "/state.json"; }

// Shared, thread-safe pieces of the factory tools.
struct FactoryEnv {
  ServiceDeps deps;
  std::shared_ptr<std::mutex> random_mu = std::make_shared<std::mutex>();
  std::function<void(const std::string&)> notify;

  std::string Root() const {
    return deps.store_root.empty() ? runs::DefaultStoreRoot(deps.env) : deps.store_root;
  }
  // RunStore is not thread-safe: one per call.
  Result<std::unique_ptr<runs::RunStore>> Store() const {
    auto s = runs::RunStore::Open(Root(), deps.fs, deps.clock);
    if (!s.ok()) return s.status().WithContext("cannot open the run store at " + Root());
    return s;
  }
  std::function<std::uint32_t()> Random() const {
    auto mu = random_mu;
    auto fn = deps.random;
    return [mu, fn]() -> std::uint32_t {
      std::lock_guard<std::mutex> lock(*mu);
      return fn ? fn() : 0x5eed;
    };
  }
};

json Summary(const json& st) {
  json s = {
      {"run_id", st.value("run_id", "")},         {"kind", st.value("kind", "")},
      {"input", st.value("input", "")},           {"status", st.value("status", "")},
      {"reason", st.value("reason", "")},         {"created_at", st.value("created_at", "")},
      {"updated_at", st.value("updated_at", "")}, {"simulated", st.value("simulated", false)}};
  for (const char* k : {"space_id", "space_url", "hardware"})
    if (st.contains(k)) s[k] = st[k];
  std::string id = s["run_id"];
  s["report_uri"] = ReportUri(id);
  s["state_uri"] = StateUri(id);
  return s;
}

json ResourceLink(const std::string& uri, const std::string& name, const char* mime) {
  return {{"type", "resource_link"}, {"uri", uri}, {"name", name}, {"mimeType", mime}};
}

// {text summary, resource links, structuredContent} of one run.
json RunResult(const json& summary, const std::string& headline) {
  std::string id = summary.value("run_id", "");
  std::string text = headline + "\nstatus: " + summary.value("status", "") +
                     (summary.value("simulated", false) ? " (simulated Hub)" : "") +
                     "\nreason: " + summary.value("reason", "") + "\nrun: " + id;
  if (summary.contains("space_url") && summary["space_url"].is_string())
    text += "\nspace: " + summary["space_url"].get<std::string>();
  text += "\nreport: " + ReportUri(id);
  json r = {
      {"content",
       json::array({TextContent(text), ResourceLink(ReportUri(id), "report.md", "text/markdown"),
                    ResourceLink(StateUri(id), "state.json", "application/json")})},
      {"structuredContent", summary}};
  return r;
}

json CardSchema(json extra = json::object()) {
  json props = {{"model_id",
                 {{"type", "string"},
                  {"description",
                   "Hub model id (owner/name) or model URL; with card_text: the repo the card "
                   "belongs to"},
                  {"maxLength", 300}}},
                {"card_text",
                 {{"type", "string"},
                  {"description",
                   "The model card (README.md with YAML front matter) as text, instead of "
                   "fetching it from the Hub"},
                  {"maxLength", 1 << 20}}}};
  for (auto& [k, v] : extra.items()) props[k] = v;
  return {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

Result<factory::BuildOptions> CardOptions(const json& args) {
  factory::BuildOptions o;
  std::string model = args.value("model_id", "");
  if (args.contains("card_text")) {
    o.card_text = args["card_text"].get<std::string>();
    o.input = model.empty() ? "card_text" : model;
    if (!model.empty()) {
      if (!hub::IsValidRepoId(model)) return InvalidArgument("model_id: not a repo id: " + model);
      o.model_id = model;
    }
  } else {
    if (model.empty()) return InvalidArgument("give model_id (a Hub model id) or card_text");
    if (!hub::ParseModelReference(model, "https://huggingface.co") && !hub::IsValidRepoId(model))
      return InvalidArgument("model_id: not a model id or model URL: " + model);
    o.input = model;
  }
  return o;
}

void MustAdd(Registry& r, Tool t) {
  Status s = r.AddTool(std::move(t));
  (void)s;  // fixed definitions; the unit tests list every tool
}

std::vector<std::string> RunIds(const FactoryEnv& env, const std::string& prefix) {
  std::vector<std::string> out;
  auto store = env.Store();
  if (!store.ok()) return out;
  auto list = (*store)->List(200);
  if (!list.ok()) return out;
  for (const auto& r : *list)
    if (r.run_id.starts_with(prefix) && out.size() < 100) out.push_back(r.run_id);
  return out;
}

void AddTools(Registry& registry, std::shared_ptr<FactoryEnv> env) {
  MustAdd(registry,
          {{{"name", "factory_analyze_card"},
            {"description",
             "Analyse a model card (from the Hub or given as text): task, library, licence, size, "
             "recommended hardware and the blockers that stand in the way of a Space, each with "
             "its evidence line."},
            {"inputSchema", CardSchema()},
            {"annotations",
             {{"title", "Analyse a model card"}, {"readOnlyHint", true}, {"openWorldHint", true}}}},
           [env](const json& args, CallContext&) -> Result<json> {
             SF_ASSIGN_OR_RETURN(auto options, CardOptions(args));
             SF_ASSIGN_OR_RETURN(auto loaded, factory::LoadCard(options, env->deps.fs,
                                                                env->deps.env, env->deps.http));
             SF_ASSIGN_OR_RETURN(auto parsed, card::ParseCard(loaded.text));
             card::CardAnalysis a = card::AnalyzeCard(parsed, loaded.facts);
             std::string text = "model: " + (a.model_id.empty() ? options.input : a.model_id) +
                                "\ntask: " + a.task +
                                "\nhardware: " + std::string(card::HardwareName(a.hardware)) +
                                " (" + a.hardware_reason + ")\nblockers:";
             if (a.blockers.empty()) text += " none";
             for (const auto& b : a.blockers)
               text += "\n- " + std::string(card::BlockerName(b.kind)) +
                       (b.hard ? " (hard)" : " (warning)") + ": " + b.evidence;
             return ToolStructured(card::AnalysisToJson(a), text);
           }});

  json build_extra = {
      {"dry_run",
       {{"type", "boolean"},
        {"default", false},
        {"description", "Generate and check the Space files only; deploy nothing"}}},
      {"hardware",
       {{"type", "string"},
        {"enum", {"cpu-basic", "zero-a10g"}},
        {"description", "Override the recommended hardware"}}},
      {"gpu_duration",
       {{"type", "integer"},
        {"minimum", 5},
        {"maximum", 300},
        {"description", "@spaces.GPU duration in seconds"}}},
      {"fallback_hardware",
       {{"type", "string"},
        {"description", "Fixed GPU flavor to request when ZeroGPU is refused (e.g. t4-small)"}}},
      {"smoke",
       {{"type", "boolean"},
        {"default", false},
        {"description", "Call the generation endpoint once and check the output type"}}}};
  MustAdd(
      registry,
      {{{"name", "factory_build"},
        {"description",
         "Build a private Gradio Space for a model: analyse the card, generate and check the app, "
         "and (with a token, unless dry_run) create the private Space, upload, request hardware, "
         "wait for it and gate it. Sends a progress notification per step; the result is the "
         "run's honest final status with links to its report."},
        {"inputSchema", CardSchema(build_extra)},
        {"annotations",
         {{"title", "Build a private Space"},
          {"readOnlyHint", false},
          {"destructiveHint", false},
          {"idempotentHint", false},
          {"openWorldHint", true}}}},
       [env](const json& args, CallContext& ctx) -> Result<json> {
         SF_ASSIGN_OR_RETURN(auto options, CardOptions(args));
         options.dry_run = args.value("dry_run", false);
         if (args.contains("hardware"))
           options.hardware = args["hardware"] == "zero-a10g" ? card::Hardware::kZeroGpu
                                                              : card::Hardware::kCpuBasic;
         options.gpu_duration_seconds = args.value("gpu_duration", 60);
         options.fallback_hardware = args.value("fallback_hardware", "");
         options.smoke = args.value("smoke", false);
         if (!env->deps.runner) return Status(Code::kFailedPrecondition, "no process runner");
         double step = 0;
         ctx.Progress(step, std::nullopt, "loading the model card");
         SF_ASSIGN_OR_RETURN(
             auto loaded, factory::LoadCard(options, env->deps.fs, env->deps.env, env->deps.http));
         SF_ASSIGN_OR_RETURN(auto store, env->Store());
         factory::Deps deps{env->deps.fs,      env->deps.clock, env->deps.env, *store,
                            *env->deps.runner, env->deps.http,  env->Random()};
         deps.progress = [&ctx, &step](std::string_view name, std::string_view message) {
           ctx.Progress(++step, std::nullopt,
                        "[" + std::string(name) + "] " + std::string(message));
           ctx.Log(Level::kInfo, json{{"step", name}, {"message", message}}, "factory_build");
         };
         SF_ASSIGN_OR_RETURN(auto outcome, factory::Build(options, loaded, deps));
         env->notify(StateUri(outcome.run_id));
         env->notify(ReportUri(outcome.run_id));
         json summary = Summary(outcome.state);
         summary["succeeded"] = factory::IsSuccess(outcome.status);
         return RunResult(summary,
                          "Build finished: " + std::string(runs::StatusName(outcome.status)));
       }});

  json validate_schema = {
      {"type", "object"},
      {"properties",
       {{"space_id", {{"type", "string"}, {"description", "Space id owner/name"}}},
        {"url", {{"type", "string"}, {"description", "A Gradio app root URL instead of a Space"}}},
        {"endpoint",
         {{"type", "string"},
          {"description", "Endpoint to call, e.g. /generate (default: discover)"}}},
        {"repeats",
         {{"type", "integer"},
          {"minimum", 0},
          {"maximum", 10},
          {"default", 1},
          {"description", "Generation calls (0 = health/API gate only)"}}}}},
      {"additionalProperties", false}};
  MustAdd(registry,
          {{{"name", "factory_validate"},
            {"description",
             "Validate a running Gradio Space (or app URL): wait for RUNNING, check health and "
             "API, call the generation endpoint and check the output type; records a run."},
            {"inputSchema", validate_schema},
            {"annotations",
             {{"title", "Validate a Space"}, {"readOnlyHint", false}, {"openWorldHint", true}}}},
           [env](const json& args, CallContext& ctx) -> Result<json> {
             factory::ValidateOptions o;
             o.space_id = args.value("space_id", "");
             o.url = args.value("url", "");
             o.endpoint = args.value("endpoint", "");
             o.repeats = args.value("repeats", 1);
             if (o.space_id.empty() == o.url.empty())
               return InvalidArgument("give either space_id or url");
             if (!env->deps.http || !env->deps.runner)
               return Status(Code::kFailedPrecondition, "networking is disabled");
             SF_ASSIGN_OR_RETURN(auto store, env->Store());
             factory::Deps deps{env->deps.fs,      env->deps.clock, env->deps.env, *store,
                                *env->deps.runner, env->deps.http,  env->Random()};
             double step = 0;
             deps.progress = [&ctx, &step](std::string_view name, std::string_view message) {
               ctx.Progress(++step, std::nullopt,
                            "[" + std::string(name) + "] " + std::string(message));
             };
             SF_ASSIGN_OR_RETURN(auto outcome, factory::Validate(o, deps));
             env->notify(StateUri(outcome.run_id));
             return RunResult(
                 Summary(outcome.state),
                 "Validation finished: " + std::string(runs::StatusName(outcome.status)));
           }});

  json status_schema = {
      {"type", "object"},
      {"properties",
       {{"run_id",
         {{"type", "string"},
          {"description", "A run id (e.g. 20261124T031500Z-7f3a); omit to list recent runs"}}},
        {"limit",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", 100},
          {"default", 10},
          {"description", "How many recent runs to list"}}}}},
      {"additionalProperties", false}};
  MustAdd(registry,
          {{{"name", "factory_run_status"},
            {"description",
             "Status of one factory run (status, reason, Space, report link), or the most recent "
             "runs when no run_id is given."},
            {"inputSchema", status_schema},
            {"annotations",
             {{"title", "Run status"}, {"readOnlyHint", true}, {"openWorldHint", false}}}},
           [env](const json& args, CallContext&) -> Result<json> {
             SF_ASSIGN_OR_RETURN(auto store, env->Store());
             if (args.contains("run_id")) {
               std::string id = args["run_id"].get<std::string>();
               if (!IsValidRunId(id)) return InvalidArgument("not a run id: " + id);
               SF_ASSIGN_OR_RETURN(json st, store->ReadState(id));
               return RunResult(Summary(st), "Run " + id);
             }
             (void)store->MarkStaleRunsInterrupted(runs::ProcessAlive);
             SF_ASSIGN_OR_RETURN(auto list, store->List(args.value("limit", 10)));
             json runs_json = json::array();
             std::string text = list.empty() ? "No runs yet." : "Recent runs (newest first):";
             for (const auto& r : list) {
               runs_json.push_back({{"run_id", r.run_id},
                                    {"kind", r.kind},
                                    {"input", r.input},
                                    {"status", std::string(runs::StatusName(r.status))},
                                    {"created_at", r.created_at},
                                    {"simulated", r.simulated},
                                    {"report_uri", ReportUri(r.run_id)}});
               text += "\n- " + r.run_id + "  " + r.kind + "  " +
                       std::string(runs::StatusName(r.status)) + "  " + r.input;
             }
             return ToolStructured({{"runs", runs_json}}, text);
           }});
}

Result<json> ReadRunResource(const FactoryEnv& env, const std::string& uri, bool report) {
  std::map<std::string, std::string> vars;
  const char* tmpl =
      report ? "spacefactory://runs/{run_id}/report.md" : "spacefactory://runs/{run_id}/state.json";
  if (!MatchUriTemplate(tmpl, uri, &vars) || !IsValidRunId(vars["run_id"]))
    return NotFound("Resource not found: " + uri);
  SF_ASSIGN_OR_RETURN(auto store, env.Store());
  const std::string& id = vars["run_id"];
  if (!report) {
    auto st = store->ReadState(id);
    if (!st.ok())
      return NotFound("Resource not found: " + uri + " (" + st.status().message() + ")");
    return json::array({{{"uri", uri}, {"mimeType", "application/json"}, {"text", st->dump(2)}}});
  }
  auto text = env.deps.fs.ReadFile(store->RunDir(id) + "/report.md", 8u << 20);
  if (!text.ok()) return NotFound("Resource not found: " + uri + " (no report yet)");
  return json::array({{{"uri", uri}, {"mimeType", "text/markdown"}, {"text", *text}}});
}

void AddResources(Registry& registry, std::shared_ptr<FactoryEnv> env) {
  auto complete = [env](const std::string& arg, const std::string& value, const json&) {
    return arg == "run_id" ? RunIds(*env, value) : std::vector<std::string>{};
  };
  registry.AddTemplate({{{"uriTemplate", "spacefactory://runs/{run_id}/report.md"},
                         {"name", "Run report"},
                         {"description",
                          "The human report of a factory run (status, blockers "
                          "with evidence, checks, links)"},
                         {"mimeType", "text/markdown"}},
                        [env](const std::string& uri) { return ReadRunResource(*env, uri, true); },
                        complete});
  registry.AddTemplate({{{"uriTemplate", "spacefactory://runs/{run_id}/state.json"},
                         {"name", "Run state"},
                         {"description", "The current state.json of a factory run"},
                         {"mimeType", "application/json"}},
                        [env](const std::string& uri) { return ReadRunResource(*env, uri, false); },
                        complete});
  registry.AddResourceLister([env]() {
    std::vector<json> out;
    auto store = env->Store();
    if (!store.ok()) return out;
    auto list = (*store)->List(20);
    if (!list.ok()) return out;
    for (const auto& r : *list) {
      std::string what = std::string(runs::StatusName(r.status)) + " - " + r.kind + " " + r.input;
      out.push_back({{"uri", ReportUri(r.run_id)},
                     {"name", "Run " + r.run_id + " report"},
                     {"description", what},
                     {"mimeType", "text/markdown"}});
      out.push_back({{"uri", StateUri(r.run_id)},
                     {"name", "Run " + r.run_id + " state"},
                     {"description", what},
                     {"mimeType", "application/json"}});
    }
    return out;
  });
}

json UserText(std::string text) {
  return {{"role", "user"}, {"content", TextContent(std::move(text))}};
}

void AddPrompts(Registry& registry, std::shared_ptr<FactoryEnv> env) {
  registry.AddPrompt(
      {{{"name", "build_space_for_model"},
        {"title", "Build a Space for a model"},
        {"description", "Turn a Hugging Face model into a private, validated Gradio Space"},
        {"arguments",
         {{{"name", "model_id"}, {"description", "Hub model id, owner/name"}, {"required", true}},
          {{"name", "hardware"},
           {"description", "cpu-basic or zero-a10g (default: recommended by the analysis)"},
           {"required", false}}}}},
       [](const std::map<std::string, std::string>& a) -> Result<json> {
         std::string model = a.at("model_id");
         std::string hw = a.count("hardware") ? a.at("hardware") : "";
         std::string text =
             "Build a private Hugging Face Space for the model " + model +
             ".\n1. Call factory_analyze_card with model_id \"" + model +
             "\" and explain the task, the recommended hardware and every blocker with its "
             "evidence.\n2. If there is no hard blocker, call factory_build with model_id \"" +
             model + "\"" + (hw.empty() ? "" : " and hardware \"" + hw + "\"") +
             "; follow its progress.\n3. Report the final status exactly as returned (never "
             "claim the Space generates output unless the status is full_inference_success), "
             "with the Space link and the run report (factory_run_status, or the run's "
             "report.md resource).";
         return json{{"description", "Build a Space for " + model},
                     {"messages", json::array({UserText(text)})}};
       },
       nullptr});
  registry.AddPrompt(
      {{{"name", "why_did_my_space_fail"},
        {"title", "Why did my Space fail"},
        {"description", "Explain why a factory run did not reach a working Space, from its report"},
        {"arguments",
         {{{"name", "run_id"}, {"description", "The run to explain"}, {"required", true}}}}},
       [env](const std::map<std::string, std::string>& a) -> Result<json> {
         std::string id = a.at("run_id");
         if (!IsValidRunId(id)) return InvalidArgument("not a run id: " + id);
         SF_ASSIGN_OR_RETURN(auto store, env->Store());
         auto st = store->ReadState(id);
         if (!st.ok()) return InvalidArgument("unknown run " + id + ": " + st.status().message());
         auto report = env->deps.fs.ReadFile(store->RunDir(id) + "/report.md", 1u << 20);
         json embedded = {{"role", "user"},
                          {"content",
                           {{"type", "resource"},
                            {"resource",
                             {{"uri", ReportUri(id)},
                              {"mimeType", "text/markdown"},
                              {"text", report.ok() ? *report : st->dump(2)}}}}}};
         std::string ask = "The Space Factory run " + id + " ended with status \"" +
                           st->value("status", "") + "\" (reason: " + st->value("reason", "") +
                           "). Using the report above, explain in plain words why it did not "
                           "reach a working Space, point at the evidence (blockers, failed "
                           "checks, build or runtime logs), and suggest concrete next steps.";
         return json{{"description", "Why run " + id + " failed"},
                     {"messages", json::array({embedded, UserText(ask)})}};
       },
       [env](const std::string& arg, const std::string& value, const json&) {
         return arg == "run_id" ? RunIds(*env, value) : std::vector<std::string>{};
       }});
}

}  // namespace

void AddFactoryTools(Registry& registry, const ServiceDeps& deps,
                     std::function<void(const std::string& uri)> notify_updated) {
  auto env = std::make_shared<FactoryEnv>(
      FactoryEnv{deps, std::make_shared<std::mutex>(), std::move(notify_updated)});
  if (!env->notify) env->notify = [](const std::string&) {};
  AddTools(registry, env);
  AddResources(registry, env);
  AddPrompts(registry, env);
}

}  // namespace sf::mcp

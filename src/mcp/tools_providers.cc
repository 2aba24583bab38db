// provider_route_request: explains where the provider router (src/providers) would send a chat
// request for a model — which provider and key (masked), in which order and why — without calling
// anything. Registered by `spacefactory serve` (which has a gateway) through the ExtraToolsHook;
// never listed where there is no router (`spacefactory mcp`).
#include "mcp/mcp.h"
#include "providers/providers.h"

namespace sf::mcp {
namespace {

json Str() { return {{"type", "string"}}; }

}  // namespace

void AddProviderTools(Registry& registry, std::shared_ptr<const providers::Gateway> gateway) {
  json candidate = {{"type", "object"},
                    {"properties",
                     {{"provider", Str()},
                      {"key_id", Str()},
                      {"key", Str()},
                      {"upstream_model", Str()},
                      {"breaker", Str()},
                      {"reason", Str()}}},
                    {"required", {"provider", "key_id", "key", "upstream_model", "breaker"}}};
  Tool tool;
  tool.definition = {
      {"name", "provider_route_request"},
      {"title", "Explain a provider routing decision"},
      {"description",
       "Explains where the LLM gateway would send a chat completion for `model` "
       "(\"provider/model\", a bare model name or \"auto\"): the ordered provider/key "
       "candidates with their circuit breaker states, the providers skipped and why. Calls no "
       "provider. Keys are shown masked."},
      {"inputSchema",
       {{"type", "object"},
        {"properties",
         {{"model",
           {{"type", "string"},
            {"minLength", 1},
            {"maxLength", 300},
            {"description",
             "Model as a client would request it, e.g. openrouter/openai/gpt-4o"}}}}},
        {"required", {"model"}},
        {"additionalProperties", false}}},
      {"outputSchema",
       {{"type", "object"},
        {"properties",
         {{"model", Str()},
          {"explanation", Str()},
          {"candidates", {{"type", "array"}, {"items", candidate}}},
          {"skipped", {{"type", "array"}, {"items", Str()}}}}},
        {"required", {"model", "explanation", "candidates", "skipped"}}}},
      {"annotations",
       {{"title", "Explain a provider routing decision"},
        {"readOnlyHint", true},
        {"openWorldHint", false}}}};
  // Plan only reads the gateway's current snapshot (no I/O): cheap enough for the io thread.
  tool.run_inline = true;
  tool.handler = [gateway](const json& args, CallContext&) -> Result<json> {
    SF_ASSIGN_OR_RETURN(providers::RoutePlan plan,
                        gateway->Plan(json{{"model", args.at("model")}}));
    return ToolStructured(providers::RoutePlanJson(plan));
  };
  Status s = registry.AddTool(std::move(tool));
  (void)s;  // the name is fixed and valid; a duplicate (hook called twice) keeps the first
}

}  // namespace sf::mcp

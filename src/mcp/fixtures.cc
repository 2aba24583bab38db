// The conformance suite's fixtures (@modelcontextprotocol/conformance, server scenarios): test_*
// tools, test:// resources and test_* prompts. Registered only with --conformance.
#include <chrono>
#include <thread>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

// A 1x1 PNG and a tiny 8 kHz mono WAV, base64.
constexpr const char* kPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg"
    "==";
constexpr const char* kWav = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

json NoArgs() { return {{"type", "object"}, {"properties", json::object()}}; }

json StringArgs(std::initializer_list<std::pair<const char*, const char*>> args) {
  json s = {{"type", "object"}, {"properties", json::object()}, {"required", json::array()}};
  for (const auto& [name, desc] : args) {
    s["properties"][name] = {{"type", "string"}, {"description", desc}};
    s["required"].push_back(name);
  }
  return s;
}

void Add(Registry& r, const char* name, const char* description, json schema, ToolHandler h,
         bool inline_ok = false) {
  Status s = r.AddTool(
      Tool{{{"name", name}, {"description", description}, {"inputSchema", std::move(schema)}},
           std::move(h),
           inline_ok});
  (void)s;  // fixed names: cannot clash
}

json Image() { return {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}; }

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

Result<json> Elicit(CallContext& ctx, json params) {
  SF_ASSIGN_OR_RETURN(json r, ctx.RequestClient("elicitation/create", std::move(params)));
  return ToolText("Elicitation completed: action=" + r.value("action", std::string("?")) +
                  ", content=" + Serialize(r.value("content", json::object())));
}

void AddTools(Registry& r) {
  Add(
      r, "test_simple_text", "Returns a fixed text (conformance fixture)", NoArgs(),
      [](const json&, CallContext&) -> Result<json> {
        return ToolText("This is a simple text response for testing.");
      },
      true);
  Add(
      r, "test_image_content", "Returns a 1x1 PNG image (conformance fixture)", NoArgs(),
      [](const json&, CallContext&) -> Result<json> {
        return json{{"content", json::array({Image()})}};
      },
      true);
  Add(
      r, "test_audio_content", "Returns a short WAV clip (conformance fixture)", NoArgs(),
      [](const json&, CallContext&) -> Result<json> {
        return json{
            {"content",
             json::array({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}})}};
      },
      true);
  Add(
      r, "test_embedded_resource", "Returns an embedded text resource (conformance fixture)",
      NoArgs(),
      [](const json&, CallContext&) -> Result<json> {
        return json{
            {"content", json::array({{{"type", "resource"},
                                      {"resource",
                                       {{"uri", "test://embedded-resource"},
                                        {"mimeType", "text/plain"},
                                        {"text", "This is an embedded resource content."}}}}})}};
      },
      true);
  Add(
      r, "test_multiple_content_types", "Returns text, an image and a resource (fixture)", NoArgs(),
      [](const json&, CallContext&) -> Result<json> {
        return json{{"content", json::array({TextContent("Multiple content types test:"),
                                             Image(),
                                             {{"type", "resource"},
                                              {"resource",
                                               {{"uri", "test://mixed-content-resource"},
                                                {"mimeType", "application/json"},
                                                {"text", R"({"test":"data","value":123})"}}}}})}};
      },
      true);
  Add(r, "test_tool_with_logging", "Sends three log messages while it runs (fixture)", NoArgs(),
      [](const json&, CallContext& ctx) -> Result<json> {
        ctx.Log(Level::kInfo, "Tool execution started");
        Sleep(50);
        ctx.Log(Level::kInfo, "Tool processing data");
        Sleep(50);
        ctx.Log(Level::kInfo, "Tool execution completed");
        return ToolText("Tool with logging executed successfully");
      });
  Add(
      r, "test_error_handling", "Always fails with an isError result (fixture)", NoArgs(),
      [](const json&, CallContext&) -> Result<json> {
        return Status(Code::kInternal, "This tool intentionally returns an error for testing");
      },
      true);
  Add(r, "test_tool_with_progress", "Reports progress 0, 50, 100 of 100 (fixture)", NoArgs(),
      [](const json&, CallContext& ctx) -> Result<json> {
        ctx.Progress(0, 100);
        Sleep(50);
        ctx.Progress(50, 100);
        Sleep(50);
        ctx.Progress(100, 100);
        return ToolText("Tool with progress executed successfully");
      });
  Add(r, "test_sampling", "Asks the client's LLM through sampling/createMessage (fixture)",
      StringArgs({{"prompt", "The prompt to send to the LLM"}}),
      [](const json& args, CallContext& ctx) -> Result<json> {
        json params = {
            {"messages",
             json::array({{{"role", "user"},
                           {"content", TextContent(args["prompt"].get<std::string>())}}})},
            {"maxTokens", 100}};
        SF_ASSIGN_OR_RETURN(json answer, ctx.RequestClient("sampling/createMessage", params));
        std::string text;
        if (answer.contains("content") && answer["content"].is_object())
          text = answer["content"].value("text", "");
        return ToolText("LLM response: " + text);
      });
  Add(r, "test_elicitation", "Asks the user for a username and email (fixture)",
      StringArgs({{"message", "The message to show the user"}}),
      [](const json& args, CallContext& ctx) -> Result<json> {
        json schema = {{"type", "object"},
                       {"properties",
                        {{"username", {{"type", "string"}, {"description", "User's response"}}},
                         {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                       {"required", {"username", "email"}}};
        SF_ASSIGN_OR_RETURN(json answer,
                            ctx.RequestClient("elicitation/create", {{"message", args["message"]},
                                                                     {"requestedSchema", schema}}));
        return ToolText("User response: action=" + answer.value("action", std::string("?")) +
                        ", content=" + Serialize(answer.value("content", json::object())));
      });
  Add(r, "test_elicitation_sep1034_defaults", "Elicitation with default values (fixture)", NoArgs(),
      [](const json&, CallContext& ctx) -> Result<json> {
        json props = {
            {"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
            {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
            {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
            {"status",
             {{"type", "string"},
              {"description", "User status"},
              {"enum", {"active", "inactive", "pending"}},
              {"default", "active"}}},
            {"verified", {{"type", "boolean"}, {"description", "Verified"}, {"default", true}}}};
        return Elicit(ctx, {{"message", "Please review and update the form fields with defaults"},
                            {"requestedSchema", {{"type", "object"}, {"properties", props}}}});
      });
  Add(r, "test_elicitation_sep1330_enums", "Elicitation with the five enum shapes (fixture)",
      NoArgs(), [](const json&, CallContext& ctx) -> Result<json> {
        json props = {
            {"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
            {"titledSingle",
             {{"type", "string"},
              {"oneOf",
               {{{"const", "value1"}, {"title", "First Option"}},
                {{"const", "value2"}, {"title", "Second Option"}},
                {{"const", "value3"}, {"title", "Third Option"}}}}}},
            {"legacyEnum",
             {{"type", "string"},
              {"enum", {"opt1", "opt2", "opt3"}},
              {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
            {"untitledMulti",
             {{"type", "array"},
              {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
            {"titledMulti",
             {{"type", "array"},
              {"items",
               {{"anyOf",
                 {{{"const", "value1"}, {"title", "First Choice"}},
                  {{"const", "value2"}, {"title", "Second Choice"}},
                  {{"const", "value3"}, {"title", "Third Choice"}}}}}}}}};
        return Elicit(ctx, {{"message", "Please select options from the enum fields"},
                            {"requestedSchema", {{"type", "object"}, {"properties", props}}}});
      });
  json schema2020 = {
      {"$schema", "https://json-schema.org/draft/2020-12/schema"},
      {"type", "object"},
      {"$defs",
       {{"address",
         {{"type", "object"},
          {"properties", {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}}}}},
      {"properties", {{"name", {{"type", "string"}}}, {"address", {{"$ref", "#/$defs/address"}}}}},
      {"additionalProperties", false}};
  Add(
      r, "json_schema_2020_12_tool", "Keeps JSON Schema 2020-12 keywords (fixture)", schema2020,
      [](const json& args, CallContext&) -> Result<json> {
        return ToolText("Received: " + Serialize(args));
      },
      true);
}

Result<json> Text(const std::string& uri, const char* mime, std::string text) {
  return json::array({{{"uri", uri}, {"mimeType", mime}, {"text", std::move(text)}}});
}

void AddResources(Registry& r) {
  r.AddResource({{{"uri", "test://static-text"},
                  {"name", "Static Text Resource"},
                  {"description", "A static text resource for testing"},
                  {"mimeType", "text/plain"}},
                 [](const std::string& uri) {
                   return Text(uri, "text/plain",
                               "This is the content of the static text resource.");
                 }});
  r.AddResource({{{"uri", "test://static-binary"},
                  {"name", "Static Binary Resource"},
                  {"description", "A static binary resource (image) for testing"},
                  {"mimeType", "image/png"}},
                 [](const std::string& uri) -> Result<json> {
                   return json::array({{{"uri", uri}, {"mimeType", "image/png"}, {"blob", kPng}}});
                 }});
  r.AddResource(
      {{{"uri", "test://watched-resource"},
        {"name", "Watched Resource"},
        {"description", "A resource for subscription tests"},
        {"mimeType", "text/plain"}},
       [](const std::string& uri) { return Text(uri, "text/plain", "Watched resource content"); }});
  r.AddTemplate({{{"uriTemplate", "test://template/{id}/data"},
                  {"name", "Template Resource"},
                  {"description", "A resource template with an id parameter"},
                  {"mimeType", "application/json"}},
                 [](const std::string& uri) -> Result<json> {
                   std::map<std::string, std::string> vars;
                   if (!MatchUriTemplate("test://template/{id}/data", uri, &vars))
                     return NotFound("Resource not found: " + uri);
                   json body = {{"id", vars["id"]},
                                {"templateTest", true},
                                {"data", "Data for ID: " + vars["id"]}};
                   return Text(uri, "application/json", Serialize(body));
                 },
                 nullptr});
}

void AddPrompts(Registry& r) {
  auto user_text = [](std::string text) {
    return json{{"role", "user"}, {"content", TextContent(std::move(text))}};
  };
  r.AddPrompt(
      {{{"name", "test_simple_prompt"}, {"description", "A simple prompt without arguments"}},
       [user_text](const std::map<std::string, std::string>&) -> Result<json> {
         return json{
             {"messages", json::array({user_text("This is a simple prompt for testing.")})}};
       },
       nullptr});
  r.AddPrompt(
      {{{"name", "test_prompt_with_arguments"},
        {"description", "A prompt with required arguments"},
        {"arguments",
         {{{"name", "arg1"}, {"description", "First test argument"}, {"required", true}},
          {{"name", "arg2"}, {"description", "Second test argument"}, {"required", true}}}}},
       [user_text](const std::map<std::string, std::string>& a) -> Result<json> {
         return json{
             {"messages", json::array({user_text("Prompt with arguments: arg1='" + a.at("arg1") +
                                                 "', arg2='" + a.at("arg2") + "'")})}};
       },
       [](const std::string&, const std::string& value, const json&) {
         std::vector<std::string> out;
         for (const char* v : {"paris", "park", "party"})
           if (std::string_view(v).starts_with(value)) out.emplace_back(v);
         return out;
       }});
  r.AddPrompt({{{"name", "test_prompt_with_embedded_resource"},
                {"description", "A prompt with an embedded resource"},
                {"arguments",
                 {{{"name", "resourceUri"},
                   {"description", "URI of the resource to embed"},
                   {"required", true}}}}},
               [user_text](const std::map<std::string, std::string>& a) -> Result<json> {
                 json resource = {{"role", "user"},
                                  {"content",
                                   {{"type", "resource"},
                                    {"resource",
                                     {{"uri", a.at("resourceUri")},
                                      {"mimeType", "text/plain"},
                                      {"text", "Embedded resource content for testing."}}}}}};
                 return json{{"messages", json::array({resource, user_text("Please process the "
                                                                           "embedded resource "
                                                                           "above.")})}};
               },
               nullptr});
  r.AddPrompt({{{"name", "test_prompt_with_image"}, {"description", "A prompt with image content"}},
               [user_text](const std::map<std::string, std::string>&) -> Result<json> {
                 return json{{"messages", json::array({{{"role", "user"}, {"content", Image()}},
                                                       user_text("Please analyze the image "
                                                                 "above.")})}};
               },
               nullptr});
}

}  // namespace

void AddConformanceFixtures(Registry& registry) {
  AddTools(registry);
  AddResources(registry);
  AddPrompts(registry);
}

}  // namespace sf::mcp

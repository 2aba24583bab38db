// The stdio transport and the product's tool registry.
#include <gtest/gtest.h>

#include <sstream>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

std::vector<json> Lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) v.push_back(json::parse(line));
  return v;
}

std::shared_ptr<Server> FixtureServer() {
  auto reg = std::make_shared<Registry>();
  AddConformanceFixtures(*reg);
  return std::make_shared<Server>(ServerOptions{}, reg);
}

TEST(Stdio, OneLinePerMessageAndBadInputNeverStops) {
  auto server = FixtureServer();
  std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
      "\n\n   \n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\nnot json at all\n" +
      std::string(5000, 'x') + "\n" +
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_tool_with_progress","_meta":{"progressToken":"p"}}})"
      "\n"
      R"([{"jsonrpc":"2.0","id":3,"method":"ping"}])"
      "\n"
      R"({"jsonrpc":"2.0","id":4,"method":"ping"})";  // no final newline
  std::istringstream in(input);
  std::ostringstream out;
  StdioOptions o;
  o.max_line_bytes = 4096;
  EXPECT_EQ(RunStdio(*server, in, out, o), 0u);
  auto lines = Lines(out.str());
  int parse_errors = 0, too_large = 0, progress = 0, batch_refused = 0;
  std::set<int> ids;
  for (const auto& m : lines) {
    if (m.contains("id") && m["id"].is_number()) ids.insert(m["id"].get<int>());
    if (m.contains("error")) {
      std::string msg = m["error"]["message"];
      if (m["error"]["code"] == err::kParse) ++parse_errors;
      if (msg.find("exceeds") != std::string::npos) ++too_large;
      if (msg.find("batches") != std::string::npos) ++batch_refused;
    }
    if (m.value("method", "") == "notifications/progress") ++progress;
  }
  EXPECT_EQ(parse_errors, 1);
  EXPECT_EQ(too_large, 1);
  EXPECT_EQ(batch_refused, 1);
  EXPECT_EQ(progress, 3);
  EXPECT_TRUE(ids.count(1) && ids.count(2) && ids.count(4));
  for (char c : out.str().substr(0, out.str().size() - 1))
    if (c == '\n') continue;  // every line parsed above: no stray output
  server->Shutdown();
}

TEST(Service, ProductToolsHaveDescriptionsAndNoFixtures) {
  auto fs = NewRealFileSystem();
  SystemClock clock;
  MapEnv env({{"SPACE_FACTORY_STORE", ::testing::TempDir() + "/mcp-store"}});
  ServiceDeps deps{*fs, clock, env, nullptr, nullptr, nullptr, ""};
  auto server = NewService(deps, ServiceOptions{});
  std::set<std::string> names;
  for (const auto& t : server->registry().ToolDefinitions()) {
    names.insert(t["name"]);
    EXPECT_FALSE(t["description"].get<std::string>().empty()) << t.dump();
    EXPECT_EQ(t["inputSchema"]["type"], "object");
    EXPECT_EQ(t["name"].get<std::string>().rfind("test_", 0), std::string::npos);
  }
  for (const char* n :
       {"hf_whoami", "hf_search_models", "hf_search_datasets", "hf_search_spaces",
        "hf_model_details", "hf_dataset_details", "hf_space_details", "hf_create_space",
        "factory_analyze_card", "factory_build", "factory_validate", "factory_run_status"})
    EXPECT_TRUE(names.count(n)) << n;
  EXPECT_FALSE(names.count("provider_route_request"));  // only with the providers hook
  EXPECT_EQ(server->registry().PromptDefinitions().size(), 2u);
  EXPECT_EQ(server->registry().TemplateDefinitions().size(), 2u);
  server->Shutdown();

  ServiceOptions conf;
  conf.conformance = true;
  auto with = NewService(deps, conf, [](Registry& r) {
    (void)r.AddTool({{{"name", "provider_route_request"},
                      {"description", "hook"},
                      {"inputSchema", {{"type", "object"}}}},
                     [](const json&, CallContext&) -> Result<json> { return ToolText("ok"); }});
  });
  EXPECT_TRUE(with->registry().HasTool("test_simple_text"));
  EXPECT_TRUE(with->registry().HasTool("provider_route_request"));
  with->Shutdown();
}

TEST(Service, ToolErrorsAreIsErrorResults) {
  auto fs = NewRealFileSystem();
  SystemClock clock;
  MapEnv env({{"SPACE_FACTORY_STORE", ::testing::TempDir() + "/mcp-store2"}});
  ServiceDeps deps{*fs, clock, env, nullptr, nullptr, nullptr, ""};
  auto server = NewService(deps, ServiceOptions{});
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hf_whoami"}})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"factory_run_status","arguments":{"run_id":"bad id"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"factory_analyze_card","arguments":{"card_text":"---\npipeline_tag: text-generation\nlibrary_name: transformers\n---\n# tiny\n"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"spacefactory://runs/20261124T031500Z-7f3a/report.md"}})"
      "\n");
  std::ostringstream out;
  RunStdio(*server, in, out);
  std::map<int, json> by_id;
  for (auto& m : Lines(out.str()))
    if (m.contains("id")) by_id[m["id"].get<int>()] = m;
  EXPECT_EQ(by_id[2]["result"]["isError"], true);
  EXPECT_NE(by_id[2]["result"]["content"][0]["text"].get<std::string>().find("networking"),
            std::string::npos);
  EXPECT_EQ(by_id[3]["result"]["isError"], true);
  EXPECT_FALSE(by_id[4]["result"].contains("isError")) << by_id[4].dump();
  EXPECT_EQ(by_id[4]["result"]["structuredContent"]["task"], "text-generation");
  EXPECT_EQ(by_id[5]["error"]["code"], err::kResourceNotFound);
  server->Shutdown();
}

}  // namespace
}  // namespace sf::mcp

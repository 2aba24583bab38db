// Registry: tools, resources (+ templates, listers), prompts and completion lookups.
#include <algorithm>

#include "mcp/mcp.h"

namespace sf::mcp {

bool MatchUriTemplate(std::string_view tmpl, std::string_view uri,
                      std::map<std::string, std::string>* vars) {
  std::size_t t = 0, u = 0;
  std::map<std::string, std::string> found;
  while (t < tmpl.size()) {
    if (tmpl[t] == '{') {
      std::size_t close = tmpl.find('}', t);
      if (close == std::string_view::npos) return false;
      std::string name(tmpl.substr(t + 1, close - t - 1));
      std::size_t end = u;
      while (end < uri.size() && uri[end] != '/' && uri[end] != '?' && uri[end] != '#') ++end;
      // The variable stops where the template's next literal starts.
      if (close + 1 < tmpl.size()) {
        char next = tmpl[close + 1];
        std::size_t lit = uri.find(next, u);
        if (lit != std::string_view::npos && lit < end) end = lit;
      }
      if (end == u) return false;
      found[name] = std::string(uri.substr(u, end - u));
      u = end;
      t = close + 1;
      continue;
    }
    if (u >= uri.size() || uri[u] != tmpl[t]) return false;
    ++t;
    ++u;
  }
  if (u != uri.size()) return false;
  if (vars) *vars = std::move(found);
  return true;
}

namespace {

bool ValidToolName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

}  // namespace

Status Registry::AddTool(Tool tool) {
  const json& d = tool.definition;
  if (!d.is_object() || !d.contains("name") || !d["name"].is_string())
    return InvalidArgument("tool definition without a name");
  std::string name = d["name"].get<std::string>();
  if (!ValidToolName(name)) return InvalidArgument("invalid tool name: " + name);
  if (!d.contains("description") || !d["description"].is_string())
    return InvalidArgument("tool " + name + " has no description");
  if (!d.contains("inputSchema") || !d["inputSchema"].is_object() ||
      d["inputSchema"].value("type", "") != "object")
    return InvalidArgument("tool " + name + " needs an inputSchema of type object");
  if (!tool.handler) return InvalidArgument("tool " + name + " has no handler");
  if (FindTool(name)) return Status(Code::kAlreadyExists, "duplicate tool " + name);
  tool_index_.emplace(std::move(name), tools_.size());
  tools_.push_back(std::move(tool));
  return Status::Ok();
}

void Registry::AddResource(Resource resource) { resources_.push_back(std::move(resource)); }
void Registry::AddTemplate(ResourceTemplate t) { templates_.push_back(std::move(t)); }
void Registry::AddResourceLister(std::function<std::vector<json>()> lister) {
  listers_.push_back(std::move(lister));
}
void Registry::AddPrompt(Prompt prompt) { prompts_.push_back(std::move(prompt)); }

const Tool* Registry::FindTool(std::string_view name) const {
  auto it = tool_index_.find(name);
  return it == tool_index_.end() ? nullptr : &tools_[it->second];
}

const Prompt* Registry::FindPrompt(std::string_view name) const {
  for (const auto& p : prompts_)
    if (p.definition.value("name", "") == name) return &p;
  return nullptr;
}

std::vector<json> Registry::ToolDefinitions() const {
  std::vector<json> out;
  for (const auto& t : tools_) out.push_back(t.definition);
  return out;
}

std::vector<json> Registry::ResourceDefinitions() const {
  std::vector<json> out;
  for (const auto& r : resources_) out.push_back(r.definition);
  for (const auto& lister : listers_)
    for (auto& d : lister()) out.push_back(std::move(d));
  return out;
}

std::vector<json> Registry::TemplateDefinitions() const {
  std::vector<json> out;
  for (const auto& t : templates_) out.push_back(t.definition);
  return out;
}

std::vector<json> Registry::PromptDefinitions() const {
  std::vector<json> out;
  for (const auto& p : prompts_) out.push_back(p.definition);
  return out;
}

Result<json> Registry::ReadResource(const std::string& uri) const {
  for (const auto& r : resources_)
    if (r.definition.value("uri", "") == uri) return r.read(uri);
  for (const auto& t : templates_)
    if (MatchUriTemplate(t.definition.value("uriTemplate", ""), uri)) return t.read(uri);
  return NotFound("Resource not found: " + uri);
}

bool Registry::KnowsResource(const std::string& uri) const {
  for (const auto& r : resources_)
    if (r.definition.value("uri", "") == uri) return true;
  for (const auto& t : templates_)
    if (MatchUriTemplate(t.definition.value("uriTemplate", ""), uri)) return true;
  return false;
}

Result<std::vector<std::string>> Registry::Complete(const json& ref, const std::string& argument,
                                                    const std::string& value,
                                                    const json& context) const {
  std::string type = ref.value("type", "");
  if (type == "ref/prompt") {
    const Prompt* p = FindPrompt(ref.value("name", ""));
    if (!p) return InvalidArgument("Unknown prompt: " + ref.value("name", ""));
    if (!p->complete) return std::vector<std::string>{};
    return p->complete(argument, value, context);
  }
  if (type == "ref/resource") {
    std::string uri = ref.value("uri", "");
    for (const auto& t : templates_) {
      if (t.definition.value("uriTemplate", "") != uri) continue;
      if (!t.complete) return std::vector<std::string>{};
      return t.complete(argument, value, context);
    }
    for (const auto& r : resources_)
      if (r.definition.value("uri", "") == uri) return std::vector<std::string>{};
    return InvalidArgument("Unknown resource template: " + uri);
  }
  return InvalidArgument("ref.type must be \"ref/prompt\" or \"ref/resource\"");
}

}  // namespace sf::mcp

// Hugging Face Hub tools over hub::HubClient (HF_ENDPOINT / HF_TOKEN). Upstream failures come
// back as isError results with the Hub client's (scrubbed) message, never as JSON-RPC errors.
#include <algorithm>

#include "hub/hub.h"
#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

template <typename T>
json OrNull(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json ReadOnly(const char* title) {
  return {{"title", title}, {"readOnlyHint", true}, {"openWorldHint", true}};
}

json Str(const char* description) { return {{"type", "string"}, {"description", description}}; }

json RepoIdArg(const char* description) {
  return {{"type", "string"}, {"description", description}, {"minLength", 1}, {"maxLength", 200}};
}

// Runs `fn` with a Hub client, or explains why there is none.
Result<json> WithHub(const ServiceDeps& deps, std::string_view tool,
                     const std::function<Result<json>(hub::HubClient&)>& fn) {
  if (!deps.http)
    return Status(Code::kFailedPrecondition, std::string(tool) + ": networking is disabled");
  hub::HubClient client(*deps.http, hub::ConfigFromEnv(deps.env, deps.fs));
  auto r = fn(client);
  if (!r.ok()) return r.status().WithContext(std::string(tool));
  return r;
}

json SearchSchema(bool models) {
  json props = {
      {"query", Str("Text to look for in repo ids (empty: no text filter)")},
      {"author", Str("Only repos of this user or organisation")},
      {"filter",
       {{"type", "array"},
        {"items", {{"type", "string"}}},
        {"maxItems", 20},
        {"description", "Tags to filter on (e.g. \"gguf\", \"license:mit\", \"sdk:gradio\")"}}},
      {"sort",
       {{"type", "string"},
        {"enum", {"downloads", "likes", "createdAt", "lastModified", "trendingScore"}},
        {"description", "Sort order (descending)"}}},
      {"limit",
       {{"type", "integer"},
        {"minimum", 1},
        {"maximum", 100},
        {"default", 10},
        {"description", "Maximum results"}}}};
  if (models) props["pipeline_tag"] = Str("Only models of this task, e.g. text-generation");
  return {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

Result<json> Search(hub::HubClient& hub, hub::RepoType type, const json& args) {
  hub::SearchParams p;
  p.type = type;
  p.search = args.value("query", "");
  p.author = args.value("author", "");
  p.sort = args.value("sort", "");
  p.pipeline_tag = args.value("pipeline_tag", "");
  p.limit = args.value("limit", 10);
  for (const auto& f : args.value("filter", json::array()))
    p.filters.push_back(f.get<std::string>());
  SF_ASSIGN_OR_RETURN(auto found, hub.Search(p));
  json items = json::array();
  std::string text = "Found " + std::to_string(found.size()) + " " +
                     std::string(hub::RepoTypePlural(type)) +
                     (p.search.empty() ? "" : " matching \"" + p.search + "\"") + ".\n";
  for (const auto& r : found) {
    items.push_back({{"id", r.id},
                     {"downloads", OrNull(r.downloads)},
                     {"likes", OrNull(r.likes)},
                     {"pipeline_tag", OrNull(r.pipeline_tag)},
                     {"library_name", OrNull(r.library_name)},
                     {"sdk", OrNull(r.sdk)},
                     {"last_modified", OrNull(r.last_modified)},
                     {"private", r.is_private}});
    text += "- " + r.id;
    if (r.pipeline_tag) text += " (" + *r.pipeline_tag + ")";
    if (r.sdk) text += " [" + *r.sdk + "]";
    if (r.downloads) text += ", " + std::to_string(*r.downloads) + " downloads";
    if (r.likes) text += ", " + std::to_string(*r.likes) + " likes";
    text += "\n";
  }
  return ToolStructured({{"type", std::string(hub::RepoTypeName(type))}, {"results", items}}, text);
}

std::string Url(const hub::HubClient& hub, hub::RepoType type, const std::string& id) {
  return hub.config().endpoint + "/" + std::string(hub::RepoUrlPrefix(type)) + id;
}

json FileList(const std::vector<hub::RepoFile>& files, std::uint64_t* total) {
  json out = json::array();
  *total = 0;
  for (const auto& f : files) {
    if (f.size) *total += *f.size;
    if (out.size() < 100) out.push_back({{"path", f.path}, {"size", OrNull(f.size)}});
  }
  return out;
}

Result<json> RepoDetails(hub::HubClient& hub, hub::RepoType type, const std::string& id) {
  if (!hub::IsValidRepoId(id)) return InvalidArgument("not a repo id (owner/name): " + id);
  json s;
  std::uint64_t total = 0;
  if (type == hub::RepoType::kModel) {
    SF_ASSIGN_OR_RETURN(auto m, hub.GetModelInfo(id));
    s = {{"id", m.id},
         {"private", m.is_private},
         {"gated", m.gated.empty() ? json(false) : json(m.gated)},
         {"pipeline_tag", OrNull(m.pipeline_tag)},
         {"library_name", OrNull(m.library_name)},
         {"tags", m.tags},
         {"safetensors_params", OrNull(m.safetensors_params)},
         {"sha", OrNull(m.sha)},
         {"files", FileList(m.files, &total)},
         {"file_count", m.files.size()}};
    for (const char* k : {"downloads", "likes", "lastModified", "createdAt"})
      if (m.raw.is_object() && m.raw.contains(k)) s[k] = m.raw[k];
  } else {
    SF_ASSIGN_OR_RETURN(auto r, hub.GetRepoInfo(type, id));
    s = {{"id", r.id},
         {"private", r.is_private},
         {"gated", r.gated.empty() ? json(false) : json(r.gated)},
         {"sha", OrNull(r.sha)},
         {"last_modified", OrNull(r.last_modified)},
         {"files", FileList(r.files, &total)},
         {"file_count", r.files.size()}};
    if (r.sdk) s["sdk"] = *r.sdk;
    for (const char* k : {"downloads", "likes", "tags", "createdAt"})
      if (r.raw.is_object() && r.raw.contains(k)) s[k] = r.raw[k];
    if (type == hub::RepoType::kSpace) {
      auto rt = hub.GetSpaceRuntime(id);
      if (rt.ok()) {
        s["runtime"] = {{"stage", rt->stage},
                        {"hardware", OrNull(rt->hardware_current)},
                        {"requested_hardware", OrNull(rt->hardware_requested)},
                        {"error", OrNull(rt->error_message)}};
      } else {
        s["runtime"] = {{"error", rt.status().message()}};
      }
    }
  }
  s["total_file_bytes"] = total;
  s["url"] = Url(hub, type, id);
  std::string text = "# " + id + " (" + std::string(hub::RepoTypeName(type)) + ")\n" +
                     "URL: " + s["url"].get<std::string>() + "\n" +
                     (s["private"].get<bool>() ? "private\n" : "public\n");
  if (s.contains("pipeline_tag") && !s["pipeline_tag"].is_null())
    text += "task: " + s["pipeline_tag"].get<std::string>() + "\n";
  if (s.contains("sdk")) text += "sdk: " + s["sdk"].get<std::string>() + "\n";
  if (s.contains("runtime") && s["runtime"].contains("stage"))
    text += "runtime: " + s["runtime"]["stage"].get<std::string>() + "\n";
  text += std::to_string(s["file_count"].get<std::size_t>()) + " files, " + std::to_string(total) +
          " bytes\n";
  return ToolStructured(std::move(s), text);
}

void MustAdd(Registry& r, Tool t) {
  Status s = r.AddTool(std::move(t));
  (void)s;  // fixed definitions: a failure here is a programming error caught by the unit tests
}

}  // namespace

void AddHubTools(Registry& registry, const ServiceDeps& deps) {
  MustAdd(registry,
          {{{"name", "hf_whoami"},
            {"description",
             "Who the configured Hugging Face token belongs to: user name, organisations and the "
             "token's role. Errors when no token is configured."},
            {"inputSchema", {{"type", "object"}, {"additionalProperties", false}}},
            {"annotations", ReadOnly("Hugging Face: who am I")}},
           [deps](const json&, CallContext&) {
             return WithHub(deps, "hf_whoami", [](hub::HubClient& hub) -> Result<json> {
               SF_ASSIGN_OR_RETURN(auto me, hub.Whoami());
               json s = {{"name", me.name},
                         {"fullname", me.fullname},
                         {"type", me.type},
                         {"orgs", me.orgs},
                         {"is_pro", me.is_pro},
                         {"token", {{"name", me.token_name}, {"role", me.token_role}}},
                         {"endpoint", hub.config().endpoint}};
               std::string orgs;
               for (const auto& o : me.orgs) orgs += (orgs.empty() ? "" : ", ") + o;
               return ToolStructured(s, "Logged in to " + hub.config().endpoint + " as " + me.name +
                                            " (token role: " + me.token_role +
                                            "); organisations: " + (orgs.empty() ? "none" : orgs));
             });
           }});
  struct SearchTool {
    const char* name;
    hub::RepoType type;
    const char* description;
    const char* title;
  };
  for (const SearchTool& t : {
           SearchTool{"hf_search_models", hub::RepoType::kModel,
                      "Search Hugging Face models by text, author, task (pipeline_tag) and tags; "
                      "returns ids with task, downloads and likes.",
                      "Search models"},
           SearchTool{"hf_search_datasets", hub::RepoType::kDataset,
                      "Search Hugging Face datasets by text, author and tags; returns ids with "
                      "downloads and likes.",
                      "Search datasets"},
           SearchTool{"hf_search_spaces", hub::RepoType::kSpace,
                      "Search Hugging Face Spaces by text, author and tags (e.g. sdk:gradio); "
                      "returns ids with SDK and likes.",
                      "Search Spaces"},
       }) {
    hub::RepoType type = t.type;
    std::string name = t.name;
    MustAdd(registry, {{{"name", t.name},
                        {"description", t.description},
                        {"inputSchema", SearchSchema(type == hub::RepoType::kModel)},
                        {"annotations", ReadOnly(t.title)}},
                       [deps, type, name](const json& args, CallContext&) {
                         return WithHub(deps, name, [&](hub::HubClient& hub) {
                           return Search(hub, type, args);
                         });
                       }});
  }
  struct DetailTool {
    const char* name;
    hub::RepoType type;
    const char* arg;
    const char* description;
    const char* title;
  };
  for (const DetailTool& t : {
           DetailTool{"hf_model_details", hub::RepoType::kModel, "model_id",
                      "Details of one model: task, library, tags, gating, parameter count, files "
                      "and their sizes.",
                      "Model details"},
           DetailTool{"hf_dataset_details", hub::RepoType::kDataset, "dataset_id",
                      "Details of one dataset: tags, gating, files and their sizes.",
                      "Dataset details"},
           DetailTool{"hf_space_details", hub::RepoType::kSpace, "space_id",
                      "Details of one Space: SDK, runtime stage and hardware, files.",
                      "Space details"},
       }) {
    hub::RepoType type = t.type;
    std::string name = t.name, arg = t.arg;
    json schema = {{"type", "object"},
                   {"properties", {{arg, RepoIdArg("Repo id, owner/name")}}},
                   {"required", {arg}},
                   {"additionalProperties", false}};
    MustAdd(registry, {{{"name", t.name},
                        {"description", t.description},
                        {"inputSchema", schema},
                        {"annotations", ReadOnly(t.title)}},
                       [deps, type, name, arg](const json& args, CallContext&) {
                         return WithHub(deps, name, [&](hub::HubClient& hub) {
                           return RepoDetails(hub, type, args[arg].get<std::string>());
                         });
                       }});
  }
  json create_schema = {
      {"type", "object"},
      {"properties",
       {{"name", RepoIdArg("Space id: owner/name, or a bare name in the token's namespace")},
        {"sdk",
         {{"type", "string"},
          {"enum", {"gradio", "static", "docker"}},
          {"default", "gradio"},
          {"description", "Space SDK"}}},
        {"hardware",
         {{"type", "string"}, {"description", "Hardware flavor at creation, e.g. cpu-basic"}}}}},
      {"required", {"name"}},
      {"additionalProperties", false}};
  MustAdd(
      registry,
      {{{"name", "hf_create_space"},
        {"description",
         "Create a new, always private, Hugging Face Space (gradio, static or docker). Fails "
         "when the Space already exists."},
        {"inputSchema", create_schema},
        {"annotations",
         {{"title", "Create a private Space"},
          {"readOnlyHint", false},
          {"destructiveHint", false},
          {"idempotentHint", false},
          {"openWorldHint", true}}}},
       [deps](const json& args, CallContext&) {
         return WithHub(deps, "hf_create_space", [&](hub::HubClient& hub) -> Result<json> {
           hub::CreateRepoOptions o;
           o.type = hub::RepoType::kSpace;
           o.repo_id = args["name"].get<std::string>();
           o.is_private = true;  // never public, whatever the caller asks
           o.sdk = args.value("sdk", "gradio");
           if (args.contains("hardware")) o.hardware = args["hardware"].get<std::string>();
           hub::RepoConflict conflict;
           auto created = hub.CreateRepo(o, &conflict);
           if (!created.ok()) {
             if (created.status().code() == Code::kAlreadyExists)
               return Status(
                   Code::kAlreadyExists,
                   "the Space already exists" + (conflict.url.empty() ? "" : ": " + conflict.url));
             return created.status();
           }
           return ToolStructured({{"repo_id", created->repo_id},
                                  {"url", created->url},
                                  {"private", true},
                                  {"sdk", o.sdk}},
                                 "Created private Space " + created->repo_id + ": " + created->url);
         });
       }});
}

}  // namespace sf::mcp

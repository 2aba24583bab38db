#include "hub/hub.h"

namespace sf::hub {
namespace {

bool IsRepoNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool IsValidRepoPart(std::string_view part) {
  if (part.empty() || part.size() > 96) return false;
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.')
    return false;
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos)
    return false;
  for (char c : part)
    if (!IsRepoNameChar(c)) return false;
  return true;
}

// Percent-encodes a path, keeping '/'.
std::string QuotePath(std::string_view path) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : path) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string HubErrorMessage(const http::Response& r) {
  if (auto m = http::FindHeader(r.headers, "X-Error-Message")) return *m;
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_object()) {
    if (body.contains("error") && body["error"].is_string()) return body["error"];
    if (body.contains("error")) return body["error"].dump();
    if (body.contains("errors") && body["errors"].is_array() && !body["errors"].empty() &&
        body["errors"][0].contains("message") && body["errors"][0]["message"].is_string())
      return body["errors"][0]["message"];
  }
  std::string text = r.body.substr(0, 200);
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

HubConfig ConfigFromEnv(const Env& env, const FileSystem& fs) {
  HubConfig config;
  if (auto e = env.Get("HF_ENDPOINT"); e && !e->empty()) {
    config.endpoint = *e;
    while (!config.endpoint.empty() && config.endpoint.back() == '/') config.endpoint.pop_back();
  }
  if (auto t = env.Get("HF_TOKEN"); t && !t->empty()) {
    config.token = *t;
    return config;
  }
  std::string token_file;
  if (auto home = env.Get("HF_HOME"); home && !home->empty()) {
    token_file = *home + "/token";
  } else if (auto h = env.Get("HOME"); h && !h->empty()) {
    token_file = *h + "/.cache/huggingface/token";
  }
  if (!token_file.empty()) {
    if (auto text = fs.ReadFile(token_file, 4096); text.ok()) {
      std::string t = *text;
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      if (!t.empty()) config.token = t;
    }
  }
  return config;
}

bool IsValidRepoId(std::string_view id) {
  auto slash = id.find('/');
  if (slash == std::string_view::npos) return IsValidRepoPart(id);
  return IsValidRepoPart(id.substr(0, slash)) && IsValidRepoPart(id.substr(slash + 1));
}

std::optional<std::string> ParseModelReference(std::string_view input, std::string_view endpoint) {
  std::string_view rest = input;
  for (std::string_view prefix : {endpoint, std::string_view("https://huggingface.co"),
                                  std::string_view("http://huggingface.co"),
                                  std::string_view("https://hf.co")}) {
    if (!prefix.empty() && rest.substr(0, prefix.size()) == prefix &&
        rest.size() > prefix.size() && rest[prefix.size()] == '/') {
      rest.remove_prefix(prefix.size() + 1);
      // owner/name[/tree/main/...]: keep the first two segments.
      auto first = rest.find('/');
      if (first == std::string_view::npos) break;
      auto second = rest.find_first_of("/?#", first + 1);
      rest = rest.substr(0, second);
      break;
    }
  }
  if (rest.find('/') == std::string_view::npos) return std::nullopt;  // bare names are too ambiguous
  if (!IsValidRepoId(rest)) return std::nullopt;
  return std::string(rest);
}

Status StatusFromResponse(const http::Response& r, std::string_view what) {
  std::string code = http::FindHeader(r.headers, "X-Error-Code").value_or("");
  std::string msg = HubErrorMessage(r);
  std::string prefix = std::string(what) + ": HTTP " + std::to_string(r.status);
  std::string detail = msg.empty() ? prefix : prefix + ": " + msg;
  if (code == "GatedRepo")
    return Status(Code::kPermissionDenied, std::string(what) + " is gated: " + msg);
  if (code == "RepoNotFound" ||
      (r.status == 401 && msg != "Invalid credentials in Authorization header" && code.empty()))
    return Status(Code::kNotFound, std::string(what) +
                                       " not found (it does not exist, or it is private and the "
                                       "token has no access)");
  if (code == "EntryNotFound" || code == "RevisionNotFound") return Status(Code::kNotFound, detail);
  if (r.status == 401) return Status(Code::kPermissionDenied, detail + " (check HF_TOKEN)");
  if (r.status == 403) return Status(Code::kPermissionDenied, detail);
  if (r.status == 404) return Status(Code::kNotFound, detail);
  if (r.status == 409) return Status(Code::kAlreadyExists, detail);
  if (r.status == 400 || r.status == 422) return Status(Code::kInvalidArgument, detail);
  return Status(Code::kRemote, detail);
}

HubClient::HubClient(http::HttpClient& http, HubConfig config)
    : http_(http), config_(std::move(config)) {}

http::Request HubClient::Authorized(std::string method, std::string url) const {
  http::Request req;
  req.method = std::move(method);
  req.url = std::move(url);
  if (config_.token) req.headers.emplace_back("Authorization", "Bearer " + *config_.token);
  return req;
}

Result<ModelInfo> HubClient::GetModelInfo(const std::string& model_id) {
  if (!IsValidRepoId(model_id)) return InvalidArgument("invalid model id \"" + model_id + "\"");
  std::string what = "model " + model_id;
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      http_.Send(Authorized("GET", config_.endpoint + "/api/models/" + model_id + "?blobs=true")));
  if (r.status != 200) return StatusFromResponse(r, what);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) return Status(Code::kRemote, what + ": the Hub answered with invalid JSON");
  ModelInfo info;
  info.id = j.value("id", model_id);
  info.is_private = j.value("private", false);
  if (j.contains("gated") && j["gated"].is_string()) info.gated = j["gated"];
  if (j.contains("pipeline_tag") && j["pipeline_tag"].is_string()) info.pipeline_tag = j["pipeline_tag"];
  if (j.contains("library_name") && j["library_name"].is_string())
    info.library_name = j["library_name"];
  if (j.contains("tags") && j["tags"].is_array())
    for (const auto& t : j["tags"])
      if (t.is_string()) info.tags.push_back(t);
  if (j.contains("siblings") && j["siblings"].is_array()) {
    for (const auto& s : j["siblings"]) {
      if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) continue;
      RepoFile f{s["rfilename"], std::nullopt};
      if (s.contains("size") && s["size"].is_number_unsigned()) f.size = s["size"];
      if (s.contains("lfs") && s["lfs"].is_object() && s["lfs"].contains("size") &&
          s["lfs"]["size"].is_number_unsigned())
        f.size = s["lfs"]["size"];
      info.files.push_back(std::move(f));
    }
  }
  if (j.contains("safetensors") && j["safetensors"].is_object() &&
      j["safetensors"].contains("total") && j["safetensors"]["total"].is_number_unsigned())
    info.safetensors_params = j["safetensors"]["total"];
  info.raw = std::move(j);
  return info;
}

Result<std::string> HubClient::DownloadFile(const std::string& repo_id, const std::string& path,
                                            const std::string& revision, std::uint64_t max_bytes) {
  std::string what = repo_id + "/" + path;
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      http_.Send(Authorized("GET", config_.endpoint + "/" + repo_id + "/resolve/" +
                                       QuotePath(revision) + "/" + QuotePath(path))));
  if (r.status != 200) return StatusFromResponse(r, what);
  if (r.body.size() > max_bytes)
    return InvalidArgument(what + " is too large (" + std::to_string(r.body.size()) + " bytes)");
  return std::move(r.body);
}

}  // namespace sf::hub

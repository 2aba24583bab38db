// hub.cc: configuration, ids, error mapping, shared plumbing, whoami, search, repo info, downloads.
#include "hub/hub.h"

#include <algorithm>
#include <cctype>

#include "hub/internal.h"

namespace sf::hub {
namespace internal {

std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::pair<std::string, std::string> SplitRepoId(std::string_view id) {
  auto slash = id.find('/');
  if (slash == std::string_view::npos) return {"", std::string(id)};
  return {std::string(id.substr(0, slash)), std::string(id.substr(slash + 1))};
}

std::string ScrubSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.size() < 4) continue;
    std::size_t pos = 0;
    while ((pos = text.find(s, pos)) != std::string::npos) {
      text.replace(pos, s.size(), "[REDACTED]");
      pos += 10;
    }
  }
  return text;
}

std::optional<std::string> GetString(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> GetInt(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

bool GetBool(const nlohmann::json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end() || !it->is_boolean()) return fallback;
  return it->get<bool>();
}

std::string Origin(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  auto host_end = url.find_first_of("/?#", scheme_end + 3);
  std::string origin(url.substr(0, host_end));
  std::transform(origin.begin(), origin.end(), origin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

std::vector<RepoFile> ParseSiblings(const nlohmann::json& j) {
  std::vector<RepoFile> files;
  if (!j.is_object() || !j.contains("siblings") || !j["siblings"].is_array()) return files;
  for (const auto& s : j["siblings"]) {
    auto name = GetString(s, "rfilename");
    if (!name) continue;
    RepoFile f{*name, std::nullopt, std::nullopt};
    if (s.contains("size") && s["size"].is_number_unsigned()) f.size = s["size"];
    if (s.contains("lfs") && s["lfs"].is_object()) {
      const auto& lfs = s["lfs"];
      if (lfs.contains("size") && lfs["size"].is_number_unsigned()) f.size = lfs["size"];
      f.lfs_sha256 = GetString(lfs, "sha256");
    }
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace internal

using internal::GetString;

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

std::string OneLine(std::string text, std::size_t max) {
  if (text.size() > max) text = text.substr(0, max) + "…";
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return text;
}

std::string HubErrorMessage(const http::Response& r) {
  if (auto m = http::FindHeader(r.headers, "X-Error-Message")) return OneLine(*m, 500);
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_object()) {
    std::string msg;
    if (auto e = GetString(body, "error")) {
      msg = *e;
    } else if (body.contains("error")) {
      msg = body["error"].dump();
    } else if (body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
      msg = GetString(body["errors"][0], "message").value_or(body["errors"][0].dump());
    } else if (auto m = GetString(body, "message")) {
      msg = *m;
    }
    if (auto d = GetString(body, "error_description")) msg += (msg.empty() ? "" : ": ") + *d;
    if (!msg.empty()) return OneLine(msg, 500);
  }
  return OneLine(r.body, 200);
}

RepoSummary ParseSummary(const nlohmann::json& j) {
  RepoSummary s;
  s.id = GetString(j, "id").value_or(GetString(j, "modelId").value_or(""));
  s.downloads = internal::GetInt(j, "downloads");
  s.likes = internal::GetInt(j, "likes");
  s.pipeline_tag = GetString(j, "pipeline_tag");
  s.library_name = GetString(j, "library_name");
  s.sdk = GetString(j, "sdk");
  s.last_modified = GetString(j, "lastModified");
  s.created_at = GetString(j, "createdAt");
  s.is_private = internal::GetBool(j, "private");
  s.raw = j;
  return s;
}

}  // namespace

std::string_view RepoTypeName(RepoType type) {
  switch (type) {
    case RepoType::kModel:
      return "model";
    case RepoType::kDataset:
      return "dataset";
    case RepoType::kSpace:
      return "space";
  }
  return "model";
}

std::string_view RepoTypePlural(RepoType type) {
  switch (type) {
    case RepoType::kModel:
      return "models";
    case RepoType::kDataset:
      return "datasets";
    case RepoType::kSpace:
      return "spaces";
  }
  return "models";
}

std::string_view RepoUrlPrefix(RepoType type) {
  switch (type) {
    case RepoType::kModel:
      return "";
    case RepoType::kDataset:
      return "datasets/";
    case RepoType::kSpace:
      return "spaces/";
  }
  return "";
}

std::optional<RepoType> ParseRepoType(std::string_view text) {
  if (text == "model" || text == "models") return RepoType::kModel;
  if (text == "dataset" || text == "datasets") return RepoType::kDataset;
  if (text == "space" || text == "spaces") return RepoType::kSpace;
  return std::nullopt;
}

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
  for (std::string_view prefix :
       {endpoint, std::string_view("https://huggingface.co"),
        std::string_view("http://huggingface.co"), std::string_view("https://hf.co")}) {
    if (!prefix.empty() && rest.substr(0, prefix.size()) == prefix && rest.size() > prefix.size() &&
        rest[prefix.size()] == '/') {
      rest.remove_prefix(prefix.size() + 1);
      // owner/name[/tree/main/...]: keep the first two segments.
      auto first = rest.find('/');
      if (first == std::string_view::npos) break;
      auto second = rest.find_first_of("/?#", first + 1);
      rest = rest.substr(0, second);
      break;
    }
  }
  if (rest.find('/') == std::string_view::npos)
    return std::nullopt;  // bare names are too ambiguous
  if (!IsValidRepoId(rest)) return std::nullopt;
  return std::string(rest);
}

Status StatusFromResponse(const http::Response& r, std::string_view what_view) {
  const std::string what(what_view);
  std::string code = http::FindHeader(r.headers, "X-Error-Code").value_or("");
  std::string msg = HubErrorMessage(r);
  std::string prefix = what + ": HTTP " + std::to_string(r.status);
  std::string detail = msg.empty() ? prefix : prefix + ": " + msg;
  if (code == "GatedRepo") {
    if (r.status == 401)
      return Status(Code::kPermissionDenied,
                    what + " is gated: log in (set HF_TOKEN) and request access: " + msg);
    return Status(Code::kPermissionDenied,
                  what + " is gated and this account is not (yet) approved: " + msg);
  }
  const bool invalid_token = msg.find("Invalid credentials") != std::string::npos ||
                             msg.find("invalid credentials") != std::string::npos;
  if (r.status == 401 && invalid_token)
    return Status(Code::kPermissionDenied, what + ": the token is invalid or expired (HTTP 401: " +
                                               msg + "); check HF_TOKEN");
  if (code == "RepoNotFound" || (r.status == 401 && code.empty()))
    return Status(Code::kNotFound, what +
                                       " not found (it does not exist, or it is private and the "
                                       "token has no access" +
                                       (r.status == 401 ? "; no token or not accepted)" : ")"));
  if (code == "RevisionNotFound")
    return Status(Code::kNotFound, what + ": revision not found: " + msg);
  if (code == "EntryNotFound") return Status(Code::kNotFound, what + ": file not found: " + msg);
  if (r.status == 401) return Status(Code::kPermissionDenied, detail + " (check HF_TOKEN)");
  if (r.status == 402)
    return Status(Code::kFailedPrecondition, what + ": payment required (HTTP 402): " + msg);
  if (r.status == 403) {
    if (msg.find("disabled") != std::string::npos)
      return Status(Code::kPermissionDenied, what + " is disabled on the Hub: " + msg);
    return Status(Code::kPermissionDenied, detail);
  }
  if (r.status == 404) return Status(Code::kNotFound, detail);
  if (r.status == 409) return Status(Code::kAlreadyExists, detail);
  if (r.status == 412)
    return Status(Code::kFailedPrecondition,
                  what + ": the branch moved since the parent commit (HTTP 412): " + msg);
  if (r.status == 400 || r.status == 422) return Status(Code::kInvalidArgument, detail);
  if (r.status == 429) {
    std::string wait;
    if (auto w = http::ServerRequestedWait(r.status, r.headers, std::chrono::system_clock::now()))
      wait = " (retry in " + std::to_string((w->count() + 999) / 1000) + " s)";
    return Status(Code::kUnavailable,
                  what + ": rate limited by the Hub" + wait + (msg.empty() ? "" : ": " + msg));
  }
  return Status(Code::kRemote, detail);
}

// ---------------------------------------------------------------------------------------------

HubClient::HubClient(http::HttpClient& http, HubConfig config)
    : http_(http), config_(std::move(config)) {}

http::Request HubClient::Authorized(std::string method, std::string url) const {
  http::Request req;
  req.method = std::move(method);
  req.url = std::move(url);
  if (config_.token) req.headers.emplace_back("Authorization", "Bearer " + *config_.token);
  return req;
}

http::Request HubClient::JsonRequest(std::string method, std::string url,
                                     const nlohmann::json& body) const {
  http::Request req = Authorized(std::move(method), std::move(url));
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.dump();
  return req;
}

Status HubClient::Scrub(Status status, const std::vector<std::string>& extra_secrets) const {
  if (status.ok()) return status;
  std::vector<std::string> secrets = extra_secrets;
  if (config_.token) secrets.push_back(*config_.token);
  return Status(status.code(), internal::ScrubSecrets(status.message(), secrets));
}

Result<http::Response> HubClient::Call(const http::Request& request, std::string_view what,
                                       const std::vector<std::string>& extra_secrets) {
  auto r = http_.Send(request);
  if (!r.ok()) return Scrub(r.status().WithContext(what), extra_secrets);
  if (r->status < 200 || r->status >= 300)
    return Scrub(StatusFromResponse(*r, what), extra_secrets);
  return std::move(r).value();
}

Result<std::string> HubClient::ResolveNamespace(const std::string& ns) {
  if (!ns.empty()) return ns;
  SF_ASSIGN_OR_RETURN(WhoAmI me, Whoami());
  return me.name;
}

Result<WhoAmI> HubClient::Whoami() {
  {
    std::lock_guard<std::mutex> lock(whoami_mu_);
    if (whoami_) return *whoami_;
  }
  if (!config_.token)
    return Status(Code::kPermissionDenied,
                  "whoami: no Hugging Face token (set HF_TOKEN or log in with `hf auth login`)");
  SF_ASSIGN_OR_RETURN(http::Response r,
                      Call(Authorized("GET", config_.endpoint + "/api/whoami-v2"), "whoami"));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !GetString(j, "name"))
    return Status(Code::kRemote, "whoami: the Hub answered with unexpected JSON");
  WhoAmI me;
  me.type = GetString(j, "type").value_or("user");
  me.simulator = http::FindHeader(r.headers, "X-Spacefactory-Simulator").value_or("") == "1";
  me.name = *GetString(j, "name");
  me.fullname = GetString(j, "fullname").value_or("");
  me.email = GetString(j, "email");
  me.can_pay = internal::GetBool(j, "canPay");
  me.is_pro = internal::GetBool(j, "isPro");
  if (j.contains("orgs") && j["orgs"].is_array())
    for (const auto& o : j["orgs"])
      if (auto n = GetString(o, "name")) me.orgs.push_back(*n);
  if (j.contains("auth") && j["auth"].is_object() && j["auth"].contains("accessToken")) {
    const auto& at = j["auth"]["accessToken"];
    me.token_name = GetString(at, "displayName").value_or("");
    me.token_role = GetString(at, "role").value_or("");
  }
  me.raw = std::move(j);
  std::lock_guard<std::mutex> lock(whoami_mu_);
  whoami_ = me;
  return me;
}

std::optional<std::string> NextLinkFromHeader(std::string_view header) {
  // link-value = "<" URI ">" *( ";" link-param ); several values separated by ",". A URI may
  // itself contain ',' so split on "<" … ">" first.
  std::size_t pos = 0;
  while (true) {
    auto lt = header.find('<', pos);
    if (lt == std::string_view::npos) return std::nullopt;
    auto gt = header.find('>', lt + 1);
    if (gt == std::string_view::npos) return std::nullopt;
    std::string_view uri = header.substr(lt + 1, gt - lt - 1);
    auto next_lt = header.find('<', gt + 1);
    std::string_view params = header.substr(
        gt + 1, next_lt == std::string_view::npos ? std::string_view::npos : next_lt - gt - 1);
    std::string lower(params);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    lower.erase(
        std::remove_if(lower.begin(), lower.end(), [](char c) { return c == ' ' || c == '\t'; }),
        lower.end());
    // rel may hold several space-separated types: rel="next last".
    auto rel = lower.find("rel=");
    if (rel != std::string::npos) {
      std::string value = lower.substr(rel + 4);
      if (!value.empty() && value.front() == '"') value.erase(0, 1);
      auto end = value.find_first_of("\";,");
      value = value.substr(0, end);
      if (value == "next" || value.rfind("next", 0) == 0) return std::string(uri);
    }
    if (next_lt == std::string_view::npos) return std::nullopt;
    pos = next_lt;
  }
}

Result<std::vector<RepoSummary>> HubClient::Search(const SearchParams& p) {
  std::string what = std::string("search ") + std::string(RepoTypePlural(p.type));
  if (p.full && !p.expand.empty())
    return InvalidArgument(what + ": `full` and `expand` cannot be combined");
  std::size_t page =
      p.page_size != 0 ? p.page_size : (p.limit == 0 ? 500 : std::min<std::size_t>(p.limit, 500));
  std::vector<std::pair<std::string, std::string>> q;
  if (!p.search.empty()) q.emplace_back("search", p.search);
  if (!p.author.empty()) q.emplace_back("author", p.author);
  for (const auto& f : p.filters) q.emplace_back("filter", f);
  if (!p.pipeline_tag.empty()) q.emplace_back("pipeline_tag", p.pipeline_tag);
  if (!p.sort.empty()) q.emplace_back("sort", p.sort);
  if (p.direction) q.emplace_back("direction", std::to_string(*p.direction));
  q.emplace_back("limit", std::to_string(page));
  if (p.full) q.emplace_back("full", "true");
  for (const auto& e : p.expand) q.emplace_back("expand", e);
  std::string url = config_.endpoint + "/api/" + std::string(RepoTypePlural(p.type));
  for (std::size_t i = 0; i < q.size(); ++i)
    url += (i == 0 ? "?" : "&") + q[i].first + "=" + internal::PercentEncode(q[i].second, false);

  const std::string own_origin = internal::Origin(config_.endpoint);
  std::vector<RepoSummary> out;
  constexpr int kMaxPages = 10'000;  // a server that loops forever cannot hang us
  for (int pages = 0; pages < kMaxPages; ++pages) {
    // The token goes only to the configured endpoint, never to a host named by a Link header.
    http::Request req;
    if (internal::Origin(url) == own_origin) {
      req = Authorized("GET", url);
    } else {
      req.url = url;
    }
    req.headers.emplace_back("Accept", "application/json");
    SF_ASSIGN_OR_RETURN(http::Response r, Call(req, what));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_array())
      return Status(Code::kRemote, what + ": the Hub answered with non-array JSON");
    for (const auto& item : j) {
      if (!item.is_object()) continue;
      out.push_back(ParseSummary(item));
      if (p.limit != 0 && out.size() >= p.limit) return out;
    }
    auto link = http::FindHeader(r.headers, "Link");
    if (!link) return out;
    auto next = NextLinkFromHeader(*link);
    if (!next || next->empty()) return out;
    if ((*next)[0] == '/') {
      url = own_origin + *next;
    } else if (internal::Origin(*next).empty()) {
      return Status(Code::kRemote, what + ": unusable pagination link");
    } else {
      url = *next;
    }
  }
  return out;
}

Result<ModelInfo> HubClient::GetModelInfo(const std::string& model_id) {
  if (!IsValidRepoId(model_id)) return InvalidArgument("invalid model id \"" + model_id + "\"");
  std::string what = "model " + model_id;
  SF_ASSIGN_OR_RETURN(
      http::Response r,
      Call(Authorized("GET", config_.endpoint + "/api/models/" + model_id + "?blobs=true"), what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) return Status(Code::kRemote, what + ": the Hub answered with invalid JSON");
  ModelInfo info;
  info.id = j.value("id", model_id);
  info.is_private = internal::GetBool(j, "private");
  if (auto g = GetString(j, "gated")) info.gated = *g;
  info.pipeline_tag = GetString(j, "pipeline_tag");
  info.library_name = GetString(j, "library_name");
  info.sha = GetString(j, "sha");
  if (j.contains("tags") && j["tags"].is_array())
    for (const auto& t : j["tags"])
      if (t.is_string()) info.tags.push_back(t);
  info.files = internal::ParseSiblings(j);
  if (j.contains("safetensors") && j["safetensors"].is_object() &&
      j["safetensors"].contains("total") && j["safetensors"]["total"].is_number_unsigned())
    info.safetensors_params = j["safetensors"]["total"];
  info.raw = std::move(j);
  return info;
}

Result<RepoInfo> HubClient::GetRepoInfo(RepoType type, const std::string& repo_id,
                                        const std::string& revision) {
  std::string what = std::string(RepoTypeName(type)) + " " + repo_id;
  if (!IsValidRepoId(repo_id)) return InvalidArgument("invalid repo id \"" + repo_id + "\"");
  std::string url = config_.endpoint + "/api/" + std::string(RepoTypePlural(type)) + "/" + repo_id;
  if (!revision.empty()) url += "/revision/" + internal::EncodeRevision(revision);
  url += "?blobs=true";
  SF_ASSIGN_OR_RETURN(http::Response r, Call(Authorized("GET", url), what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) return Status(Code::kRemote, what + ": the Hub answered with invalid JSON");
  RepoInfo info;
  info.type = type;
  info.id = GetString(j, "id").value_or(repo_id);
  info.is_private = internal::GetBool(j, "private");
  if (auto g = GetString(j, "gated")) info.gated = *g;
  info.sha = GetString(j, "sha");
  info.sdk = GetString(j, "sdk");
  info.last_modified = GetString(j, "lastModified");
  info.files = internal::ParseSiblings(j);
  info.raw = std::move(j);
  return info;
}

Result<std::string> HubClient::DownloadFile(const std::string& repo_id, const std::string& path,
                                            const std::string& revision, std::uint64_t max_bytes) {
  return DownloadFile(RepoType::kModel, repo_id, path, revision, max_bytes);
}

Result<std::string> HubClient::DownloadFile(RepoType type, const std::string& repo_id,
                                            const std::string& path, const std::string& revision,
                                            std::uint64_t max_bytes) {
  std::string what = repo_id + "/" + path;
  if (!IsValidRepoId(repo_id)) return InvalidArgument("invalid repo id \"" + repo_id + "\"");
  http::Request req = Authorized(
      "GET", config_.endpoint + "/" + std::string(RepoUrlPrefix(type)) + repo_id + "/resolve/" +
                 internal::EncodeRevision(revision) + "/" + internal::EncodePath(path));
  // Stream so an oversized file is refused without buffering all of it.
  http::Response head;
  std::string body;
  bool too_large = false;
  auto r = http_.Stream(
      req,
      [&](int status, const http::Headers& headers) {
        head.status = status;
        head.headers = headers;
        return true;
      },
      [&](std::string_view chunk) {
        if (body.size() + chunk.size() > max_bytes && head.status >= 200 && head.status < 300) {
          too_large = true;
          return false;
        }
        if (body.size() < max_bytes + (64u << 10)) body.append(chunk);
        return true;
      });
  if (too_large)
    return InvalidArgument(what + " is too large (more than " + std::to_string(max_bytes) +
                           " bytes)");
  if (!r.ok()) return Scrub(r.status().WithContext(what));
  if (head.status == 0) head.status = r->status;
  if (head.status < 200 || head.status >= 300) {
    head.body = std::move(body);
    return Scrub(StatusFromResponse(head, what));
  }
  return body;
}

}  // namespace sf::hub

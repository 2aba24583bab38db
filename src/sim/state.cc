// Hub helpers shared by the route files: errors, auth, access rules, revisions, commits.
#include "sim/state.h"

#include <algorithm>

#include "sim/commit_ndjson.h"
#include "sim/hash.h"

namespace sf::sim {

std::string RepoKey(const std::string& type, const std::string& id) { return type + ":" + id; }

Hub::Hub(SimOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), rng_(options_.seed), faults_(options_.seed) {}

http::Response Hub::Error(int status, const std::string& message, const std::string& error_code) {
  http::Response r = http::JsonResponse(status, json{{"error", message}}.dump());
  if (!error_code.empty()) r.headers.emplace_back("X-Error-Code", error_code);
  // Header values must stay single-line ASCII-ish; messages here are ours.
  r.headers.emplace_back("X-Error-Message", message);
  return r;
}

http::Response Hub::Json(int status, const json& body) {
  return http::JsonResponse(status, body.dump());
}

Caller Hub::Authenticate(const http::ServerRequest& req) const {
  Caller c;
  auto auth = req.Header("Authorization");
  if (!auth) return c;
  std::string_view v = *auth;
  std::string_view token;
  if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
    token = v.substr(7);
  } else {
    c.has_token = true;
    c.invalid = true;
    return c;
  }
  c.has_token = true;
  auto it = tokens_.find(std::string(token));
  if (it == tokens_.end()) {
    c.invalid = true;
    return c;
  }
  auto u = users_.find(it->second.user);
  if (u == users_.end()) {
    c.invalid = true;
    return c;
  }
  c.user = &u->second;
  c.role = it->second.role;
  return c;
}

std::string Hub::BaseUrl(const http::ServerRequest& req) const {
  if (auto host = req.Header("Host"); host && !host->empty()) return "http://" + *host;
  return url_;
}

std::optional<json> Hub::JsonBody(const http::ServerRequest& req, http::Response* err) const {
  if (req.body.size() > (4u << 20)) {
    *err = Error(413, "Request body too large (max 4 MiB for JSON API calls)");
    return std::nullopt;
  }
  auto ct = req.Header("Content-Type");
  if (ct && ct->find("json") == std::string::npos) {
    *err = Error(415,
                 "Unsupported Content-Type '" + ct->substr(0, 80) + "': expected application/json");
    return std::nullopt;
  }
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    *err = Error(400, "Malformed JSON body");
    return std::nullopt;
  }
  if (!body.is_object()) {
    *err = Error(400, "Expected a JSON object body");
    return std::nullopt;
  }
  return body;
}

std::string Hub::SingularType(std::string_view plural) {
  if (plural == "models") return "model";
  if (plural == "datasets") return "dataset";
  if (plural == "spaces") return "space";
  return "";
}

std::string Hub::PluralType(std::string_view type) { return std::string(type) + "s"; }

std::string Hub::RepoUrlPrefix(std::string_view type) {
  if (type == "dataset") return "datasets/";
  if (type == "space") return "spaces/";
  return "";
}

bool Hub::CanRead(const Caller& caller, const Repo& repo) const {
  if (!repo.is_private) return true;
  return !caller.anonymous() &&
         CanWriteNamespace(Caller{true, false, caller.user, "write"}, repo.owner);
}

bool Hub::CanWriteNamespace(const Caller& caller, const std::string& ns) const {
  if (caller.anonymous() || caller.role != "write") return false;
  if (caller.user->name == ns) return true;
  return std::find(caller.user->orgs.begin(), caller.user->orgs.end(), ns) !=
         caller.user->orgs.end();
}

Repo* Hub::FindRepo(const std::string& type, const std::string& id, const Caller& caller, Need need,
                    http::Response* err) {
  auto it = repos_.find(RepoKey(type, id));
  if (it == repos_.end() || !CanRead(caller, it->second)) {
    if (caller.anonymous()) {
      *err = Error(401, "Invalid username or password.", "RepoNotFound");
    } else {
      *err = Error(404, "Repository not found", "RepoNotFound");
    }
    return nullptr;
  }
  Repo& repo = it->second;
  bool member = !caller.anonymous() &&
                (caller.user->name == repo.owner ||
                 std::find(caller.user->orgs.begin(), caller.user->orgs.end(), repo.owner) !=
                     caller.user->orgs.end());
  if (need == Need::kContent && !repo.gated.empty() && !member &&
      !(caller.user && repo.gated_approved.count(caller.user->name))) {
    std::string what = "Access to " + type + " " + id + " is restricted";
    if (caller.anonymous()) {
      *err = Error(401,
                   what +
                       ". You must have access to it and be authenticated to access it. "
                       "Please log in.",
                   "GatedRepo");
    } else {
      *err = Error(403,
                   what + " and you are not in the authorized list. Visit " + url_ + "/" +
                       RepoUrlPrefix(type) + id + " to ask for access.",
                   "GatedRepo");
    }
    return nullptr;
  }
  if (need == Need::kWrite) {
    if (caller.anonymous()) {
      *err = Error(401, "Invalid username or password.");
      return nullptr;
    }
    if (!CanWriteNamespace(caller, repo.owner)) {
      *err = Error(403, "You don't have the rights to write to this " + type + " (" + id + ")" +
                            (caller.role == "read" ? ": your token is read-only" : ""));
      return nullptr;
    }
  }
  return &repo;
}

const CommitInfo* Hub::ResolveRev(const Repo& repo, const std::string& rev) const {
  std::string r = rev == "HEAD" ? "main" : rev;
  if (auto b = repo.refs.find(r); b != repo.refs.end()) return &repo.commits.at(b->second);
  if (auto c = repo.commits.find(r); c != repo.commits.end()) return &c->second;
  return nullptr;
}

std::string Hub::NewSecret(std::size_t n) {
  static constexpr char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(kAlpha[rng_() % 52]);
  return s;
}

std::string Hub::NewOid() {
  std::string seed = std::to_string(rng_());
  return Sha1Hex(seed);
}

std::string Hub::NewMongoId() { return NewOid().substr(0, 24); }

FilePtr Hub::MakeFile(std::string content, bool lfs) {
  auto f = std::make_shared<FileEntry>();
  f->size = content.size();
  f->lfs = lfs;
  if (lfs) {
    f->sha256 = Sha256Hex(content);
    std::string pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + f->sha256 +
                          "\nsize " + std::to_string(f->size) + "\n";
    f->git_oid = GitBlobOid(pointer);
  } else {
    f->git_oid = GitBlobOid(content);
  }
  f->content = std::move(content);
  return f;
}

std::string Hub::SyntheticBytes(const std::string& path, std::uint64_t offset,
                                std::uint64_t length) {
  // A cheap deterministic byte pattern keyed by the path.
  std::uint64_t h = 1469598103934665603ull;
  for (char c : path) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::string out(length, '\0');
  for (std::uint64_t i = 0; i < length; ++i) {
    std::uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull + h;
    out[i] = static_cast<char>((x >> 29) & 0xff);
  }
  return out;
}

std::string Hub::DefaultGitattributes() {
  static const char* kPatterns[] = {"*.7z",      "*.arrow",       "*.bin",
                                    "*.bz2",     "*.ckpt",        "*.ftz",
                                    "*.gguf",    "*.gz",          "*.h5",
                                    "*.joblib",  "*.lfs.*",       "*.mlmodel",
                                    "*.model",   "*.msgpack",     "*.npy",
                                    "*.npz",     "*.onnx",        "*.ot",
                                    "*.parquet", "*.pb",          "*.pickle",
                                    "*.pkl",     "*.pt",          "*.pth",
                                    "*.rar",     "*.safetensors", "saved_model/**/*",
                                    "*.tar.*",   "*.tar",         "*.tflite",
                                    "*.tgz",     "*.wasm",        "*.xz",
                                    "*.zip",     "*.zst",         "*tfevents*"};
  std::string out;
  for (const char* p : kPatterns) out += std::string(p) + " filter=lfs diff=lfs merge=lfs -text\n";
  return out;
}

bool Hub::MatchesLfsPattern(const FileMap& files, const std::string& path) {
  auto it = files.find(".gitattributes");
  std::string attrs = it != files.end() ? it->second->content : DefaultGitattributes();
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::size_t pos = 0;
  while (pos < attrs.size()) {
    std::size_t end = attrs.find('\n', pos);
    if (end == std::string::npos) end = attrs.size();
    std::string line = attrs.substr(pos, end - pos);
    pos = end + 1;
    if (line.find("filter=lfs") == std::string::npos || line.empty() || line[0] == '#') continue;
    std::string pattern = line.substr(0, line.find_first_of(" \t"));
    // git: a pattern without '/' matches the basename; with '/', the whole path.
    bool has_slash = pattern.find('/') != std::string::npos;
    if (GlobMatch(pattern, has_slash ? path : base)) return true;
  }
  return false;
}

std::string Hub::ApplyCommit(Repo& repo, const std::string& branch,
                             std::shared_ptr<const FileMap> files, const std::string& title,
                             const std::string& message, const std::string& author) {
  CommitInfo c;
  c.oid = NewOid();
  auto ref = repo.refs.find(branch);
  if (ref != repo.refs.end()) c.parent = ref->second;
  c.title = title;
  c.message = message;
  c.author = author;
  c.date = clock_.Now();
  c.files = std::move(files);
  repo.commits[c.oid] = c;
  repo.refs[branch] = c.oid;
  if (repo.space && branch == "main") StartBuild(repo);
  return c.oid;
}

Repo& Hub::CreateRepoLocked(const std::string& type, const std::string& id, bool is_private,
                            const std::string& sdk, const std::string& author) {
  Repo repo;
  repo.type = type;
  repo.id = id;
  repo.owner = id.substr(0, id.find('/'));
  repo.mongo_id = NewMongoId();
  repo.is_private = is_private;
  repo.created = clock_.Now();
  auto files = std::make_shared<FileMap>();
  (*files)[".gitattributes"] = MakeFile(DefaultGitattributes(), false);
  if (type == "space") {
    repo.space.emplace();
    repo.space->sdk = sdk;
    std::string name = id.substr(id.find('/') + 1);
    std::string readme = "---\ntitle: " + name +
                         "\nemoji: 🚀\ncolorFrom: blue\ncolorTo: green\nsdk: " + sdk +
                         (sdk == "gradio" ? "\napp_file: app.py" : "") +
                         "\npinned: false\n---\n\nCheck out the configuration reference at "
                         "https://huggingface.co/docs/hub/spaces-config-reference\n";
    (*files)["README.md"] = MakeFile(readme, false);
  }
  auto [it, inserted] = repos_.emplace(RepoKey(type, id), std::move(repo));
  (void)inserted;
  ApplyCommit(it->second, "main", files, "initial commit", "", author);
  return it->second;
}

}  // namespace sf::sim

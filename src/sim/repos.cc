// Identity and repositories: whoami, create/delete, settings, info, tree, paths-info, resolve
// (with Range, ETag, X-Repo-Commit, and a 302 to the simulated CDN for LFS files), raw.
#include <algorithm>
#include <cctype>

#include "sim/commit_ndjson.h"
#include "sim/hash.h"
#include "sim/state.h"

namespace sf::sim {
namespace {

constexpr std::uint64_t kMaxServedBytes = 64u << 20;

bool ValidRepoName(const std::string& name) {
  if (name.empty() || name.size() > 96) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.')) {
      return false;
    }
  }
  if (name.find("--") != std::string::npos || name.find("..") != std::string::npos) return false;
  if (name.front() == '-' || name.front() == '.' || name.back() == '-' || name.back() == '.') {
    return false;
  }
  return name.size() < 4 || name.substr(name.size() - 4) != ".git";
}

// Parses "bytes=a-b" / "bytes=a-" / "bytes=-n" against `size`. false = unsatisfiable/invalid.
bool ParseRange(const std::string& header, std::uint64_t size, std::uint64_t* from,
                std::uint64_t* to) {
  if (header.rfind("bytes=", 0) != 0 || header.find(',') != std::string::npos) return false;
  std::string spec = header.substr(6);
  auto dash = spec.find('-');
  if (dash == std::string::npos) return false;
  std::string a = spec.substr(0, dash), b = spec.substr(dash + 1);
  auto num = [](const std::string& s, std::uint64_t* out) {
    if (s.empty() || s.size() > 19) return false;
    std::uint64_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    *out = v;
    return true;
  };
  if (a.empty()) {
    std::uint64_t n = 0;
    if (!num(b, &n) || n == 0 || size == 0) return false;
    *from = n >= size ? 0 : size - n;
    *to = size - 1;
    return true;
  }
  if (!num(a, from) || *from >= size) return false;
  if (b.empty()) {
    *to = size - 1;
  } else if (!num(b, to) || *to < *from) {
    return false;
  }
  if (*to >= size) *to = size - 1;
  return true;
}

std::string QueryEscape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string GuessContentType(const std::string& path, const FileEntry& f) {
  auto ends = [&](const char* s) {
    std::string_view e(s);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (f.lfs) return "application/octet-stream";
  if (ends(".json")) return "application/json";
  if (ends(".md") || ends(".txt") || ends(".py") || ends(".yaml") || ends(".yml") ||
      ends(".gitattributes")) {
    return "text/plain; charset=utf-8";
  }
  return "application/octet-stream";
}

}  // namespace

// Serves a file body (regular, LFS blob or synthetic) with Range support.
static void ServeBytes(Hub& hub, const http::ServerRequest& req, const WriterPtr& w,
                       const FileEntry& f, const std::string& path, http::Headers headers) {
  std::uint64_t from = 0, to = f.size == 0 ? 0 : f.size - 1;
  int status = 200;
  if (auto range = req.Header("Range")) {
    if (!ParseRange(*range, f.size, &from, &to)) {
      http::Response r = Hub::Error(416, "Requested range not satisfiable");
      r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(f.size));
      return w->Respond(std::move(r));
    }
    status = 206;
    headers.emplace_back("Content-Range", "bytes " + std::to_string(from) + "-" +
                                              std::to_string(to) + "/" + std::to_string(f.size));
  }
  std::uint64_t length = f.size == 0 ? 0 : to - from + 1;
  if (length > kMaxServedBytes) {
    return w->Respond(Hub::Error(501,
                                 "The simulator serves at most 64 MiB per request of a "
                                 "synthetic file; use a Range request"));
  }
  std::string body;
  if (f.synthetic) {
    body = Hub::SyntheticBytes(path, from, length);
  } else {
    const std::string* src = &f.content;
    std::string blob;
    if (f.lfs && f.content.empty() && f.size > 0) {
      std::lock_guard<std::mutex> lock(hub.mu_);
      auto it = hub.blobs_.find(f.sha256);
      if (it != hub.blobs_.end()) blob = it->second;
      src = &blob;
    }
    body = src->substr(static_cast<std::size_t>(from), static_cast<std::size_t>(length));
  }
  http::Response r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers.emplace_back("Accept-Ranges", "bytes");
  r.body = std::move(body);
  w->Respond(std::move(r));
}

void Hub::AddRepoRoutes(http::Router& r) {
  r.Get("/api/whoami-v2", [this](http::ServerRequest& req, WriterPtr w) {
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    if (c.anonymous()) return w->Respond(Error(401, "Invalid username or password."));
    json orgs = json::array();
    for (const std::string& o : c.user->orgs) {
      const User& org = users_.at(o);
      orgs.push_back({{"type", "org"},
                      {"id", org.mongo_id},
                      {"name", org.name},
                      {"fullname", org.fullname},
                      {"canPay", org.can_pay},
                      {"avatarUrl", "/avatars/" + org.name + ".svg"},
                      {"roleInOrg", "admin"},
                      {"isEnterprise", false},
                      {"plan", org.plan}});
    }
    std::string display;
    for (const auto& [t, info] : tokens_) {
      if (req.Header("Authorization")->substr(7) == t) display = info.display;
    }
    json out = {{"type", "user"},
                {"id", c.user->mongo_id},
                {"name", c.user->name},
                {"fullname", c.user->fullname},
                {"email", c.user->name + "@sim.invalid"},
                {"emailVerified", true},
                {"canPay", c.user->can_pay},
                {"billingMode", c.user->can_pay ? "postpaid" : "prepaid"},
                {"isPro", c.user->plan == "pro"},
                {"avatarUrl", "/avatars/default.svg"},
                {"periodEnd", nullptr},
                {"orgs", orgs},
                {"auth",
                 {{"type", "access_token"},
                  {"accessToken",
                   {{"displayName", display},
                    {"role", c.role},
                    {"createdAt", FormatIso8601(clock_.Now())}}}}}};
    w->Respond(Json(200, out));
  });

  r.Post("/api/repos/create", [this](http::ServerRequest& req, WriterPtr w) {
    http::Response err;
    auto body = JsonBody(req, &err);
    if (!body) return w->Respond(std::move(err));
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    if (c.anonymous()) return w->Respond(Error(401, "Invalid username or password."));
    if (!(*body).contains("name") || !(*body)["name"].is_string()) {
      return w->Respond(Error(400, "Missing repo name"));
    }
    std::string name = (*body)["name"];
    std::string ns = c.user->name;
    if ((*body).contains("organization") && (*body)["organization"].is_string()) {
      ns = (*body)["organization"];
    }
    if (auto slash = name.find('/'); slash != std::string::npos) {  // "ns/name" also accepted
      ns = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
    std::string type = "model";
    if (body->contains("type") && !(*body)["type"].is_null()) {
      if (!(*body)["type"].is_string()) return w->Respond(Error(400, "type must be a string"));
      type = (*body)["type"];
    }
    if (type != "model" && type != "dataset" && type != "space") {
      return w->Respond(Error(400, "Invalid repo type '" + type.substr(0, 40) + "'"));
    }
    if (!ValidRepoName(name)) {
      return w->Respond(Error(400, "Invalid repo name '" + name.substr(0, 100) +
                                       "': use 1-96 characters of [A-Za-z0-9._-], no '--' or "
                                       "'..', not starting or ending with '-' or '.'"));
    }
    if (!CanWriteNamespace(c, ns)) {
      return w->Respond(Error(403, "You don't have the rights to create a " + type +
                                       " under the namespace \"" + ns + "\""));
    }
    std::string sdk;
    std::string hardware = (*body).value("hardware", std::string());
    if (type == "space") {
      sdk = (*body).value("sdk", std::string());
      if (sdk != "gradio" && sdk != "docker" && sdk != "static" && sdk != "streamlit") {
        return w->Respond(Error(400,
                                "Invalid or missing 'sdk' for a Space: use gradio, docker, "
                                "static or streamlit"));
      }
      const User& owner = users_.at(ns);
      if (options_.paid_plan_for_gradio && sdk != "static" && owner.plan == "free" &&
          hardware != "zero-a10g") {
        return w->Respond(
            Error(402,
                  "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on "
                  "free cpu-basic requires a PRO subscription. Subscribe at " +
                      url_ + "/pro"));
      }
    }
    std::string id = ns + "/" + name;
    std::string url = BaseUrl(req) + "/" + RepoUrlPrefix(type) + id;
    if (repos_.count(RepoKey(type, id))) {
      return w->Respond(
          Json(409, {{"error", "You already created this " + type + " repo"}, {"url", url}}));
    }
    bool is_private = false;
    if ((*body).contains("private") && (*body)["private"].is_boolean()) {
      is_private = (*body)["private"];
    }
    if ((*body).contains("visibility") && (*body)["visibility"].is_string()) {
      std::string v = (*body)["visibility"];
      if (v != "public" && v != "private" && v != "protected") {
        return w->Respond(Error(400, "visibility must be public, private or protected"));
      }
      is_private = v == "private";
    }
    Repo& repo = CreateRepoLocked(type, id, is_private, sdk, c.user->name);
    if (repo.space) {
      if (!hardware.empty()) repo.space->hardware = hardware;
      if ((*body).contains("sleepTimeSeconds") && (*body)["sleepTimeSeconds"].is_number_integer()) {
        repo.space->sleep_time = (*body)["sleepTimeSeconds"].get<int>();
      }
      for (const char* kind : {"secrets", "variables"}) {
        if (!(*body).contains(kind) || !(*body)[kind].is_array()) continue;
        for (const auto& kv : (*body)[kind]) {
          if (!kv.is_object() || !kv.contains("key") || !kv["key"].is_string()) continue;
          KeyValue v{kv.value("value", std::string()), kv.value("description", std::string()),
                     clock_.Now()};
          (std::string(kind) == "secrets" ? repo.space->secrets
                                          : repo.space->variables)[kv["key"]] = v;
        }
      }
    }
    w->Respond(Json(200, {{"url", url}, {"name", id}, {"id", repo.mongo_id}}));
  });

  r.Delete("/api/repos/delete", [this](http::ServerRequest& req, WriterPtr w) {
    http::Response err;
    auto body = JsonBody(req, &err);
    if (!body) return w->Respond(std::move(err));
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    if (c.anonymous()) return w->Respond(Error(401, "Invalid username or password."));
    std::string name = (*body).value("name", std::string());
    std::string ns = c.user->name;
    if ((*body).contains("organization") && (*body)["organization"].is_string()) {
      ns = (*body)["organization"];
    }
    if (auto slash = name.find('/'); slash != std::string::npos) {
      ns = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
    std::string type = (*body).contains("type") && (*body)["type"].is_string()
                           ? (*body)["type"].get<std::string>()
                           : "model";
    Repo* repo = FindRepo(type, ns + "/" + name, c, Need::kWrite, &err);
    if (!repo) return w->Respond(std::move(err));
    repos_.erase(RepoKey(type, ns + "/" + name));
    w->Respond(http::TextResponse(200, "OK"));
  });

  r.Put("/api/{type}/{ns}/{name}/settings", [this](http::ServerRequest& req, WriterPtr w) {
    std::string type = SingularType(req.PathParam("type"));
    if (type.empty()) return w->Respond(Error(404, "Not found"));
    http::Response err;
    auto body = JsonBody(req, &err);
    if (!body) return w->Respond(std::move(err));
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    std::string id = req.PathParam("ns") + "/" + req.PathParam("name");
    Repo* repo = FindRepo(type, id, c, Need::kWrite, &err);
    if (!repo) return w->Respond(std::move(err));
    if (body->contains("private") && (*body)["private"].is_boolean()) {
      repo->is_private = (*body)["private"];
    }
    if (body->contains("visibility") && (*body)["visibility"].is_string()) {
      repo->is_private = (*body)["visibility"] == "private";
    }
    if (body->contains("gated")) {
      const json& g = (*body)["gated"];
      if (g.is_boolean() && !g.get<bool>())
        repo->gated.clear();
      else if (g == "auto" || g == "manual")
        repo->gated = g;
      else
        return w->Respond(Error(400, "gated must be \"auto\", \"manual\" or false"));
    }
    w->Respond(Json(200, {{"private", repo->is_private}}));
  });

  auto info = [this](http::ServerRequest& req, WriterPtr w) {
    std::string type = SingularType(req.PathParam("type"));
    if (type.empty()) return w->Respond(Error(404, "Not found"));
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    http::Response err;
    Repo* repo =
        FindRepo(type, req.PathParam("ns") + "/" + req.PathParam("name"), c, Need::kMeta, &err);
    if (!repo) return w->Respond(std::move(err));
    std::string rev = req.path_params.count("rev") ? req.PathParam("rev") : "main";
    const CommitInfo* commit = ResolveRev(*repo, rev);
    if (!commit) {
      return w->Respond(Error(404, "Invalid rev id: " + rev.substr(0, 100), "RevisionNotFound"));
    }
    bool blobs = req.QueryParam("blobs").value_or("") == "true";
    w->Respond(Json(200, RepoInfoJson(*repo, *commit, blobs, true)));
  };
  r.Get("/api/{type}/{ns}/{name}", info);
  r.Get("/api/{type}/{ns}/{name}/revision/{rev}", info);

  auto tree = [this](http::ServerRequest& req, WriterPtr w) {
    std::string type = SingularType(req.PathParam("type"));
    if (type.empty()) return w->Respond(Error(404, "Not found"));
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    http::Response err;
    Repo* repo =
        FindRepo(type, req.PathParam("ns") + "/" + req.PathParam("name"), c, Need::kMeta, &err);
    if (!repo) return w->Respond(std::move(err));
    const CommitInfo* commit = ResolveRev(*repo, req.PathParam("rev"));
    if (!commit) {
      return w->Respond(
          Error(404, "Invalid rev id: " + req.PathParam("rev").substr(0, 100), "RevisionNotFound"));
    }
    std::string dir = req.path_params.count("path") ? req.PathParam("path") : "";
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    std::string prefix = dir.empty() ? "" : dir + "/";
    bool recursive = req.QueryParam("recursive").value_or("") == "true";
    json items = json::array();
    std::set<std::string> dirs;
    bool found_dir = dir.empty();
    for (const auto& [path, f] : *commit->files) {
      if (path.rfind(prefix, 0) != 0) continue;
      found_dir = true;
      std::string rest = path.substr(prefix.size());
      auto slash = rest.find('/');
      if (slash != std::string::npos) {
        // Every directory level below `dir` that leads to this file.
        for (std::size_t p = rest.find('/'); p != std::string::npos; p = rest.find('/', p + 1)) {
          dirs.insert(prefix + rest.substr(0, p));
          if (!recursive) break;
        }
        if (!recursive) continue;
      }
      json item = {{"type", "file"}, {"oid", f->git_oid}, {"size", f->size}, {"path", path}};
      if (f->lfs) {
        item["lfs"] = {{"oid", f->sha256}, {"size", f->size}, {"pointerSize", 134}};
      }
      items.push_back(item);
    }
    if (!found_dir) {
      return w->Respond(Error(404, "Entry not found", "EntryNotFound"));
    }
    for (const std::string& d : dirs) {
      items.push_back({{"type", "directory"}, {"oid", Sha1Hex(d)}, {"size", 0}, {"path", d}});
    }
    w->Respond(Json(200, items));
  };
  r.Get("/api/{type}/{ns}/{name}/tree/{rev}", tree);
  r.Get("/api/{type}/{ns}/{name}/tree/{rev}/{path...}", tree);

  r.Post("/api/{type}/{ns}/{name}/paths-info/{rev}", [this](http::ServerRequest& req, WriterPtr w) {
    std::string type = SingularType(req.PathParam("type"));
    if (type.empty()) return w->Respond(Error(404, "Not found"));
    std::vector<std::string> paths;
    auto ct = req.Header("Content-Type").value_or("");
    if (ct.find("json") != std::string::npos) {
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("paths") || !body["paths"].is_array()) {
        return w->Respond(Error(400, "Expected {\"paths\": [...]}"));
      }
      for (const auto& p : body["paths"]) {
        if (p.is_string()) paths.push_back(p);
      }
    } else {  // form: paths=a&paths=b
      std::size_t pos = 0;
      while (pos <= req.body.size()) {
        std::size_t end = req.body.find('&', pos);
        if (end == std::string::npos) end = req.body.size();
        std::string pair = req.body.substr(pos, end - pos);
        pos = end + 1;
        auto eq = pair.find('=');
        if (eq == std::string::npos) continue;
        std::string key = http::UrlDecode(pair.substr(0, eq), true);
        if (key == "paths" || key == "paths[]") {
          paths.push_back(http::UrlDecode(pair.substr(eq + 1), true));
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    http::Response err;
    Repo* repo =
        FindRepo(type, req.PathParam("ns") + "/" + req.PathParam("name"), c, Need::kMeta, &err);
    if (!repo) return w->Respond(std::move(err));
    const CommitInfo* commit = ResolveRev(*repo, req.PathParam("rev"));
    if (!commit) return w->Respond(Error(404, "Invalid rev id", "RevisionNotFound"));
    json items = json::array();
    for (const std::string& p : paths) {
      auto it = commit->files->find(p);
      if (it != commit->files->end()) {
        json item = {{"type", "file"},
                     {"oid", it->second->git_oid},
                     {"size", it->second->size},
                     {"path", p}};
        if (it->second->lfs) {
          item["lfs"] = {
              {"oid", it->second->sha256}, {"size", it->second->size}, {"pointerSize", 134}};
        }
        items.push_back(item);
        continue;
      }
      auto lower = commit->files->lower_bound(p + "/");
      if (lower != commit->files->end() && lower->first.rfind(p + "/", 0) == 0) {
        items.push_back({{"type", "directory"}, {"oid", Sha1Hex(p)}, {"size", 0}, {"path", p}});
      }
    }
    w->Respond(Json(200, items));
  });

  auto resolve = [this](http::ServerRequest& req, WriterPtr w, std::string type, bool raw) {
    std::string id = req.PathParam("ns") + "/" + req.PathParam("name");
    std::string rev = req.PathParam("rev");
    std::string path = req.PathParam("path");
    FilePtr file;
    http::Headers headers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Caller c = Authenticate(req);
      http::Response err;
      Repo* repo = FindRepo(type, id, c, Need::kContent, &err);
      if (!repo) return w->Respond(std::move(err));
      const CommitInfo* commit = ResolveRev(*repo, rev);
      if (!commit) {
        return w->Respond(Error(404, "Invalid rev id: " + rev.substr(0, 100), "RevisionNotFound"));
      }
      auto it = commit->files->find(path);
      if (it == commit->files->end()) {
        return w->Respond(Error(404, "Entry not found", "EntryNotFound"));
      }
      file = it->second;
      headers.emplace_back("X-Repo-Commit", commit->oid);
      if (req.method == "GET") ++repo->downloads;
    }
    if (file->lfs && raw) {  // raw of an LFS file is its pointer
      std::string pointer =
          "version https://git-lfs.github.com/spec/v1\noid sha256:" + file->sha256 + "\nsize " +
          std::to_string(file->size) + "\n";
      headers.emplace_back("ETag", "\"" + file->git_oid + "\"");
      headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
      http::Response resp;
      resp.status = 200;
      resp.headers = std::move(headers);
      resp.body = pointer;
      return w->Respond(std::move(resp));
    }
    if (file->lfs) {
      std::string sig =
          Sha256Hex(options_.seed ? std::to_string(options_.seed) + file->sha256 : file->sha256)
              .substr(0, 16);
      std::string location = cdn_url_ + "/cdn/lfs/" + file->sha256 + "?path=" + QueryEscape(path) +
                             "&size=" + std::to_string(file->size) + "&sig=" + sig;
      if (file->synthetic) location += "&synthetic=1";
      http::Response resp;
      resp.status = 302;
      resp.headers = std::move(headers);
      resp.headers.emplace_back("Location", location);
      resp.headers.emplace_back("ETag", "\"" + file->sha256 + "\"");
      resp.headers.emplace_back("X-Linked-Etag", "\"" + file->sha256 + "\"");
      resp.headers.emplace_back("X-Linked-Size", std::to_string(file->size));
      resp.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
      resp.body = "Found. Redirecting to " + location;
      return w->Respond(std::move(resp));
    }
    headers.emplace_back("ETag", "\"" + file->git_oid + "\"");
    headers.emplace_back("Content-Type", GuessContentType(path, *file));
    ServeBytes(*this, req, w, *file, path, std::move(headers));
  };
  for (const char* plural : {"datasets", "spaces"}) {
    std::string type = SingularType(plural);
    for (const char* kind : {"resolve", "raw"}) {
      bool raw = std::string(kind) == "raw";
      r.Get(std::string("/") + plural + "/{ns}/{name}/" + kind + "/{rev}/{path...}",
            [resolve, type, raw](http::ServerRequest& req, WriterPtr w) {
              resolve(req, std::move(w), type, raw);
            });
    }
  }
  r.Get("/{ns}/{name}/resolve/{rev}/{path...}", [resolve](http::ServerRequest& req, WriterPtr w) {
    resolve(req, std::move(w), "model", false);
  });
  r.Get("/{ns}/{name}/raw/{rev}/{path...}", [resolve](http::ServerRequest& req, WriterPtr w) {
    resolve(req, std::move(w), "model", true);
  });
}

// The "CDN": a second listener (another origin, as the Hub's cdn-lfs / xet bridge hosts are), with
// pre-signed (sig) URLs that need no Authorization. Clients must not follow it for metadata.
void Hub::AddCdnRoutes(http::Router& r) {
  r.Get("/cdn/lfs/{oid}", [this](http::ServerRequest& req, WriterPtr w) {
    std::string oid = req.PathParam("oid");
    std::string sig =
        Sha256Hex(options_.seed ? std::to_string(options_.seed) + oid : oid).substr(0, 16);
    if (req.QueryParam("sig").value_or("") != sig) {
      return w->Respond(Error(403, "Request has expired or the signature does not match"));
    }
    FileEntry f;
    f.lfs = false;
    std::string path = req.QueryParam("path").value_or("");
    if (req.QueryParam("synthetic").value_or("") == "1") {
      f.synthetic = true;
      std::string size = req.QueryParam("size").value_or("0");
      f.size = std::strtoull(size.c_str(), nullptr, 10);
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = blobs_.find(oid);
      if (it == blobs_.end()) return w->Respond(Error(404, "Object not found"));
      f.content = it->second;
      f.size = f.content.size();
    }
    http::Headers h = {{"ETag", "\"" + oid + "\""}, {"Content-Type", "application/octet-stream"}};
    ServeBytes(*this, req, w, f, path, std::move(h));
  });
}

json Hub::RepoInfoJson(const Repo& repo, const CommitInfo& commit, bool blobs, bool full) const {
  json siblings = json::array();
  std::uint64_t used = 0;
  for (const auto& [path, f] : *commit.files) {
    json s = {{"rfilename", path}};
    if (blobs) {
      s["size"] = f->size;
      s["blobId"] = f->git_oid;
      if (f->lfs) s["lfs"] = {{"size", f->size}, {"sha256", f->sha256}, {"pointerSize", 134}};
    }
    used += f->size;
    siblings.push_back(s);
  }
  json card = json::object();
  if (auto it = commit.files->find("README.md"); it != commit.files->end()) {
    std::string error;
    if (auto fm = FrontMatter(it->second->content, &error)) card = *fm;
  }
  json tags = json::array();
  auto add_tags = [&](const char* key, const char* prefix) {
    if (!card.contains(key)) return;
    const json& v = card[key];
    if (v.is_string()) tags.push_back(prefix + v.get<std::string>());
    if (v.is_array()) {
      for (const auto& t : v) {
        if (t.is_string()) tags.push_back(prefix + t.get<std::string>());
      }
    }
  };
  add_tags("library_name", "");
  add_tags("tags", "");
  add_tags("pipeline_tag", "");
  add_tags("language", "");
  add_tags("license", "license:");
  for (const auto& [path, f] : *commit.files) {
    if (path.size() > 12 && path.substr(path.size() - 12) == ".safetensors") {
      tags.push_back("safetensors");
      break;
    }
  }
  for (const auto& [path, f] : *commit.files) {
    if (path.size() > 5 && path.substr(path.size() - 5) == ".gguf") {
      tags.push_back("gguf");
      break;
    }
  }
  tags.push_back("region:us");
  json unique = json::array();
  for (const auto& t : tags) {
    if (std::find(unique.begin(), unique.end(), t) == unique.end()) unique.push_back(t);
  }
  tags = std::move(unique);
  json out = {{"_id", repo.mongo_id},
              {"id", repo.id},
              {"author", repo.owner},
              {"sha", commit.oid},
              {"lastModified", FormatIso8601(commit.date)},
              {"createdAt", FormatIso8601(repo.created)},
              {"private", repo.is_private},
              {"gated", repo.gated.empty() ? json(false) : json(repo.gated)},
              {"disabled", false},
              {"likes", repo.likes},
              {"downloads", repo.downloads},
              {"tags", tags}};
  if (repo.type == "model") {
    out["modelId"] = repo.id;
    if (card.contains("pipeline_tag")) out["pipeline_tag"] = card["pipeline_tag"];
    if (card.contains("library_name")) out["library_name"] = card["library_name"];
  }
  if (full) {
    out["siblings"] = siblings;
    out["cardData"] = card;
    out["usedStorage"] = used;
    out["spaces"] = json::array();
  }
  if (repo.space) {
    std::string sub = repo.id;
    for (char& ch : sub) {
      if (ch == '/' || ch == '_' || ch == '.') ch = '-';
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    out["sdk"] = repo.space->sdk;
    out["subdomain"] = sub;
    out["host"] = SpaceHostUrl(repo);  // the simulated app (space_runtime.h)
    out["runtime"] = RuntimeJson(repo);
    out["title"] = card.value("title", repo.id.substr(repo.id.find('/') + 1));
    out["emoji"] = card.value("emoji", "🚀");
    out["models"] = card.contains("models") ? card["models"] : json::array();
    out["datasets"] = card.contains("datasets") ? card["datasets"] : json::array();
  }
  return out;
}

}  // namespace sf::sim

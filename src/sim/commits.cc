// The commit protocol: preupload (regular vs lfs, decided here), the git-lfs batch API with
// pre-signed upload/verify URLs, the PUT that stores an object (sha256 and size checked), verify,
// and the NDJSON commit (header first, parentCommit → 412, lfsFile objects must exist).
#include "sim/commit_ndjson.h"
#include "sim/hash.h"
#include "sim/state.h"

namespace sf::sim {
namespace {

constexpr std::uint64_t kLfsThreshold = 10u << 20;  // hub-docs: files > 10 MB need LFS
constexpr std::size_t kMaxCommitBytes = 100u << 20;

}  // namespace

void Hub::AddCommitRoutes(http::Router& r) {
  r.Post("/api/{type}/{ns}/{name}/preupload/{rev}", [this](http::ServerRequest& req, WriterPtr w) {
    std::string type = SingularType(req.PathParam("type"));
    if (type.empty()) return w->Respond(Error(404, "Not found"));
    http::Response err;
    auto body = JsonBody(req, &err);
    if (!body) return w->Respond(std::move(err));
    if (!body->contains("files") || !(*body)["files"].is_array()) {
      return w->Respond(Error(400, "Expected {\"files\": [{path, sample, size}]}"));
    }
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    Repo* repo =
        FindRepo(type, req.PathParam("ns") + "/" + req.PathParam("name"), c, Need::kWrite, &err);
    if (!repo) return w->Respond(std::move(err));
    std::string rev = req.PathParam("rev");
    const CommitInfo* commit = ResolveRev(*repo, rev);
    bool create_pr = req.QueryParam("create_pr").value_or("") == "1";
    if (!commit && !create_pr) {
      return w->Respond(Error(404, "Invalid rev id: " + rev.substr(0, 100), "RevisionNotFound"));
    }
    if (!commit) commit = &repo->head();
    json files = json::array();
    for (const auto& f : (*body)["files"]) {
      if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("size") ||
          !f["size"].is_number_unsigned()) {
        return w->Respond(Error(400, "files[] items need a string path and an integer size"));
      }
      std::string path = f["path"];
      std::string why;
      if (!IsValidRepoPath(path, &why)) return w->Respond(Error(400, "Bad path: " + why));
      std::uint64_t size = f["size"];
      bool binary = false;
      if (f.contains("sample") && f["sample"].is_string()) {
        auto sample = Base64Decode(f["sample"].get<std::string>());
        if (!sample) return w->Respond(Error(400, "files[].sample must be base64"));
        binary = sample->find('\0') != std::string::npos;
      }
      bool lfs =
          size > 0 && (size > kLfsThreshold || binary || MatchesLfsPattern(*commit->files, path));
      json item = {
          {"path", path}, {"uploadMode", lfs ? "lfs" : "regular"}, {"shouldIgnore", false}};
      auto existing = commit->files->find(path);
      item["oid"] =
          existing != commit->files->end()
              ? json(existing->second->lfs ? existing->second->sha256 : existing->second->git_oid)
              : json(nullptr);
      files.push_back(item);
    }
    w->Respond(Json(200, {{"files", files}, {"commitOid", commit->oid}}));
  });

  auto batch = [this](http::ServerRequest& req, WriterPtr w, const std::string& type) {
    std::string name = req.PathParam("name");
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".git") {
      return w->Respond(Error(404, "Not found"));
    }
    name.resize(name.size() - 4);
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("objects") || !body["objects"].is_array()) {
      return w->Respond(Error(422, "Expected a git-lfs batch request with objects[]"));
    }
    if (body.value("operation", std::string()) != "upload" &&
        body.value("operation", std::string()) != "download") {
      return w->Respond(Error(422, "operation must be upload or download"));
    }
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    http::Response err;
    bool upload = body["operation"] == "upload";
    Repo* repo = FindRepo(type, req.PathParam("ns") + "/" + name, c,
                          upload ? Need::kWrite : Need::kContent, &err);
    if (!repo) return w->Respond(std::move(err));
    json objects = json::array();
    std::string base = BaseUrl(req);
    for (const auto& o : body["objects"]) {
      if (!o.is_object() || !o.contains("oid") || !o["oid"].is_string() || !o.contains("size") ||
          !o["size"].is_number_unsigned()) {
        return w->Respond(Error(422, "objects[] items need oid and size"));
      }
      std::string oid = o["oid"];
      std::uint64_t size = o["size"];
      json item = {{"oid", oid}, {"size", size}, {"authenticated", true}};
      bool hex = oid.size() == 64 && oid.find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!hex) {
        item["error"] = {{"code", 422}, {"message", "Invalid oid: expected 64 hex digits"}};
      } else if (size > options_.max_body_bytes) {
        item["error"] = {{"code", 422},
                         {"message", "Object too large for the simulator (max " +
                                         std::to_string(options_.max_body_bytes) + " bytes)"}};
      } else if (!upload) {
        auto b = blobs_.find(oid);
        if (b == blobs_.end()) {
          item["error"] = {{"code", 404}, {"message", "Object does not exist"}};
        } else {
          std::string sig = Sha256Hex(std::to_string(options_.seed) + oid).substr(0, 16);
          item["actions"] = {
              {"download", {{"href", cdn_url_ + "/cdn/lfs/" + oid + "?sig=" + sig}}}};
        }
      } else if (!blobs_.count(oid)) {  // already stored → no actions: the client skips it
        std::string ticket = NewSecret(24);
        lfs_tickets_[ticket] = {oid, size};
        item["actions"] = {
            {"upload", {{"href", base + "/_sim/lfs/upload/" + ticket}}},
            {"verify",
             {{"href", base + "/_sim/lfs/verify/" + ticket},
              {"header", {{"Authorization", req.Header("Authorization").value_or("")}}}}}};
        item["actions"]["verify"].erase("header");  // clients send their own token
      }
      objects.push_back(item);
    }
    http::Response resp =
        Json(200, {{"transfer", "basic"}, {"objects", objects}, {"hash_algo", "sha256"}});
    for (auto& h : resp.headers) {
      if (h.first == "Content-Type") h.second = "application/vnd.git-lfs+json";
    }
    w->Respond(std::move(resp));
  };
  for (const char* plural : {"datasets", "spaces"}) {
    std::string type = SingularType(plural);
    r.Post(
        std::string("/") + plural + "/{ns}/{name}/info/lfs/objects/batch",
        [batch, type](http::ServerRequest& req, WriterPtr w) { batch(req, std::move(w), type); });
  }
  r.Post("/{ns}/{name}/info/lfs/objects/batch",
         [batch](http::ServerRequest& req, WriterPtr w) { batch(req, std::move(w), "model"); });

  r.Put("/_sim/lfs/upload/{ticket}", [this](http::ServerRequest& req, WriterPtr w) {
    LfsTicket t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = lfs_tickets_.find(req.PathParam("ticket"));
      if (it == lfs_tickets_.end()) {
        return w->Respond(Error(403, "Upload URL is invalid or has expired"));
      }
      t = it->second;
    }
    if (req.body.size() != t.size) {
      return w->Respond(Error(400, "Size mismatch: expected " + std::to_string(t.size) +
                                       " bytes, received " + std::to_string(req.body.size())));
    }
    std::string sha = Sha256Hex(req.body);  // outside the lock: hashing is the slow part
    if (sha != t.oid) {
      return w->Respond(
          Error(400, "sha256 mismatch: the uploaded bytes hash to " + sha + ", not " + t.oid));
    }
    std::lock_guard<std::mutex> lock(mu_);
    blobs_[sha] = req.body;
    http::Response resp = http::TextResponse(200, "");
    resp.headers.emplace_back("ETag", "\"" + sha + "\"");
    w->Respond(std::move(resp));
  });

  r.Post("/_sim/lfs/verify/{ticket}", [this](http::ServerRequest& req, WriterPtr w) {
    json body = json::parse(req.body, nullptr, false);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lfs_tickets_.find(req.PathParam("ticket"));
    if (it == lfs_tickets_.end()) return w->Respond(Error(404, "Unknown upload"));
    if (!body.is_object() || body.value("oid", std::string()) != it->second.oid) {
      return w->Respond(Error(422, "verify body must carry the object's oid"));
    }
    auto b = blobs_.find(it->second.oid);
    if (b == blobs_.end() || b->second.size() != it->second.size) {
      return w->Respond(Error(404, "Object was not uploaded"));
    }
    w->Respond(Json(200, {{"message", "Object verified"}}));
  });

  r.Post("/api/{type}/{ns}/{name}/commit/{rev}", [this](http::ServerRequest& req, WriterPtr w) {
    std::string type = SingularType(req.PathParam("type"));
    if (type.empty()) return w->Respond(Error(404, "Not found"));
    auto ct = req.Header("Content-Type").value_or("");
    if (ct.find("ndjson") == std::string::npos) {
      return w->Respond(Error(415, "Unsupported Content-Type '" + ct.substr(0, 80) +
                                       "': a commit is application/x-ndjson"));
    }
    if (req.body.size() > kMaxCommitBytes) {
      return w->Respond(Error(413, "Commit payload too large; upload big files through LFS"));
    }
    auto parsed = ParseCommitNdjson(req.body);
    if (!parsed.ok()) return w->Respond(Error(400, "Invalid commit: " + parsed.status().message()));
    // Decode regular file contents before taking the lock.
    std::vector<FilePtr> decoded(parsed->ops.size());
    for (std::size_t i = 0; i < parsed->ops.size(); ++i) {
      const CommitOp& op = parsed->ops[i];
      if (op.kind != CommitOp::Kind::kFile) continue;
      std::string content = op.content;
      if (op.encoding == "base64") {
        auto d = Base64Decode(op.content);
        if (!d) return w->Respond(Error(400, "Invalid base64 content for " + op.path));
        content = std::move(*d);
      }
      decoded[i] = MakeFile(std::move(content), false);
    }
    std::lock_guard<std::mutex> lock(mu_);
    Caller c = Authenticate(req);
    http::Response err;
    std::string id = req.PathParam("ns") + "/" + req.PathParam("name");
    Repo* repo = FindRepo(type, id, c, Need::kWrite, &err);
    if (!repo) return w->Respond(std::move(err));
    std::string rev = req.PathParam("rev");
    bool create_pr = req.QueryParam("create_pr").value_or("") == "1";
    const CommitInfo* base = nullptr;
    std::string branch = rev == "HEAD" ? "main" : rev;
    if (create_pr) {
      base = parsed->header.parent_commit ? ResolveRev(*repo, *parsed->header.parent_commit)
                                          : ResolveRev(*repo, branch);
      if (!base) return w->Respond(Error(404, "Invalid rev id: " + rev, "RevisionNotFound"));
      branch = "refs/pr/" + std::to_string(repo->next_pr++);
    } else {
      if (!repo->refs.count(branch)) {
        return w->Respond(
            Error(404, "Invalid rev id: " + rev.substr(0, 100) + " (commits go to a branch)",
                  "RevisionNotFound"));
      }
      base = &repo->commits.at(repo->refs.at(branch));
      if (parsed->header.parent_commit && *parsed->header.parent_commit != base->oid) {
        return w->Respond(Error(412, "A commit has happened since. Please refresh and try again."));
      }
    }
    auto files = std::make_shared<FileMap>(*base->files);
    for (std::size_t i = 0; i < parsed->ops.size(); ++i) {
      const CommitOp& op = parsed->ops[i];
      switch (op.kind) {
        case CommitOp::Kind::kFile:
          (*files)[op.path] = decoded[i];
          break;
        case CommitOp::Kind::kLfsFile: {
          auto b = blobs_.find(op.oid);
          if (b == blobs_.end() || b->second.size() != op.size) {
            return w->Respond(Error(400, "LFS object " + op.oid + " for " + op.path +
                                             " was not uploaded (or its size differs)"));
          }
          auto f = std::make_shared<FileEntry>();
          f->lfs = true;
          f->size = op.size;
          f->sha256 = op.oid;
          std::string pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + op.oid +
                                "\nsize " + std::to_string(op.size) + "\n";
          f->git_oid = GitBlobOid(pointer);
          (*files)[op.path] = std::move(f);
          break;
        }
        case CommitOp::Kind::kDeletedFile:
          if (!files->erase(op.path)) {
            return w->Respond(Error(404, "File to delete not found: " + op.path, "EntryNotFound"));
          }
          break;
        case CommitOp::Kind::kDeletedFolder: {
          std::string prefix = op.path;
          if (prefix.back() != '/') prefix += "/";
          for (auto it = files->lower_bound(prefix);
               it != files->end() && it->first.rfind(prefix, 0) == 0;) {
            it = files->erase(it);
          }
          break;
        }
      }
    }
    if (create_pr) repo->refs[branch] = base->oid;
    std::string oid = ApplyCommit(*repo, branch, files, parsed->header.summary,
                                  parsed->header.description, c.user->name);
    std::string repo_url = BaseUrl(req) + "/" + RepoUrlPrefix(type) + id;
    json out = {{"success", true},
                {"commitOid", oid},
                {"commitUrl", repo_url + "/commit/" + oid},
                {"hookOutput", ""}};
    if (create_pr) {
      out["pullRequestUrl"] = repo_url + "/discussions/" + branch.substr(8);
    }
    w->Respond(Json(200, out));
  });
}

}  // namespace sf::sim

// commit.cc: the commit protocol (hf-hub-api.md §5.3).
//
//   1. POST /api/{type}s/{id}/preupload/{rev}     the server decides regular vs lfs per file
//   2. POST /{prefix}{id}.git/info/lfs/objects/batch   (basic transfer only) → PUT each object to
//      the given href with the given headers (no Hub token), then POST verify when asked
//   3. POST /api/{type}s/{id}/commit/{rev}         NDJSON: header, file (base64), lfsFile,
//      deletedFile, deletedFolder
//
// Steps 1 and 2 are safe to repeat (they change no branch) and are marked idempotent so the HTTP
// client retries them on 408/429/5xx. Step 3 is never retried: if its response is lost the commit
// may or may not have been applied; the caller must look (or use parentCommit so a replay fails
// with 412 instead of applying twice).
#include <sodium.h>

#include <set>

#include "hub/hub.h"
#include "hub/internal.h"

namespace sf::hub {

using internal::GetString;

namespace {

constexpr std::size_t kPreuploadBatch = 256;  // files per preupload call (as huggingface_hub)
constexpr std::size_t kLfsBatch = 100;        // objects per LFS batch call
constexpr std::size_t kSampleBytes = 512;

bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;  // thread-safe, idempotent
  return ok;
}

Status ValidateRepoPath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/' ||
      path.find('\\') != std::string::npos || path.find('\0') != std::string::npos)
    return InvalidArgument("invalid path in commit: \"" + path + "\"");
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    std::string_view seg(path.data() + start,
                         (end == std::string::npos ? path.size() : end) - start);
    if (seg.empty() || seg == "." || seg == "..")
      return InvalidArgument("invalid path in commit: \"" + path + "\"");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  SodiumReady();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

std::string Base64(std::string_view data) {
  SodiumReady();
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), variant);
  out.resize(out.size() - 1);  // the encoder writes a terminating NUL
  return out;
}

Status HubClient::UploadLfsObjects(const CommitOptions& o,
                                   const std::vector<const CommitFile*>& lfs,
                                   const std::vector<std::string>& oids, std::size_t* uploaded) {
  const std::string what = "LFS upload to " + o.repo_id;
  const std::string batch_url = config_.endpoint + "/" + std::string(RepoUrlPrefix(o.type)) +
                                o.repo_id + ".git/info/lfs/objects/batch";
  const std::string own_origin = internal::Origin(config_.endpoint);
  for (std::size_t first = 0; first < lfs.size(); first += kLfsBatch) {
    std::size_t last = std::min(lfs.size(), first + kLfsBatch);
    nlohmann::json objects = nlohmann::json::array();
    std::map<std::string, const CommitFile*> by_oid;
    for (std::size_t i = first; i < last; ++i) {
      objects.push_back({{"oid", oids[i]}, {"size", lfs[i]->content.size()}});
      by_oid[oids[i]] = lfs[i];
    }
    nlohmann::json body = {{"operation", "upload"},
                           {"transfers", {"basic"}},
                           {"objects", objects},
                           {"hash_algo", "sha256"},
                           {"ref", {{"name", o.revision}}}};
    http::Request req = Authorized("POST", batch_url);
    req.headers.emplace_back("Accept", "application/vnd.git-lfs+json");
    req.headers.emplace_back("Content-Type", "application/vnd.git-lfs+json");
    req.body = body.dump();
    req.idempotent_override = true;  // negotiation only; nothing is written
    SF_ASSIGN_OR_RETURN(http::Response r, Call(req, what));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("objects") || !j["objects"].is_array())
      return Status(Code::kRemote, what + ": unexpected LFS batch answer");
    if (auto transfer = GetString(j, "transfer"); transfer && *transfer != "basic")
      return Status(Code::kRemote, what + ": the server chose the \"" + *transfer +
                                       "\" transfer; only \"basic\" is supported");
    std::set<std::string> answered;
    for (const auto& obj : j["objects"]) {
      auto oid = GetString(obj, "oid");
      if (!oid || by_oid.count(*oid) == 0)
        return Status(Code::kRemote, what + ": LFS batch answered for an unknown object");
      answered.insert(*oid);
      const CommitFile& file = *by_oid[*oid];
      if (obj.contains("error") && obj["error"].is_object()) {
        return Status(Code::kRemote,
                      what + ": " + file.path + ": LFS error " +
                          std::to_string(internal::GetInt(obj["error"], "code").value_or(0)) +
                          ": " + GetString(obj["error"], "message").value_or(""));
      }
      if (!obj.contains("actions") || !obj["actions"].is_object()) continue;  // already stored
      const auto& actions = obj["actions"];
      if (actions.contains("upload")) {
        auto href = GetString(actions["upload"], "href");
        if (!href) return Status(Code::kRemote, what + ": upload action without href");
        http::Request put;
        put.method = "PUT";
        put.url = *href;
        if (actions["upload"].contains("header") && actions["upload"]["header"].is_object())
          for (const auto& [k, v] : actions["upload"]["header"].items())
            if (v.is_string()) put.headers.emplace_back(k, v.get<std::string>());
        if (!http::FindHeader(put.headers, "Content-Type"))
          put.headers.emplace_back("Content-Type", "application/octet-stream");
        put.body = file.content;
        put.total_timeout = std::chrono::milliseconds(0);  // large bodies: rely on idle timeout
        put.idle_timeout = std::chrono::milliseconds(60'000);
        // The pre-signed href carries its own authorisation: no Hub token (it may be a CDN).
        SF_ASSIGN_OR_RETURN(http::Response pr, Call(put, what + ": " + file.path));
        (void)pr;
        ++*uploaded;
      }
      if (actions.contains("verify")) {
        auto href = GetString(actions["verify"], "href");
        if (!href) return Status(Code::kRemote, what + ": verify action without href");
        http::Request verify;
        verify.method = "POST";
        verify.url = *href;
        if (internal::Origin(*href) == own_origin && config_.token)
          verify.headers.emplace_back("Authorization", "Bearer " + *config_.token);
        if (actions["verify"].contains("header") && actions["verify"]["header"].is_object())
          for (const auto& [k, v] : actions["verify"]["header"].items())
            if (v.is_string()) verify.headers.emplace_back(k, v.get<std::string>());
        verify.headers.emplace_back("Content-Type", "application/vnd.git-lfs+json");
        verify.body = nlohmann::json({{"oid", *oid}, {"size", file.content.size()}}).dump();
        verify.idempotent_override = true;
        SF_ASSIGN_OR_RETURN(http::Response vr, Call(verify, what + ": verify " + file.path));
        (void)vr;
      }
    }
    if (answered.size() != by_oid.size())
      return Status(Code::kRemote, what + ": the LFS batch answer misses objects");
  }
  return Status::Ok();
}

Result<CommitResult> HubClient::Commit(const CommitOptions& o) {
  const std::string what = "commit to " + std::string(RepoTypeName(o.type)) + " " + o.repo_id;
  if (!IsValidRepoId(o.repo_id) || o.repo_id.find('/') == std::string::npos)
    return InvalidArgument("invalid repo id \"" + o.repo_id + "\"");
  if (o.revision.empty()) return InvalidArgument(what + ": empty revision");
  if (o.files.empty() && o.deleted_files.empty() && o.deleted_folders.empty())
    return InvalidArgument(what + ": nothing to commit");
  std::set<std::string> seen;
  for (const auto& f : o.files) {
    SF_RETURN_IF_ERROR(ValidateRepoPath(f.path));
    if (!seen.insert(f.path).second) return InvalidArgument(what + ": duplicate path " + f.path);
  }
  for (const auto& p : o.deleted_files) SF_RETURN_IF_ERROR(ValidateRepoPath(p));
  for (const auto& p : o.deleted_folders) SF_RETURN_IF_ERROR(ValidateRepoPath(p));
  if (!SodiumReady()) return Internal("libsodium failed to initialise");

  const std::string api =
      config_.endpoint + "/api/" + std::string(RepoTypePlural(o.type)) + "/" + o.repo_id;
  const std::string rev = internal::EncodeRevision(o.revision);
  const std::string pr_query = o.create_pr ? "?create_pr=1" : "";

  // 1. Preupload.
  std::map<std::string, std::string> mode;  // path → "regular" | "lfs" | "ignore"
  std::optional<std::string> tip;
  for (std::size_t first = 0; first < o.files.size(); first += kPreuploadBatch) {
    std::size_t last = std::min(o.files.size(), first + kPreuploadBatch);
    nlohmann::json files = nlohmann::json::array();
    for (std::size_t i = first; i < last; ++i) {
      const auto& f = o.files[i];
      files.push_back({{"path", f.path},
                       {"sample", Base64(std::string_view(f.content).substr(0, kSampleBytes))},
                       {"size", f.content.size()}});
    }
    http::Request req =
        JsonRequest("POST", api + "/preupload/" + rev + pr_query, {{"files", files}});
    req.idempotent_override = true;  // a pure question to the server
    SF_ASSIGN_OR_RETURN(http::Response r, Call(req, what + " (preupload)"));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("files") || !j["files"].is_array())
      return Status(Code::kRemote, what + ": unexpected preupload answer");
    if (auto c = GetString(j, "commitOid")) tip = c;
    for (const auto& item : j["files"]) {
      auto path = GetString(item, "path");
      if (!path) continue;
      if (internal::GetBool(item, "shouldIgnore")) {
        mode[*path] = "ignore";
      } else {
        mode[*path] = GetString(item, "uploadMode").value_or("regular");
      }
    }
  }

  CommitResult result;
  std::vector<const CommitFile*> regular, lfs;
  std::vector<std::string> lfs_oids;
  for (const auto& f : o.files) {
    auto it = mode.find(f.path);
    if (f.content.empty()) {  // empty files are always regular
      regular.push_back(&f);
      continue;
    }
    if (it == mode.end())
      return Status(Code::kRemote, what + ": the preupload answer does not mention " + f.path);
    if (it->second == "ignore") {
      result.ignored.push_back(f.path);
    } else if (it->second == "lfs") {
      lfs.push_back(&f);
      lfs_oids.push_back(Sha256Hex(f.content));
    } else if (it->second == "regular") {
      regular.push_back(&f);
    } else {
      return Status(Code::kRemote,
                    what + ": unknown upload mode \"" + it->second + "\" for " + f.path);
    }
  }

  // 2. LFS objects.
  if (!lfs.empty()) SF_RETURN_IF_ERROR(UploadLfsObjects(o, lfs, lfs_oids, &result.lfs_uploaded));

  // 3. The commit itself (NDJSON, header first).
  using ojson = nlohmann::ordered_json;
  ojson header_value = {{"summary", o.summary}, {"description", o.description}};
  if (o.parent_commit) {
    header_value["parentCommit"] = *o.parent_commit;
  } else if (o.parent_from_preupload && tip) {
    header_value["parentCommit"] = *tip;
  }
  std::string ndjson = ojson({{"key", "header"}, {"value", header_value}}).dump() + "\n";
  for (const CommitFile* f : regular) {
    ndjson +=
        ojson({{"key", "file"},
               {"value",
                {{"content", Base64(f->content)}, {"path", f->path}, {"encoding", "base64"}}}})
            .dump() +
        "\n";
  }
  for (std::size_t i = 0; i < lfs.size(); ++i) {
    ndjson += ojson({{"key", "lfsFile"},
                     {"value",
                      {{"path", lfs[i]->path},
                       {"algo", "sha256"},
                       {"oid", lfs_oids[i]},
                       {"size", lfs[i]->content.size()}}}})
                  .dump() +
              "\n";
  }
  for (const auto& p : o.deleted_files)
    ndjson += ojson({{"key", "deletedFile"}, {"value", {{"path", p}}}}).dump() + "\n";
  for (const auto& p : o.deleted_folders)
    ndjson += ojson({{"key", "deletedFolder"}, {"value", {{"path", p}}}}).dump() + "\n";

  http::Request req = Authorized("POST", api + "/commit/" + rev + pr_query);
  req.headers.emplace_back("Content-Type", "application/x-ndjson");
  req.body = std::move(ndjson);
  req.total_timeout = std::chrono::milliseconds(300'000);  // large inline commits
  req.idempotent_override = false;                         // never retried: see the file comment
  SF_ASSIGN_OR_RETURN(http::Response r, Call(req, what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) return Status(Code::kRemote, what + ": unexpected commit answer");
  if (j.contains("success") && j["success"].is_boolean() && !j["success"].get<bool>())
    return Status(Code::kRemote, what + ": the Hub reported failure: " +
                                     GetString(j, "error").value_or(j.dump().substr(0, 200)));
  result.commit_oid = GetString(j, "commitOid").value_or("");
  result.commit_url = GetString(j, "commitUrl").value_or("");
  result.pull_request_url = GetString(j, "pullRequestUrl");
  if (result.commit_oid.empty())
    return Status(Code::kRemote, what + ": the commit answer has no commitOid");
  result.regular_files = regular.size();
  result.lfs_files = lfs.size();
  return result;
}

}  // namespace sf::hub

// Internal: the simulator's in-memory Hub (users, repos, commits, LFS objects, Spaces, Jobs) and
// the request helpers shared by the route files (repos.cc, search.cc, commits.cc, spaces.cc,
// jobs.cc). One mutex guards all state; handlers hold it briefly and never block on I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "http/http.h"
#include "sim/faults.h"
#include "sim/scheduler.h"
#include "sim/sim.h"

namespace sf::sim {

using nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;
using WriterPtr = std::shared_ptr<http::ResponseWriter>;

struct FileEntry {
  std::string content;  // empty for synthetic files
  bool lfs = false;
  bool synthetic = false;  // seeded by size only: bytes are generated (see SyntheticBytes)
  std::uint64_t size = 0;
  std::string sha256;   // LFS oid
  std::string git_oid;  // git blob sha1 (of the pointer file for LFS files)
};
using FilePtr = std::shared_ptr<const FileEntry>;
using FileMap = std::map<std::string, FilePtr>;

struct CommitInfo {
  std::string oid;
  std::string parent;
  std::string title;
  std::string message;
  std::string author;
  TimePoint date;
  std::shared_ptr<const FileMap> files;
};

struct LogLine {
  TimePoint at;
  std::string text;
};

struct KeyValue {
  std::string value;  // empty for secrets in output
  std::string description;
  TimePoint updated;
};

struct SpaceState {
  std::string sdk;
  std::string hardware = "cpu-basic";  // requested flavor
  std::optional<int> sleep_time;       // seconds; nullopt = default
  bool paused = false;
  std::uint64_t generation = 0;  // bumps on every (re)build
  TimePoint build_started{};
  bool check_done = true;
  std::string build_error;     // BUILD_ERROR message from the checks
  std::string config_error;    // CONFIG_ERROR message (README front matter)
  bool runtime_error = false;  // app asked for it (see spaces.cc)
  std::string runtime_sha;
  std::vector<LogLine> build_log;
  std::vector<LogLine> run_log;
  std::map<std::string, KeyValue> secrets;
  std::map<std::string, KeyValue> variables;
};

struct Repo {
  std::string type;  // model | dataset | space
  std::string id;    // namespace/name
  std::string owner;
  std::string mongo_id;
  bool is_private = false;
  std::string gated;  // "" | "auto" | "manual"
  std::set<std::string> gated_approved;
  TimePoint created{};
  std::int64_t downloads = 0;
  std::int64_t likes = 0;
  std::map<std::string, std::string> refs;  // branch or refs/pr/N → commit oid
  std::map<std::string, CommitInfo> commits;
  int next_pr = 1;
  std::optional<SpaceState> space;

  const CommitInfo& head() const { return commits.at(refs.at("main")); }
};

struct User {
  std::string name;
  std::string fullname;
  std::string type = "user";  // user | org
  std::string plan = "free";  // free | pro | team
  bool can_pay = false;
  std::string mongo_id;
  std::vector<std::string> orgs;  // for users
};

struct TokenInfo {
  std::string user;
  std::string role;  // read | write
  std::string display;
};

struct Job {
  std::string id;
  std::string ns;
  std::string initiator;
  json spec;  // the request body, normalised
  TimePoint created{};
  TimePoint finish_at{};
  std::string stage = "RUNNING";  // forced terminal stage once set by cancel/timeout
  bool canceled = false;
  TimePoint canceled_at{};
  int exit_code = 0;
  std::vector<std::string> output;
};

struct LfsTicket {
  std::string oid;
  std::uint64_t size = 0;
};

// What the caller is, from the Authorization header.
struct Caller {
  bool has_token = false;
  bool invalid = false;
  const User* user = nullptr;
  std::string role;
  bool anonymous() const { return user == nullptr; }
};

enum class Need { kMeta, kContent, kWrite };

struct SpaceRuntime;  // space_runtime.h: the simulated Spaces' Gradio apps
std::shared_ptr<SpaceRuntime> MakeSpaceRuntime();

class Hub {
 public:
  Hub(SimOptions options, const Clock& clock);

  // Seeding (seed.cc).
  Status LoadSeed(FileSystem& fs, const std::string& dir);
  void CreateBuiltinUsers();

  void RegisterRoutes(http::Router& router);  // all public routes (sim.cc)
  http::Handler Wrap(http::Handler inner);    // auth gate, request ids, faults (sim.cc)

  std::string token_for(std::string_view user) const;
  FaultInjector& faults() { return faults_; }
  Scheduler& scheduler() { return scheduler_; }
  void set_url(std::string url) { url_ = std::move(url); }
  void set_cdn_url(std::string url) { cdn_url_ = std::move(url); }

  // ----- helpers shared by the route files -----
  static http::Response Error(int status, const std::string& message,
                              const std::string& error_code = "");
  static http::Response Json(int status, const json& body);
  Caller Authenticate(const http::ServerRequest& req) const;
  std::string BaseUrl(const http::ServerRequest& req) const;
  // Parses a JSON object body (Content-Type must be JSON, size capped); on failure *err is set.
  std::optional<json> JsonBody(const http::ServerRequest& req, http::Response* err) const;
  // "models" → "model" (and datasets/spaces); "" when not a repo type.
  static std::string SingularType(std::string_view plural);
  static std::string PluralType(std::string_view type);
  static std::string RepoUrlPrefix(std::string_view type);  // "", "datasets/", "spaces/"
  // Finds a repo and applies privacy/gating/permission rules (caller holds mu_).
  Repo* FindRepo(const std::string& type, const std::string& id, const Caller& caller, Need need,
                 http::Response* err);
  bool CanRead(const Caller& caller, const Repo& repo) const;
  bool CanWriteNamespace(const Caller& caller, const std::string& ns) const;
  // Resolves a revision (branch, refs/pr/N, commit id, "HEAD") to a commit; nullptr if unknown.
  const CommitInfo* ResolveRev(const Repo& repo, const std::string& rev) const;
  std::string NewOid();      // 40 hex, deterministic by seed
  std::string NewMongoId();  // 24 hex
  std::string NewSecret(std::size_t n);
  // Appends a commit on `branch` (which must exist unless `parent` is given). Space: rebuild.
  std::string ApplyCommit(Repo& repo, const std::string& branch,
                          std::shared_ptr<const FileMap> files, const std::string& title,
                          const std::string& message, const std::string& author);
  Repo& CreateRepoLocked(const std::string& type, const std::string& id, bool is_private,
                         const std::string& sdk, const std::string& author);
  static std::string DefaultGitattributes();
  static bool MatchesLfsPattern(const FileMap& files, const std::string& path);
  static std::string SyntheticBytes(const std::string& path, std::uint64_t offset,
                                    std::uint64_t length);
  static FilePtr MakeFile(std::string content, bool lfs);

  // Spaces (spaces.cc).
  void StartBuild(Repo& repo);  // caller holds mu_
  std::string SpaceStage(const Repo& repo) const;
  json RuntimeJson(const Repo& repo) const;
  // Simulated Space apps (space_runtime.cc, space_routes.cc): the base URL a Gradio client uses,
  // the behaviour hooks of the stage machine, the routes.
  std::string SpaceHostUrl(const Repo& repo) const;
  bool SpaceStuckBuilding(const Repo& repo) const;
  std::string SpaceCrash(const Repo& repo) const;  // RUNTIME_ERROR message, "" when alive
  Status SetSpaceBehaviours(std::string_view spec);
  void AddSpaceAppRoutes(http::Router& r);
  void AddSpaceBehaviourRoutes(http::Router& r);

  // Route groups.
  void AddRepoRoutes(http::Router& r);    // repos.cc
  void AddSearchRoutes(http::Router& r);  // search.cc
  void AddCommitRoutes(http::Router& r);  // commits.cc
  void AddSpaceRoutes(http::Router& r);   // spaces.cc
  void AddJobRoutes(http::Router& r);     // jobs.cc
  void AddCdnRoutes(http::Router& r);     // repos.cc, served on the second (CDN) listener

  json RepoInfoJson(const Repo& repo, const CommitInfo& commit, bool blobs, bool full) const;

  mutable std::mutex mu_;
  SimOptions options_;
  const Clock& clock_;
  std::string url_;
  std::string cdn_url_;
  std::map<std::string, User> users_;  // users and orgs by name
  std::map<std::string, TokenInfo> tokens_;
  std::map<std::string, Repo> repos_;             // key: type + ":" + id
  std::map<std::string, std::string> blobs_;      // LFS store: sha256 → bytes
  std::map<std::string, LfsTicket> lfs_tickets_;  // upload ticket → expected object
  std::map<std::string, Job> jobs_;
  std::shared_ptr<SpaceRuntime> space_runtime_ = MakeSpaceRuntime();

 private:
  std::mt19937_64 rng_;
  FaultInjector faults_;
  Scheduler scheduler_;
};

std::string RepoKey(const std::string& type, const std::string& id);
// The README's YAML front matter as JSON (core's config parser, no ${ENV} expansion). nullopt with
// *error set when the block is malformed; an empty object when there is none.
std::optional<json> FrontMatter(std::string_view readme, std::string* error);

}  // namespace sf::sim

// hub: a typed client for the Hugging Face Hub API over an injected sf::http::HttpClient.
//
// Protocol reference: ../shared/reference/hf-hub-api.md (§0 operation table, §1 rules, §5.3
// commits, §6 Spaces, §8 Jobs). Everything goes through HubConfig.endpoint (HF_ENDPOINT), so tests
// and `spacefactory sim` replace the real Hub by pointing the endpoint elsewhere.
//
// Errors map from HTTP status + X-Error-Code to Status codes with the Hub's own message, so callers
// can tell a missing repo from a gated one from a bad token (StatusFromResponse):
//   RepoNotFound / 401 without code → kNotFound ("not found, or private and the token has no
//   access") GatedRepo (401 anonymous / 403 not approved) → kPermissionDenied (message says
//   "gated") 401 "Invalid credentials…" → kPermissionDenied ("invalid or expired token")
//   EntryNotFound / RevisionNotFound → kNotFound;  disabled repo (403) → kPermissionDenied
//   402 → kFailedPrecondition ("payment required", with the Hub's message)
//   403 → kPermissionDenied;  409 → kAlreadyExists;  412 → kFailedPrecondition (branch moved)
//   400 / 422 → kInvalidArgument;  429 → kUnavailable ("rate limited", with the wait if known)
//   5xx → kRemote (after the HTTP client's retries);  transport failure → kUnavailable / kTimeout
// Secrets: the token (and Space secret values passed to AddSpaceSecret, Job secrets) never appear
// in a returned Status message; messages are scrubbed before they leave this module.
//
// Retries: reads (GET) are retried by the HTTP client. POSTs that are safe to repeat (preupload,
// LFS batch, LFS verify, SSE log reads) are marked idempotent. A commit (POST .../commit/{rev}) is
// NEVER retried: a lost response could apply the same commit twice. The caller decides (e.g. re-run
// preupload and compare the branch tip, or use parentCommit so a replay fails with 412). The same
// holds for create repo, Space/Job management POSTs and DELETEs of secrets.
//
// Thread-safety: a HubClient is as thread-safe as its HttpClient (the curl one serialises calls);
// the cached whoami is guarded by a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "http/http.h"

namespace sf::hub {

struct HubConfig {
  std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT, no trailing slash
  std::optional<std::string> token;                 // never logged
};

// HF_ENDPOINT (default https://huggingface.co); token from HF_TOKEN, else $HF_HOME/token, else
// ~/.cache/huggingface/token.
HubConfig ConfigFromEnv(const Env& env, const FileSystem& fs);

enum class RepoType { kModel, kDataset, kSpace };
std::string_view RepoTypeName(RepoType type);    // "model" | "dataset" | "space"
std::string_view RepoTypePlural(RepoType type);  // "models" | "datasets" | "spaces"
// URL prefix of git-side paths (resolve, .git/info/lfs): "" | "datasets/" | "spaces/".
std::string_view RepoUrlPrefix(RepoType type);
// "model"/"models", "dataset"/"datasets", "space"/"spaces".
std::optional<RepoType> ParseRepoType(std::string_view text);

struct RepoFile {
  std::string path;
  std::optional<std::uint64_t> size;
  std::optional<std::string> lfs_sha256;  // siblings[].lfs.sha256 when the Hub gives it
};

struct ModelInfo {
  std::string id;
  bool is_private = false;
  std::string gated;  // "" (not gated), "auto" or "manual"
  std::optional<std::string> pipeline_tag;
  std::optional<std::string> library_name;
  std::vector<std::string> tags;
  std::vector<RepoFile> files;
  std::optional<std::uint64_t> safetensors_params;  // safetensors.total, when the Hub knows it
  std::optional<std::string> sha;
  nlohmann::json raw;  // the whole response
};

// Any repo type (GET /api/{type}s/{id}[/revision/{rev}]?blobs=true).
struct RepoInfo {
  RepoType type = RepoType::kModel;
  std::string id;
  bool is_private = false;
  std::string gated;
  std::optional<std::string> sha;
  std::optional<std::string> sdk;  // Spaces
  std::optional<std::string> last_modified;
  std::vector<RepoFile> files;
  nlohmann::json raw;
};

// "owner/name" with the Hub's allowed characters; also accepts a bare "name" (legacy models).
bool IsValidRepoId(std::string_view id);
// Accepts a model id or a model URL under `endpoint` ("https://huggingface.co/owner/name[/...]")
// and returns the id; nullopt when it is neither.
std::optional<std::string> ParseModelReference(std::string_view input, std::string_view endpoint);

// ---- identity ---------------------------------------------------------------------------------

struct WhoAmI {
  std::string type;  // "user" | "org"
  std::string name;  // the default namespace
  std::string fullname;
  std::optional<std::string> email;
  bool can_pay = false;
  bool is_pro = false;
  std::vector<std::string> orgs;
  std::string token_name;  // auth.accessToken.displayName
  std::string token_role;  // "read" | "write" | "fineGrained" | …
  nlohmann::json raw;      // as received; the Hub never echoes the token itself
  // The endpoint answered with `X-Spacefactory-Simulator: 1`: it is `spacefactory sim`, not the
  // Hub. Runs record it as "simulated": true.
  bool simulator = false;
};

// ---- search -----------------------------------------------------------------------------------

struct SearchParams {
  RepoType type = RepoType::kModel;
  std::string search;                // substring of the id
  std::string author;                // namespace
  std::vector<std::string> filters;  // repeated filter= (tags, "dataset:x", "license:mit" …)
  std::string pipeline_tag;          // models only
  std::string sort;                  // downloads | likes | createdAt | lastModified | trendingScore
  std::optional<int> direction;      // legacy (-1); the Hub now always sorts descending
  std::size_t limit = 20;            // overall cap across pages (0 = no cap: follow every page)
  std::size_t page_size = 0;         // per-request limit; 0 = min(limit, 500)
  bool full = false;                 // full=true (cannot be combined with expand)
  std::vector<std::string> expand;   // repeated expand=
};

struct RepoSummary {
  std::string id;
  std::optional<std::int64_t> downloads;
  std::optional<std::int64_t> likes;
  std::optional<std::string> pipeline_tag;
  std::optional<std::string> library_name;
  std::optional<std::string> sdk;  // Spaces
  std::optional<std::string> last_modified;
  std::optional<std::string> created_at;
  bool is_private = false;
  nlohmann::json raw;
};

// The `rel="next"` URL of a Link header value (RFC 8288, several links comma-separated); nullopt
// when there is none.
std::optional<std::string> NextLinkFromHeader(std::string_view link_header);

// ---- repos ------------------------------------------------------------------------------------

struct CreateRepoOptions {
  RepoType type = RepoType::kSpace;
  std::string repo_id;                  // "namespace/name" or "name" (the caller's namespace)
  bool is_private = true;               // the factory always passes true for Spaces
  std::string sdk = "gradio";           // Spaces only (gradio | docker | static)
  std::optional<std::string> hardware;  // Spaces: flavor at creation ("zero-a10g")
  std::optional<std::int64_t> sleep_time_seconds;
};

struct CreatedRepo {
  std::string url;
  std::string repo_id;    // "namespace/name"
  std::string object_id;  // the Hub's "id" field (opaque)
};

// Filled when CreateRepo answers kAlreadyExists (HTTP 409).
struct RepoConflict {
  std::string url;      // the existing repo's URL, from the 409 body
  std::string message;  // the Hub's message
  // The Hub says the caller created it ("You already created this space repo"). A 409 only comes
  // back for namespaces the caller may write to (others get 403), but "ours" additionally means the
  // Hub attributes the existing repo to this account. Whether it belongs to *this run* is the
  // factory's business (its step journal).
  bool ours = false;
  // From a follow-up GET of the repo info (nullopt when that failed).
  std::optional<bool> is_private;
};

// ---- commits ----------------------------------------------------------------------------------

struct CommitFile {
  std::string path;     // path in the repo ("app.py", "weights/model.bin")
  std::string content;  // bytes
};

struct CommitOptions {
  RepoType type = RepoType::kSpace;
  std::string repo_id;
  std::string revision = "main";
  std::string summary = "Upload files with spacefactory";
  std::string description;
  std::vector<CommitFile> files;
  std::vector<std::string> deleted_files;
  std::vector<std::string> deleted_folders;
  // parentCommit of the header line: the commit fails with 412 if the branch moved. When unset
  // and `parent_from_preupload` is true, the commitOid returned by preupload is used (optimistic
  // concurrency: a replay of the same commit fails instead of applying twice).
  std::optional<std::string> parent_commit;
  bool parent_from_preupload = false;
  bool create_pr = false;
};

struct CommitResult {
  std::string commit_oid;
  std::string commit_url;
  std::optional<std::string> pull_request_url;
  std::size_t regular_files = 0;     // sent inline (base64)
  std::size_t lfs_files = 0;         // sent as lfsFile pointers
  std::size_t lfs_uploaded = 0;      // objects PUT in this call (others were already stored)
  std::vector<std::string> ignored;  // preupload said shouldIgnore
};

// Helpers (libsodium), exposed for tests.
std::string Sha256Hex(std::string_view data);
std::string Base64(std::string_view data);

// ---- Spaces -----------------------------------------------------------------------------------

struct SpaceRuntime {
  std::string stage;  // BUILDING, RUNNING, BUILD_ERROR, … (unknown stages kept verbatim)
  std::optional<std::string> hardware_current;
  std::optional<std::string> hardware_requested;
  std::optional<std::int64_t> gc_timeout;  // sleep time in seconds; nullopt = never sleeps
  std::optional<std::string> error_message;
  std::optional<std::string> sha;
  std::vector<std::string> domains;
  nlohmann::json raw;

  // BUILDING, RUNNING_BUILDING, APP_STARTING, RUNNING_APP_STARTING: keep polling.
  bool IsTransitional() const;
};

enum class LogKind { kBuild, kRun };

struct LogOptions {
  std::size_t max_lines = 1000;                    // stop after this many lines
  std::chrono::milliseconds max_duration{30'000};  // whole read
  std::chrono::milliseconds idle_timeout{5'000};   // no byte for this long: stop (not following)
  std::optional<int> tail;                         // ?tail=N
};

struct LogLine {
  std::string text;
  std::string timestamp;
};

struct LogRead {
  std::vector<LogLine> lines;
  bool hit_line_limit = false;
  bool timed_out = false;  // max_duration or idle_timeout ended the read
};

// ---- Jobs -------------------------------------------------------------------------------------

struct JobSpec {
  std::string docker_image;  // exactly one of docker_image / space_id
  std::string space_id;
  std::vector<std::string> command;
  std::vector<std::string> arguments;
  std::map<std::string, std::string> environment;
  std::map<std::string, std::string> secrets;  // values never leave in messages
  std::string flavor = "cpu-basic";
  std::optional<std::int64_t> timeout_seconds;
  std::map<std::string, std::string> labels;
};

struct JobInfo {
  std::string id;
  std::string stage;  // SCHEDULING, RUNNING, COMPLETED, ERROR, CANCELED, DELETED, … (verbatim)
  std::optional<std::string> message;
  std::string owner;  // owner.name
  std::string flavor;
  std::optional<std::string> created_at;
  nlohmann::json raw;

  bool IsTerminal() const;                           // COMPLETED, CANCELED, ERROR, DELETED
  std::string Url(std::string_view endpoint) const;  // {endpoint}/jobs/{owner}/{id}
};

// ---- the client -------------------------------------------------------------------------------

class HubClient {
 public:
  HubClient(http::HttpClient& http, HubConfig config);

  // GET /api/whoami-v2 (cached after the first success: the Hub rate-limits it strictly).
  Result<WhoAmI> Whoami();

  // GET /api/{models|datasets|spaces}?… following `Link: <…>; rel="next"` until params.limit.
  Result<std::vector<RepoSummary>> Search(const SearchParams& params);

  // GET /api/models/{id}?blobs=true (file sizes).
  Result<ModelInfo> GetModelInfo(const std::string& model_id);
  // GET /api/{type}s/{id}[/revision/{rev}]?blobs=true.
  Result<RepoInfo> GetRepoInfo(RepoType type, const std::string& repo_id,
                               const std::string& revision = "");
  // GET /{prefix}{id}/resolve/{revision}/{path}; files above `max_bytes` are refused.
  Result<std::string> DownloadFile(const std::string& repo_id, const std::string& path,
                                   const std::string& revision = "main",
                                   std::uint64_t max_bytes = 32u << 20);
  Result<std::string> DownloadFile(RepoType type, const std::string& repo_id,
                                   const std::string& path, const std::string& revision = "main",
                                   std::uint64_t max_bytes = 32u << 20);

  // POST /api/repos/create. 409 → kAlreadyExists (and *conflict filled when given); 402 on a
  // Gradio/Docker Space → kFailedPrecondition explaining the paid-plan rule.
  Result<CreatedRepo> CreateRepo(const CreateRepoOptions& options,
                                 RepoConflict* conflict = nullptr);
  // DELETE /api/repos/delete {type,name,organization}.
  Status DeleteRepo(RepoType type, const std::string& repo_id);

  // preupload → LFS batch (basic) + PUT (+ verify) → NDJSON commit. Never retried as a whole.
  Result<CommitResult> Commit(const CommitOptions& options);

  // Spaces.
  Result<SpaceRuntime> GetSpaceRuntime(const std::string& space_id);
  // GET /api/spaces/{id}/host → the base URL a Gradio client connects to ("https://<sub>.hf.space"
  // on the Hub; the simulator answers with its own URL). Resolve it, never guess it.
  Result<std::string> GetSpaceHost(const std::string& space_id);
  Result<SpaceRuntime> RequestSpaceHardware(const std::string& space_id, const std::string& flavor,
                                            std::optional<std::int64_t> sleep_time_seconds = {});
  Result<SpaceRuntime> SetSpaceSleepTime(const std::string& space_id, std::int64_t seconds);
  Result<SpaceRuntime> RestartSpace(const std::string& space_id, bool factory_reboot = false);
  Result<SpaceRuntime> PauseSpace(const std::string& space_id);
  Status AddSpaceSecret(const std::string& space_id, const std::string& key,
                        const std::string& value, const std::string& description = "");
  Status DeleteSpaceSecret(const std::string& space_id, const std::string& key);
  Status AddSpaceVariable(const std::string& space_id, const std::string& key,
                          const std::string& value, const std::string& description = "");
  Status DeleteSpaceVariable(const std::string& space_id, const std::string& key);
  // GET /api/spaces/{id}/variables → {KEY: value}.
  Result<std::map<std::string, std::string>> GetSpaceVariables(const std::string& space_id);
  // GET /api/spaces/{id}/logs/{build|run} (SSE), bounded by `options`. `on_line` (optional) sees
  // each line as it arrives; returning false stops the read.
  Result<LogRead> ReadSpaceLogs(const std::string& space_id, LogKind kind,
                                const LogOptions& options = {},
                                const std::function<bool(const LogLine&)>& on_line = nullptr);

  // Jobs. An empty namespace means the caller's (whoami name).
  Result<JobInfo> CreateJob(const std::string& ns, const JobSpec& spec);
  Result<JobInfo> GetJob(const std::string& ns, const std::string& job_id);
  Status CancelJob(const std::string& ns, const std::string& job_id);
  Result<LogRead> ReadJobLogs(const std::string& ns, const std::string& job_id,
                              const LogOptions& options = {},
                              const std::function<bool(const LogLine&)>& on_line = nullptr);

  const HubConfig& config() const { return config_; }

 private:
  http::Request Authorized(std::string method, std::string url) const;
  http::Request JsonRequest(std::string method, std::string url, const nlohmann::json& body) const;
  // Sends and maps: 2xx → Response; other → StatusFromResponse(what), scrubbed.
  Result<http::Response> Call(const http::Request& request, std::string_view what,
                              const std::vector<std::string>& extra_secrets = {});
  Status Scrub(Status status, const std::vector<std::string>& extra_secrets = {}) const;
  Result<std::string> ResolveNamespace(const std::string& ns);
  Result<SpaceRuntime> SpacePost(const std::string& space_id, const std::string& action,
                                 const nlohmann::json& body, std::string_view what);
  Status SpaceKeyValue(const std::string& space_id, const std::string& kind,
                       const std::string& method, const nlohmann::json& body, std::string_view what,
                       const std::vector<std::string>& secrets);
  Result<LogRead> ReadLogs(const std::string& url, std::string_view what, const LogOptions& options,
                           bool drop_job_banner,
                           const std::function<bool(const LogLine&)>& on_line);
  Status UploadLfsObjects(const CommitOptions& options, const std::vector<const CommitFile*>& lfs,
                          const std::vector<std::string>& oids, std::size_t* uploaded);

  http::HttpClient& http_;
  HubConfig config_;
  std::mutex whoami_mu_;
  std::optional<WhoAmI> whoami_;
};

// Maps a non-2xx Hub response to a Status (see the table above). `what` names the object
// ("model Qwen/Qwen2.5-0.5B").
Status StatusFromResponse(const http::Response& response, std::string_view what);

// Parses one Space runtime / Job JSON object (exposed for tests and the simulator's tests).
Result<SpaceRuntime> ParseSpaceRuntime(const nlohmann::json& j);
Result<JobInfo> ParseJobInfo(const nlohmann::json& j);

}  // namespace sf::hub

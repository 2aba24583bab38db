// hub: a typed client for the Hugging Face Hub API over an injected sf::http::HttpClient.
//
// Errors map from HTTP status + X-Error-Code to Status codes with the Hub's own message, so callers
// can tell a missing repo from a gated one from a bad token:
//   RepoNotFound / 401 without code → kNotFound ("repository not found or private")
//   GatedRepo → kPermissionDenied (message says "gated")
//   invalid credentials → kPermissionDenied;  EntryNotFound / RevisionNotFound → kNotFound
//   429 / 5xx → kRemote (after the client's retries);  transport failure → kUnavailable
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
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

struct RepoFile {
  std::string path;
  std::optional<std::uint64_t> size;
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
  nlohmann::json raw;                               // the whole response
};

// "owner/name" with the Hub's allowed characters; also accepts a bare "name" (legacy models).
bool IsValidRepoId(std::string_view id);
// Accepts a model id or a model URL under `endpoint` ("https://huggingface.co/owner/name[/...]")
// and returns the id; nullopt when it is neither.
std::optional<std::string> ParseModelReference(std::string_view input, std::string_view endpoint);

class HubClient {
 public:
  HubClient(http::HttpClient& http, HubConfig config);

  // GET /api/models/{id}?blobs=true (file sizes).
  Result<ModelInfo> GetModelInfo(const std::string& model_id);
  // GET /{id}/resolve/{revision}/{path}; files above `max_bytes` are refused.
  Result<std::string> DownloadFile(const std::string& repo_id, const std::string& path,
                                   const std::string& revision = "main",
                                   std::uint64_t max_bytes = 32u << 20);

  const HubConfig& config() const { return config_; }

 private:
  http::Request Authorized(std::string method, std::string url) const;
  http::HttpClient& http_;
  HubConfig config_;
};

// Maps a non-2xx Hub response to a Status (see the table above). `what` names the object
// ("model Qwen/Qwen2.5-0.5B").
Status StatusFromResponse(const http::Response& response, std::string_view what);

}  // namespace sf::hub

// providers: bring-your-own-key LLM routing and the OpenAI-compatible gateway.
//
// - Config: `agentic-config.yaml` in the seed 002 format (LoadAgenticConfig has the discovery
//   order). Errors name the file, the line and the key.
// - Keys: several per provider (from the config, the environment, or added through the API; API
//   keys are stored encrypted at rest with libsodium secretbox, the 32-byte key in a 0600 file).
//   A key is shown only masked ("sk-…wxyz") and referred to by its id ("openrouter#1"): the ledger,
//   logs, metrics and API answers never contain a secret.
// - Router: model "provider/model", a bare model, or "auto" → an ordered list of (provider, key)
//   candidates (PlanRoute, also served as POST /api/providers/route). On 429/402/401/403/5xx/
//   timeout/connection errors the next key is tried, then the fallback providers unless the chosen
//   provider has `always_use_this_key`; a second round after a backoff that honours Retry-After; a
//   circuit breaker per provider+key with half-open probes; a time-to-first-token timeout. A stream
//   fails over only before its first byte reached the client; a stream cut after that ends with an
//   SSE error event and never with `data: [DONE]`. Errors we already retried carry
//   `x-should-retry: false` so stock OpenAI clients do not multiply the attempts.
// - Gateway (MountGateway, mounted by `spacefactory serve`): POST /v1/chat/completions (stream and
//   not; upstream SSE events are forwarded as they arrive, 1:1), GET /v1/models, GET
//   /api/providers, POST /api/providers/route, POST /api/providers/{name}/keys, DELETE
//   /api/providers/{name}/keys/{id}, GET /metrics. Upstream calls run on a worker pool (never on a
//   server io thread); each worker owns one libcurl client, so upstream connections are reused.
//   Because they are reused, libcurl re-sends a request once, by itself, when the keep-alive
//   connection it went out on is dropped before any response byte (a stale connection); the router
//   does not see that attempt. Nothing is ever re-sent once a byte of the answer has arrived.
// - Usage ledger (SQLite, batched by a background writer): one row per request.
//
// Running the gateway in front of one OpenAI-compatible upstream (what bench/gateway does):
//
//   $ cat gw.yaml
//   providers:
//     upstream:
//       url: http://127.0.0.1:PORT/v1     # base URL; a ".../chat/completions" URL is accepted too
//       api_key: sk-anything              # sent as "Authorization: Bearer …" (any value works)
//       models: [bench-model]             # optional: bare names this provider serves
//   $ spacefactory serve --config gw.yaml --port 0      # prints "serving on http://127.0.0.1:P"
//   $ curl http://127.0.0.1:P/v1/chat/completions -d '{"model":"upstream/m","messages":[…]}'
//
// "upstream/m" sends model "m" to that provider; a bare "m" goes to the first provider in order
// (priority ones first) whose `models` list is empty or contains "m". `router: {ledger: false}`
// turns the usage ledger off; `router: {workers: N}` sets the worker pool's upper bound.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "http/http.h"

namespace sf::providers {

enum class ProviderKind { kHuggingFace, kOpenRouter, kOpenAiCompatible };
std::string_view KindName(ProviderKind kind);

struct KeyConfig {
  std::string id;      // "<provider>#<n>" or "<provider>#<label>": safe to show and to store
  std::string secret;  // never logged, never stored in clear
  std::string label;
  bool priority = false;  // tried before the provider's other keys
  std::string origin;     // "config", "env" or "api"
};

struct ProviderConfig {
  std::string name;
  ProviderKind kind = ProviderKind::kOpenAiCompatible;
  std::string base_url;  // ".../v1", without a trailing slash or "/chat/completions"
  std::vector<KeyConfig> keys;
  bool priority = false;  // ordered before the others for bare models and `auto`
  int rank = 1000;        // sort key: `priority: true` → 0, `priority: N` → N, else 1000
  bool fallback = false;  // may serve requests whose first provider failed
  bool always_use_this_key = false;  // never leave this provider's keys for another provider
  std::vector<std::string> models;   // bare names served (empty = any); models[0] serves `auto`
  std::string mcp_url;               // huggingface: informational
  std::chrono::milliseconds ttft_timeout{0};  // 0 = RouterOptions::ttft_timeout
};

struct BreakerOptions {
  int failure_threshold = 3;                      // consecutive retryable failures that open it
  std::chrono::milliseconds base_open{1'000};     // first open period; doubles per re-open
  std::chrono::milliseconds max_open{60'000};     // cap of the open period
  std::chrono::milliseconds rate_limited{1'000};  // a 429 without Retry-After opens this long
  std::chrono::milliseconds dead_key{600'000};    // 401/402/403: the key is out this long
};

struct RouterOptions {
  int max_rounds = 2;  // passes over the candidate list (the second after a backoff)
  std::chrono::milliseconds connect_timeout{5'000};
  // Until the first byte of the answer (then the same value is the stall limit between bytes). For
  // a non-streamed request the first byte is the whole answer: raise it for long generations.
  // libcurl checks it about once a second, so it fires within ~1 s after the value.
  std::chrono::milliseconds ttft_timeout{60'000};
  std::chrono::milliseconds request_timeout{600'000};
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_retry_wait{5'000};  // a longer Retry-After is not waited for
  int workers = 128;                                // upper bound of the worker pool
  bool ledger = true;
  BreakerOptions breaker;
};

struct AgenticConfig {
  std::string source;  // the file, or "environment"
  std::vector<ProviderConfig> providers;
  RouterOptions router;
};

// Parses the seed 002 format: top-level `huggingface: {token, mcp_url, url}`,
// `openrouter: {api_key, url, priority, fallback, always_use_this_key}`, any other top-level map
// with a `url` (a named custom OpenAI-compatible provider), a `providers:` map of the same, and
// `router:` options. A provider takes `api_key` (string or list), `api_keys` (list) or `keys`
// (list of strings or {key, label, priority}); huggingface also `token`. ${ENV} is expanded.
Result<AgenticConfig> ParseAgenticConfig(std::string_view text, std::string_view source,
                                         const Env& env);

// Discovery: `explicit_path` (--config), else $AGENTIC_CONFIG, else ./agentic-config.yaml, .yml,
// .json (relative to `cwd`), else the environment alone (HF_TOKEN → huggingface, OPENROUTER_KEY or
// OPENROUTER_API_KEY → openrouter). A named file that is missing is an error; no config at all is
// an AgenticConfig without providers (the gateway then answers 503).
Result<AgenticConfig> LoadAgenticConfig(const FileSystem& fs, const Env& env,
                                        const std::string& explicit_path,
                                        const std::string& cwd = ".");

// ---------------------------------------------------------------------------------------------
// Circuit breaker (one per provider+key). Thread-safe.

enum class BreakerState { kClosed, kOpen, kHalfOpen, kDead };
std::string_view BreakerStateName(BreakerState s);

enum class FailureKind { kRetryable, kRateLimited, kKeyRejected };

class Breaker {
 public:
  explicit Breaker(BreakerOptions options) : options_(options) {}
  // May a request go to this key now? An open breaker whose period ended lets exactly one probe
  // through (half-open) until that probe reports back.
  bool Allow(std::chrono::steady_clock::time_point now);
  void OnSuccess();
  void OnFailure(FailureKind kind, std::chrono::steady_clock::time_point now,
                 std::optional<std::chrono::milliseconds> retry_after = std::nullopt);
  // The request that was let through ended without a verdict (client went away): free the probe.
  void OnAbandon();
  BreakerState state(std::chrono::steady_clock::time_point now) const;
  // How long until Allow can be true again (0 when it is).
  std::chrono::milliseconds RemainingOpen(std::chrono::steady_clock::time_point now) const;
  int consecutive_failures() const;
  // Clears a dead or open key (operator action).
  void Reset();

 private:
  BreakerOptions options_;
  mutable std::mutex mu_;
  BreakerState state_ = BreakerState::kClosed;
  int failures_ = 0;
  int opens_ = 0;
  bool probe_in_flight_ = false;
  std::chrono::steady_clock::time_point open_until_{};
};

// ---------------------------------------------------------------------------------------------
// Encrypted key store (keys added through the API).

class KeyStore {
 public:
  // `dir` holds keys.enc (JSON; each secret sealed with crypto_secretbox_easy) and keys.secret
  // (the 32-byte secretbox key, created 0600; refused if group- or world-readable).
  static Result<std::unique_ptr<KeyStore>> Open(std::string dir, FileSystem& fs);
  struct StoredKey {
    std::string provider;
    KeyConfig key;
  };
  Result<std::vector<StoredKey>> List() const;
  Status Add(const std::string& provider, const KeyConfig& key);
  Status Remove(const std::string& provider, const std::string& key_id);
  const std::string& dir() const { return dir_; }

 private:
  KeyStore(std::string dir, FileSystem& fs, std::string box_key)
      : dir_(std::move(dir)), fs_(fs), box_key_(std::move(box_key)) {}
  Result<nlohmann::json> ReadDoc() const;
  std::string dir_;
  FileSystem& fs_;
  std::string box_key_;
  mutable std::mutex mu_;
};

// ---------------------------------------------------------------------------------------------
// Usage ledger

struct UsageRecord {
  std::int64_t time_ms = 0;  // unix ms
  std::string provider;      // "" when no provider was reached
  std::string key_id;        // never the key
  std::string model;         // as requested
  bool stream = false;
  int status = 0;       // HTTP status answered to the client (200 also for an interrupted stream)
  std::string outcome;  // "ok", "error", "stream_interrupted", "client_closed"
  std::int64_t prompt_tokens = -1, completion_tokens = -1, total_tokens = -1;  // -1 = unknown
  double latency_ms = 0;
  double ttft_ms = -1;
  int attempts = 0;
};

struct UsageSummaryRow {
  std::string provider, key_id;
  std::int64_t requests = 0, errors = 0, total_tokens = 0;
  double avg_latency_ms = 0;
};

class Ledger {
 public:
  virtual ~Ledger() = default;
  // Queues a record; a background writer commits batches. Never blocks on the disk.
  virtual void Record(UsageRecord record) = 0;
  // Waits until every queued record is committed.
  virtual Status Flush() = 0;
  virtual Result<std::vector<UsageRecord>> Recent(int limit) = 0;
  virtual Result<std::vector<UsageSummaryRow>> Summary() = 0;
  // Records waiting for the disk beyond which Record drops (and counts) new ones.
  static constexpr std::size_t kMaxQueued = 100'000;
  // Records not stored because kMaxQueued were already waiting for the disk.
  virtual std::uint64_t dropped() const { return 0; }
};

// <path> is created (WAL). A corrupt file is an error naming the path.
Result<std::unique_ptr<Ledger>> OpenLedger(const std::string& path);

// ---------------------------------------------------------------------------------------------
// The gateway

struct RouteCandidate {
  std::string provider;
  std::string key_id;
  std::string masked_key;
  std::string upstream_model;
  std::string state;   // breaker state
  std::string reason;  // why it is in this place
};

struct RoutePlan {
  std::string model;
  std::vector<RouteCandidate> candidates;
  std::vector<std::string> skipped;  // "<provider>: <why not>"
  std::string explanation;
};

// The JSON of POST /api/providers/route (and the MCP tool provider_route_request): keys appear only
// masked and by id.
nlohmann::json RoutePlanJson(const RoutePlan& plan);

struct GatewayOptions {
  AgenticConfig config;
  std::string state_dir;  // keys.enc, keys.secret, usage.sqlite; empty = no key store, no ledger
  FileSystem* fs = nullptr;
  const Clock* clock = nullptr;  // null = the system clock
  // One client per worker thread; null = libcurl clients (one attempt each: the router retries).
  std::function<std::unique_ptr<http::HttpClient>()> client_factory;
  // Sleep between retry rounds; null = std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::shared_ptr<const Logger> logger;  // null = no logging
  // Proxy variables decide which upstreams are called on the serving io thread; null = the
  // process environment.
  const Env* env = nullptr;
};

class Gateway {
 public:
  virtual ~Gateway() = default;
  static Result<std::shared_ptr<Gateway>> Create(GatewayOptions options);

  // Adds the routes listed at the top of this file.
  virtual void Mount(http::Router& router) = 0;
  // Explains where a request body ({"model": …}) would go; calls nothing.
  virtual Result<RoutePlan> Plan(const nlohmann::json& request) const = 0;
  // Runs one chat completion through the router on the calling thread with `client` and answers
  // through `writer` exactly as the HTTP handler does (for `spacefactory chat`).
  virtual void Complete(std::string body, http::HttpClient& client,
                        std::shared_ptr<http::ResponseWriter> writer) = 0;
  // JSON of GET /api/providers.
  virtual nlohmann::json Describe() const = 0;
  virtual std::string MetricsText() const = 0;
  virtual Ledger* ledger() = 0;  // null when off
  // Stops the workers (in-flight upstream transfers are aborted). Idempotent.
  virtual void Shutdown() = 0;
};

// For `spacefactory serve`: loads the config (discovery, see LoadAgenticConfig), creates the
// gateway with libcurl clients and mounts its routes; the routes keep the gateway alive.
struct MountOptions {
  std::string config_path;  // --config; empty = discovery
  std::string state_dir;
  FileSystem* fs = nullptr;
  const Env* env = nullptr;
  std::shared_ptr<const Logger> logger;
};
Status MountGateway(http::Router& router, const MountOptions& options);

// An OpenAI-style error response: {"error":{"message","type","param","code"}}.
http::Response ErrorResponse(int status, std::string_view message, std::string_view type,
                             std::string_view code = "", std::string_view param = "");

}  // namespace sf::providers

// mcp: a Model Context Protocol server (../shared/reference/mcp.md): JSON-RPC 2.0, the legacy
// (handshake-era) lifecycle of 2025-11-25 / 2025-06-18 / 2025-03-26, tools, resources (+ templates,
// subscriptions), prompts, completion, logging, progress, cancellation and server→client requests
// (sampling, elicitation, roots) — over stdio (RunStdio) and Streamable HTTP (HttpTransport, /mcp
// in `spacefactory serve`).
//
// Layers:
//   - protocol core (sf_mcp_protocol, no Beast, no network): Decode (JSON-RPC parsing and
//     validation), Registry (what the server offers), Server + Session (the method dispatch and
//     lifecycle of one client), ValidateArguments (JSON Schema subset for tool arguments),
//     AddConformanceFixtures (the conformance suite's test_* tools, test:// resources, prompts).
//   - transports and tools (sf_mcp): RunStdio, HttpTransport, AddHubTools, AddFactoryTools,
//     NewService / MountHttp (everything wired for the CLI).
//
// A 2026-07-28 (stateless, "modern") client is detected and answered with -32022 "unsupported
// protocol version" listing the versions we speak; the stateless revision is not built yet.
//
// Threading: a Session is thread-safe. Tool calls run on the Server's worker threads, except
// tools marked run_inline (cheap, non-blocking) called without a progress token, which run on the
// transport's thread; notifications and the final response go out through the request's Outbound
// from the thread that runs the tool. Transports serialise writes themselves.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/core.h"
#include "http/http.h"

namespace sf::spacegen {
class CommandRunner;
}
namespace sf::providers {
class Gateway;
}

namespace sf::mcp {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Versions and error codes

inline constexpr std::string_view kLatestVersion = "2025-11-25";
inline constexpr std::string_view kModernVersion = "2026-07-28";  // detected, not spoken
// Newest first: "2025-11-25", "2025-06-18", "2025-03-26".
const std::vector<std::string>& SupportedVersions();
bool IsSupportedVersion(std::string_view version);
// True for a version string of the stateless era (>= 2026-07-28, compared as dates).
bool IsModernVersion(std::string_view version);
// "2025-11-25, 2025-06-18, 2025-03-26".
std::string SupportedVersionsText();

namespace err {
inline constexpr int kParse = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternal = -32603;
inline constexpr int kServer = -32000;           // generic transport-level error (SDK convention)
inline constexpr int kSessionNotFound = -32001;  // SDK convention
inline constexpr int kResourceNotFound = -32002;
inline constexpr int kUnsupportedVersion = -32022;  // 2026-07-28 UnsupportedProtocolVersion
}  // namespace err

// ---------------------------------------------------------------------------------------------
// JSON-RPC messages

// Compact, one line, invalid UTF-8 replaced (never throws): what every transport writes.
std::string Serialize(const json& message);

json MakeResult(const json& id, json result);
json MakeError(const json& id, int code, std::string_view message, json data = nullptr);
json MakeNotification(std::string_view method, json params = nullptr);
// The -32022 error for a stateless-era client: message names the requested and supported versions.
json UnsupportedVersionError(const json& id, std::string_view requested);

enum class MessageKind { kRequest, kNotification, kResponse };

struct Message {
  MessageKind kind = MessageKind::kRequest;
  json id;  // requests and responses: string or integer
  std::string method;
  json params;  // object, array or null (absent)
  json result;  // responses
  json error;   // error responses (an object)
  bool is_error_response() const { return kind == MessageKind::kResponse && !error.is_null(); }
};

struct DecodeLimits {
  std::size_t max_bytes = 4u << 20;  // one message (or one batch)
  int max_depth = 64;                // JSON nesting
  std::size_t max_batch = 100;
};

// The result of decoding one transport frame (a stdio line, an HTTP body).
struct Decoded {
  bool batch = false;             // the frame was a JSON array
  std::vector<Message> messages;  // the valid messages, in order
  // Error responses for what could not be used: a parse error, a frame that is not an object,
  // invalid members of a batch (one error each), an empty batch. Already complete JSON-RPC errors.
  std::vector<json> errors;
};
Decoded Decode(std::string_view bytes, const DecodeLimits& limits = {});
// Validates one JSON value as a JSON-RPC 2.0 message; on failure `error_reply` gets the response.
std::optional<Message> ValidateMessage(const json& value, json* error_reply);

// ---------------------------------------------------------------------------------------------
// JSON Schema (the subset our tool schemas use: type, properties, required, additionalProperties,
// enum, const, minimum/maximum, minLength/maxLength, items, minItems/maxItems, anyOf/oneOf).
// Returns "" when `value` conforms, else a message naming the offending path ("limit: must be <=
// 100").
std::string ValidateArguments(const json& schema, const json& value);

// ---------------------------------------------------------------------------------------------
// What tools see while they run

// MCP log levels, RFC 5424 order.
enum class Level { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::string_view LevelName(Level level);
std::optional<Level> LevelFromName(std::string_view name);

class CallContext {
 public:
  virtual ~CallContext() = default;
  // notifications/progress when the caller sent _meta.progressToken; values that do not strictly
  // increase are dropped (the spec requires increasing progress).
  virtual void Progress(double progress, std::optional<double> total = {},
                        std::string_view message = {}) = 0;
  // notifications/message, filtered by the session's logging/setLevel.
  virtual void Log(Level level, const json& data, std::string_view logger = "spacefactory") = 0;
  // The caller sent notifications/cancelled for this request (or the session ended).
  virtual bool Cancelled() const = 0;
  // A server→client request (sampling/createMessage, elicitation/create, roots/list) on this
  // call's stream; blocks until the client answers, the call is cancelled or the timeout passes.
  // kFailedPrecondition when the client did not declare the needed capability; kRemote with the
  // client's message when it answered with an error.
  virtual Result<json> RequestClient(const std::string& method, json params) = 0;
  virtual const json& ClientCapabilities() const = 0;
};

// A tool's answer: a CallToolResult ({content, structuredContent?, isError?}); a non-ok Result
// becomes {isError:true, content:[{type:text, text:message}]}.
using ToolHandler = std::function<Result<json>(const json& arguments, CallContext& ctx)>;

// Helpers for building results.
json TextContent(std::string text);
json ToolText(std::string text, bool is_error = false);
// Text (the JSON serialised, for older clients) + structuredContent.
json ToolStructured(json structured, std::string text = {});

// ---------------------------------------------------------------------------------------------
// Registry: what the server offers. Filled before serving; read concurrently afterwards.

struct Tool {
  // {name, title?, description, inputSchema, outputSchema?, annotations?}. description and
  // inputSchema are required here (conformance fails tools without a description).
  json definition;
  ToolHandler handler;
  // Cheap and non-blocking: may run on the transport's thread when no progress was asked for.
  bool run_inline = false;
};

// resources/read contents ([{uri, mimeType?, text|blob}]); kNotFound → -32002.
using ResourceReader = std::function<Result<json>(const std::string& uri)>;
using Completer = std::function<std::vector<std::string>(
    const std::string& argument, const std::string& value, const json& context_arguments)>;

struct Resource {
  json definition;  // {uri, name, title?, description?, mimeType?}
  ResourceReader read;
};

struct ResourceTemplate {
  json definition;  // {uriTemplate, name, description?, mimeType?}; {var} = one path segment
  ResourceReader read;
  Completer complete;  // optional: values for a template variable
};

struct Prompt {
  json definition;  // {name, title?, description?, arguments?:[{name, description?, required?}]}
  std::function<Result<json>(const std::map<std::string, std::string>& args)>
      get;             // GetPromptResult
  Completer complete;  // optional
};

// Matches "scheme://a/{id}/b" against a URI; {var} matches one non-empty segment without '/'.
bool MatchUriTemplate(std::string_view uri_template, std::string_view uri,
                      std::map<std::string, std::string>* vars = nullptr);

class Registry {
 public:
  Status AddTool(Tool tool);  // kAlreadyExists for a duplicate name, kInvalidArgument for a bad one
  void AddResource(Resource resource);
  void AddTemplate(ResourceTemplate resource_template);
  // Resources listed at request time (runs in the store), after the static ones.
  void AddResourceLister(std::function<std::vector<json>()> lister);
  void AddPrompt(Prompt prompt);

  const Tool* FindTool(std::string_view name) const;
  const Prompt* FindPrompt(std::string_view name) const;
  std::vector<json> ToolDefinitions() const;
  std::vector<json> ResourceDefinitions() const;
  std::vector<json> TemplateDefinitions() const;
  std::vector<json> PromptDefinitions() const;
  // Static resources first, then templates.
  Result<json> ReadResource(const std::string& uri) const;
  bool KnowsResource(const std::string& uri) const;
  Result<std::vector<std::string>> Complete(const json& ref, const std::string& argument,
                                            const std::string& value, const json& context) const;
  bool HasTool(std::string_view name) const { return FindTool(name) != nullptr; }

 private:
  std::vector<Tool> tools_;
  std::map<std::string, std::size_t, std::less<>> tool_index_;  // name → index in tools_
  std::vector<Resource> resources_;
  std::vector<ResourceTemplate> templates_;
  std::vector<std::function<std::vector<json>()>> listers_;
  std::vector<Prompt> prompts_;
};

// The conformance suite's fixtures (test_* tools, test:// resources, test_* prompts). Only for
// `--conformance`: never registered in a normal server.
void AddConformanceFixtures(Registry& registry);

// ---------------------------------------------------------------------------------------------
// Server and sessions

// Where the messages of one request go: related notifications / server→client requests (Send),
// then exactly one response (Reply) — or Drop when the request was cancelled (no response).
class Outbound {
 public:
  virtual ~Outbound() = default;
  virtual void Send(const json& message) = 0;
  virtual void Reply(const json& response) = 0;
  virtual void Drop() {}
};

struct ServerOptions {
  std::string name = "spacefactory";
  std::string title = "Space Factory";
  std::string version;  // default: sf::Version()
  std::string instructions =
      "Hugging Face Hub and Space Factory tools: search the Hub, inspect repos, analyse a model "
      "card, build a private Gradio Space for a model (factory_build) and follow its runs.";
  int worker_threads = 4;
  std::chrono::milliseconds client_request_timeout{120'000};
  std::size_t page_size = 100;  // tools/list, resources/list, prompts/list
  // Diagnostics (never stdout for stdio); may be null.
  std::function<void(std::string_view line)> log;
};

class Session;

class Server : public std::enable_shared_from_this<Server> {
 public:
  Server(ServerOptions options, std::shared_ptr<const Registry> registry);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::shared_ptr<Session> NewSession(std::string id);
  // Runs `job` on a worker thread.
  bool Submit(std::function<void()> job);  // false once shutting down
  // Sends notifications/resources/updated to every session subscribed to `uri`.
  void NotifyResourceUpdated(const std::string& uri);
  // Cancels every in-flight call of every session and stops the workers (joins them; in-flight
  // calls that ignore cancellation are waited for).
  void Shutdown();
  std::size_t in_flight() const { return in_flight_.load(); }

  const Registry& registry() const { return *registry_; }
  const ServerOptions& options() const { return options_; }
  void Log(std::string_view line) const {
    if (options_.log) options_.log(line);
  }

 private:
  friend class Session;
  void WorkerLoop();

  ServerOptions options_;
  std::shared_ptr<const Registry> registry_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool stopping_ = false;
  std::vector<std::weak_ptr<Session>> sessions_;
  std::atomic<std::size_t> in_flight_{0};
};

// One client connection's protocol state (a stdio pipe, or an HTTP Mcp-Session-Id).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Server> server, std::string id);

  // Handles one valid message. Requests are answered through `out` (now, or later from a worker);
  // notifications and responses are consumed (out unused, may be null).
  void Handle(const Message& message, const std::shared_ptr<Outbound>& out);
  // Messages not tied to a request (resources/updated): stdout, or the HTTP GET stream.
  void SetStandalone(std::function<void(const json&)> send);
  // Marks every in-flight call cancelled and fails pending server→client requests.
  void Close();

  const std::string& id() const { return id_; }
  bool initialized() const;  // initialize answered successfully
  std::string protocol_version() const;
  bool closed() const { return closed_.load(); }
  bool IsSubscribed(const std::string& uri) const;
  void SendStandalone(const json& message);

 private:
  struct InFlight {
    std::shared_ptr<std::atomic<bool>> cancelled;
    std::shared_ptr<Outbound> out;
  };
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<json> response;
  };
  class Call;

  json Dispatch(const Message& m, const std::shared_ptr<Outbound>& out, bool* deferred);
  json Initialize(const Message& m);
  json CallTool(const Message& m, const std::shared_ptr<Outbound>& out, bool* deferred);
  // `key`: the request id serialised (the in_flight_ key).
  void RunTool(const Tool& tool, json id, std::string key, json arguments, json progress_token,
               std::shared_ptr<std::atomic<bool>> cancelled, std::shared_ptr<Outbound> out);
  void OnNotification(const Message& m);
  void OnResponse(const Message& m);
  Result<json> RequestClient(const std::string& method, json params, Outbound& out,
                             const std::atomic<bool>& cancelled);
  bool LevelEnabled(Level level) const;

  std::shared_ptr<Server> server_;
  std::string id_;
  mutable std::mutex mu_;
  bool initialized_ = false;
  std::string version_;
  json client_capabilities_ = json::object();
  json client_info_ = json::object();
  std::optional<Level> min_level_;
  std::set<std::string> subscriptions_;
  std::map<std::string, InFlight> in_flight_;  // key: request id dumped
  std::map<std::int64_t, std::shared_ptr<Pending>> pending_;
  std::int64_t next_request_id_ = 1;
  std::function<void(const json&)> standalone_;
  std::atomic<bool> closed_{false};
};

// JSON-RPC batches exist only in 2025-03-26: true when `session` negotiated that version.
bool BatchAllowed(const Session& session);
// The -32600 answer to a batch on a session that may not send one.
json BatchRefused(const Session& session);
// Handles a decoded batch: requests are answered into one array (with `decoded.errors`), passed
// to `done` once all are in (an empty array when the batch held no request and no error);
// related notifications go to `send`. `initialize` inside a batch is refused.
void HandleBatch(Session& session, const Decoded& decoded, std::function<void(const json&)> send,
                 std::function<void(json)> done);

// ---------------------------------------------------------------------------------------------
// Transports

struct StdioOptions {
  std::size_t max_line_bytes = 4u << 20;
  // After stdin closes, how long in-flight calls may take to finish before RunStdio returns
  // anyway (the caller then exits without waiting for them).
  std::chrono::milliseconds drain_timeout{5'000};
};

// Newline-delimited JSON-RPC on `in`/`out` (one message per line, nothing else on `out`); returns
// at EOF of `in` with the number of calls still running (0 normally).
std::size_t RunStdio(Server& server, std::istream& in, std::ostream& out,
                     const StdioOptions& options = {});

struct HttpOptions {
  std::string path = "/mcp";
  // The address the server is bound to; Host / Origin must name it, localhost, 127.0.0.1 or [::1]
  // (DNS rebinding protection), or one of `allowed_hosts`. A wildcard bind (0.0.0.0, ::) with no
  // allowed_hosts skips the Host check (bearer auth protects such a bind).
  std::string bind_host = "127.0.0.1";
  std::vector<std::string> allowed_hosts;
  std::chrono::milliseconds session_idle_timeout{30 * 60 * 1000};
  std::size_t max_sessions = 1000;
  std::size_t replay_events_per_stream = 256;   // kept for Last-Event-ID resumption
  const Clock* clock = nullptr;                 // session expiry; default: the system clock
  std::function<std::string()> new_session_id;  // default: 128 random bits, hex
  // A background thread expires sessions and writes SSE keep-alive comments at this interval;
  // 0 = no thread (tests call Sweep()).
  std::chrono::milliseconds keepalive_interval{15'000};
  DecodeLimits limits;
  // false: a request is answered with one application/json response unless a message must be
  // streamed before it (progress, logs, server→client requests: the first one opens an SSE
  // stream) or the client ranks text/event-stream above application/json in Accept (q-values,
  // then order; the SDKs send "application/json, text/event-stream"). true: SSE whenever the
  // client accepts it.
  bool sse_responses = false;
};

class HttpTransport : public std::enable_shared_from_this<HttpTransport> {
 public:
  static std::shared_ptr<HttpTransport> Create(std::shared_ptr<Server> server, HttpOptions options);
  ~HttpTransport();
  // POST, GET and DELETE on options.path.
  void Mount(http::Router& router);
  void Handle(http::ServerRequest& request, std::shared_ptr<http::ResponseWriter> writer);
  // Expires idle sessions and pings open GET streams.
  void Sweep();
  std::size_t session_count() const;
  void Stop();  // ends every session and stream; stops the background thread

  struct Impl;

 private:
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// The product's tools, and wiring for the CLI

// What the Hub and factory tools need. References must outlive the server.
struct ServiceDeps {
  FileSystem& fs;
  const Clock& clock;
  const Env& env;
  http::HttpClient* http = nullptr;  // null: Hub tools answer "no network"
  spacegen::CommandRunner* runner = nullptr;
  std::function<std::uint32_t()> random;
  std::string store_root;  // empty: runs::DefaultStoreRoot(env)
};

struct ServiceOptions {
  bool conformance = false;  // also register AddConformanceFixtures
  int worker_threads = 4;
  std::function<void(std::string_view line)> log;
};

// hf_whoami, hf_search_{models,datasets,spaces}, hf_{model,dataset,space}_details,
// hf_create_space (always private), via hub::HubClient (HF_ENDPOINT / HF_TOKEN).
void AddHubTools(Registry& registry, const ServiceDeps& deps);
// factory_analyze_card, factory_build (progress per step), factory_run_status; run resources
// spacefactory://runs/<id>/report.md and /state.json; the prompts "build_space_for_model" and
// "why_did_my_space_fail". `server` receives resources/updated notifications (may be null).
void AddFactoryTools(Registry& registry, const ServiceDeps& deps,
                     std::function<void(const std::string& uri)> notify_updated);

// Tools registered by the caller after the Hub and factory tools. `spacefactory serve` (which
// mounts the provider gateway) registers `provider_route_request` through it (AddProviderTools);
// without a gateway (`spacefactory mcp`) that tool is not listed.
using ExtraToolsHook = std::function<void(Registry&)>;

// provider_route_request {model}: the gateway's routing plan for that model (Gateway::Plan:
// ordered provider/key candidates with breaker states and reasons, skipped providers, an
// explanation) as text JSON + structuredContent, shaped like POST /api/providers/route. Keys are
// only masked; nothing is called. Runs inline (Plan only reads the gateway's snapshot).
void AddProviderTools(Registry& registry, std::shared_ptr<const providers::Gateway> gateway);

std::shared_ptr<Server> NewService(const ServiceDeps& deps, const ServiceOptions& options,
                                   const ExtraToolsHook& extra = nullptr);

// `spacefactory serve`: mounts /mcp (POST, GET, DELETE) on `router`. `bind_host` is the address
// the server listens on (Host / Origin validation). The caller stops the returned transport before
// the HTTP server, so open GET streams end at once instead of holding the server's grace period.
Result<std::shared_ptr<HttpTransport>> MountHttp(http::Router& router, const ServiceDeps& deps,
                                                 bool conformance, const std::string& bind_host,
                                                 const ExtraToolsHook& extra = nullptr);

}  // namespace sf::mcp

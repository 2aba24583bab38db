// http: the HTTP client used for control-plane calls (Hub API, card downloads) and the HTTP server
// behind `serve` and `sim`.
//
// The client is an interface so tests can inject failures; NewCurlHttpClient is the libcurl
// implementation (connection reuse, timeouts, proxies from the environment, retries with backoff).
// Transport failures (DNS, refused, reset, timeout) come back as a non-ok Status with code
// kUnavailable or kTimeout; any HTTP status, including 4xx/5xx, is a successful HttpResponse and
// the caller maps it. Error messages name the method and host only: never the URL's path or query,
// never a header value (tokens live in headers).
//
// The server (NewHttpServer) is Boost.Beast/Asio on C++20 coroutines; Beast stays inside server.cc
// and upstream.cc. Handlers run on an io thread and must not block: a handler answers through a
// ResponseWriter, which may be kept and used later from any thread (streaming, SSE) — no thread
// per open stream. A proxy handler calls its upstream with StreamOnLoop on the same io thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace sf::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; the first match wins.
std::optional<std::string> FindHeader(const Headers& headers, std::string_view name);

// ASCII case-insensitive equality, for header names and other protocol tokens (no locale).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

struct Request {
  std::string method = "GET";
  std::string url{};
  Headers headers{};  // {} initialisers: designated initialisers stay -Wextra clean
  std::string body{};
  std::chrono::milliseconds connect_timeout{10'000};
  // Whole exchange, including reading the body. For long streams (SSE) set it to 0 = no limit and
  // rely on idle_timeout.
  std::chrono::milliseconds total_timeout{60'000};
  // Abort when no byte moves (either direction) for this long; checked about once a second, so it
  // fires within ~1 s after the value. 0 = off.
  std::chrono::milliseconds idle_timeout{30'000};
  // Retrying a POST/PATCH is only safe when the caller knows it is (idempotency key, pure read).
  bool idempotent_override = false;
};

struct Response {
  int status = 0;
  Headers headers{};
  std::string body{};
};

// Called once with the final status and headers (after redirects); return false to abort.
using HeadersCallback = std::function<bool(int status, const Headers& headers)>;
// Called for every piece of the body as it arrives; return false to abort the transfer.
using ChunkCallback = std::function<bool(std::string_view chunk)>;

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<Response> Send(const Request& request) = 0;

  // Streams the response body. Returns status and headers (body empty) when the body ended; a
  // Status kCancelled when a callback returned false. Retries (if any) happen only before the
  // first callback: a retried attempt is never partly delivered.
  // The default implementation buffers through Send (good enough for test fakes).
  virtual Result<Response> Stream(const Request& request, const HeadersCallback& on_headers,
                                  const ChunkCallback& on_chunk);
};

// ---------------------------------------------------------------------------------------------
// Retry policy: pure decisions (no clock, no sleep, no global random) so tests can drive it.

struct RetryOptions {
  int max_attempts = 4;  // 1 = no retries
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20'000};
  // A server-requested wait (Retry-After, RateLimit) longer than this is not waited for: the
  // response is returned to the caller, which can report "rate limited, retry in N s".
  std::chrono::milliseconds max_server_wait{60'000};
};

// What one attempt produced: an HTTP status with headers, or a transport failure (status == 0).
struct AttemptOutcome {
  int status = 0;
  const Headers* headers = nullptr;
  Code transport_error = Code::kOk;  // kUnavailable / kTimeout when status == 0
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  std::string reason;  // "503", "rate limited (Retry-After)", "connection error", "not idempotent"…
};

class RetryPolicy {
 public:
  // `random01` returns a uniform double in [0, 1): the full-jitter source.
  RetryPolicy(RetryOptions options, std::function<double()> random01);

  static bool IsRetryableStatus(int status);  // 408, 429, 500, 502, 503, 504
  static bool IsIdempotentMethod(std::string_view method);

  // `attempt` is the 1-based number of the attempt that just finished; `now` is used to turn an
  // HTTP-date Retry-After into a delay. Whether to retry does not depend on the random source.
  RetryDecision Decide(int attempt, std::string_view method, bool idempotent_override,
                       const AttemptOutcome& outcome,
                       std::chrono::system_clock::time_point now) const;

  // Full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^(attempt-1))].
  std::chrono::milliseconds Backoff(int attempt) const;

  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  std::function<double()> random01_;
};

// Retry-After: delta-seconds or an HTTP date (IMF-fixdate, RFC 850, asctime). Past dates give 0.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);
// The seconds until reset of a rate-limit policy: `RateLimit: "api";r=0;t=55` (structured field,
// several comma-separated items allowed: the longest t whose remaining r is 0, else the longest t)
// or a bare `RateLimit-Reset: 55`.
std::optional<std::chrono::milliseconds> ParseRateLimitReset(const Headers& headers);
// The server-requested wait of a response: Retry-After on any status; RateLimit / RateLimit-Reset
// only on a 429. The Hub sends RateLimit on every response ("api";r=999;t=300 means "the window
// resets in 300 s", not "wait 300 s"), so reading it on a 503 would turn a short outage into a
// give-up.
std::optional<std::chrono::milliseconds> ServerRequestedWait(
    int status, const Headers& headers, std::chrono::system_clock::time_point now);

// ---------------------------------------------------------------------------------------------
// libcurl client

struct ClientOptions {
  std::string user_agent;  // defaults to "spacefactory/<version>"
  int max_attempts = 4;    // 1 = no retries
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{20'000};
  std::chrono::milliseconds max_server_wait{60'000};  // see RetryOptions
  // Injection points for tests; defaults: std::this_thread::sleep_for, a seeded std::mt19937_64,
  // the system clock.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random01;
  const Clock* clock = nullptr;
  // Called before each retry (for logging); never sees URLs or headers.
  std::function<void(int next_attempt, const RetryDecision&)> on_retry;
};

// One libcurl easy handle per client, reused across calls (keep-alive, DNS and TLS session cache).
// Thread-safety: calls are serialised by an internal mutex, so sharing one client between threads
// is safe but not parallel; use one client per thread for parallel transfers. Never call it from a
// server io thread (it blocks). Proxies come from the environment (http_proxy, https_proxy,
// no_proxy) as libcurl does by default. GET/HEAD follow redirects (at most 10).
std::unique_ptr<HttpClient> NewCurlHttpClient(ClientOptions options = {});

// ---------------------------------------------------------------------------------------------
// Server-sent events (WHATWG HTML "event stream interpretation")

struct SseEvent {
  std::string event = "message";
  std::string data{};  // lines joined with '\n'
  std::string id{};    // the last event id at dispatch time
};

// Incremental parser: feed it bytes split anywhere (CR, LF or CRLF line ends, comments, multi-line
// data, a leading BOM). Events are dispatched on a blank line; an unterminated event at the end of
// the stream is dropped, as the spec says. The event passed to the callback is valid during the
// call only, and the callback must not feed the same parser.
class SseParser {
 public:
  using EventCallback = std::function<bool(const SseEvent&)>;  // false = stop
  explicit SseParser(std::size_t max_event_bytes = 16u << 20) : max_event_bytes_(max_event_bytes) {}

  // Returns false when the callback asked to stop or an event exceeded max_event_bytes (error()).
  bool Feed(std::string_view bytes, const EventCallback& on_event);
  // Comments (": keep-alive") are ignored unless a callback is set.
  void set_on_comment(std::function<void(std::string_view)> cb) { on_comment_ = std::move(cb); }

  const std::string& last_event_id() const { return last_event_id_; }
  std::optional<std::chrono::milliseconds> retry() const { return retry_; }
  bool error() const { return error_; }

 private:
  bool ProcessLine(std::string_view line, const EventCallback& on_event);

  std::size_t max_event_bytes_;
  std::string line_;  // a line cut by the end of a chunk, until its end arrives
  bool skip_lf_ = false;
  bool bom_checked_ = false;
  bool error_ = false;
  std::string data_;
  std::string event_type_;
  std::string last_event_id_;
  std::optional<std::chrono::milliseconds> retry_;
  std::function<void(std::string_view)> on_comment_;
  SseEvent event_;  // handed to the callback; its strings keep their capacity between events
};

// Streams `request` through client.Stream and calls on_event per event. Non-2xx responses are not
// parsed: they come back as a Response (body included, up to 64 KiB) for the caller to map.
// Sets "Accept: text/event-stream" when absent.
Result<Response> StreamSse(HttpClient& client, Request request,
                           const SseParser::EventCallback& on_event, SseParser* parser = nullptr);

// One event in wire format ("event: x\nid: y\ndata: l1\ndata: l2\n\n"); event "message" is omitted.
std::string FormatSseEvent(const SseEvent& event);

// ---------------------------------------------------------------------------------------------
// Server

// One io thread of a server: its own io_context, run by one thread (definition internal).
class EventLoop;

struct ServerRequest {
  std::string method;
  std::string target;  // raw request target: path + "?" + query
  std::string path;    // target without the query, not decoded
  std::string query;   // after '?', not decoded
  Headers headers;
  std::string body;
  std::string remote_address;
  std::map<std::string, std::string> path_params;  // filled by Router, percent-decoded
  EventLoop* loop = nullptr;  // the io thread serving this request; null outside a server

  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
  // Decoded value of the first `name=` query parameter ('+' is a space).
  std::optional<std::string> QueryParam(std::string_view name) const;
  std::string PathParam(const std::string& name) const;
};

// How a handler answers. Thread-safe: every method may be called from any thread, at any time
// (before or after the handler returned); calls from other threads are posted to the connection's
// loop and run in order. Exactly one of Respond or Begin…End per request. A writer that is dropped
// without an answer sends a 500 (or ends the stream).
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // A complete response; Content-Length is set from the body.
  virtual void Respond(Response response) = 0;
  // Starts a chunked streaming response. Content-Type must be given in headers (or is
  // application/octet-stream).
  virtual void Begin(int status, Headers headers) = 0;
  // One chunk, flushed at once (TCP_NODELAY).
  virtual void Write(std::string data) = 0;
  // Finishes the stream (last chunk); the connection stays open for the next request.
  virtual void End() = 0;
  // Drops the connection without (the rest of) an answer: the socket is closed with SO_LINGER 0,
  // so the client sees a connection reset (or EOF) — before any byte, or mid-stream after Begin.
  // Anything queued before Abort is still sent first. For fault injection (the simulator's
  // `reset`); a real handler answers with a status. Writers that cannot drop a connection fall
  // back to a 502 (this default).
  virtual void Abort() {
    Respond(Response{.status = 502,
                     .headers = {{"Content-Type", "application/json"}},
                     .body = R"({"error":"connection aborted"})"});
  }
  // Begin with Content-Type: text/event-stream, Cache-Control: no-cache.
  void BeginSse(Headers extra = {});
  void WriteEvent(const SseEvent& event) { Write(FormatSseEvent(event)); }
  void WriteComment(std::string_view text) { Write(": " + std::string(text) + "\n\n"); }
  // True once the client went away, a write failed or the server is force-closing: stop producing.
  virtual bool closed() const = 0;
};

using Handler = std::function<void(ServerRequest& request, std::shared_ptr<ResponseWriter> writer)>;

// Helpers for handlers.
Response TextResponse(int status, std::string body, std::string content_type = "text/plain");
Response JsonResponse(int status, std::string body);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = pick a free port; see HttpServer::port()
  int io_threads = 1;
  // How long an io thread keeps polling for work before it sleeps (EventLoop::Run, loop.h): lower
  // latency for a proxy on a VM, paid in CPU after each burst of work. 0 = sleep at once.
  std::chrono::microseconds busy_poll{0};
  std::size_t max_body_bytes = 8u << 20;            // larger bodies get 413
  std::size_t max_header_bytes = 16u << 10;         // larger header blocks get 431
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive connection without a request
  std::chrono::milliseconds read_timeout{30'000};   // one request, once its first byte arrived
  std::chrono::milliseconds write_timeout{30'000};  // one write to a slow client
  std::string server_header;  // "Server:" value; default "spacefactory/<version>"
  // The JSON body of the errors the server answers itself (400 malformed request, 413, 431, 500
  // from a handler that threw or did not answer): `code` is a short machine name
  // ("request_too_large"). Default: {"error": "<message>"} (the Hub's shape); `serve` uses the
  // OpenAI error object.
  std::function<std::string(int status, std::string_view message, std::string_view code)>
      error_body;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;  // Stop(0) if still running
  virtual std::uint16_t port() const = 0;
  virtual std::string url() const = 0;  // "http://127.0.0.1:PORT"
  // Graceful shutdown: stop accepting, close idle keep-alive connections, let in-flight requests
  // and streams finish for up to `grace`, then close what is left and join the io threads.
  // Idempotent. Blocks: never call it from a handler or anything else on an io thread.
  virtual void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) = 0;
  // Blocks until Stop has completed (from another thread or a signal handler thread).
  virtual void Wait() = 0;
  virtual std::size_t open_connections() const = 0;
};

// Binds (SO_REUSEADDR, listen backlog SOMAXCONN) and starts the io threads, one io_context each;
// accepted connections are spread over them round robin.
Result<std::unique_ptr<HttpServer>> NewHttpServer(ServerOptions options, Handler handler);

// ---------------------------------------------------------------------------------------------
// Upstream calls on a server's io thread (for proxies: the gateway)

using DoneCallback = std::function<void(Result<Response>)>;

// True when StreamOnLoop can carry `url`: plain http:// with no proxy in the environment for its
// host (http_proxy / HTTP_PROXY / all_proxy / ALL_PROXY, honouring no_proxy / NO_PROXY: "*", a
// host or a domain suffix). Everything else (TLS, proxies) goes through NewCurlHttpClient on a
// worker thread.
bool CanStreamOnLoop(std::string_view url, const Env& env);

// Sends `request` from `loop` without blocking it; callable from any thread. Callbacks run on the
// loop's thread in order, on_done exactly once and last, with the meaning of HttpClient::Stream's
// result (kCancelled when a callback returned false; kUnavailable / kTimeout for transport
// failures; messages name the method and host only). Keep-alive connections are pooled per loop
// and host:port. No retries, except one: a pooled connection that turns out closed before any
// response byte is replaced by a fresh one and the request re-sent, when the method is idempotent
// or request.idempotent_override is set. Timeouts: connect_timeout, idle_timeout per read or
// write, total_timeout for the whole exchange.
void StreamOnLoop(EventLoop& loop, Request request, HeadersCallback on_headers,
                  ChunkCallback on_chunk, DoneCallback on_done);
// Runs `fn` on the loop's thread after `delay` (0 = as soon as possible).
void RunOnLoopAfter(EventLoop& loop, std::chrono::milliseconds delay, std::function<void()> fn);

// Method + path routing with `{param}` segments and a trailing `{param...}` catch-all
// ("/api/spaces/{owner}/{name}", "/{type}/{owner}/{name}/resolve/{rev}/{path...}"). The first
// matching route wins; no match gives 404, a path match with another method 405 with Allow.
class Router {
 public:
  Router& Add(std::string method, std::string pattern, Handler handler);
  Router& Get(std::string pattern, Handler h) {
    return Add("GET", std::move(pattern), std::move(h));
  }
  Router& Post(std::string pattern, Handler h) {
    return Add("POST", std::move(pattern), std::move(h));
  }
  Router& Put(std::string pattern, Handler h) {
    return Add("PUT", std::move(pattern), std::move(h));
  }
  Router& Delete(std::string pattern, Handler h) {
    return Add("DELETE", std::move(pattern), std::move(h));
  }
  void set_not_found(Handler h) { not_found_ = std::move(h); }

  void Dispatch(ServerRequest& request, std::shared_ptr<ResponseWriter> writer) const;
  // A Handler sharing this router's routes (copy the router's state; add routes before calling).
  Handler AsHandler() const;

  // Matching alone (for tests): fills params on success.
  static bool Match(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>* params);

 private:
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    bool literal = false;  // no {param}: matched by comparison
  };
  std::vector<Route> routes_;
  Handler not_found_;
};

// Percent-decoding of a URL component ("%2F" → "/"); `plus_is_space` for query strings.
std::string UrlDecode(std::string_view text, bool plus_is_space = false);
// "host" or "host:port" of a URL, for error messages (never the path or query).
std::string UrlHostForMessage(std::string_view url);

}  // namespace sf::http

// Streamable HTTP transport, legacy shape (2025-03-26 … 2025-11-25): POST answered with JSON or an
// SSE stream, a standalone GET stream, Mcp-Session-Id sessions with idle expiry, DELETE,
// resumption with Last-Event-ID, and Host / Origin checks against DNS rebinding.
//
// A POSTed request is answered with one application/json response unless something has to be
// streamed: the first message sent before the response (progress, a log, a server→client request)
// opens an SSE stream, and a client that ranks text/event-stream above application/json in Accept
// (or accepts only SSE) gets SSE for everything (HttpOut). Every SSE answer goes out as events with
// ids "<stream>-<seq>"; the last events of each stream are kept so a client that lost the
// connection can GET them again with Last-Event-ID (and keep receiving the rest of that stream on
// the new connection).
#include <sodium.h>

#include <algorithm>
#include <charconv>

#include "mcp/mcp.h"

namespace sf::mcp {
namespace {

constexpr const char* kSessionHeader = "Mcp-Session-Id";

http::Response RpcError(int status, int code, std::string_view message, json data = nullptr) {
  return http::JsonResponse(status, Serialize(MakeError(nullptr, code, message, std::move(data))));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "host", "host:port", "[::1]:port" → "host" / "::1", lower case.
std::string HostName(std::string_view hostport) {
  if (hostport.starts_with("[")) {
    auto close = hostport.find(']');
    return Lower(hostport.substr(1, close == std::string_view::npos ? hostport.npos : close - 1));
  }
  if (std::count(hostport.begin(), hostport.end(), ':') > 1) return Lower(hostport);  // bare IPv6
  return Lower(hostport.substr(0, hostport.find(':')));
}

bool IsWildcard(std::string_view host) { return host == "0.0.0.0" || host == "::" || host.empty(); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

bool IContains(std::string_view hay, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

// A request header by name (case-insensitive), without copying it; null when absent.
const std::string* HeaderOf(const http::ServerRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (IEquals(k, name)) return &v;
  return nullptr;
}

// What an Accept header says about the two answer types: their q-values (0 = not acceptable) and
// where each was named (ties go to the one the client listed first). Explicit media types win
// over application/*, text/* and */*. No header = */*.
struct AcceptPrefs {
  double json = 0, sse = 0;
  std::size_t json_pos = SIZE_MAX, sse_pos = SIZE_MAX;
  bool accept_json() const { return json > 0; }
  bool accept_sse() const { return sse > 0; }
  bool prefers_sse() const { return sse > json || (sse > 0 && sse == json && sse_pos < json_pos); }
};

AcceptPrefs ParseAccept(const std::string* header) {
  AcceptPrefs p;
  if (!header) {
    p.json = p.sse = 1;
    return p;
  }
  // Specificity per type: 0 none, 1 */*, 2 type/*, 3 exact.
  int json_spec = 0, sse_spec = 0;
  auto set = [](double q, std::size_t pos, int spec, double& value, std::size_t& at, int& best) {
    if (spec <= best) return;  // the most specific range decides; among equals the first
    best = spec;
    value = q;
    at = pos;
  };
  std::string_view rest = *header;
  for (std::size_t pos = 0; !rest.empty(); ++pos) {
    std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::size_t semi = item.find(';');
    std::string_view media = Trim(item.substr(0, semi));
    double q = 1;
    while (semi != std::string_view::npos) {
      item = item.substr(semi + 1);
      semi = item.find(';');
      std::string_view param = Trim(item.substr(0, semi));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        double v = 0;
        auto [end, ec] = std::from_chars(param.data() + 2, param.data() + param.size(), v);
        if (ec == std::errc()) q = std::clamp(v, 0.0, 1.0);
      }
    }
    if (IEquals(media, "application/json")) set(q, pos, 3, p.json, p.json_pos, json_spec);
    if (IEquals(media, "text/event-stream")) set(q, pos, 3, p.sse, p.sse_pos, sse_spec);
    if (IEquals(media, "application/*")) set(q, pos, 2, p.json, p.json_pos, json_spec);
    if (IEquals(media, "text/*")) set(q, pos, 2, p.sse, p.sse_pos, sse_spec);
    if (media == "*/*") {
      set(q, pos, 1, p.json, p.json_pos, json_spec);
      set(q, pos, 1, p.sse, p.sse_pos, sse_spec);
    }
  }
  return p;
}

struct SseStream {
  std::mutex mu;
  std::string id;
  std::size_t max_events = 256;
  http::Headers headers;
  std::deque<std::pair<std::uint64_t, std::string>> events;
  std::uint64_t next_seq = 1;
  std::shared_ptr<http::ResponseWriter> writer;
  bool finished = false;

  void Push(std::string data, bool final) {
    std::lock_guard<std::mutex> lock(mu);
    if (finished) return;
    std::uint64_t seq = next_seq++;
    if (writer && !writer->closed())
      writer->WriteEvent({.event = "message", .data = data, .id = id + "-" + std::to_string(seq)});
    events.emplace_back(seq, std::move(data));
    while (events.size() > max_events) events.pop_front();
    if (final) {
      finished = true;
      if (writer) writer->End();
      writer.reset();
    }
  }
  void Finish() {
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    if (writer) writer->End();
    writer.reset();
  }
  // A (new) connection for this stream: replay what came after `after`, then go live.
  void Attach(std::shared_ptr<http::ResponseWriter> w, std::uint64_t after) {
    std::lock_guard<std::mutex> lock(mu);
    if (writer && writer != w) writer->End();
    writer.reset();
    w->BeginSse(headers);
    for (const auto& [seq, data] : events)
      if (seq > after)
        w->WriteEvent({.event = "message", .data = data, .id = id + "-" + std::to_string(seq)});
    if (finished)
      w->End();
    else
      writer = std::move(w);
  }
  bool Live() {
    std::lock_guard<std::mutex> lock(mu);
    return writer && !writer->closed();
  }
  void KeepAlive() {
    std::lock_guard<std::mutex> lock(mu);
    if (writer && !writer->closed()) writer->WriteComment("keep-alive");
  }
};

struct HttpSession {
  std::shared_ptr<Session> session;
  std::string id;
  std::mutex mu;
  std::chrono::steady_clock::time_point last_used;
  std::map<std::uint64_t, std::shared_ptr<SseStream>> streams;  // 0 = the standalone GET stream
  std::uint64_t next_stream = 1;
  int active = 0;  // requests being answered
  std::size_t max_events = 256;

  http::Headers Headers() const { return {{kSessionHeader, id}}; }  // BeginSse adds the rest
  std::shared_ptr<SseStream> NewStream() {
    auto s = std::make_shared<SseStream>();
    s->headers = Headers();
    s->max_events = max_events;
    std::lock_guard<std::mutex> lock(mu);
    std::uint64_t n = next_stream++;
    s->id = std::to_string(n);
    streams[n] = s;
    // Keep the standalone stream and the 32 newest others.
    while (streams.size() > 33) {
      auto oldest = std::next(streams.begin());
      if (oldest == streams.end()) break;
      streams.erase(oldest);
    }
    return s;
  }
  std::shared_ptr<SseStream> Find(std::uint64_t n) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = streams.find(n);
    return it == streams.end() ? nullptr : it->second;
  }
  void EndAll() {
    std::vector<std::shared_ptr<SseStream>> all;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [n, s] : streams) all.push_back(s);
    }
    for (auto& s : all) s->Finish();
  }
};

// Keeps a session from expiring while a request runs.
struct ActiveGuard {
  explicit ActiveGuard(std::shared_ptr<HttpSession> s) : hs(std::move(s)) {
    std::lock_guard<std::mutex> lock(hs->mu);
    ++hs->active;
  }
  ~ActiveGuard() {
    std::lock_guard<std::mutex> lock(hs->mu);
    --hs->active;
  }
  std::shared_ptr<HttpSession> hs;
};

// The answer to one POSTed request: JSON, unless something must be streamed first (then SSE).
class HttpOut final : public Outbound {
 public:
  // `can_sse`: the client accepts text/event-stream; `prefer_sse`: answer as SSE even when
  // nothing is streamed before the response (the client ranks SSE first, or sse_responses).
  HttpOut(std::shared_ptr<HttpSession> hs, std::shared_ptr<http::ResponseWriter> w, bool can_sse,
          bool prefer_sse)
      : hs_(std::move(hs)),
        w_(std::move(w)),
        can_sse_(can_sse),
        prefer_sse_(can_sse && prefer_sse) {
    std::lock_guard<std::mutex> lock(hs_->mu);
    ++hs_->active;
  }
  ~HttpOut() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!done_) {
        // Never answered (a dropped job): end the exchange cleanly.
        if (stream_)
          stream_->Finish();
        else
          w_->Respond(RpcError(500, err::kInternal, "Internal error: no response"));
      }
    }
    std::lock_guard<std::mutex> lock(hs_->mu);
    --hs_->active;
  }
  void Send(const json& message) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_ || !can_sse_) return;
    if (!stream_) {
      stream_ = hs_->NewStream();
      stream_->Attach(w_, 0);
    }
    stream_->Push(Serialize(message), false);
  }
  void Reply(const json& response) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    done_ = true;
    if (!stream_ && prefer_sse_) {
      stream_ = hs_->NewStream();
      stream_->Attach(w_, 0);
    }
    if (stream_) return stream_->Push(Serialize(response), true);
    http::Response r = http::JsonResponse(200, Serialize(response));
    r.headers.emplace_back(kSessionHeader, hs_->id);
    w_->Respond(std::move(r));
  }
  void Drop() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    done_ = true;
    if (stream_) return stream_->Finish();
    w_->BeginSse(hs_->Headers());  // cancelled: an empty stream, no response
    w_->End();
  }

 private:
  std::shared_ptr<HttpSession> hs_;
  std::shared_ptr<http::ResponseWriter> w_;
  bool can_sse_;
  bool prefer_sse_;
  std::mutex mu_;
  bool done_ = false;
  std::shared_ptr<SseStream> stream_;
};

// Captures a synchronous reply (initialize).
class CaptureOut final : public Outbound {
 public:
  void Send(const json&) override {}
  void Reply(const json& response) override { reply = response; }
  json reply;
};

std::string RandomSessionId() {
  unsigned char buf[16];
  randombytes_buf(buf, sizeof buf);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buf) {
    out.push_back(hex[b >> 4]);
    out.push_back(hex[b & 15]);
  }
  return out;
}

}  // namespace

struct HttpTransport::Impl {
  std::shared_ptr<Server> server;
  HttpOptions opt;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<HttpSession>> sessions;
  std::mutex bg_mu;
  std::condition_variable bg_cv;
  bool stopping = false;
  std::thread bg;

  std::chrono::steady_clock::time_point Now() const { return clock->Monotonic(); }

  bool HostAllowed(const std::string& host) const {
    if (host == "localhost" || host == "127.0.0.1" || host == "::1") return true;
    if (!IsWildcard(opt.bind_host) && host == HostName(opt.bind_host)) return true;
    for (const auto& h : opt.allowed_hosts)
      if (HostName(h) == host) return true;
    return false;
  }

  std::optional<http::Response> CheckHostOrigin(const http::ServerRequest& r) const {
    if (const std::string* host = HeaderOf(r, "Host");
        host && !(IsWildcard(opt.bind_host) && opt.allowed_hosts.empty())) {
      if (!HostAllowed(HostName(*host)))
        return RpcError(403, err::kServer, "Forbidden: Host header not allowed: " + *host);
    }
    if (const std::string* origin = HeaderOf(r, "Origin")) {
      std::string o = Lower(*origin);
      auto scheme = o.find("://");
      bool ok = false;
      if (scheme != std::string::npos && (o.starts_with("http://") || o.starts_with("https://"))) {
        std::string rest = o.substr(scheme + 3);
        ok = HostAllowed(HostName(rest.substr(0, rest.find('/'))));
      }
      if (!ok) return RpcError(403, err::kServer, "Forbidden: Origin not allowed: " + *origin);
    }
    return std::nullopt;
  }

  bool Expired(HttpSession& hs, std::chrono::steady_clock::time_point now) {
    std::shared_ptr<SseStream> standalone;
    {
      std::lock_guard<std::mutex> lock(hs.mu);
      if (hs.active > 0 || now - hs.last_used <= opt.session_idle_timeout) return false;
      standalone = hs.streams.count(0) ? hs.streams[0] : nullptr;
    }
    return !(standalone && standalone->Live());
  }

  // Looks a session up, expiring it when idle too long.
  std::shared_ptr<HttpSession> Find(const std::string& id) {
    std::shared_ptr<HttpSession> hs;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = sessions.find(id);
      if (it == sessions.end()) return nullptr;
      hs = it->second;
      if (Expired(*hs, Now())) {
        sessions.erase(it);
      } else {
        std::lock_guard<std::mutex> l2(hs->mu);
        hs->last_used = Now();
        return hs;
      }
    }
    Terminate(*hs);
    return nullptr;
  }

  void Terminate(HttpSession& hs) {
    hs.session->Close();
    hs.EndAll();
  }

  std::shared_ptr<HttpSession> NewHttpSession() {
    auto hs = std::make_shared<HttpSession>();
    hs->id = opt.new_session_id ? opt.new_session_id() : RandomSessionId();
    hs->max_events = opt.replay_events_per_stream;
    hs->last_used = Now();
    hs->session = server->NewSession(hs->id);
    auto standalone = std::make_shared<SseStream>();
    standalone->id = "0";
    standalone->headers = hs->Headers();
    standalone->max_events = opt.replay_events_per_stream;
    hs->streams[0] = standalone;
    hs->session->SetStandalone(
        [standalone](const json& m) { standalone->Push(Serialize(m), false); });
    return hs;
  }

  // Resolves the session of a non-initialize request, or answers the error.
  std::shared_ptr<HttpSession> RequireSession(const http::ServerRequest& r,
                                              http::ResponseWriter& w) {
    const std::string* sid = HeaderOf(r, kSessionHeader);
    if (!sid || sid->empty()) {
      w.Respond(RpcError(400, err::kServer,
                         "Bad Request: Mcp-Session-Id header is required (send initialize "
                         "first)"));
      return nullptr;
    }
    auto hs = Find(*sid);
    if (!hs)
      w.Respond(RpcError(404, err::kSessionNotFound,
                         "Session not found (unknown, expired or terminated): send initialize "
                         "again"));
    return hs;
  }

  void Post(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w);
  void Get(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w);
  void Delete(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w);
  void Sweep();
};

void HttpTransport::Impl::Post(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w) {
  const std::string* ctype = HeaderOf(r, "Content-Type");
  if (!ctype || !IContains(*ctype, "application/json"))
    return w->Respond(RpcError(415, err::kServer,
                               "Unsupported Media Type: Content-Type must be application/json"));
  const AcceptPrefs accept = ParseAccept(HeaderOf(r, "Accept"));
  if (!accept.accept_json() && !accept.accept_sse())
    return w->Respond(RpcError(406, err::kServer,
                               "Not Acceptable: Accept must include application/json and "
                               "text/event-stream"));
  if (const std::string* v = HeaderOf(r, "MCP-Protocol-Version"); v && !IsSupportedVersion(*v)) {
    if (IsModernVersion(*v))
      return w->Respond(http::JsonResponse(400, Serialize(UnsupportedVersionError(nullptr, *v))));
    return w->Respond(RpcError(400, err::kServer,
                               "Bad Request: unsupported MCP-Protocol-Version " + *v +
                                   " (supported: " + SupportedVersionsText() + ")",
                               {{"supported", SupportedVersions()}, {"requested", *v}}));
  }
  Decoded d = Decode(r.body, opt.limits);
  if (!d.batch && d.messages.empty())
    return w->Respond(http::JsonResponse(400, Serialize(d.errors.front())));

  const Message* first = d.messages.empty() ? nullptr : &d.messages.front();
  bool is_initialize =
      !d.batch && first && first->kind == MessageKind::kRequest && first->method == "initialize";
  if (is_initialize) {
    if (HeaderOf(r, kSessionHeader))
      return w->Respond(RpcError(400, err::kInvalidRequest,
                                 "Invalid Request: initialize must be sent without an "
                                 "Mcp-Session-Id (this session is already initialized)"));
    {
      std::lock_guard<std::mutex> lock(mu);
      if (sessions.size() >= opt.max_sessions) {
        auto now = Now();
        std::erase_if(sessions, [&](auto& kv) {
          if (!Expired(*kv.second, now)) return false;
          Terminate(*kv.second);
          return true;
        });
        if (sessions.size() >= opt.max_sessions)
          return w->Respond(
              RpcError(503, err::kServer, "Service Unavailable: too many MCP sessions; try later"));
      }
    }
    auto hs = NewHttpSession();
    auto capture = std::make_shared<CaptureOut>();
    hs->session->Handle(*first, capture);
    bool ok = capture->reply.contains("result");
    if (ok) {
      std::lock_guard<std::mutex> lock(mu);
      sessions[hs->id] = hs;
    } else {
      Terminate(*hs);
    }
    http::Response resp = http::JsonResponse(ok ? 200 : 400, Serialize(capture->reply));
    if (ok) resp.headers.emplace_back(kSessionHeader, hs->id);
    return w->Respond(std::move(resp));
  }

  if (!HeaderOf(r, kSessionHeader)) {
    // A stateless-era client puts its version in every request's _meta instead of a session.
    for (const auto& m : d.messages) {
      if (m.method == "server/discover")
        return w->Respond(
            http::JsonResponse(400, Serialize(UnsupportedVersionError(m.id, kModernVersion))));
      if (m.params.is_object() && m.params.contains("_meta") && m.params["_meta"].is_object() &&
          m.params["_meta"].contains("io.modelcontextprotocol/protocolVersion")) {
        std::string v = m.params["_meta"].value("io.modelcontextprotocol/protocolVersion", "");
        return w->Respond(http::JsonResponse(400, Serialize(UnsupportedVersionError(m.id, v))));
      }
    }
  }
  auto hs = RequireSession(r, *w);
  if (!hs) return;
  Session& s = *hs->session;

  if (d.batch) {
    if (!BatchAllowed(s)) return w->Respond(http::JsonResponse(400, Serialize(BatchRefused(s))));
    auto active = std::make_shared<ActiveGuard>(hs);  // no expiry while the batch runs
    HandleBatch(s, d, nullptr, [w, hs, active](json all) {
      http::Response resp =
          all.empty() ? http::Response{.status = 202} : http::JsonResponse(200, Serialize(all));
      resp.headers.emplace_back(kSessionHeader, hs->id);
      w->Respond(std::move(resp));
    });
    return;
  }
  const Message& m = *first;
  if (m.kind != MessageKind::kRequest) {
    s.Handle(m, nullptr);
    http::Response resp{.status = 202};
    resp.headers.emplace_back(kSessionHeader, hs->id);
    return w->Respond(std::move(resp));
  }
  s.Handle(m, std::make_shared<HttpOut>(hs, w, accept.accept_sse(),
                                        accept.prefers_sse() || opt.sse_responses));
}

void HttpTransport::Impl::Get(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w) {
  std::string accept = Lower(r.Header("Accept").value_or(""));
  if (accept.find("text/event-stream") == std::string::npos)
    return w->Respond(RpcError(406, err::kServer,
                               "Not Acceptable: a GET stream needs Accept: text/event-stream"));
  auto hs = RequireSession(r, *w);
  if (!hs) return;
  if (auto last = r.Header("Last-Event-ID")) {
    auto dash = last->find('-');
    std::uint64_t stream = 0, seq = 0;
    bool ok = dash != std::string::npos && dash > 0 && dash + 1 < last->size();
    try {
      if (ok) {
        stream = std::stoull(last->substr(0, dash));
        seq = std::stoull(last->substr(dash + 1));
      }
    } catch (...) {
      ok = false;
    }
    if (auto s = ok ? hs->Find(stream) : nullptr) return s->Attach(w, seq);
    // An id we no longer know: a fresh standalone stream.
  }
  hs->Find(0)->Attach(w, ~std::uint64_t{0});
}

void HttpTransport::Impl::Delete(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w) {
  auto hs = RequireSession(r, *w);
  if (!hs) return;
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(hs->id);
  }
  Terminate(*hs);
  w->Respond(http::JsonResponse(200, "{}"));
}

void HttpTransport::Impl::Sweep() {
  std::vector<std::shared_ptr<HttpSession>> expired, live;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto now = Now();
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (Expired(*it->second, now)) {
        expired.push_back(it->second);
        it = sessions.erase(it);
      } else {
        live.push_back(it->second);
        ++it;
      }
    }
  }
  for (auto& hs : expired) Terminate(*hs);
  for (auto& hs : live) {
    std::vector<std::shared_ptr<SseStream>> streams;
    {
      std::lock_guard<std::mutex> lock(hs->mu);
      for (auto& [n, s] : hs->streams) streams.push_back(s);
    }
    for (auto& s : streams) s->KeepAlive();
  }
}

// ---------------------------------------------------------------------------------------------

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<HttpTransport> HttpTransport::Create(std::shared_ptr<Server> server,
                                                     HttpOptions options) {
  if (sodium_init() < 0) {
    // randombytes still works after a failed init on Linux (getrandom); nothing else to do.
  }
  auto impl = std::make_unique<Impl>();
  impl->server = std::move(server);
  impl->opt = std::move(options);
  impl->clock = impl->opt.clock ? impl->opt.clock : &impl->system_clock;
  auto t = std::shared_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
  if (t->impl_->opt.keepalive_interval.count() > 0) {
    Impl* p = t->impl_.get();
    p->bg = std::thread([p] {
      std::unique_lock<std::mutex> lock(p->bg_mu);
      while (!p->stopping) {
        p->bg_cv.wait_for(lock, p->opt.keepalive_interval);
        if (p->stopping) break;
        lock.unlock();
        p->Sweep();
        lock.lock();
      }
    });
  }
  return t;
}

HttpTransport::~HttpTransport() { Stop(); }

void HttpTransport::Mount(http::Router& router) {
  auto self = shared_from_this();
  auto h = [self](http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w) {
    self->Handle(r, std::move(w));
  };
  router.Post(impl_->opt.path, h);
  router.Get(impl_->opt.path, h);
  router.Delete(impl_->opt.path, h);
}

void HttpTransport::Handle(http::ServerRequest& r, std::shared_ptr<http::ResponseWriter> w) {
  if (auto refused = impl_->CheckHostOrigin(r)) return w->Respond(std::move(*refused));
  if (r.method == "POST") return impl_->Post(r, std::move(w));
  if (r.method == "GET") return impl_->Get(r, std::move(w));
  if (r.method == "DELETE") return impl_->Delete(r, std::move(w));
  http::Response resp = RpcError(405, err::kServer, "Method Not Allowed");
  resp.headers.emplace_back("Allow", "GET, POST, DELETE");
  w->Respond(std::move(resp));
}

void HttpTransport::Sweep() { impl_->Sweep(); }

std::size_t HttpTransport::session_count() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->sessions.size();
}

void HttpTransport::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->bg_mu);
    impl_->stopping = true;
  }
  impl_->bg_cv.notify_all();
  if (impl_->bg.joinable()) impl_->bg.join();
  std::map<std::string, std::shared_ptr<HttpSession>> all;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    all.swap(impl_->sessions);
  }
  for (auto& [id, hs] : all) impl_->Terminate(*hs);
}

}  // namespace sf::mcp

// Upstream calls on a server's io thread: a Beast HTTP/1.1 client on the loop's own io_context,
// with a keep-alive pool per loop and host:port (loop.h). A gateway handler can then forward a
// request and relay the answer without leaving the thread that serves its client: no worker pool,
// no thread hand-off, no blocking (http-stack.md recommendation ii). Plain http:// only: TLS and
// proxies stay with libcurl (CanStreamOnLoop says which).
// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange (pitfall 1)
// clang-format on

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>

#include "http/loop.h"
#include "http/wire.h"

namespace sf::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Ms = std::chrono::milliseconds;

constexpr std::size_t kMaxIdlePerHost = 256;

// URL parsing is libcurl's (CURLU), not ours.
std::optional<UrlParts> SplitUrl(std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK)
    return std::nullopt;
  auto get = [&](CURLUPart part, unsigned flags) -> std::optional<std::string> {
    char* out = nullptr;
    if (curl_url_get(u.get(), part, &out, flags) != CURLUE_OK) return std::nullopt;
    std::string s(out);
    curl_free(out);
    return s;
  };
  UrlParts p;
  auto scheme = get(CURLUPART_SCHEME, 0);
  auto host = get(CURLUPART_HOST, 0);
  auto port = get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  auto path = get(CURLUPART_PATH, 0);
  if (!scheme || !host || !port || !path) return std::nullopt;
  p.scheme = std::move(*scheme);
  p.host = std::move(*host);
  if (p.host.size() > 2 && p.host.front() == '[') p.host = p.host.substr(1, p.host.size() - 2);
  p.port = std::move(*port);
  p.host_port = p.host + ":" + p.port;
  p.host_header = p.host.find(':') != std::string::npos ? "[" + p.host + "]" : p.host;
  if (p.port != "80") p.host_header += ":" + p.port;
  p.target = std::move(*path);
  if (auto query = get(CURLUPART_QUERY, 0)) p.target += "?" + *query;
  return p;
}

struct Call;

// The upstream's answer parsed by Beast straight into what the relay needs: the status line and
// headers into the Response, body bytes to the call's chunk callback as Beast finds them (with or
// without chunked framing). A response_parser would first build Beast's own header container (an
// allocation and a tree insert per field, then copied out) and pass the body through a
// buffer_body piece.
class RelayParser final : public bhttp::basic_parser<false> {
 public:
  RelayParser(Call& call, Response& head) : call_(call), head_(head) {}
  // True once the chunk callback returned false; the parse stopped with an error there.
  bool aborted() const { return aborted_; }

 private:
  using Ec = boost::system::error_code;
  void on_request_impl(bhttp::verb, std::string_view, std::string_view, int, Ec&) override {}
  void on_response_impl(int code, std::string_view, int, Ec&) override { head_.status = code; }
  void on_field_impl(bhttp::field, std::string_view name, std::string_view value, Ec&) override {
    head_.headers.emplace_back(name, value);
  }
  void on_header_impl(Ec&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, Ec&) override {}
  std::size_t on_body_impl(std::string_view body, Ec& ec) override { return Relay(body, ec); }
  void on_chunk_header_impl(std::uint64_t, std::string_view, Ec&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, std::string_view body, Ec& ec) override {
    return Relay(body, ec);
  }
  void on_finish_impl(Ec&) override {}
  std::size_t Relay(std::string_view body, Ec& ec);

  Call& call_;
  Response& head_;
  bool aborted_ = false;
};

struct Call {
  EventLoop* loop = nullptr;
  Request request;
  HeadersCallback on_headers;
  ChunkCallback on_chunk;
  DoneCallback on_done;
  bool done = false;

  void Finish(Result<Response> result) {
    if (done) return;
    done = true;
    DoneCallback cb = std::move(on_done);
    on_headers = nullptr;
    on_chunk = nullptr;
    cb(std::move(result));
  }
};

std::size_t RelayParser::Relay(std::string_view body, Ec& ec) {
  if (!body.empty() && call_.on_chunk && !call_.on_chunk(body)) {
    aborted_ = true;
    ec = asio::error::operation_aborted;
  }
  return body.size();
}

Status TransportError(const Call& call, const UrlParts& url, const UpstreamConn& conn,
                      const boost::system::error_code& ec, std::string_view what) {
  std::string msg = call.request.method + " " + url.host_port + ": " + std::string(what) + ": ";
  if (conn.watchdog.expired) return Status(Code::kTimeout, msg + "timed out");
  return Unavailable(msg + ec.message());
}

const std::string& UserAgent() {
  static const std::string agent = "spacefactory/" + std::string(Version());
  return agent;
}

// The remaining budget for the next operation: the idle timeout, capped by the total deadline.
Ms NextBudget(const Request& r, std::optional<SteadyClock::time_point> deadline, Ms fallback) {
  Ms budget = r.idle_timeout.count() > 0 ? r.idle_timeout : fallback;
  if (deadline) {
    auto left = std::chrono::duration_cast<Ms>(*deadline - SteadyClock::now());
    budget = std::min(budget, std::max(left, Ms(1)));
  }
  return budget;
}

// Connections pooled for less than this are taken without the closed check when the request may
// be re-sent: upstreams close idle keep-alive connections after seconds (Node and uvicorn 5 s,
// nginx 75 s), and a rare one closed sooner costs a re-send on a new connection, not an error.
constexpr auto kUncheckedReuse = std::chrono::seconds(1);

// Takes an idle pooled connection that is still open. An upstream that closed a keep-alive
// connection while it sat in the pool (its idle timeout) left an EOF or a reset to read; such
// connections are dropped here, before a request is written to them (libcurl checks the same
// way), so a pool emptied by the upstream costs no failed attempt. One MSG_PEEK per reuse, except
// for a re-sendable request on a connection pooled moments ago (a busy gateway: the check was one
// syscall in six per request).
std::shared_ptr<UpstreamConn> TakeIdle(EventLoop& loop, const std::string& pool_key,
                                       bool may_resend) {
  auto it = loop.idle.find(pool_key);
  if (it == loop.idle.end()) return nullptr;
  auto& idle = it->second;
  while (!idle.empty()) {
    std::shared_ptr<UpstreamConn> conn = std::move(idle.back());
    idle.pop_back();
    if (may_resend && SteadyClock::now() - conn->pooled_at < kUncheckedReuse) return conn;
    char byte;
    ssize_t n = ::recv(conn->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return conn;
    // 0: closed by the upstream; > 0: bytes nobody asked for; < 0: reset. Closed on destruction.
  }
  return nullptr;
}

LoopAwaitable<void> RunCall(std::shared_ptr<Call> call, std::shared_ptr<const UrlParts> url) {
  EventLoop& loop = *call->loop;
  const Request& r = call->request;
  const std::string& pool_key = url->host_port;
  std::optional<SteadyClock::time_point> deadline;
  if (r.total_timeout.count() > 0) deadline = SteadyClock::now() + r.total_timeout;
  const Ms no_limit = Ms(24LL * 3600 * 1000);

  // The request head is written once per attempt into the connection's buffer (wire.h); the
  // body goes out from here, not copied.
  const std::string body = std::move(call->request.body);  // a re-send reuses it
  bool has_host = false;
  bool has_agent = false;
  if (!IsSendableField(r.method, {})) {
    co_return call->Finish(InvalidArgument("upstream request: method is not an HTTP token"));
  }
  for (const auto& [name, value] : r.headers) {
    if (!IsSendableField(name, value)) {
      // The value is not quoted: it may be a credential.
      co_return call->Finish(InvalidArgument(
          r.method + " " + url->host_port + ": header " +
          (IsSendableField(name, {}) ? "'" + name + "' has a control character in its value"
                                     : "name is not an HTTP token")));
    }
    has_host = has_host || EqualsIgnoreCase(name, "host");
    has_agent = has_agent || EqualsIgnoreCase(name, "user-agent");
  }
  // Content-Length also for an empty body where the method defines one (RFC 9110 §8.6: a POST
  // without it has no body only by the server's reading).
  const bool send_length = !body.empty() || r.method == "POST" || r.method == "PUT" ||
                           r.method == "PATCH" || r.method == "OPTIONS";
  auto append_head = [&](std::string& out) {
    AppendRequestLine(out, r.method, url->target);
    if (!has_host) AppendField(out, "Host", url->host_header);
    if (!has_agent) AppendField(out, "User-Agent", UserAgent());
    for (const auto& [name, value] : r.headers) {
      if (!IsFramingField(name)) AppendField(out, name, value);
    }
    if (send_length) {
      out += "Content-Length: ";
      AppendDecimal(out, body.size());
      out += "\r\n";
    }
    out += "\r\n";
  };
  const bool may_resend = r.idempotent_override || RetryPolicy::IsIdempotentMethod(r.method);

  boost::system::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    // A re-send (the pooled connection died under the first attempt) always goes out on a new
    // connection: other pooled ones are as old as the one that just failed.
    std::shared_ptr<UpstreamConn> conn =
        attempt == 0 ? TakeIdle(loop, pool_key, may_resend) : nullptr;
    const bool reused = conn != nullptr;
    if (!reused) {
      conn = std::make_shared<UpstreamConn>(loop.ioc);
      boost::system::error_code rec;
      // Numeric hosts connect without a lookup; names go through Asio's resolver thread.
      auto addr = asio::ip::make_address(url->host, rec);
      SetDeadline(*conn, r.connect_timeout);
      if (!rec) {
        std::uint16_t port = static_cast<std::uint16_t>(std::stoi(url->port));
        co_await conn->socket.async_connect(tcp::endpoint(addr, port),
                                            asio::redirect_error(kUseLoop, ec));
      } else {
        asio::ip::basic_resolver<tcp, LoopExecutor> resolver(loop.ioc);
        auto results = co_await resolver.async_resolve(url->host, url->port,
                                                       asio::redirect_error(kUseLoop, ec));
        if (ec) co_return call->Finish(TransportError(*call, *url, *conn, ec, "cannot resolve"));
        co_await asio::async_connect(conn->socket, results, asio::redirect_error(kUseLoop, ec));
      }
      if (ec) co_return call->Finish(TransportError(*call, *url, *conn, ec, "cannot connect"));
      conn->socket.set_option(tcp::no_delay(true), ec);
    }

    SetDeadline(*conn, NextBudget(r, deadline, no_limit));
    TrimOutput(conn->out);
    append_head(conn->out);
    std::array<asio::const_buffer, 2> pieces{asio::buffer(conn->out), asio::buffer(body)};
    co_await asio::async_write(conn->socket, pieces, asio::redirect_error(kUseLoop, ec));
    if (ec && reused && may_resend) continue;  // the pooled connection had died
    if (ec) co_return call->Finish(TransportError(*call, *url, *conn, ec, "cannot send"));

    // The caller's callbacks said stop (on_headers or a chunk returned false).
    auto aborted = [&] {
      return Status(Code::kCancelled, r.method + " " + pool_key + ": aborted");
    };
    beast::flat_buffer& buffer = conn->buffer;
    buffer.clear();
    Response head;
    head.headers.reserve(16);
    RelayParser parser(*call, head);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // pitfall 3
    if (r.method == "HEAD") parser.skip(true);
    SetDeadline(*conn, NextBudget(r, deadline, no_limit));
    co_await bhttp::async_read_header(conn->socket, buffer, parser,
                                      asio::redirect_error(kUseLoop, ec));
    if (ec && reused && may_resend && buffer.size() == 0 &&
        (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::eof))
      continue;  // closed by the upstream while idle: nothing of ours was processed
    if (ec) co_return call->Finish(TransportError(*call, *url, *conn, ec, "no response"));

    if (call->on_headers && !call->on_headers(head.status, head.headers))
      co_return call->Finish(aborted());

    while (!parser.is_done()) {
      // What is buffered already (a short answer arrives with its header) is parsed right here.
      // Beast's read_some would parse it as well, but then post its completion: one more trip
      // through the loop per piece, and a short stream's end leaving in a write of its own.
      bool read = true;
      if (buffer.size() > 0) {
        buffer.consume(parser.put(buffer.data(), ec));
        read = ec == bhttp::error::need_more;  // an element is incomplete: read on
        if (read) ec = {};
      }
      if (read) {  // (a stop inside put() left an error, not need_more: no read)
        SetDeadline(*conn, NextBudget(r, deadline, no_limit));
        co_await bhttp::async_read_some(conn->socket, buffer, parser,
                                        asio::redirect_error(kUseLoop, ec));
      }
      if (parser.aborted())  // the chunk callback said stop
        co_return call->Finish(aborted());
      if (ec) co_return call->Finish(TransportError(*call, *url, *conn, ec, "response cut"));
    }
    if (parser.keep_alive() && buffer.size() == 0) {
      SetDeadline(*conn, SteadyClock::duration::zero());
      conn->pooled_at = SteadyClock::now();
      auto& idle = loop.idle[pool_key];
      if (idle.size() < kMaxIdlePerHost) idle.push_back(std::move(conn));
    }
    co_return call->Finish(std::move(head));
  }
  call->Finish(Unavailable(r.method + " " + pool_key + ": the connection closed twice"));
}

bool HostMatchesNoProxy(std::string_view host, std::string_view list) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view entry = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (entry == "*" || host == entry) return true;
    if (host.size() > entry.size() && host.ends_with(entry) &&
        host[host.size() - entry.size() - 1] == '.')
      return true;
  }
  return false;
}

}  // namespace

bool CanStreamOnLoop(std::string_view url, const Env& env) {
  auto parts = SplitUrl(url);
  if (!parts || parts->scheme != "http") return false;
  bool proxied = false;
  for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"}) {
    auto v = env.Get(name);
    if (v && !v->empty()) proxied = true;
  }
  if (!proxied) return true;
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    auto v = env.Get(name);
    if (v && HostMatchesNoProxy(parts->host, *v)) return true;
  }
  return false;
}

void StreamOnLoop(EventLoop& loop, Request request, HeadersCallback on_headers,
                  ChunkCallback on_chunk, DoneCallback on_done) {
  auto call = std::make_shared<Call>();
  call->loop = &loop;
  call->request = std::move(request);
  call->on_headers = std::move(on_headers);
  call->on_chunk = std::move(on_chunk);
  call->on_done = std::move(on_done);
  asio::dispatch(loop.ioc, [call] {
    auto& cache = call->loop->targets;
    std::shared_ptr<const UrlParts> url;
    if (auto it = cache.find(call->request.url); it != cache.end()) {
      url = it->second;
    } else {
      auto parts = SplitUrl(call->request.url);
      if (!parts || parts->scheme != "http")
        return call->Finish(InvalidArgument(call->request.method + " " +
                                            UrlHostForMessage(call->request.url) +
                                            ": only http:// URLs can be streamed on the loop"));
      url = std::make_shared<const UrlParts>(std::move(*parts));
      if (cache.size() >= 64) cache.clear();
      cache.emplace(call->request.url, url);
    }
    asio::co_spawn(call->loop->ioc, RunCall(call, std::move(url)), [call](std::exception_ptr e) {
      if (e) call->Finish(Internal("upstream call failed: out of memory or bug"));
    });
  });
}

void RunOnLoopAfter(EventLoop& loop, std::chrono::milliseconds delay, std::function<void()> fn) {
  if (delay.count() <= 0) {
    asio::post(loop.ioc, std::move(fn));
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(loop.ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code&) { fn(); });
}

}  // namespace sf::http

// The HTTP server: Boost.Beast/Asio 1.74 with C++20 coroutines (g++ only, see http-stack.md).
// Beast stays inside sf_http: here, upstream.cc, request_parser.h (requests are parsed by a
// basic_parser subclass) and wire.cc (message heads are written there, not by Beast's serializer).
//
// One io_context per io thread (EventLoop, loop.h); connections are spread over the loops round
// robin, and one coroutine per connection runs on its loop. A handler answers through a
// ResponseWriter whose calls are posted to that loop as items on the current exchange's queue; the
// connection coroutine writes them in order, waiting on a timer used as a wake-up signal.
// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange (pitfall 1)
// clang-format on

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "http/http.h"
#include "http/loop.h"
#include "http/request_parser.h"
#include "http/wire.h"

namespace sf::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kRequestReadSize = 8u << 10;
constexpr std::size_t kMaxReadSize = 64u << 10;

struct Item {
  enum Kind { kFull, kBegin, kChunk, kEnd, kAbort, kAbandon } kind;
  Response response;  // kFull; kBegin uses status + headers
  std::string data;   // kChunk
};

// One request/response exchange. `items` is touched only on the connection's loop thread.
struct Exchange {
  std::deque<Item> items;
  bool finished = false;
  std::atomic<bool> closed{false};
  // Items posted to the loop but not yet queued. A push made on the loop thread may go straight
  // into `items` only when this is 0; otherwise it would overtake items written earlier from
  // another thread (a Write from a pump thread, then End from a loop callback).
  std::atomic<int> in_flight{0};
};

struct ConnState : std::enable_shared_from_this<ConnState> {
  ConnState(EventLoop* l, LoopSocket sock)
      : loop(l),
        exec(l->ioc.get_executor()),
        socket(std::move(sock)),
        watchdog(exec),
        signal(exec) {}
  EventLoop* loop;
  LoopExecutor exec;  // one thread runs it: it serialises like a strand
  LoopSocket socket;
  Watchdog watchdog;  // read, write and idle timeouts
  LoopTimer signal;
  std::string out;  // the bytes of the write being sent (wire.h)
  std::shared_ptr<Exchange> current;
  bool idle = true;      // waiting for the next request (loop thread only)
  bool closing = false;  // shutdown: finish the current exchange, then close (loop thread only)
  bool force_closed = false;
};

// Writers may outlive the server: every post goes through this gate, which the server closes
// before its io_context is destroyed.
struct Gate {
  std::mutex mu;
  bool alive = true;
};

class WriterImpl final : public ResponseWriter {
 public:
  WriterImpl(std::shared_ptr<Gate> gate, std::weak_ptr<ConnState> conn,
             std::shared_ptr<Exchange> ex)
      : gate_(std::move(gate)), conn_(std::move(conn)), ex_(std::move(ex)) {}
  ~WriterImpl() override { Push(Item{Item::kAbandon, {}, {}}); }

  void Respond(Response response) override { Push(Item{Item::kFull, std::move(response), {}}); }
  void Begin(int status, Headers headers) override {
    Response r;
    r.status = status;
    r.headers = std::move(headers);
    Push(Item{Item::kBegin, std::move(r), {}});
  }
  void Write(std::string data) override {
    if (data.empty()) return;  // an empty chunk would end the chunked body
    Push(Item{Item::kChunk, {}, std::move(data)});
  }
  void End() override { Push(Item{Item::kEnd, {}, {}}); }
  void Abort() override { Push(Item{Item::kAbort, {}, {}}); }
  bool closed() const override { return ex_->closed.load(std::memory_order_relaxed); }

 private:
  void Push(Item item) {
    if (ex_->closed.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(gate_->mu);
    if (!gate_->alive) return;
    std::shared_ptr<ConnState> c = conn_.lock();
    if (!c) return;
    if (c->exec.running_in_this_thread() && ex_->in_flight.load(std::memory_order_acquire) == 0) {
      // Called on the connection's loop (the handler, an upstream callback) with nothing pending:
      // no post needed.
      if (!ex_->finished) ex_->items.push_back(std::move(item));
      c->signal.cancel();
      return;
    }
    ex_->in_flight.fetch_add(1, std::memory_order_acq_rel);
    asio::post(c->exec, [c, ex = ex_, item = std::move(item)]() mutable {
      ex->in_flight.fetch_sub(1, std::memory_order_acq_rel);
      if (ex->finished) return;
      ex->items.push_back(std::move(item));
      c->signal.cancel();
    });
  }

  std::shared_ptr<Gate> gate_;
  std::weak_ptr<ConnState> conn_;
  std::shared_ptr<Exchange> ex_;
};

// Appends `first` and the chunks queued at the front as one piece of the body, so they leave in
// the write being prepared (fewer syscalls under load): one HTTP chunk when `chunked` (Beast's
// chunk_header and chunk_crlf around them; a relay that forwards each upstream chunk on its own
// would otherwise pay the framing per event), as they are otherwise (HTTP/1.0, the body ends
// with the connection). Then the end of the stream when it is queued right after them. Returns
// true when the end was taken: the exchange is complete with this write.
bool AppendQueued(std::string& out, Exchange& ex, bool chunked, std::string_view first = {}) {
  std::size_t queued = 0;
  std::size_t total = first.size();
  while (queued < ex.items.size() && ex.items[queued].kind == Item::kChunk)
    total += ex.items[queued++].data.size();
  if (total > 0) {
    if (chunked) AppendBytes(out, bhttp::chunk_header{total});
    out += first;
    for (std::size_t k = 0; k < queued; ++k) out += ex.items[k].data;
    if (chunked) AppendBytes(out, bhttp::chunk_crlf{});
  }
  ex.items.erase(ex.items.begin(), ex.items.begin() + static_cast<std::ptrdiff_t>(queued));
  if (ex.items.empty() || ex.items.front().kind != Item::kEnd) return false;
  ex.items.pop_front();
  if (chunked) AppendBytes(out, bhttp::make_chunk_last());
  return true;
}

// How a response body is delimited.
enum class Framing { kLength, kChunked, kUntilClose };

// Appends a response head: the status line; the handler's fields, except framing ones
// (IsFramingField); Server unless the handler gave one; for streams, a Content-Type when the
// handler gave none; then the framing and Connection fields. Returns false, with `out` as it
// was, when a handler field cannot be sent (IsSendableField).
bool AppendResponseHead(std::string& out, std::string_view server, int status, unsigned version,
                        const Headers& headers, Framing framing, std::size_t length,
                        bool keep_alive, bool default_type) {
  const std::size_t start = out.size();
  AppendStatusLine(out, version, status);
  bool has_server = false;
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    if (!IsSendableField(name, value)) {
      out.resize(start);
      return false;
    }
    if (IsFramingField(name)) continue;
    has_server = has_server || EqualsIgnoreCase(name, "server");
    has_type = has_type || EqualsIgnoreCase(name, "content-type");
    AppendField(out, name, value);
  }
  if (!has_server) AppendField(out, "Server", server);
  if (default_type && !has_type) AppendField(out, "Content-Type", "application/octet-stream");
  if (!StatusHasNoBody(status)) {
    if (framing == Framing::kLength) {
      out += "Content-Length: ";
      AppendDecimal(out, length);
      out += "\r\n";
    } else if (framing == Framing::kChunked) {
      out += "Transfer-Encoding: chunked\r\n";
    }
  }
  if (version >= 11 && !keep_alive) out += "Connection: close\r\n";
  if (version < 11 && keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  return true;
}

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        gate_(std::make_shared<Gate>()) {
    if (options_.server_header.empty()) {
      options_.server_header = "spacefactory/" + std::string(Version());
    }
    if (options_.io_threads < 1) options_.io_threads = 1;
    for (int i = 0; i < options_.io_threads; ++i) {
      loops_.push_back(std::make_unique<EventLoop>());
      work_.push_back(asio::make_work_guard(loops_.back()->ioc));
    }
    acceptor_.emplace(loops_.front()->ioc);
  }

  ~ServerImpl() override { Stop(std::chrono::milliseconds(0)); }

  Status Listen() {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgument("server: bad bind address '" + options_.host + "'");
    tcp::endpoint ep(addr, options_.port);
    acceptor_->open(ep.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(ep, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("server: cannot listen on " + options_.host + ":" +
                         std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint(ec).port();
    asio::co_spawn(acceptor_->get_executor(), AcceptLoop(), [](std::exception_ptr) {});
    for (auto& loop : loops_) {
      threads_.emplace_back([l = loop.get(), spin = options_.busy_poll] { l->Run(spin); });
    }
    return Status::Ok();
  }

  std::uint16_t port() const override { return port_; }
  std::string url() const override {
    std::string host =
        options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    return "http://" + host + ":" + std::to_string(port_);
  }
  std::size_t open_connections() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return conns_.size();
  }

  void Stop(std::chrono::milliseconds grace) override;

  void Wait() override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return stopped_; });
  }

 private:
  asio::awaitable<void> AcceptLoop();
  LoopAwaitable<void> Session(std::shared_ptr<ConnState> c);
  LoopAwaitable<bool> RunExchange(ConnState& c, const std::shared_ptr<Exchange>& ex,
                                  unsigned version, bool keep_alive, bool head);
  LoopAwaitable<void> SendErrorAndLinger(ConnState& c, int status, std::string body);
  LoopAwaitable<boost::system::error_code> WriteFull(ConnState& c, Response& response,
                                                     unsigned version, bool keep_alive, bool head);

  std::string ErrorBody(int status, const std::string& message, std::string_view code) const {
    if (options_.error_body) return options_.error_body(status, message, code);
    return "{\"error\":\"" + message + "\"}";  // our own fixed texts: nothing to escape
  }

  void Register(const std::shared_ptr<ConnState>& c) {
    std::lock_guard<std::mutex> lock(mu_);
    conns_.insert(c);
  }
  void Unregister(const std::shared_ptr<ConnState>& c) {
    std::lock_guard<std::mutex> lock(mu_);
    conns_.erase(c);
    cv_.notify_all();
  }

  ServerOptions options_;
  Handler handler_;
  std::shared_ptr<Gate> gate_;
  // Declared before loops_: coroutine frames destroyed with an io_context still unregister.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::shared_ptr<ConnState>> conns_;
  bool stop_started_ = false;
  bool stopped_ = false;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::optional<tcp::acceptor> acceptor_;  // on loops_[0]
  std::vector<asio::executor_work_guard<LoopExecutor>> work_;
  std::size_t next_loop_ = 0;  // AcceptLoop only
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
};

void ServerImpl::Stop(std::chrono::milliseconds grace) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_started_) {
      cv_.wait(lock, [this] { return stopped_; });
      return;
    }
    stop_started_ = true;
  }
  stopping_ = true;
  // 1. Stop accepting.
  asio::post(acceptor_->get_executor(), [this] {
    boost::system::error_code ec;
    acceptor_->close(ec);
  });
  // 2. Close idle keep-alive connections; busy ones close after their current exchange.
  std::vector<std::shared_ptr<ConnState>> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot.assign(conns_.begin(), conns_.end());
  }
  for (auto& c : snapshot) {
    asio::post(c->exec, [c] {
      c->closing = true;
      if (c->idle) {
        boost::system::error_code ec;
        c->socket.shutdown(LoopSocket::shutdown_both, ec);
        c->socket.close(ec);
      }
    });
  }
  snapshot.clear();
  // 3. Let in-flight exchanges finish within the grace period.
  auto deadline = std::chrono::steady_clock::now() + grace;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!threads_.empty()) cv_.wait_until(lock, deadline, [this] { return conns_.empty(); });
    snapshot.assign(conns_.begin(), conns_.end());
  }
  // 4. Force-close what is left and give the coroutines a moment to unwind.
  for (auto& c : snapshot) {
    asio::post(c->exec, [c] {
      c->force_closed = true;
      if (c->current) c->current->closed = true;
      boost::system::error_code ec;
      c->socket.close(ec);
      c->signal.cancel();
    });
  }
  snapshot.clear();
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!threads_.empty()) {
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return conns_.empty(); });
    }
  }
  // 5. Stop the loop and join (never call Stop from an io thread).
  work_.clear();
  for (auto& loop : loops_) loop->ioc.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  {
    // The close posted in step 1 may not have run before the loops stopped (grace 0): the port
    // must not keep accepting into a backlog nobody serves.
    boost::system::error_code ec;
    acceptor_->close(ec);
  }
  {
    std::lock_guard<std::mutex> lock(gate_->mu);
    gate_->alive = false;
  }
  std::set<std::shared_ptr<ConnState>> leftovers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    leftovers.swap(conns_);
    stopped_ = true;
  }
  cv_.notify_all();
}

asio::awaitable<void> ServerImpl::AcceptLoop() {
  for (;;) {
    EventLoop* loop = loops_[next_loop_++ % loops_.size()].get();
    LoopSocket sock(loop->ioc);
    boost::system::error_code ec;
    co_await acceptor_->async_accept(sock, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      asio::steady_timer t(acceptor_->get_executor(), std::chrono::milliseconds(20));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (stopping_) {
      sock.close(ec);
      continue;
    }
    auto c = std::make_shared<ConnState>(loop, std::move(sock));
    Register(c);
    asio::co_spawn(loop->ioc, Session(c), [](std::exception_ptr) {});
  }
}

bool IsParseError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

LoopAwaitable<void> ServerImpl::Session(std::shared_ptr<ConnState> c) {
  struct Guard {
    ServerImpl* self;
    std::shared_ptr<ConnState> conn;
    ~Guard() {
      if (conn->current) conn->current->closed = true;
      self->Unregister(conn);
    }
  } guard{this, c};

  boost::system::error_code ec;
  c->socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  if (auto ep = c->socket.remote_endpoint(ec); !ec) {
    remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  if (stopping_) c->closing = true;
  beast::flat_buffer buffer;
  // Room for a typical request in one read (Beast reads max(512, free capacity) at a time; chat
  // requests carrying a conversation are several KB). The buffer lives as long as the connection.
  buffer.reserve(kRequestReadSize);
  try {
    while (!c->closing) {
      ServerRequest req;
      req.headers.reserve(16);
      RequestParser parser(req);
      parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
      parser.body_limit(static_cast<std::uint64_t>(options_.max_body_bytes));
      parser.eager(true);  // the body as it comes: the buffer holds at most one read
      c->idle = true;
      SetDeadline(*c, options_.idle_timeout);
      // Parse what is buffered (a pipelined request, or the body that came with the header),
      // then read more until the request is complete. A read error (end of stream included)
      // ends the connection; a parse error is answered below.
      for (;;) {
        if (buffer.size() > 0) {
          buffer.consume(parser.put(buffer.data(), ec));
          if (ec == bhttp::error::need_more) ec = {};
          if (ec || parser.is_done()) break;
        }
        if (c->idle && parser.is_header_done()) {
          c->idle = false;
          SetDeadline(*c, options_.read_timeout);
          // RFC 9110 §10.1.1: no 100 (Continue) for an HTTP/1.0 client.
          if (parser.expects_continue() && parser.version() >= 11) {
            TrimOutput(c->out);
            AppendStatusLine(c->out, parser.version(), 100);
            c->out += "\r\n";
            SetDeadline(*c, options_.write_timeout);
            co_await asio::async_write(c->socket, asio::buffer(c->out),
                                       asio::redirect_error(kUseLoop, ec));
            if (ec) break;
            SetDeadline(*c, options_.read_timeout);
          }
        }
        const std::size_t room = std::max(buffer.capacity() - buffer.size(), kRequestReadSize);
        std::size_t n = co_await c->socket.async_read_some(
            buffer.prepare(std::min(room, kMaxReadSize)), asio::redirect_error(kUseLoop, ec));
        buffer.commit(n);
        if (ec) break;
      }
      c->idle = false;
      if (ec == bhttp::error::body_limit) {
        co_await SendErrorAndLinger(
            *c, 413,
            ErrorBody(413,
                      "request body too large (limit " + std::to_string(options_.max_body_bytes) +
                          " bytes)",
                      "request_too_large"));
        break;
      }
      if (ec == bhttp::error::header_limit) {
        co_await SendErrorAndLinger(
            *c, 431, ErrorBody(431, "request headers too large", "request_headers_too_large"));
        break;
      }
      if (ec && IsParseError(ec)) {
        co_await SendErrorAndLinger(*c, 400,
                                    ErrorBody(400, "malformed HTTP request", "malformed_request"));
        break;
      }
      if (ec) break;  // client closed, timeout, reset, or shutdown

      const unsigned version = parser.version();
      const bool keep_alive = parser.keep_alive();
      const bool head = parser.head();
      if (auto q = req.target.find('?'); q != std::string::npos) {
        req.path = req.target.substr(0, q);
        req.query = req.target.substr(q + 1);
      } else {
        req.path = req.target;
      }
      req.remote_address = remote;
      req.loop = c->loop;

      auto ex = std::make_shared<Exchange>();
      c->current = ex;
      {
        auto writer = std::make_shared<WriterImpl>(gate_, c, ex);
        try {
          handler_(req, writer);
        } catch (const std::exception&) {
          writer->Respond(JsonResponse(500, ErrorBody(500, "internal error", "internal_error")));
        }
      }  // a handler that kept no writer and did not answer gets a 500 here
      bool keep = co_await RunExchange(*c, ex, version, keep_alive, head);
      c->current.reset();
      if (!keep) break;
    }
  } catch (const std::exception&) {
    // Allocation failure or similar: drop the connection.
  }
  c->socket.shutdown(LoopSocket::shutdown_send, ec);
  c->socket.close(ec);
  c->watchdog.timer.cancel();
}

LoopAwaitable<bool> ServerImpl::RunExchange(ConnState& c, const std::shared_ptr<Exchange>& ex,
                                            unsigned version, bool keep_alive, bool head) {
  bool streaming = false;
  const bool chunked = version >= 11;
  boost::system::error_code ec;
  auto finish = [&](bool ok) {
    ex->finished = true;
    ex->closed = true;
    ex->items.clear();
    return ok;
  };
  for (;;) {
    if (ex->items.empty()) {
      if (c.force_closed) co_return finish(false);
      SetDeadline(c, SteadyClock::duration::zero());
      c.signal.expires_at(LoopTimer::time_point::max());
      co_await c.signal.async_wait(asio::redirect_error(kUseLoop, ec));
      continue;
    }
    Item item = std::move(ex->items.front());
    ex->items.pop_front();
    if (c.closing) keep_alive = false;  // shutting down: tell the client
    if (item.kind == Item::kAbandon) {
      if (streaming) {
        item.kind = Item::kEnd;
      } else {
        item.kind = Item::kFull;
        item.response =
            JsonResponse(500, ErrorBody(500, "handler did not respond", "internal_error"));
      }
    }
    switch (item.kind) {
      case Item::kFull: {
        if (streaming) break;
        ec = co_await WriteFull(c, item.response, version, keep_alive, head);
        co_return finish(!ec && keep_alive);
      }
      case Item::kBegin: {
        if (streaming) break;
        if (item.response.status < 100 || item.response.status > 999) item.response.status = 500;
        if (!chunked) keep_alive = false;  // HTTP/1.0: the body ends when the connection closes
        TrimOutput(c.out);
        if (!AppendResponseHead(
                c.out, options_.server_header, item.response.status, version, item.response.headers,
                chunked ? Framing::kChunked : Framing::kUntilClose, 0, keep_alive, true)) {
          Response error = JsonResponse(
              500, ErrorBody(500, "handler gave a header that cannot be sent", "internal_error"));
          ec = co_await WriteFull(c, error, version, keep_alive, head);
          co_return finish(!ec && keep_alive);
        }
        SetDeadline(c, options_.write_timeout);
        if (head || StatusHasNoBody(item.response.status)) {
          // No body may follow: the head is the whole answer, and the stream's pieces are
          // dropped (finish).
          co_await asio::async_write(c.socket, asio::buffer(c.out),
                                     asio::redirect_error(kUseLoop, ec));
          co_return finish(!ec && keep_alive);
        }
        // What a proxy relaying its first events queued already goes out with the header, and
        // a short stream that is complete already (its end queued too) in one write in all: the
        // client gets it in one segment and one wake-up.
        const bool done = AppendQueued(c.out, *ex, chunked);
        co_await asio::async_write(c.socket, asio::buffer(c.out),
                                   asio::redirect_error(kUseLoop, ec));
        if (ec || done) co_return finish(!ec && keep_alive);
        streaming = true;
        break;
      }
      case Item::kChunk: {
        if (!streaming) break;
        TrimOutput(c.out);
        const bool done = AppendQueued(c.out, *ex, chunked, item.data);
        SetDeadline(c, options_.write_timeout);
        co_await asio::async_write(c.socket, asio::buffer(c.out),
                                   asio::redirect_error(kUseLoop, ec));
        if (ec || done) co_return finish(!ec && keep_alive);
        break;
      }
      case Item::kEnd: {
        if (!streaming) break;
        if (chunked) {
          TrimOutput(c.out);
          AppendBytes(c.out, bhttp::make_chunk_last());
          SetDeadline(c, options_.write_timeout);
          co_await asio::async_write(c.socket, asio::buffer(c.out),
                                     asio::redirect_error(kUseLoop, ec));
        }
        co_return finish(!ec && keep_alive);
      }
      case Item::kAbort: {
        // Reset, not FIN: SO_LINGER with a zero timeout makes close() send RST and drop what is
        // unsent. Session() then finds the socket closed and ends the connection.
        c.socket.set_option(asio::socket_base::linger(true, 0), ec);
        c.socket.close(ec);
        co_return finish(false);
      }
      case Item::kAbandon:
        break;
    }
  }
}

// Writes a complete response: its head and its body in one write (the body from where it is, as
// it may be large). A handler field that cannot be sent turns it into a 500.
LoopAwaitable<boost::system::error_code> ServerImpl::WriteFull(ConnState& c, Response& response,
                                                               unsigned version, bool keep_alive,
                                                               bool head) {
  if (response.status < 100 || response.status > 999) {
    response =
        JsonResponse(500, ErrorBody(500, "handler gave an invalid status", "internal_error"));
  }
  TrimOutput(c.out);
  if (!AppendResponseHead(c.out, options_.server_header, response.status, version, response.headers,
                          Framing::kLength, response.body.size(), keep_alive, false)) {
    response = JsonResponse(
        500, ErrorBody(500, "handler gave a header that cannot be sent", "internal_error"));
    AppendResponseHead(c.out, options_.server_header, response.status, version, response.headers,
                       Framing::kLength, response.body.size(), keep_alive, false);
  }
  const bool body = !head && !StatusHasNoBody(response.status);
  std::array<asio::const_buffer, 2> pieces{
      asio::buffer(c.out), asio::buffer(response.body.data(), body ? response.body.size() : 0)};
  boost::system::error_code ec;
  SetDeadline(c, options_.write_timeout);
  co_await asio::async_write(c.socket, pieces, asio::redirect_error(kUseLoop, ec));
  co_return ec;
}

LoopAwaitable<void> ServerImpl::SendErrorAndLinger(ConnState& c, int status, std::string body) {
  Response res = JsonResponse(status, std::move(body));
  boost::system::error_code ec = co_await WriteFull(c, res, 11, false, false);
  if (ec) co_return;
  // Lingering close: read and drop what the client is still sending, so closing does not reset
  // the connection before the client has read our answer.
  c.socket.shutdown(LoopSocket::shutdown_send, ec);
  SetDeadline(c, std::chrono::milliseconds(1000));
  std::array<char, 16384> sink;
  for (int i = 0; i < 4096 && !ec; ++i) {
    co_await c.socket.async_read_some(asio::buffer(sink), asio::redirect_error(kUseLoop, ec));
  }
}

}  // namespace

Result<std::unique_ptr<HttpServer>> NewHttpServer(ServerOptions options, Handler handler) {
  auto server = std::make_unique<ServerImpl>(std::move(options), std::move(handler));
  SF_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace sf::http

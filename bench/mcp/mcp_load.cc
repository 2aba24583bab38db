// mcp_load: one load client for every MCP server in bench/mcp, so the client is never the variable.
//
//   mcp_load --url http://127.0.0.1:PORT/mcp [--concurrency N] [--requests N] [--warmup N]
//            [--tool NAME] [--args JSON] [--label TEXT]
//   mcp_load --stdio [same options] -- SERVER-COMMAND ARGS...
//
// HTTP: N clients on one io thread (Boost.Beast, keep-alive, TCP_NODELAY). Each opens its own MCP
// session (initialize → Mcp-Session-Id → notifications/initialized), runs --warmup calls, waits for
// the others, then runs its share of --requests `tools/call` requests back to back; it ends with
// DELETE of its session. Responses may be JSON or SSE (text/event-stream); either is parsed fully
// and checked (a JSON-RPC error or `isError:true` counts as an error). Latency = write of the
// request to the parsed response, per request, on a steady clock. stdio: one client over the
// server's stdin/stdout (newline-delimited JSON-RPC), sequential.
//
// Prints one human line and one machine line:
//   RESULT <label> <transport> <concurrency> <requests> <errors> <req_per_s> <p50_us> <p90_us>
//          <p99_us> <max_us> <response_content_type>
// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange
// clang-format on

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/http.h"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kProtocolVersion = "2025-11-25";

struct Config {
  std::string host = "127.0.0.1";
  std::string port;
  std::string path = "/mcp";
  bool stdio = false;
  std::vector<std::string> command;
  int concurrency = 1;
  int requests = 2000;
  int warmup = 200;
  std::string tool = "test_simple_text";
  json args = json::object();
  std::string label = "server";
};

struct ClientStats {
  std::vector<double> latency_us;
  int errors = 0;
  std::string first_error;
  std::string content_type;
};

json InitializeRequest() {
  return {{"jsonrpc", "2.0"},
          {"id", 0},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", kProtocolVersion},
            {"capabilities", json::object()},
            {"clientInfo", {{"name", "mcp_load"}, {"version", "1.0.0"}}}}}};
}

json CallRequest(const Config& cfg, long id) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params", {{"name", cfg.tool}, {"arguments", cfg.args}}}};
}

// An empty string when `reply` is a successful answer to request `id`; otherwise what is wrong.
std::string CheckReply(const json& reply, long id) {
  if (!reply.is_object() || reply.value("jsonrpc", "") != "2.0") return "not a JSON-RPC message";
  if (!reply.contains("id") || reply["id"] != id) return "wrong id";
  if (reply.contains("error")) return "error " + reply["error"].dump();
  if (!reply.contains("result")) return "no result";
  if (reply["result"].value("isError", false)) return "isError " + reply["result"].dump();
  return "";
}

// The JSON-RPC response carried by an HTTP body: the body itself, or the SSE event holding it.
json ReplyFromBody(const std::string& content_type, const std::string& body, long id) {
  if (content_type.rfind("text/event-stream", 0) != 0) return json::parse(body);
  json found;
  sf::http::SseParser parser;
  parser.Feed(body, [&](const sf::http::SseEvent& event) {
    if (event.data.empty()) return true;
    json message = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
    if (message.is_object() && message.contains("id") && message["id"] == id &&
        !message.contains("method")) {
      found = std::move(message);
      return false;
    }
    return true;
  });
  if (found.is_null()) throw std::runtime_error("SSE stream ended without the response");
  return found;
}

// Waits until every client has warmed up, so the measured phase starts together.
struct StartLine {
  explicit StartLine(asio::any_io_executor ex, int n)
      : timer(ex, Clock::time_point::max()), left(n) {}
  asio::awaitable<void> Arrive() {
    if (--left == 0) {
      start = Clock::now();
      timer.cancel();
      co_return;
    }
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  asio::steady_timer timer;
  int left;
  Clock::time_point start;
};

class HttpConn {
 public:
  HttpConn(asio::any_io_executor ex, const Config& cfg) : cfg_(cfg), stream_(ex) {}

  asio::awaitable<void> Run(int warmup, int measured, StartLine& start, ClientStats& stats,
                            Clock::time_point& done) {
    tcp::resolver resolver(stream_.get_executor());
    auto endpoints = co_await resolver.async_resolve(cfg_.host, cfg_.port, asio::use_awaitable);
    co_await stream_.async_connect(endpoints, asio::use_awaitable);
    stream_.socket().set_option(tcp::no_delay(true));

    auto init = co_await Post(InitializeRequest());
    if (auto it = init.find("mcp-session-id"); it != init.end())
      session_ = std::string(it->value());
    std::string problem = CheckReply(ReplyFromBody(ContentType(init), init.body(), 0), 0);
    if (!problem.empty()) throw std::runtime_error("initialize: " + problem);
    json note = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
    auto initialized = co_await Post(std::move(note));
    if (initialized.result_int() / 100 != 2) {
      throw std::runtime_error("notifications/initialized: HTTP " +
                               std::to_string(initialized.result_int()));
    }
    long id = 1;
    for (int i = 0; i < warmup; ++i, ++id) co_await Call(id, nullptr);
    co_await start.Arrive();
    stats.latency_us.reserve(measured);
    for (int i = 0; i < measured; ++i, ++id) co_await Call(id, &stats);
    done = Clock::now();
    if (!session_.empty()) {  // end the session, as a well-behaved client does
      http::request<http::string_body> del{http::verb::delete_, cfg_.path, 11};
      SetHeaders(del);
      co_await http::async_write(stream_, del, asio::use_awaitable);
      http::response<http::string_body> res;
      co_await http::async_read(stream_, buffer_, res, asio::use_awaitable);
    }
  }

 private:
  static std::string ContentType(const http::response<http::string_body>& res) {
    auto it = res.find(http::field::content_type);
    return it == res.end() ? "" : std::string(it->value());
  }

  void SetHeaders(http::request<http::string_body>& req) const {
    req.set(http::field::host, cfg_.host + ":" + cfg_.port);
    req.set(http::field::accept, "application/json, text/event-stream");
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    if (!session_.empty()) {
      req.set("Mcp-Session-Id", session_);
      req.set("MCP-Protocol-Version", kProtocolVersion);
    }
  }

  asio::awaitable<http::response<http::string_body>> Post(json body) {
    http::request<http::string_body> req{http::verb::post, cfg_.path, 11};
    SetHeaders(req);
    req.body() = body.dump();
    req.prepare_payload();
    co_await http::async_write(stream_, req, asio::use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream_, buffer_, res, asio::use_awaitable);
    co_return res;
  }

  asio::awaitable<void> Call(long id, ClientStats* stats) {
    auto t0 = Clock::now();
    auto res = co_await Post(CallRequest(cfg_, id));
    std::string problem;
    if (res.result_int() != 200) {
      problem = "HTTP " + std::to_string(res.result_int()) + ": " + res.body().substr(0, 200);
    } else {
      try {
        problem = CheckReply(ReplyFromBody(ContentType(res), res.body(), id), id);
      } catch (const std::exception& e) {
        problem = e.what();
      }
    }
    auto t1 = Clock::now();
    if (stats == nullptr) {
      if (!problem.empty()) throw std::runtime_error("warm-up call: " + problem);
      co_return;
    }
    stats->latency_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (stats->content_type.empty()) stats->content_type = ContentType(res);
    if (!problem.empty() && stats->errors++ == 0) stats->first_error = problem;
  }

  const Config& cfg_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string session_;
};

// ---- stdio ------------------------------------------------------------------------------------

class StdioConn {
 public:
  explicit StdioConn(const std::vector<std::string>& command) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> argv;
    for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + command[0]);
    to_ = in[1];
    from_ = out[0];
  }
  ~StdioConn() {
    close(to_);  // EOF on stdin: the server should exit
    close(from_);
    int status = 0;
    for (int i = 0; i < 50 && waitpid(pid_, &status, WNOHANG) == 0; ++i) usleep(20000);
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, &status, 0);
    }
  }
  pid_t pid() const { return pid_; }

  void Send(const json& message) {
    std::string line = message.dump() + "\n";
    for (size_t off = 0; off < line.size();) {
      ssize_t n = write(to_, line.data() + off, line.size() - off);
      if (n <= 0) throw std::runtime_error("write to server failed");
      off += static_cast<size_t>(n);
    }
  }
  // The next response to `id` (notifications and server requests in between are skipped).
  json Receive(long id) {
    for (;;) {
      size_t nl;
      while ((nl = pending_.find('\n')) == std::string::npos) {
        pollfd p{from_, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0) throw std::runtime_error("no answer from the server in 10 s");
        char chunk[65536];
        ssize_t n = read(from_, chunk, sizeof chunk);
        if (n <= 0) throw std::runtime_error("server closed stdout");
        pending_.append(chunk, static_cast<size_t>(n));
      }
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      json message = json::parse(line);
      if (message.contains("id") && message["id"] == id && !message.contains("method")) {
        return message;
      }
    }
  }

 private:
  pid_t pid_ = 0;
  int to_ = -1;
  int from_ = -1;
  std::string pending_;
};

ClientStats RunStdio(const Config& cfg, Clock::time_point& start, Clock::time_point& done) {
  StdioConn conn(cfg.command);
  conn.Send(InitializeRequest());
  std::string problem = CheckReply(conn.Receive(0), 0);
  if (!problem.empty()) throw std::runtime_error("initialize: " + problem);
  conn.Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  ClientStats stats;
  long id = 1;
  for (int i = 0; i < cfg.warmup; ++i, ++id) {
    conn.Send(CallRequest(cfg, id));
    problem = CheckReply(conn.Receive(id), id);
    if (!problem.empty()) throw std::runtime_error("warm-up call: " + problem);
  }
  std::printf("STDIO_SERVER_PID %d\n", conn.pid());
  std::fflush(stdout);
  start = Clock::now();
  stats.latency_us.reserve(cfg.requests);
  for (int i = 0; i < cfg.requests; ++i, ++id) {
    auto t0 = Clock::now();
    conn.Send(CallRequest(cfg, id));
    problem = CheckReply(conn.Receive(id), id);
    stats.latency_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!problem.empty() && stats.errors++ == 0) stats.first_error = problem;
  }
  done = Clock::now();
  stats.content_type = "ndjson";
  return stats;
}

// ---- main -------------------------------------------------------------------------------------

Config ParseArgs(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--url") {
      std::string url = next();  // http://HOST:PORT/PATH
      const std::string scheme = "http://";
      if (url.rfind(scheme, 0) != 0) throw std::runtime_error("only http:// URLs");
      std::string rest = url.substr(scheme.size());
      auto slash = rest.find('/');
      std::string authority = rest.substr(0, slash);
      cfg.path = slash == std::string::npos ? "/" : rest.substr(slash);
      auto colon = authority.rfind(':');
      if (colon == std::string::npos) throw std::runtime_error("the URL needs a port");
      cfg.host = authority.substr(0, colon);
      cfg.port = authority.substr(colon + 1);
    } else if (a == "--stdio") {
      cfg.stdio = true;
    } else if (a == "--concurrency") {
      cfg.concurrency = std::stoi(next());
    } else if (a == "--requests") {
      cfg.requests = std::stoi(next());
    } else if (a == "--warmup") {
      cfg.warmup = std::stoi(next());
    } else if (a == "--tool") {
      cfg.tool = next();
    } else if (a == "--args") {
      cfg.args = json::parse(next());
    } else if (a == "--label") {
      cfg.label = next();
    } else if (a == "--") {
      for (++i; i < argc; ++i) cfg.command.emplace_back(argv[i]);
    } else {
      throw std::runtime_error("unknown argument " + a);
    }
  }
  if (cfg.stdio ? cfg.command.empty() : cfg.port.empty()) {
    throw std::runtime_error("give --url URL, or --stdio -- COMMAND...");
  }
  if (cfg.concurrency < 1 || cfg.requests < cfg.concurrency) {
    throw std::runtime_error("need 1 <= concurrency <= requests");
  }
  return cfg;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

int Run(const Config& cfg) {
  std::vector<ClientStats> stats;
  Clock::time_point start, done;
  if (cfg.stdio) {
    stats.push_back(RunStdio(cfg, start, done));
  } else {
    asio::io_context io(1);
    StartLine line(io.get_executor(), cfg.concurrency);
    stats.resize(cfg.concurrency);
    std::vector<Clock::time_point> done_at(cfg.concurrency);
    std::vector<std::unique_ptr<HttpConn>> conns;
    std::string failure;
    for (int c = 0; c < cfg.concurrency; ++c) {
      int share = cfg.requests / cfg.concurrency + (c < cfg.requests % cfg.concurrency ? 1 : 0);
      conns.push_back(std::make_unique<HttpConn>(io.get_executor(), cfg));
      asio::co_spawn(io, conns.back()->Run(cfg.warmup, share, line, stats[c], done_at[c]),
                     [&failure](std::exception_ptr e) {
                       if (!e) return;
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex) {
                         if (failure.empty()) failure = ex.what();
                       }
                     });
    }
    io.run();
    if (!failure.empty()) throw std::runtime_error(failure);
    start = line.start;
    done = *std::max_element(done_at.begin(), done_at.end());
  }
  std::vector<double> all;
  int errors = 0;
  std::string first_error, content_type;
  for (const auto& s : stats) {
    all.insert(all.end(), s.latency_us.begin(), s.latency_us.end());
    errors += s.errors;
    if (first_error.empty()) first_error = s.first_error;
    if (content_type.empty()) content_type = s.content_type;
  }
  std::sort(all.begin(), all.end());
  double seconds = std::chrono::duration<double>(done - start).count();
  double rps = seconds > 0 ? static_cast<double>(all.size()) / seconds : 0;
  std::string ct = content_type.substr(0, content_type.find(';'));
  if (ct.empty()) ct = "-";
  const char* transport = cfg.stdio ? "stdio" : "http";
  std::printf(
      "%-10s %-5s c=%-3d %6zu calls %3d errors %9.0f req/s  p50 %7.1f us  p90 %7.1f us  "
      "p99 %7.1f us  max %8.1f us  (%s)\n",
      cfg.label.c_str(), transport, cfg.concurrency, all.size(), errors, rps, Percentile(all, 50),
      Percentile(all, 90), Percentile(all, 99), all.back(), ct.c_str());
  std::printf("RESULT %s %s %d %zu %d %.1f %.1f %.1f %.1f %.1f %s\n", cfg.label.c_str(), transport,
              cfg.concurrency, all.size(), errors, rps, Percentile(all, 50), Percentile(all, 90),
              Percentile(all, 99), all.back(), ct.c_str());
  if (errors > 0) std::fprintf(stderr, "first error: %s\n", first_error.c_str());
  return errors > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(ParseArgs(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp_load: %s\n", e.what());
    return 2;
  }
}

// Internal to sf_http (not part of http.h): one io thread of a server. Each loop has its own
// io_context run by exactly one thread, so a connection, its handler and the upstream calls the
// handler starts (StreamOnLoop) all run on one thread with no hand-off and no locks.
#pragma once

// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange (pitfall 1)
// clang-format on

#include <sched.h>

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/http.h"

namespace sf::http {

using SteadyClock = std::chrono::steady_clock;

// I/O objects and coroutines bound to a loop's io_context executor by type, not through
// any_io_executor: every completion and resumption then skips the type-erased executor's
// dispatch (measured in the gateway's profile as a few % of its CPU per request).
using LoopExecutor = boost::asio::io_context::executor_type;
using LoopSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, LoopExecutor>;
using LoopTimer =
    boost::asio::basic_waitable_timer<SteadyClock, boost::asio::wait_traits<SteadyClock>,
                                      LoopExecutor>;
template <class T>
using LoopAwaitable = boost::asio::awaitable<T, LoopExecutor>;
inline constexpr boost::asio::use_awaitable_t<LoopExecutor> kUseLoop{};

// A deadline for one socket's operations that costs no syscall when it moves later, which is what
// a keep-alive connection does on every request (Beast's tcp_stream re-arms a timer, and with it
// the loop's timerfd, on every operation). One timer per socket, armed at the earliest deadline
// and re-armed only when it fires before the current deadline. On expiry the socket's pending
// operations are cancelled and `expired` tells the caller it was a timeout.
struct Watchdog {
  explicit Watchdog(const LoopExecutor& ex) : timer(ex) {}
  LoopTimer timer;
  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  SteadyClock::time_point armed = SteadyClock::time_point::max();  // when the pending wait fires
  bool expired = false;
};

template <class Owner>
void ArmWatchdog(Owner& owner) {
  Watchdog& w = owner.watchdog;
  w.armed = w.deadline;
  w.timer.expires_at(w.deadline);
  w.timer.async_wait([weak = owner.weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or destroyed
    auto o = weak.lock();
    if (!o) return;
    Watchdog& wd = o->watchdog;
    wd.armed = SteadyClock::time_point::max();
    if (wd.deadline == SteadyClock::time_point::max()) return;
    if (SteadyClock::now() >= wd.deadline) {
      wd.expired = true;
      boost::system::error_code ignored;
      o->socket.cancel(ignored);
      return;
    }
    ArmWatchdog(*o);
  });
}

// `Owner` is held by a shared_ptr (enable_shared_from_this) and has `socket` and `watchdog`.
// A zero or negative `budget` means no deadline.
template <class Owner>
void SetDeadline(Owner& owner, SteadyClock::duration budget) {
  Watchdog& w = owner.watchdog;
  w.expired = false;
  w.deadline = budget.count() > 0 ? SteadyClock::now() + budget : SteadyClock::time_point::max();
  if (w.deadline < w.armed) ArmWatchdog(owner);
}

// An upstream URL as StreamOnLoop uses it (split by libcurl's URL parser, upstream.cc).
struct UrlParts {
  std::string scheme, host, port;
  std::string host_port;    // "host:port": the pool key and the name in error messages
  std::string host_header;  // the Host field: IPv6 literals bracketed, port 80 left out
  std::string target;       // path + "?" + query
};

// A pooled keep-alive connection to an upstream (upstream.cc). Its read and write buffers live as
// long as the connection, so a call on a pooled connection allocates none for them.
struct UpstreamConn : std::enable_shared_from_this<UpstreamConn> {
  static constexpr std::size_t kReadSize = 16u << 10;
  explicit UpstreamConn(boost::asio::io_context& ioc) : socket(ioc), watchdog(ioc.get_executor()) {
    // Beast reads max(512, free capacity) bytes at a time: without room reserved up front, a
    // response's status line, headers and first events arrive in 512-byte reads, each with its
    // own trip through the loop, and the first event reaches the client a read later.
    buffer.reserve(kReadSize);
  }
  LoopSocket socket;
  Watchdog watchdog;
  boost::beast::flat_buffer buffer;   // empty between calls (only such connections are pooled)
  std::string out;                    // the request being sent (wire.h)
  SteadyClock::time_point pooled_at;  // when it last went back to the pool
};

class EventLoop {
 public:
  // Runs the loop on the calling thread until it is stopped. With a `busy_poll` window the thread,
  // once it ran out of work, keeps polling (epoll_wait with a zero timeout) for up to that long
  // before it blocks. On a virtual machine a blocked thread is woken by an IPI to a halted vCPU,
  // which costs tens of microseconds per wake-up; a proxy sleeps twice per request (waiting for
  // the upstream, then for the next request), so at low concurrency most of its added latency is
  // these wake-ups, not its own work. The price is CPU: at most `busy_poll` of it after each burst
  // of work, none while idle. Between polls the thread yields its core: when the client or the
  // upstream share it (a saturated box), they run instead of waiting out the window, which cost
  // ~15 % throughput at concurrency 50 before the yield; on an otherwise idle core sched_yield
  // returns at once.
  void Run(std::chrono::microseconds busy_poll) {
    if (busy_poll.count() <= 0) {
      ioc.run();
      return;
    }
    auto last_work = SteadyClock::now();
    while (!ioc.stopped()) {
      if (ioc.poll() > 0) {
        last_work = SteadyClock::now();
      } else if (SteadyClock::now() - last_work >= busy_poll) {
        ioc.run_one();  // blocks until one handler ran (or the loop stopped)
        last_work = SteadyClock::now();
      } else {
        sched_yield();  // let a runnable client or upstream on this core go first
      }
    }
  }

  boost::asio::io_context ioc{1};  // one thread runs it
  // Idle keep-alive upstream connections by "host:port", touched only on this loop's thread.
  // Declared after ioc: destroyed first, while their io_context still exists.
  std::unordered_map<std::string, std::vector<std::shared_ptr<UpstreamConn>>> idle;
  // Parsed upstream URLs by URL: a gateway calls a handful of URLs over and over.
  std::unordered_map<std::string, std::shared_ptr<const UrlParts>> targets;
};

}  // namespace sf::http

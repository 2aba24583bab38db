// Internal pieces of the providers module shared by its .cc files (not part of the public API).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "providers/providers.h"

namespace sf::providers::internal {

using nlohmann::json;
using Ms = std::chrono::milliseconds;

// Runtime state of one key: its breaker and counters. Shared between config snapshots.
struct KeyState {
  KeyState(KeyConfig c, const BreakerOptions& b)
      : config(std::move(c)), masked(MaskSecret(config.secret)), breaker(b) {}
  KeyConfig config;
  std::string masked;
  std::string auth_header;  // "Bearer <secret>", built once
  Breaker breaker;
  std::atomic<std::uint64_t> requests{0}, failures{0};
};

struct ProviderState {
  ProviderConfig config;                        // config.keys is not used at runtime: see `keys`
  std::string chat_url;                         // base_url + "/chat/completions"
  std::vector<std::shared_ptr<KeyState>> keys;  // priority keys first
  Ms ttft_timeout{0};
  bool on_loop = false;  // chat_url can be called on the serving io thread (http::CanStreamOnLoop)
};

// Immutable after construction; replaced as a whole when a key is added or removed.
struct Snapshot {
  std::vector<std::shared_ptr<ProviderState>> providers;  // in routing order
  const ProviderState* Find(std::string_view name) const {
    for (const auto& p : providers)
      if (p->config.name == name) return p.get();
    return nullptr;
  }
};

struct Candidate {
  const ProviderState* provider = nullptr;
  std::shared_ptr<KeyState> key;
  std::string upstream_model;
  std::string reason;
};

struct Planned {
  std::vector<Candidate> candidates;
  std::vector<std::string> skipped;
  std::string explanation;
  // When nothing can serve the model: the status and OpenAI error code to answer with.
  int error_status = 0;
  std::string error_code;
  std::string error_message;
};

// The routing decision for `model` ("provider/model", a bare model or "auto"). Does not look at
// breaker states (the attempt loop does); Plan() for the API adds them. Without `explain`, the
// human-readable parts (`skipped`, `explanation`, candidate reasons) stay empty: a chat request
// does not need them, and it should not pay for their strings.
Planned PlanRoute(const Snapshot& snapshot, std::string_view model, bool explain);

// ---------------------------------------------------------------------------------------------
// Metrics (Prometheus text)

class Metrics {
 public:
  void OnRequest(const std::string& provider, const std::string& key_id, const std::string& outcome,
                 int status, double latency_ms, double ttft_ms, int attempts);
  void OnAttemptFailure(const std::string& provider, const std::string& key_id,
                        const std::string& reason);
  void InFlight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  // `ledger` (may be null: no ledger) adds its count of dropped usage records.
  std::string Text(const Snapshot& snapshot, std::chrono::steady_clock::time_point now,
                   const Ledger* ledger) const;

 private:
  static constexpr double kBuckets[] = {1,   2.5,  5,    10,   25,    50,    100,  250,
                                        500, 1000, 2500, 5000, 10000, 30000, 60000};
  static constexpr std::size_t kNumBuckets = sizeof(kBuckets) / sizeof(kBuckets[0]);
  struct Histogram {
    std::uint64_t counts[kNumBuckets + 1] = {};
    double sum = 0;
    std::uint64_t count = 0;
    void Observe(double v);
  };
  mutable std::mutex mu_;
  // Requests by (provider, key id, outcome, status): looked up without building a label string,
  // which is written only when /metrics is read.
  using RequestLabels = std::tuple<std::string, std::string, std::string, int>;
  using RequestLabelsView = std::tuple<std::string_view, std::string_view, std::string_view, int>;
  struct LabelsLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return View(a) < View(b);
    }
    template <class T>
    static RequestLabelsView View(const T& t) {
      return {std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t)};
    }
  };
  std::map<RequestLabels, std::uint64_t, LabelsLess> requests_;
  std::map<std::string, std::uint64_t> attempt_failures_;
  std::map<std::string, Histogram> latency_, ttft_;  // by provider
  std::uint64_t attempts_total_ = 0;
  std::atomic<int> in_flight_{0};
};

// ---------------------------------------------------------------------------------------------
// Worker pool: upstream calls never run on a server io thread. Each worker owns one HttpClient
// (one libcurl handle: connections are reused per worker). Grows on demand up to `max_workers`.

class Executor {
 public:
  using Job = std::function<void(http::HttpClient&)>;
  Executor(int max_workers, std::function<std::unique_ptr<http::HttpClient>()> factory);
  ~Executor();
  // False once shut down (the job is dropped).
  bool Submit(Job job);
  void Shutdown();
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  int threads() const;

 private:
  void Worker();
  std::function<std::unique_ptr<http::HttpClient>()> factory_;
  const int max_workers_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  int idle_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// ---------------------------------------------------------------------------------------------
// The attempt loop

// simdjson parsers kept for reuse across requests. A parser allocates its buffers (structural
// index, tape, string area, ~14 bytes per byte of text) on first use and reuses them after; a
// parser made per read cost ~750 instructions to set up, twice per gateway request. Taken and
// given back under a mutex (uncontended: one take per read); at most 16 are kept, and none whose
// scratch grew past 64 KiB, so a rare large body does not pin it (openai_read.cc).
class JsonParsers {
 public:
  JsonParsers();
  ~JsonParsers();
  JsonParsers(const JsonParsers&) = delete;
  JsonParsers& operator=(const JsonParsers&) = delete;
  struct Parser;  // a simdjson::dom::parser (openai_read.cc: simdjson stays out of this header)
  // A parser, back to the pool when destroyed.
  class Lease {
   public:
    Lease(JsonParsers* pool, std::unique_ptr<Parser> parser);
    Lease(Lease&&) = default;
    ~Lease();
    Parser& operator*() const { return *parser_; }

   private:
    JsonParsers* pool_;
    std::unique_ptr<Parser> parser_;
  };
  Lease Take();
  std::size_t kept() const;  // parsers waiting in the pool

 private:
  void Give(std::unique_ptr<Parser> parser);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Parser>> free_;
};

struct ExecEnv {
  const RouterOptions* options = nullptr;
  const Clock* clock = nullptr;
  std::function<void(Ms)> sleep;
  Metrics* metrics = nullptr;
  Ledger* ledger = nullptr;
  const Redactor* redactor = nullptr;
  const Logger* logger = nullptr;               // may be null
  const std::atomic<bool>* stopping = nullptr;  // may be null
  JsonParsers* parsers = nullptr;               // may be null: a parser per read
};

// Where a chat run's upstream calls and waits happen. Providers marked on_loop are called on the
// io thread that serves the client (http::StreamOnLoop: no hand-off); others go through libcurl,
// on the caller's thread when inline_client is set (Gateway::Complete), else on the executor.
struct RunContext {
  http::EventLoop* loop = nullptr;            // the serving io thread, if any
  Executor* executor = nullptr;               // libcurl attempts when not inline
  http::HttpClient* inline_client = nullptr;  // Complete(): blocking, on the calling thread
  std::shared_ptr<const void> owner;          // keeps the gateway (and `env`) alive
};

// Parses and validates the body, plans, runs the attempts and answers through `writer`. Returns
// when the run is started; with inline_client (and no loop) that is when it has ended.
void StartChat(const ExecEnv& env, std::shared_ptr<const Snapshot> snapshot, std::string body,
               RunContext ctx, std::shared_ptr<http::ResponseWriter> writer);

// ---- openai_read.cc: what the router reads of requests, answers and relayed events

// The top-level members of a chat request the router needs: `model`, the type of `messages` and
// `stream`.
struct ChatRequestFields {
  enum class Kind { kAbsent, kString, kArray, kBoolean, kNull, kOther };
  bool top_is_object = false;
  Kind model = Kind::kAbsent, messages = Kind::kAbsent, stream = Kind::kAbsent;
  std::string model_name;
  bool stream_value = false;
};

// Reads them as a document would (the last of duplicate members counts). Text that is not JSON
// is an error carrying the parser's message (with line and column). `body` may gain spare
// capacity (simdjson's padding); its bytes do not change.
// `parsers` may be null (a parser is made for the read).
Result<ChatRequestFields> ReadChatRequest(std::string& body, JsonParsers* parsers = nullptr);

// Finds the usage object in a completion body or chunk without parsing the whole text.
bool ExtractUsage(std::string_view text, std::int64_t* prompt, std::int64_t* completion,
                  std::int64_t* total, JsonParsers* parsers = nullptr);

// Index just past the last complete SSE event in `data` (a blank line), 0 if none.
std::size_t EventBoundary(std::string_view data);
// What the relay looks for in a stream event's JSON, found without parsing it: an "error" member
// (an error event, whatever else it holds: `usage` is then false), or a "usage" member whose value
// is an object (the chunk with the token counts, read by ExtractUsage).
struct EventKeys {
  bool error = false;
  bool usage = false;
};
EventKeys ScanEventKeys(std::string_view data);

}  // namespace sf::providers::internal

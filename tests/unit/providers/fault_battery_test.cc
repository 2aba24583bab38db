// Fault battery: thousands of requests through the real gateway (HTTP server + libcurl workers)
// over the simulator's providers with every fault kind, checking that no request is lost, no
// truncated stream is presented as complete, nothing is re-sent after a committed answer, and no
// secret reaches a response, a log line or the ledger.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/http.h"
#include "providers/providers.h"
#include "sim/sim.h"

namespace sf::providers {
namespace {

using nlohmann::json;

const std::string P1 = std::string("sk-") + "battery-primary-one-p1aa";
const std::string P2 = std::string("sk-") + "battery-primary-two-p2bb";
const std::string B1 = std::string("sk-") + "battery-backup-b1cc";

struct Tally {
  std::mutex mu;
  std::map<std::string, int> attempts;  // nonce → x-spacefactory-attempts of the answer
  int ok = 0, clear_errors = 0, stream_errors = 0, lost = 0, truncated_as_complete = 0, leaked = 0,
      wrong_content = 0, retry_header_missing = 0;
  std::vector<std::string> problems;
  void Problem(const std::string& p) {
    std::lock_guard<std::mutex> lock(mu);
    if (problems.size() < 20) problems.push_back(p);
  }
};

std::string ExpectedText(const std::string& model) {
  if (model.ends_with("paced-5x1")) return "tok0 tok1 tok2 tok3 tok4 ";
  return "tok0 tok1 tok2 ";
}

bool Leaks(const std::string& text) {
  return text.find(P1) != std::string::npos || text.find(P2) != std::string::npos ||
         text.find(B1) != std::string::npos;
}

void CheckOne(http::HttpClient& client, const std::string& url, int i, Tally& t) {
  static const char* kModels[] = {"primary/instant", "primary/paced-5x1", "primary/tools"};
  const std::string model = kModels[i % 3];
  const bool stream = (i / 3) % 2 == 0;
  const std::string nonce = "req-" + std::to_string(i);
  json body = {{"model", model},
               {"messages", {{{"role", "user"}, {"content", "hello"}}}},
               {"stream", stream},
               {"user", nonce}};
  http::Request r;
  r.method = "POST";
  r.url = url + "/v1/chat/completions";
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  r.total_timeout = std::chrono::seconds(30);
  auto res = client.Send(r);
  if (!res.ok()) {
    std::lock_guard<std::mutex> lock(t.mu);
    ++t.lost;
    t.problems.push_back(nonce + ": no answer: " + res.status().message());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(t.mu);
    t.attempts[nonce] =
        std::atoi(http::FindHeader(res->headers, "x-spacefactory-attempts").value_or("-1").c_str());
  }
  std::string all = res->body;
  for (const auto& [k, v] : res->headers) all += k + ": " + v + "\n";
  if (Leaks(all)) {
    std::lock_guard<std::mutex> lock(t.mu);
    ++t.leaked;
  }
  if (res->status != 200) {
    json j = json::parse(res->body, nullptr, false);
    bool clear = j.is_object() && j.contains("error") && j["error"].is_object() &&
                 j["error"].contains("message");
    int attempts =
        std::atoi(http::FindHeader(res->headers, "x-spacefactory-attempts").value_or("0").c_str());
    std::lock_guard<std::mutex> lock(t.mu);
    if (!clear) {
      ++t.lost;
      t.problems.push_back(nonce + ": unclear error " + std::to_string(res->status) + " " +
                           res->body.substr(0, 200));
    } else {
      ++t.clear_errors;
      if (attempts >= 2 && http::FindHeader(res->headers, "x-should-retry") != "false")
        ++t.retry_header_missing;
    }
    return;
  }
  if (!stream) {
    json j = json::parse(res->body, nullptr, false);
    bool good = j.is_object() && j.contains("choices") && j["choices"].size() == 1;
    if (good) {
      const json& m = j["choices"][0]["message"];
      good = model.ends_with("tools")
                 ? m.contains("tool_calls") &&
                       m["tool_calls"][0]["function"]["arguments"] == "{\"city\":\"Paris\"}"
                 : m.value("content", "") == ExpectedText(model);
    }
    std::lock_guard<std::mutex> lock(t.mu);
    if (good) {
      ++t.ok;
    } else {
      ++t.wrong_content;
      t.problems.push_back(nonce + ": wrong body " + res->body.substr(0, 200));
    }
    return;
  }
  // A stream: either complete with [DONE], or an error event and no [DONE].
  http::SseParser parser;
  std::string text, args;
  bool done = false, error_event = false, finish = false;
  parser.Feed(res->body, [&](const http::SseEvent& ev) {
    if (ev.data == "[DONE]") {
      done = true;
      return true;
    }
    json c = json::parse(ev.data, nullptr, false);
    if (!c.is_object()) return true;
    if (c.contains("error")) {
      error_event = true;
      return true;
    }
    if (!c.contains("choices") || c["choices"].empty()) return true;
    const json& ch = c["choices"][0];
    if (!ch["finish_reason"].is_null()) finish = true;
    const json& d = ch["delta"];
    if (d.contains("content") && d["content"].is_string()) text += d["content"].get<std::string>();
    if (d.contains("tool_calls"))
      for (const auto& tc : d["tool_calls"])
        if (tc.contains("function") && tc["function"].contains("arguments"))
          args += tc["function"]["arguments"].get<std::string>();
    return true;
  });
  bool complete = model.ends_with("tools") ? args == "{\"city\":\"Paris\"}" && finish
                                           : text == ExpectedText(model) && finish;
  std::lock_guard<std::mutex> lock(t.mu);
  if (done && !error_event) {
    if (complete) {
      ++t.ok;
    } else {
      ++t.truncated_as_complete;
      t.problems.push_back(nonce + ": [DONE] after an incomplete stream");
    }
  } else if (error_event && !done) {
    ++t.stream_errors;
  } else {
    ++t.lost;
    t.problems.push_back(nonce + ": stream ended without [DONE] or an error event");
  }
}

TEST(FaultBattery, EveryFaultKindNothingLostNothingTruncatedNothingLeaked) {
  auto fs = NewRealFileSystem();
  SystemClock clock;
  sim::SimOptions so;
  so.seed = 42;
  so.check_python = false;
  auto simulator = sim::Simulator::Start(so, *fs, clock);
  ASSERT_TRUE(simulator.ok()) << simulator.status().message();
  const std::string sim_url = (*simulator)->url();

  http::ClientOptions co;
  co.max_attempts = 1;
  auto admin = http::NewCurlHttpClient(co);
  // Every fault kind, on the primary's keys and (less often) on the backup.
  const std::string faults =
      "primary:p1aa=429:0@0.12;primary:p1aa=500@0.08;primary:p2bb=503@0.08;"
      "primary:p2bb=502@0.03;primary=reset@0.05;primary=cut:0@0.04;primary=cut:2@0.05;"
      "primary:p1aa=402@0.01;primary:p2bb=echo-key@0.01;primary=hang:3000@0.004;"
      "backup=503@0.05;backup=cut:1@0.03;backup=reset@0.02;backup=429:0@0.03";
  auto set = admin->Send(http::Request{
      .method = "POST", .url = sim_url + "/_providers/_faults", .headers = {}, .body = faults});
  ASSERT_TRUE(set.ok());
  ASSERT_EQ(set->status, 200) << set->body;

  MapEnv env({{"P1", P1}, {"P2", P2}, {"B1", B1}, {"SIM", sim_url}});
  auto cfg = ParseAgenticConfig(R"(
primary:
  url: ${SIM}/_providers/primary/v1
  api_key:
    - ${P1}
    - ${P2}
  priority: true
backup:
  url: ${SIM}/_providers/backup/v1
  api_key: ${B1}
  fallback: true
router:
  ttft_timeout_ms: 1000
  initial_backoff_ms: 5
  max_retry_wait_ms: 100
  breaker_open_ms: 20
  breaker_max_open_ms: 80
  dead_key_ms: 50
)",
                                "battery.yaml", env);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  const std::string state = ::testing::TempDir() + "/fault-battery-state";
  (void)fs->RemoveAll(state);
  std::mutex log_mu;
  std::string logs;
  auto redactor = std::make_shared<Redactor>();
  GatewayOptions go;
  go.config = std::move(*cfg);
  go.state_dir = state;
  go.fs = fs.get();
  go.logger =
      std::make_shared<Logger>(LogLevel::kDebug, redactor, [&](LogLevel, std::string_view line) {
        std::lock_guard<std::mutex> lock(log_mu);
        logs += line;
        logs += "\n";
      });
  auto gw = Gateway::Create(std::move(go));
  ASSERT_TRUE(gw.ok()) << gw.status().message();
  http::Router router;
  (*gw)->Mount(router);
  auto server = http::NewHttpServer(http::ServerOptions{}, router.AsHandler());
  ASSERT_TRUE(server.ok());
  const std::string url = (*server)->url();

  constexpr int kRequests = 2000;
  constexpr int kThreads = 12;
  Tally tally;
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  auto started = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto client = http::NewCurlHttpClient(co);
      for (int i = next++; i < kRequests; i = next++) CheckOne(*client, url, i, tally);
    });
  }
  for (auto& th : threads) th.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto stats = admin->Send(http::Request{.url = sim_url + "/_providers/_stats"});
  ASSERT_TRUE(stats.ok());
  json st = json::parse(stats->body);
  // Every upstream call the simulator saw for a request is an attempt the router counted, with one
  // exception: libcurl re-sends a request, once, when the reused keep-alive connection it went out
  // on is dropped before any response byte (the simulator's `reset`); nothing of such a call ever
  // reached the gateway, let alone the client. So: attempts <= calls <= attempts + resets.
  int unaccounted = 0, hidden_resends = 0;
  for (const auto& [nonce, attempts] : tally.attempts) {
    int calls = st["calls"].value(nonce, 0);
    int resets = st["dropped"].value(nonce, 0);
    hidden_resends += calls - attempts;
    if (calls < attempts || calls > attempts + resets) {
      if (++unaccounted <= 5)
        ADD_FAILURE() << nonce << ": the simulator saw " << calls << " calls (" << resets
                      << " reset), the gateway reported " << attempts << " attempts";
    }
  }
  auto rules = admin->Send(http::Request{.url = sim_url + "/_providers/_faults"});
  ASSERT_TRUE(rules.ok());

  ASSERT_NE((*gw)->ledger(), nullptr);
  ASSERT_TRUE((*gw)->ledger()->Flush().ok());
  auto recent = (*gw)->ledger()->Recent(kRequests + 10);
  ASSERT_TRUE(recent.ok());
  auto ledger_bytes = fs->ReadFile(state + "/usage.sqlite");
  ASSERT_TRUE(ledger_bytes.ok());
  auto wal_read = fs->ReadFile(state + "/usage.sqlite-wal");
  std::string wal = wal_read.ok() ? *wal_read : std::string();
  std::string metrics = (*gw)->MetricsText();
  (*server)->Stop();
  (*gw)->Shutdown();
  (*simulator)->Stop();

  std::cout << "fault battery: " << kRequests << " requests in " << seconds << " s: " << tally.ok
            << " ok, " << tally.clear_errors << " clear errors, " << tally.stream_errors
            << " streams ended by an error event; upstream calls " << st["requests"]
            << " (libcurl re-sends after a reset: " << hidden_resends << ")"
            << "; fault rules fired " << rules->body << "\n";
  for (const auto& p : tally.problems) ADD_FAILURE() << p;
  EXPECT_EQ(tally.lost, 0);
  EXPECT_EQ(tally.truncated_as_complete, 0);
  EXPECT_EQ(tally.wrong_content, 0);
  EXPECT_EQ(tally.leaked, 0);
  EXPECT_EQ(tally.retry_header_missing, 0);
  EXPECT_EQ(unaccounted, 0) << "upstream calls the gateway did not account for";
  EXPECT_EQ(static_cast<int>(tally.attempts.size()), kRequests);
  EXPECT_EQ(tally.ok + tally.clear_errors + tally.stream_errors, kRequests);
  EXPECT_GT(tally.ok, kRequests * 8 / 10) << "failover should save most requests";
  EXPECT_GT(tally.stream_errors, 0) << "cut:2 after commit must show up as error events";
  EXPECT_EQ(static_cast<int>(recent->size()), kRequests);
  EXPECT_FALSE(Leaks(*ledger_bytes) || Leaks(wal)) << "a key in the ledger";
  EXPECT_FALSE(Leaks(logs)) << "a key in the logs";
  EXPECT_FALSE(Leaks(metrics));
  EXPECT_NE(logs.find("trying the next candidate"), std::string::npos);
}

}  // namespace
}  // namespace sf::providers

// gateway_ttfb: time to first byte of streamed chat completions, several targets interleaved.
//
//   gateway_ttfb [--requests N] [--rounds R] [--warmup W] [--max-seconds S] [--body JSON]
//                --target NAME URL [--header "Name: value"]... [--target NAME URL ...]
//
// Sends N streaming POSTs per target, one at a time over one keep-alive connection per target, in
// R rounds that alternate the targets (round 1: A B C, round 2: B C A, ...), so a slow patch of
// a shared machine hits every target alike. Per request it takes the time from the send to the
// first SSE data event (TTFB: the first byte the client can use; response headers alone do not
// count) and to the end of the stream, and counts the data events and whether the last was
// [DONE]. Prints one tab-separated line per target:
//   name  requests  errors  ttfb_p50_us  ttfb_p90_us  ttfb_p99_us  total_p50_us  total_p99_us
//   events_min  events_max  done_missing
// Errors (transport failures, non-2xx) are counted and left out of the percentiles. --max-seconds
// bounds the time spent on each target (split evenly over the rounds), so a slow peer gets fewer
// requests instead of stretching the run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/http.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  std::string name;
  std::string url;
  sf::http::Headers headers;
  std::unique_ptr<sf::http::HttpClient> client;
  std::vector<double> ttfb_us;
  std::vector<double> total_us;
  int errors = 0;
  int done_missing = 0;
  int events_min = 1 << 30;
  int events_max = 0;
  std::string last_error;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size()));
  return v[std::min(rank, v.size() - 1)];
}

// One streamed request; records into the target unless `record` is false (warm-up).
void RunOne(Target& t, const std::string& body, bool record) {
  sf::http::Request req;
  req.method = "POST";
  req.url = t.url;
  req.headers = t.headers;
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body;
  req.total_timeout = std::chrono::milliseconds(10'000);
  req.idle_timeout = std::chrono::milliseconds(10'000);
  req.idempotent_override = true;  // keep the connection alive, as real SDK clients do
  int events = 0;
  bool done = false;
  Clock::time_point first{};
  const Clock::time_point start = Clock::now();
  auto r = sf::http::StreamSse(*t.client, req, [&](const sf::http::SseEvent& ev) {
    if (events == 0) first = Clock::now();
    if (ev.data == "[DONE]") {
      done = true;
    } else {
      ++events;
    }
    return true;
  });
  const Clock::time_point end = Clock::now();
  if (!record) return;
  if (!r.ok() || r->status != 200 || events == 0) {
    ++t.errors;
    t.last_error = !r.ok() ? r.status().ToString()
                           : "HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200);
    return;
  }
  auto us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
  t.ttfb_us.push_back(us(first - start));
  t.total_us.push_back(us(end - start));
  t.events_min = std::min(t.events_min, events);
  t.events_max = std::max(t.events_max, events);
  if (!done) ++t.done_missing;
}

int Usage(const char* argv0) {
  std::fprintf(
      stderr,
      "usage: %s [--requests N] [--rounds R] [--warmup W] [--max-seconds S] [--body JSON]\n"
      "          --target NAME URL [--header 'Name: value']... [--target ...]\n",
      argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 2000;
  int rounds = 10;
  int warmup = 50;
  double max_seconds = 1e9;
  std::string body =
      R"({"model":"bench-model","messages":[{"role":"user","content":"Hello, how are you?"}],)"
      R"("stream":true})";
  std::vector<Target> targets;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto need = [&](int n) { return i + n < argc; };
    if (flag == "--requests" && need(1)) {
      requests = std::atoi(argv[++i]);
    } else if (flag == "--rounds" && need(1)) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (flag == "--warmup" && need(1)) {
      warmup = std::atoi(argv[++i]);
    } else if (flag == "--max-seconds" && need(1)) {
      max_seconds = std::atof(argv[++i]);
    } else if (flag == "--body" && need(1)) {
      body = argv[++i];
    } else if (flag == "--target" && need(2)) {
      Target t;
      t.name = argv[++i];
      t.url = argv[++i];
      targets.push_back(std::move(t));
    } else if (flag == "--header" && need(1) && !targets.empty()) {
      std::string h = argv[++i];
      auto colon = h.find(':');
      if (colon == std::string::npos) return Usage(argv[0]);
      std::size_t v = h.find_first_not_of(' ', colon + 1);
      targets.back().headers.emplace_back(h.substr(0, colon),
                                          v == std::string::npos ? "" : h.substr(v));
    } else {
      return Usage(argv[0]);
    }
  }
  if (targets.empty() || requests < 1) return Usage(argv[0]);

  for (Target& t : targets) {
    sf::http::ClientOptions o;
    o.max_attempts = 1;  // a failure is a data point, not something to hide
    o.user_agent = "gateway_ttfb";
    t.client = sf::http::NewCurlHttpClient(o);
    const auto warm_deadline = Clock::now() + std::chrono::seconds(5);
    for (int i = 0; i < warmup && Clock::now() < warm_deadline; ++i) RunOne(t, body, false);
  }
  const int per_round = std::max(1, requests / rounds);
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t k = 0; k < targets.size(); ++k) {
      Target& t = targets[(k + static_cast<std::size_t>(round)) % targets.size()];
      const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(max_seconds / rounds));
      for (int i = 0; i < per_round && Clock::now() < deadline; ++i) RunOne(t, body, true);
    }
  }
  for (const Target& t : targets) {
    std::printf("%s\t%zu\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\n", t.name.c_str(),
                t.ttfb_us.size() + static_cast<std::size_t>(t.errors), t.errors,
                Percentile(t.ttfb_us, 50), Percentile(t.ttfb_us, 90), Percentile(t.ttfb_us, 99),
                Percentile(t.total_us, 50), Percentile(t.total_us, 99),
                t.events_max == 0 ? 0 : t.events_min, t.events_max, t.done_missing);
    if (t.errors > 0)
      std::fprintf(stderr, "%s: last error: %s\n", t.name.c_str(), t.last_error.c_str());
  }
  return 0;
}

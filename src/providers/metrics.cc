// Prometheus text exposition of the gateway: requests by provider/key/outcome/status, attempt
// failures, latency and TTFT histograms, in-flight requests and the breaker state of every key.
#include <fmt/format.h>

#include <cmath>

#include "providers/internal.h"

namespace sf::providers::internal {
namespace {

// Label values are our own names (provider names are [A-Za-z0-9._-], outcomes fixed words), but
// escape anyway.
std::string Esc(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::Histogram::Observe(double v) {
  std::size_t i = 0;
  while (i < kNumBuckets && v > kBuckets[i]) ++i;
  ++counts[i];
  sum += v;
  ++count;
}

void Metrics::OnRequest(const std::string& provider, const std::string& key_id,
                        const std::string& outcome, int status, double latency_ms, double ttft_ms,
                        int attempts) {
  std::lock_guard<std::mutex> lock(mu_);
  RequestLabelsView key(provider, key_id, outcome, status);
  auto it = requests_.find(key);
  if (it == requests_.end())
    it = requests_.emplace(RequestLabels(provider, key_id, outcome, status), 0).first;
  ++it->second;
  attempts_total_ += static_cast<std::uint64_t>(attempts);
  latency_[provider].Observe(latency_ms);
  if (ttft_ms >= 0) ttft_[provider].Observe(ttft_ms);
}

void Metrics::OnAttemptFailure(const std::string& provider, const std::string& key_id,
                               const std::string& reason) {
  std::string labels = fmt::format(R"(provider="{}",key_id="{}",reason="{}")", Esc(provider),
                                   Esc(key_id), Esc(reason));
  std::lock_guard<std::mutex> lock(mu_);
  ++attempt_failures_[labels];
}

std::string Metrics::Text(const Snapshot& snapshot, std::chrono::steady_clock::time_point now,
                          const Ledger* ledger) const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  out += "# HELP sf_gateway_requests_total Chat completion requests answered by the gateway.\n";
  out += "# TYPE sf_gateway_requests_total counter\n";
  for (const auto& [labels, n] : requests_) {
    const auto& [provider, key_id, outcome, status] = labels;
    out += fmt::format(
        "sf_gateway_requests_total{{provider=\"{}\",key_id=\"{}\",outcome=\"{}\",status=\"{}\"}} "
        "{}\n",
        Esc(provider), Esc(key_id), Esc(outcome), status, n);
  }
  out += "# HELP sf_gateway_attempt_failures_total Upstream attempts that failed over.\n";
  out += "# TYPE sf_gateway_attempt_failures_total counter\n";
  for (const auto& [labels, n] : attempt_failures_)
    out += fmt::format("sf_gateway_attempt_failures_total{{{}}} {}\n", labels, n);
  out += "# HELP sf_gateway_upstream_attempts_total Upstream attempts made.\n";
  out += "# TYPE sf_gateway_upstream_attempts_total counter\n";
  out += fmt::format("sf_gateway_upstream_attempts_total {}\n", attempts_total_);
  out += "# HELP sf_gateway_in_flight Requests being served.\n# TYPE sf_gateway_in_flight gauge\n";
  out += fmt::format("sf_gateway_in_flight {}\n", in_flight_.load());
  auto hist = [&](const char* name, const char* help, const std::map<std::string, Histogram>& m) {
    out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
    for (const auto& [provider, h] : m) {
      std::uint64_t cum = 0;
      for (std::size_t i = 0; i < kNumBuckets; ++i) {
        cum += h.counts[i];
        out += fmt::format("{}_bucket{{provider=\"{}\",le=\"{}\"}} {}\n", name, Esc(provider),
                           kBuckets[i], cum);
      }
      cum += h.counts[kNumBuckets];
      out += fmt::format("{}_bucket{{provider=\"{}\",le=\"+Inf\"}} {}\n", name, Esc(provider), cum);
      out += fmt::format("{}_sum{{provider=\"{}\"}} {}\n", name, Esc(provider), h.sum);
      out += fmt::format("{}_count{{provider=\"{}\"}} {}\n", name, Esc(provider), h.count);
    }
  };
  hist("sf_gateway_latency_ms", "End-to-end request latency in milliseconds.", latency_);
  hist("sf_gateway_ttft_ms", "Time to the first streamed byte in milliseconds.", ttft_);
  out += "# HELP sf_gateway_key_breaker_state Breaker state per key (1 for the current state).\n";
  out += "# TYPE sf_gateway_key_breaker_state gauge\n";
  for (const auto& p : snapshot.providers) {
    for (const auto& k : p->keys) {
      BreakerState st = k->breaker.state(now);
      for (BreakerState s : {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen,
                             BreakerState::kDead}) {
        out += fmt::format(
            "sf_gateway_key_breaker_state{{provider=\"{}\",key_id=\"{}\",state=\"{}\"}} {}\n",
            Esc(p->config.name), Esc(k->config.id), BreakerStateName(s), st == s ? 1 : 0);
      }
    }
  }
  if (ledger != nullptr) {
    out += fmt::format(
        "# HELP sf_gateway_usage_records_dropped_total Usage records not stored because {} were "
        "already waiting for the disk.\n",
        Ledger::kMaxQueued);
    out += "# TYPE sf_gateway_usage_records_dropped_total counter\n";
    out += fmt::format("sf_gateway_usage_records_dropped_total {}\n", ledger->dropped());
  }
  return out;
}

}  // namespace sf::providers::internal

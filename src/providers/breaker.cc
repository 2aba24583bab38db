// Circuit breaker per provider+key: closed → open after N consecutive retryable failures (or at
// once on a 429, for Retry-After), open → half-open (one probe) when the period ends, probe
// success → closed, probe failure → open again for twice as long (capped). 401/402/403 make the
// key dead for BreakerOptions::dead_key.
#include <algorithm>

#include "providers/providers.h"

namespace sf::providers {

std::string_view BreakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
    case BreakerState::kDead:
      return "dead";
  }
  return "closed";
}

bool Breaker::Allow(std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
    case BreakerState::kDead:
      if (now < open_until_) return false;
      state_ = BreakerState::kHalfOpen;
      probe_in_flight_ = true;
      return true;
    case BreakerState::kHalfOpen:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      return true;
  }
  return true;
}

void Breaker::OnSuccess() {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = BreakerState::kClosed;
  failures_ = 0;
  opens_ = 0;
  probe_in_flight_ = false;
}

void Breaker::OnFailure(FailureKind kind, std::chrono::steady_clock::time_point now,
                        std::optional<std::chrono::milliseconds> retry_after) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool was_probe = state_ == BreakerState::kHalfOpen;
  probe_in_flight_ = false;
  ++failures_;
  switch (kind) {
    case FailureKind::kKeyRejected:
      state_ = BreakerState::kDead;
      open_until_ = now + options_.dead_key;
      return;
    case FailureKind::kRateLimited: {
      auto wait = retry_after.value_or(options_.rate_limited);
      state_ = BreakerState::kOpen;
      open_until_ = std::max(open_until_, now + wait);
      return;
    }
    case FailureKind::kRetryable:
      if (!was_probe && failures_ < options_.failure_threshold) return;
      {
        auto period = options_.base_open;
        for (int i = 0; i < opens_ && period < options_.max_open; ++i) period *= 2;
        period = std::min(period, options_.max_open);
        ++opens_;
        state_ = BreakerState::kOpen;
        open_until_ = now + period;
      }
      return;
  }
}

void Breaker::OnAbandon() {
  std::lock_guard<std::mutex> lock(mu_);
  probe_in_flight_ = false;
}

BreakerState Breaker::state(std::chrono::steady_clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  if ((state_ == BreakerState::kOpen) && now >= open_until_) return BreakerState::kHalfOpen;
  return state_;
}

std::chrono::milliseconds Breaker::RemainingOpen(std::chrono::steady_clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == BreakerState::kClosed) return std::chrono::milliseconds(0);
  if (state_ == BreakerState::kHalfOpen) return std::chrono::milliseconds(probe_in_flight_ ? 1 : 0);
  if (now >= open_until_) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(open_until_ - now);
}

int Breaker::consecutive_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

void Breaker::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  state_ = BreakerState::kClosed;
  failures_ = 0;
  opens_ = 0;
  probe_in_flight_ = false;
}

}  // namespace sf::providers

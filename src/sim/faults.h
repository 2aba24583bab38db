// Fault injection for the simulator: a small rule language, decisions deterministic by seed.
//
// SPEC   := RULE (';' RULE)*              (newlines also separate rules; blank rules are ignored)
// RULE   := [METHOD ' '] GLOB '=' ACTION  (METHOD is GET, POST, … or '*'; default '*')
// GLOB   := request path (no query); '*' matches any run of characters, '/' included
// ACTION := KIND [':' ARG] ['x' COUNT] ['@' PROB]
// KIND   := an HTTP status 400..599 (ARG for 429/503 = Retry-After seconds)
//         | 'reset'            (connection reset (RST) before an answer; the request is not
//         applied) | 'slow' ':' MS      (answer normally after MS milliseconds) | 'truncate'
//         (answer normally but drop the connection after half of the body,
//                               or after half of a stream's first chunk; the request IS applied)
// COUNT  := fire for the first COUNT matching requests only (default: every matching request)
// PROB   := 0..1, fire with this probability (seeded PRNG per rule, so runs repeat exactly)
//
// Examples: "POST /api/repos/create=503x2"  "GET /api/models*=429:1x1"  "*/resolve/*=truncate@0.5"
// The first rule that matches a request and still has budget decides; /_sim/* is never faulted.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sf::sim {

enum class FaultKind { kStatus, kReset, kSlow, kTruncate };

struct FaultRule {
  std::string method = "*";
  std::string glob;
  FaultKind kind = FaultKind::kStatus;
  int status = 0;
  int retry_after = -1;  // seconds; -1 = no header
  int delay_ms = 0;
  std::int64_t count = -1;  // -1 = unlimited
  double probability = 1.0;
  std::string text;  // the rule as written
};

struct FaultAction {
  FaultKind kind = FaultKind::kStatus;
  int status = 0;
  int retry_after = -1;
  int delay_ms = 0;
  std::string rule;
};

Result<std::vector<FaultRule>> ParseFaultSpec(std::string_view spec);
bool GlobMatch(std::string_view glob, std::string_view text);
std::string_view FaultKindName(FaultKind kind);

// Thread-safe holder of the active rules.
class FaultInjector {
 public:
  explicit FaultInjector(std::uint64_t seed) : seed_(seed) {}
  Status Set(std::string_view spec);  // replaces all rules; on error keeps the old ones
  void Clear();
  std::optional<FaultAction> Decide(std::string_view method, std::string_view path);
  nlohmann::json Describe() const;  // [{rule, remaining, fired}]

 private:
  struct Active {
    FaultRule rule;
    std::int64_t remaining;
    std::uint64_t fired = 0;
    std::mt19937_64 rng;
  };
  mutable std::mutex mu_;
  std::uint64_t seed_;
  std::vector<Active> rules_;
};

}  // namespace sf::sim

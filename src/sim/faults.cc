#include "sim/faults.h"

#include <charconv>

namespace sf::sim {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseProbability(std::string_view s, double* out) {
  // from_chars for double is not in libstdc++ 12 for all targets; parse "0", "1", "0.25" by hand.
  if (s.empty() || s.size() > 12) return false;
  double value = 0, scale = 1;
  bool dot = false, digit = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
      if (dot) {
        scale /= 10;
        value += (c - '0') * scale;
      } else {
        value = value * 10 + (c - '0');
      }
    } else {
      return false;
    }
  }
  if (!digit || value > 1.0) return false;
  *out = value;
  return true;
}

Result<FaultRule> ParseRule(std::string_view text) {
  FaultRule rule;
  rule.text = std::string(text);
  auto eq = text.rfind('=');
  if (eq == std::string_view::npos) {
    return InvalidArgument("fault rule '" + rule.text + "': expected PATH=ACTION");
  }
  std::string_view left = Trim(text.substr(0, eq));
  std::string_view action = Trim(text.substr(eq + 1));
  if (auto sp = left.find(' '); sp != std::string_view::npos) {
    rule.method = std::string(Trim(left.substr(0, sp)));
    left = Trim(left.substr(sp + 1));
    for (char c : rule.method) {
      if (!((c >= 'A' && c <= 'Z') || c == '*')) {
        return InvalidArgument("fault rule '" + rule.text + "': bad method '" + rule.method + "'");
      }
    }
  }
  if (left.empty()) return InvalidArgument("fault rule '" + rule.text + "': empty path pattern");
  rule.glob = std::string(left);
  if (auto at = action.find('@'); at != std::string_view::npos) {
    if (!ParseProbability(action.substr(at + 1), &rule.probability)) {
      return InvalidArgument("fault rule '" + rule.text + "': probability must be in [0, 1]");
    }
    action = action.substr(0, at);
  }
  if (auto x = action.rfind('x'); x != std::string_view::npos && x + 1 < action.size()) {
    std::int64_t n = 0;
    if (ParseNumber(action.substr(x + 1), &n)) {
      if (n <= 0) return InvalidArgument("fault rule '" + rule.text + "': count must be > 0");
      rule.count = n;
      action = action.substr(0, x);
    }
  }
  std::string_view kind = action, arg;
  if (auto colon = action.find(':'); colon != std::string_view::npos) {
    kind = action.substr(0, colon);
    arg = action.substr(colon + 1);
  }
  int number = 0;
  if (kind == "reset" || kind == "truncate") {
    rule.kind = kind == "reset" ? FaultKind::kReset : FaultKind::kTruncate;
    if (!arg.empty())
      return InvalidArgument("fault rule '" + rule.text + "': no argument expected");
  } else if (kind == "slow") {
    rule.kind = FaultKind::kSlow;
    if (!ParseNumber(arg, &rule.delay_ms) || rule.delay_ms < 0 || rule.delay_ms > 600'000) {
      return InvalidArgument("fault rule '" + rule.text + "': slow needs :MS (0..600000)");
    }
  } else if (ParseNumber(kind, &number) && number >= 400 && number <= 599) {
    rule.kind = FaultKind::kStatus;
    rule.status = number;
    if (!arg.empty() && (!ParseNumber(arg, &rule.retry_after) || rule.retry_after < 0 ||
                         rule.retry_after > 86'400)) {
      return InvalidArgument("fault rule '" + rule.text + "': Retry-After must be 0..86400 s");
    }
  } else {
    return InvalidArgument("fault rule '" + rule.text + "': unknown action '" +
                           std::string(action) +
                           "' (a status 400-599, reset, slow:MS or truncate)");
  }
  return rule;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kStatus:
      return "status";
    case FaultKind::kReset:
      return "reset";
    case FaultKind::kSlow:
      return "slow";
    case FaultKind::kTruncate:
      return "truncate";
  }
  return "?";
}

Result<std::vector<FaultRule>> ParseFaultSpec(std::string_view spec) {
  std::vector<FaultRule> rules;
  if (spec.size() > 64 * 1024) return InvalidArgument("fault spec too long");
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = spec.find_first_of(";\n", start);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view part = Trim(spec.substr(start, end - start));
    if (!part.empty() && part.front() != '#') {
      SF_ASSIGN_OR_RETURN(FaultRule rule, ParseRule(part));
      rules.push_back(std::move(rule));
    }
    start = end + 1;
  }
  return rules;
}

bool GlobMatch(std::string_view glob, std::string_view text) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t g = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = t;
    } else if (g < glob.size() && glob[g] == text[t]) {
      ++g;
      ++t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

Status FaultInjector::Set(std::string_view spec) {
  SF_ASSIGN_OR_RETURN(std::vector<FaultRule> parsed, ParseFaultSpec(spec));
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    Active a{std::move(parsed[i]), 0, 0, std::mt19937_64(seed_ * 0x9E3779B97F4A7C15ull + i + 1)};
    a.remaining = a.rule.count;
    rules_.push_back(std::move(a));
  }
  return Status::Ok();
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

std::optional<FaultAction> FaultInjector::Decide(std::string_view method, std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Active& a : rules_) {
    if (a.remaining == 0) continue;
    if (a.rule.method != "*" && a.rule.method != method) continue;
    if (!GlobMatch(a.rule.glob, path)) continue;
    if (a.rule.probability < 1.0) {
      double draw = std::uniform_real_distribution<double>(0.0, 1.0)(a.rng);
      if (draw >= a.rule.probability) continue;
    }
    if (a.remaining > 0) --a.remaining;
    ++a.fired;
    return FaultAction{a.rule.kind, a.rule.status, a.rule.retry_after, a.rule.delay_ms,
                       a.rule.text};
  }
  return std::nullopt;
}

nlohmann::json FaultInjector::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const Active& a : rules_) {
    out.push_back({{"rule", a.rule.text},
                   {"kind", FaultKindName(a.rule.kind)},
                   {"remaining", a.remaining},
                   {"fired", a.fired}});
  }
  return out;
}

}  // namespace sf::sim

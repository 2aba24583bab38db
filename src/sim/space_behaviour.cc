#include "sim/space_behaviour.h"

#include <charconv>

#include "sim/faults.h"

namespace sf::sim {
namespace {

std::string Trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

Result<std::vector<SpaceBehaviourRule>> ParseSpaceBehaviourSpec(std::string_view spec) {
  std::vector<SpaceBehaviourRule> rules;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = spec.find_first_of(";\n", start);
    if (end == std::string_view::npos) end = spec.size();
    std::string text = Trim(spec.substr(start, end - start));
    start = end + 1;
    if (text.empty()) continue;
    std::size_t eq = text.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgument("space behaviour '" + text + "': expected GLOB=KIND[:ARG]");
    }
    SpaceBehaviourRule r;
    r.text = text;
    r.glob = Trim(std::string_view(text).substr(0, eq));
    std::string action = Trim(std::string_view(text).substr(eq + 1));
    std::size_t colon = action.find(':');
    r.kind = action.substr(0, colon);
    r.arg = colon == std::string::npos ? "" : action.substr(colon + 1);
    const std::string& k = r.kind;
    const std::string& a = r.arg;
    bool ok = true;
    std::string why;
    if (k == "ok" || k == "building") {
      ok = a.empty();
    } else if (k == "placeholder") {
      ok = a.empty() || a == "echo";
      why = "placeholder takes no argument or ':echo'";
    } else if (k == "wrong-type") {
      ok = a.empty() || a == "magic";
      why = "wrong-type takes no argument or ':magic'";
    } else if (k == "error") {
      ok = true;
    } else if (k == "slow") {
      ok = ParseInt(a).has_value();
      why = "slow needs ':MS'";
    } else if (k == "crash") {
      std::string_view n = a;
      if (n.size() > 2 && n.substr(n.size() - 2) == "ms") n.remove_suffix(2);
      ok = ParseInt(n).has_value();
      why = "crash needs ':N' calls or ':MSms'";
    } else {
      return InvalidArgument("space behaviour '" + text + "': unknown kind '" + k +
                             "' (ok, placeholder, wrong-type, error, slow, crash, building)");
    }
    if (!ok) return InvalidArgument("space behaviour '" + text + "': " + why);
    rules.push_back(std::move(r));
  }
  return rules;
}

Status SpaceBehaviours::Set(std::string_view spec) {
  SF_ASSIGN_OR_RETURN(auto rules, ParseSpaceBehaviourSpec(spec));
  std::lock_guard<std::mutex> lock(mu_);
  rules_ = std::move(rules);
  return Status::Ok();
}

void SpaceBehaviours::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  rules_.clear();
}

SpaceBehaviour SpaceBehaviours::For(std::string_view space_id) const {
  SpaceBehaviour b;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& r : rules_) {
    if (!GlobMatch(r.glob, space_id)) continue;
    if (r.kind == "ok") {
      b = SpaceBehaviour{};
    } else if (r.kind == "placeholder") {
      b.output = r.arg == "echo" ? SpaceBehaviour::Output::kPlaceholderEcho
                                 : SpaceBehaviour::Output::kPlaceholder;
    } else if (r.kind == "wrong-type") {
      b.output = r.arg == "magic" ? SpaceBehaviour::Output::kWrongMagic
                                  : SpaceBehaviour::Output::kWrongType;
    } else if (r.kind == "error") {
      b.error = r.arg.empty() ? std::string("Simulated failure in the Space's endpoint") : r.arg;
    } else if (r.kind == "slow") {
      b.slow_ms = ParseInt(r.arg).value_or(0);
    } else if (r.kind == "crash") {
      std::string_view n = r.arg;
      if (n.size() > 2 && n.substr(n.size() - 2) == "ms") {
        n.remove_suffix(2);
        b.crash_after_ms = ParseInt(n).value_or(0);
      } else {
        b.crash_after_calls = ParseInt(n).value_or(0);
      }
    } else if (r.kind == "building") {
      b.stuck_building = true;
    }
  }
  return b;
}

nlohmann::json SpaceBehaviours::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rules_) {
    out.push_back({{"rule", r.text}, {"glob", r.glob}, {"kind", r.kind}, {"arg", r.arg}});
  }
  return out;
}

}  // namespace sf::sim

// RunStatus names and the default store root.
#include <array>
#include <utility>

#include "runs/runs.h"

namespace sf::runs {
namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 9> kNames = {{
    {RunStatus::kRunning, "running"},
    {RunStatus::kFullInferenceSuccess, "full_inference_success"},
    {RunStatus::kFullInferenceCandidateHealthPassed, "full_inference_candidate_health_passed"},
    {RunStatus::kHealthOnly, "health_only"},
    {RunStatus::kManualHardwareRequired, "manual_hardware_required"},
    {RunStatus::kTechnicalBlocker, "technical_blocker"},
    {RunStatus::kGeneratedOnly, "generated_only"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kInterrupted, "interrupted"},
}};

std::optional<std::string> NonEmpty(const Env& env, const std::string& name) {
  std::optional<std::string> v = env.Get(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

std::string_view StatusName(RunStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "unknown";
}

std::optional<RunStatus> StatusFromName(std::string_view name) {
  for (const auto& [status, n] : kNames) {
    if (n == name) return status;
  }
  return std::nullopt;
}

bool IsTerminal(RunStatus s) { return s != RunStatus::kRunning && s != RunStatus::kInterrupted; }

std::string DefaultStoreRoot(const Env& env) {
  if (auto v = NonEmpty(env, "SPACE_FACTORY_STORE")) return *v;
  if (auto v = NonEmpty(env, "XDG_DATA_HOME")) return *v + "/spacefactory";
  if (auto v = NonEmpty(env, "HOME")) return *v + "/.local/share/spacefactory";
  return ".spacefactory";
}

}  // namespace sf::runs

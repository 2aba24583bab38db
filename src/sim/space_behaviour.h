// Misbehaviours of simulated Spaces, so that the factory's health gate, smoke test and validator
// can be tested against apps that lie, fail, stall or die.
//
// SPEC   := RULE (';' RULE)*            (newlines also separate rules; blank rules are ignored)
// RULE   := GLOB '=' KIND [':' ARG]     (GLOB matches the Space id "owner/name"; '*' = any run)
// KIND   := 'ok'                        (the default: outputs of the right type)
//         | 'placeholder' [':echo']     (constant output: "placeholder" text, the same grey image,
//                                        silent audio…; with :echo, text outputs echo the input)
//         | 'wrong-type' [':magic']     (a value of another type than declared: text where a file
//                                        is declared and a FileData where text is; with :magic,
//                                        files are served with bytes that are not of their type)
//         | 'error' [':MESSAGE']        (every call fails: `error` event / success:false)
//         | 'slow' ':' MS               (each call completes MS milliseconds later)
//         | 'crash' ':' N | 'crash' ':' MS 'ms'
//                                       (RUNNING, then RUNTIME_ERROR after N calls or MS ms)
//         | 'building'                  (never leaves BUILDING)
// Every rule whose glob matches applies (a later rule of the same kind wins), so
// "sim-user/a=slow:200;sim-user/*=crash:3" makes sim-user/a slow and crashing.
// Deterministic: no randomness, outputs depend only on the inputs.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sf::sim {

struct SpaceBehaviour {
  enum class Output { kNormal, kPlaceholder, kPlaceholderEcho, kWrongType, kWrongMagic };
  Output output = Output::kNormal;
  std::optional<std::string> error;  // set: every call fails with this message
  int slow_ms = 0;                   // extra latency per call
  std::optional<int> crash_after_calls;
  std::optional<int> crash_after_ms;  // after reaching RUNNING
  bool stuck_building = false;
};

struct SpaceBehaviourRule {
  std::string glob;
  std::string kind;
  std::string arg;
  std::string text;
};

Result<std::vector<SpaceBehaviourRule>> ParseSpaceBehaviourSpec(std::string_view spec);

class SpaceBehaviours {
 public:
  Status Set(std::string_view spec);  // replaces every rule; on error keeps the old ones
  void Clear();
  SpaceBehaviour For(std::string_view space_id) const;
  nlohmann::json Describe() const;  // [{rule, glob, kind, arg}]

 private:
  mutable std::mutex mu_;
  std::vector<SpaceBehaviourRule> rules_;
};

}  // namespace sf::sim

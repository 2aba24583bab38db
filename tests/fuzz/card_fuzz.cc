// libFuzzer target: any bytes through ParseCard → AnalyzeCard → AnalysisToJson must neither crash
// nor throw, and the JSON must serialise.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "card/card.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sf::card::ParseLimits limits;
  limits.max_card_bytes = 1u << 20;
  limits.max_front_matter_bytes = 64u << 10;
  auto parsed = sf::card::ParseCard(text, limits);
  if (!parsed.ok()) return 0;
  sf::card::RepoFacts facts;
  // Derive a file list from the input's first bytes so the facts paths are exercised too.
  if (size > 0 && (data[0] & 1)) {
    facts.files = {"README.md", "model-q4.gguf"};
  } else if (size > 0 && (data[0] & 2)) {
    facts.files = {"README.md", "config.json"};
  }
  auto analysis = sf::card::AnalyzeCard(*parsed, facts);
  auto json = sf::card::AnalysisToJson(analysis);
  (void)json.dump();
  (void)parsed->metadata.dump();
  return 0;
}

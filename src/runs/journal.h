// Internal to sf_runs: the events.jsonl format. Not a public header.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sf::runs::internal {

// json::dump that never throws: invalid UTF-8 is replaced (U+FFFD) rather than refused.
std::string DumpJson(const nlohmann::json& j, int indent);

// "2026-11-24T03:15:00.123Z" (UTC, milliseconds).
std::string TimestampMs(std::chrono::system_clock::time_point t);

struct ParsedJournal {
  std::vector<nlohmann::json> events;
  // Set when the file must be rewritten before appending: a torn final line (dropped) or a final
  // line without its '\n' (terminated). The content to write.
  std::optional<std::string> repaired;
  std::size_t torn_bytes = 0;  // size of the dropped torn line, 0 if none
  int torn_line = 0;           // its 1-based line number, 0 if none
};

// Parses events.jsonl: one JSON object per line, blank lines ignored. The last non-blank line may
// be torn (a kill mid-write): it is dropped. Any other bad line is kParse naming `path` and the
// 1-based line number.
Result<ParsedJournal> ParseJournal(std::string_view text, const std::string& path);

}  // namespace sf::runs::internal

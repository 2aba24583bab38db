// Internal helpers shared by the card sources. Not part of the public API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sf::card::internal {

std::string_view Trim(std::string_view s);
std::string_view TrimRight(std::string_view s);
std::string ToLowerAscii(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
bool Contains(std::string_view haystack, std::string_view needle);
// True when `word` occurs in `haystack` with no ASCII letter or digit right before or after it.
bool ContainsWord(std::string_view haystack, std::string_view word);
// Splits on '\n'; a trailing '\r' is dropped from each line. A final empty line after a trailing
// newline is not returned.
std::vector<std::string_view> SplitLines(std::string_view text);
// At most `max_bytes` of `s`, cut on a UTF-8 character boundary, with "…" appended when cut.
std::string Truncate(std::string_view s, std::size_t max_bytes);
// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid UTF-8.
std::size_t FindInvalidUtf8(std::string_view s);
// `s` with every invalid UTF-8 byte replaced by '?', so JSON serialisation never throws.
std::string SanitizeUtf8(std::string_view s);

// A parameter count found in text: value in billions and its byte range.
struct CountMatch {
  double billions = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
};
// All counts such as "7B", "1.5M", "91.5K", "3.8 billion" in `text`. `name_mode` reads model names
// ("Qwen2.5-3B"): B/M suffixes only, no space before the unit.
std::vector<CountMatch> FindCounts(std::string_view text, bool name_mode);
std::optional<double> ParseCount(std::string_view text, bool name_mode);

}  // namespace sf::card::internal

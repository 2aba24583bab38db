// Card lines for the analyser: normalisation, code-fence tracking and a bounded regex search.
#include <algorithm>
#include <string>
#include <utility>

#include "card/analyzer.h"
#include "card/internal.h"

namespace sf::card::internal {

std::string Normalize(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (c == '*' || c == '`') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  return out;
}

bool ContainsAny(std::string_view s, std::initializer_list<std::string_view> needles) {
  for (auto n : needles) {
    if (Contains(s, n)) return true;
  }
  return false;
}

std::vector<CardLine> MakeLines(std::string_view text, std::uint64_t first_number,
                                bool track_code) {
  std::vector<CardLine> out;
  bool in_code = false;
  int number = static_cast<int>(std::min<std::uint64_t>(first_number, 1u << 30));
  for (auto raw : SplitLines(text)) {
    CardLine l;
    l.raw = raw;
    l.norm = Normalize(raw);
    l.number = number++;
    std::string_view t = Trim(raw);
    bool fence = StartsWith(t, "```") || StartsWith(t, "~~~");
    if (track_code && fence) in_code = !in_code;
    l.in_code = track_code && (in_code || fence);
    l.heading = !l.in_code && StartsWith(t, "#");
    out.push_back(std::move(l));
  }
  return out;
}

bool Search(const std::string& s, const std::regex& re) {
  if (s.size() <= kRegexMaxChars) return std::regex_search(s, re);
  std::string head = s.substr(0, kRegexMaxChars);
  return std::regex_search(head, re);
}

}  // namespace sf::card::internal

#include "runs/journal.h"

namespace sf::runs::internal {

using nlohmann::json;

std::string DumpJson(const json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

std::string TimestampMs(std::chrono::system_clock::time_point t) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  std::string s = FormatIso8601(t);  // "...:SSZ"
  std::string frac = std::to_string(ms);
  frac.insert(0, 3 - frac.size(), '0');
  if (!s.empty() && s.back() == 'Z') s.insert(s.size() - 1, "." + frac);
  return s;
}

namespace {

struct Line {
  std::size_t begin, end;  // [begin, end) without the '\n'
  bool terminated;
  int number;
};

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

Result<ParsedJournal> ParseJournal(std::string_view text, const std::string& path) {
  std::vector<Line> lines;
  int number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    ++number;
    if (nl == std::string_view::npos) {
      lines.push_back({pos, text.size(), false, number});
      break;
    }
    lines.push_back({pos, nl, true, number});
    pos = nl + 1;
  }
  // The last line with content: the only one allowed to be torn.
  std::size_t last = lines.size();
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (!IsBlank(text.substr(lines[i].begin, lines[i].end - lines[i].begin))) {
      last = i;
      break;
    }
  }

  ParsedJournal out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& l = lines[i];
    std::string_view body = text.substr(l.begin, l.end - l.begin);
    if (IsBlank(body)) continue;
    json event = json::parse(body, nullptr, /*allow_exceptions=*/false);
    bool ok = !event.is_discarded() && event.is_object();
    if (ok) {
      out.events.push_back(std::move(event));
      continue;
    }
    if (i == last) {
      out.torn_bytes = text.size() - l.begin;
      out.torn_line = l.number;
      out.repaired = std::string(text.substr(0, l.begin));
      break;
    }
    return ParseError(path + " line " + std::to_string(l.number) + ": " +
                      (event.is_discarded() ? "not valid JSON" : "not a JSON object"));
  }
  if (!out.repaired && last < lines.size() && !lines[last].terminated) {
    // Complete JSON but the '\n' never made it: terminate it so the next append starts a new line.
    out.repaired = std::string(text) + "\n";
  }
  return out;
}

}  // namespace sf::runs::internal

// ParseCard (front matter + body), the names of the card enums, and AnalysisToJson.
#include "card/card.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

#include "card/internal.h"

namespace sf::card {

namespace internal {

std::string_view Trim(std::string_view s) {
  std::size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  std::size_t e = s.size();
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) {
    --e;
  }
  return s.substr(b, e - b);
}

std::string_view TrimRight(std::string_view s) {
  std::size_t e = s.size();
  while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(0, e);
}

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

namespace {
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

bool ContainsWord(std::string_view haystack, std::string_view word) {
  if (word.empty()) return false;
  std::size_t pos = haystack.find(word);
  while (pos != std::string_view::npos) {
    bool left_ok = pos == 0 || !IsAlnum(haystack[pos - 1]);
    std::size_t end = pos + word.size();
    bool right_ok = end >= haystack.size() || !IsAlnum(haystack[end]);
    if (left_ok && right_ok) return true;
    pos = haystack.find(word, pos + 1);
  }
  return false;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

std::string Truncate(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  // Step back over UTF-8 continuation bytes so a character is never split.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::string out(s.substr(0, cut));
  out += "\xE2\x80\xA6";  // …
  return out;
}

std::size_t FindInvalidUtf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong encodings, surrogates and values above U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    std::size_t bad = FindInvalidUtf8(s);
    if (bad == std::string_view::npos) {
      out.append(s);
      break;
    }
    out.append(s.substr(0, bad));
    out.push_back('?');
    s.remove_prefix(bad + 1);
  }
  return out;
}

}  // namespace internal

namespace {

using internal::SanitizeUtf8;
using internal::SplitLines;
using internal::StartsWith;
using internal::Trim;
using internal::TrimRight;

constexpr std::size_t kMaxPreambleLines = 12;  // junk lines tolerated before a late '---'
constexpr int kMaxYamlDepth = 64;
constexpr std::size_t kMaxYamlNodes = 100000;

// Keys that mark a YAML block as a model-card header (used to accept a late front matter).
constexpr std::array<std::string_view, 14> kCardKeys = {
    "license", "language",    "tags",      "pipeline_tag", "library_name", "base_model", "datasets",
    "metrics", "model-index", "inference", "license_name", "license_link", "thumbnail",  "widget"};

bool IsDashLine(std::string_view line) { return Trim(line) == "---"; }

bool IsFence(std::string_view line) {
  std::string_view t = Trim(line);
  return StartsWith(t, "```") || StartsWith(t, "~~~");
}

// "key: value" or "key:" — the shape of a YAML mapping line (also commented keys "#key: v").
bool LooksLikeYamlKey(std::string_view line) {
  std::string_view t = Trim(line);
  if (t.empty()) return false;
  if (t[0] == '#') return true;  // a YAML comment
  std::size_t colon = t.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view key = t.substr(0, colon);
  if (key.front() == '"' || key.front() == '\'') return true;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ' ';
    if (!ok) return false;
  }
  return colon + 1 == t.size() || t[colon + 1] == ' ' || t[colon + 1] == '\t';
}

// A rough upper bound of flow nesting ("[[[[" or "{{{{"), so yaml-cpp never recurses deeply.
int FlowDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return max_depth;
}

// Removes the indentation common to all non-blank lines (cards with indented front-matter keys).
std::string Dedent(std::string_view text) {
  auto lines = SplitLines(text);
  std::size_t common = std::string_view::npos;
  for (auto l : lines) {
    if (Trim(l).empty()) continue;
    std::size_t ind = 0;
    while (ind < l.size() && l[ind] == ' ') ++ind;
    common = std::min(common, ind);
  }
  if (common == std::string_view::npos) common = 0;
  std::string out;
  for (auto l : lines) {
    std::string_view r = TrimRight(l);
    out.append(r.size() >= common ? r.substr(common) : std::string_view{});
    out.push_back('\n');
  }
  return out;
}

nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string s = SanitizeUtf8(node.Scalar());
  if (node.Tag() == "!") return s;  // quoted: always a string
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) return v;
  }
  bool numeric = !s.empty();
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      numeric = false;
      break;
    }
  }
  if (numeric) {
    errno = 0;
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (errno == 0 && end == s.c_str() + s.size() && d == d) return d;
  }
  return s;
}

// Converts a YAML node to JSON. Returns false when the node budget or depth is exceeded (alias
// bombs expand exponentially when copied out).
bool YamlToJson(const YAML::Node& node, nlohmann::json* out, int depth, std::size_t* budget) {
  if (depth > kMaxYamlDepth || *budget == 0) return false;
  --*budget;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      *out = nullptr;
      return true;
    case YAML::NodeType::Scalar:
      *out = ScalarToJson(node);
      return true;
    case YAML::NodeType::Sequence: {
      *out = nlohmann::json::array();
      for (const auto& item : node) {
        nlohmann::json child;
        if (!YamlToJson(item, &child, depth + 1, budget)) return false;
        out->push_back(std::move(child));
      }
      return true;
    }
    case YAML::NodeType::Map: {
      *out = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) continue;  // complex keys carry nothing a card needs
        nlohmann::json child;
        if (!YamlToJson(kv.second, &child, depth + 1, budget)) return false;
        (*out)[SanitizeUtf8(kv.first.Scalar())] = std::move(child);
      }
      return true;
    }
  }
  return true;
}

struct YamlOutcome {
  bool ok = false;
  nlohmann::json value;
  std::string error;
};

YamlOutcome ParseYaml(const std::string& text) {
  YamlOutcome r;
  if (FlowDepth(text) > kMaxYamlDepth) {
    r.error = "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels";
    return r;
  }
  try {
    YAML::Node root = YAML::Load(text);
    std::size_t budget = kMaxYamlNodes;
    nlohmann::json j;
    if (!YamlToJson(root, &j, 0, &budget)) {
      r.error = "too many or too deeply nested values";
      return r;
    }
    r.ok = true;
    r.value = std::move(j);
  } catch (const YAML::Exception& e) {
    r.error = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

std::string JsonScalarToString(const nlohmann::json& j) {
  if (j.is_string()) return std::string(Trim(j.get<std::string>()));
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  if (j.is_number_integer()) return std::to_string(j.get<long long>());
  if (j.is_number()) return j.dump();
  return "";
}

std::vector<std::string> StringList(const nlohmann::json& meta, const char* key) {
  std::vector<std::string> out;
  auto it = meta.find(key);
  if (it == meta.end()) return out;
  auto add = [&](const nlohmann::json& v) {
    std::string s = JsonScalarToString(v);
    if (!s.empty()) out.push_back(std::move(s));
  };
  if (it->is_array()) {
    for (const auto& v : *it) add(v);
  } else {
    add(*it);
  }
  return out;
}

std::optional<std::string> FirstString(const nlohmann::json& meta, const char* key) {
  auto list = StringList(meta, key);
  if (list.empty()) return std::nullopt;
  return list.front();
}

void FillFields(ParsedCard& card) {
  const nlohmann::json& m = card.metadata;
  if (!m.is_object()) return;
  card.pipeline_tag = FirstString(m, "pipeline_tag");
  card.library_name = FirstString(m, "library_name");
  card.license = FirstString(m, "license");
  card.license_name = FirstString(m, "license_name");
  card.tags = StringList(m, "tags");
  card.base_models = StringList(m, "base_model");
  card.languages = StringList(m, "language");
  card.datasets = StringList(m, "datasets");
  auto inf = m.find("inference");
  if (inf != m.end() && inf->is_boolean() && !inf->get<bool>()) card.inference_disabled = true;
  auto gated = m.find("gated");
  if (gated != m.end() && !(gated->is_boolean() && !gated->get<bool>()) && !gated->is_null()) {
    card.gated = "gated: " + JsonScalarToString(*gated);
  } else {
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (StartsWith(it.key(), "extra_gated")) {
        card.gated = "front matter has " + it.key();
        break;
      }
    }
  }
}

bool HasCardKey(const nlohmann::json& m) {
  if (!m.is_object()) return false;
  for (auto k : kCardKeys) {
    if (m.contains(std::string(k))) return true;
  }
  for (auto it = m.begin(); it != m.end(); ++it) {
    if (StartsWith(it.key(), "extra_gated")) return true;
  }
  return false;
}

}  // namespace

Result<ParsedCard> ParseCard(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_card_bytes) {
    return InvalidArgument("card is " + std::to_string(text.size()) +
                           " bytes, above the limit of " + std::to_string(limits.max_card_bytes) +
                           " bytes");
  }
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return InvalidArgument("card is binary data (NUL byte at offset " + std::to_string(nul) +
                           "), not a markdown model card");
  }
  if (std::size_t bad = internal::FindInvalidUtf8(text); bad != std::string_view::npos) {
    return InvalidArgument("card is not valid UTF-8 (invalid byte at offset " +
                           std::to_string(bad) + ")");
  }
  if (Trim(text).empty()) return InvalidArgument("card is empty");

  ParsedCard card;
  const auto lines = SplitLines(text);
  auto line_offset = [&](std::size_t idx) -> std::size_t {
    return idx >= lines.size() ? text.size()
                               : static_cast<std::size_t>(lines[idx].data() - text.data());
  };

  // 1. Find the opening '---': the first non-blank line, or after a little junk (an HTML comment,
  //    a copied heading, a "source:" line) when a YAML header follows it.
  std::size_t open = lines.size();
  std::size_t preamble = 0;  // non-blank lines before `open`
  bool in_comment = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = Trim(lines[i]);
    if (in_comment) {
      ++preamble;
      if (internal::Contains(t, "-->")) in_comment = false;
      continue;
    }
    if (t.empty()) continue;
    if (IsDashLine(t)) {
      std::size_t j = i + 1;
      while (j < lines.size() && Trim(lines[j]).empty()) ++j;
      if (j < lines.size() && LooksLikeYamlKey(lines[j])) open = i;
      break;
    }
    if (IsFence(t)) break;
    if (StartsWith(t, "<!--") && !internal::Contains(t, "-->")) in_comment = true;
    if (++preamble > kMaxPreambleLines) break;
  }

  std::size_t body_start = 0;
  if (open < lines.size()) {
    std::size_t close = lines.size();
    for (std::size_t i = open + 1; i < lines.size(); ++i) {
      std::string_view t = Trim(lines[i]);
      if (t == "---" || t == "...") {
        close = i;
        break;
      }
    }
    if (close == lines.size()) {
      card.warnings.push_back("front matter opened at line " + std::to_string(open + 1) +
                              " is never closed; the card is read as having no front matter");
    } else {
      std::size_t fm_begin = line_offset(open + 1);
      std::size_t fm_end = line_offset(close);
      if (fm_end - fm_begin > limits.max_front_matter_bytes) {
        return InvalidArgument("front matter is " + std::to_string(fm_end - fm_begin) +
                               " bytes, above the limit of " +
                               std::to_string(limits.max_front_matter_bytes) + " bytes");
      }
      std::string fm(text.substr(fm_begin, fm_end - fm_begin));
      YamlOutcome y = ParseYaml(fm);
      bool dedented = false;
      if (!y.ok || !(y.value.is_object() || y.value.is_null())) {
        YamlOutcome y2 = ParseYaml(Dedent(fm));
        if (y2.ok && y2.value.is_object()) {
          y = std::move(y2);
          dedented = true;
        }
      }
      const bool late = preamble > 0;
      bool accept = true;
      if (late && !(y.ok && HasCardKey(y.value))) accept = false;  // just a markdown rule
      if (accept) {
        card.has_front_matter = true;
        card.front_matter_text = std::move(fm);
        card.front_matter_line_offset = open + 2;
        body_start = close + 1;
        if (late) {
          card.warnings.push_back("front matter starts at line " + std::to_string(open + 1) +
                                  " after " + std::to_string(preamble) +
                                  " line(s) of other text; the Hub would not read it");
        }
        if (dedented) card.warnings.push_back("front matter keys are indented; read them dedented");
        if (!y.ok) {
          card.warnings.push_back("front matter is not valid YAML (" + y.error +
                                  "); metadata ignored, the card is analysed from its text");
        } else if (y.value.is_object()) {
          card.metadata = std::move(y.value);
        } else if (!y.value.is_null()) {
          card.warnings.push_back(
              "front matter is not a YAML mapping; metadata ignored, the card is analysed from its "
              "text");
        }
        // A second '---' right after the front matter (a copy-paste artefact) is skipped.
        std::size_t j = body_start;
        while (j < lines.size() && j < body_start + 2 && Trim(lines[j]).empty()) ++j;
        if (j < lines.size() && IsDashLine(lines[j])) {
          card.warnings.push_back("a second '---' at line " + std::to_string(j + 1) +
                                  " follows the front matter; skipped");
          body_start = j + 1;
        }
      }
    }
  }

  if (body_start < lines.size()) {
    card.body = std::string(text.substr(line_offset(body_start)));
  }
  card.body_line_offset = body_start + 1;

  // Unclosed code fences are common (the Hub renders them to the end); note them.
  std::size_t fence_open = 0;
  bool in_fence = false;
  for (std::size_t i = body_start; i < lines.size(); ++i) {
    if (IsFence(lines[i])) {
      in_fence = !in_fence;
      if (in_fence) fence_open = i;
    }
  }
  if (in_fence) {
    card.warnings.push_back("code fence opened at line " + std::to_string(fence_open + 1) +
                            " is never closed");
  }

  FillFields(card);
  return card;
}

// ---------------------------------------------------------------------------------------------
// Names

namespace {
struct BlockerInfo {
  BlockerKind kind;
  std::string_view name;
  bool hard;
};
constexpr std::array<BlockerInfo, 13> kBlockers = {{
    {BlockerKind::kGated, "gated", false},
    {BlockerKind::kNoncommercialLicense, "noncommercial_license", false},
    {BlockerKind::kTrustRemoteCode, "trust_remote_code", false},
    {BlockerKind::kGgufOnly, "gguf_only", false},
    {BlockerKind::kAdapterNeedsBase, "adapter_needs_base", false},
    {BlockerKind::kCustomCuda, "custom_cuda", true},
    {BlockerKind::kFlashAttn, "flash_attn", false},
    {BlockerKind::kMultiGpuSize, "multi_gpu_size", true},
    {BlockerKind::kComfyui, "comfyui", true},
    {BlockerKind::kDockerOnly, "docker_only", true},
    {BlockerKind::kExternalApi, "external_api", true},
    {BlockerKind::kNoWeights, "no_weights", true},
    {BlockerKind::kAppleOnly, "apple_only", true},
}};
}  // namespace

std::string_view BlockerName(BlockerKind kind) {
  for (const auto& b : kBlockers) {
    if (b.kind == kind) return b.name;
  }
  return "unknown";
}

std::optional<BlockerKind> BlockerFromName(std::string_view name) {
  for (const auto& b : kBlockers) {
    if (b.name == name) return b.kind;
  }
  return std::nullopt;
}

bool IsHardBlocker(BlockerKind kind) {
  for (const auto& b : kBlockers) {
    if (b.kind == kind) return b.hard;
  }
  return false;
}

std::string_view LicenseClassName(LicenseClass c) {
  switch (c) {
    case LicenseClass::kPermissive:
      return "permissive";
    case LicenseClass::kCopyleft:
      return "copyleft";
    case LicenseClass::kNoncommercial:
      return "noncommercial";
    case LicenseClass::kRestrictive:
      return "restrictive";
    case LicenseClass::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view HardwareName(Hardware h) {
  switch (h) {
    case Hardware::kCpuBasic:
      return "cpu-basic";
    case Hardware::kZeroGpu:
      return "zero-a10g";
    case Hardware::kLargeGpu:
      return "a100-large";
    case Hardware::kMultiGpu:
      return "multi-gpu";
  }
  return "cpu-basic";
}

bool CardAnalysis::HasBlocker(BlockerKind kind) const {
  return std::any_of(blockers.begin(), blockers.end(),
                     [&](const Blocker& b) { return b.kind == kind; });
}

bool CardAnalysis::HasHardBlocker() const {
  return std::any_of(blockers.begin(), blockers.end(), [](const Blocker& b) { return b.hard; });
}

nlohmann::json AnalysisToJson(const CardAnalysis& a) {
  nlohmann::json j = nlohmann::json::object();
  auto clean = [](const std::string& v) { return SanitizeUtf8(v); };
  j["model_id"] = clean(a.model_id);
  j["task"] = a.task.empty() ? "unknown" : clean(a.task);
  j["task_source"] = a.task_source.empty() ? "none" : a.task_source;
  j["library"] = clean(a.library);
  j["license"] = clean(a.license);
  j["license_class"] = LicenseClassName(a.license_class);
  j["params_billions"] =
      a.params_billions ? nlohmann::json(*a.params_billions) : nlohmann::json(nullptr);
  j["params_evidence"] = clean(a.params_evidence);
  j["hardware"] = HardwareName(a.hardware);
  j["hardware_reason"] = clean(a.hardware_reason);
  j["conversational"] = a.conversational;
  nlohmann::json bases = nlohmann::json::array();
  for (const auto& b : a.base_models) bases.push_back(clean(b));
  j["base_models"] = std::move(bases);
  nlohmann::json blockers = nlohmann::json::array();
  for (const auto& b : a.blockers) {
    blockers.push_back({{"kind", BlockerName(b.kind)},
                        {"evidence", clean(b.evidence)},
                        {"line", b.line},
                        {"hard", b.hard}});
  }
  j["blockers"] = std::move(blockers);
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : a.warnings) warnings.push_back(clean(w));
  j["warnings"] = std::move(warnings);
  return j;
}

}  // namespace sf::card

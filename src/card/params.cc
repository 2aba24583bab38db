// Small pure helpers of the analysis: parameter counts, licence classes, pipeline tags, memory.
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "card/card.h"
#include "card/internal.h"

namespace sf::card {

namespace {

using internal::Contains;
using internal::StartsWith;
using internal::ToLowerAscii;
using internal::Trim;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

struct UnitWord {
  std::string_view word;
  double billions;
};
constexpr std::array<UnitWord, 4> kUnitWords = {{
    {"thousand", 1e-6},
    {"million", 1e-3},
    {"billion", 1.0},
    {"trillion", 1e3},
}};

}  // namespace

namespace internal {

// Shared by ParseParamCount (prose: "1.5M params", "91.5K", "3.8 billion") and by the model-name
// reader (names: "Qwen2.5-3B", "Sapiens-0.3B", only B/M suffixes, no space).
std::vector<CountMatch> FindCounts(std::string_view text, bool name_mode) {
  std::vector<CountMatch> found;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!IsDigit(text[i])) continue;
    if (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == ',')) {
      while (i + 1 < n && (IsDigit(text[i + 1]) || text[i + 1] == '.')) ++i;  // skip this number
      continue;
    }
    std::size_t j = i;
    while (j < n && IsDigit(text[j])) ++j;
    if (j + 1 < n && text[j] == '.' && IsDigit(text[j + 1])) {
      ++j;
      while (j < n && IsDigit(text[j])) ++j;
    }
    double value = 0;
    {
      std::string num(text.substr(i, j - i));
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
      if (ec != std::errc()) {
        i = j;
        continue;
      }
    }
    std::size_t k = j;
    if (!name_mode && k < n && text[k] == ' ') ++k;
    if (k < n) {
      char u = text[k];
      bool boundary = k + 1 >= n || !IsAlnum(text[k + 1]);
      double scale = -1;
      if (u == 'B' || u == 'b') scale = 1.0;
      if (u == 'M' || (u == 'm' && !name_mode)) scale = 1e-3;
      if (!name_mode && (u == 'K' || u == 'k')) scale = 1e-6;
      if (!name_mode && u == 'T') scale = 1e3;
      if (name_mode && u == 'm') scale = 1e-3;
      if (scale > 0 && boundary) {
        found.push_back({value * scale, i, k + 1});
        i = k;
        continue;
      }
      if (!name_mode) {
        std::string rest = ToLowerAscii(text.substr(k, 9));
        bool matched = false;
        for (const auto& w : kUnitWords) {
          if (StartsWith(rest, w.word) &&
              (k + w.word.size() >= n || !IsAlpha(text[k + w.word.size()]))) {
            found.push_back({value * w.billions, i, k + w.word.size()});
            i = k + w.word.size() - 1;
            matched = true;
            break;
          }
        }
        if (matched) continue;
      }
    }
    i = j > i ? j - 1 : i;
  }
  return found;
}

std::optional<double> ParseCount(std::string_view text, bool name_mode) {
  auto found = FindCounts(text, name_mode);
  if (found.empty()) return std::nullopt;
  return found.front().billions;
}

}  // namespace internal

std::optional<double> ParseParamCount(std::string_view text) {
  auto found = internal::FindCounts(text, /*name_mode=*/false);
  if (found.empty()) return std::nullopt;
  // With the word "param" in the text, take the count closest to it ("the 128K-context model has
  // 3.8 billion parameters" → 3.8), and none when no count is near it (a "# Params (M)" header).
  const std::string lower = ToLowerAscii(text);
  std::vector<std::size_t> anchors;
  for (std::size_t p = lower.find("param"); p != std::string::npos;
       p = lower.find("param", p + 1)) {
    anchors.push_back(p);
  }
  if (anchors.empty()) return found.front().billions;
  constexpr std::size_t kNear = 24;
  std::optional<double> best;
  std::size_t best_dist = kNear + 1;
  for (const auto& m : found) {
    for (std::size_t a : anchors) {
      std::size_t dist = a >= m.end ? a - m.end : (m.begin >= a + 5 ? m.begin - (a + 5) : 0);
      if (dist < best_dist) {
        best_dist = dist;
        best = m.billions;
      }
    }
  }
  return best;
}

LicenseClass ClassifyLicense(std::string_view license, std::string_view license_name) {
  const std::string id = ToLowerAscii(Trim(license));
  const std::string name = ToLowerAscii(Trim(license_name));
  auto has_token = [](const std::string& s, std::string_view tok) {
    return internal::ContainsWord(s, tok);
  };
  for (const std::string* s : {&id, &name}) {
    if (s->empty()) continue;
    // Non-commercial / research-only: CC *-NC-*, "sai-nc-community", Apple AMLR, research licences.
    if (has_token(*s, "nc") || Contains(*s, "noncommercial") || Contains(*s, "non-commercial") ||
        Contains(*s, "research") || has_token(*s, "amlr") || Contains(*s, "academic")) {
      return LicenseClass::kNoncommercial;
    }
  }
  auto classify = [](const std::string& s) -> LicenseClass {
    if (s.empty()) return LicenseClass::kUnknown;
    static constexpr std::array<std::string_view, 17> kPermissive = {
        "apache",  "mit",        "bsd",     "cc0",          "cc-by-2", "cc-by-3",
        "cc-by-4", "unlicense",  "isc",     "zlib",         "wtfpl",   "bsl-1.0",
        "afl-3.0", "postgresql", "ecl-2.0", "artistic-2.0", "ms-pl"};
    static constexpr std::array<std::string_view, 9> kCopyleft = {
        "gpl", "lgpl", "agpl", "mpl", "epl", "eupl", "cc-by-sa", "gfdl", "odbl"};
    static constexpr std::array<std::string_view, 10> kRestrictive = {
        "llama",  "gemma", "openrail", "bigscience", "deepfloyd", "bigcode-openrail",
        "nvidia", "qwen",  "other",    "community"};
    for (auto c : kCopyleft) {
      if (StartsWith(s, c) || Contains(s, std::string("-") + std::string(c))) {
        return LicenseClass::kCopyleft;
      }
    }
    for (auto p : kPermissive) {
      if (StartsWith(s, p)) return LicenseClass::kPermissive;
    }
    for (auto r : kRestrictive) {
      if (Contains(s, r)) return LicenseClass::kRestrictive;
    }
    return LicenseClass::kUnknown;
  };
  // A custom licence ("other") is judged by its name when it has one.
  if (id == "other" && !name.empty()) {
    LicenseClass by_name = classify(name);
    return by_name == LicenseClass::kUnknown ? LicenseClass::kRestrictive : by_name;
  }
  LicenseClass c = classify(id);
  if (c == LicenseClass::kUnknown && id.empty()) c = classify(name);
  return c;
}

namespace {
// huggingface.js packages/tasks/src/pipelines.ts, plus text2text-generation (a subtask still in
// use).
constexpr std::array<std::string_view, 58> kPipelineTags = {
    "text-classification",
    "token-classification",
    "table-question-answering",
    "question-answering",
    "zero-shot-classification",
    "translation",
    "summarization",
    "feature-extraction",
    "text-generation",
    "fill-mask",
    "sentence-similarity",
    "table-to-text",
    "multiple-choice",
    "text-ranking",
    "text-retrieval",
    "text-to-speech",
    "text-to-audio",
    "automatic-speech-recognition",
    "audio-to-audio",
    "audio-classification",
    "voice-activity-detection",
    "depth-estimation",
    "image-classification",
    "object-detection",
    "image-segmentation",
    "text-to-image",
    "image-to-text",
    "image-to-image",
    "image-to-video",
    "unconditional-image-generation",
    "video-classification",
    "text-to-video",
    "zero-shot-image-classification",
    "mask-generation",
    "zero-shot-object-detection",
    "text-to-3d",
    "image-to-3d",
    "image-feature-extraction",
    "keypoint-detection",
    "video-to-video",
    "audio-text-to-text",
    "image-text-to-text",
    "image-text-to-image",
    "image-text-to-video",
    "visual-question-answering",
    "document-question-answering",
    "video-text-to-text",
    "visual-document-retrieval",
    "any-to-any",
    "tabular-classification",
    "tabular-regression",
    "tabular-to-text",
    "time-series-forecasting",
    "reinforcement-learning",
    "robotics",
    "graph-ml",
    "other",
    "text2text-generation",
};

struct Alias {
  std::string_view from;
  std::string_view to;
};
constexpr std::array<Alias, 6> kAliases = {{
    {"conversational", "text-generation"},
    {"text-generation-inference", "text-generation"},
    {"speech-recognition", "automatic-speech-recognition"},
    {"asr", "automatic-speech-recognition"},
    {"tts", "text-to-speech"},
    {"sentence-embeddings", "sentence-similarity"},
}};
}  // namespace

std::string NormalizePipelineTag(std::string_view tag) {
  std::string t = ToLowerAscii(Trim(tag));
  for (char& c : t) {
    if (c == '_' || c == ' ') c = '-';
  }
  for (const auto& a : kAliases) {
    if (t == a.from) return std::string(a.to);
  }
  for (auto p : kPipelineTags) {
    if (t == p) return t;
  }
  return "";
}

double EstimateMemoryGb(double params_billions, double bytes_per_param) {
  return params_billions * bytes_per_param * 1.2;
}

}  // namespace sf::card

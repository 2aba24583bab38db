// AnalyzeCard: task, library, licence, size, hardware and blockers with evidence.
//
// Every rule here is a general signal (a front-matter key, a library, a file format, a phrase a
// card uses to say something), never a match on a particular card or model name. Rules scan a
// lower-cased copy of each line with plain substring search first; the few regular expressions
// are compiled once and only run on lines that passed the cheap filter.
#include <algorithm>
#include <array>
#include <exception>
#include <string>
#include <utility>

#include "card/analyzer.h"
#include "card/card.h"
#include "card/internal.h"

namespace sf::card {

namespace internal {

namespace {

bool LooksLikeRepoId(std::string_view s) {
  std::size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= s.size()) return false;
  if (s.find('/', slash + 1) != std::string_view::npos) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/';
    if (!ok) return false;
  }
  return s.size() <= 96;
}

// A heading line's text: the '#' marks and surrounding white space removed.
std::string_view HeadingText(std::string_view raw) {
  std::string_view t = Trim(raw);
  while (!t.empty() && t.front() == '#') t.remove_prefix(1);
  return Trim(t);
}

}  // namespace

Analyzer::Analyzer(const ParsedCard& card, const RepoFacts& facts, const AnalyzeOptions& options)
    : card_(card), facts_(facts), options_(options) {
  fm_ = MakeLines(card.front_matter_text, card.front_matter_line_offset, false);
  body_ = MakeLines(card.body, card.body_line_offset, true);
  for (const auto& t : card.tags) tags_.push_back(ToLowerAscii(t));
  if (card.library_name) {
    // "onnx,pytorch" → "onnx"
    std::string lib = ToLowerAscii(Trim(*card.library_name));
    if (auto comma = lib.find(','); comma != std::string::npos) lib = lib.substr(0, comma);
    library_decl_ = std::string(Trim(lib));
  }
  for (const auto& l : body_) {
    if (l.heading && title_.empty() && StartsWith(Trim(l.raw), "# ")) title_ = l.norm;
  }
  if (title_.empty()) {
    for (const auto& l : body_) {
      if (l.heading) {
        title_ = l.norm;
        break;
      }
    }
  }
}

CardAnalysis Analyzer::Run() {
  a_.warnings = card_.warnings;
  a_.base_models = card_.base_models;
  a_.model_id = facts_.model_id.empty() ? GuessModelId() : facts_.model_id;
  DetectLibrary();
  DetectTask();
  DetectLicense();
  DetectConversational();
  DetectBlockers();
  DetectSize();
  ApplyFacts();
  Finish();
  return std::move(a_);
}

// --- helpers ---------------------------------------------------------------------------------

bool Analyzer::HasTag(std::string_view t) const {
  return std::find(tags_.begin(), tags_.end(), t) != tags_.end();
}
bool Analyzer::HasTagContaining(std::string_view t) const {
  return std::any_of(tags_.begin(), tags_.end(),
                     [&](const std::string& s) { return Contains(s, t); });
}

// The front-matter line of `key:` (top level or nested), or nullptr.
const CardLine* Analyzer::FmKey(std::string_view key) const {
  std::string prefix = std::string(key) + ":";
  for (const auto& l : fm_) {
    std::string_view t = Trim(l.norm);
    if (StartsWith(t, "- ")) t.remove_prefix(2);
    if (StartsWith(t, prefix)) return &l;
  }
  return nullptr;
}
// The first front-matter line containing `value` (lower-case), preferring lines after `key:`.
const CardLine* Analyzer::FmValue(std::string_view key, std::string_view value) const {
  const CardLine* k = FmKey(key);
  std::string v = ToLowerAscii(value);
  for (const auto& l : fm_) {
    if (k && l.number < k->number) continue;
    if (Contains(l.norm, v)) return &l;
  }
  return k;
}

const CardLine* Analyzer::FindBody(std::initializer_list<std::string_view> needles,
                                   bool prose_only) const {
  for (const auto& l : body_) {
    if (prose_only && l.in_code) continue;
    if (ContainsAny(l.norm, needles)) return &l;
  }
  return nullptr;
}

void Analyzer::Add(BlockerKind kind, const CardLine* line, std::string fallback) {
  if (a_.HasBlocker(kind)) return;
  Blocker b;
  b.kind = kind;
  if (line) {
    b.evidence = internal::Truncate(Trim(line->raw), kEvidenceMax);
    b.line = line->number;
  } else {
    b.evidence = internal::Truncate(fallback, kEvidenceMax);
    b.line = 0;
  }
  b.hard = IsHardBlocker(kind);
  a_.blockers.push_back(std::move(b));
}
void Analyzer::Remove(BlockerKind kind) {
  a_.blockers.erase(std::remove_if(a_.blockers.begin(), a_.blockers.end(),
                                   [&](const Blocker& b) { return b.kind == kind; }),
                    a_.blockers.end());
}

// --- model id --------------------------------------------------------------------------------

std::string Analyzer::GuessModelId() const {
  // A heading that is a repo id ("# owner/name"), as copied cards often have.
  for (const auto& l : body_) {
    if (!l.heading) continue;
    std::string_view t = HeadingText(l.raw);
    if (LooksLikeRepoId(t)) return std::string(t);
  }
  // Repo ids the card loads in code ("from_pretrained(\"owner/name\")", model_name = "…") or links
  // to (huggingface.co/owner/name). One whose name is the card's title is this model; otherwise
  // the first loaded id that is not a base model.
  std::string title;
  for (const auto& l : body_) {
    if (!l.heading) continue;
    title = ToLowerAscii(HeadingText(l.raw));
    break;
  }
  std::vector<std::string> loaded, linked;
  for (const auto& l : body_) {
    std::string_view raw = l.raw;
    bool loads = ContainsAny(l.norm, {"from_pretrained", "pipeline(", "model_name", "model_id",
                                      "repo_id", "sentencetransformer(", "hf_hub_download"});
    for (std::size_t q = raw.find_first_of("\"'"); q != std::string::npos;
         q = raw.find_first_of("\"'", q + 1)) {
      std::size_t end = raw.find(raw[q], q + 1);
      if (end == std::string::npos) break;
      std::string_view cand(raw.data() + q + 1, end - q - 1);
      if (loads && LooksLikeRepoId(cand)) loaded.emplace_back(cand);
      q = end;
    }
    for (std::size_t u = raw.find("huggingface.co/"); u != std::string::npos;
         u = raw.find("huggingface.co/", u + 1)) {
      std::size_t start = u + 15;
      std::size_t slash = raw.find('/', start);
      if (slash == std::string::npos) break;
      std::size_t end = raw.find_first_of("/?#)\"' \t>]", slash + 1);
      std::string_view cand(raw.data() + start,
                            (end == std::string::npos ? raw.size() : end) - start);
      if (LooksLikeRepoId(cand) && cand.substr(0, 9) != "datasets/" &&
          cand.substr(0, 7) != "spaces/")
        linked.emplace_back(cand);
    }
  }
  auto is_base = [this](const std::string& id) {
    return std::find(card_.base_models.begin(), card_.base_models.end(), id) !=
           card_.base_models.end();
  };
  for (const auto* list : {&loaded, &linked})
    for (const auto& id : *list)
      if (!title.empty() && ToLowerAscii(id.substr(id.find('/') + 1)) == title) return id;
  for (const auto& id : loaded)
    if (!is_base(id)) return id;
  return "";
}

// --- library ---------------------------------------------------------------------------------

void Analyzer::DetectLibrary() {
  if (!library_decl_.empty()) {
    a_.library = library_decl_;
    return;
  }
  static constexpr std::array<std::string_view, 14> kTagLibraries = {"transformers",
                                                                     "diffusers",
                                                                     "sentence-transformers",
                                                                     "gguf",
                                                                     "mlx",
                                                                     "timm",
                                                                     "open_clip",
                                                                     "setfit",
                                                                     "peft",
                                                                     "onnx",
                                                                     "ml-agents",
                                                                     "gliner",
                                                                     "transformers.js",
                                                                     "pyannote-audio"};
  for (auto lib : kTagLibraries) {
    if (HasTag(lib)) {
      a_.library = std::string(lib);
      return;
    }
  }
  struct CodeLib {
    std::string_view needle;
    std::string_view library;
  };
  static constexpr std::array<CodeLib, 16> kCode = {{
      {"from sentence_transformers", "sentence-transformers"},
      {"from diffusers", "diffusers"},
      {"@huggingface/transformers", "transformers.js"},
      {"@xenova/transformers", "transformers.js"},
      {"from transformers", "transformers"},
      {"import transformers", "transformers"},
      {"from faster_whisper", "ctranslate2"},
      {"from llama_cpp", "llama-cpp-python"},
      {"import open_clip", "open_clip"},
      {"import timm", "timm"},
      {"from setfit", "setfit"},
      {"from gliner", "gliner"},
      {"from pyannote.audio", "pyannote-audio"},
      {"from ultralytics", "ultralytics"},
      {"mlagents-", "ml-agents"},
      {"import onnxruntime", "onnx"},
  }};
  for (const auto& c : kCode) {
    if (FindBody({c.needle})) {
      a_.library = std::string(c.library);
      return;
    }
  }
}

// --- licence ---------------------------------------------------------------------------------

void Analyzer::DetectLicense() {
  std::string lic = card_.license.value_or("");
  if (ToLowerAscii(lic) == "other" && card_.license_name) {
    a_.license = *card_.license_name;
  } else {
    a_.license = lic;
  }
  a_.license_class = ClassifyLicense(lic, card_.license_name.value_or(""));
  if (!lic.empty() || card_.license_name) return;
  // No licence key: read a "License: X" line of the body.
  for (const auto& l : body_) {
    if (l.in_code || !ContainsAny(l.norm, {"license", "licence"})) continue;
    std::string_view t = Trim(l.norm);
    auto colon = t.find(':');
    if (colon == std::string_view::npos || colon > 40) continue;
    std::string value(Trim(t.substr(colon + 1)));
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kText = {{
        {"apache", "apache-2.0"},
        {"mit", "mit"},
        {"cc-by-nc", "cc-by-nc-4.0"},
        {"cc by-nc", "cc-by-nc-4.0"},
        {"noncommercial", "cc-by-nc-4.0"},
        {"non-commercial", "cc-by-nc-4.0"},
        {"gpl", "gpl-3.0"},
        {"bsd", "bsd-3-clause"},
        {"cc-by-4", "cc-by-4.0"},
    }};
    for (const auto& [needle, id] : kText) {
      if (ContainsWord(value, needle) || (needle.size() > 4 && Contains(value, needle))) {
        a_.license = std::string(id);
        a_.license_class = ClassifyLicense(id);
        license_line_ = &l;
        return;
      }
    }
  }
}

void Analyzer::DetectConversational() {
  a_.conversational =
      HasTag("conversational") ||
      (card_.pipeline_tag && ToLowerAscii(*card_.pipeline_tag) == "conversational") ||
      HasTag("chat") || FindBody({"apply_chat_template", "chat template"}) != nullptr;
}

// --- final touches ---------------------------------------------------------------------------

bool Analyzer::GgufAppFits() const {
  static constexpr std::array<std::string_view, 6> kLlamaCppTasks = {
      "text-generation",     "image-text-to-text",  "feature-extraction",
      "sentence-similarity", "text-classification", "text2text-generation"};
  return std::find(kLlamaCppTasks.begin(), kLlamaCppTasks.end(), a_.task) != kLlamaCppTasks.end();
}

void Analyzer::Finish() {
  // Without weights here, the format of weights that are not here does not matter.
  if (a_.HasBlocker(BlockerKind::kNoWeights)) {
    Remove(BlockerKind::kGgufOnly);
    Remove(BlockerKind::kAppleOnly);
    Remove(BlockerKind::kAdapterNeedsBase);
  }
  for (auto& b : a_.blockers) {
    b.hard = IsHardBlocker(b.kind);
    if (b.kind == BlockerKind::kGgufOnly) b.hard = !GgufAppFits();
  }
  std::stable_sort(a_.blockers.begin(), a_.blockers.end(), [](const Blocker& x, const Blocker& y) {
    return static_cast<int>(x.kind) < static_cast<int>(y.kind);
  });
  for (const auto& b : a_.blockers) {
    if (b.hard) continue;
    std::string w = std::string(BlockerName(b.kind)) + ": " + b.evidence;
    if (b.line > 0) w += " (line " + std::to_string(b.line) + ")";
    a_.warnings.push_back(std::move(w));
  }
}

}  // namespace internal

CardAnalysis AnalyzeCard(const ParsedCard& card, const RepoFacts& facts) {
  return AnalyzeCard(card, facts, AnalyzeOptions{});
}

CardAnalysis AnalyzeCard(const ParsedCard& card, const RepoFacts& facts,
                         const AnalyzeOptions& options) {
  try {
    return internal::Analyzer(card, facts, options).Run();
  } catch (const std::exception& e) {
    // std::regex may throw on pathological input (complexity); never let it escape.
    CardAnalysis a;
    a.warnings.push_back(std::string("analysis failed: ") + e.what());
    return a;
  }
}

}  // namespace sf::card

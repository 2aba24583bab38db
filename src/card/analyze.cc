// AnalyzeCard: task, library, licence, size, hardware and blockers with evidence.
//
// Every rule here is a general signal (a front-matter key, a library, a file format, a phrase a
// card uses to say something), never a match on a particular card or model name. Rules scan a
// lower-cased copy of each line with plain substring search first; the few regular expressions
// are compiled once and only run on lines that passed the cheap filter.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <regex>
#include <string>
#include <utility>

#include "card/card.h"
#include "card/internal.h"

namespace sf::card {

namespace {

using internal::Contains;
using internal::ContainsWord;
using internal::EndsWith;
using internal::SplitLines;
using internal::StartsWith;
using internal::ToLowerAscii;
using internal::Trim;

constexpr std::size_t kEvidenceMax = 200;

struct CardLine {
  std::string_view raw;
  std::string norm;  // lower-case ASCII, markdown emphasis ('*', '`') removed
  int number = 0;    // 1-based line in the card
  bool in_code = false;
  bool heading = false;
};

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

// std::regex recurses per character; keep its input short so a hostile line cannot exhaust the
// stack. Card lines that matter are far shorter than this.
constexpr std::size_t kRegexMaxChars = 1000;
bool Search(const std::string& s, const std::regex& re) {
  if (s.size() <= kRegexMaxChars) return std::regex_search(s, re);
  std::string head = s.substr(0, kRegexMaxChars);
  return std::regex_search(head, re);
}

// ---------------------------------------------------------------------------------------------

class Analyzer {
 public:
  Analyzer(const ParsedCard& card, const RepoFacts& facts, const AnalyzeOptions& options)
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

  CardAnalysis Run() {
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

 private:
  // --- helpers -------------------------------------------------------------------------------

  bool HasTag(std::string_view t) const {
    return std::find(tags_.begin(), tags_.end(), t) != tags_.end();
  }
  bool HasTagContaining(std::string_view t) const {
    return std::any_of(tags_.begin(), tags_.end(),
                       [&](const std::string& s) { return Contains(s, t); });
  }

  // The front-matter line of `key:` (top level or nested), or nullptr.
  const CardLine* FmKey(std::string_view key) const {
    std::string prefix = std::string(key) + ":";
    for (const auto& l : fm_) {
      std::string_view t = Trim(l.norm);
      if (StartsWith(t, "- ")) t.remove_prefix(2);
      if (StartsWith(t, prefix)) return &l;
    }
    return nullptr;
  }
  // The first front-matter line containing `value` (lower-case), preferring lines after `key:`.
  const CardLine* FmValue(std::string_view key, std::string_view value) const {
    const CardLine* k = FmKey(key);
    std::string v = ToLowerAscii(value);
    for (const auto& l : fm_) {
      if (k && l.number < k->number) continue;
      if (Contains(l.norm, v)) return &l;
    }
    return k;
  }

  const CardLine* FindBody(std::initializer_list<std::string_view> needles,
                           bool prose_only = false) const {
    for (const auto& l : body_) {
      if (prose_only && l.in_code) continue;
      if (ContainsAny(l.norm, needles)) return &l;
    }
    return nullptr;
  }

  void Add(BlockerKind kind, const CardLine* line, std::string fallback = {}) {
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
  void Remove(BlockerKind kind) {
    a_.blockers.erase(std::remove_if(a_.blockers.begin(), a_.blockers.end(),
                                     [&](const Blocker& b) { return b.kind == kind; }),
                      a_.blockers.end());
  }

  // --- model id ------------------------------------------------------------------------------

  static bool LooksLikeRepoId(std::string_view s) {
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

  std::string GuessModelId() const {
    // A heading that is a repo id ("# owner/name"), as copied cards often have.
    for (const auto& l : body_) {
      if (!l.heading) continue;
      std::string_view t = Trim(l.raw);
      while (!t.empty() && t.front() == '#') t.remove_prefix(1);
      t = Trim(t);
      if (LooksLikeRepoId(t)) return std::string(t);
    }
    // Repo ids the card loads in code ("from_pretrained(\"owner/name\")", model_name = "…") or links
    // to (huggingface.co/owner/name). One whose name is the card's title is this model; otherwise
    // the first loaded id that is not a base model.
    std::string title;
    for (const auto& l : body_) {
      if (!l.heading) continue;
      std::string_view t = Trim(l.raw);
      while (!t.empty() && t.front() == '#') t.remove_prefix(1);
      title = ToLowerAscii(Trim(t));
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
        std::string_view cand(raw.data() + start, (end == std::string::npos ? raw.size() : end) - start);
        if (LooksLikeRepoId(cand) && cand.substr(0, 9) != "datasets/" && cand.substr(0, 7) != "spaces/")
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

  // --- library -------------------------------------------------------------------------------

  void DetectLibrary() {
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

  // --- task ----------------------------------------------------------------------------------

  std::string TaskFromCode(const CardLine** where) const {
    static const std::regex kPipelineCall(R"(pipeline\(\s*(?:task\s*=\s*)?["']([a-z0-9_-]+)["'])");
    for (const auto& l : body_) {
      if (!Contains(l.norm, "pipeline(")) continue;
      std::smatch m;
      const std::string head = l.norm.substr(0, kRegexMaxChars);
      if (std::regex_search(head, m, kPipelineCall)) {
        std::string t = NormalizePipelineTag(m[1].str());
        if (!t.empty()) {
          *where = &l;
          return t;
        }
      }
    }
    struct ClassTask {
      std::string_view needle;
      std::string_view task;
    };
    static constexpr std::array<ClassTask, 16> kClasses = {{
        {"text2textgenerationpipeline", "text2text-generation"},
        {"formultiplechoice", "multiple-choice"},
        {"forcausallm", "text-generation"},
        {"forseq2seqlm", "text2text-generation"},
        {"forsequenceclassification", "text-classification"},
        {"fortokenclassification", "token-classification"},
        {"forquestionanswering", "question-answering"},
        {"formaskedlm", "fill-mask"},
        {"forspeechseq2seq", "automatic-speech-recognition"},
        {"whispermodel(", "automatic-speech-recognition"},
        {"forctc", "automatic-speech-recognition"},
        {"forimageclassification", "image-classification"},
        {"forobjectdetection", "object-detection"},
        {"fordepthestimation", "depth-estimation"},
        {"sentencetransformer(", "sentence-similarity"},
        {"forimagetexttotext", "image-text-to-text"},
    }};
    for (const auto& l : body_) {
      if (!l.in_code) continue;
      for (const auto& c : kClasses) {
        if (Contains(l.norm, c.needle)) {
          *where = &l;
          return std::string(c.task);
        }
      }
    }
    return "";
  }

  std::string TaskFromLibrary() const {
    struct LibTask {
      std::string_view lib;
      std::string_view task;
    };
    static constexpr std::array<LibTask, 20> kLibTasks = {{
        {"ml-agents", "reinforcement-learning"},
        {"stable-baselines3", "reinforcement-learning"},
        {"sample-factory", "reinforcement-learning"},
        {"lerobot", "robotics"},
        {"sentence-transformers", "sentence-similarity"},
        {"setfit", "text-classification"},
        {"fasttext", "text-classification"},
        {"gliner", "token-classification"},
        {"span-marker", "token-classification"},
        {"flair", "token-classification"},
        {"timm", "image-classification"},
        {"open_clip", "zero-shot-image-classification"},
        {"ultralytics", "object-detection"},
        {"pyannote-audio", "voice-activity-detection"},
        {"asteroid", "audio-to-audio"},
        {"sam2", "mask-generation"},
        {"depth-anything-v2", "depth-estimation"},
        {"diffusers", "text-to-image"},
        {"mlx-lm", "text-generation"},
        {"ctranslate2", ""},
    }};
    for (const auto& lt : kLibTasks) {
      if (a_.library == lt.lib) return std::string(lt.task);
    }
    return "";
  }

  static std::string TaskFromModelName(std::string_view name) {
    std::string n = ToLowerAscii(name);
    if (ContainsAny(n, {"whisper", "wav2vec2", "parakeet", "canary"})) {
      return "automatic-speech-recognition";
    }
    if (ContainsAny(n, {"opus-mt", "nllb", "m2m100", "madlad"})) return "translation";
    if (ContainsAny(n, {"stable-diffusion", "sdxl", "flux.1", "sd3", "pixart", "kolors"})) {
      return "text-to-image";
    }
    if (ContainsAny(n, {"-vl", "llava", "vision", "-v-", "idefics", "paligemma"})) {
      return "image-text-to-text";
    }
    if (ContainsAny(n, {"llama", "mistral", "mixtral", "qwen", "gemma", "phi-", "falcon", "gpt",
                        "deepseek", "olmo", "smollm", "yi-"})) {
      return "text-generation";
    }
    return "";
  }

  std::string TaskFromProse(const CardLine** where) const {
    struct Phrase {
      std::string_view needle;
      std::string_view task;
    };
    static constexpr std::array<Phrase, 24> kPhrases = {{
        {"speech recognition", "automatic-speech-recognition"},
        {"speech-to-text", "automatic-speech-recognition"},
        {"machine translation", "translation"},
        {"translation model", "translation"},
        {"text-to-image", "text-to-image"},
        {"image generation", "text-to-image"},
        {"text-to-speech", "text-to-speech"},
        {"speech synthesis", "text-to-speech"},
        {"summarization", "summarization"},
        {"named entity", "token-classification"},
        {"sentiment", "text-classification"},
        {"sentence embedding", "sentence-similarity"},
        {"embedding model", "sentence-similarity"},
        {"object detection", "object-detection"},
        {"image classification", "image-classification"},
        {"question answering", "question-answering"},
        {"mergekit", "text-generation"},
        {"slerp", "text-generation"},
        {"merge of", "text-generation"},
        {"llm", "text-generation"},
        {"language model", "text-generation"},
        {"chat model", "text-generation"},
        {"instruct", "text-generation"},
        {"text generation", "text-generation"},
    }};
    for (const auto& l : body_) {
      if (l.in_code) continue;
      for (const auto& p : kPhrases) {
        if (ContainsWord(l.norm, p.needle)) {
          *where = &l;
          return std::string(p.task);
        }
      }
    }
    return "";
  }

  void DetectTask() {
    std::string task;
    std::string source;
    if (card_.pipeline_tag) {
      task = NormalizePipelineTag(*card_.pipeline_tag);
      if (task.empty()) {
        a_.warnings.push_back("pipeline_tag '" + *card_.pipeline_tag +
                              "' is not a known pipeline tag; ignored");
      } else {
        if (task != ToLowerAscii(Trim(*card_.pipeline_tag))) {
          a_.warnings.push_back("pipeline_tag '" + *card_.pipeline_tag +
                                "' is deprecated; read as " + task);
        }
        source = "pipeline_tag";
      }
    }
    if (task.empty()) {
      for (const auto& t : card_.tags) {
        std::string n = NormalizePipelineTag(t);
        if (!n.empty() && n != "other") {
          task = n;
          source = "tags";
          break;
        }
      }
    }
    const CardLine* where = nullptr;
    if (task.empty()) {
      task = TaskFromCode(&where);
      if (!task.empty()) source = "text";
    }
    if (task.empty()) {
      task = TaskFromLibrary();
      if (!task.empty()) source = "library_name";
    }
    if (task.empty()) {
      for (const auto& b : card_.base_models) {
        task = TaskFromModelName(b);
        if (!task.empty()) {
          source = "base_model";
          break;
        }
      }
    }
    if (task.empty()) {
      task = TaskFromProse(&where);
      if (!task.empty()) source = "text";
    }
    if (task.empty()) {
      a_.task = "unknown";
      a_.task_source = "none";
      return;
    }
    a_.task = task;
    a_.task_source = source;
    if (source == "pipeline_tag") CorrectDeclaredTask();
  }

  void Override(std::string task, const CardLine* why) {
    std::string msg =
        "declared pipeline_tag '" + a_.task + "' does not fit the card; using '" + task + "'";
    if (why) msg += " (line " + std::to_string(why->number) + ")";
    a_.warnings.push_back(std::move(msg));
    a_.task = std::move(task);
    a_.task_source = "text";
  }

  // General corrections of declared tags that cards commonly get wrong.
  void CorrectDeclaredTask() {
    const std::string& t = a_.task;
    if (t == "question-answering") {
      // A multiple-choice head (…ForMultipleChoice) scores options; it is not extractive QA.
      if (const CardLine* l = FindBody({"formultiplechoice"}))
        return Override("multiple-choice", l);
      for (const auto& l : body_) {
        if (l.heading && ContainsAny(l.norm, {"multiple-choice", "multiple choice"})) {
          return Override("multiple-choice", &l);
        }
      }
    } else if (t == "visual-question-answering") {
      // Generative VLMs that chat about an image are image-text-to-text, not a VQA classifier.
      if (const CardLine* l = FindBody({".chat(", "apply_chat_template", "trust_remote_code",
                                        "forimagetexttotext", "forvision2seq"})) {
        return Override("image-text-to-text", l);
      }
    } else if (t == "image-to-text") {
      // Text *detection* models output boxes, not text.
      bool detect_tag = HasTagContaining("detection");
      bool detect_title = Contains(title_, "detect");
      const CardLine* boxes = FindBody({"bounding box", " boxes", "bbox"}, true);
      if ((detect_tag || detect_title) && boxes && !FindBody({"caption"}, true)) {
        return Override("object-detection", boxes);
      }
    } else if (t == "text-to-3d") {
      // Image-conditioned 3D generators (text only through an intermediate image).
      if (HasTag("image-to-3d")) return Override("image-to-3d", FmValue("tags", "image-to-3d"));
      static const std::regex kFromImage(
          R"(\b(from|given|of) (a |an |any |one |the )?(single |input |reference )*(input )?image\b)");
      for (const auto& l : body_) {
        if (l.in_code || !Contains(l.norm, "image")) continue;
        if (Contains(l.norm, "image-to-3d") || Search(l.norm, kFromImage)) {
          return Override("image-to-3d", &l);
        }
      }
    }
  }

  // --- licence -------------------------------------------------------------------------------

  void DetectLicense() {
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

  void DetectConversational() {
    a_.conversational =
        HasTag("conversational") ||
        (card_.pipeline_tag && ToLowerAscii(*card_.pipeline_tag) == "conversational") ||
        HasTag("chat") || FindBody({"apply_chat_template", "chat template"}) != nullptr;
  }

  // --- blockers ------------------------------------------------------------------------------

  bool IsGgufFormat() const {
    return library_decl_ == "gguf" || library_decl_ == "ggml" || library_decl_ == "llama.cpp" ||
           library_decl_ == "llama-cpp-python" || HasTag("gguf");
  }
  const CardLine* GgufEvidence() const {
    if (library_decl_ == "gguf" || library_decl_ == "ggml" || library_decl_ == "llama.cpp" ||
        library_decl_ == "llama-cpp-python") {
      return FmKey("library_name");
    }
    return FmValue("tags", "gguf");
  }
  bool IsAppleFormat() const {
    return library_decl_ == "coreml" || library_decl_ == "mlx" || library_decl_ == "mlx-lm" ||
           library_decl_ == "mlx-image" || HasTag("coreml") || HasTag("core-ml") || HasTag("mlx");
  }
  const CardLine* AppleEvidence() const {
    if (!library_decl_.empty() && (library_decl_ == "coreml" || StartsWith(library_decl_, "mlx"))) {
      return FmKey("library_name");
    }
    for (auto t : {"coreml", "core-ml", "mlx"}) {
      if (HasTag(t)) return FmValue("tags", t);
    }
    return nullptr;
  }

  void DetectBlockers() {
    DetectNoWeights();
    DetectGated();
    DetectNoncommercial();
    DetectRemoteCode();
    DetectFormats();
    DetectAdapter();
    DetectCustomCuda();
    DetectFlashAttn();
    DetectComfy();
    DetectDocker();
    DetectExternalApi();
    DetectMultiGpuText();
  }

  void DetectNoWeights() {
    static const std::regex kNoCopy(
        R"(\b(does|do|did|will) not (copy|contain|include|ship|host|provide|bundle|store)\b[^.]{0,30}\bweights?\b)");
    static const std::regex kRepoIsCard(
        R"(\b(this|the) (repo|repository) (is|only contains|contains only) (the |a |an )?[^.]{0,40}\b(card|manifest|config|documentation|docs)\b)");
    static const std::regex kPlanned(
        R"(\b(is|are) (the |a )?planned\b|\bplanned (model|release|checkpoint)|\bweights? (are |is )?(not yet|coming soon|to be) (released|available|published)|\bno (model )?weights (are |is )?(included|provided|here|in this))");
    for (const auto& l : body_) {
      if (l.in_code) continue;
      const std::string& s = l.norm;
      const bool weight = Contains(s, "weight");
      const bool repo = Contains(s, "repo");
      const bool planned = Contains(s, "planned");
      if (!weight && !repo && !planned) continue;
      const bool not_yet = weight && ContainsAny(s, {"not yet", "coming soon", "to be ",
                                                     "no weights", "no model weights"});
      if ((weight && Contains(s, " not ") && Search(s, kNoCopy)) ||
          (repo && ContainsAny(s, {" card", "manifest", "config", "docs", "documentation"}) &&
           Search(s, kRepoIsCard)) ||
          ((planned || not_yet) && Search(s, kPlanned)) ||
          (Contains(s, "re-host") && Contains(s, "do not"))) {
        Add(BlockerKind::kNoWeights, &l);
        return;
      }
    }
  }

  void DetectGated() {
    if (card_.gated) {
      const CardLine* l = FmKey("gated");
      if (!l) {
        for (const auto& f : fm_) {
          if (StartsWith(Trim(f.norm), "extra_gated")) {
            l = &f;
            break;
          }
        }
      }
      Add(BlockerKind::kGated, l, *card_.gated);
      return;
    }
    for (const auto& l : body_) {
      if (l.in_code) continue;
      const std::string& s = l.norm;
      bool hit = ContainsWord(s, "gated") || Contains(s, "request access") ||
                 Contains(s, "user conditions") || Contains(s, "agree to share your contact") ||
                 Contains(s, "access request");
      // "while the repo is private, log in with an account that has access"
      if (!hit && ContainsWord(s, "private") &&
          ContainsAny(s, {"access", "log in", "login", "アクセス", "ログイン", "访问"})) {
        hit = true;
      }
      if (hit) {
        Add(BlockerKind::kGated, &l);
        return;
      }
    }
  }

  void DetectNoncommercial() {
    if (a_.license_class == LicenseClass::kNoncommercial) {
      const CardLine* l = license_line_;
      if (!l && card_.license_name &&
          ClassifyLicense(*card_.license_name) == LicenseClass::kNoncommercial) {
        l = FmKey("license_name");
      }
      if (!l) l = FmKey("license");
      Add(BlockerKind::kNoncommercialLicense, l, "license: " + a_.license);
      return;
    }
    static constexpr std::array<std::string_view, 22> kPhrases = {"non-commercial",
                                                                  "noncommercial",
                                                                  "non commercial",
                                                                  "research purposes only",
                                                                  "research use only",
                                                                  "for research only",
                                                                  "research-only",
                                                                  "only for research",
                                                                  "academic use only",
                                                                  "not for commercial",
                                                                  "cannot be used commercially",
                                                                  "no commercial use",
                                                                  "commercial use is prohibited",
                                                                  "研究用途",
                                                                  "研究目的",
                                                                  "非商用",
                                                                  "商用不可",
                                                                  "非商业",
                                                                  "仅供研究",
                                                                  "仅用于研究",
                                                                  "禁止商用",
                                                                  "research purpose only"};
    static const std::regex kBothAllowed(
        R"(commercial\s*(\+|and|&|/|or)\s*non-?\s?commercial|commercial use (is )?(allowed|permitted))");
    for (const auto& l : body_) {
      if (l.in_code) continue;
      const std::string& s = l.norm;
      bool hit = false;
      for (auto p : kPhrases) {
        if (Contains(s, p)) {
          hit = true;
          break;
        }
      }
      if (!hit || Search(s, kBothAllowed)) continue;
      Add(BlockerKind::kNoncommercialLicense, &l);
      return;
    }
  }

  void DetectRemoteCode() {
    if (HasTag("custom_code")) {
      Add(BlockerKind::kTrustRemoteCode, FmValue("tags", "custom_code"));
      return;
    }
    for (const auto& l : body_) {
      const std::string& s = l.norm;
      if (Contains(s, "trust_remote_code") && !Contains(s, "trust_remote_code=false") &&
          !Contains(s, "trust_remote_code = false")) {
        Add(BlockerKind::kTrustRemoteCode, &l);
        return;
      }
      if (!l.in_code && ContainsAny(s, {"custom modeling code", "custom modelling code",
                                        "custom architecture code", "custom model code"})) {
        Add(BlockerKind::kTrustRemoteCode, &l);
        return;
      }
    }
    // Base models whose architecture lives in the Hub repo (auto_map), so every fine-tune that
    // loads them through transformers / sentence-transformers needs trust_remote_code too.
    static constexpr std::array<std::string_view, 12> kRemoteCodeBases = {
        "alibaba-nlp/gte-",
        "nomic-ai/nomic-embed",
        "jinaai/jina-embeddings-v",
        "jinaai/jina-bert",
        "thudm/chatglm",
        "thudm/cogvlm",
        "openbmb/minicpm",
        "internlm/",
        "opengvlab/internvl",
        "microsoft/florence-2",
        "baichuan-inc/",
        "qwen/qwen-vl"};
    for (const auto& b : card_.base_models) {
      std::string n = ToLowerAscii(b);
      for (auto prefix : kRemoteCodeBases) {
        if (StartsWith(n, prefix)) {
          const CardLine* l = FmValue("base_model", b);
          Add(BlockerKind::kTrustRemoteCode, l,
              "base_model: " + b + " (its architecture is custom Hub code)");
          return;
        }
      }
    }
  }

  void DetectFormats() {
    if (IsGgufFormat()) {
      Add(BlockerKind::kGgufOnly, GgufEvidence(), "library_name: " + library_decl_);
    } else if (!card_.has_front_matter || card_.metadata.empty()) {
      // Without metadata: a title that names the GGUF format.
      if (Contains(title_, "gguf")) {
        for (const auto& l : body_) {
          if (l.heading && Contains(l.norm, "gguf")) {
            Add(BlockerKind::kGgufOnly, &l);
            break;
          }
        }
      }
    }
    if (IsAppleFormat()) {
      Add(BlockerKind::kAppleOnly, AppleEvidence(), "library_name: " + library_decl_);
    } else if (!card_.has_front_matter || card_.metadata.empty()) {
      for (const auto& l : body_) {
        if (l.heading && ContainsAny(l.norm, {"core ml", "coreml", "mlx"})) {
          Add(BlockerKind::kAppleOnly, &l);
          break;
        }
      }
    }
  }

  void DetectAdapter() {
    if (a_.HasBlocker(BlockerKind::kGgufOnly) || a_.HasBlocker(BlockerKind::kAppleOnly)) {
      return;  // a GGUF / Core ML export has the adapter merged in
    }
    if (library_decl_ == "peft") {
      Add(BlockerKind::kAdapterNeedsBase, FmKey("library_name"), "library_name: peft");
      return;
    }
    for (auto t : {"lora", "peft", "qlora", "lycoris"}) {
      if (HasTag(t)) {
        Add(BlockerKind::kAdapterNeedsBase, FmValue("tags", t), std::string("tags: ") + t);
        return;
      }
    }
    for (const auto& t : tags_) {
      if (StartsWith(t, "base_model:adapter:")) {
        Add(BlockerKind::kAdapterNeedsBase, FmValue("tags", t), "tags: " + t);
        return;
      }
    }
    if (auto it = card_.metadata.find("base_model_relation");
        it != card_.metadata.end() && it->is_string() && it->get<std::string>() == "adapter") {
      Add(BlockerKind::kAdapterNeedsBase, FmKey("base_model_relation"),
          "base_model_relation: adapter");
      return;
    }
    if (const CardLine* l = FindBody({"peftmodel.from_pretrained", "adapter_config.json",
                                      "automodelforcausallmwithvaluehead", ".load_adapter("})) {
      Add(BlockerKind::kAdapterNeedsBase, l);
    }
  }

  void DetectCustomCuda() {
    // Quantisation formats that only run on their own CUDA kernels.
    static constexpr std::array<std::string_view, 4> kKernelFormats = {"exllamav2", "exllamav3",
                                                                       "exl2", "exl3"};
    for (auto f : kKernelFormats) {
      if (library_decl_ == f) {
        Add(BlockerKind::kCustomCuda, FmKey("library_name"), "library_name: " + library_decl_);
        return;
      }
    }
    for (auto f : kKernelFormats) {
      if (HasTag(f)) {
        Add(BlockerKind::kCustomCuda, FmValue("tags", f), std::string("tags: ") + std::string(f));
        return;
      }
    }
    static constexpr std::array<std::string_view, 12> kKernelPackages = {
        "mamba-ssm",
        "mamba_ssm",
        "causal-conv1d",
        "causal_conv1d",
        "nvdiffrast",
        "pytorch3d",
        "diff-gaussian-rasterization",
        "simple-knn",
        "tiny-cuda-nn",
        "tinycudann",
        "pointnet2_ops",
        "diff_gaussian_rasterization"};
    for (const auto& l : body_) {
      const std::string& s = l.norm;
      if (ContainsAny(s, {"cudaextension", "nvcc", "build_ext", "setup.py install", "custom cuda",
                          "cuda extension", "cuda kernel"})) {
        Add(BlockerKind::kCustomCuda, &l);
        return;
      }
      if (Contains(s, "compile") && Contains(s, "cuda")) {
        Add(BlockerKind::kCustomCuda, &l);
        return;
      }
      if (Contains(s, "install") || Contains(s, "==") || Contains(s, ">=")) {
        for (auto p : kKernelPackages) {
          if (Contains(s, p)) {
            Add(BlockerKind::kCustomCuda, &l);
            return;
          }
        }
      }
    }
  }

  void DetectFlashAttn() {
    for (const auto& l : body_) {
      const std::string& s = l.norm;
      if (ContainsAny(s, {"flash_attn", "flash-attn", "flash_attention_2", "flashattention",
                          "flash-attention"}) ||
          ContainsWord(s, "flash attention")) {
        Add(BlockerKind::kFlashAttn, &l);
        return;
      }
    }
  }

  void DetectComfy() {
    if (library_decl_ == "diffusion-single-file") {
      Add(BlockerKind::kComfyui, FmKey("library_name"), "library_name: diffusion-single-file");
      return;
    }
    if (HasTag("comfyui")) {
      Add(BlockerKind::kComfyui, FmValue("tags", "comfyui"), "tags: comfyui");
      return;
    }
    for (const auto& l : body_) {
      if (Contains(l.norm, "comfyui") &&
          ContainsAny(l.norm, {"workflow", "custom node", "custom_nodes"})) {
        Add(BlockerKind::kComfyui, &l);
        return;
      }
    }
  }

  void DetectDocker() {
    const CardLine* docker = nullptr;
    for (const auto& l : body_) {
      const std::string& s = l.norm;
      if (ContainsAny(s, {"only available as a docker", "docker image only", "docker-only",
                          "only runs in docker", "only via docker"})) {
        Add(BlockerKind::kDockerOnly, &l);
        return;
      }
      if (!docker && ContainsAny(s, {"docker run", "docker compose", "docker-compose up"})) {
        docker = &l;
      }
    }
    if (!docker) return;
    // Docker is the only way when the card shows no other way to run the model.
    bool other_way = FindBody({"pip install", "import ", "from_pretrained", "python ", "uv run",
                               "npm ", "ollama", "llama.cpp", "llama-cli", "conda "}) != nullptr;
    if (!other_way) Add(BlockerKind::kDockerOnly, docker);
  }

  void DetectExternalApi() {
    static const std::regex kKeyVar(R"(\b[a-z0-9]+_api_key\b|\bapi[_ -]?key\b)");
    for (const auto& l : body_) {
      const std::string& s = l.norm;
      if (!ContainsAny(s, {"api_key", "api key", "api-key", "apikey"})) continue;
      // Local stand-ins ("OPENAI_API_KEY=ollama", a localhost server) and Hub tokens are not a
      // third-party service.
      if (ContainsAny(s, {"ollama", "localhost", "127.0.0.1", "hf_token", "huggingface_token",
                          "=none", "optional"})) {
        continue;
      }
      bool needs = ContainsAny(
          s, {"your", "<", "xxx", "sk-", "get an", "obtain", "sign up", "require", "need", "set "});
      if (needs && Search(s, kKeyVar)) {
        Add(BlockerKind::kExternalApi, &l);
        return;
      }
    }
  }

  void DetectMultiGpuText() {
    static const std::regex kMulti(
        R"(nproc_per_node[= ]+([2-9]|[1-9][0-9])|tensor_parallel_size[= ]+([2-9]|[1-9][0-9])|\b(requires?|needs?|at least) ([2-9]|[1-9][0-9]) ?(x|×)? ?(a100|h100|h200|b200|gpus)\b)");
    for (const auto& l : body_) {
      const std::string& s = l.norm;
      const bool launcher = ContainsAny(s, {"nproc_per_node", "tensor_parallel_size"});
      const bool needs = ContainsAny(s, {"require", "need", "at least"}) &&
                         ContainsAny(s, {"gpu", "a100", "h100", "h200", "b200"});
      if (!launcher && !needs) continue;
      if (ContainsAny(s, {"train", "fine-tun", "finetun"})) continue;
      if (Search(s, kMulti)) {
        Add(BlockerKind::kMultiGpuSize, &l);
        return;
      }
    }
  }

  // --- size and hardware ---------------------------------------------------------------------

  double BytesPerParam(std::string* why) const {
    std::string fmt = title_ + " " + library_decl_ + " " + ToLowerAscii(a_.model_id);
    for (const auto& t : tags_) fmt += " " + t;
    if (auto it = card_.metadata.find("base_model_relation");
        it != card_.metadata.end() && it->is_string()) {
      fmt += " " + ToLowerAscii(it->get<std::string>());
    }
    if (IsGgufFormat() || Contains(fmt, "gguf")) {
      *why = "GGUF (smallest common quant ~4.5 bits)";
      return 0.55;
    }
    if (ContainsAny(fmt, {"4bit", "4-bit", "int4", "w4a16", "bpw", "awq", "gptq", "nf4", "bnb",
                          "exl2", "exl3", "q4", "fp4"})) {
      *why = "4-bit weights";
      return 0.55;
    }
    if (ContainsAny(fmt, {"8bit", "8-bit", "int8", "fp8", "w8a8", "q8"})) {
      *why = "8-bit weights";
      return 1.0;
    }
    *why = "16-bit weights";
    return 2.0;
  }

  void DetectSize() {
    // 1. A body line that states the parameter count. A labelled count ("Number of parameters:
    //    0.49B") beats prose, and a family range ("models from 0.5 to 72 billion parameters")
    //    describes siblings, not this model.
    auto labelled = [](const std::string& norm) {
      return Contains(norm, "number of param") || Contains(norm, "parameter count") ||
             Contains(norm, "params:") || Contains(norm, "parameters:");
    };
    auto family_range = [](const std::string& norm) {
      // "0.5 to 72 billion", "from 1B to 70B": a number right before " to ".
      for (std::size_t p = norm.find(" to "); p != std::string::npos; p = norm.find(" to ", p + 1)) {
        std::size_t q = p;
        while (q > 0 && (norm[q - 1] == 'b' || norm[q - 1] == 'm' || norm[q - 1] == 'k')) --q;
        if (q > 0 && norm[q - 1] >= '0' && norm[q - 1] <= '9') return true;
      }
      return false;
    };
    for (int pass = 0; pass < 2 && !a_.params_billions; ++pass) {
      for (const auto& l : body_) {
        if (!Contains(l.norm, "param") || Contains(l.norm, "hyperparam")) continue;
        if (pass == 0 && !labelled(l.norm)) continue;
        if (pass == 1 && family_range(l.norm)) continue;
        if (auto p = ParseParamCount(l.norm); p && *p > 0) {
          a_.params_billions = *p;
          a_.params_evidence = internal::Truncate(Trim(l.raw), kEvidenceMax);
          break;
        }
      }
    }
    // 2. The size in the model's own name (title, id), then in the base model's.
    if (!a_.params_billions) {
      std::vector<std::pair<std::string, std::string>> names;
      for (const auto& l : body_) {
        if (l.heading) {
          names.emplace_back(std::string(Trim(l.raw)), "title");
          break;
        }
      }
      if (!a_.model_id.empty()) names.emplace_back(a_.model_id, "model id");
      for (const auto& b : card_.base_models) names.emplace_back(b, "base model");
      for (const auto& [name, what] : names) {
        if (auto p = internal::ParseCount(name, /*name_mode=*/true); p && *p > 0) {
          a_.params_billions = *p;
          a_.params_evidence = internal::Truncate(what + ": " + name, kEvidenceMax);
          break;
        }
      }
    }
  }

  static std::string Fmt(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }

  bool HeavyTask() const {
    static constexpr std::array<std::string_view, 20> kHeavy = {"text-generation",
                                                                "image-text-to-text",
                                                                "text-to-image",
                                                                "image-to-image",
                                                                "text-to-video",
                                                                "image-to-video",
                                                                "video-to-video",
                                                                "text-to-audio",
                                                                "text-to-speech",
                                                                "video-text-to-text",
                                                                "audio-text-to-text",
                                                                "any-to-any",
                                                                "text-to-3d",
                                                                "image-to-3d",
                                                                "image-text-to-image",
                                                                "image-text-to-video",
                                                                "unconditional-image-generation",
                                                                "visual-question-answering",
                                                                "robotics",
                                                                "text2text-generation"};
    return std::find(kHeavy.begin(), kHeavy.end(), a_.task) != kHeavy.end();
  }

  void DecideHardware(std::optional<double> est_gb, const std::string& basis) {
    const bool gguf = a_.HasBlocker(BlockerKind::kGgufOnly);
    if (!est_gb) {
      if (HeavyTask()) {
        a_.hardware = Hardware::kZeroGpu;
        a_.hardware_reason = "size unknown; " + a_.task + " needs a GPU";
      } else {
        a_.hardware = Hardware::kCpuBasic;
        a_.hardware_reason = "size unknown; " + a_.task + " models are usually small";
      }
      return;
    }
    const double gb = *est_gb;
    std::string est = basis + " ≈ " + Fmt(gb) + " GB";
    if (gb > options_.large_gpu_gb) {
      a_.hardware = Hardware::kMultiGpu;
      a_.hardware_reason = est + " > " + Fmt(options_.large_gpu_gb) + " GB on one GPU";
      Add(BlockerKind::kMultiGpuSize, nullptr,
          "size: " + est + " exceeds a single " + Fmt(options_.large_gpu_gb) + " GB GPU");
    } else if (gb > options_.zerogpu_slice_gb) {
      a_.hardware = Hardware::kLargeGpu;
      a_.hardware_reason = est + " > " + Fmt(options_.zerogpu_slice_gb) + " GB ZeroGPU slice";
    } else if ((gb <= options_.cpu_max_gb && !HeavyTask()) ||
               (gguf && gb <= 2 * options_.cpu_max_gb)) {
      a_.hardware = Hardware::kCpuBasic;
      a_.hardware_reason = est + ", small enough for CPU";
    } else {
      a_.hardware = Hardware::kZeroGpu;
      a_.hardware_reason = est + " ≤ " + Fmt(options_.zerogpu_slice_gb) + " GB ZeroGPU slice";
    }
  }

  // --- repo facts ----------------------------------------------------------------------------

  static bool IsWeightFile(const std::string& lower) {
    static constexpr std::array<std::string_view, 20> kExt = {
        ".safetensors", ".bin",    ".pt",   ".pth",     ".ckpt",     ".onnx",  ".h5",
        ".msgpack",     ".gguf",   ".ggml", ".mlmodel", ".tflite",   ".keras", ".nemo",
        ".pkl",         ".joblib", ".npz",  ".engine",  ".pdparams", ".model"};
    if (Contains(lower, ".mlpackage/") || EndsWith(lower, ".mlpackage") ||
        Contains(lower, ".mlmodelc/") || EndsWith(lower, ".mlmodelc")) {
      return true;
    }
    if (EndsWith(lower, "training_args.bin")) return false;
    for (auto e : kExt) {
      if (EndsWith(lower, e)) return true;
    }
    return false;
  }
  static bool IsAppleFile(const std::string& lower) {
    return Contains(lower, ".mlpackage") || Contains(lower, ".mlmodel");
  }

  static std::string ListFiles(const std::vector<std::string>& files) {
    std::string out;
    std::size_t shown = 0;
    for (const auto& f : files) {
      if (shown == 3) {
        out += ", … (" + std::to_string(files.size()) + " in all)";
        break;
      }
      if (shown) out += ", ";
      out += f;
      ++shown;
    }
    return out;
  }

  void ApplyFacts() {
    std::string basis_why;
    double bpp = BytesPerParam(&basis_why);
    std::optional<double> est;
    std::string basis;
    if (facts_.total_weight_bytes && *facts_.total_weight_bytes > 0) {
      double gb = static_cast<double>(*facts_.total_weight_bytes) / 1e9;
      est = gb * 1.2;
      basis = "weights " + Fmt(gb) + " GB × 1.2";
    } else if (a_.params_billions) {
      est = EstimateMemoryGb(*a_.params_billions, bpp);
      basis =
          Fmt(*a_.params_billions) + "B params × " + Fmt(bpp) + " bytes (" + basis_why + ") × 1.2";
    }

    if (!facts_.files.empty()) {
      std::vector<std::string> weights, gguf, apple, cuda;
      bool adapter_cfg = false, full_weights = false;
      for (const auto& f : facts_.files) {
        std::string lower = ToLowerAscii(f);
        if (IsWeightFile(lower)) {
          weights.push_back(f);
          if (EndsWith(lower, ".gguf") || EndsWith(lower, ".ggml")) gguf.push_back(f);
          if (IsAppleFile(lower)) apple.push_back(f);
          if (!Contains(lower, "adapter_model") && !Contains(lower, "lora")) full_weights = true;
        }
        if (EndsWith(lower, "adapter_config.json")) adapter_cfg = true;
        if (EndsWith(lower, ".cu") || EndsWith(lower, ".cuh")) cuda.push_back(f);
      }
      if (weights.empty()) {
        Remove(BlockerKind::kGgufOnly);
        Remove(BlockerKind::kAppleOnly);
        Add(BlockerKind::kNoWeights, nullptr,
            "files: no weight files among " + std::to_string(facts_.files.size()) + " (" +
                ListFiles(facts_.files) + ")");
      } else {
        Remove(BlockerKind::kNoWeights);
        if (gguf.size() == weights.size()) {
          Remove(BlockerKind::kGgufOnly);
          Add(BlockerKind::kGgufOnly, nullptr, "files: only " + ListFiles(gguf));
        } else {
          Remove(BlockerKind::kGgufOnly);
        }
        if (apple.size() == weights.size()) {
          Remove(BlockerKind::kAppleOnly);
          Add(BlockerKind::kAppleOnly, nullptr, "files: only " + ListFiles(apple));
        } else if (!Contains(library_decl_, "mlx")) {
          Remove(BlockerKind::kAppleOnly);
        }
        if (adapter_cfg && !full_weights) {
          Add(BlockerKind::kAdapterNeedsBase, nullptr,
              "files: adapter_config.json, no full weights");
        }
      }
      if (!cuda.empty()) Add(BlockerKind::kCustomCuda, nullptr, "files: " + ListFiles(cuda));
    }
    DecideHardware(est, basis);
  }

  // --- final touches -------------------------------------------------------------------------

  bool GgufAppFits() const {
    static constexpr std::array<std::string_view, 6> kLlamaCppTasks = {
        "text-generation",     "image-text-to-text",  "feature-extraction",
        "sentence-similarity", "text-classification", "text2text-generation"};
    return std::find(kLlamaCppTasks.begin(), kLlamaCppTasks.end(), a_.task) != kLlamaCppTasks.end();
  }

  void Finish() {
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
    std::stable_sort(a_.blockers.begin(), a_.blockers.end(),
                     [](const Blocker& x, const Blocker& y) {
                       return static_cast<int>(x.kind) < static_cast<int>(y.kind);
                     });
    for (const auto& b : a_.blockers) {
      if (b.hard) continue;
      std::string w = std::string(BlockerName(b.kind)) + ": " + b.evidence;
      if (b.line > 0) w += " (line " + std::to_string(b.line) + ")";
      a_.warnings.push_back(std::move(w));
    }
  }

  const ParsedCard& card_;
  const RepoFacts& facts_;
  const AnalyzeOptions& options_;
  std::vector<CardLine> fm_;
  std::vector<CardLine> body_;
  std::vector<std::string> tags_;
  std::string library_decl_;
  std::string title_;
  const CardLine* license_line_ = nullptr;
  CardAnalysis a_;
};

}  // namespace

CardAnalysis AnalyzeCard(const ParsedCard& card, const RepoFacts& facts) {
  return AnalyzeCard(card, facts, AnalyzeOptions{});
}

CardAnalysis AnalyzeCard(const ParsedCard& card, const RepoFacts& facts,
                         const AnalyzeOptions& options) {
  try {
    return Analyzer(card, facts, options).Run();
  } catch (const std::exception& e) {
    // std::regex may throw on pathological input (complexity); never let it escape.
    CardAnalysis a;
    a.warnings.push_back(std::string("analysis failed: ") + e.what());
    return a;
  }
}

}  // namespace sf::card

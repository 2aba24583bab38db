// Analyzer: task detection (front matter, code, library, base model, prose) and corrections of
// declared pipeline tags that cards commonly get wrong.
#include <array>
#include <regex>
#include <string>
#include <utility>

#include "card/analyzer.h"
#include "card/card.h"
#include "card/internal.h"

namespace sf::card::internal {

namespace {

std::string TaskFromModelName(std::string_view name) {
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

}  // namespace

std::string Analyzer::TaskFromCode(const CardLine** where) const {
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

std::string Analyzer::TaskFromLibrary() const {
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

std::string Analyzer::TaskFromProse(const CardLine** where) const {
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

void Analyzer::DetectTask() {
  std::string task;
  std::string source;
  if (card_.pipeline_tag) {
    task = NormalizePipelineTag(*card_.pipeline_tag);
    if (task.empty()) {
      a_.warnings.push_back("pipeline_tag '" + *card_.pipeline_tag +
                            "' is not a known pipeline tag; ignored");
    } else {
      if (task != ToLowerAscii(Trim(*card_.pipeline_tag))) {
        a_.warnings.push_back("pipeline_tag '" + *card_.pipeline_tag + "' is deprecated; read as " +
                              task);
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

void Analyzer::Override(std::string task, const CardLine* why) {
  std::string msg =
      "declared pipeline_tag '" + a_.task + "' does not fit the card; using '" + task + "'";
  if (why) msg += " (line " + std::to_string(why->number) + ")";
  a_.warnings.push_back(std::move(msg));
  a_.task = std::move(task);
  a_.task_source = "text";
}

// General corrections of declared tags that cards commonly get wrong.
void Analyzer::CorrectDeclaredTask() {
  const std::string& t = a_.task;
  if (t == "question-answering") {
    // A multiple-choice head (…ForMultipleChoice) scores options; it is not extractive QA.
    if (const CardLine* l = FindBody({"formultiplechoice"})) return Override("multiple-choice", l);
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

}  // namespace sf::card::internal

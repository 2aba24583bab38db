// Analyzer: parameter count, memory estimate, recommended hardware and the facts of the repo's
// file list (weights present, their format, adapters, CUDA sources).
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "card/analyzer.h"
#include "card/card.h"
#include "card/internal.h"

namespace sf::card::internal {

namespace {

std::string Fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

bool IsWeightFile(const std::string& lower) {
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
bool IsAppleFile(const std::string& lower) {
  return Contains(lower, ".mlpackage") || Contains(lower, ".mlmodel");
}

std::string ListFiles(const std::vector<std::string>& files) {
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

}  // namespace

double Analyzer::BytesPerParam(std::string* why) const {
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

void Analyzer::DetectSize() {
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

bool Analyzer::HeavyTask() const {
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

void Analyzer::DecideHardware(std::optional<double> est_gb, const std::string& basis) {
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

// --- repo facts ------------------------------------------------------------------------------

void Analyzer::ApplyFacts() {
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
        Add(BlockerKind::kAdapterNeedsBase, nullptr, "files: adapter_config.json, no full weights");
      }
    }
    if (!cuda.empty()) Add(BlockerKind::kCustomCuda, nullptr, "files: " + ListFiles(cuda));
  }
  DecideHardware(est, basis);
}

}  // namespace sf::card::internal

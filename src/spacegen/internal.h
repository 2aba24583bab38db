// spacegen internals shared by the template files (templates_*.cc), spacegen.cc and checks.cc.
// Not part of the module's public surface.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "card/card.h"
#include "core/core.h"
#include "spacegen/spacegen.h"

namespace sf::spacegen::internal {

// What a template may adapt to, derived once from the analysis and the options.
struct TemplateContext {
  const card::CardAnalysis* analysis = nullptr;
  const SpaceOptions* options = nullptr;
  bool zero_gpu = false;           // target hardware is ZeroGPU: `spaces` + @spaces.GPU
  bool gpu = false;                // any GPU target (ZeroGPU or a fixed GPU)
  bool trust_remote_code = false;  // blocker trust_remote_code
  bool sdpa = false;               // blocker flash_attn: load with attn_implementation="sdpa"
  bool gated = false;              // blocker gated: HF_TOKEN secret required
  bool gguf_only = false;          // blocker gguf_only
  bool adapter = false;            // blocker adapter_needs_base and a base model is known
  std::string adapter_base;        // that base model
  std::string library;             // analysis.library, lowercased
  std::vector<std::string> notes;  // adaptations, copied to GeneratedSpace::notes
};

// What one template produces; spacegen.cc wraps it into a full app.py, README.md, requirements.
struct TemplateOutput {
  // Python between the common prelude (imports of os, spaces, gradio; MODEL_ID, TITLE, HF_TOKEN)
  // and the common footer (the /health route and launch). Must define `demo` and an event with
  // api_name="generate". May use the placeholders listed at Render().
  std::string body;
  std::vector<std::string> requirements;  // PEP 508 lines, without gradio and spaces
  std::string api_inputs;                 // README: the `data` array of an example call, as JSON
  std::string api_outputs;                // README: what the call returns
};

using TemplateFn = TemplateOutput (*)(TemplateContext& ctx);

struct TaskTemplate {
  std::string_view task;
  std::string_view emoji;
  std::string_view color_from;
  std::string_view color_to;
  TemplateFn build;
};

// Per-modality registries (templates_text.cc, templates_vision.cc, templates_audio.cc).
const std::vector<TaskTemplate>& TextTemplates();
const std::vector<TaskTemplate>& VisionTemplates();
const std::vector<TaskTemplate>& AudioTemplates();

// A Python string literal holding `s` exactly: double quotes, with backslash, quote, control and
// line-break characters escaped. UTF-8 passes through (Python 3 source is UTF-8).
std::string PyStr(std::string_view s);

// Replaces every {{NAME}} in `tmpl` with the value for NAME. The common names, always available:
//   MODEL_ID          Python literal of the model id
//   LOAD_ID           Python literal of the id whose weights are loaded (the base for adapters)
//   TASK              Python literal of the pipeline tag
//   GPU_DECORATOR     "@spaces.GPU(duration=N)\n" on ZeroGPU, "" otherwise
//   TOKENIZER_KWARGS  ", token=HF_TOKEN" (+ ", trust_remote_code=True")
//   MODEL_KWARGS      TOKENIZER_KWARGS (+ ", attn_implementation=\"sdpa\"")
//   TORCH_DEVICE      the DEVICE / DTYPE lines (needs `import torch`)
// plus `extra`. An unknown {{NAME}} is a programming error and aborts in debug builds; in release
// it is left in place and fails py_compile.
std::string Render(std::string_view tmpl, const TemplateContext& ctx,
                   const std::map<std::string, std::string>& extra = {});

// Requirement lines used by several templates.
inline constexpr std::string_view kReqTorch = "torch>=2.4";
inline constexpr std::string_view kReqTransformers = "transformers>=4.46,<5";
inline constexpr std::string_view kReqAccelerate = "accelerate>=0.34";
inline constexpr std::string_view kReqPeft = "peft>=0.13";
inline constexpr std::string_view kReqNumpy = "numpy>=1.24";
inline constexpr std::string_view kReqPillow = "Pillow>=10.0";
inline constexpr std::string_view kReqHub = "huggingface_hub>=0.25";

// Adds peft when the template loads an adapter through transformers' PEFT integration.
void AddAdapterRequirement(const TemplateContext& ctx, std::vector<std::string>& reqs);

// --- checks.cc helpers, exposed for tests through spacegen.h wrappers ---

// Validates one requirements.txt line (already stripped of comments and whitespace).
// Returns "" when valid, else the reason.
std::string ValidateRequirementLine(std::string_view line);

}  // namespace sf::spacegen::internal

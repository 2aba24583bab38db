// AnalyzeCard: each blocker rule with its evidence, task inference, parameter counts, licence
// classes, hardware, repo facts and the JSON shape.
#include <gtest/gtest.h>

#include <string>

#include "card/card.h"

namespace {

using sf::card::AnalyzeCard;
using sf::card::AnalyzeOptions;
using sf::card::Blocker;
using sf::card::BlockerKind;
using sf::card::CardAnalysis;
using sf::card::Hardware;
using sf::card::LicenseClass;
using sf::card::RepoFacts;

CardAnalysis Analyze(std::string_view text, const RepoFacts& facts = {},
                     const AnalyzeOptions& options = {}) {
  auto r = sf::card::ParseCard(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  return AnalyzeCard(*r, facts, options);
}

const Blocker* Find(const CardAnalysis& a, BlockerKind kind) {
  for (const auto& b : a.blockers) {
    if (b.kind == kind) return &b;
  }
  return nullptr;
}

}  // namespace

// --- names -----------------------------------------------------------------------------------

TEST(CardNames, BlockerNamesRoundTrip) {
  for (auto k : {BlockerKind::kGated, BlockerKind::kNoncommercialLicense,
                 BlockerKind::kTrustRemoteCode, BlockerKind::kGgufOnly,
                 BlockerKind::kAdapterNeedsBase, BlockerKind::kCustomCuda, BlockerKind::kFlashAttn,
                 BlockerKind::kMultiGpuSize, BlockerKind::kComfyui, BlockerKind::kDockerOnly,
                 BlockerKind::kExternalApi, BlockerKind::kNoWeights, BlockerKind::kAppleOnly}) {
    auto back = sf::card::BlockerFromName(sf::card::BlockerName(k));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, k);
  }
  EXPECT_EQ(sf::card::BlockerName(BlockerKind::kNoncommercialLicense), "noncommercial_license");
  EXPECT_FALSE(sf::card::BlockerFromName("nope").has_value());
  EXPECT_TRUE(sf::card::IsHardBlocker(BlockerKind::kMultiGpuSize));
  EXPECT_TRUE(sf::card::IsHardBlocker(BlockerKind::kNoWeights));
  EXPECT_FALSE(sf::card::IsHardBlocker(BlockerKind::kGated));
  EXPECT_FALSE(sf::card::IsHardBlocker(BlockerKind::kFlashAttn));
  EXPECT_EQ(sf::card::HardwareName(Hardware::kZeroGpu), "zero-a10g");
  EXPECT_EQ(sf::card::LicenseClassName(LicenseClass::kNoncommercial), "noncommercial");
}

// --- blockers, one rule each -------------------------------------------------------------------

TEST(CardBlockers, GatedFromFrontMatterWithLine) {
  auto a = Analyze("---\nlicense: mit\nextra_gated_prompt: agree to terms\n---\n# M\n");
  const Blocker* b = Find(a, BlockerKind::kGated);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
  EXPECT_EQ(b->evidence, "extra_gated_prompt: agree to terms");
  EXPECT_FALSE(b->hard);
}

TEST(CardBlockers, GatedFromText) {
  auto a = Analyze("# M\n\n1. Accept the model's user conditions on its page\n");
  const Blocker* b = Find(a, BlockerKind::kGated);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
  EXPECT_FALSE(Find(Analyze("# M\nThe results were aggregated over runs.\n"), BlockerKind::kGated));
}

TEST(CardBlockers, NoncommercialFromLicenseAndText) {
  auto a = Analyze("---\nlicense: cc-by-nc-4.0\n---\n# M\n");
  const Blocker* b = Find(a, BlockerKind::kNoncommercialLicense);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 2);
  auto t = Analyze("---\nlicense: other\n---\n# M\n\nThis model is for research purposes only.\n");
  ASSERT_NE(Find(t, BlockerKind::kNoncommercialLicense), nullptr);
  EXPECT_EQ(Find(t, BlockerKind::kNoncommercialLicense)->line, 6);
  // "Commercial + non-commercial use allowed" is the opposite.
  EXPECT_EQ(Find(Analyze("# M\n- Commercial + non-commercial use allowed under the license\n"),
                 BlockerKind::kNoncommercialLicense),
            nullptr);
  EXPECT_EQ(Find(Analyze("# M\nIntended for commercial and research use.\n"),
                 BlockerKind::kNoncommercialLicense),
            nullptr);
}

TEST(CardBlockers, TrustRemoteCode) {
  auto a = Analyze(
      "# M\n```python\nmodel = AutoModel.from_pretrained('a/b', trust_remote_code=True)\n```\n");
  const Blocker* b = Find(a, BlockerKind::kTrustRemoteCode);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
  EXPECT_NE(Find(Analyze("---\ntags:\n- custom_code\n---\n# M\n"), BlockerKind::kTrustRemoteCode),
            nullptr);
  EXPECT_EQ(Find(Analyze("# M\nmodel(trust_remote_code=False)\n"), BlockerKind::kTrustRemoteCode),
            nullptr);
}

TEST(CardBlockers, TrustRemoteCodeFromCustomCodeBase) {
  auto a =
      Analyze("---\nlibrary_name: setfit\nbase_model: Alibaba-NLP/gte-base-en-v1.5\n---\n# M\n");
  const Blocker* b = Find(a, BlockerKind::kTrustRemoteCode);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
}

TEST(CardBlockers, GgufOnlyFromLibraryAndSoftForTextGeneration) {
  auto a = Analyze("---\nlibrary_name: gguf\npipeline_tag: text-generation\n---\n# M\n");
  const Blocker* b = Find(a, BlockerKind::kGgufOnly);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 2);
  EXPECT_FALSE(b->hard);  // a llama.cpp app fits
  auto asr =
      Analyze("---\nlibrary_name: ggml\npipeline_tag: automatic-speech-recognition\n---\n# M\n");
  ASSERT_NE(Find(asr, BlockerKind::kGgufOnly), nullptr);
  EXPECT_TRUE(Find(asr, BlockerKind::kGgufOnly)->hard);
}

TEST(CardBlockers, AdapterNeedsBase) {
  auto a = Analyze("---\ntags:\n  - lora\n  - style\npipeline_tag: text-to-image\n---\n# M\n");
  const Blocker* b = Find(a, BlockerKind::kAdapterNeedsBase);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
  EXPECT_NE(Find(Analyze("# M\nmodel = PeftModel.from_pretrained(base, 'x/y')\n"),
                 BlockerKind::kAdapterNeedsBase),
            nullptr);
  // A LoRA merged into a GGUF file needs no base.
  EXPECT_EQ(Find(Analyze("---\nlibrary_name: gguf\ntags:\n- lora\n---\n# M\n"),
                 BlockerKind::kAdapterNeedsBase),
            nullptr);
}

TEST(CardBlockers, CustomCuda) {
  auto a = Analyze("# M\n\n```bash\npip install mamba-ssm causal-conv1d\n```\n");
  const Blocker* b = Find(a, BlockerKind::kCustomCuda);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 4);
  EXPECT_TRUE(b->hard);
  EXPECT_NE(Find(Analyze("---\nlibrary_name: exllamav3\n---\n# M\n"), BlockerKind::kCustomCuda),
            nullptr);
  EXPECT_NE(Find(Analyze("# M\nRun `python setup.py install` to build the ops.\n"),
                 BlockerKind::kCustomCuda),
            nullptr);
  EXPECT_EQ(Find(Analyze("# M\nmodel.to('cuda')\n"), BlockerKind::kCustomCuda), nullptr);
}

TEST(CardBlockers, FlashAttn) {
  auto a = Analyze("# M\nflash_attn==2.5.8\n");
  ASSERT_NE(Find(a, BlockerKind::kFlashAttn), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kFlashAttn)->line, 2);
  EXPECT_NE(
      Find(Analyze("# M\nattn_implementation=\"flash_attention_2\"\n"), BlockerKind::kFlashAttn),
      nullptr);
  EXPECT_EQ(Find(Analyze("---\ntags:\n- dflash2\n---\n# M\n"), BlockerKind::kFlashAttn), nullptr);
}

TEST(CardBlockers, MultiGpuFromSize) {
  auto a = Analyze("---\npipeline_tag: text-generation\n---\n# Big-180B\n\nParameters: 180B\n");
  const Blocker* b = Find(a, BlockerKind::kMultiGpuSize);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->hard);
  EXPECT_EQ(a.hardware, Hardware::kMultiGpu);
  // The same model shipped in 4 bits fits one large GPU.
  auto q = Analyze(
      "---\npipeline_tag: text-generation\ntags:\n- 4-bit\n---\n# Big-120B AWQ\n\nParameters: "
      "120B\n");
  EXPECT_EQ(Find(q, BlockerKind::kMultiGpuSize), nullptr);
  EXPECT_EQ(q.hardware, Hardware::kLargeGpu);
}

TEST(CardBlockers, MultiGpuFromText) {
  auto a = Analyze("# M\nInference requires 8x H100 GPUs.\n");
  ASSERT_NE(Find(a, BlockerKind::kMultiGpuSize), nullptr);
  EXPECT_EQ(Find(Analyze("# M\nTrained on 8 A100 GPUs; inference needs at least 8 gpus for "
                         "training runs.\n"),
                 BlockerKind::kMultiGpuSize),
            nullptr);
  EXPECT_EQ(Find(Analyze("# M\nllm = LLM(model=m, tensor_parallel_size=1)\n"),
                 BlockerKind::kMultiGpuSize),
            nullptr);
}

TEST(CardBlockers, Comfyui) {
  EXPECT_NE(
      Find(Analyze("---\nlibrary_name: diffusion-single-file\n---\n# M\n"), BlockerKind::kComfyui),
      nullptr);
  auto a = Analyze("# M\nDrag the workflow .json into ComfyUI and queue the prompt.\n");
  ASSERT_NE(Find(a, BlockerKind::kComfyui), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kComfyui)->line, 2);
  EXPECT_EQ(Find(Analyze("# M\n## Example Usage (ComfyUI / Toolkit)\n"), BlockerKind::kComfyui),
            nullptr);
}

TEST(CardBlockers, DockerOnly) {
  auto a = Analyze("# M\n```bash\ndocker run --gpus all ghcr.io/x/y:1\n```\n");
  ASSERT_NE(Find(a, BlockerKind::kDockerOnly), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kDockerOnly)->line, 3);
  // Docker as one option among others is not docker-only.
  EXPECT_EQ(Find(Analyze("# M\n```bash\npip install x\npython run.py\ndocker run x\n```\n"),
                 BlockerKind::kDockerOnly),
            nullptr);
}

TEST(CardBlockers, ExternalApi) {
  auto a =
      Analyze("# M\nSet your OPENAI_API_KEY before running:\nexport OPENAI_API_KEY=<your key>\n");
  ASSERT_NE(Find(a, BlockerKind::kExternalApi), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kExternalApi)->line, 2);
  EXPECT_EQ(Find(Analyze("# M\nexport OPENAI_API_KEY=ollama\n"), BlockerKind::kExternalApi),
            nullptr);
}

TEST(CardBlockers, NoWeightsFromText) {
  auto a = Analyze(
      "# Pkg\nThis package wraps x/y with a manifest. It does **not** copy model weights.\n");
  const Blocker* b = Find(a, BlockerKind::kNoWeights);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 2);
  EXPECT_TRUE(b->hard);
  EXPECT_NE(
      Find(Analyze("# X\nX is the planned high-precision engine.\n"), BlockerKind::kNoWeights),
      nullptr);
  EXPECT_NE(Find(Analyze("# X\nThis repo is the control card (config + docs).\n"),
                 BlockerKind::kNoWeights),
            nullptr);
  EXPECT_EQ(Find(Analyze("# X\nThe weights are in FP16.\n"), BlockerKind::kNoWeights), nullptr);
}

TEST(CardBlockers, NoWeightsSuppressesFormatBlockers) {
  auto a = Analyze(
      "---\nlibrary_name: gguf\ntags:\n- gguf\n---\n# Wrapper\nThis repo is the wrapper card; it "
      "does not host the weights.\n");
  EXPECT_NE(Find(a, BlockerKind::kNoWeights), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kGgufOnly), nullptr);
}

TEST(CardBlockers, AppleOnly) {
  auto a = Analyze("---\nlibrary_name: coreml\npipeline_tag: mask-generation\n---\n# M\n");
  const Blocker* b = Find(a, BlockerKind::kAppleOnly);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 2);
  EXPECT_NE(Find(Analyze("---\ntags:\n- mlx\n---\n# M\n"), BlockerKind::kAppleOnly), nullptr);
}

TEST(CardBlockers, EvidenceIsTrimmedAndBounded) {
  std::string long_line = "  trust_remote_code=True " + std::string(500, 'x') + "  ";
  auto a = Analyze("# M\n" + long_line + "\n");
  const Blocker* b = Find(a, BlockerKind::kTrustRemoteCode);
  ASSERT_NE(b, nullptr);
  EXPECT_LE(b->evidence.size(), 204u);
  EXPECT_EQ(b->evidence.rfind("trust_remote_code", 0), 0u);
}

TEST(CardBlockers, SoftBlockersBecomeWarnings) {
  auto a = Analyze("---\nlicense: cc-by-nc-4.0\n---\n# M\n");
  bool found = false;
  for (const auto& w : a.warnings) found |= w.find("noncommercial_license") != std::string::npos;
  EXPECT_TRUE(found);
  EXPECT_FALSE(a.HasHardBlocker());
}

// --- repo facts ----------------------------------------------------------------------------------

TEST(CardFacts, OnlyGgufFiles) {
  RepoFacts f;
  f.files = {"README.md", "model-q4.gguf", "model-q8.gguf"};
  auto a = Analyze("---\npipeline_tag: text-generation\n---\n# M\n", f);
  const Blocker* b = Find(a, BlockerKind::kGgufOnly);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 0);
  EXPECT_EQ(b->evidence, "files: only model-q4.gguf, model-q8.gguf");
}

TEST(CardFacts, NoWeightFiles) {
  RepoFacts f;
  f.files = {"README.md", "config.json", ".gitattributes"};
  auto a = Analyze("---\nlibrary_name: gguf\n---\n# M\n", f);
  ASSERT_NE(Find(a, BlockerKind::kNoWeights), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kGgufOnly), nullptr);
  EXPECT_NE(Find(a, BlockerKind::kNoWeights)->evidence.find("no weight files"), std::string::npos);
}

TEST(CardFacts, AppleFilesAndOverrides) {
  RepoFacts f;
  f.files = {"README.md", "Model.mlpackage/Data/weights.bin", "Model.mlpackage/Manifest.json"};
  auto a = Analyze("# M\n", f);
  ASSERT_NE(Find(a, BlockerKind::kAppleOnly), nullptr);
  // Safetensors next to GGUF: not gguf-only whatever the card says.
  RepoFacts mixed;
  mixed.files = {"model.safetensors", "model-q4.gguf"};
  auto m = Analyze("---\ntags:\n- gguf\n---\n# M\n", mixed);
  EXPECT_EQ(Find(m, BlockerKind::kGgufOnly), nullptr);
}

TEST(CardFacts, AdapterFilesAndCudaSources) {
  RepoFacts f;
  f.files = {"adapter_config.json", "adapter_model.safetensors", "kernels/attn.cu"};
  auto a = Analyze("# M\n", f);
  EXPECT_NE(Find(a, BlockerKind::kAdapterNeedsBase), nullptr);
  EXPECT_NE(Find(a, BlockerKind::kCustomCuda), nullptr);
}

TEST(CardFacts, WeightBytesDriveHardware) {
  RepoFacts f;
  f.files = {"model.safetensors"};
  f.total_weight_bytes = 60'000'000'000ull;  // 60 GB × 1.2 = 72 GB
  auto a = Analyze("---\npipeline_tag: text-generation\n---\n# M\n", f);
  EXPECT_EQ(a.hardware, Hardware::kLargeGpu);
  f.model_id = "owner/name";
  EXPECT_EQ(Analyze("# M\n", f).model_id, "owner/name");
}

// --- params --------------------------------------------------------------------------------------

TEST(CardParams, ParseParamCount) {
  auto near = [](std::optional<double> v, double want) {
    return v.has_value() && std::abs(*v - want) < want * 1e-9 + 1e-15;
  };
  EXPECT_TRUE(near(sf::card::ParseParamCount("7B"), 7));
  EXPECT_TRUE(near(sf::card::ParseParamCount("1.5M params"), 0.0015));
  EXPECT_TRUE(near(sf::card::ParseParamCount("308M"), 0.308));
  EXPECT_TRUE(near(sf::card::ParseParamCount("4B"), 4));
  EXPECT_TRUE(near(sf::card::ParseParamCount("21B parameters"), 21));
  EXPECT_TRUE(near(sf::card::ParseParamCount("35B-A3B"), 35));
  EXPECT_TRUE(near(sf::card::ParseParamCount("~263 M (1-D U-Net)"), 0.263));
  EXPECT_TRUE(near(sf::card::ParseParamCount("already 91.5K params"), 0.0000915));
  EXPECT_TRUE(near(sf::card::ParseParamCount("a 3.8 billion-parameter model"), 3.8));
  EXPECT_TRUE(near(sf::card::ParseParamCount("Qwen3.8-27B"), 27));
  EXPECT_FALSE(sf::card::ParseParamCount("15.4 GiB on disk, 70ms latency").has_value());
  EXPECT_FALSE(sf::card::ParseParamCount("no numbers").has_value());
  // The count nearest to "param" wins; a context length elsewhere in the line does not.
  EXPECT_TRUE(near(sf::card::ParseParamCount("The Phi-3-Mini-128K-Instruct is a 3.8 "
                                             "billion-parameter model"),
                   3.8));
  EXPECT_FALSE(sf::card::ParseParamCount("| # Params (M) <BR> (img + txt) | Latency (ms) <BR> "
                                         "(img + txt) | IN-1k Zero-Shot |")
                   .has_value());
  EXPECT_FALSE(sf::card::ParseParamCount("").has_value());
}

TEST(CardParams, FromCardTextAndNames) {
  auto a = Analyze("# Model\n\n- **Parameters:** 1.5B\n");
  ASSERT_TRUE(a.params_billions.has_value());
  EXPECT_DOUBLE_EQ(*a.params_billions, 1.5);
  EXPECT_NE(a.params_evidence.find("Parameters"), std::string::npos);
  auto t = Analyze("# ✨ Guanaco - 7B - Uncensored ✨\n\n## Training Hyperparameters\n- lr: 2e-5\n");
  ASSERT_TRUE(t.params_billions.has_value());
  EXPECT_DOUBLE_EQ(*t.params_billions, 7);
  auto b = Analyze("---\nbase_model: Qwen/Qwen2.5-3B\n---\n# Quantized thing\n");
  ASSERT_TRUE(b.params_billions.has_value());
  EXPECT_DOUBLE_EQ(*b.params_billions, 3);
  // A context length ("128k") in a name is not a parameter count.
  EXPECT_FALSE(Analyze("# Phi-mini-128k-instruct\n").params_billions.has_value());
}

// --- licences ------------------------------------------------------------------------------------

TEST(CardLicense, Classes) {
  using sf::card::ClassifyLicense;
  EXPECT_EQ(ClassifyLicense("apache-2.0"), LicenseClass::kPermissive);
  EXPECT_EQ(ClassifyLicense("MIT"), LicenseClass::kPermissive);
  EXPECT_EQ(ClassifyLicense("cc-by-4.0"), LicenseClass::kPermissive);
  EXPECT_EQ(ClassifyLicense("bsd-3-clause"), LicenseClass::kPermissive);
  EXPECT_EQ(ClassifyLicense("gpl-3.0"), LicenseClass::kCopyleft);
  EXPECT_EQ(ClassifyLicense("lgpl-3.0"), LicenseClass::kCopyleft);
  EXPECT_EQ(ClassifyLicense("cc-by-sa-4.0"), LicenseClass::kCopyleft);
  EXPECT_EQ(ClassifyLicense("cc-by-nc-4.0"), LicenseClass::kNoncommercial);
  EXPECT_EQ(ClassifyLicense("cc-by-nc-sa-4.0"), LicenseClass::kNoncommercial);
  EXPECT_EQ(ClassifyLicense("cc-by-nc-nd-4.0"), LicenseClass::kNoncommercial);
  EXPECT_EQ(ClassifyLicense("apple-amlr"), LicenseClass::kNoncommercial);
  EXPECT_EQ(ClassifyLicense("other", "sai-nc-community"), LicenseClass::kNoncommercial);
  EXPECT_EQ(ClassifyLicense("llama2"), LicenseClass::kRestrictive);
  EXPECT_EQ(ClassifyLicense("openrail"), LicenseClass::kRestrictive);
  EXPECT_EQ(ClassifyLicense("other", "nvidia-open-model-license"), LicenseClass::kRestrictive);
  EXPECT_EQ(ClassifyLicense("other"), LicenseClass::kRestrictive);
  EXPECT_EQ(ClassifyLicense(""), LicenseClass::kUnknown);
  EXPECT_EQ(ClassifyLicense("weird-thing"), LicenseClass::kUnknown);
}

TEST(CardLicense, FromBodyWhenNoKey) {
  auto a = Analyze("# M\n\n- **License:** CC-BY-NC 4.0\n");
  EXPECT_EQ(a.license_class, LicenseClass::kNoncommercial);
  ASSERT_NE(Find(a, BlockerKind::kNoncommercialLicense), nullptr);
  EXPECT_EQ(Find(a, BlockerKind::kNoncommercialLicense)->line, 3);
}

// --- task
// ------------------------------------------------------------------------------------------

TEST(CardTask, DeclaredAndDeprecated) {
  auto a = Analyze("---\npipeline_tag: conversational\n---\n# M\n");
  EXPECT_EQ(a.task, "text-generation");
  EXPECT_EQ(a.task_source, "pipeline_tag");
  EXPECT_TRUE(a.conversational);
  auto bad = Analyze("---\npipeline_tag: not-a-task\ntags:\n- summarization\n---\n# M\n");
  EXPECT_EQ(bad.task, "summarization");
  EXPECT_EQ(bad.task_source, "tags");
}

TEST(CardTask, InferredFromLibraryBaseAndText) {
  EXPECT_EQ(Analyze("---\nlibrary_name: ml-agents\n---\n# M\n").task, "reinforcement-learning");
  auto base = Analyze("---\nbase_model: openai/whisper-large-v3\n---\n# M\n");
  EXPECT_EQ(base.task, "automatic-speech-recognition");
  EXPECT_EQ(base.task_source, "base_model");
  auto code = Analyze("# M\n```python\npipe = pipeline(\"text-generation\", model=\"a/b\")\n```\n");
  EXPECT_EQ(code.task, "text-generation");
  EXPECT_EQ(code.task_source, "text");
  EXPECT_EQ(Analyze("# M\nA machine translation model from English to Yoruba.\n").task,
            "translation");
  auto none = Analyze("# M\nNothing to see.\n");
  EXPECT_EQ(none.task, "unknown");
  EXPECT_EQ(none.task_source, "none");
}

TEST(CardTask, CorrectsMisdeclaredTags) {
  EXPECT_EQ(Analyze("---\npipeline_tag: question-answering\n---\n# M\n```python\nmodel = "
                    "LongformerForMultipleChoice.from_pretrained(x)\n```\n")
                .task,
            "multiple-choice");
  EXPECT_EQ(Analyze("---\npipeline_tag: visual-question-answering\n---\n# M\nres = "
                    "model.chat(image=img, msgs=msgs)\n")
                .task,
            "image-text-to-text");
  EXPECT_EQ(Analyze("---\npipeline_tag: image-to-text\ntags:\n- text-detection\n---\n# Detector\n"
                    "Outputs bounding boxes of text lines.\n")
                .task,
            "object-detection");
  EXPECT_EQ(Analyze("---\npipeline_tag: text-to-3d\n---\n# M\nWe produce 3D models from any "
                    "input image.\n")
                .task,
            "image-to-3d");
  // Correct declarations stay.
  EXPECT_EQ(Analyze("---\npipeline_tag: question-answering\n---\n# M\nExtractive QA.\n").task,
            "question-answering");
}

// --- hardware ------------------------------------------------------------------------------------

TEST(CardHardware, Sizes) {
  auto small = Analyze("---\npipeline_tag: text-classification\n---\n# M\nParameters: 110M\n");
  EXPECT_EQ(small.hardware, Hardware::kCpuBasic);
  auto seven = Analyze("---\npipeline_tag: text-generation\n---\n# Llama-7B\n");
  EXPECT_EQ(seven.hardware, Hardware::kZeroGpu);
  EXPECT_NE(seven.hardware_reason.find("16.8"), std::string::npos);  // 7 × 2 × 1.2
  auto thirty = Analyze("---\npipeline_tag: text-generation\n---\n# Model-30B\n");
  EXPECT_EQ(thirty.hardware, Hardware::kLargeGpu);  // 30 × 2 × 1.2 = 72 GB > 48 GB slice
  auto unknown_gen = Analyze("---\npipeline_tag: text-to-image\n---\n# M\n");
  EXPECT_EQ(unknown_gen.hardware, Hardware::kZeroGpu);
  auto unknown_cls = Analyze("---\npipeline_tag: image-classification\n---\n# M\n");
  EXPECT_EQ(unknown_cls.hardware, Hardware::kCpuBasic);
}

TEST(CardHardware, ConfigurableSlice) {
  AnalyzeOptions h200;
  h200.zerogpu_slice_gb = 70;
  auto a = Analyze("---\npipeline_tag: text-generation\n---\n# Model-24B\n", {}, h200);
  EXPECT_EQ(a.hardware, Hardware::kZeroGpu);  // 57.6 GB fits the 70 GB slice
  auto b = Analyze("---\npipeline_tag: text-generation\n---\n# Model-24B\n");
  EXPECT_EQ(b.hardware, Hardware::kLargeGpu);  // not the 48 GB default
  EXPECT_DOUBLE_EQ(sf::card::EstimateMemoryGb(7, 2), 16.8);
}

// --- JSON
// ------------------------------------------------------------------------------------------

TEST(CardJson, StableShape) {
  auto a = Analyze(
      "---\nlicense: cc-by-nc-4.0\npipeline_tag: text-generation\nlibrary_name: transformers\n"
      "base_model: a/b-7B\n---\n# owner/model-7B\nUses trust_remote_code=True\n");
  auto j = sf::card::AnalysisToJson(a);
  for (const char* key :
       {"task", "blockers", "library", "license", "license_class", "params_billions", "hardware",
        "hardware_reason", "warnings", "task_source", "model_id", "base_models"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["task"], "text-generation");
  EXPECT_EQ(j["model_id"], "owner/model-7B");
  EXPECT_EQ(j["license_class"], "noncommercial");
  EXPECT_EQ(j["hardware"], "zero-a10g");
  EXPECT_DOUBLE_EQ(j["params_billions"].get<double>(), 7.0);
  ASSERT_TRUE(j["blockers"].is_array());
  for (const auto& b : j["blockers"]) {
    EXPECT_TRUE(b.contains("kind") && b.contains("evidence") && b.contains("line") &&
                b.contains("hard"));
  }
  EXPECT_EQ(j["blockers"][0]["kind"], "noncommercial_license");
  EXPECT_EQ(j["blockers"][0]["line"], 2);
  EXPECT_EQ(j["blockers"][1]["kind"], "trust_remote_code");
  EXPECT_EQ(j["blockers"][1]["line"], 8);
  auto empty = sf::card::AnalysisToJson(CardAnalysis{});
  EXPECT_EQ(empty["task"], "unknown");
  EXPECT_TRUE(empty["params_billions"].is_null());
  EXPECT_TRUE(empty["blockers"].empty());
}

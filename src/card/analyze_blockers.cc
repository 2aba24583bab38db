// Analyzer: blocker detection from the card text and metadata. Every blocker carries the line
// that triggered it.
#include <array>
#include <regex>
#include <string>

#include "card/analyzer.h"
#include "card/card.h"
#include "card/internal.h"

namespace sf::card::internal {

namespace {

// A declared library_name that means GGUF / llama.cpp weights.
bool IsGgufLibrary(std::string_view lib) {
  return lib == "gguf" || lib == "ggml" || lib == "llama.cpp" || lib == "llama-cpp-python";
}

}  // namespace

bool Analyzer::IsGgufFormat() const { return IsGgufLibrary(library_decl_) || HasTag("gguf"); }
const CardLine* Analyzer::GgufEvidence() const {
  if (IsGgufLibrary(library_decl_)) return FmKey("library_name");
  return FmValue("tags", "gguf");
}
bool Analyzer::IsAppleFormat() const {
  return library_decl_ == "coreml" || library_decl_ == "mlx" || library_decl_ == "mlx-lm" ||
         library_decl_ == "mlx-image" || HasTag("coreml") || HasTag("core-ml") || HasTag("mlx");
}
const CardLine* Analyzer::AppleEvidence() const {
  if (!library_decl_.empty() && (library_decl_ == "coreml" || StartsWith(library_decl_, "mlx"))) {
    return FmKey("library_name");
  }
  for (auto t : {"coreml", "core-ml", "mlx"}) {
    if (HasTag(t)) return FmValue("tags", t);
  }
  return nullptr;
}

void Analyzer::DetectBlockers() {
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

void Analyzer::DetectNoWeights() {
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
    const bool not_yet = weight && ContainsAny(s, {"not yet", "coming soon", "to be ", "no weights",
                                                   "no model weights"});
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

void Analyzer::DetectGated() {
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

void Analyzer::DetectNoncommercial() {
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

void Analyzer::DetectRemoteCode() {
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
  static constexpr std::array<std::string_view, 12> kRemoteCodeBases = {"alibaba-nlp/gte-",
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

void Analyzer::DetectFormats() {
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

void Analyzer::DetectAdapter() {
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

void Analyzer::DetectCustomCuda() {
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

void Analyzer::DetectFlashAttn() {
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

void Analyzer::DetectComfy() {
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

void Analyzer::DetectDocker() {
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

void Analyzer::DetectExternalApi() {
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

void Analyzer::DetectMultiGpuText() {
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

}  // namespace sf::card::internal

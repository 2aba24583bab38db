#include <gtest/gtest.h>

#include "card/card.h"

namespace sf::card {
namespace {

CardAnalysis Analyze(const std::string& text) {
  auto parsed = ParseCard(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return AnalyzeCard(*parsed);
}

TEST(ModelIdGuess, FromLoaderCodeMatchingTitle) {
  auto a = Analyze(
      "---\nbase_model: acme/base-7B\npipeline_tag: text-generation\n---\n# tiny-chat-1B\n"
      "```python\ntok = AutoTokenizer.from_pretrained(\"acme/base-7B\")\n"
      "model = AutoModelForCausalLM.from_pretrained(\"acme/tiny-chat-1B\")\n```\n");
  EXPECT_EQ(a.model_id, "acme/tiny-chat-1B");
}

TEST(ModelIdGuess, BaseModelIsNotThisModel) {
  auto a = Analyze(
      "---\nbase_model: acme/base\n---\n# Something else\n"
      "model = AutoModel.from_pretrained('acme/base')\n");
  EXPECT_EQ(a.model_id, "");
}

TEST(ModelIdGuess, LinkMatchingTitle) {
  auto a =
      Analyze("# widget-net\nSee https://huggingface.co/someone/widget-net/tree/main for files.\n");
  EXPECT_EQ(a.model_id, "someone/widget-net");
}

TEST(ParamSize, LabelledCountBeatsFamilyRange) {
  auto a = Analyze(
      "# Model\nThe series spans models from 0.5 to 72 billion parameters.\n"
      "- Number of parameters: 0.49B\n");
  ASSERT_TRUE(a.params_billions.has_value());
  EXPECT_DOUBLE_EQ(*a.params_billions, 0.49);
  EXPECT_FALSE(a.HasBlocker(BlockerKind::kMultiGpuSize));
}

TEST(ParamSize, FamilyRangeAloneIsNotThisModelsSize) {
  auto a = Analyze("# tiny-0.5B\nThe family ranges from 0.5 to 72 billion parameters.\n");
  ASSERT_TRUE(a.params_billions.has_value());
  EXPECT_DOUBLE_EQ(*a.params_billions, 0.5);  // from the title, not the range's upper end
}

}  // namespace
}  // namespace sf::card

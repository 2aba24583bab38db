// ParseCard: front matter + body of messy real cards, and clear errors for input that is no card.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "card/card.h"

namespace {

using sf::Code;
using sf::card::ParseCard;
using sf::card::ParsedCard;
using sf::card::ParseLimits;

ParsedCard MustParse(std::string_view text) {
  auto r = ParseCard(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ParsedCard{};
}

bool HasWarning(const ParsedCard& c, std::string_view needle) {
  for (const auto& w : c.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(SF_SOURCE_DIR) + "/tests/data/cards/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(ParseCard, PlainFrontMatterAndBody) {
  auto c = MustParse(
      "---\nlicense: apache-2.0\npipeline_tag: text-generation\nlibrary_name: transformers\n"
      "tags:\n- chat\n- llama\nbase_model: meta-llama/Llama-2-7b-hf\ninference: false\n---\n"
      "# Title\nbody text\n");
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_EQ(c.pipeline_tag.value_or(""), "text-generation");
  EXPECT_EQ(c.library_name.value_or(""), "transformers");
  EXPECT_EQ(c.license.value_or(""), "apache-2.0");
  ASSERT_EQ(c.tags.size(), 2u);
  EXPECT_EQ(c.tags[1], "llama");
  ASSERT_EQ(c.base_models.size(), 1u);  // a single value becomes a list
  EXPECT_EQ(c.base_models[0], "meta-llama/Llama-2-7b-hf");
  EXPECT_TRUE(c.inference_disabled);
  EXPECT_EQ(c.body, "# Title\nbody text\n");
  EXPECT_EQ(c.body_line_offset, 11u);
  EXPECT_EQ(c.front_matter_line_offset, 2u);
  EXPECT_TRUE(c.metadata.is_object());
  EXPECT_EQ(c.metadata["inference"], false);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ParseCard, NoFrontMatter) {
  auto c = MustParse("# Chinese BART\n\nSome text\n---\nnot: front matter\n");
  EXPECT_FALSE(c.has_front_matter);
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_EQ(c.body_line_offset, 1u);
  EXPECT_EQ(c.body.substr(0, 14), "# Chinese BART");
}

TEST(ParseCard, LeadingBlankLineAndIndentedKeys) {
  auto c = MustParse(
      "\n---\n      tags:\n      - ml-agents\n      - reinforcement-learning\n"
      "      library_name: ml-agents\n---\n  # Agent\n");
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_EQ(c.library_name.value_or(""), "ml-agents");
  EXPECT_EQ(c.tags.size(), 2u);
  EXPECT_EQ(c.body_line_offset, 8u);
}

TEST(ParseCard, InconsistentIndentationIsDedented) {
  auto c = MustParse("---\n  license: mit\n  tags:\n  - a\n---\nbody\n");
  EXPECT_EQ(c.license.value_or(""), "mit");
}

TEST(ParseCard, HtmlCommentBeforeFrontMatter) {
  auto c = MustParse(
      "<!--\nPaste this file as README.md.\nThe YAML is what the Hub reads.\n-->\n---\n"
      "license: mit\npipeline_tag: image-classification\n---\n# Model\n");
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_EQ(c.pipeline_tag.value_or(""), "image-classification");
  EXPECT_TRUE(HasWarning(c, "Hub would not read it"));
  EXPECT_EQ(c.front_matter_line_offset, 6u);
}

TEST(ParseCard, JunkLinesBeforeFrontMatter) {
  auto c = MustParse(
      "# owner/model\n\nsource: https://huggingface.co/owner/model\n\n---\nlicense: other\n"
      "pipeline_tag: video-text-to-text\n---\n\n# Model\n");
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_EQ(c.pipeline_tag.value_or(""), "video-text-to-text");
  EXPECT_EQ(c.body_line_offset, 9u);
}

TEST(ParseCard, HorizontalRuleAfterTextIsNotFrontMatter) {
  // A late '---' block without card keys is a markdown rule, not metadata.
  auto c = MustParse("Intro line\n---\nNote: this is prose\n---\nmore\n");
  EXPECT_FALSE(c.has_front_matter);
  EXPECT_EQ(c.body_line_offset, 1u);
}

TEST(ParseCard, SecondDashLineAfterFrontMatterIsSkipped) {
  auto c = MustParse("---\nlicense: apache-2.0\n---\n---\n\n# Title\n");
  EXPECT_TRUE(HasWarning(c, "second '---'"));
  EXPECT_EQ(c.body_line_offset, 5u);
  EXPECT_EQ(c.body, "\n# Title\n");
}

TEST(ParseCard, TrailingSpacesBlankLinesAndQuotedCommaList) {
  auto c = MustParse(
      "---\r\nlicense: apache-2.0  \r\nlanguage:  \r\n- en  \r\npipeline_tag: image-to-video \r\n"
      "library_name: \"onnx,pytorch\"\r\n\r\ntags:  \r\n- animation  \r\n---\r\n# T");
  EXPECT_EQ(c.license.value_or(""), "apache-2.0");
  EXPECT_EQ(c.pipeline_tag.value_or(""), "image-to-video");
  EXPECT_EQ(c.library_name.value_or(""), "onnx,pytorch");
  EXPECT_EQ(c.tags.size(), 1u);
  EXPECT_EQ(c.body, "# T");  // no trailing newline is fine
}

TEST(ParseCard, CommentedKeysAndGating) {
  auto c = MustParse(
      "---\n#datasets:\n#- x\nlicense: cc-by-nc-nd-4.0\nextra_gated_prompt: agree\n"
      "extra_gated_fields:\n  Name: text\n---\nbody\n");
  ASSERT_TRUE(c.gated.has_value());
  EXPECT_NE(c.gated->find("extra_gated"), std::string::npos);
  auto c2 = MustParse("---\ngated: manual\n---\nbody\n");
  EXPECT_EQ(c2.gated.value_or(""), "gated: manual");
  auto c3 = MustParse("---\ngated: false\n---\nbody\n");
  EXPECT_FALSE(c3.gated.has_value());
}

TEST(ParseCard, UnclosedFenceIsAWarning) {
  auto c = MustParse("---\nlicense: mit\n---\n# T\n```python\nprint(1)\n");
  EXPECT_TRUE(HasWarning(c, "never closed"));
}

TEST(ParseCard, UnclosedFrontMatterIsAWarning) {
  auto c = MustParse("---\nlicense: mit\n# Title\ntext\n");
  EXPECT_FALSE(c.has_front_matter);
  EXPECT_TRUE(HasWarning(c, "never closed"));
  EXPECT_EQ(c.body_line_offset, 1u);
}

TEST(ParseCard, BrokenYamlIsAWarningAndTextStaysAnalysable) {
  auto c = MustParse("---\nlicense: [mit\ntags: {a: \n---\n# Title\nUses trust_remote_code=True\n");
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_TRUE(HasWarning(c, "not valid YAML"));
  EXPECT_EQ(c.body_line_offset, 5u);
  auto a = sf::card::AnalyzeCard(c);
  EXPECT_TRUE(a.HasBlocker(sf::card::BlockerKind::kTrustRemoteCode));
}

TEST(ParseCard, ScalarFrontMatterIsIgnored) {
  auto c = MustParse("---\njust a sentence: no\n---\nbody\n");
  EXPECT_TRUE(c.has_front_matter);
  auto c2 = MustParse("---\n- a\n- b\n---\nbody\n");
  EXPECT_TRUE(c2.metadata.empty());
}

TEST(ParseCard, DeepNestingIsRefusedAsYaml) {
  std::string deep = "---\nkey: " + std::string(5000, '[') + std::string(5000, ']') + "\n---\nb\n";
  auto c = MustParse(deep);
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_TRUE(HasWarning(c, "not valid YAML"));
}

TEST(ParseCard, AliasBombIsBounded) {
  std::string yaml = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (int i = 0; i < 12; ++i) {
    std::string name = "l" + std::to_string(i);
    yaml += name + ": &" + name + " [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", *" : "*") + prev;
    yaml += "]\n";
    prev = name;
  }
  yaml += "---\nbody\n";
  auto c = MustParse(yaml);
  EXPECT_TRUE(c.metadata.empty());
  EXPECT_TRUE(HasWarning(c, "not valid YAML"));
}

TEST(ParseCard, Utf8BomAndNonAsciiText) {
  auto c = MustParse("\xEF\xBB\xBF---\nlicense: mit\n---\n日本語の説明\n");
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_EQ(c.body, "日本語の説明\n");
}

TEST(ParseCard, MessyFixturesFromDataDir) {
  auto c = MustParse(ReadData("messy_copied.md"));
  EXPECT_TRUE(c.has_front_matter);
  EXPECT_EQ(c.pipeline_tag.value_or(""), "text-generation");
  auto broken = MustParse(ReadData("broken_front_matter.md"));
  EXPECT_TRUE(broken.metadata.empty());
  auto a = sf::card::AnalyzeCard(broken);
  EXPECT_EQ(a.task, "automatic-speech-recognition");
}

// --- bad input ---------------------------------------------------------------------------------

TEST(ParseCardErrors, Empty) {
  auto r = ParseCard("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "card is empty");
  EXPECT_FALSE(ParseCard(" \n\n\t \n").ok());
}

TEST(ParseCardErrors, Binary) {
  std::string bin("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  auto r = ParseCard(bin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("binary"), std::string::npos);
}

TEST(ParseCardErrors, NotUtf8) {
  auto r = ParseCard("---\nlicense: mit\n---\ncaf\xE9 latin-1\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("UTF-8"), std::string::npos);
  EXPECT_NE(r.status().message().find("offset 24"), std::string::npos);
  EXPECT_FALSE(ParseCard("overlong \xC0\xAF").ok());
  EXPECT_FALSE(ParseCard("surrogate \xED\xA0\x80").ok());
  EXPECT_FALSE(ParseCard("truncated \xE6\x97").ok());
}

TEST(ParseCardErrors, HugeFrontMatter) {
  std::string fm = "---\n";
  while (fm.size() < (300u << 10)) fm += "key_" + std::to_string(fm.size()) + ": value\n";
  fm += "---\nbody\n";
  auto r = ParseCard(fm);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("front matter"), std::string::npos);
  // A higher limit accepts it.
  ParseLimits big;
  big.max_front_matter_bytes = 1u << 20;
  EXPECT_TRUE(ParseCard(fm, big).ok());
}

TEST(ParseCardErrors, TwentyMegabyteCard) {
  std::string huge(20u << 20, 'a');
  auto r = ParseCard(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("above the limit"), std::string::npos);
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);  // one line
}

TEST(ParseCardErrors, ErrorsAreOneLine) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("\0", 1), std::string_view("\xFF\xFE")}) {
    auto r = ParseCard(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
  }
}

TEST(ParseCardErrors, LongSingleLineDoesNotCrashAnalysis) {
  std::string line = "---\nlicense: mit\n---\n" + std::string(2u << 20, 'x') + " weight repo gpu\n";
  auto r = ParseCard(line);
  ASSERT_TRUE(r.ok());
  auto a = sf::card::AnalyzeCard(*r);
  EXPECT_EQ(sf::card::AnalysisToJson(a)["task"], "unknown");
}

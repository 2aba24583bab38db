// The card analyser behind AnalyzeCard, shared by the analyze_*.cc sources. Not part of the public
// API.
//
//   analyze.cc           entry points, the Analyzer's own helpers, model id, library, licence,
//                        final touches
//   analyze_lines.cc     card lines: normalisation, code-fence tracking, bounded regex search
//   analyze_task.cc      task detection and corrections of declared pipeline tags
//   analyze_blockers.cc  blocker detection from the card text and metadata
//   analyze_size.cc      parameter count, memory estimate, hardware, repo file facts
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "card/card.h"

namespace sf::card::internal {

// Longest evidence string kept for a blocker or the parameter count.
constexpr std::size_t kEvidenceMax = 200;

struct CardLine {
  std::string_view raw;
  std::string norm;  // lower-case ASCII, markdown emphasis ('*', '`') removed
  int number = 0;    // 1-based line in the card
  bool in_code = false;
  bool heading = false;
};

// `raw` lower-cased (ASCII) with markdown emphasis ('*', '`') removed.
std::string Normalize(std::string_view raw);
bool ContainsAny(std::string_view s, std::initializer_list<std::string_view> needles);
// The lines of `text`, numbered from `first_number`; with `track_code`, lines inside and on code
// fences are marked in_code.
std::vector<CardLine> MakeLines(std::string_view text, std::uint64_t first_number, bool track_code);

// std::regex recurses per character; keep its input short so a hostile line cannot exhaust the
// stack. Card lines that matter are far shorter than this.
constexpr std::size_t kRegexMaxChars = 1000;
// std::regex_search on at most the first kRegexMaxChars of `s`.
bool Search(const std::string& s, const std::regex& re);

class Analyzer {
 public:
  Analyzer(const ParsedCard& card, const RepoFacts& facts, const AnalyzeOptions& options);

  CardAnalysis Run();

 private:
  // --- helpers (analyze.cc) ---
  bool HasTag(std::string_view t) const;
  bool HasTagContaining(std::string_view t) const;
  // The front-matter line of `key:` (top level or nested), or nullptr.
  const CardLine* FmKey(std::string_view key) const;
  // The first front-matter line containing `value` (lower-case), preferring lines after `key:`.
  const CardLine* FmValue(std::string_view key, std::string_view value) const;
  const CardLine* FindBody(std::initializer_list<std::string_view> needles,
                           bool prose_only = false) const;
  void Add(BlockerKind kind, const CardLine* line, std::string fallback = {});
  void Remove(BlockerKind kind);

  // --- model id, library, licence (analyze.cc) ---
  std::string GuessModelId() const;
  void DetectLibrary();
  void DetectLicense();
  void DetectConversational();

  // --- task (analyze_task.cc) ---
  std::string TaskFromCode(const CardLine** where) const;
  std::string TaskFromLibrary() const;
  std::string TaskFromProse(const CardLine** where) const;
  void DetectTask();
  void Override(std::string task, const CardLine* why);
  // General corrections of declared tags that cards commonly get wrong.
  void CorrectDeclaredTask();

  // --- blockers (analyze_blockers.cc) ---
  bool IsGgufFormat() const;
  const CardLine* GgufEvidence() const;
  bool IsAppleFormat() const;
  const CardLine* AppleEvidence() const;
  void DetectBlockers();
  void DetectNoWeights();
  void DetectGated();
  void DetectNoncommercial();
  void DetectRemoteCode();
  void DetectFormats();
  void DetectAdapter();
  void DetectCustomCuda();
  void DetectFlashAttn();
  void DetectComfy();
  void DetectDocker();
  void DetectExternalApi();
  void DetectMultiGpuText();

  // --- size, hardware and repo facts (analyze_size.cc) ---
  double BytesPerParam(std::string* why) const;
  void DetectSize();
  bool HeavyTask() const;
  void DecideHardware(std::optional<double> est_gb, const std::string& basis);
  void ApplyFacts();

  // --- final touches (analyze.cc) ---
  bool GgufAppFits() const;
  void Finish();

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

}  // namespace sf::card::internal

// card: model-card parsing and analysis. Pure: text in, analysis out (fetching is the factory's
// job).
//
// ParseCard splits a README.md into YAML front matter and markdown body. Real cards are messy: junk
// or an HTML comment before the '---', a leading blank line, indented keys, a second '---' right
// after the front matter, no trailing newline, unclosed code fences. ParseCard tolerates what the
// Hub tolerates and reports (in `warnings`) what it had to work around; it fails only on input that
// is not a card at all (empty, binary, not UTF-8, absurdly large front matter).
//
// AnalyzeCard decides what the model does and what stands in the way. Every blocker carries the
// line of the card that triggered it, so the report can show evidence instead of a verdict.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sf::card {

struct ParsedCard {
  bool has_front_matter = false;
  // The whole front matter as JSON (an object; empty when absent or unparseable).
  nlohmann::json metadata = nlohmann::json::object();
  std::string front_matter_text;  // raw YAML between the '---' lines
  std::string body;               // markdown after the front matter (the whole text without one)
  std::vector<std::string> warnings;
  // Selected front-matter fields, normalised (strings trimmed, single values turned into lists).
  std::optional<std::string> pipeline_tag;
  std::optional<std::string> library_name;
  std::optional<std::string> license;       // "license" key, e.g. "apache-2.0", "other"
  std::optional<std::string> license_name;  // "license_name" for custom licences
  std::vector<std::string> tags;
  std::vector<std::string> base_models;  // "base_model" (string or list)
  std::vector<std::string> languages;
  std::vector<std::string> datasets;
  bool inference_disabled = false;     // "inference: false"
  std::optional<std::string> gated;    // "extra_gated_*" keys or "gated:" present → reason
  std::uint64_t body_line_offset = 0;  // 1-based line number of body's first line in the file
  // 1-based line number of the first line of front_matter_text in the file (0 without front
  // matter).
  std::uint64_t front_matter_line_offset = 0;
};

// Limits that keep a hostile card from costing memory or time.
struct ParseLimits {
  std::uint64_t max_card_bytes = 8u << 20;  // whole card
  std::uint64_t max_front_matter_bytes = 256u << 10;
};

Result<ParsedCard> ParseCard(std::string_view text, const ParseLimits& limits = {});

// Blocker vocabulary of shared/modelcards/README.md.
enum class BlockerKind {
  kGated,
  kNoncommercialLicense,
  kTrustRemoteCode,
  kGgufOnly,
  kAdapterNeedsBase,
  kCustomCuda,
  kFlashAttn,
  kMultiGpuSize,
  kComfyui,
  kDockerOnly,
  kExternalApi,
  kNoWeights,
  kAppleOnly,
};

std::string_view BlockerName(BlockerKind kind);  // "gated", "noncommercial_license", ...
std::optional<BlockerKind> BlockerFromName(std::string_view name);
// Hard blockers stop a build at analysis (status technical_blocker); soft ones become warnings.
bool IsHardBlocker(BlockerKind kind);

struct Blocker {
  BlockerKind kind;
  std::string evidence;  // the card line (trimmed, at most ~200 chars) that triggered it
  int line = 0;          // 1-based line in the card; 0 when it came from metadata (file list, ...)
  bool hard = false;  // IsHardBlocker(kind), except gguf_only, which is hard when no GGUF app fits
};

enum class LicenseClass { kPermissive, kCopyleft, kNoncommercial, kRestrictive, kUnknown };
std::string_view LicenseClassName(LicenseClass c);  // "permissive", ...

// The recommended place to run the model.
enum class Hardware { kCpuBasic, kZeroGpu, kLargeGpu, kMultiGpu };
std::string_view HardwareName(Hardware h);  // "cpu-basic", "zero-a10g", "a100-large", "multi-gpu"

// Optional repo facts the factory knows beyond the card (from the Hub's file list).
struct RepoFacts {
  std::string model_id;            // "owner/name", when known
  std::vector<std::string> files;  // repo file paths
  std::optional<std::uint64_t> total_weight_bytes;
};

struct CardAnalysis {
  std::string model_id;          // from RepoFacts, or guessed from the card ("owner/name"), or ""
  std::string task = "unknown";  // a pipeline tag or "unknown"
  std::string task_source;  // "pipeline_tag", "tags", "library_name", "base_model", "text", "none"
  std::string library;      // "transformers", "diffusers", ... or "" when unknown
  std::string license;      // as declared, or ""
  LicenseClass license_class = LicenseClass::kUnknown;
  std::optional<double> params_billions;  // e.g. 7.0 for "7B", 0.0015 for "1.5M params"
  std::string params_evidence;
  Hardware hardware = Hardware::kCpuBasic;
  std::string hardware_reason;
  std::vector<Blocker> blockers;
  std::vector<std::string> warnings;  // parse warnings and soft-blocker notes
  std::vector<std::string> base_models;
  bool conversational = false;  // chat model (tag or chat template use in the card)

  bool HasBlocker(BlockerKind kind) const;
  bool HasHardBlocker() const;
};

// Tunables of the analysis. Sizes are GPU memory in GB.
struct AnalyzeOptions {
  double zerogpu_slice_gb = 48.0;  // the ZeroGPU slice (48 GB Blackwell era; 70 GB H200 era)
  double large_gpu_gb = 80.0;      // the largest single fixed GPU (a100-large)
  double cpu_max_gb = 2.0;         // up to this estimate, light tasks run on cpu-basic
};

CardAnalysis AnalyzeCard(const ParsedCard& card, const RepoFacts& facts = {});
CardAnalysis AnalyzeCard(const ParsedCard& card, const RepoFacts& facts,
                         const AnalyzeOptions& options);

// Helpers exposed for tests and for other modules.
//
// Parses a parameter count such as "7B", "1.5M params", "308M", "91.5K", "3.8 billion", "35B-A3B"
// (the total, 35) into billions. Returns nullopt when `text` holds no count.
std::optional<double> ParseParamCount(std::string_view text);
// Classifies a licence id (the "license" key) and an optional "license_name".
LicenseClass ClassifyLicense(std::string_view license, std::string_view license_name = {});
// Maps deprecated or alias pipeline tags to the current one ("conversational" → "text-generation");
// returns "" when `tag` is not a known pipeline tag.
std::string NormalizePipelineTag(std::string_view tag);
// Estimated GPU memory in GB for `params_billions` at `bytes_per_param`: params × bytes × 1.2.
double EstimateMemoryGb(double params_billions, double bytes_per_param);

// The stable JSON shape of `spacefactory analyze --json` (and of the run record's analysis).
nlohmann::json AnalysisToJson(const CardAnalysis& analysis);

}  // namespace sf::card

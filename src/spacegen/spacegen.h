// spacegen: Gradio Space templates per pipeline tag, and the static checks every generated Space
// must pass before it is uploaded anywhere.
//
// A template writes three files: app.py (a real model load and a real inference call, a named API
// endpoint "generate", a GET /health route, @spaces.GPU(duration=...) when the target is ZeroGPU),
// requirements.txt, and README.md with the Space YAML header. Templates never emit a placeholder:
// a task without a template is an error, not a dummy app.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "card/card.h"
#include "core/core.h"

namespace sf::spacegen {

struct GeneratedFile {
  std::string path;  // relative, e.g. "app.py"
  std::string content;
};

struct SpaceOptions {
  // Hardware the Space is generated for; ZeroGPU adds the `spaces` package and @spaces.GPU.
  card::Hardware hardware = card::Hardware::kZeroGpu;
  int gpu_duration_seconds = 60;
  std::string title;  // defaults to the model name
  std::string gradio_sdk_version = "5.49.1";
};

struct GeneratedSpace {
  std::string task;  // the template used
  std::vector<GeneratedFile> files;
  std::vector<std::string>
      notes;             // adaptations made (trust_remote_code, sdpa fallback, adapter base…)
  std::string model_id;  // the model the Space serves
  card::Hardware hardware = card::Hardware::kZeroGpu;  // the target it was generated for
  bool zero_gpu = false;                               // app.py uses `spaces` / @spaces.GPU
  const GeneratedFile* Find(std::string_view path) const;
};

// The pipeline tags with a template, sorted.
std::vector<std::string> SupportedTasks();
bool HasTemplate(std::string_view task);

// Generates the Space for `analysis.task`. Fails with kFailedPrecondition when the task has no
// template or the analysis has no model id to load.
Result<GeneratedSpace> GenerateSpace(const card::CardAnalysis& analysis,
                                     const SpaceOptions& options);

// Writes every file of `space` under `dir` (created when missing), atomically per file.
Status WriteSpace(const GeneratedSpace& space, const std::string& dir, FileSystem& fs);

// The Space hardware flavor used as README `suggested_hardware` for a target ("cpu-basic",
// "zero-a10g", "a100-large", "a100x4").
std::string_view SuggestedHardware(card::Hardware hardware);

// Validates one requirements.txt line (PEP 508-ish: name, extras, version specifiers or a URL,
// marker; or one of the pip options --extra-index-url / --find-links with an https URL). Comments
// and blank lines are valid. On failure, `why` (when given) says what is wrong.
bool IsValidRequirementLine(std::string_view line, std::string* why = nullptr);

// Runs external programs for checks (python3 -m py_compile). Injected so tests can fail it.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  struct Output {
    int exit_code = -1;
    std::string output;  // stdout + stderr, capped
  };
  // Runs argv with cwd = `dir`, a timeout, no shell.
  virtual Result<Output> Run(const std::vector<std::string>& argv, const std::string& dir,
                             int timeout_seconds) = 0;
};
std::unique_ptr<CommandRunner> NewProcessRunner();

struct CheckResult {
  std::string
      name;  // "yaml_header", "py_compile", "inference_call", "requirements", "no_secrets", ...
  bool passed = false;
  std::string detail;  // what was found or what went wrong (never a secret)
};

// Static checks on a generated Space already written to `dir` (a directory holding the files).
// Always runs every check; the caller decides what a failure means.
std::vector<CheckResult> RunStaticChecks(const GeneratedSpace& space, const std::string& dir,
                                         CommandRunner& runner);

bool AllPassed(const std::vector<CheckResult>& checks);

}  // namespace sf::spacegen

// factory/validate: the `validate` pipeline (DESIGN.md §4) and the reusable Space check behind it.
//
// Two layers:
//
// 1. CheckSpace(SpaceCheckOptions, http, …) — probes a RUNNING Gradio app at a base URL: /config,
//    /health (or the {P}/app_id surrogate), {P}/info, picks the generation endpoint, builds inputs
//    from its signature, calls it `repeats` times (serially: ZeroGPU queues hold one call), checks
//    each output's type (JSON shape; magic bytes for files), looks for placeholders, stores the
//    outputs in the run's artifacts/, and measures latency. It never throws and never returns an
//    error for a misbehaving Space: what went wrong is IN the SpaceCheck (see "Reading a
//    SpaceCheck"). The build pipeline calls it for its health/API gate (repeats = 0) and its smoke
//    test (repeats >= 1) once the Space is RUNNING.
//
// 2. Validate(ValidateOptions, Deps&) — the `spacefactory validate SPACE_ID|--url URL` command:
//    resolves the Space's host through the Hub, waits for RUNNING, runs CheckSpace, classifies into
//    the statuses of DESIGN.md §2 and writes the run record (state.json, events.jsonl, report.md,
//    artifacts/).
//
// Reading a SpaceCheck (for the build's gate and smoke test):
//   health passed          : check.health.passed       (/health 200, or /health 404 and
//                                                        {P}/app_id 200; how in check.health.probe)
//   API passed             : check.api.passed          (/config parsed AND {P}/info lists at least
//                                                        one named endpoint AND the endpoint to
//                                                        call was found)
//   gate passed            : check.GatePassed()        (health && API)
//   real output observed   : check.RealOutputObserved() (>= 1 call, every call returned output of
//                                                        the expected type, no placeholder sign)
//   placeholder            : check.placeholder          (evidence in check.placeholder_evidence)
//   why it stopped         : check.failure_stage / check.failure (empty when nothing failed)
// ClassifyCheck turns that into a status with its evidence; the rules are there.
//
// Secrets: the token goes only into Authorization headers (gradio and hub modules); it is never in
// a SpaceCheck, an event, the state or the report. A token is sent to a --url only when its host is
// a *.hf.space host or the Hub endpoint's host (see TokenAllowedFor).
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "factory/factory.h"
#include "gradio/gradio.h"
#include "http/http.h"
#include "hub/hub.h"
#include "runs/runs.h"

namespace sf::factory {

// ---------------------------------------------------------------------------------------------
// The Space check

struct SpaceCheckOptions {
  std::string base_url;  // the app root: "https://owner-name.hf.space", "http://127.0.0.1:7860"
  std::string token;     // optional; never stored anywhere
  std::string endpoint;  // "/generate" or "generate"; empty = discover (see ChooseEndpoint)
  int repeats = 3;       // generation calls; 0 = health/API gate only
  std::chrono::milliseconds call_timeout{300'000};  // per call (slow beyond it = failure)
  std::chrono::milliseconds request_timeout{30'000};
  // /config is retried while the app is unreachable or answers 429/5xx (still starting).
  int config_attempts = 2;
  std::chrono::milliseconds config_retry_delay{1'000};
  // The output kind the task calls for (text-to-image → kImage); nullopt = what /info declares for
  // the endpoint's first output. A mismatch with the declared or observed type is a wrong type.
  std::optional<gradio::OutputKind> expected_kind;
  // Where outputs go: <run>/artifacts/call-<n>-out-<i>.<ext> (+ one JSON per call). Both or none.
  runs::RunStore* store = nullptr;
  std::string run_id;
  // Different inputs per call (the constant-output check needs them); seeds the generated media.
  std::vector<std::string> prompts;  // empty = built-in prompts
  // On an `error` without detail from /call (Gradio < 6.13 sends data: null), run that call once
  // more through the queue protocol to learn the error text (ZeroGPU quota vs app error).
  bool diagnose_errors_via_queue = true;
  ProgressFn progress;  // optional
};

// Why a generation call failed, coarsely; ZeroGPU infrastructure errors (§6.6 of the reference) are
// not the app's fault and are kept apart.
enum class CallFailure {
  kNone,
  kAppError,         // `error` event / process_completed success:false / HTTP error on submit
  kTimeout,          // no result within call_timeout (slow)
  kStreamEnded,      // the event stream ended without `complete` or `error`
  kWrongType,        // output shape or bytes not of the declared / expected type
  kZeroGpuQuota,     // "exceeded your GPU quota"
  kZeroGpuNoGpu,     // "No GPU was available"
  kZeroGpuDuration,  // "requested GPU duration … larger than the maximum allowed"
  kZeroGpuAborted,   // "GPU task aborted" (the call outlived its @spaces.GPU duration)
  kTransport,        // the app could not be reached
};
std::string_view CallFailureName(CallFailure f);
// Maps an error message from a call to its class (substring match, as the wording drifts).
CallFailure ClassifyCallError(const Status& status);

struct OutputRecord {
  std::string component;  // declared by /info
  std::string kind;       // "text", "image", … (observed family)
  std::string media;      // "png", "wav", … for files
  std::size_t bytes = 0;  // file size, or the JSON dump size
  std::string artifact;   // path relative to the run dir ("" when nothing was stored)
  std::string preview;    // first 200 characters of a text / JSON value
  nlohmann::json detail = nlohmann::json::object();  // width/height, duration_s, …
};

struct CallRecord {
  int index = 0;      // 1-based
  std::string input;  // the primary input, for humans ("text: a red fox…")
  bool ok = false;    // returned, and every output had the expected type
  CallFailure failure = CallFailure::kNone;
  std::string error;      // message when !ok
  std::string protocol;   // "call" | "queue"
  double latency_ms = 0;  // submit → final event
  std::optional<double> server_duration_s;
  std::vector<OutputRecord> outputs;
  std::string fingerprint;  // sha256 of the outputs (file bytes / JSON), "" when !ok
  std::vector<std::string> placeholder_evidence;
};

struct HealthResult {
  bool passed = false;
  std::string probe;  // "/health", "/gradio_api/app_id", …
  int http_status = 0;
  std::string detail;
};

struct ApiResult {
  bool passed = false;
  std::string gradio_version;
  std::string api_prefix;
  std::string protocol;
  std::vector<std::string> endpoints;  // named endpoints, /info order
  std::string endpoint;                // the one chosen ("/generate")
  std::string endpoint_reason;         // "--endpoint", "named 'generate'", "the only endpoint", …
  nlohmann::json signature = nlohmann::json::object();  // {parameters:[...], returns:[...]}
  std::string expected_kind;                            // "image", …
};

struct SpaceCheck {
  std::string base_url;
  HealthResult health;
  ApiResult api;
  std::vector<CallRecord> calls;
  bool placeholder = false;
  std::vector<std::string> placeholder_evidence;
  // Latency over successful calls (end to end; server_duration when the queue protocol gave it).
  std::optional<double> latency_p50_ms;
  std::optional<double> latency_max_ms;
  std::optional<double> cold_latency_ms;  // the first call
  std::optional<int> recommended_zero_gpu_duration_s;
  std::string duration_note;
  // The first thing that stopped the check: stage is "config", "health", "info", "endpoint",
  // "inputs", "call" or "" (nothing failed); failure the message.
  std::string failure_stage;
  std::string failure;
  std::vector<std::string> warnings;
  // A response of the app carried `X-Spacefactory-Simulator: 1` (a Space of `spacefactory sim`).
  bool served_by_simulator = false;
  // /config could not be fetched for a transport reason or a 5xx/429 (unreachable, not started).
  bool unreachable = false;

  bool GatePassed() const { return health.passed && api.passed; }
  int CallsOk() const;
  bool RealOutputObserved() const;
  nlohmann::json ToJson() const;
};

// Runs the check. Only a programming error (empty base_url, repeats < 0, store without run_id) is
// an error Result; everything the Space does wrong is recorded in the SpaceCheck. `sleep` is not
// needed: calls are serial and bounded by their timeouts.
Result<SpaceCheck> CheckSpace(const SpaceCheckOptions& options, http::HttpClient& http);

// The endpoint to call: `wanted` when given (with or without '/'; kNotFound listing the endpoints
// when absent), else one named "generate", else the only endpoint, else the first named endpoint.
// `reason` says which rule chose it.
Result<const gradio::Endpoint*> ChooseEndpoint(const gradio::ApiInfo& info, std::string_view wanted,
                                               std::string* reason);

// Small deterministic media for file inputs: a `size`×`size` RGB PNG (stored deflate, valid CRCs)
// whose colours depend on `seed`, and a mono 16-bit PCM WAV tone of `millis` ms.
std::string MakeTestPng(int size, std::uint32_t seed);
std::string MakeTestWav(int millis, std::uint32_t seed);

// Placeholder signs in one output value (text, label, JSON): "placeholder", "not implemented",
// "lorem ipsum", "TODO", "dummy" phrases, and an echo of `input` (the input back with at most a
// short fixed decoration). Empty when none.
std::vector<std::string> TextPlaceholderSigns(const nlohmann::json& value, std::string_view input);
// Placeholder signs in media bytes: a 1×1 (or <= 4×4) image, silent or < 50 ms audio.
std::vector<std::string> MediaPlaceholderSigns(std::string_view bytes, nlohmann::json* detail);

// ZeroGPU duration from the slowest observed call, in seconds: ceil(max × 1.5) rounded up to a
// multiple of 5, clamped to [10, 120]. `note` explains the clamp / the >60 s caveat.
int RecommendZeroGpuDuration(double max_seconds, std::string* note);

// ---------------------------------------------------------------------------------------------
// Classification (DESIGN.md §2). Rules, in order:
//   gate failed (health or API)                        → failed
//   no call made (repeats = 0)                         → full_inference_candidate_health_passed if
//                                                        inference_path_known, else health_only
//   placeholder evidence                               → health_only (never higher)
//   a call failed for the app's sake (error, timeout,
//   stream ended, wrong type, ZeroGPU duration/abort)  → failed
//   a call refused by ZeroGPU quota / no GPU only      → as for "no call made" (not observed)
//   every call returned the expected type              → full_inference_success
struct Classification {
  runs::RunStatus status = runs::RunStatus::kFailed;
  std::string reason;
  std::vector<std::string> evidence;
};
Classification ClassifyCheck(const SpaceCheck& check, bool inference_path_known = false);

// The "## Validation" section of report.md for a SpaceCheck JSON (state["validation"]); the build
// report can append it too.
std::string RenderValidationSection(const nlohmann::json& validation);

// ---------------------------------------------------------------------------------------------
// Waiting for a Space (Hub runtime polling), for validate and the build's deploy steps.

struct SpaceWaitOptions {
  std::chrono::milliseconds timeout{900'000};
  std::chrono::milliseconds poll_interval{2'000};
  // A SLEEPING/STOPPED Space is woken by a request to its app; empty = do not try.
  std::string wake_url;
  std::string token;  // for the wake request
  // Where the logs of a BUILD_ERROR / RUNTIME_ERROR go: <run>/artifacts/space-<build|run>.log.
  runs::RunStore* store = nullptr;
  std::string run_id;
  std::function<void(std::chrono::milliseconds)> sleep;  // null: std::this_thread::sleep_for
  ProgressFn progress;
};

struct SpaceWait {
  bool running = false;                 // RUNNING was reached
  std::string stage;                    // the last stage seen (RUNNING, BUILD_ERROR, PAUSED, …)
  std::optional<std::string> hardware;  // hardware.current
  std::string error;                    // why not running ("" when running)
  std::vector<std::string> log_tail;    // last lines of the build/run log on an error stage
  std::string log_artifact;             // run-relative path of the stored log
  int polls = 0;
  bool timed_out = false;
};

// Polls GET /api/spaces/{id}/runtime until RUNNING, a fatal stage (PAUSED, BUILD_ERROR,
// RUNTIME_ERROR, CONFIG_ERROR, NO_APP_FILE, DELETING: logs fetched for the error stages), or the
// timeout. BUILDING/APP_STARTING (and RUNNING_* variants) wait; SLEEPING/STOPPED wake (wake_url)
// and wait. An error Result only when the Hub cannot be asked at all (unknown Space: kNotFound;
// unreachable: kUnavailable/kTimeout; refused: kPermissionDenied).
Result<SpaceWait> WaitForSpaceRunning(hub::HubClient& hub, http::HttpClient& http,
                                      const std::string& space_id, const Clock& clock,
                                      const SpaceWaitOptions& options);

// ---------------------------------------------------------------------------------------------
// The validate pipeline

struct ValidateOptions {
  std::string space_id;  // "owner/name" (exactly one of space_id / url)
  std::string url;       // --url: a Gradio app root; no Hub calls
  std::string endpoint;
  int repeats = 3;
  std::chrono::milliseconds call_timeout{300'000};
  std::chrono::milliseconds wait_timeout{900'000};  // until RUNNING
  std::chrono::milliseconds poll_interval{2'000};
  std::optional<gradio::OutputKind> expected_kind;
  // Waiting between polls; null = deps.sleep, else std::this_thread::sleep_for. Tests advance a
  // FakeClock here.
  std::function<void(std::chrono::milliseconds)> sleep;
};

struct ValidateOutcome {
  std::string run_id;
  runs::RunStatus status = runs::RunStatus::kFailed;
  std::string run_dir;
  std::string report_path;
  nlohmann::json state;
  // The Hub or the app could not be reached at all (transport): the CLI exits 3.
  bool remote_unreachable = false;
};

// A non-ok Result only when no run could be created (bad options: kInvalidArgument; the store
// refuses). Every other outcome — unknown Space, private without token, BUILD_ERROR, a broken app —
// is a run with a terminal status, its reason and a report.
Result<ValidateOutcome> Validate(const ValidateOptions& options, Deps& deps);

// report.md of a validate run: RenderReport(state) plus the Space, log tail, evidence and
// validation sections.
std::string RenderValidateReport(const nlohmann::json& state);

// Whether the HF token may go to `url`: *.hf.space hosts and the Hub endpoint's own host.
bool TokenAllowedFor(std::string_view url, std::string_view hub_endpoint);

}  // namespace sf::factory

// validate: what a SpaceCheck means (classification into the statuses of DESIGN.md §2), its JSON
// form for state.json, and its section of report.md.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "factory/internal.h"
#include "factory/validate.h"

namespace sf::factory {
namespace {

using nlohmann::json;

std::string Ms(double ms) {
  char buf[32];
  if (ms >= 10'000)
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  return buf;
}

bool IsZeroGpuInfra(CallFailure f) {
  return f == CallFailure::kZeroGpuQuota || f == CallFailure::kZeroGpuNoGpu;
}

}  // namespace

using internal::Cell;
using internal::Str;

int SpaceCheck::CallsOk() const {
  return static_cast<int>(std::count_if(calls.begin(), calls.end(), [](auto& c) { return c.ok; }));
}

bool SpaceCheck::RealOutputObserved() const {
  return GatePassed() && !calls.empty() && CallsOk() == static_cast<int>(calls.size()) &&
         failure.empty() && !placeholder;
}

json SpaceCheck::ToJson() const {
  json calls_json = json::array();
  for (const auto& c : calls) {
    json outs = json::array();
    for (const auto& o : c.outputs) {
      json oj = {{"component", o.component}, {"kind", o.kind}, {"bytes", o.bytes}};
      if (!o.media.empty()) oj["media"] = o.media;
      if (!o.artifact.empty()) oj["artifact"] = o.artifact;
      if (!o.preview.empty()) oj["preview"] = o.preview;
      if (!o.detail.empty()) oj["detail"] = o.detail;
      outs.push_back(std::move(oj));
    }
    json cj = {{"index", c.index},       {"input", c.input},           {"ok", c.ok},
               {"protocol", c.protocol}, {"latency_ms", c.latency_ms}, {"outputs", outs}};
    if (c.failure != CallFailure::kNone) cj["failure"] = std::string(CallFailureName(c.failure));
    if (!c.error.empty()) cj["error"] = c.error;
    if (c.server_duration_s) cj["server_duration_s"] = *c.server_duration_s;
    if (!c.fingerprint.empty()) cj["sha256"] = c.fingerprint;
    if (!c.placeholder_evidence.empty()) cj["placeholder_evidence"] = c.placeholder_evidence;
    calls_json.push_back(std::move(cj));
  }
  json j = {
      {"base_url", base_url},
      {"health",
       {{"passed", health.passed},
        {"probe", health.probe},
        {"http_status", health.http_status},
        {"detail", health.detail}}},
      {"api",
       {{"passed", api.passed},
        {"gradio_version", api.gradio_version},
        {"api_prefix", api.api_prefix},
        {"protocol", api.protocol},
        {"endpoints", api.endpoints},
        {"endpoint", api.endpoint},
        {"endpoint_reason", api.endpoint_reason},
        {"signature", api.signature},
        {"expected_kind", api.expected_kind}}},
      {"gate_passed", GatePassed()},
      {"calls", calls_json},
      {"calls_ok", CallsOk()},
      {"real_output_observed", RealOutputObserved()},
      {"placeholder", placeholder},
      {"placeholder_evidence", placeholder_evidence},
      {"served_by_simulator", served_by_simulator},
  };
  if (latency_p50_ms) j["latency_p50_ms"] = *latency_p50_ms;
  if (latency_max_ms) j["latency_max_ms"] = *latency_max_ms;
  if (cold_latency_ms) j["cold_latency_ms"] = *cold_latency_ms;
  if (recommended_zero_gpu_duration_s) {
    j["recommended_zero_gpu_duration_s"] = *recommended_zero_gpu_duration_s;
    j["duration_note"] = duration_note;
  }
  if (!failure_stage.empty()) {
    j["failure_stage"] = failure_stage;
    j["failure"] = failure;
  }
  if (!warnings.empty()) j["warnings"] = warnings;
  return j;
}

Classification ClassifyCheck(const SpaceCheck& check, bool inference_path_known) {
  using runs::RunStatus;
  Classification c;
  auto& ev = c.evidence;
  ev.push_back(check.health.passed ? "health: " + check.health.detail
                                   : "health failed: " + check.health.detail);
  if (check.api.passed) {
    ev.push_back("API: Gradio " +
                 (check.api.gradio_version.empty() ? "?" : check.api.gradio_version) +
                 ", endpoint " + check.api.endpoint + " (" + check.api.endpoint_reason + ")");
  }
  if (!check.GatePassed()) {
    c.status = RunStatus::kFailed;
    const std::string where = check.failure_stage.empty() ? "health" : check.failure_stage;
    c.reason = "the health/API gate failed at " + where + ": " +
               (check.failure.empty() ? check.health.detail : check.failure);
    return c;
  }
  auto not_observed = [&](const std::string& why) {
    if (inference_path_known) {
      c.status = RunStatus::kFullInferenceCandidateHealthPassed;
      c.reason = "health/API gate passed; the app has a real inference path; " + why;
    } else {
      c.status = RunStatus::kHealthOnly;
      c.reason = "health/API gate passed, but " + why;
    }
  };
  for (const auto& call : check.calls) {
    if (call.ok) {
      std::string kinds;
      for (const auto& o : call.outputs)
        kinds += (kinds.empty() ? "" : ", ") + o.kind + (o.media.empty() ? "" : "/" + o.media);
      ev.push_back("call " + std::to_string(call.index) + ": " + kinds + " in " +
                   Ms(call.latency_ms));
    } else {
      ev.push_back("call " + std::to_string(call.index) + " " +
                   std::string(CallFailureName(call.failure)) + ": " + call.error);
    }
  }
  if (check.placeholder) {
    // Never above health_only, whatever else was observed.
    for (const auto& p : check.placeholder_evidence) ev.push_back("placeholder: " + p);
    c.status = RunStatus::kHealthOnly;
    c.reason = "the endpoint answers, but its output looks like a placeholder (" +
               check.placeholder_evidence.front() + ")";
    return c;
  }
  if (check.failure_stage == "inputs") {
    not_observed("no generation call was made: " + check.failure);
    return c;
  }
  if (check.calls.empty()) {
    not_observed("generation was not smoke-tested");
    return c;
  }
  const CallRecord* bad = nullptr;
  for (const auto& call : check.calls)
    if (!call.ok) bad = &call;
  if (bad != nullptr && IsZeroGpuInfra(bad->failure)) {
    not_observed("ZeroGPU refused the call (" + std::string(CallFailureName(bad->failure)) +
                 "): not the app's fault, generation not observed; retry later or with more quota");
    return c;
  }
  if (bad != nullptr) {
    c.status = RunStatus::kFailed;
    std::string what = bad->failure == CallFailure::kWrongType     ? "returned the wrong type"
                       : bad->failure == CallFailure::kTimeout     ? "was too slow"
                       : bad->failure == CallFailure::kStreamEnded ? "ended without a result"
                       : bad->failure == CallFailure::kTransport   ? "could not be reached"
                                                                   : "failed";
    c.reason = "generation call " + std::to_string(bad->index) + " of " + check.api.endpoint + " " +
               what + ": " + bad->error;
    return c;
  }
  c.status = RunStatus::kFullInferenceSuccess;
  c.reason = std::to_string(check.CallsOk()) + " live call(s) of " + check.api.endpoint +
             " returned " + check.api.expected_kind + " output of the expected type";
  return c;
}

std::string RenderValidationSection(const json& v) {
  if (!v.is_object()) return {};
  std::string r = "## Validation\n\n";
  const json& h = v.value("health", json::object());
  const json& a = v.value("api", json::object());
  r += "| Check | Result | Detail |\n|---|---|---|\n";
  r += "| Health | " + std::string(h.value("passed", false) ? "pass" : "**FAIL**") + " | " +
       Cell(Str(h, "detail")) + " |\n";
  std::string api_detail;
  if (a.value("passed", false)) {
    api_detail = "Gradio " + Str(a, "gradio_version") + ", endpoint `" + Str(a, "endpoint") +
                 "` (" + Str(a, "endpoint_reason") +
                 "), expected output: " + Str(a, "expected_kind");
  } else if (Str(v, "failure_stage") == "config" || Str(v, "failure_stage") == "info" ||
             Str(v, "failure_stage") == "endpoint") {
    api_detail = Str(v, "failure");
  }
  r += "| API | " + std::string(a.value("passed", false) ? "pass" : "**FAIL**") + " | " +
       Cell(api_detail) + " |\n";
  const json& calls = v.value("calls", json::array());
  r += "| Generation | " +
       std::string(v.value("real_output_observed", false) ? "pass"
                   : calls.empty()                        ? "not run"
                                                          : "**FAIL**") +
       " | " + std::to_string(v.value("calls_ok", 0)) + " of " + std::to_string(calls.size()) +
       " call(s) returned the expected type |\n\n";

  if (!calls.empty()) {
    r += "| Call | Input | Result | Latency | Output |\n|---|---|---|---|---|\n";
    for (const auto& c : calls) {
      std::string out;
      for (const auto& o : c.value("outputs", json::array())) {
        std::string one = Str(o, "kind");
        if (auto m = Str(o, "media"); !m.empty()) one += "/" + m;
        if (o.contains("detail") && o["detail"].contains("width"))
          one += " " + o["detail"]["width"].dump() + "x" + o["detail"]["height"].dump();
        if (o.contains("detail") && o["detail"].contains("duration_s"))
          one += " " + o["detail"]["duration_s"].dump() + " s";
        if (auto p = Str(o, "preview"); !p.empty())
          one += ": " + (p.size() > 60 ? p.substr(0, 60) + "…" : p);
        if (auto art = Str(o, "artifact"); !art.empty()) one += " (`" + art + "`)";
        out += (out.empty() ? "" : "; ") + one;
      }
      std::string result = c.value("ok", false) ? "ok" : "**" + Str(c, "failure") + "**";
      if (!c.value("ok", false)) out = Str(c, "error");
      r += "| " + std::to_string(c.value("index", 0)) + " | " + Cell(Str(c, "input")) + " | " +
           result + " | " + Ms(c.value("latency_ms", 0.0)) + " | " + Cell(out) + " |\n";
    }
    r += "\n";
  }
  if (v.contains("latency_p50_ms")) {
    r += "Latency: p50 " + Ms(v["latency_p50_ms"].get<double>()) + ", max " +
         Ms(v.value("latency_max_ms", 0.0)) + ", first call " +
         Ms(v.value("cold_latency_ms", 0.0)) + ".\n\n";
  }
  if (v.contains("recommended_zero_gpu_duration_s")) {
    r += "Recommended ZeroGPU duration: `@spaces.GPU(duration=" +
         v["recommended_zero_gpu_duration_s"].dump() + ")` — " + Str(v, "duration_note") + ".\n\n";
  }
  const json& pe = v.value("placeholder_evidence", json::array());
  if (!pe.empty()) {
    r += "Placeholder evidence (a placeholder is never reported above `health_only`):\n\n";
    for (const auto& p : pe) r += "- " + p.get<std::string>() + "\n";
    r += "\n";
  }
  if (auto f = Str(v, "failure"); !f.empty())
    r += "Stopped at `" + Str(v, "failure_stage") + "`: " + Cell(f) + "\n\n";
  return r;
}

}  // namespace sf::factory

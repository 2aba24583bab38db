#include <cstdio>
#include <string>

#include "factory/factory.h"
#include "factory/internal.h"
#include "factory/validate.h"

namespace sf::factory {

namespace internal {

std::string Str(const json& j, const char* key, std::string fallback) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return fallback;
}

// Markdown table cells must not break the table.
std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace internal

namespace {

using internal::Cell;
using internal::Str;

using nlohmann::json;

// 0.49 → "0.49 B", 7 → "7 B", 0.0015 → "1.5 M".
std::string FormatBillions(double b) {
  char buf[32];
  if (b < 0.001) {
    std::snprintf(buf, sizeof buf, "%.3g K", b * 1e6);
  } else if (b < 1) {
    std::snprintf(buf, sizeof buf, "%.3g %s", b < 0.1 ? b * 1e3 : b, b < 0.1 ? "M" : "B");
  } else {
    std::snprintf(buf, sizeof buf, "%.4g B", b);
  }
  return buf;
}

std::string StatusMeaning(const std::string& status) {
  if (status == "full_inference_success")
    return "a live call of the generation endpoint returned output of the expected type.";
  if (status == "full_inference_candidate_health_passed")
    return "the Space boots and passed the health/API gate; generation was not smoke-tested.";
  if (status == "health_only") return "the Space boots, but no real inference path was validated.";
  if (status == "manual_hardware_required")
    return "generated and uploaded, but hardware could not be assigned automatically.";
  if (status == "technical_blocker")
    return "a hard blocker stops this model from becoming a Space.";
  if (status == "generated_only")
    return "the Space files were generated and statically checked; nothing was deployed.";
  if (status == "failed") return "the run failed; see the reason below.";
  return "the run has not finished.";
}

// What the deploy steps observed: the Space, the commit, the hardware (with the Hub's words on a
// refusal), the runtime stage and, when the Space failed, the tail of its log.
std::string RenderDeploySection(const json& state) {
  const json& d = state["deploy"];
  std::string r = "## Deployment\n\n| | |\n|---|---|\n";
  r += "| Space | `" + Cell(Str(state, "space_id")) + "` (private) |\n";
  if (d.contains("create"))
    r += "| Created | " +
         std::string(d["create"].value("reused", false)
                         ? "reused (created by this run before a crash)"
                         : "by this run") +
         " |\n";
  if (d.contains("commit")) {
    std::string c = Str(d["commit"], "commit");
    r += "| Commit | `" + c.substr(0, 12) + "`" +
         (d["commit"].value("recovered", false) ? " (found applied after a crash)" : "") + " |\n";
  }
  if (d.contains("hardware")) {
    const json& h = d["hardware"];
    std::string granted = h.contains("granted") && h["granted"].is_string()
                              ? "`" + h["granted"].get<std::string>() + "`"
                              : "**refused**";
    r += "| Hardware | " + granted + " |\n";
    for (const auto& a : h.value("attempts", json::array()))
      if (!a.value("granted", false))
        r += "| Refused `" + Str(a, "flavor") + "` | " + Cell(Str(a, "reason")) + " |\n";
  }
  if (d.contains("runtime")) {
    const json& rt = d["runtime"];
    r += "| Runtime stage | `" + Str(rt, "stage") + "`" +
         (rt.value("timed_out", false) ? " (timed out)" : "") + " |\n";
    if (auto e = Str(rt, "error"); !e.empty()) r += "| Runtime error | " + Cell(e) + " |\n";
    if (auto u = Str(rt, "space_url"); !u.empty()) r += "| App URL | " + u + " |\n";
  }
  r += "\n";
  if (d.contains("runtime")) {
    if (auto tail = Str(d["runtime"], "log_tail"); !tail.empty())
      r += "### Space log (last lines)\n\n```\n" + tail + "```\n\nFull log: `" +
           Str(d["runtime"], "log_file") + "`\n\n";
  }
  return r;
}

}  // namespace

std::string RenderReport(const json& state) {
  std::string status = Str(state, "status", "running");
  std::string r;
  r += "# Space Factory report: " + Str(state, "input", "(unknown input)") + "\n\n";
  if (state.value("simulated", false))
    r += "> **SIMULATED RUN** — against the offline simulator, not the real Hub. Nothing here was "
         "observed on huggingface.co.\n\n";
  r += "**Status: `" + status + "`** — " + StatusMeaning(status) + "\n\n";
  if (auto reason = Str(state, "reason"); !reason.empty()) r += "Reason: " + reason + "\n\n";

  r += "| | |\n|---|---|\n";
  r += "| Run | `" + Str(state, "run_id") + "` |\n";
  r += "| Started | " + Str(state, "created_at") + " |\n";
  if (auto f = Str(state, "finished_at"); !f.empty()) r += "| Finished | " + f + " |\n";
  r += "| Card source | `" + Cell(Str(state, "card_source")) + "` |\n";
  if (auto m = Str(state, "model_id"); !m.empty()) r += "| Model | `" + Cell(m) + "` |\n";

  const json& a = state.contains("analysis") ? state["analysis"] : json::object();
  if (!a.empty()) {
    r += "| Task | `" + Str(a, "task", "unknown") + "` (from " + Str(a, "task_source", "?") +
         ") |\n";
    if (auto lib = Str(a, "library"); !lib.empty()) r += "| Library | " + Cell(lib) + " |\n";
    std::string lic = Str(a, "license");
    r += "| Licence | " + Cell(lic.empty() ? "not declared" : lic) + " (" +
         Str(a, "license_class", "unknown") + ") |\n";
    if (a.contains("params_billions") && a["params_billions"].is_number())
      r += "| Parameters | " + Cell(FormatBillions(a["params_billions"].get<double>())) + " |\n";
    r += "| Recommended hardware | " + Str(a, "hardware") + " — " +
         Cell(Str(a, "hardware_reason")) + " |\n";
  }
  r += "\n";

  if (a.contains("blockers") && a["blockers"].is_array()) {
    r += "## Blockers\n\n";
    if (a["blockers"].empty()) {
      r += "None found in the card.\n\n";
    } else {
      r += "| Blocker | Severity | Evidence |\n|---|---|---|\n";
      for (const auto& b : a["blockers"]) {
        std::string where =
            b.value("line", 0) > 0 ? "line " + std::to_string(b.value("line", 0)) + ": " : "";
        r += "| `" + Str(b, "kind") + "` | " + (b.value("hard", false) ? "hard" : "warning") +
             " | " + Cell(where + Str(b, "evidence")) + " |\n";
      }
      r += "\n";
    }
  }
  if (a.contains("warnings") && a["warnings"].is_array() && !a["warnings"].empty()) {
    r += "## Warnings\n\n";
    for (const auto& w : a["warnings"])
      if (w.is_string()) r += "- " + w.get<std::string>() + "\n";
    r += "\n";
  }

  if (state.contains("space")) {
    const json& s = state["space"];
    r += "## Generated Space\n\n";
    r += "Template `" + Str(s, "task") + "` for hardware `" + Str(s, "hardware") +
         "` (agent: " + Str(s, "agent", "template") + "). Files in `generated/`:\n\n";
    for (const auto& f : s.value("files", json::array())) r += "- `" + f.get<std::string>() + "`\n";
    for (const auto& n : s.value("notes", json::array()))
      if (n.is_string()) r += "- note: " + n.get<std::string>() + "\n";
    r += "\n";
  }
  if (state.contains("checks") && state["checks"].is_array()) {
    r += "## Static checks\n\n| Check | Result | Detail |\n|---|---|---|\n";
    for (const auto& c : state["checks"])
      r += "| " + Str(c, "name") + " | " + (c.value("passed", false) ? "pass" : "**FAIL**") +
           " | " + Cell(Str(c, "detail")) + " |\n";
    r += "\n";
  }

  if (state.contains("deploy") && state["deploy"].is_object()) r += RenderDeploySection(state);
  if (state.contains("validation") && state.value("kind", "") == "build")
    r += RenderValidationSection(state["validation"]);

  if (state.contains("steps") && state["steps"].is_object() && !state["steps"].empty()) {
    r += "## Timings\n\n| Step | Duration |\n|---|---|\n";
    for (const auto& [name, s] : state["steps"].items()) {
      std::string d = s.contains("duration_ms")
                          ? std::to_string(s["duration_ms"].get<long long>()) + " ms"
                          : "not finished";
      r += "| " + name + " | " + d + " |\n";
    }
    r += "\n";
  }

  r += "## Links\n\n";
  if (state.contains("links")) {
    const json& l = state["links"];
    if (auto u = Str(l, "space"); !u.empty()) r += "- Space: " + u + "\n";
    if (auto u = Str(l, "space_settings"); !u.empty()) r += "- Space settings: " + u + "\n";
    if (auto u = Str(l, "job"); !u.empty()) r += "- Job: " + u + "\n";
    r += "- Run record: `" + Str(l, "run_dir") + "`\n";
  }
  if (status == "generated_only")
    r += "\nNext: deploy with a token (`HF_TOKEN=... spacefactory build ...`) once deployment is "
         "available, or upload `generated/` to a private Space yourself.\n";
  if (auto e = Str(state, "error"); !e.empty()) r += "\nError: `" + Cell(e) + "`\n";
  return r;
}

}  // namespace sf::factory

#include "factory/internal.h"

namespace sf::factory::internal {

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

Result<std::optional<json>> RunRecorder::Completed(std::string_view step) {
  return deps_.store.StepOutput(id_, std::string(step));
}

void RunRecorder::Boundary(std::string_view step, std::string_view phase) {
  if (deps_.boundary) deps_.boundary(step, phase);
}

Status RunRecorder::Begin(std::string_view step) {
  Boundary(step, "before");
  step_start_ = deps_.clock.Monotonic();
  json& s = state_["steps"][std::string(step)];
  if (!s.is_object()) s = json::object();
  s["started_at"] = FormatIso8601(deps_.clock.Now());
  SF_RETURN_IF_ERROR(deps_.store.StepStarted(id_, std::string(step)));
  Boundary(step, "started");
  return Status::Ok();
}

void RunRecorder::Applied(std::string_view step) { Boundary(step, "applied"); }

Status RunRecorder::Done(std::string_view step, const json& output, std::string_view message) {
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.Monotonic() - step_start_)
          .count();
  json& s = state_["steps"][std::string(step)];
  s["finished_at"] = FormatIso8601(deps_.clock.Now());
  s["duration_ms"] = ms;
  if (deps_.progress) deps_.progress(step, message);
  SF_RETURN_IF_ERROR(deps_.store.StepDone(id_, std::string(step), output));
  SF_RETURN_IF_ERROR(deps_.store.WriteState(id_, state_));
  Boundary(step, "done");
  return Status::Ok();
}

Status RunRecorder::Finish(RunStatus status, std::string reason) {
  state_["status"] = std::string(runs::StatusName(status));
  state_["reason"] = std::move(reason);
  state_["finished_at"] = FormatIso8601(deps_.clock.Now());
  SF_RETURN_IF_ERROR(deps_.store.WriteRunFile(id_, "report.md", RenderReport(state_)));
  SF_RETURN_IF_ERROR(deps_.store.AppendEvent(
      id_, "run_finished", {{"status", state_["status"]}, {"reason", state_["reason"]}}));
  return deps_.store.WriteState(id_, state_);
}

}  // namespace sf::factory::internal

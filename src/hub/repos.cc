// repos.cc: create and delete repositories (POST /api/repos/create, DELETE /api/repos/delete).
#include "hub/hub.h"
#include "hub/internal.h"

namespace sf::hub {

using internal::GetString;

Result<CreatedRepo> HubClient::CreateRepo(const CreateRepoOptions& o, RepoConflict* conflict) {
  const std::string type_name(RepoTypeName(o.type));
  const std::string what = "create " + type_name + " " + o.repo_id;
  if (!IsValidRepoId(o.repo_id)) return InvalidArgument("invalid repo id \"" + o.repo_id + "\"");
  if (!config_.token)
    return Status(Code::kPermissionDenied, what + ": creating a repo needs a token (HF_TOKEN)");
  auto [ns, name] = internal::SplitRepoId(o.repo_id);
  nlohmann::json body = {{"name", name}, {"type", type_name}, {"private", o.is_private}};
  // The Hub takes the namespace as `organization`; null means the caller's own account.
  body["organization"] = ns.empty() ? nlohmann::json(nullptr) : nlohmann::json(ns);
  if (o.type == RepoType::kSpace) {
    body["sdk"] = o.sdk.empty() ? "gradio" : o.sdk;
    if (o.hardware) body["hardware"] = *o.hardware;
    if (o.sleep_time_seconds) body["sleepTimeSeconds"] = *o.sleep_time_seconds;
  }
  // Not idempotent: never retried by the HTTP client.
  auto sent = http_.Send(JsonRequest("POST", config_.endpoint + "/api/repos/create", body));
  if (!sent.ok()) return Scrub(sent.status().WithContext(what));
  const http::Response& r = *sent;
  if (r.status == 409) {
    Status st = Scrub(StatusFromResponse(r, what));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::string msg = GetString(j, "error").value_or("");
    if (msg.find("conflicting operation") != std::string::npos)
      return Status(Code::kUnavailable,
                    what + ": another operation on this repo is in progress; try again shortly");
    RepoConflict c;
    c.url = GetString(j, "url").value_or("");
    c.message = msg;
    c.ours = msg.find("You already created") != std::string::npos;
    if (!ns.empty()) {
      // Best effort: whether the existing repo is private (a public one must not be reused as
      // the factory's private Space).
      if (auto info = GetRepoInfo(o.type, o.repo_id); info.ok()) c.is_private = info->is_private;
    }
    if (conflict != nullptr) *conflict = c;
    return Status(Code::kAlreadyExists, what + ": it already exists" +
                                            (c.ours ? " (created by this account)"
                                                    : " (not attributed to this account)") +
                                            (msg.empty() ? "" : ": " + msg));
  }
  if (r.status == 402) {
    std::string hub_msg = Scrub(StatusFromResponse(r, what)).message();
    std::string why =
        o.type == RepoType::kSpace && o.sdk != "static"
            ? "the Hub requires a paid plan (PRO, Team or Enterprise) to host " + o.sdk +
                  " Spaces on cpu-basic; free accounts may still host a few Gradio Spaces on "
                  "ZeroGPU (hardware zero-a10g), and static Spaces are free. Subscribe at "
                  "https://huggingface.co/pro or create the Space with hardware \"zero-a10g\""
            : "the Hub requires a paid plan for this";
    return Status(Code::kFailedPrecondition,
                  what + ": payment required (HTTP 402): " + why + ". Hub said: " + hub_msg);
  }
  if (r.status < 200 || r.status >= 300) return Scrub(StatusFromResponse(r, what));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  CreatedRepo created;
  created.url = GetString(j, "url").value_or("");
  created.repo_id = GetString(j, "name").value_or(o.repo_id);
  created.object_id = GetString(j, "id").value_or("");
  if (created.repo_id.find('/') == std::string::npos && !ns.empty()) created.repo_id = o.repo_id;
  return created;
}

Status HubClient::DeleteRepo(RepoType type, const std::string& repo_id) {
  const std::string what = "delete " + std::string(RepoTypeName(type)) + " " + repo_id;
  if (!IsValidRepoId(repo_id)) return InvalidArgument("invalid repo id \"" + repo_id + "\"");
  auto [ns, name] = internal::SplitRepoId(repo_id);
  nlohmann::json body = {{"name", name}, {"type", std::string(RepoTypeName(type))}};
  body["organization"] = ns.empty() ? nlohmann::json(nullptr) : nlohmann::json(ns);
  auto r = Call(JsonRequest("DELETE", config_.endpoint + "/api/repos/delete", body), what);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace sf::hub

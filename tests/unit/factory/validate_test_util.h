// A scripted Hub + Gradio 5 app for the validate tests: one HttpClient answering both hosts from
// switches a test flips (placeholder output, wrong bytes, error events, stages …).
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "factory/validate.h"
#include "http/http.h"

namespace sf::factory::testing_util {

inline const std::string kHub = "http://hub.test";
inline const std::string kApp = "http://app.test";

class FakeHttp final : public http::HttpClient {
 public:
  std::function<Result<http::Response>(const http::Request&)> handler;
  Result<http::Response> Send(const http::Request& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    return handler(r);
  }

 private:
  std::mutex mu_;
};

inline std::string SilentWav() {
  std::string wav = MakeTestWav(500, 0);
  std::fill(wav.begin() + 44, wav.end(), '\0');
  return wav;
}

struct FakeApp {
  using json = nlohmann::json;
  // Hub side.
  bool hub_down = false;
  bool hub_is_sim = false;
  bool space_exists = true;
  bool space_private = false;
  std::vector<std::string> stages = {"RUNNING"};
  // App side.
  std::string output_component = "Textbox";
  std::function<std::string(const std::string&)> text_reply = [](const std::string& in) {
    return "Here is a generated answer of reasonable length (" + std::to_string(in.size()) +
           " characters in).";
  };
  std::string config_body;  // empty: a good Gradio 5 config
  std::string config_type = "application/json";
  int health_status = 200;
  std::string sse_override;  // the whole result stream
  bool sse_timeout = false;
  std::string queue_error;  // queue protocol: process_completed with this error
  int png_size = 32;
  bool silent_audio = false;
  bool serve_wav_for_image = false;

  // Observations.
  bool saw_token_on_app = false;
  bool queue_joined = false;
  int hub_requests = 0;
  int wake_requests = 0;
  int calls = 0;
  std::size_t stage_index = 0;
  std::string last_input;

  static http::Response Json(int status, const json& body, http::Headers extra = {}) {
    extra.emplace_back("Content-Type", "application/json");
    return {status, std::move(extra), body.dump()};
  }

  std::string CurrentStage() const { return stages[std::min(stage_index, stages.size() - 1)]; }

  Result<http::Response> Handle(const http::Request& r) {
    const bool authed = http::FindHeader(r.headers, "Authorization").has_value();
    if (r.url.rfind(kHub, 0) == 0) {
      ++hub_requests;
      if (hub_down) return Unavailable("connection refused (hub.test)");
      http::Headers h;
      if (hub_is_sim) h.emplace_back("X-Spacefactory-Simulator", "1");
      const std::string path = r.url.substr(kHub.size());
      if (!space_exists || (space_private && !authed)) {
        h.emplace_back("X-Error-Code", "RepoNotFound");
        return Json(space_private ? 401 : 404, {{"error", "Repository not found"}}, h);
      }
      if (path == "/api/spaces/alice/demo/host")
        return Json(200, {{"subdomain", "alice-demo"}, {"host", kApp}}, h);
      if (path == "/api/spaces/alice/demo/runtime") {
        std::string stage = CurrentStage();
        if (stage_index + 1 < stages.size()) ++stage_index;
        return Json(
            200,
            {{"stage", stage},
             {"hardware", {{"current", "zero-a10g"}, {"requested", "zero-a10g"}}},
             {"errorMessage",
              stage.find("ERROR") != std::string::npos ? json("Space failed") : json(nullptr)}},
            h);
      }
      if (path.rfind("/api/spaces/alice/demo/logs/", 0) == 0) {
        std::string body;
        for (std::string line : {"Collecting torch", "pip install -r requirements.txt",
                                 "ERROR: No matching distribution found for torch==9.9"}) {
          body += "data: " + json{{"timestamp", "2026-11-24T07:00:00Z"}, {"data", line}}.dump() +
                  "\n\n";
        }
        h.emplace_back("Content-Type", "text/event-stream");
        return http::Response{200, h, body};
      }
      return Json(404, {{"error", "no route"}}, h);
    }
    if (r.url.rfind(kApp, 0) != 0) return Unavailable("connection refused (other host)");
    if (authed) saw_token_on_app = true;
    const std::string path = r.url.substr(kApp.size());
    if (CurrentStage() != "RUNNING") {
      ++wake_requests;
      return http::Response{503, {{"Content-Type", "text/html"}}, "<html>Space is starting</html>"};
    }
    if (space_private && !authed) {
      return http::Response{
          404, {{"Content-Type", "text/html"}}, "<!DOCTYPE html><html>404</html>"};
    }
    if (path == "/config") {
      if (!config_body.empty())
        return http::Response{200, {{"Content-Type", config_type}}, config_body};
      return Json(200, {{"version", "5.49.1"},
                        {"api_prefix", "/gradio_api"},
                        {"protocol", "sse_v3"},
                        {"dependencies", json::array({{{"id", 0}, {"api_name", "other"}},
                                                      {{"id", 1}, {"api_name", "generate"}}})}});
    }
    if (path == "/health")
      return Json(health_status, {{"status", health_status == 200 ? "ok" : "x"}});
    if (path == "/gradio_api/app_id") return Json(200, {{"app_id", 42}});
    if (path == "/gradio_api/info") {
      json text_param = {{"label", "prompt"},
                         {"parameter_name", "prompt"},
                         {"component", "Textbox"},
                         {"python_type", {{"type", "str"}}}};
      return Json(
          200,
          {{"named_endpoints",
            {{"/other",
              {{"parameters", json::array({text_param})},
               {"returns", json::array({{{"label", "x"}, {"component", "Textbox"}}})}}},
             {"/generate",
              {{"parameters", json::array({text_param})},
               {"returns", json::array({{{"label", "out"}, {"component", output_component}}})}}}}},
           {"unnamed_endpoints", json::object()}});
    }
    if (r.method == "POST" && path == "/gradio_api/call/generate") {
      ++calls;
      json body = json::parse(r.body, nullptr, false);
      last_input = body["data"][0].get<std::string>();
      return Json(200, {{"event_id", "e" + std::to_string(calls)}});
    }
    if (path.rfind("/gradio_api/call/generate/e", 0) == 0) {
      if (sse_timeout) return Status(Code::kTimeout, "GET app.test: operation timed out");
      http::Headers h = {{"Content-Type", "text/event-stream"}};
      if (!sse_override.empty()) return http::Response{200, h, sse_override};
      json value;
      const std::string n = std::to_string(calls);
      if (output_component == "Image" || output_component == "Audio") {
        std::string file = "/tmp/out-" + n + (output_component == "Image" ? ".png" : ".wav");
        value = {{"path", file},
                 {"url", kApp + "/gradio_api/file=" + file},
                 {"orig_name", file.substr(5)},
                 {"meta", {{"_type", "gradio.FileData"}}}};
      } else {
        value = text_reply(last_input);
      }
      return http::Response{200, h,
                            "event: heartbeat\ndata: null\n\nevent: complete\ndata: " +
                                json::array({value}).dump() + "\n\n"};
    }
    if (path.rfind("/gradio_api/file=/tmp/out-", 0) == 0) {
      const auto seed = static_cast<std::uint32_t>(std::stoi(path.substr(26)));
      std::string bytes;
      if (path.ends_with(".png"))
        bytes = serve_wav_for_image ? MakeTestWav(200, seed) : MakeTestPng(png_size, seed);
      else
        bytes = silent_audio ? SilentWav() : MakeTestWav(500, seed);
      return http::Response{200, {{"Content-Type", "application/octet-stream"}}, bytes};
    }
    if (r.method == "POST" && path == "/gradio_api/queue/join") {
      queue_joined = true;
      return Json(200, {{"event_id", "q1"}});
    }
    if (path.rfind("/gradio_api/queue/data", 0) == 0) {
      json done = {{"msg", "process_completed"},
                   {"event_id", "q1"},
                   {"success", false},
                   {"output", {{"error", queue_error}, {"title", "ZeroGPU quota exceeded"}}}};
      return http::Response{
          200,
          {{"Content-Type", "text/event-stream"}},
          "data: " + done.dump() +
              "\n\ndata: " + json{{"msg", "close_stream"}, {"event_id", nullptr}}.dump() + "\n\n"};
    }
    return http::Response{404, {{"Content-Type", "application/json"}}, R"({"detail":"Not Found"})"};
  }
};

}  // namespace sf::factory::testing_util

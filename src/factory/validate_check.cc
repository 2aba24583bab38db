// validate: CheckSpace — the health/API gate and the generation calls against a running Gradio app.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <thread>

#include "factory/validate.h"
#include "hub/hub.h"

namespace sf::factory {
namespace {

using gradio::OutputKind;
using nlohmann::json;

constexpr std::string_view kDefaultPrompts[] = {
    "a red fox standing in fresh snow, morning light",
    "a lighthouse on a rocky coast at dusk, oil painting",
    "three green apples on a wooden kitchen table",
    "a small sailboat on a calm lake under a starry sky",
    "an old bicycle leaning against a brick wall",
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view KindName(OutputKind k) {
  switch (k) {
    case OutputKind::kText:
      return "text";
    case OutputKind::kNumber:
      return "number";
    case OutputKind::kBool:
      return "bool";
    case OutputKind::kImage:
      return "image";
    case OutputKind::kAudio:
      return "audio";
    case OutputKind::kVideo:
      return "video";
    case OutputKind::kFile:
      return "file";
    case OutputKind::kLabel:
      return "label";
    case OutputKind::kJson:
      return "json";
    case OutputKind::kOther:
      break;
  }
  return "other";
}

bool IsTextComponent(std::string_view component) {
  const std::string c = Lower(component);
  return c == "textbox" || c == "text" || c == "textarea" || c == "multimodaltextbox" ||
         c == "code" || c == "markdown";
}

// Default > example > fallback, for inputs we do not generate.
json DefaultOr(const gradio::Parameter& p, json fallback) {
  if (p.has_default) return p.default_value;
  if (!p.example_input.is_null()) return p.example_input;
  return fallback;
}

std::string FileExtension(gradio::MediaType t, OutputKind kind) {
  std::string_view n = gradio::MediaTypeName(t);
  if (n != "unknown") return n == "jpeg" ? "jpg" : std::string(n);
  return kind == OutputKind::kText ? "txt" : "bin";
}

struct Inputs {
  json data = json::array();
  std::string summary;     // for humans
  std::string echo_input;  // the primary text input ("" when there is none)
};

Result<Inputs> BuildInputs(gradio::Client& client, const gradio::Endpoint& ep, int call,
                           const std::vector<std::string>& prompts) {
  Inputs in;
  bool primary_text_used = false;
  const std::string prompt = prompts[static_cast<std::size_t>(call - 1) % prompts.size()];
  const auto seed = static_cast<std::uint32_t>(call * 7919);
  std::vector<std::string> parts;
  for (const gradio::Parameter& p : ep.parameters) {
    const std::string c = Lower(p.component);
    const OutputKind kind = gradio::KindOfComponent(p.component);
    if (IsTextComponent(p.component) && !primary_text_used) {
      primary_text_used = true;
      in.data.push_back(prompt);
      in.echo_input = prompt;
      parts.push_back("text: \"" + prompt + "\"");
    } else if (IsTextComponent(p.component)) {
      json v = DefaultOr(p, "");
      in.data.push_back(v.is_string() ? v : json(""));
    } else if (kind == OutputKind::kImage || kind == OutputKind::kAudio || c == "file" ||
               c == "uploadbutton") {
      gradio::FilePart part;
      if (kind == OutputKind::kImage) {
        part = {"input-" + std::to_string(call) + ".png", "image/png", MakeTestPng(64, seed)};
        parts.push_back("image: generated 64x64 PNG #" + std::to_string(call));
      } else if (kind == OutputKind::kAudio) {
        part = {"input-" + std::to_string(call) + ".wav", "audio/wav", MakeTestWav(1000, seed)};
        parts.push_back("audio: generated 1 s WAV tone #" + std::to_string(call));
      } else {
        part = {"input-" + std::to_string(call) + ".txt", "text/plain", prompt + "\n"};
        parts.push_back("file: input-" + std::to_string(call) + ".txt");
      }
      auto fd = client.UploadAsFileData(part);
      if (!fd.ok()) return fd.status().WithContext("uploading the input for '" + p.label + "'");
      in.data.push_back(*fd);
    } else if (kind == OutputKind::kNumber) {
      json v = DefaultOr(p, 1);
      in.data.push_back(v.is_number() ? v : json(1));
    } else if (kind == OutputKind::kBool) {
      json v = DefaultOr(p, false);
      in.data.push_back(v.is_boolean() ? v : json(false));
    } else if (c == "dropdown" || c == "radio") {
      json v = DefaultOr(p, nullptr);
      if (v.is_null() && p.type.is_object() && p.type.contains("enum") &&
          p.type["enum"].is_array() && !p.type["enum"].empty()) {
        v = p.type["enum"][0];
      }
      in.data.push_back(v);
    } else if (c == "checkboxgroup") {
      in.data.push_back(DefaultOr(p, json::array()));
    } else if (c == "state") {
      in.data.push_back(nullptr);
    } else {
      // Video, Model3D, Dataframe, …: what the app itself offers (example_input of a file
      // component is a FileData with a public URL the server fetches).
      json v = DefaultOr(p, nullptr);
      if (v.is_null() && (kind == OutputKind::kVideo || kind == OutputKind::kFile)) {
        return Status(Code::kFailedPrecondition,
                      "cannot build an input for '" + p.label + "' (" + p.component +
                          "): no default or example value, and only text, image, audio and file "
                          "inputs are generated");
      }
      in.data.push_back(v);
    }
  }
  for (std::size_t i = 0; i < parts.size(); ++i) in.summary += (i ? "; " : "") + parts[i];
  if (in.summary.empty()) in.summary = "defaults only";
  return in;
}

double Percentile50(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

void ProbeHealth(http::HttpClient& http, const SpaceCheckOptions& o, const std::string& prefix,
                 SpaceCheck& check) {
  auto get = [&](const std::string& path) {
    http::Request r;
    r.url = o.base_url + path;
    r.total_timeout = o.request_timeout;
    if (!o.token.empty()) r.headers.emplace_back("Authorization", "Bearer " + o.token);
    auto resp = http.Send(r);
    if (resp.ok() &&
        http::FindHeader(resp->headers, "X-Spacefactory-Simulator").value_or("") == "1") {
      check.served_by_simulator = true;
    }
    return resp;
  };
  HealthResult& h = check.health;
  auto health = get("/health");
  h.probe = "/health";
  if (!health.ok()) {
    h.detail = health.status().message();
    return;
  }
  h.http_status = health->status;
  if (health->status == 200) {
    h.passed = true;
    h.detail = "GET /health answered 200";
    return;
  }
  if (health->status != 404) {
    h.detail = "GET /health answered HTTP " + std::to_string(health->status);
    return;
  }
  // Gradio has no /health of its own: {P}/app_id is the liveness surrogate (reference §4).
  h.probe = prefix + "/app_id";
  auto app_id = get(h.probe);
  if (!app_id.ok()) {
    h.detail = "no /health (404); " + app_id.status().message();
    return;
  }
  h.http_status = app_id->status;
  json j = json::parse(app_id->body, nullptr, false);
  h.passed = app_id->status == 200 && j.is_object() && j.contains("app_id");
  h.detail = h.passed ? "no /health (404); GET " + h.probe + " answered 200 with an app_id"
                      : "no /health (404); GET " + h.probe + " answered HTTP " +
                            std::to_string(app_id->status);
}

// Runs one call; fills `rec` (failure, outputs, artifacts, placeholder signs).
void RunCall(gradio::Client& client, const gradio::Endpoint& ep, const SpaceCheckOptions& o,
             OutputKind expected, const Inputs& in, CallRecord& rec) {
  gradio::CallOptions co;
  co.total_timeout = o.call_timeout;
  co.idle_timeout = std::min(o.call_timeout, std::chrono::milliseconds(60'000));
  const auto started = std::chrono::steady_clock::now();
  auto r = client.Call(ep.name, in.data, co);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  // Slow beyond the limit is a failure however the call ended: the HTTP layer may have retried a
  // stalled stream past the deadline, and a late `complete` must not count.
  const std::string over_limit = "no result within the " +
                                 std::to_string(o.call_timeout.count() / 1000) + " s limit (took " +
                                 std::to_string(elapsed.count()) + " ms)";
  if (elapsed > o.call_timeout) {
    rec.failure = CallFailure::kTimeout;
    rec.latency_ms = static_cast<double>(elapsed.count());
    rec.error = r.ok() ? over_limit : over_limit + "; then: " + r.status().message();
    return;
  }
  if (!r.ok() && o.diagnose_errors_via_queue && r.status().code() == Code::kRemote &&
      r.status().message().find("no detail") != std::string::npos) {
    // Gradio < 6.13 drops the error text on /call; the queue protocol carries it.
    auto q = client.CallViaQueue(ep.name, in.data, co);
    if (!q.ok()) {
      r = Status(q.status().code(), q.status().message() +
                                        " (error text from the queue "
                                        "protocol; /call gave none)");
    } else {
      rec.failure = CallFailure::kAppError;
      rec.error = r.status().message() +
                  "; the same input then succeeded through the queue protocol (flaky endpoint)";
      return;
    }
  }
  if (!r.ok()) {
    rec.failure = ClassifyCallError(r.status());
    rec.error = r.status().message();
    return;
  }
  rec.protocol = r->protocol;
  rec.latency_ms = static_cast<double>(r->latency.count());
  rec.server_duration_s = r->server_duration_s;
  auto checked = client.CheckOutput(ep, *r);
  if (!checked.ok()) {
    rec.failure = checked.status().code() == Code::kFailedPrecondition ? CallFailure::kWrongType
                                                                       : CallFailure::kAppError;
    rec.error = checked.status().message();
    return;
  }
  std::string fingerprint_input;
  for (std::size_t i = 0; i < checked->size(); ++i) {
    const gradio::CheckedOutput& c = (*checked)[i];
    OutputRecord out;
    out.component = c.component;
    out.kind = std::string(KindName(c.kind));
    std::string stem = "artifacts/call-" + std::to_string(rec.index) + "-out-" + std::to_string(i);
    if (c.bytes) {
      out.media = std::string(gradio::MediaTypeName(c.media));
      out.bytes = c.bytes->size();
      for (auto& s : MediaPlaceholderSigns(*c.bytes, &out.detail)) {
        rec.placeholder_evidence.push_back("call " + std::to_string(rec.index) + ": " + s);
      }
      fingerprint_input += *c.bytes;
      out.artifact = stem + "." + FileExtension(c.media, c.kind);
      if (o.store) {
        if (Status s = o.store->WriteRunFile(o.run_id, out.artifact, *c.bytes); !s.ok()) {
          out.artifact.clear();
        }
      }
    } else {
      const std::string dumped = c.value.dump();
      out.bytes = dumped.size();
      out.preview = c.value.is_string() ? c.value.get<std::string>() : dumped;
      if (out.preview.size() > 200) out.preview = out.preview.substr(0, 200) + "…";
      for (auto& s : TextPlaceholderSigns(c.value, in.echo_input)) {
        rec.placeholder_evidence.push_back("call " + std::to_string(rec.index) + ": " + s);
      }
      fingerprint_input += dumped;
      out.artifact = stem + ".json";
      if (o.store) {
        if (Status s = o.store->WriteRunFile(o.run_id, out.artifact, c.value.dump(2) + "\n");
            !s.ok()) {
          out.artifact.clear();
        }
      }
    }
    fingerprint_input += '\0';
    rec.outputs.push_back(std::move(out));
  }
  // The task's kind against what came back (an image app answering text is the wrong type even when
  // its /info says Textbox).
  if (!checked->empty() && expected != OutputKind::kOther && expected != OutputKind::kJson &&
      (*checked)[0].kind != expected) {
    rec.failure = CallFailure::kWrongType;
    rec.error = "expected " + std::string(KindName(expected)) + " output, the endpoint returned " +
                std::string(KindName((*checked)[0].kind)) + " (" + (*checked)[0].component + ")";
    return;
  }
  rec.fingerprint = hub::Sha256Hex(fingerprint_input);
  rec.ok = true;
}

}  // namespace

std::string_view CallFailureName(CallFailure f) {
  switch (f) {
    case CallFailure::kNone:
      return "none";
    case CallFailure::kAppError:
      return "app_error";
    case CallFailure::kTimeout:
      return "timeout";
    case CallFailure::kStreamEnded:
      return "stream_ended";
    case CallFailure::kWrongType:
      return "wrong_type";
    case CallFailure::kZeroGpuQuota:
      return "zerogpu_quota_exhausted";
    case CallFailure::kZeroGpuNoGpu:
      return "zerogpu_no_gpu";
    case CallFailure::kZeroGpuDuration:
      return "zerogpu_illegal_duration";
    case CallFailure::kZeroGpuAborted:
      return "zerogpu_aborted";
    case CallFailure::kTransport:
      return "unreachable";
  }
  return "unknown";
}

CallFailure ClassifyCallError(const Status& status) {
  const std::string m = Lower(status.message());
  if (m.find("gpu quota") != std::string::npos || m.find("zerogpu quota") != std::string::npos) {
    return CallFailure::kZeroGpuQuota;
  }
  if (m.find("no gpu was available") != std::string::npos ||
      m.find("zerogpu queue timeout") != std::string::npos) {
    return CallFailure::kZeroGpuNoGpu;
  }
  if (m.find("requested gpu duration") != std::string::npos ||
      m.find("illegal duration") != std::string::npos) {
    return CallFailure::kZeroGpuDuration;
  }
  if (m.find("gpu task aborted") != std::string::npos) return CallFailure::kZeroGpuAborted;
  if (status.code() == Code::kTimeout) return CallFailure::kTimeout;
  if (m.find("ended without 'complete'") != std::string::npos ||
      m.find("ended without") != std::string::npos) {
    return CallFailure::kStreamEnded;
  }
  if (status.code() == Code::kUnavailable) return CallFailure::kTransport;
  return CallFailure::kAppError;
}

Result<const gradio::Endpoint*> ChooseEndpoint(const gradio::ApiInfo& info, std::string_view wanted,
                                               std::string* reason) {
  auto say = [&](std::string r) {
    if (reason) *reason = std::move(r);
  };
  if (info.endpoints.empty()) {
    return Status(Code::kNotFound, "the app's API info lists no named endpoint");
  }
  if (!wanted.empty()) {
    if (const gradio::Endpoint* e = info.Find(wanted)) {
      say("--endpoint");
      return e;
    }
    std::string names;
    for (const auto& e : info.endpoints) names += (names.empty() ? "" : ", ") + e.name;
    std::string w(wanted);
    if (w.front() != '/') w = "/" + w;
    return Status(Code::kNotFound,
                  "no endpoint " + w + " in the app's API (it has: " + names + ")");
  }
  if (const gradio::Endpoint* e = info.Find("generate")) {
    say("named 'generate'");
    return e;
  }
  if (info.endpoints.size() == 1) {
    say("the only named endpoint");
    return &info.endpoints.front();
  }
  say("the first of " + std::to_string(info.endpoints.size()) + " named endpoints");
  return &info.endpoints.front();
}

Result<SpaceCheck> CheckSpace(const SpaceCheckOptions& o, http::HttpClient& http) {
  if (o.base_url.empty()) return InvalidArgument("CheckSpace: no base URL");
  if (o.repeats < 0) return InvalidArgument("CheckSpace: repeats must be >= 0");
  if (o.store != nullptr && o.run_id.empty())
    return InvalidArgument("CheckSpace: store without run");
  auto progress = [&](std::string_view step, const std::string& msg) {
    if (o.progress) o.progress(step, msg);
  };
  SpaceCheck check;
  check.base_url = o.base_url;
  while (!check.base_url.empty() && check.base_url.back() == '/') check.base_url.pop_back();
  SpaceCheckOptions opts = o;
  opts.base_url = check.base_url;
  const std::vector<std::string> prompts =
      o.prompts.empty()
          ? std::vector<std::string>(std::begin(kDefaultPrompts), std::end(kDefaultPrompts))
          : o.prompts;

  gradio::Client client(
      http, {.root_url = check.base_url, .token = o.token, .request_timeout = o.request_timeout});
  progress("config", "GET " + check.base_url + "/config");
  auto config = client.LoadConfig();
  for (int attempt = 1;
       attempt < o.config_attempts && !config.ok() &&
       (config.status().code() == Code::kUnavailable || config.status().code() == Code::kTimeout);
       ++attempt) {
    std::this_thread::sleep_for(o.config_retry_delay);
    config = client.LoadConfig();
  }
  if (!config.ok()) {
    ProbeHealth(http, opts, "/gradio_api", check);
    check.failure_stage = "config";
    check.failure = config.status().message();
    check.unreachable =
        config.status().code() == Code::kUnavailable || config.status().code() == Code::kTimeout;
    return check;
  }
  check.api.gradio_version = config->version;
  check.api.api_prefix = config->api_prefix;
  check.api.protocol = config->protocol;

  progress("health", "GET /health");
  ProbeHealth(http, opts, config->api_prefix, check);

  progress("info", "GET " + config->api_prefix + "/info");
  auto info = client.LoadInfo();
  if (!info.ok()) {
    check.failure_stage = "info";
    check.failure = info.status().message();
    return check;
  }
  for (const auto& e : info->endpoints) check.api.endpoints.push_back(e.name);
  auto chosen = ChooseEndpoint(*info, o.endpoint, &check.api.endpoint_reason);
  if (!chosen.ok()) {
    check.failure_stage = info->endpoints.empty() ? "info" : "endpoint";
    check.failure = chosen.status().message();
    return check;
  }
  const gradio::Endpoint& ep = **chosen;
  check.api.endpoint = ep.name;
  json params = json::array(), returns = json::array();
  for (const auto& p : ep.parameters)
    params.push_back({{"label", p.label}, {"name", p.name}, {"component", p.component}});
  for (const auto& p : ep.returns)
    returns.push_back({{"label", p.label}, {"component", p.component}});
  check.api.signature = {{"parameters", params}, {"returns", returns}};
  if (ep.returns.empty()) {
    check.failure_stage = "endpoint";
    check.failure = "endpoint " + ep.name + " declares no output";
    return check;
  }
  const OutputKind expected =
      o.expected_kind.value_or(gradio::KindOfComponent(ep.returns.front().component));
  check.api.expected_kind = std::string(KindName(expected));
  check.api.passed = true;
  if (!check.health.passed) {
    check.failure_stage = "health";
    check.failure = check.health.detail;
    return check;
  }

  std::vector<std::string> inputs_seen;
  for (int i = 1; i <= o.repeats; ++i) {
    auto in = BuildInputs(client, ep, i, prompts);
    if (!in.ok()) {
      check.failure_stage = "inputs";
      check.failure = in.status().message();
      break;
    }
    CallRecord rec;
    rec.index = i;
    rec.input = in->summary;
    progress("call", "call " + std::to_string(i) + "/" + std::to_string(o.repeats) + " of " +
                         ep.name + " (" + in->summary + ")");
    RunCall(client, ep, opts, expected, *in, rec);
    inputs_seen.push_back(in->summary);
    for (const auto& s : rec.placeholder_evidence) check.placeholder_evidence.push_back(s);
    const bool ok = rec.ok;
    if (!ok) {
      check.failure_stage = "call";
      check.failure = "call " + std::to_string(i) + ": " + rec.error;
    }
    check.calls.push_back(std::move(rec));
    if (!ok) break;  // bounded: a slow or broken endpoint is not hammered N times
  }

  // The same output for different inputs is a canned answer, not inference.
  std::vector<const CallRecord*> good;
  for (const auto& c : check.calls)
    if (c.ok) good.push_back(&c);
  if (good.size() >= 2) {
    bool same_output = std::all_of(good.begin(), good.end(), [&](const CallRecord* c) {
      return c->fingerprint == good.front()->fingerprint;
    });
    std::vector<std::string> distinct_inputs;
    for (const auto* c : good) distinct_inputs.push_back(c->input);
    std::sort(distinct_inputs.begin(), distinct_inputs.end());
    distinct_inputs.erase(std::unique(distinct_inputs.begin(), distinct_inputs.end()),
                          distinct_inputs.end());
    if (same_output && distinct_inputs.size() >= 2) {
      check.placeholder_evidence.push_back("the same output (sha256 " +
                                           good.front()->fingerprint.substr(0, 12) + "…) for " +
                                           std::to_string(good.size()) + " different inputs");
    }
  }
  check.placeholder = !check.placeholder_evidence.empty();

  if (!good.empty()) {
    std::vector<double> lat;
    double slowest_s = 0;
    for (const auto* c : good) {
      lat.push_back(c->latency_ms);
      // Server compute time when the queue protocol gave it, else end-to-end (an overestimate).
      slowest_s = std::max(slowest_s, c->server_duration_s.value_or(c->latency_ms / 1000.0));
    }
    check.latency_p50_ms = Percentile50(lat);
    check.latency_max_ms = *std::max_element(lat.begin(), lat.end());
    check.cold_latency_ms = good.front()->latency_ms;
    check.recommended_zero_gpu_duration_s =
        RecommendZeroGpuDuration(slowest_s, &check.duration_note);
  }
  return check;
}

}  // namespace sf::factory

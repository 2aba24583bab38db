// Simulated OpenAI-compatible providers (see providers.h). Delays, pacing and hangs run on the
// simulator's scheduler thread, never on an io thread.
#include "sim/providers.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <vector>

#include "sim/scheduler.h"

namespace sf::sim {
namespace {

using nlohmann::json;
using WriterPtr = std::shared_ptr<http::ResponseWriter>;
using Ms = std::chrono::milliseconds;

struct Rule {
  std::string provider, key_suffix, kind;
  int arg = -1;
  int count = -1;  // -1 = unlimited
  double prob = 1.0;
  int fired = 0;
  std::string text;
};

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

bool ParseInt(std::string_view s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

Result<std::vector<Rule>> ParseSpec(std::string_view spec) {
  std::vector<Rule> rules;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t end = spec.find(';', start);
    if (end == std::string_view::npos) end = spec.size();
    std::string text = Trim(spec.substr(start, end - start));
    start = end + 1;
    if (text.empty()) continue;
    auto bad = [&](const std::string& why) {
      return InvalidArgument("provider fault rule '" + text + "': " + why);
    };
    Rule r;
    r.text = text;
    auto eq = text.find('=');
    if (eq == std::string::npos) return bad("expected PROVIDER[:KEYSUFFIX]=KIND");
    std::string lhs = text.substr(0, eq), rhs = text.substr(eq + 1);
    if (auto colon = lhs.find(':'); colon != std::string::npos) {
      r.provider = lhs.substr(0, colon);
      r.key_suffix = lhs.substr(colon + 1);
    } else {
      r.provider = lhs;
    }
    if (r.provider.empty()) return bad("empty provider (use *)");
    if (auto at = rhs.find('@'); at != std::string::npos) {
      try {
        r.prob = std::stod(rhs.substr(at + 1));
      } catch (...) {
        return bad("bad probability");
      }
      if (r.prob < 0 || r.prob > 1) return bad("probability outside [0, 1]");
      rhs.resize(at);
    }
    if (auto x = rhs.rfind('x'); x != std::string::npos && x + 1 < rhs.size()) {
      int n = 0;
      if (ParseInt(std::string_view(rhs).substr(x + 1), n)) {
        r.count = n;
        rhs.resize(x);
      }
    }
    if (auto colon = rhs.find(':'); colon != std::string::npos) {
      if (!ParseInt(std::string_view(rhs).substr(colon + 1), r.arg)) return bad("bad argument");
      rhs.resize(colon);
    }
    r.kind = rhs;
    static const std::vector<std::string> kKinds = {"429", "500",   "502", "503",  "401",     "402",
                                                    "403", "reset", "cut", "hang", "echo-key"};
    if (std::find(kKinds.begin(), kKinds.end(), r.kind) == kKinds.end())
      return bad("unknown kind (429, 500, 502, 503, 401, 402, 403, reset, cut, hang, echo-key)");
    rules.push_back(std::move(r));
  }
  return rules;
}

http::Response ErrorJson(int status, const std::string& message, const std::string& type,
                         const std::string& code) {
  return http::JsonResponse(
      status,
      json{{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}
          .dump());
}

// What a request asks for, from its model name.
struct Mode {
  int delay_ms = 0;
  int deltas = 3;
  int interval_ms = 0;
  bool tools = false;
};

// False for a model name that is none of the modes (the provider answers 404).
bool ModeFor(const std::string& model, Mode& m) {
  int a = 0, b = 0;
  if (model == "instant") return true;
  if (model == "tools") {
    m.tools = true;
    return true;
  }
  if (model.starts_with("delay-") && ParseInt(std::string_view(model).substr(6), a)) {
    m.delay_ms = a;
    return true;
  }
  if (model.starts_with("paced-")) {
    std::string_view rest = std::string_view(model).substr(6);
    auto x = rest.find('x');
    if (x != std::string_view::npos && ParseInt(rest.substr(0, x), a) &&
        ParseInt(rest.substr(x + 1), b)) {
      m.deltas = std::min(a, 10000);
      m.interval_ms = b;
      return true;
    }
  }
  return false;
}

}  // namespace

struct ProviderSim::Impl : std::enable_shared_from_this<ProviderSim::Impl> {
  explicit Impl(std::uint64_t s) : rng(s) {}
  std::mutex mu;
  std::vector<Rule> rules;
  std::mt19937_64 rng;
  Scheduler scheduler;
  std::uint64_t requests = 0, ids = 0;
  std::map<std::string, std::uint64_t> by_key;  // last 4 characters of the key
  std::map<std::string, int> answered;
  std::map<std::string, int> calls;    // every chat request, per nonce
  std::map<std::string, int> dropped;  // calls answered by a reset (no byte at all)
  std::atomic<bool> stopped{false};

  std::optional<Rule> Decide(const std::string& provider, const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& r : rules) {
      if (r.provider != "*" && r.provider != provider) continue;
      if (!r.key_suffix.empty() && !key.ends_with(r.key_suffix)) continue;
      if (r.count >= 0 && r.fired >= r.count) continue;
      if (r.prob < 1.0 && std::uniform_real_distribution<double>(0, 1)(rng) >= r.prob) continue;
      ++r.fired;
      return r;
    }
    return std::nullopt;
  }

  void Answered(const std::string& nonce) {
    std::lock_guard<std::mutex> lock(mu);
    ++answered[nonce];
  }

  json Stats() {
    std::lock_guard<std::mutex> lock(mu);
    return {{"requests", requests},
            {"by_key", by_key},
            {"answered", answered},
            {"calls", calls},
            {"dropped", dropped}};
  }

  void Chat(const std::string& provider, http::ServerRequest& req, const WriterPtr& w);
  void Models(const WriterPtr& w);
};

namespace {

std::string Delta(int i) { return "tok" + std::to_string(i) + " "; }

std::string ChunkEvent(const std::string& id, const std::string& model, const json& delta,
                       const json& finish) {
  json c = {{"id", id},
            {"object", "chat.completion.chunk"},
            {"created", 1780000000},
            {"model", model},
            {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
  return "data: " + c.dump() + "\n\n";
}

const char* kToolArgs[] = {"{\"ci", "ty\":\"Pa", "ris\"}"};

std::vector<std::string> StreamEvents(const std::string& id, const std::string& model,
                                      const Mode& m) {
  std::vector<std::string> ev;
  ev.push_back(ChunkEvent(id, model, {{"role", "assistant"}, {"content", ""}}, nullptr));
  int completion = m.deltas;
  if (m.tools) {
    ev.push_back(ChunkEvent(id, model,
                            {{"tool_calls",
                              {{{"index", 0},
                                {"id", "call_sim_1"},
                                {"type", "function"},
                                {"function", {{"name", "get_weather"}, {"arguments", ""}}}}}}},
                            nullptr));
    for (const char* frag : kToolArgs)
      ev.push_back(ChunkEvent(
          id, model, {{"tool_calls", {{{"index", 0}, {"function", {{"arguments", frag}}}}}}},
          nullptr));
    ev.push_back(ChunkEvent(id, model, json::object(), "tool_calls"));
    completion = 7;
  } else {
    for (int i = 0; i < m.deltas; ++i)
      ev.push_back(ChunkEvent(id, model, {{"content", Delta(i)}}, nullptr));
    ev.push_back(ChunkEvent(id, model, json::object(), "stop"));
  }
  json usage = {{"id", id},
                {"object", "chat.completion.chunk"},
                {"created", 1780000000},
                {"model", model},
                {"choices", json::array()},
                {"usage",
                 {{"prompt_tokens", 5},
                  {"completion_tokens", completion},
                  {"total_tokens", 5 + completion}}}};
  ev.push_back("data: " + usage.dump() + "\n\n");
  ev.push_back("data: [DONE]\n\n");
  return ev;
}

std::string CompletionBody(const std::string& id, const std::string& model, const Mode& m) {
  json message = {{"role", "assistant"}};
  int completion = m.deltas;
  std::string finish = "stop";
  if (m.tools) {
    message["content"] = nullptr;
    message["tool_calls"] = {
        {{"id", "call_sim_1"},
         {"type", "function"},
         {"function",
          {{"name", "get_weather"},
           {"arguments", std::string(kToolArgs[0]) + kToolArgs[1] + kToolArgs[2]}}}}};
    finish = "tool_calls";
    completion = 7;
  } else {
    std::string text;
    for (int i = 0; i < m.deltas; ++i) text += Delta(i);
    message["content"] = text;
  }
  return json{
      {"id", id},
      {"object", "chat.completion"},
      {"created", 1780000000},
      {"model", model},
      {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", finish}}}},
      {"usage",
       {{"prompt_tokens", 5}, {"completion_tokens", completion}, {"total_tokens", 5 + completion}}}}
      .dump();
}

// Writes events i.. with `interval` between them on the scheduler; `cut` >= 0 drops the
// connection after that many events.
void Pace(std::shared_ptr<ProviderSim::Impl> impl, WriterPtr w,
          std::shared_ptr<std::vector<std::string>> events, std::size_t i, int interval, int cut,
          std::string nonce) {
  for (;;) {
    if (impl->stopped.load() || w->closed()) return;
    if (cut >= 0 && static_cast<int>(i) >= cut) return w->Abort();
    if (i >= events->size()) return w->End();
    w->Write((*events)[i]);
    if (i == 0) impl->Answered(nonce);
    ++i;
    if (interval > 0 && i < events->size()) {
      impl->scheduler.After(Ms(interval), [impl, w, events, i, interval, cut, nonce] {
        Pace(impl, w, events, i, interval, cut, nonce);
      });
      return;
    }
  }
}

}  // namespace

void ProviderSim::Impl::Chat(const std::string& provider, http::ServerRequest& req,
                             const WriterPtr& w) {
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string() ||
      !body.contains("messages") || !body["messages"].is_array())
    return w->Respond(ErrorJson(400, "body must have a string model and a messages array",
                                "invalid_request_error", "invalid_request"));
  std::string key = req.Header("Authorization").value_or("");
  if (!key.starts_with("Bearer ") || key.size() <= 7)
    return w->Respond(ErrorJson(401, "missing bearer key", "authentication_error", "no_key"));
  key = key.substr(7);
  const std::string model = body["model"].get<std::string>();
  const bool stream = body.value("stream", false);
  std::string nonce;
  if (body.contains("user") && body["user"].is_string()) {
    nonce = body["user"].get<std::string>();
  } else if (!body["messages"].empty() && body["messages"].back().is_object() &&
             body["messages"].back().contains("content") &&
             body["messages"].back()["content"].is_string()) {
    nonce = body["messages"].back()["content"].get<std::string>();
  }
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu);
    ++requests;
    ++calls[nonce];
    ++by_key[key.size() > 4 ? key.substr(key.size() - 4) : key];
    id = "chatcmpl-sim-" + std::to_string(++ids);
  }
  Mode mode;
  if (!ModeFor(model, mode))
    return w->Respond(ErrorJson(404, "The model '" + model + "' does not exist",
                                "invalid_request_error", "model_not_found"));
  int cut = -1;
  if (auto f = Decide(provider, key)) {
    if (f->kind == "reset") {
      {
        std::lock_guard<std::mutex> lock(mu);
        ++dropped[nonce];
      }
      return w->Abort();
    }
    if (f->kind == "hang") {
      scheduler.After(Ms(f->arg >= 0 ? f->arg : 60000), [w] { w->Abort(); });
      return;
    }
    if (f->kind == "echo-key")
      return w->Respond(ErrorJson(401, "Incorrect API key provided: " + key, "authentication_error",
                                  "invalid_api_key"));
    if (f->kind == "cut") {
      cut = std::max(0, f->arg);
    } else {
      int status = std::stoi(f->kind);
      http::Response r = ErrorJson(
          status,
          "simulated " + f->kind + " from provider " + provider + " (rule '" + f->text + "')",
          status == 429 ? "rate_limit_error" : "server_error", "sim_" + f->kind);
      if (status == 429 && f->arg >= 0)
        r.headers.emplace_back("Retry-After", std::to_string(f->arg));
      return w->Respond(std::move(r));
    }
  }
  auto self = shared_from_this();
  if (stream) {
    auto events = std::make_shared<std::vector<std::string>>(StreamEvents(id, model, mode));
    auto start = [self, w, events, mode, cut, nonce] {
      w->BeginSse();
      Pace(self, w, events, 0, mode.interval_ms, cut, nonce);
    };
    if (mode.delay_ms > 0)
      scheduler.After(Ms(mode.delay_ms), start);
    else
      start();
    return;
  }
  std::string text = CompletionBody(id, model, mode);
  int wait = mode.delay_ms + mode.deltas * mode.interval_ms;
  auto send = [self, w, text, cut, nonce] {
    if (cut >= 0) {
      w->Begin(200, {{"Content-Type", "application/json"}});
      w->Write(text.substr(0, text.size() / 2));
      w->Abort();
      return;
    }
    self->Answered(nonce);
    w->Respond(http::JsonResponse(200, text));
  };
  if (wait > 0)
    scheduler.After(Ms(wait), send);
  else
    send();
}

void ProviderSim::Impl::Models(const WriterPtr& w) {
  json data = json::array();
  for (const char* id : {"instant", "delay-50", "paced-8x20", "tools"})
    data.push_back({{"id", id}, {"object", "model"}, {"created", 1780000000}, {"owned_by", "sim"}});
  w->Respond(http::JsonResponse(200, json{{"object", "list"}, {"data", data}}.dump()));
}

ProviderSim::ProviderSim(std::uint64_t seed) : impl_(std::make_shared<Impl>(seed)) {}

ProviderSim::~ProviderSim() { Stop(); }

void ProviderSim::Stop() {
  impl_->stopped.store(true);
  impl_->scheduler.Stop();
}

Status ProviderSim::SetFaults(std::string_view spec) {
  SF_ASSIGN_OR_RETURN(auto rules, ParseSpec(spec));
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->rules = std::move(rules);
  return Status::Ok();
}

http::Handler ProviderSim::Wrap(http::Handler inner) {
  std::shared_ptr<Impl> impl = impl_;
  return [impl, inner = std::move(inner)](http::ServerRequest& req, WriterPtr w) {
    if (!req.path.starts_with("/_providers/")) return inner(req, std::move(w));
    std::string_view rest = std::string_view(req.path).substr(12);
    if (rest == "_faults") {
      if (req.method == "POST") {
        auto rules = ParseSpec(req.body);
        if (!rules.ok())
          return w->Respond(ErrorJson(400, rules.status().message(), "invalid", "bad_spec"));
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->rules = std::move(*rules);
      } else if (req.method == "DELETE") {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->rules.clear();
      }
      json out = json::array();
      std::lock_guard<std::mutex> lock(impl->mu);
      for (const auto& r : impl->rules) out.push_back({{"rule", r.text}, {"fired", r.fired}});
      return w->Respond(http::JsonResponse(200, json{{"rules", out}}.dump()));
    }
    if (rest == "_stats") {
      if (req.method == "DELETE") {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->requests = 0;
        impl->by_key.clear();
        impl->answered.clear();
        impl->calls.clear();
        impl->dropped.clear();
      }
      return w->Respond(http::JsonResponse(200, impl->Stats().dump()));
    }
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0)
      return w->Respond(ErrorJson(404, "unknown provider route", "not_found", "not_found"));
    std::string provider(rest.substr(0, slash));
    std::string_view route = rest.substr(slash);
    if (route == "/v1/chat/completions" && req.method == "POST")
      return impl->Chat(provider, req, w);
    if (route == "/v1/models" && req.method == "GET") return impl->Models(w);
    w->Respond(ErrorJson(404, "not simulated: " + req.method + " " + std::string(route),
                         "not_found", "not_found"));
  };
}

}  // namespace sf::sim

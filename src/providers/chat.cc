// One chat completion through the router: validate, plan, then attempts over the candidates with
// failover, breakers, a second round after a backoff that honours Retry-After, and the streaming
// rules (fail over only before the first byte reached the client; a cut after that ends with an
// SSE error event, never with [DONE]).
#include <cstring>

#include "providers/internal.h"

namespace sf::providers::internal {
namespace {

constexpr std::size_t kMaxErrorBody = 64u << 10;

double MsSince(std::chrono::steady_clock::time_point start,
               std::chrono::steady_clock::time_point now) {
  return std::chrono::duration<double, std::milli>(now - start).count();
}

// Index just past the last complete SSE event (a blank line: "\n\n" or "\n\r\n"), 0 if none.
std::size_t EventBoundary(std::string_view data) {
  for (std::size_t i = data.size(); i-- > 1;) {
    if (data[i] != '\n') continue;
    if (data[i - 1] == '\n') return i + 1;
    if (data[i - 1] == '\r' && i >= 2 && data[i - 2] == '\n') return i + 1;
  }
  return 0;
}

// A top-level "error" member in an event's JSON, without parsing it.
bool HasErrorMember(std::string_view data) {
  for (std::size_t pos = data.find("\"error\""); pos != std::string_view::npos;
       pos = data.find("\"error\"", pos + 1)) {
    if (pos > 0 && data[pos - 1] == '\\') continue;  // inside a string
    std::size_t after = pos + 7;
    while (after < data.size() && data[after] == ' ') ++after;
    if (after < data.size() && data[after] == ':') return true;
  }
  return false;
}

struct Attempt {
  enum Kind { kAnswered, kFailover } kind = kFailover;
  FailureKind failure = FailureKind::kRetryable;
  std::optional<Ms> retry_after;
  int status = 0;  // upstream HTTP status; 0 = transport failure
  Code transport = Code::kOk;
  std::string body;  // upstream error body (capped)
  std::string content_type;
  std::string reason;  // short, for logs and metrics: "429", "timeout", "connection"
};

class ChatRun {
 public:
  ChatRun(const ExecEnv& env, const Snapshot& snapshot,
          const std::shared_ptr<http::ResponseWriter>& writer)
      : env_(env), snapshot_(snapshot), writer_(writer), start_(env.clock->Monotonic()) {
    record_.time_ms = std::chrono::duration_cast<Ms>(env.clock->Now().time_since_epoch()).count();
  }

  void Run(std::string body, http::HttpClient& client) {
    if (env_.metrics) env_.metrics->InFlight(1);
    RunInner(std::move(body), client);
    record_.latency_ms = MsSince(start_, env_.clock->Monotonic());
    record_.attempts = attempts_;
    if (env_.metrics)
      env_.metrics->OnRequest(record_.provider, record_.key_id, record_.outcome, record_.status,
                              record_.latency_ms, record_.ttft_ms, attempts_);
    if (env_.ledger) env_.ledger->Record(std::move(record_));
    if (env_.metrics) env_.metrics->InFlight(-1);
  }

 private:
  void Answer(http::Response r, const std::string& outcome) {
    record_.status = r.status;
    record_.outcome = outcome;
    writer_->Respond(std::move(r));
  }

  void AnswerError(int status, std::string_view message, std::string_view type,
                   std::string_view code, std::string_view param = "") {
    Answer(ErrorResponse(status, message, type, code, param), "error");
  }

  void RunInner(std::string body, http::HttpClient& client) {
    json req;
    try {
      req = json::parse(body);
    } catch (const json::parse_error& e) {
      return AnswerError(400, std::string("request body is not valid JSON: ") + e.what(),
                         "invalid_request_error", "invalid_json");
    }
    if (!req.is_object())
      return AnswerError(400, "request body must be a JSON object", "invalid_request_error",
                         "invalid_type");
    auto model = req.find("model");
    if (model == req.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
      return AnswerError(400, "'model' must be a non-empty string", "invalid_request_error",
                         "invalid_type", "model");
    auto messages = req.find("messages");
    if (messages == req.end() || !messages->is_array())
      return AnswerError(400, "'messages' must be an array", "invalid_request_error",
                         "invalid_type", "messages");
    if (auto s = req.find("stream"); s != req.end() && !s->is_null()) {
      if (!s->is_boolean())
        return AnswerError(400, "'stream' must be a boolean", "invalid_request_error",
                           "invalid_type", "stream");
      stream_ = s->get<bool>();
    }
    record_.stream = stream_;
    const std::string& model_name = model->get_ref<const std::string&>();
    record_.model = model_name.substr(0, 200);
    Planned plan = PlanRoute(snapshot_, model_name);
    if (plan.error_status != 0)
      return AnswerError(plan.error_status, plan.error_message,
                         plan.error_status == 503 ? "service_unavailable" : "invalid_request_error",
                         plan.error_code, plan.error_status == 503 ? "" : "model");
    // The body as sent upstream, per upstream model name (only re-serialised when it changes).
    std::map<std::string, std::string> bodies;
    auto body_for = [&](const std::string& um) -> const std::string& {
      if (um == model_name) return body;
      auto it = bodies.find(um);
      if (it != bodies.end()) return it->second;
      json copy = req;
      copy["model"] = um;
      return bodies.emplace(um, copy.dump()).first->second;
    };

    const RouterOptions& opt = *env_.options;
    std::vector<bool> out_of_play(plan.candidates.size(), false);
    Attempt last;
    bool have_last = false;
    for (int round = 1; round <= opt.max_rounds; ++round) {
      for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
        if (out_of_play[i]) continue;
        if (Stopping()) return;
        Candidate& c = plan.candidates[i];
        if (!c.key->breaker.Allow(env_.clock->Monotonic())) continue;
        ++attempts_;
        c.key->requests.fetch_add(1, std::memory_order_relaxed);
        Attempt a = stream_ ? StreamAttempt(c, body_for(c.upstream_model), client)
                            : SendAttempt(c, body_for(c.upstream_model), client);
        if (a.kind == Attempt::kAnswered) return;
        c.key->failures.fetch_add(1, std::memory_order_relaxed);
        if (a.status == -1) {  // client went away before anything was decided
          c.key->breaker.OnAbandon();
          record_.outcome = "client_closed";
          record_.status = 499;
          return;
        }
        c.key->breaker.OnFailure(a.failure, env_.clock->Monotonic(), a.retry_after);
        if (a.failure == FailureKind::kKeyRejected) out_of_play[i] = true;
        if (env_.metrics)
          env_.metrics->OnAttemptFailure(c.provider->config.name, c.key->config.id, a.reason);
        if (env_.logger)
          env_.logger->Info("gateway: " + c.provider->config.name + " key " + c.key->config.id +
                            " failed (" + a.reason + "), trying the next candidate");
        last = std::move(a);
        have_last = true;
        record_.provider = c.provider->config.name;
        record_.key_id = c.key->config.id;
      }
      if (round == opt.max_rounds) break;
      // Wait for the earliest key to become available again, at least the backoff.
      auto now = env_.clock->Monotonic();
      std::optional<Ms> earliest;
      for (std::size_t i = 0; i < plan.candidates.size(); ++i) {
        if (out_of_play[i]) continue;
        Ms rem = plan.candidates[i].key->breaker.RemainingOpen(now);
        if (!earliest || rem < *earliest) earliest = rem;
      }
      if (!earliest) break;  // every key is dead
      Ms backoff = opt.initial_backoff * (1 << std::min(round - 1, 10));
      Ms wait = std::max(backoff, *earliest);
      if (wait > opt.max_retry_wait) break;
      if (env_.sleep) env_.sleep(wait);
    }
    FinalError(plan, have_last ? &last : nullptr);
  }

  bool Stopping() const { return env_.stopping && env_.stopping->load(std::memory_order_relaxed); }

  http::Request MakeRequest(const Candidate& c, const std::string& body) const {
    const RouterOptions& opt = *env_.options;
    http::Request r;
    r.method = "POST";
    r.url = c.provider->chat_url;
    r.headers.reserve(5);
    r.headers.emplace_back("Authorization", c.key->auth_header);
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("Accept", stream_ ? "text/event-stream" : "application/json");
    if (c.provider->config.kind == ProviderKind::kOpenRouter)
      r.headers.emplace_back("X-Title", "spacefactory");
    r.body = body;
    r.connect_timeout = opt.connect_timeout;
    r.total_timeout = stream_ ? Ms(0) : opt.request_timeout;
    r.idle_timeout =
        c.provider->ttft_timeout.count() > 0 ? c.provider->ttft_timeout : opt.ttft_timeout;
    // Chat completions have no side effect but billing; letting libcurl reuse connections is
    // what keeps the gateway fast. The router itself never re-sends after a committed answer.
    r.idempotent_override = true;
    return r;
  }

  http::Headers RouteHeaders(const Candidate& c) const {
    return {{"x-spacefactory-provider", c.provider->config.name},
            {"x-spacefactory-key-id", c.key->config.id},
            {"x-spacefactory-attempts", std::to_string(attempts_)}};
  }

  void Committed(const Candidate& c) {
    record_.provider = c.provider->config.name;
    record_.key_id = c.key->config.id;
  }

  // Classifies an upstream HTTP status; returns true when it is a failover (else: pass through).
  bool Classify(int status, const http::Headers& headers, Attempt& a) const {
    a.status = status;
    a.reason = std::to_string(status);
    if (status == 429) {
      a.failure = FailureKind::kRateLimited;
      a.retry_after = http::ServerRequestedWait(status, headers, env_.clock->Now());
      return true;
    }
    if (status == 401 || status == 402 || status == 403) {
      a.failure = FailureKind::kKeyRejected;
      return true;
    }
    if (status == 408 || status >= 500) {
      a.failure = FailureKind::kRetryable;
      return true;
    }
    return false;
  }

  Attempt TransportFailure(const Status& st) const {
    Attempt a;
    a.transport = st.code();
    a.reason = st.code() == Code::kTimeout ? "timeout" : "connection";
    a.failure = FailureKind::kRetryable;
    a.body = st.message();  // names method and host only (http.h)
    return a;
  }

  void PassThroughClientError(const Candidate& c, int status, const http::Headers& headers,
                              std::string body) {
    c.key->breaker.OnSuccess();  // the key works; the request was refused on its merits
    Committed(c);
    http::Response r;
    r.status = status;
    r.body = env_.redactor ? env_.redactor->Redact(body) : std::move(body);
    r.headers = RouteHeaders(c);
    r.headers.emplace_back("Content-Type",
                           http::FindHeader(headers, "Content-Type").value_or("application/json"));
    Answer(std::move(r), "error");
  }

  Attempt SendAttempt(const Candidate& c, const std::string& body, http::HttpClient& client) {
    auto res = client.Send(MakeRequest(c, body));
    if (!res.ok()) {
      if (res.status().code() == Code::kCancelled) {
        Attempt a;
        a.status = -1;
        return a;
      }
      return TransportFailure(res.status());
    }
    http::Response& up = *res;
    Attempt a;
    if (up.status >= 200 && up.status < 300) {
      c.key->breaker.OnSuccess();
      Committed(c);
      ExtractUsage(up.body, &record_.prompt_tokens, &record_.completion_tokens,
                   &record_.total_tokens);
      http::Response r;
      r.status = up.status;
      r.headers = RouteHeaders(c);
      r.headers.emplace_back(
          "Content-Type",
          http::FindHeader(up.headers, "Content-Type").value_or("application/json"));
      r.body = std::move(up.body);
      Answer(std::move(r), "ok");
      a.kind = Attempt::kAnswered;
      return a;
    }
    if (!Classify(up.status, up.headers, a)) {
      PassThroughClientError(c, up.status, up.headers, std::move(up.body));
      a.kind = Attempt::kAnswered;
      return a;
    }
    a.body = std::move(up.body);
    a.content_type = http::FindHeader(up.headers, "Content-Type").value_or("");
    return a;
  }

  Attempt StreamAttempt(const Candidate& c, const std::string& body, http::HttpClient& client) {
    int status = 0;
    http::Headers up_headers;
    std::string err_body, pending;
    bool committed = false, saw_done = false, saw_error_event = false, client_gone = false;
    http::SseParser parser;
    auto on_event = [&](const http::SseEvent& ev) {
      if (ev.data == "[DONE]") {
        saw_done = true;
      } else if (ev.event == "error" || HasErrorMember(ev.data)) {
        saw_error_event = true;
      } else if (ev.data.find("\"usage\":{") != std::string::npos ||
                 ev.data.find("\"usage\": {") != std::string::npos) {
        ExtractUsage(ev.data, &record_.prompt_tokens, &record_.completion_tokens,
                     &record_.total_tokens);
      }
      return true;
    };
    auto forward = [&](std::string_view seg) {
      if (seg.empty()) return;
      if (!committed) {
        committed = true;
        Committed(c);
        record_.ttft_ms = MsSince(start_, env_.clock->Monotonic());
        writer_->BeginSse(RouteHeaders(c));
      }
      parser.Feed(seg, on_event);
      writer_->Write(std::string(seg));
    };
    http::HeadersCallback on_headers = [&](int s, const http::Headers& h) {
      status = s;
      if (s < 200 || s >= 300) up_headers = h;
      return true;
    };
    http::ChunkCallback on_chunk = [&](std::string_view data) {
      if (status < 200 || status >= 300) {
        if (err_body.size() < kMaxErrorBody)
          err_body.append(data.substr(0, kMaxErrorBody - err_body.size()));
        return true;
      }
      if (writer_->closed() || Stopping()) {
        client_gone = true;
        return false;
      }
      // Forward whole events as soon as they are complete; hold back a partial one, so a cut
      // never leaves half an event in front of our error event.
      if (pending.empty()) {
        std::size_t b = EventBoundary(data);
        forward(data.substr(0, b));
        pending.assign(data.substr(b));
      } else {
        pending.append(data);
        std::size_t b = EventBoundary(pending);
        if (b > 0) {
          forward(std::string_view(pending).substr(0, b));
          pending.erase(0, b);
        }
      }
      return true;
    };
    auto res = client.Stream(MakeRequest(c, body), on_headers, on_chunk);
    Attempt a;
    if (committed) {
      a.kind = Attempt::kAnswered;
      record_.status = 200;
      if (client_gone) {
        record_.outcome = "client_closed";
        c.key->breaker.OnAbandon();
        return a;
      }
      if (res.ok() && saw_done && !saw_error_event) {
        c.key->breaker.OnSuccess();
        record_.outcome = "ok";
        writer_->End();
        return a;
      }
      if (saw_error_event) {
        // The upstream reported the failure itself (forwarded as is).
        record_.outcome = "upstream_error_event";
        if (!res.ok()) c.key->breaker.OnFailure(FailureKind::kRetryable, env_.clock->Monotonic());
        writer_->End();
        return a;
      }
      c.key->breaker.OnFailure(FailureKind::kRetryable, env_.clock->Monotonic());
      record_.outcome = "stream_interrupted";
      std::string why = res.ok()
                            ? "the upstream ended the stream without its end marker"
                            : "the upstream connection failed (" + res.status().message() + ")";
      json err = {{"error",
                   {{"message", "stream interrupted: " + why + "; provider " +
                                    c.provider->config.name + "; the answer is incomplete"},
                    {"type", "upstream_error"},
                    {"param", nullptr},
                    {"code", "stream_interrupted"}}}};
      writer_->Write("data: " + err.dump() + "\n\n");
      writer_->End();
      return a;
    }
    if (client_gone) {
      a.status = -1;
      return a;
    }
    if (!res.ok()) {
      if (res.status().code() == Code::kCancelled) {
        a.status = -1;
        return a;
      }
      return TransportFailure(res.status());
    }
    if (status >= 200 && status < 300) {
      // 200 but not one complete event: treat as a broken upstream.
      a.status = 502;
      a.reason = "empty stream";
      a.failure = FailureKind::kRetryable;
      a.body = "the upstream answered 200 without a complete event";
      return a;
    }
    if (!Classify(status, up_headers, a)) {
      PassThroughClientError(c, status, up_headers, std::move(err_body));
      a.kind = Attempt::kAnswered;
      return a;
    }
    a.body = std::move(err_body);
    a.content_type = http::FindHeader(up_headers, "Content-Type").value_or("");
    return a;
  }

  void FinalError(const Planned& plan, const Attempt* last) {
    http::Response r;
    if (last == nullptr) {
      // Nothing was tried: every key's breaker is open (or dead).
      Ms earliest = Ms::max();
      auto now = env_.clock->Monotonic();
      for (const auto& c : plan.candidates)
        earliest = std::min(earliest, c.key->breaker.RemainingOpen(now));
      r = ErrorResponse(503,
                        "every key that can serve this model is cooling down after failures "
                        "(circuit breaker open); see GET /api/providers",
                        "service_unavailable", "circuit_open");
      if (earliest != Ms::max() && earliest < Ms(24 * 3600 * 1000))
        r.headers.emplace_back(
            "Retry-After", std::to_string(std::max<long long>(1, (earliest.count() + 999) / 1000)));
      r.headers.emplace_back("x-spacefactory-attempts", "0");
      Answer(std::move(r), "error");
      return;
    }
    const std::string summary = "after " + std::to_string(attempts_) + " attempt" +
                                (attempts_ == 1 ? "" : "s") + " (last: " + record_.provider +
                                " key " + record_.key_id + ", " + last->reason + ")";
    if (last->status == 0) {
      int st = last->transport == Code::kTimeout ? 504 : 502;
      r = ErrorResponse(st,
                        "upstream " + std::string(st == 504 ? "timed out" : "unreachable") + " " +
                            summary + ": " + last->body,
                        "upstream_error", st == 504 ? "upstream_timeout" : "upstream_unreachable");
    } else {
      json parsed = json::parse(last->body, nullptr, false);
      if (parsed.is_object() && parsed.contains("error")) {
        r.status = last->status;
        r.headers.emplace_back("Content-Type", "application/json");
        r.body = last->body;
      } else {
        std::string type = last->status == 429   ? "rate_limit_error"
                           : last->status == 401 ? "authentication_error"
                           : last->status == 402 ? "insufficient_quota"
                           : last->status == 403 ? "permission_error"
                                                 : "upstream_error";
        r = ErrorResponse(last->status,
                          "upstream answered " + std::to_string(last->status) + " " + summary +
                              (last->body.empty() ? "" : ": " + last->body.substr(0, 500)),
                          type, "upstream_" + std::to_string(last->status));
      }
      if (last->status == 429 && last->retry_after)
        r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(
                                                  1, (last->retry_after->count() + 999) / 1000)));
    }
    if (env_.redactor) r.body = env_.redactor->Redact(r.body);
    // We already retried and failed over: a stock OpenAI client must not multiply that.
    if (attempts_ >= 2) r.headers.emplace_back("x-should-retry", "false");
    r.headers.emplace_back("x-spacefactory-attempts", std::to_string(attempts_));
    Answer(std::move(r), "error");
  }

  const ExecEnv& env_;
  const Snapshot& snapshot_;
  const std::shared_ptr<http::ResponseWriter>& writer_;
  std::chrono::steady_clock::time_point start_;
  bool stream_ = false;
  int attempts_ = 0;
  UsageRecord record_;
};

}  // namespace

bool ExtractUsage(std::string_view text, std::int64_t* prompt, std::int64_t* completion,
                  std::int64_t* total) {
  std::size_t pos = text.rfind("\"usage\"");
  if (pos == std::string_view::npos) return false;
  std::size_t open = text.find('{', pos);
  if (open == std::string_view::npos) return false;
  // `usage` holds numbers and nested objects of numbers: brace counting is enough.
  int depth = 0;
  std::size_t end = open;
  for (; end < text.size(); ++end) {
    if (text[end] == '{') ++depth;
    if (text[end] == '}' && --depth == 0) break;
  }
  if (end >= text.size()) return false;
  json u = json::parse(text.substr(open, end - open + 1), nullptr, false);
  if (!u.is_object()) return false;
  auto get = [&](const char* k, std::int64_t* out) {
    auto it = u.find(k);
    if (it != u.end() && it->is_number_integer()) *out = it->get<std::int64_t>();
  };
  get("prompt_tokens", prompt);
  get("completion_tokens", completion);
  get("total_tokens", total);
  return true;
}

void RunChat(const ExecEnv& env, const Snapshot& snapshot, std::string body,
             http::HttpClient& client, const std::shared_ptr<http::ResponseWriter>& writer) {
  ChatRun run(env, snapshot, writer);
  run.Run(std::move(body), client);
}

}  // namespace sf::providers::internal

// One chat completion through the router: validate, plan, then attempts over the candidates with
// failover, breakers, a second round after a backoff that honours Retry-After, and the streaming
// rules (fail over only before the first byte reached the client; a cut after that ends with an
// SSE error event, never with [DONE]). The run is a small state machine driven by the callbacks of
// its attempts, so it can run on the io thread serving the client without blocking it.
#include "providers/internal.h"

namespace sf::providers::internal {
namespace {

constexpr std::size_t kMaxErrorBody = 64u << 10;

double MsSince(std::chrono::steady_clock::time_point start,
               std::chrono::steady_clock::time_point now) {
  return std::chrono::duration<double, std::milli>(now - start).count();
}

struct Attempt {
  enum Kind { kAnswered, kFailover } kind = kFailover;
  FailureKind failure = FailureKind::kRetryable;
  std::optional<Ms> retry_after;
  int status = 0;  // upstream HTTP status; 0 = transport failure, -1 = the client went away
  Code transport = Code::kOk;
  std::string body;    // upstream error body (capped)
  std::string reason;  // short, for logs and metrics: "429", "timeout", "connection"
};

// What the callbacks of the attempt in flight collect (one attempt at a time).
struct InFlight {
  std::size_t index = 0;  // into plan_.candidates
  int status = 0;
  http::Headers headers;
  std::string body;  // non-stream: the answer; any non-2xx: the error body (capped)
  std::string pending;
  bool committed = false, saw_done = false, saw_error_event = false, client_gone = false;
  http::SseParser parser;
};

// One chat completion. Asynchronous: every attempt is started and its callbacks drive the run on;
// the run keeps itself alive through them (shared_from_this). Callbacks of one run never overlap,
// whichever thread they come on (the serving io thread, a worker, or the caller's thread).
class ChatRun : public std::enable_shared_from_this<ChatRun> {
 public:
  ChatRun(const ExecEnv& env, std::shared_ptr<const Snapshot> snapshot, RunContext ctx,
          std::shared_ptr<http::ResponseWriter> writer)
      : env_(env),
        snapshot_(std::move(snapshot)),
        ctx_(std::move(ctx)),
        writer_(std::move(writer)),
        start_(env.clock->Monotonic()) {
    record_.time_ms = std::chrono::duration_cast<Ms>(env.clock->Now().time_since_epoch()).count();
  }

  void Start(std::string body) {
    if (env_.metrics) env_.metrics->InFlight(1);
    body_ = std::move(body);
    if (!Prepare()) return Done();
    Next();
  }

 private:
  // Records the run once, whichever way it ended.
  void Done() {
    record_.latency_ms = MsSince(start_, env_.clock->Monotonic());
    record_.attempts = attempts_;
    if (env_.metrics)
      env_.metrics->OnRequest(record_.provider, record_.key_id, record_.outcome, record_.status,
                              record_.latency_ms, record_.ttft_ms, attempts_);
    if (env_.ledger) env_.ledger->Record(std::move(record_));
    if (env_.metrics) env_.metrics->InFlight(-1);
    writer_.reset();
  }

  void Answer(http::Response r, const std::string& outcome) {
    record_.status = r.status;
    record_.outcome = outcome;
    writer_->Respond(std::move(r));
  }

  void AnswerError(int status, std::string_view message, std::string_view type,
                   std::string_view code, std::string_view param = "") {
    Answer(ErrorResponse(status, message, type, code, param), "error");
  }

  // Parses and validates the request and plans the route; false when it was answered already.
  bool Prepare() {
    auto read = ReadChatRequest(body_, env_.parsers);
    if (!read.ok()) {
      AnswerError(400, "request body is not valid JSON: " + read.status().message(),
                  "invalid_request_error", "invalid_json");
      return false;
    }
    ChatRequestFields& f = *read;
    using Kind = ChatRequestFields::Kind;
    if (!f.top_is_object) {
      AnswerError(400, "request body must be a JSON object", "invalid_request_error",
                  "invalid_type");
      return false;
    }
    if (f.model != Kind::kString || f.model_name.empty()) {
      AnswerError(400, "'model' must be a non-empty string", "invalid_request_error",
                  "invalid_type", "model");
      return false;
    }
    if (f.messages != Kind::kArray) {
      AnswerError(400, "'messages' must be an array", "invalid_request_error", "invalid_type",
                  "messages");
      return false;
    }
    if (f.stream != Kind::kAbsent && f.stream != Kind::kNull) {
      if (f.stream != Kind::kBoolean) {
        AnswerError(400, "'stream' must be a boolean", "invalid_request_error", "invalid_type",
                    "stream");
        return false;
      }
      stream_ = f.stream_value;
    }
    record_.stream = stream_;
    model_ = std::move(f.model_name);
    record_.model = model_.substr(0, 200);
    plan_ = PlanRoute(*snapshot_, model_, /*explain=*/false);
    if (plan_.error_status != 0) {
      AnswerError(plan_.error_status, plan_.error_message,
                  plan_.error_status == 503 ? "service_unavailable" : "invalid_request_error",
                  plan_.error_code, plan_.error_status == 503 ? "" : "model");
      return false;
    }
    out_of_play_.assign(plan_.candidates.size(), false);
    return true;
  }

  // The body as sent upstream, per upstream model name (only re-serialised when it changes).
  const std::string& BodyFor(const std::string& upstream_model) {
    if (upstream_model == model_) return body_;
    auto it = bodies_.find(upstream_model);
    if (it != bodies_.end()) return it->second;
    // Only here is the request needed as a document (Prepare validated it).
    json req = json::parse(body_);
    req["model"] = upstream_model;
    return bodies_.emplace(upstream_model, req.dump()).first->second;
  }

  // Starts the next attempt of this round, or ends the round.
  void Next() {
    for (; next_ < plan_.candidates.size(); ++next_) {
      if (out_of_play_[next_]) continue;
      if (Stopping()) return Done();
      Candidate& c = plan_.candidates[next_];
      if (!c.key->breaker.Allow(env_.clock->Monotonic())) continue;
      ++attempts_;
      c.key->requests.fetch_add(1, std::memory_order_relaxed);
      return StartAttempt(next_++);
    }
    EndRound();
  }

  void EndRound() {
    const RouterOptions& opt = *env_.options;
    if (round_ < opt.max_rounds) {
      // Wait for the earliest key to become available again, at least the backoff.
      auto now = env_.clock->Monotonic();
      std::optional<Ms> earliest;
      for (std::size_t i = 0; i < plan_.candidates.size(); ++i) {
        if (out_of_play_[i]) continue;
        Ms rem = plan_.candidates[i].key->breaker.RemainingOpen(now);
        if (!earliest || rem < *earliest) earliest = rem;
      }
      if (earliest) {  // else every key is dead
        Ms backoff = opt.initial_backoff * (1 << std::min(round_ - 1, 10));
        Ms wait = std::max(backoff, *earliest);
        if (wait <= opt.max_retry_wait) {
          ++round_;
          next_ = 0;
          return After(wait, [self = shared_from_this()] { self->Next(); });
        }
      }
    }
    FinalError(have_last_ ? &last_ : nullptr);
    Done();
  }

  // Runs `fn` after `wait`: a timer on the serving loop, else a sleep on this thread.
  void After(Ms wait, std::function<void()> fn) {
    if (ctx_.loop != nullptr) return http::RunOnLoopAfter(*ctx_.loop, wait, std::move(fn));
    if (env_.sleep) env_.sleep(wait);
    fn();
  }

  // Sends one attempt: natively on the serving loop when the provider allows it, else through
  // libcurl on the caller's thread (Complete) or on a worker.
  void Send(const Candidate& c, http::Request r, http::HeadersCallback on_headers,
            http::ChunkCallback on_chunk, http::DoneCallback on_done) {
    if (ctx_.loop != nullptr && c.provider->on_loop)
      return http::StreamOnLoop(*ctx_.loop, std::move(r), std::move(on_headers),
                                std::move(on_chunk), std::move(on_done));
    if (ctx_.inline_client != nullptr)
      return on_done(ctx_.inline_client->Stream(r, on_headers, on_chunk));
    bool queued =
        ctx_.executor != nullptr && ctx_.executor->Submit([r = std::move(r), on_headers, on_chunk,
                                                           on_done](http::HttpClient& client) {
          on_done(client.Stream(r, on_headers, on_chunk));
        });
    if (!queued) on_done(Status(Code::kCancelled, "the gateway is shutting down"));
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
    // Chat completions have no side effect but billing; reusing connections is what keeps the
    // gateway fast. The router itself never re-sends after a committed answer.
    r.idempotent_override = true;
    return r;
  }

  http::Headers RouteHeaders(const Candidate& c) const {
    http::Headers h;
    h.reserve(4);  // and the Content-Type the callers add
    h.emplace_back("x-spacefactory-provider", c.provider->config.name);
    h.emplace_back("x-spacefactory-key-id", c.key->config.id);
    h.emplace_back("x-spacefactory-attempts", std::to_string(attempts_));
    return h;
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

  // A transfer that ended without a response: the client went away (a callback said stop), or a
  // transport failure (refused, reset, timeout).
  Attempt TransportFailure(const Status& st) const {
    Attempt a;
    if (st.code() == Code::kCancelled) {
      a.status = -1;
      return a;
    }
    a.transport = st.code();
    a.reason = st.code() == Code::kTimeout ? "timeout" : "connection";
    a.failure = FailureKind::kRetryable;
    a.body = st.message();  // names method and host only (http.h)
    return a;
  }

  // A non-2xx answer: a failover (429, 401/402/403, 408, 5xx) or a client error passed through.
  Attempt NotSuccess(const Candidate& c, InFlight& f) {
    Attempt a;
    if (!Classify(f.status, f.headers, a)) {
      PassThroughClientError(c, f.status, f.headers, std::move(f.body));
      a.kind = Attempt::kAnswered;
      return a;
    }
    a.body = std::move(f.body);
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

  void StartAttempt(std::size_t index) {
    cur_ = std::make_unique<InFlight>();
    cur_->index = index;
    const Candidate& c = plan_.candidates[index];
    auto self = shared_from_this();
    http::HeadersCallback on_headers = [self](int s, const http::Headers& h) {
      InFlight& f = *self->cur_;
      f.status = s;
      if (s < 200 || s >= 300) {
        f.headers = h;  // Retry-After, RateLimit, Content-Type of a failure
      } else if (auto type = http::FindHeader(h, "Content-Type")) {
        f.headers.emplace_back("Content-Type", std::move(*type));  // all a success needs
      }
      return true;
    };
    http::ChunkCallback on_chunk = [self](std::string_view data) { return self->OnChunk(data); };
    http::DoneCallback on_done = [self](Result<http::Response> res) {
      self->AttemptDone(std::move(res));
    };
    Send(c, MakeRequest(c, BodyFor(c.upstream_model)), std::move(on_headers), std::move(on_chunk),
         std::move(on_done));
  }

  bool OnChunk(std::string_view data) {
    InFlight& f = *cur_;
    if (f.status < 200 || f.status >= 300) {
      if (f.body.size() < kMaxErrorBody)
        f.body.append(data.substr(0, kMaxErrorBody - f.body.size()));
      return true;
    }
    if (!stream_) {
      f.body.append(data);
      return true;
    }
    if (writer_->closed() || Stopping()) {
      f.client_gone = true;
      return false;
    }
    // Forward whole events as soon as they are complete; hold back a partial one, so a cut never
    // leaves half an event in front of our error event.
    if (f.pending.empty()) {
      std::size_t b = EventBoundary(data);
      Forward(data.substr(0, b));
      f.pending.assign(data.substr(b));
    } else {
      f.pending.append(data);
      std::size_t b = EventBoundary(f.pending);
      if (b > 0) {
        Forward(std::string_view(f.pending).substr(0, b));
        f.pending.erase(0, b);
      }
    }
    return true;
  }

  void Forward(std::string_view seg) {
    if (seg.empty()) return;
    InFlight& f = *cur_;
    if (!f.committed) {
      f.committed = true;
      const Candidate& c = plan_.candidates[f.index];
      Committed(c);
      record_.ttft_ms = MsSince(start_, env_.clock->Monotonic());
      writer_->BeginSse(RouteHeaders(c));
    }
    f.parser.Feed(seg, [this](const http::SseEvent& ev) {
      if (ev.data == "[DONE]") {
        cur_->saw_done = true;
        return true;
      }
      const EventKeys keys = ScanEventKeys(ev.data);
      if (ev.event == "error" || keys.error) {
        cur_->saw_error_event = true;
      } else if (keys.usage) {
        ExtractUsage(ev.data, &record_.prompt_tokens, &record_.completion_tokens,
                     &record_.total_tokens, env_.parsers);
      }
      return true;
    });
    writer_->Write(std::string(seg));
  }

  void AttemptDone(Result<http::Response> res) {
    Candidate& c = plan_.candidates[cur_->index];
    Attempt a = stream_ ? FinishStream(c, res) : FinishSend(c, res);
    cur_.reset();
    if (a.kind == Attempt::kAnswered) return Done();
    c.key->failures.fetch_add(1, std::memory_order_relaxed);
    if (a.status == -1) {  // the client went away before anything was decided
      c.key->breaker.OnAbandon();
      record_.outcome = "client_closed";
      record_.status = 499;
      return Done();
    }
    c.key->breaker.OnFailure(a.failure, env_.clock->Monotonic(), a.retry_after);
    if (a.failure == FailureKind::kKeyRejected) out_of_play_[&c - plan_.candidates.data()] = true;
    if (env_.metrics)
      env_.metrics->OnAttemptFailure(c.provider->config.name, c.key->config.id, a.reason);
    if (env_.logger)
      env_.logger->Info("gateway: " + c.provider->config.name + " key " + c.key->config.id +
                        " failed (" + a.reason + "), trying the next candidate");
    last_ = std::move(a);
    have_last_ = true;
    record_.provider = c.provider->config.name;
    record_.key_id = c.key->config.id;
    Next();
  }

  Attempt FinishSend(const Candidate& c, Result<http::Response>& res) {
    if (!res.ok()) return TransportFailure(res.status());
    InFlight& f = *cur_;
    if (f.status >= 200 && f.status < 300) {
      c.key->breaker.OnSuccess();
      Committed(c);
      ExtractUsage(f.body, &record_.prompt_tokens, &record_.completion_tokens,
                   &record_.total_tokens, env_.parsers);
      http::Response r;
      r.status = f.status;
      r.headers = RouteHeaders(c);
      r.headers.emplace_back(
          "Content-Type", http::FindHeader(f.headers, "Content-Type").value_or("application/json"));
      r.body = std::move(f.body);
      Answer(std::move(r), "ok");
      Attempt a;
      a.kind = Attempt::kAnswered;
      return a;
    }
    return NotSuccess(c, f);
  }

  Attempt FinishStream(const Candidate& c, Result<http::Response>& res) {
    InFlight& f = *cur_;
    Attempt a;
    if (f.committed) {
      a.kind = Attempt::kAnswered;
      record_.status = 200;
      if (f.client_gone) {
        record_.outcome = "client_closed";
        c.key->breaker.OnAbandon();
        return a;
      }
      if (res.ok() && f.saw_done && !f.saw_error_event) {
        c.key->breaker.OnSuccess();
        record_.outcome = "ok";
        writer_->End();
        return a;
      }
      if (f.saw_error_event) {
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
    if (f.client_gone) {
      a.status = -1;
      return a;
    }
    if (!res.ok()) return TransportFailure(res.status());
    if (f.status >= 200 && f.status < 300) {
      // 200 but not one complete event: treat as a broken upstream.
      a.status = 502;
      a.reason = "empty stream";
      a.failure = FailureKind::kRetryable;
      a.body = "the upstream answered 200 without a complete event";
      return a;
    }
    return NotSuccess(c, f);
  }

  void FinalError(const Attempt* last) {
    const Planned& plan = plan_;
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
  std::shared_ptr<const Snapshot> snapshot_;
  RunContext ctx_;
  std::shared_ptr<http::ResponseWriter> writer_;
  std::chrono::steady_clock::time_point start_;
  std::string body_, model_;
  Planned plan_;
  std::map<std::string, std::string> bodies_;
  std::vector<bool> out_of_play_;
  int round_ = 1;
  std::size_t next_ = 0;
  std::unique_ptr<InFlight> cur_;
  Attempt last_;
  bool have_last_ = false;
  bool stream_ = false;
  int attempts_ = 0;
  UsageRecord record_;
};

}  // namespace

void StartChat(const ExecEnv& env, std::shared_ptr<const Snapshot> snapshot, std::string body,
               RunContext ctx, std::shared_ptr<http::ResponseWriter> writer) {
  auto run = std::make_shared<ChatRun>(env, std::move(snapshot), std::move(ctx), std::move(writer));
  run->Start(std::move(body));
}

}  // namespace sf::providers::internal

// Server (worker threads, live sessions) and Session (the legacy-era method dispatch of one
// client).
#include <algorithm>
#include <cmath>

#include "mcp/mcp.h"

namespace sf::mcp {

// ---------------------------------------------------------------------------------------------
// Server

Server::Server(ServerOptions options, std::shared_ptr<const Registry> registry)
    : options_(std::move(options)), registry_(std::move(registry)) {
  if (options_.version.empty()) options_.version = std::string(Version());
  int n = std::max(1, options_.worker_threads);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Server::~Server() { Shutdown(); }

std::shared_ptr<Session> Server::NewSession(std::string id) {
  auto s = std::make_shared<Session>(shared_from_this(), std::move(id));
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(sessions_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
  sessions_.push_back(s);
  return s;
}

bool Server::Submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void Server::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (...) {
      Log("mcp: a job threw; ignored");
    }
  }
}

void Server::NotifyResourceUpdated(const std::string& uri) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& w : sessions_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  json note = MakeNotification("notifications/resources/updated", {{"uri", uri}});
  for (const auto& s : live)
    if (s->IsSubscribed(uri)) s->SendStandalone(note);
}

void Server::Shutdown() {
  std::vector<std::shared_ptr<Session>> live;
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (const auto& w : sessions_)
      if (auto s = w.lock()) live.push_back(std::move(s));
    workers.swap(workers_);
  }
  for (const auto& s : live) s->Close();
  live.clear();
  cv_.notify_all();
  for (auto& t : workers) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach();  // the last reference was dropped by a job on this very worker
    else
      t.join();
  }
}

// ---------------------------------------------------------------------------------------------
// Session: a CallContext per tools/call

class Session::Call final : public CallContext {
 public:
  Call(Session& s, std::shared_ptr<Outbound> out, json token,
       std::shared_ptr<std::atomic<bool>> cancelled)
      : s_(s), out_(std::move(out)), token_(std::move(token)), cancelled_(std::move(cancelled)) {}

  void Progress(double progress, std::optional<double> total, std::string_view message) override {
    if (token_.is_null() || Cancelled() || !std::isfinite(progress)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (has_last_ && !(progress > last_)) return;
      has_last_ = true;
      last_ = progress;
    }
    json p = {{"progressToken", token_}, {"progress", progress}};
    if (total && std::isfinite(*total)) p["total"] = *total;
    if (!message.empty()) p["message"] = message;
    out_->Send(MakeNotification("notifications/progress", std::move(p)));
  }

  void Log(Level level, const json& data, std::string_view logger) override {
    if (Cancelled() || !s_.LevelEnabled(level)) return;
    json p = {{"level", LevelName(level)}, {"data", data}};
    if (!logger.empty()) p["logger"] = logger;
    out_->Send(MakeNotification("notifications/message", std::move(p)));
  }

  bool Cancelled() const override { return cancelled_->load() || s_.closed(); }

  Result<json> RequestClient(const std::string& method, json params) override {
    return s_.RequestClient(method, std::move(params), *out_, *cancelled_);
  }

  const json& ClientCapabilities() const override { return s_.client_capabilities_; }

 private:
  Session& s_;
  std::shared_ptr<Outbound> out_;
  json token_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::mutex mu_;
  bool has_last_ = false;
  double last_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Session

Session::Session(std::shared_ptr<Server> server, std::string id)
    : server_(std::move(server)), id_(std::move(id)) {}

bool Session::initialized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return initialized_;
}

std::string Session::protocol_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

bool Session::IsSubscribed(const std::string& uri) const {
  std::lock_guard<std::mutex> lock(mu_);
  return subscriptions_.count(uri) > 0;
}

void Session::SetStandalone(std::function<void(const json&)> send) {
  std::lock_guard<std::mutex> lock(mu_);
  standalone_ = std::move(send);
}

void Session::SendStandalone(const json& message) {
  std::function<void(const json&)> send;
  {
    std::lock_guard<std::mutex> lock(mu_);
    send = standalone_;
  }
  if (send) send(message);
}

bool Session::LevelEnabled(Level level) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !min_level_ || level >= *min_level_;
}

void Session::Close() {
  closed_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, f] : in_flight_) f.cancelled->store(true);
  for (auto& [id, p] : pending_) p->cv.notify_all();
  standalone_ = nullptr;
}

void Session::Handle(const Message& m, const std::shared_ptr<Outbound>& out) {
  switch (m.kind) {
    case MessageKind::kResponse:
      OnResponse(m);
      return;
    case MessageKind::kNotification:
      OnNotification(m);
      return;
    case MessageKind::kRequest:
      break;
  }
  bool deferred = false;
  json reply;
  try {
    reply = Dispatch(m, out, &deferred);
  } catch (const std::exception& e) {
    // nlohmann type errors on odd input shapes that slipped through the checks.
    reply = MakeError(m.id, err::kInternal, std::string("Internal error: ") + e.what());
    deferred = false;
  }
  if (!deferred && out) out->Reply(reply);
}

void Session::OnNotification(const Message& m) {
  if (m.method == "notifications/cancelled") {
    if (!m.params.is_object() || !m.params.contains("requestId")) return;
    std::string key = Serialize(m.params["requestId"]);
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = in_flight_.find(key); it != in_flight_.end()) it->second.cancelled->store(true);
    return;
  }
  // notifications/initialized, notifications/roots/list_changed, …: nothing to do.
}

void Session::OnResponse(const Message& m) {
  if (!m.id.is_number_integer()) return;
  std::shared_ptr<Pending> p;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(m.id.get<std::int64_t>());
    if (it == pending_.end()) return;  // late or unknown: ignore
    p = it->second;
  }
  {
    std::lock_guard<std::mutex> lock(p->mu);
    p->response = m.is_error_response() ? json{{"error", m.error}} : json{{"result", m.result}};
  }
  p->cv.notify_all();
}

namespace {

// Pages a list: the cursor is the decimal offset of the next item.
json Paginate(std::vector<json> items, const char* key, const json& params, std::size_t page,
              const json& id, bool* bad) {
  std::size_t start = 0;
  if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    const std::string* s = c->is_string() ? &c->get_ref<const std::string&>() : nullptr;
    bool ok = s && !s->empty() && s->size() < 10 &&
              s->find_first_not_of("0123456789") == std::string::npos;
    if (ok) start = std::stoul(*s);
    if (!ok || start > items.size()) {
      *bad = true;
      return MakeError(id, err::kInvalidParams, "Invalid params: unknown cursor");
    }
  }
  std::size_t end = std::min(items.size(), start + std::max<std::size_t>(1, page));
  json r = {{key, json::array()}};
  for (std::size_t i = start; i < end; ++i) r[key].push_back(std::move(items[i]));
  if (end < items.size()) r["nextCursor"] = std::to_string(end);
  return r;
}

const json* StringParam(const json& params, const char* name) {
  auto it = params.find(name);
  return it != params.end() && it->is_string() ? &*it : nullptr;
}

}  // namespace

json Session::Initialize(const Message& m) {
  const json& p = m.params;
  if (!p.is_object() || !StringParam(p, "protocolVersion"))
    return MakeError(m.id, err::kInvalidParams,
                     "Invalid params: initialize needs params.protocolVersion (a string)");
  std::string requested = p["protocolVersion"].get<std::string>();
  if (IsModernVersion(requested)) {
    json e = UnsupportedVersionError(m.id, requested);
    e["error"]["code"] = err::kInvalidParams;  // the legacy initialize convention
    return e;
  }
  if (auto c = p.find("capabilities"); c != p.end() && !c->is_object())
    return MakeError(m.id, err::kInvalidParams, "Invalid params: capabilities must be an object");
  if (auto c = p.find("clientInfo"); c != p.end() && !c->is_object())
    return MakeError(m.id, err::kInvalidParams, "Invalid params: clientInfo must be an object");
  std::string version = IsSupportedVersion(requested) ? requested : std::string(kLatestVersion);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (initialized_)
      return MakeError(m.id, err::kInvalidRequest,
                       "Invalid Request: the session is already initialized");
    initialized_ = true;
    version_ = version;
    client_capabilities_ = p.value("capabilities", json::object());
    client_info_ = p.value("clientInfo", json::object());
  }
  const ServerOptions& o = server_->options();
  json result = {
      {"protocolVersion", version},
      {"capabilities",
       {{"logging", json::object()},
        {"completions", json::object()},
        {"prompts", {{"listChanged", false}}},
        {"resources", {{"subscribe", true}, {"listChanged", false}}},
        {"tools", {{"listChanged", false}}}}},
      {"serverInfo", {{"name", o.name}, {"title", o.title}, {"version", o.version}}},
  };
  if (!o.instructions.empty()) result["instructions"] = o.instructions;
  return MakeResult(m.id, std::move(result));
}

json Session::Dispatch(const Message& m, const std::shared_ptr<Outbound>& out, bool* deferred) {
  const std::string& method = m.method;
  if (method == "initialize") return Initialize(m);
  if (method == "ping") return MakeResult(m.id, json::object());
  const json* meta_version = nullptr;
  if (m.params.is_object()) {
    if (auto meta = m.params.find("_meta"); meta != m.params.end() && meta->is_object())
      meta_version = StringParam(*meta, "io.modelcontextprotocol/protocolVersion");
  }
  if (!initialized()) {
    // A stateless-era client (2026-07-28) announces itself per request instead of initializing.
    if (method == "server/discover" || meta_version)
      return UnsupportedVersionError(
          m.id, meta_version ? meta_version->get<std::string>() : std::string(kModernVersion));
    return MakeError(m.id, err::kInvalidRequest,
                     "Invalid Request: the session is not initialized; send initialize first");
  }
  if (m.params.is_array())
    return MakeError(m.id, err::kInvalidParams, "Invalid params: params must be an object");
  static const json kNoParams = json::object();  // immutable
  const json& params = m.params.is_object() ? m.params : kNoParams;
  const Registry& reg = server_->registry();
  const std::size_t page = server_->options().page_size;
  bool bad = false;
  auto list = [&](std::vector<json> items, const char* key) {
    json r = Paginate(std::move(items), key, params, page, m.id, &bad);
    return bad ? r : MakeResult(m.id, std::move(r));
  };

  if (method == "tools/call") return CallTool(m, out, deferred);
  if (method == "tools/list") return list(reg.ToolDefinitions(), "tools");
  if (method == "resources/list") return list(reg.ResourceDefinitions(), "resources");
  if (method == "resources/templates/list")
    return list(reg.TemplateDefinitions(), "resourceTemplates");
  if (method == "prompts/list") return list(reg.PromptDefinitions(), "prompts");

  if (method == "logging/setLevel") {
    const json* level = StringParam(params, "level");
    auto parsed = level ? LevelFromName(level->get<std::string>()) : std::nullopt;
    if (!parsed)
      return MakeError(m.id, err::kInvalidParams,
                       "Invalid params: level must be one of debug, info, notice, warning, error, "
                       "critical, alert, emergency");
    std::lock_guard<std::mutex> lock(mu_);
    min_level_ = *parsed;
    return MakeResult(m.id, json::object());
  }

  if (method == "resources/read" || method == "resources/subscribe" ||
      method == "resources/unsubscribe") {
    const json* uri = StringParam(params, "uri");
    if (!uri)
      return MakeError(m.id, err::kInvalidParams, "Invalid params: uri (a string) is required");
    std::string u = uri->get<std::string>();
    if (method == "resources/unsubscribe") {
      std::lock_guard<std::mutex> lock(mu_);
      subscriptions_.erase(u);
      return MakeResult(m.id, json::object());
    }
    if (method == "resources/subscribe") {
      if (!reg.KnowsResource(u))
        return MakeError(m.id, err::kResourceNotFound, "Resource not found: " + u, {{"uri", u}});
      std::lock_guard<std::mutex> lock(mu_);
      subscriptions_.insert(u);
      return MakeResult(m.id, json::object());
    }
    auto contents = reg.ReadResource(u);
    if (!contents.ok()) {
      if (contents.status().code() == Code::kNotFound)
        return MakeError(m.id, err::kResourceNotFound, contents.status().message(), {{"uri", u}});
      if (contents.status().code() == Code::kInvalidArgument)
        return MakeError(m.id, err::kInvalidParams, contents.status().message(), {{"uri", u}});
      return MakeError(m.id, err::kInternal, contents.status().message(), {{"uri", u}});
    }
    return MakeResult(m.id, {{"contents", *contents}});
  }

  if (method == "prompts/get") {
    const json* name = StringParam(params, "name");
    if (!name)
      return MakeError(m.id, err::kInvalidParams, "Invalid params: name (a string) is required");
    const Prompt* prompt = reg.FindPrompt(name->get<std::string>());
    if (!prompt)
      return MakeError(m.id, err::kInvalidParams, "Invalid params: unknown prompt " + name->dump());
    std::map<std::string, std::string> args;
    if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
      if (!a->is_object())
        return MakeError(m.id, err::kInvalidParams, "Invalid params: arguments must be an object");
      for (const auto& [k, v] : a->items()) {
        if (!v.is_string())
          return MakeError(m.id, err::kInvalidParams,
                           "Invalid params: prompt argument " + k + " must be a string");
        args[k] = v.get<std::string>();
      }
    }
    for (const auto& arg : prompt->definition.value("arguments", json::array()))
      if (arg.value("required", false) && !args.count(arg.value("name", "")))
        return MakeError(m.id, err::kInvalidParams,
                         "Invalid params: missing required argument " + arg.value("name", ""));
    auto r = prompt->get(args);
    if (!r.ok())
      return MakeError(m.id,
                       r.status().code() == Code::kInternal ? err::kInternal : err::kInvalidParams,
                       r.status().message());
    return MakeResult(m.id, *r);
  }

  if (method == "completion/complete") {
    auto ref = params.find("ref");
    auto arg = params.find("argument");
    if (ref == params.end() || !ref->is_object() || arg == params.end() || !arg->is_object() ||
        !StringParam(*arg, "name") || !StringParam(*arg, "value"))
      return MakeError(m.id, err::kInvalidParams,
                       "Invalid params: completion/complete needs ref {type, name|uri} and "
                       "argument {name, value}");
    json context = json::object();
    if (auto c = params.find("context"); c != params.end() && c->is_object())
      context = c->value("arguments", json::object());
    auto values = reg.Complete(*ref, (*arg)["name"].get<std::string>(),
                               (*arg)["value"].get<std::string>(), context);
    if (!values.ok()) return MakeError(m.id, err::kInvalidParams, values.status().message());
    std::size_t total = values->size();
    if (values->size() > 100) values->resize(100);
    return MakeResult(
        m.id, {{"completion", {{"values", *values}, {"total", total}, {"hasMore", total > 100}}}});
  }
  return MakeError(m.id, err::kMethodNotFound, "Method not found: " + method);
}

json Session::CallTool(const Message& m, const std::shared_ptr<Outbound>& out, bool* deferred) {
  const json& params = m.params;
  const json* name = params.is_object() ? StringParam(params, "name") : nullptr;
  if (!name)
    return MakeError(m.id, err::kInvalidParams, "Invalid params: name (a string) is required");
  const Tool* tool = server_->registry().FindTool(name->get_ref<const std::string&>());
  if (!tool)
    return MakeError(m.id, err::kInvalidParams, "Unknown tool: " + name->get<std::string>());
  json args = json::object();
  if (auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
    if (!a->is_object())
      return MakeError(m.id, err::kInvalidParams, "Invalid params: arguments must be an object");
    args = *a;
  }
  json token = nullptr;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (auto t = meta->find("progressToken");
        t != meta->end() && (t->is_string() || t->is_number_integer()))
      token = *t;
  }
  if (!out) return MakeError(m.id, err::kInternal, "Internal error: no reply channel");
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  std::string key = Serialize(m.id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = in_flight_.try_emplace(key, InFlight{cancelled, out});
    if (!fresh)
      return MakeError(m.id, err::kInvalidRequest,
                       "Invalid Request: id " + key + " is already used by a request in progress");
  }
  *deferred = true;
  server_->in_flight_++;
  if (tool->run_inline && token.is_null()) {
    RunTool(*tool, m.id, std::move(key), std::move(args), std::move(token), std::move(cancelled),
            out);
    return nullptr;
  }
  auto self = shared_from_this();
  bool queued = server_->Submit([self, tool, id = m.id, key, args = std::move(args),
                                 token = std::move(token), cancelled, out]() mutable {
    self->RunTool(*tool, std::move(id), std::move(key), std::move(args), std::move(token),
                  std::move(cancelled), std::move(out));
  });
  if (!queued) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.erase(key);
    }
    server_->in_flight_--;
    *deferred = false;
    return MakeError(m.id, err::kInternal, "Internal error: the server is shutting down");
  }
  return nullptr;
}

void Session::RunTool(const Tool& tool, json id, std::string key, json arguments,
                      json progress_token, std::shared_ptr<std::atomic<bool>> cancelled,
                      std::shared_ptr<Outbound> out) {
  Call ctx(*this, out, std::move(progress_token), cancelled);
  json result;
  std::string invalid = ValidateArguments(tool.definition["inputSchema"], arguments);
  if (!invalid.empty()) {
    result = ToolText(
        "Invalid arguments for " + tool.definition["name"].get<std::string>() + ": " + invalid,
        true);
  } else {
    try {
      auto r = tool.handler(arguments, ctx);
      result = r.ok() ? std::move(r).value() : ToolText(r.status().message(), true);
    } catch (const std::exception& e) {
      result = ToolText(std::string("Internal error in the tool: ") + e.what(), true);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_.erase(key);
  }
  if (cancelled->load())
    out->Drop();
  else
    out->Reply(MakeResult(id, std::move(result)));
  // Only now: RunStdio stops writing once nothing is in flight, so a reply must be out first.
  server_->in_flight_--;
}

Result<json> Session::RequestClient(const std::string& method, json params, Outbound& out,
                                    const std::atomic<bool>& cancelled) {
  std::string needed;
  if (method == "sampling/createMessage") needed = "sampling";
  if (method == "elicitation/create") needed = "elicitation";
  if (method == "roots/list") needed = "roots";
  auto p = std::make_shared<Pending>();
  std::int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!needed.empty() && !client_capabilities_.contains(needed))
      return Status(Code::kFailedPrecondition, "the client did not declare the " + needed +
                                                   " capability, so the server "
                                                   "cannot send " +
                                                   method);
    id = next_request_id_++;
    pending_[id] = p;
  }
  json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) request["params"] = std::move(params);
  out.Send(request);
  const auto timeout = server_->options().client_request_timeout;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<json> response;
  bool gave_up = false;
  {
    std::unique_lock<std::mutex> lock(p->mu);
    while (!p->response) {
      if (cancelled.load() || closed() || std::chrono::steady_clock::now() >= deadline) {
        gave_up = true;
        break;
      }
      p->cv.wait_for(lock, std::chrono::milliseconds(50));
    }
    response = p->response;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(id);
  }
  if (!response) {
    (void)gave_up;
    bool timed_out = !cancelled.load() && !closed();
    out.Send(MakeNotification(
        "notifications/cancelled",
        {{"requestId", id}, {"reason", timed_out ? "timed out" : "the call was cancelled"}}));
    if (timed_out)
      return Status(Code::kTimeout, "the client did not answer " + method + " within " +
                                        std::to_string(timeout.count() / 1000) + " s");
    return Status(Code::kCancelled, method + " was cancelled");
  }
  if (response->contains("error")) {
    const json& e = (*response)["error"];
    return Status(Code::kRemote, "the client answered " + method + " with error " +
                                     Serialize(e.value("code", json(0))) + ": " +
                                     e.value("message", std::string("(no message)")));
  }
  return (*response)["result"];
}

}  // namespace sf::mcp

namespace sf::mcp {

bool BatchAllowed(const Session& session) {
  return session.initialized() && session.protocol_version() == "2025-03-26";
}

json BatchRefused(const Session& session) {
  std::string v = session.initialized() ? session.protocol_version() : "(not initialized)";
  return MakeError(nullptr, err::kInvalidRequest,
                   "Invalid Request: JSON-RPC batches are only supported by protocol version "
                   "2025-03-26; this session uses " +
                       v);
}

namespace {

// Collects the responses of one batch.
class BatchOut final : public Outbound {
 public:
  struct State {
    std::mutex mu;
    json responses = json::array();
    std::size_t remaining = 0;
    std::function<void(json)> done;
    std::function<void(const json&)> send;
  };
  explicit BatchOut(std::shared_ptr<State> s) : s_(std::move(s)) {}
  void Send(const json& message) override {
    if (s_->send) s_->send(message);
  }
  void Reply(const json& response) override { Add(response); }
  void Drop() override { Add(nullptr); }

 private:
  void Add(const json& response) {
    std::function<void(json)> done;
    json all;
    {
      std::lock_guard<std::mutex> lock(s_->mu);
      if (!response.is_null()) s_->responses.push_back(response);
      if (s_->remaining == 0 || --s_->remaining > 0) return;
      done = std::move(s_->done);
      all = std::move(s_->responses);
    }
    if (done) done(std::move(all));
  }
  std::shared_ptr<State> s_;
};

}  // namespace

void HandleBatch(Session& session, const Decoded& decoded, std::function<void(const json&)> send,
                 std::function<void(json)> done) {
  auto state = std::make_shared<BatchOut::State>();
  state->send = std::move(send);
  for (const auto& e : decoded.errors) state->responses.push_back(e);
  std::vector<const Message*> requests;
  for (const auto& m : decoded.messages) {
    if (m.kind == MessageKind::kRequest) {
      if (m.method == "initialize")
        state->responses.push_back(MakeError(
            m.id, err::kInvalidRequest, "Invalid Request: initialize must not be part of a batch"));
      else
        requests.push_back(&m);
    } else {
      session.Handle(m, nullptr);
    }
  }
  if (requests.empty()) {
    done(std::move(state->responses));
    return;
  }
  state->remaining = requests.size();
  state->done = std::move(done);
  auto out = std::make_shared<BatchOut>(state);
  for (const Message* m : requests) session.Handle(*m, out);
}

}  // namespace sf::mcp

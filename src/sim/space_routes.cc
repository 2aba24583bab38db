// The HTTP surface of simulated Spaces (<sim url>/_spaces/<owner>/<name>/…): the proxy's rules
// (privacy → 404 HTML, not running → 503 HTML), /config, /gradio_api/* and the two result streams
// (/call SSE and queue/data sse_v3). See space_runtime.h for the route list.
#include <algorithm>
#include <cstdio>

#include "sim/hash.h"
#include "sim/space_runtime.h"
#include "sim/state.h"

namespace sf::sim {
namespace {

using Clock_ = std::chrono::steady_clock;
constexpr auto kHeartbeat = std::chrono::seconds(15);

http::Response Html(int status, const std::string& title, const std::string& text) {
  return http::TextResponse(status,
                            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                                "</title></head><body><h1>" + title + "</h1><p>" + text +
                                "</p></body></html>\n",
                            "text/html; charset=utf-8");
}

http::Response Detail(int status, const std::string& detail) {
  return Hub::Json(status, {{"detail", detail}});
}

std::string AppFileOf(const FileMap& files) {
  if (auto it = files.find("README.md"); it != files.end()) {
    std::string error;
    auto fm = FrontMatter(it->second->content, &error);
    if (fm && fm->contains("app_file") && (*fm)["app_file"].is_string()) return (*fm)["app_file"];
  }
  return "app.py";
}

// The app state of a Space for this build (created, or reset after a rebuild). Caller holds
// rt.mu.
SpaceApp& AppFor(SpaceRuntime& rt, const SpaceTarget& t) {
  SpaceApp& app = rt.apps[t.key];
  if (app.generation != t.generation || !app.iface) {
    app = SpaceApp{};
    app.generation = t.generation;
    std::string app_py;
    std::string readme;
    if (auto it = t.files->find(AppFileOf(*t.files)); it != t.files->end()) {
      app_py = it->second->content;
    }
    if (auto it = t.files->find("README.md"); it != t.files->end()) readme = it->second->content;
    app.iface = std::make_shared<const AppInterface>(DeriveInterface(app_py, readme));
    app.has_health = app_py.find("\"/health\"") != std::string::npos ||
                     app_py.find("'/health'") != std::string::npos;
    std::string h = Sha256Hex(t.key + "#" + std::to_string(t.generation)).substr(0, 15);
    app.app_id = std::stoull(h, nullptr, 16);
  }
  return app;
}

bool IsFileComponent(const std::string& type) {
  return type == "image" || type == "audio" || type == "video" || type == "file" ||
         type == "model3d";
}

// Runs a call: validates the inputs like Gradio and the generated apps do, then makes the
// outputs (or the configured error). Caller holds rt.mu.
PendingCall RunCall(SpaceRuntime& rt, SpaceApp& app, const std::string& space_id,
                    const AppEvent& ev, const json& data, const std::string& file_base) {
  PendingCall call;
  call.event_id = Sha256Hex(space_id + "#" + std::to_string(++rt.next_event)).substr(0, 32);
  SpaceBehaviour b = rt.behaviours.For(space_id);
  call.duration_s = 0.001 + b.slow_ms / 1000.0;
  call.ready_at = Clock_::now() + std::chrono::milliseconds(b.slow_ms);
  const AppInterface& iface = *app.iface;
  auto fail = [&](std::string message, bool visible) {
    call.ok = false;
    call.error = std::move(message);
    call.error_visible = visible;
    return call;
  };
  if (!data.is_array()) return fail("'data' must be a list", false);
  if (data.size() < ev.inputs.size()) {
    return fail("An event handler (" + ev.fn + ") didn't receive enough input values (needed: " +
                    std::to_string(ev.inputs.size()) + ", got: " + std::to_string(data.size()) +
                    ").",
                false);
  }
  for (std::size_t i = 0; i < ev.inputs.size(); ++i) {
    const AppComponent* c = iface.Find(ev.inputs[i]);
    if (c == nullptr) continue;
    const json& v = data[i];
    if (IsFileComponent(c->type)) {
      if (v.is_null()) return fail("Please provide an input for '" + c->cls + "'.", true);
      if (!v.is_object() || !v.contains("path") || !v["path"].is_string()) {
        return fail("Expected a FileData dict for the " + c->cls + " input", false);
      }
      if (iface.major >= 5 && (!v.contains("meta") || !v["meta"].is_object() ||
                               v["meta"].value("_type", "") != "gradio.FileData")) {
        return fail("The input for " + c->cls + " is missing meta {\"_type\": \"gradio.FileData\"}",
                    false);
      }
      std::string path = v["path"];
      bool remote = path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0;
      if (!remote && !app.files.count(path)) {
        return fail("File " + path + " is not in the upload folder and cannot be accessed.", false);
      }
    } else if (c->type == "textbox" && i == 0 &&
               (!v.is_string() ||
                v.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos)) {
      return fail("Please enter some text.", true);
    }
  }
  if (b.error) return fail(*b.error, true);
  auto store = [&app](OutputFile f) {
    std::string path = "/tmp/gradio/" + Sha256Hex(f.bytes).substr(0, 40) + "/" + f.name;
    app.files[path] = std::move(f);
    return path;
  };
  call.data =
      MakeOutputs(iface, ev, json(data.begin(), data.begin() + static_cast<long>(ev.inputs.size())),
                  b.output, file_base, store);
  return call;
}

// Counts a delivered call; true when it made the Space crash (crash-after-calls).
bool CountCall(SpaceRuntime& rt, SpaceApp& app, const std::string& space_id) {
  ++app.calls;
  SpaceBehaviour b = rt.behaviours.For(space_id);
  if (b.crash_after_calls && app.calls >= *b.crash_after_calls && !app.crashed) {
    app.crashed = true;
    return true;
  }
  return false;
}

json CompletedMessage(const PendingCall& c) {
  json msg = {{"msg", "process_completed"}, {"event_id", c.event_id}};
  if (c.ok) {
    msg["output"] = {{"data", c.data},           {"is_generating", false},
                     {"duration", c.duration_s}, {"average_duration", c.duration_s},
                     {"render_config", nullptr}, {"changed_state_ids", json::array()}};
    msg["success"] = true;
    msg["title"] = nullptr;
  } else {
    json out = {{"error", c.error_visible ? json(c.error) : json(nullptr)}};
    if (c.error_visible) {
      out["duration"] = nullptr;
      out["visible"] = true;
      out["title"] = "Error";
    }
    msg["output"] = out;
    msg["success"] = false;
    msg["title"] = "Error";
  }
  return msg;
}

bool CallErrorHasDetail(const AppInterface& app) {
  // /call error events carry data only from 6.13 on (null before).
  if (app.major < 6) return false;
  int minor = 0;
  std::size_t dot = app.version.find('.');
  if (dot != std::string::npos) minor = std::atoi(app.version.c_str() + dot + 1);
  return minor >= 13;
}

// Appends the crash to the run log (RUNTIME_ERROR shows in the logs the factory fetches).
void LogSpaceCrash(Hub& hub, const std::string& key, std::uint64_t generation) {
  std::lock_guard<std::mutex> lock(hub.mu_);
  auto it = hub.repos_.find(key);
  if (it == hub.repos_.end() || !it->second.space || it->second.space->generation != generation) {
    return;
  }
  it->second.space->run_log.push_back(
      {hub.clock_.Now(), "Segmentation fault (core dumped): simulated crash after the last call"});
}

// GET {P}/queue/data (sse_v3): estimation and process_starts for each event of the session, then
// process_completed when its outcome is ready, close_stream once nothing is pending.
void StreamQueue(Hub& hub, WriterPtr w, const SpaceTarget& t, const std::string& session) {
  w->BeginSse();
  struct State {
    Clock_::time_point opened = Clock_::now();
    Clock_::time_point last = Clock_::now();
    bool sent_any = false;
  };
  auto st = std::make_shared<State>();
  auto pump = std::make_shared<std::function<void()>>();
  *pump = [&hub, w, t, session, st, weak = std::weak_ptr<std::function<void()>>(pump)] {
    SpaceRuntime& r = *hub.space_runtime_;
    std::vector<std::string> frames;
    bool done = false;
    bool crashed = false;
    auto now = Clock_::now();
    Clock_::duration wait = kHeartbeat;
    {
      std::lock_guard<std::mutex> l(r.mu);
      auto a = r.apps.find(t.key);
      std::vector<PendingCall*> mine;
      if (a != r.apps.end() && a->second.generation == t.generation) {
        for (auto& [id, c] : a->second.pending) {
          if (c.session == session) mine.push_back(&c);
        }
      }
      std::sort(mine.begin(), mine.end(), [](const PendingCall* x, const PendingCall* y) {
        return x->ready_at < y->ready_at;
      });
      std::vector<std::string> finished;
      for (PendingCall* c : mine) {
        auto frame = [&](const json& j) { frames.push_back("data: " + j.dump() + "\n\n"); };
        if (!c->announced) {
          double eta = c->duration_s;
          frame({{"msg", "estimation"},
                 {"event_id", c->event_id},
                 {"rank", 0},
                 {"queue_size", 1},
                 {"rank_eta", eta}});
          frame({{"msg", "process_starts"}, {"event_id", c->event_id}, {"eta", eta}});
          c->announced = true;
        }
        if (now >= c->ready_at) {
          frame(CompletedMessage(*c));
          finished.push_back(c->event_id);
        } else {
          wait = std::min<Clock_::duration>(wait, c->ready_at - now);
        }
      }
      for (const auto& id : finished) {
        a->second.pending.erase(id);
        crashed |= CountCall(r, a->second, t.id);
      }
      st->sent_any |= !mine.empty();
      if (mine.size() == finished.size() &&
          (st->sent_any || now - st->opened > std::chrono::seconds(2))) {
        frames.push_back("data: " + json{{"msg", "close_stream"}, {"event_id", nullptr}}.dump() +
                         "\n\n");
        done = true;
      } else if (mine.empty()) {
        wait = std::chrono::milliseconds(50);  // waiting for a join of this session
      }
    }
    if (frames.empty() && now - st->last >= kHeartbeat) {
      frames.push_back("data: " + json{{"msg", "heartbeat"}, {"event_id", nullptr}}.dump() +
                       "\n\n");
    }
    if (!frames.empty()) st->last = now;
    for (auto& f : frames) w->Write(std::move(f));
    if (crashed) LogSpaceCrash(hub, t.key, t.generation);
    if (done || w->closed()) return w->End();
    if (auto self = weak.lock()) {
      hub.scheduler().After(std::chrono::duration_cast<std::chrono::milliseconds>(wait) +
                                std::chrono::milliseconds(1),
                            [self] { (*self)(); });
    }
  };
  hub.scheduler().After(std::chrono::milliseconds(0), [pump] { (*pump)(); });
}

void ServeApp(Hub& hub, http::ServerRequest& req, WriterPtr w, const SpaceTarget& t,
              const std::string& sub) {
  SpaceRuntime& rt = *hub.space_runtime_;
  const std::string p = "gradio_api/";
  const std::string file_base = t.root + "/gradio_api/file=";
  std::unique_lock<std::mutex> lock(rt.mu);
  SpaceApp& app = AppFor(rt, t);
  std::shared_ptr<const AppInterface> iface = app.iface;
  const bool get = req.method == "GET" || req.method == "HEAD";
  if (get && (sub.empty() || sub == "/")) {
    return w->Respond(Html(200, iface->title, "Gradio app (simulated by spacefactory sim)."));
  }
  if (get && (sub == "config" || sub == "config/")) {
    return w->Respond(Hub::Json(200, AppConfigJson(*iface, t.root, app.app_id)));
  }
  if (get && sub == "health") {
    if (!app.has_health) return w->Respond(Detail(404, "Not Found"));
    return w->Respond(
        Hub::Json(200, {{"status", "ok"}, {"task", iface->task}, {"simulated", true}}));
  }
  if (sub.rfind(p, 0) != 0) return w->Respond(Detail(404, "Not Found"));
  std::string api = sub.substr(p.size());
  if (get && (api == "info" || api == "info/"))
    return w->Respond(Hub::Json(200, AppInfoJson(*iface, t.root)));
  if (get && api == "app_id") return w->Respond(Hub::Json(200, {{"app_id", app.app_id}}));
  if (get && api == "queue/status") {
    return w->Respond(Hub::Json(200, {{"msg", "estimation"},
                                      {"queue_size", 0},
                                      {"rank", nullptr},
                                      {"rank_eta", nullptr},
                                      {"event_id", nullptr}}));
  }
  if (!get && (api == "cancel" || api == "reset"))
    return w->Respond(Hub::Json(200, {{"success", true}}));
  if (get && (api.rfind("file=", 0) == 0 || api.rfind("file/", 0) == 0)) {
    auto f = app.files.find(api.substr(5));
    if (f == app.files.end()) return w->Respond(Detail(403, "File not allowed: " + api.substr(5)));
    http::Response r = http::TextResponse(200, f->second.bytes, f->second.mime);
    r.headers.emplace_back("Accept-Ranges", "bytes");
    return w->Respond(std::move(r));
  }
  if (!get && api == "upload") {
    auto parts = ParseMultipartFiles(req.Header("Content-Type").value_or(""), req.body, "files");
    if (!parts) return w->Respond(Detail(400, "Invalid content type."));
    json paths = json::array();
    for (auto& [name, bytes] : *parts) {
      std::string base = name.substr(name.find_last_of('/') + 1);
      if (base.empty()) base = "file";
      std::string path = "/tmp/gradio/" + Sha256Hex(bytes).substr(0, 40) + "/" + base;
      app.files[path] = OutputFile{base, "application/octet-stream", std::move(bytes)};
      paths.push_back(path);
    }
    return w->Respond(Hub::Json(200, paths));
  }
  if (!get && (api.rfind("run/", 0) == 0 || api.rfind("api/", 0) == 0)) {
    return w->Respond(Detail(404,
                             "This API endpoint does not accept direct HTTP POST requests. Please "
                             "join the queue to use this API."));
  }
  // POST {P}/call/v2/<api_name> (6.13 and later): named parameters instead of a list; the
  // result stream is the same GET {P}/call/<api_name>/<event_id>.
  if (!get && api.rfind("call/v2/", 0) == 0 && CallErrorHasDetail(*iface)) {
    const AppEvent* ev = iface->FindEvent(api.substr(8));
    json body = json::parse(req.body, nullptr, false);
    if (ev == nullptr) return w->Respond(Detail(404, "Not Found"));
    if (body.is_discarded() || !body.is_object()) return w->Respond(Detail(422, "Invalid body"));
    json named = body;
    json data = json::array();
    const json info = AppInfoJson(*iface);
    const json& params = info["named_endpoints"]["/" + ev->api_name]["parameters"];
    for (const auto& param : params) {
      std::string name = param.value("parameter_name", "");
      if (named.contains(name)) {
        data.push_back(named[name]);
      } else if (param.value("parameter_has_default", false)) {
        data.push_back(param["parameter_default"]);
      } else {
        return w->Respond(Detail(422, "Missing required parameter '" + name + "'"));
      }
    }
    PendingCall c = RunCall(rt, app, t.id, *ev, data, file_base);
    std::string id = c.event_id;
    app.pending[id] = std::move(c);
    return w->Respond(Hub::Json(200, {{"event_id", id}}));
  }
  // POST {P}/call/<api_name>
  if (!get && api.rfind("call/", 0) == 0 && api.find('/', 5) == std::string::npos) {
    const AppEvent* ev = iface->FindEvent(api.substr(5));
    if (ev == nullptr) return w->Respond(http::TextResponse(500, "Internal Server Error"));
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("data")) {
      return w->Respond(Hub::Json(422, {{"detail", json::array({{{"type", "missing"},
                                                                 {"loc", {"body", "data"}},
                                                                 {"msg", "Field required"}}})}}));
    }
    PendingCall c = RunCall(rt, app, t.id, *ev, body["data"], file_base);
    std::string id = c.event_id;
    app.pending[id] = std::move(c);
    return w->Respond(Hub::Json(200, {{"event_id", id}}));
  }
  // GET {P}/call/<api_name>/<event_id>: one SSE stream per event.
  if (get && api.rfind("call/", 0) == 0) {
    std::string event_id = api.substr(api.rfind('/') + 1);
    auto it = app.pending.find(event_id);
    w->BeginSse();
    if (it == app.pending.end() || !it->second.session.empty()) {
      w->WriteEvent({"error", "\"404: Not Found\"", ""});
      return w->End();
    }
    const int mine = ++it->second.stream;
    const bool detail = CallErrorHasDetail(*iface);
    auto last = std::make_shared<Clock_::time_point>(Clock_::now());
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [&hub, w, t, event_id, detail, last, mine,
             weak = std::weak_ptr<std::function<void()>>(pump)] {
      SpaceRuntime& r = *hub.space_runtime_;
      std::unique_lock<std::mutex> l(r.mu);
      auto a = r.apps.find(t.key);
      if (a == r.apps.end() || a->second.generation != t.generation ||
          !a->second.pending.count(event_id)) {
        l.unlock();
        w->WriteEvent({"error", "\"Server stopped unexpectedly.\"", ""});
        return w->End();
      }
      PendingCall& c = a->second.pending[event_id];
      if (c.stream != mine) {  // a newer GET (a client retry) reads this event now
        l.unlock();
        return w->End();
      }
      auto now = Clock_::now();
      if (now >= c.ready_at) {
        std::string frame;
        if (c.ok) {
          frame = http::FormatSseEvent({"complete", c.data.dump(), ""});
        } else {
          json d = detail ? json{{"error", c.error_visible ? json(c.error) : json(nullptr)},
                                 {"title", "Error"},
                                 {"duration", nullptr},
                                 {"visible", true}}
                          : json(nullptr);
          frame = http::FormatSseEvent({"error", d.dump(), ""});
        }
        a->second.pending.erase(event_id);
        bool crashed = CountCall(r, a->second, t.id);
        l.unlock();
        w->Write(std::move(frame));
        w->End();
        if (crashed) LogSpaceCrash(hub, t.key, t.generation);
        return;
      }
      auto wait = std::min<Clock_::duration>(c.ready_at - now, kHeartbeat);
      l.unlock();
      if (now - *last >= kHeartbeat) {
        *last = now;
        w->WriteEvent({"heartbeat", "null", ""});
      }
      if (w->closed()) return w->End();
      if (auto self = weak.lock()) {
        hub.scheduler().After(std::chrono::duration_cast<std::chrono::milliseconds>(wait) +
                                  std::chrono::milliseconds(1),
                              [self] { (*self)(); });
      }
    };
    lock.unlock();
    hub.scheduler().After(std::chrono::milliseconds(0), [pump] { (*pump)(); });
    return;
  }
  if (!get && api == "queue/join") {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return w->Respond(Detail(422, "Invalid body"));
    if (!body.contains("session_hash") || !body["session_hash"].is_string()) {
      return w->Respond(Detail(400, "session_hash is required"));
    }
    int fn = body.value("fn_index", -1);
    if (fn < 0 || fn >= static_cast<int>(iface->events.size())) {
      return w->Respond(http::TextResponse(500, "Internal Server Error"));
    }
    PendingCall c = RunCall(rt, app, t.id, iface->events[static_cast<std::size_t>(fn)],
                            body.value("data", json()), file_base);
    c.session = body["session_hash"];
    std::string id = c.event_id;
    app.pending[id] = std::move(c);
    return w->Respond(Hub::Json(200, {{"event_id", id}}));
  }
  if (get && api == "queue/data") {
    std::string session = req.QueryParam("session_hash").value_or("");
    if (session.empty()) return w->Respond(Detail(422, "session_hash is required"));
    lock.unlock();
    StreamQueue(hub, w, t, session);
    return;
  }
  if (get && api.rfind("heartbeat/", 0) == 0) {
    w->BeginSse();
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [&hub, w, weak = std::weak_ptr<std::function<void()>>(pump)] {
      w->Write("data: ALIVE\n\n");
      if (w->closed()) return w->End();
      if (auto self = weak.lock()) hub.scheduler().After(kHeartbeat, [self] { (*self)(); });
    };
    lock.unlock();
    hub.scheduler().After(std::chrono::milliseconds(0), [pump] { (*pump)(); });
    return;
  }
  w->Respond(Detail(404, "Not Found"));
}

}  // namespace

void Hub::AddSpaceAppRoutes(http::Router& r) {
  auto handler = [this](http::ServerRequest& req, WriterPtr w) {
    std::string rest = req.PathParam("rest");
    std::size_t s1 = rest.find('/');
    if (s1 == std::string::npos) return w->Respond(Html(404, "404", "Space not found"));
    std::size_t s2 = rest.find('/', s1 + 1);
    std::string id = rest.substr(0, s2);
    std::string sub = s2 == std::string::npos ? "" : rest.substr(s2 + 1);
    SpaceTarget t;
    t.id = id;
    t.key = RepoKey("space", id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = repos_.find(t.key);
      // The proxy takes the token from either header (the Python client uses X-HF-Authorization).
      Caller c;
      for (const char* h : {"Authorization", "X-HF-Authorization"}) {
        auto v = req.Header(h);
        if (!v || v->size() < 8 || (v->rfind("Bearer ", 0) != 0 && v->rfind("bearer ", 0) != 0)) {
          continue;
        }
        auto tok = tokens_.find(v->substr(7));
        if (tok == tokens_.end()) continue;
        auto u = users_.find(tok->second.user);
        if (u == users_.end()) continue;
        c = Caller{true, false, &u->second, tok->second.role};
        break;
      }
      if (it == repos_.end() || !it->second.space || !CanRead(c, it->second)) {
        return w->Respond(Html(404, "404", "Sorry, we can't find the page you are looking for."));
      }
      Repo& repo = it->second;
      std::string stage = SpaceStage(repo);
      if (stage != "RUNNING") {
        return w->Respond(Html(503, "Space " + stage,
                               "This Space is not running (" + stage + "). Come back later."));
      }
      if (repo.space->sdk != "gradio") {
        if (sub.empty()) return w->Respond(Html(200, repo.id, "A " + repo.space->sdk + " Space."));
        return w->Respond(Html(404, "404", "Not found"));
      }
      t.generation = repo.space->generation;
      t.files = repo.head().files;
      t.root = BaseUrl(req) + "/_spaces/" + id;
    }
    ServeApp(*this, req, std::move(w), t, sub);
  };
  r.Get("/_spaces/{rest...}", handler);
  r.Post("/_spaces/{rest...}", handler);
  AddSpaceBehaviourRoutes(r);
}

}  // namespace sf::sim

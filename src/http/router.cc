// Router: method + path patterns with {param} segments and a trailing {param...} catch-all.
#include <string>

#include "http/http.h"

namespace sf::http {
namespace {

// Next '/'-separated segment of `s` starting at `pos`; advances pos past the separator.
std::string_view NextSegment(std::string_view s, std::size_t& pos) {
  std::size_t end = s.find('/', pos);
  std::string_view seg = s.substr(pos, end == std::string_view::npos ? s.size() - pos : end - pos);
  pos = end == std::string_view::npos ? s.size() + 1 : end + 1;
  return seg;
}

}  // namespace

bool Router::Match(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>* params) {
  std::map<std::string, std::string> found;
  std::size_t pp = 0, sp = 0;
  while (pp <= pattern.size()) {
    std::string_view pseg = NextSegment(pattern, pp);
    bool is_param = pseg.size() >= 2 && pseg.front() == '{' && pseg.back() == '}';
    if (is_param && pseg.size() > 5 && pseg.substr(pseg.size() - 4) == "...}") {
      if (pp <= pattern.size() || sp > path.size()) return false;  // catch-all must be last
      std::string_view rest = path.substr(sp);
      if (rest.empty()) return false;
      found[std::string(pseg.substr(1, pseg.size() - 5))] = UrlDecode(rest);
      sp = path.size() + 1;
      break;
    }
    if (sp > path.size()) return false;
    std::string_view sseg = NextSegment(path, sp);
    if (is_param) {
      if (sseg.empty()) return false;
      found[std::string(pseg.substr(1, pseg.size() - 2))] = UrlDecode(sseg);
    } else if (pseg != sseg) {
      return false;
    }
  }
  if (sp <= path.size()) return false;  // path has more segments
  if (params != nullptr) *params = std::move(found);
  return true;
}

Router& Router::Add(std::string method, std::string pattern, Handler handler) {
  const bool literal = pattern.find('{') == std::string::npos;
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler), literal});
  return *this;
}

void Router::Dispatch(ServerRequest& request, std::shared_ptr<ResponseWriter> writer) const {
  std::string allow;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    // A pattern without parameters matches its own text only (a plain compare: `serve` has
    // dozens of routes, and a gateway request walks them all before /v1/chat/completions).
    if (route.literal ? route.pattern != request.path
                      : !Match(route.pattern, request.path, &params))
      continue;
    // HEAD is answered by the GET route (the server drops the body).
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      request.path_params = std::move(params);
      route.handler(request, std::move(writer));
      return;
    }
    if (allow.find(route.method) == std::string::npos) {
      if (!allow.empty()) allow += ", ";
      allow += route.method;
    }
  }
  if (!allow.empty()) {
    Response r = JsonResponse(405, R"({"error":"method not allowed"})");
    r.headers.emplace_back("Allow", allow);
    writer->Respond(std::move(r));
    return;
  }
  if (not_found_) {
    not_found_(request, std::move(writer));
    return;
  }
  writer->Respond(JsonResponse(404, R"({"error":"not found"})"));
}

Handler Router::AsHandler() const {
  auto shared = std::make_shared<const Router>(*this);
  return [shared](ServerRequest& request, std::shared_ptr<ResponseWriter> writer) {
    shared->Dispatch(request, std::move(writer));
  };
}

Response TextResponse(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response JsonResponse(int status, std::string body) {
  return TextResponse(status, std::move(body), "application/json");
}

void ResponseWriter::BeginSse(Headers extra) {
  Headers h = {{"Content-Type", "text/event-stream"},
               {"Cache-Control", "no-cache"},
               {"X-Accel-Buffering", "no"}};
  for (auto& kv : extra) h.push_back(std::move(kv));
  Begin(200, std::move(h));
}

}  // namespace sf::http

// The retry policy (pure) and the header parsing it needs, plus small shared helpers.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "http/http.h"

namespace sf::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Non-negative decimal integer, the whole string.
std::optional<std::int64_t> ParseNonNegative(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::chrono::milliseconds Seconds(std::int64_t s) {
  // Clamp absurd values so the multiplication cannot overflow.
  return std::chrono::milliseconds(std::min<std::int64_t>(s, 10LL * 365 * 86400) * 1000);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(sep, start);
    out.push_back(
        s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

Result<Response> HttpClient::Stream(const Request& request, const HeadersCallback& on_headers,
                                    const ChunkCallback& on_chunk) {
  auto r = Send(request);
  if (!r.ok()) return r.status();
  if (on_headers && !on_headers(r->status, r->headers)) {
    return Status(Code::kCancelled, "stream aborted by caller");
  }
  if (!r->body.empty() && on_chunk && !on_chunk(r->body)) {
    return Status(Code::kCancelled, "stream aborted by caller");
  }
  r->body.clear();
  return r;
}

// ---------------------------------------------------------------------------------------------

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (auto secs = ParseNonNegative(value)) return Seconds(*secs);
  if (std::isdigit(static_cast<unsigned char>(value.front()))) return std::nullopt;  // "-1", "1.5"
  // HTTP-date: libcurl's date parser understands the three formats RFC 9110 allows.
  std::string copy(value);
  time_t t = curl_getdate(copy.c_str(), nullptr);
  if (t < 0) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(t);
  if (when <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(when - now);
}

std::optional<std::chrono::milliseconds> ParseRateLimitReset(const Headers& headers) {
  if (auto v = FindHeader(headers, "RateLimit")) {
    // Structured field list: `"api";r=0;t=55, "resolvers";r=10;t=300`.
    std::optional<std::int64_t> exhausted_t, any_t;
    for (std::string_view item : Split(*v, ',')) {
      std::optional<std::int64_t> r, t;
      auto params = Split(item, ';');
      for (std::size_t i = 1; i < params.size(); ++i) {
        std::string_view p = Trim(params[i]);
        auto eq = p.find('=');
        if (eq == std::string_view::npos) continue;
        std::string_view key = Trim(p.substr(0, eq));
        auto num = ParseNonNegative(p.substr(eq + 1));
        if (!num) continue;
        if (key == "r") r = num;
        if (key == "t") t = num;
      }
      if (!t) continue;
      any_t = std::max(any_t.value_or(0), *t);
      if (r && *r == 0) exhausted_t = std::max(exhausted_t.value_or(0), *t);
    }
    if (exhausted_t) return Seconds(*exhausted_t);
    if (any_t) return Seconds(*any_t);
  }
  if (auto v = FindHeader(headers, "RateLimit-Reset")) {
    if (auto secs = ParseNonNegative(*v)) return Seconds(*secs);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ServerRequestedWait(
    int status, const Headers& headers, std::chrono::system_clock::time_point now) {
  if (auto v = FindHeader(headers, "Retry-After")) {
    if (auto d = ParseRetryAfter(*v, now)) return d;
  }
  if (status != 429) return std::nullopt;
  return ParseRateLimitReset(headers);
}

// ---------------------------------------------------------------------------------------------

RetryPolicy::RetryPolicy(RetryOptions options, std::function<double()> random01)
    : options_(options), random01_(std::move(random01)) {}

bool RetryPolicy::IsRetryableStatus(int status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

bool RetryPolicy::IsIdempotentMethod(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    if (EqualsIgnoreCase(method, m)) return true;
  }
  return false;
}

std::chrono::milliseconds RetryPolicy::Backoff(int attempt) const {
  double base = static_cast<double>(options_.initial_backoff.count());
  double cap = static_cast<double>(options_.max_backoff.count());
  double exp = base * std::pow(2.0, std::clamp(attempt - 1, 0, 62));
  double ceiling = std::min(cap, exp);
  double r = random01_ ? random01_() : 1.0;
  r = std::clamp(r, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(ceiling * r)));
}

RetryDecision RetryPolicy::Decide(int attempt, std::string_view method, bool idempotent_override,
                                  const AttemptOutcome& outcome,
                                  std::chrono::system_clock::time_point now) const {
  RetryDecision d;
  const bool transport_failed = outcome.status == 0;
  if (!transport_failed && !IsRetryableStatus(outcome.status)) {
    d.reason = "status " + std::to_string(outcome.status) + " is final";
    return d;
  }
  if (transport_failed && outcome.transport_error != Code::kUnavailable &&
      outcome.transport_error != Code::kTimeout) {
    d.reason = "error is not transient";
    return d;
  }
  const std::string what = transport_failed ? (outcome.transport_error == Code::kTimeout
                                                   ? std::string("timeout")
                                                   : std::string("connection error"))
                                            : "status " + std::to_string(outcome.status);
  if (!idempotent_override && !IsIdempotentMethod(method)) {
    d.reason = what + ", not retried: " + std::string(method) + " is not idempotent";
    return d;
  }
  if (attempt >= options_.max_attempts) {
    d.reason = what + ", no attempts left (" + std::to_string(options_.max_attempts) + ")";
    return d;
  }
  if (!transport_failed && outcome.headers != nullptr) {
    if (auto wait = ServerRequestedWait(outcome.status, *outcome.headers, now)) {
      if (*wait > options_.max_server_wait) {
        d.reason = what + ", server asks to wait " + std::to_string(wait->count() / 1000) +
                   " s, longer than the limit";
        return d;
      }
      d.retry = true;
      d.delay = *wait;
      d.reason = what + ", waiting as the server asked";
      return d;
    }
  }
  d.retry = true;
  d.delay = Backoff(attempt);
  d.reason = what;
  return d;
}

// ---------------------------------------------------------------------------------------------

std::string UrlDecode(std::string_view text, bool plus_is_space) {
  std::string in(text);
  if (plus_is_space) std::replace(in.begin(), in.end(), '+', ' ');
  int out_len = 0;
  char* out = curl_easy_unescape(nullptr, in.data(), static_cast<int>(in.size()), &out_len);
  if (out == nullptr) return in;
  std::string result(out, static_cast<std::size_t>(out_len));
  curl_free(out);
  return result;
}

std::string UrlHostForMessage(std::string_view url) {
  CURLU* u = curl_url();
  std::string s(url);
  std::string result = "(invalid URL)";
  if (curl_url_set(u, CURLUPART_URL, s.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host != nullptr) {
      result = host;
      if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port != nullptr) {
        result += ":";
        result += port;
      }
    }
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return result;
}

std::optional<std::string> ServerRequest::QueryParam(std::string_view name) const {
  for (std::string_view pair : Split(query, '&')) {
    auto eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), true);
    if (key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return UrlDecode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::string ServerRequest::PathParam(const std::string& name) const {
  auto it = path_params.find(name);
  return it == path_params.end() ? std::string() : it->second;
}

}  // namespace sf::http

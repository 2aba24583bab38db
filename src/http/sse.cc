// Server-sent events: the WHATWG event-stream parser, the wire formatter, and StreamSse.
#include <algorithm>
#include <string>

#include "http/http.h"

namespace sf::http {

// Lines are found with memchr-backed finds (a gateway relays every event through here): '\n'
// per line, and '\r' once per chunk until it is passed, so a stream without CRs is not searched
// for one per line. A line lying whole in `bytes` is parsed where it is; only a line cut by the
// end of a chunk is copied (line_).
bool SseParser::Feed(std::string_view bytes, const EventCallback& on_event) {
  if (error_) return false;
  constexpr std::size_t npos = std::string_view::npos;
  std::size_t i = 0;
  std::size_t cr = 0;  // the next '\r' at or after i once searched (npos: none in the chunk)
  bool cr_searched = false;
  while (i < bytes.size()) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    if (!cr_searched || (cr != npos && cr < i)) {
      cr = bytes.find('\r', i);
      cr_searched = true;
    }
    std::size_t end = std::min(bytes.find('\n', i), cr);
    if (end == npos) {
      line_.append(bytes.substr(i));
      if (line_.size() + data_.size() > max_event_bytes_) {
        error_ = true;
        return false;
      }
      return true;
    }
    std::string_view piece = bytes.substr(i, end - i);
    if (bytes[end] == '\r') skip_lf_ = true;
    i = end + 1;
    if (line_.size() + piece.size() + data_.size() > max_event_bytes_) {
      error_ = true;
      return false;
    }
    bool go_on;
    if (line_.empty()) {
      go_on = ProcessLine(piece, on_event);
    } else {
      line_.append(piece);
      go_on = ProcessLine(line_, on_event);
      line_.clear();
    }
    if (!go_on) return false;
  }
  return true;
}

bool SseParser::ProcessLine(std::string_view line, const EventCallback& on_event) {
  if (!bom_checked_) {
    bom_checked_ = true;
    if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  }
  if (line.empty()) {
    // Dispatch. The buffers change hands instead of being copied or freed: once they have grown
    // to the stream's event size, an event costs no allocation.
    if (data_.empty()) {
      event_type_.clear();
      return true;
    }
    data_.pop_back();  // the trailing '\n'
    event_.data.swap(data_);
    data_.clear();
    if (event_type_.empty()) {
      event_.event.assign("message");
    } else {
      event_.event.swap(event_type_);
      event_type_.clear();
    }
    event_.id.assign(last_event_id_);
    return on_event ? on_event(event_) : true;
  }
  if (line.front() == ':') {
    if (on_comment_) {
      std::string_view text = line.substr(1);
      if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
      on_comment_(text);
    }
    return true;
  }
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    event_type_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() <= 12 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ = std::chrono::milliseconds(std::stoll(std::string(value)));
    }
  }
  // Other fields are ignored.
  return true;
}

std::string FormatSseEvent(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + 32);
  if (!event.event.empty() && event.event != "message") {
    out += "event: ";
    out += event.event;
    out += '\n';
  }
  if (!event.id.empty()) {
    out += "id: ";
    out += event.id;
    out += '\n';
  }
  // Every line of data on its own "data:" line; CR, LF and CRLF all split.
  std::string_view data = event.data;
  while (true) {
    std::size_t end = data.find_first_of("\r\n");
    out += "data: ";
    out += data.substr(0, end);
    out += '\n';
    if (end == std::string_view::npos) break;
    if (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ++end;
    data.remove_prefix(end + 1);
  }
  out += '\n';
  return out;
}

Result<Response> StreamSse(HttpClient& client, Request request,
                           const SseParser::EventCallback& on_event, SseParser* parser) {
  if (!FindHeader(request.headers, "Accept")) {
    request.headers.emplace_back("Accept", "text/event-stream");
  }
  SseParser local;
  SseParser& p = parser != nullptr ? *parser : local;
  Response response;
  bool is_success = false;
  bool stopped_by_user = false;
  constexpr std::size_t kMaxErrorBody = 64u << 10;

  auto on_headers = [&](int status, const Headers& headers) {
    response.status = status;
    response.headers = headers;
    is_success = status >= 200 && status < 300;
    return true;
  };
  auto on_chunk = [&](std::string_view chunk) {
    if (!is_success) {
      std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, response.body.size());
      response.body.append(chunk.substr(0, room));
      return true;
    }
    bool keep_going = p.Feed(chunk, [&](const SseEvent& ev) {
      if (!on_event(ev)) {
        stopped_by_user = true;
        return false;
      }
      return true;
    });
    return keep_going;
  };
  auto r = client.Stream(request, on_headers, on_chunk);
  if (p.error()) return ParseError("SSE event larger than the parser limit");
  if (!r.ok()) {
    if (stopped_by_user && r.status().code() == Code::kCancelled) return response;
    return r.status();
  }
  return response;
}

}  // namespace sf::http

// Internal to sf_http (server.cc, upstream.cc): message heads written straight into the
// contiguous buffer a connection keeps for its writes.
//
// Why: a proxy's messages are a few hundred bytes, and building them as Beast messages cost a
// fifth of the gateway's CPU per request: every field is a separately allocated node in a tree
// (with a case-insensitive lookup of its name), and the serializer hands the socket a view of one
// buffer per field, which each write walks several times. Here a head is written in one pass:
// the start line, the caller's fields (checked, see IsSendableField), then the fields that frame
// the message, which the connection owns. Parsing stays Beast's (basic_parser subclasses in
// server.cc and upstream.cc); chunk framing uses Beast's chunk_header/chunk_crlf/make_chunk_last.
#pragma once

// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange (pitfall 1)
// clang-format on

#include <boost/beast/core/buffers_range.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/http.h"

namespace sf::http {

// "HTTP/1.1 200 OK\r\n" (version 10 or 11; the reason phrase is Beast's for the code, as its
// serializer writes it).
void AppendStatusLine(std::string& out, unsigned version, int status);

// "POST /v1/chat HTTP/1.1\r\n".
void AppendRequestLine(std::string& out, std::string_view method, std::string_view target);

// "Name: value\r\n", unchecked: callers check with IsSendableField first.
void AppendField(std::string& out, std::string_view name, std::string_view value);

// True when the field can be written as given: the name is a non-empty RFC 9110 token, and the
// value holds no control character but HTAB (CR or LF would end the field early and let the rest
// pose as further fields or as the body: response splitting).
bool IsSendableField(std::string_view name, std::string_view value);

// Content-Length, Transfer-Encoding, Connection, Keep-Alive (any case): how the message is framed
// and whether the connection stays open. A connection writes these itself from what it knows of
// the body; the same fields from a caller are not sent, as two framings would be a smuggling
// vector.
bool IsFramingField(std::string_view name);

// True for statuses whose responses never carry a body: 1xx, 204, 304 (RFC 9110 §6.4.1).
bool StatusHasNoBody(int status);

// Appends the decimal digits of `n`.
void AppendDecimal(std::string& out, std::uint64_t n);

// Appends the bytes of a buffer sequence (Beast's chunk framing) to `out`.
template <class Buffers>
void AppendBytes(std::string& out, const Buffers& buffers) {
  for (auto b : boost::beast::buffers_range_ref(buffers))
    out.append(static_cast<const char*>(b.data()), b.size());
}

// A connection's output buffer keeps its capacity between writes (no allocation per request),
// unless one write made it large.
inline void TrimOutput(std::string& out) {
  constexpr std::size_t kKeep = 64u << 10;
  if (out.capacity() > kKeep) {
    std::string().swap(out);
  } else {
    out.clear();
  }
}

}  // namespace sf::http

// Internal to sf_http (server.cc, upstream.cc): Beast's serialized bytes gathered into one
// contiguous buffer per write.
//
// Why: Beast hands a message to the socket as a view over many small buffers (one per header
// field, plus the start line's pieces and the chunk framing). Every write then walks that view
// several times (to fill the iovec array, to consume what was sent) and the kernel copies one
// iovec per field. For a proxy, whose messages are a few hundred bytes, that walk was a tenth of
// its CPU per request. The bytes are still Beast's (its serializer, make_chunk and
// make_chunk_last); they are only copied once into a buffer the connection keeps.
#pragma once

// clang-format off
#include <utility>  // before asio: Boost 1.74 awaitable.hpp needs std::exchange (pitfall 1)
// clang-format on

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/message.hpp>
#include <string>

namespace sf::http {

// Appends the bytes of a buffer sequence to `out`.
template <class Buffers>
void AppendBytes(std::string& out, const Buffers& buffers) {
  for (auto b : boost::beast::buffers_range_ref(buffers))
    out.append(static_cast<const char*>(b.data()), b.size());
}

// Appends the header of `msg` (start line, fields, blank line) to `out`, as Beast's serializer
// writes it: both take the bytes from the fields' writer (the Fields concept's serialisation
// algorithm); only the serializer's extra views over them are skipped. `msg` is prepared already
// (keep_alive, chunked or content_length set). The body is left to the caller, so a large one is
// written from where it is, not copied.
template <class Body, class Fields>
void AppendHeader(std::string& out, const boost::beast::http::request<Body, Fields>& msg) {
  typename Fields::writer w(msg, msg.version(), msg.method());
  AppendBytes(out, w.get());
}
template <class Body, class Fields>
void AppendHeader(std::string& out, const boost::beast::http::response<Body, Fields>& msg) {
  typename Fields::writer w(msg, msg.version(), msg.result_int());
  AppendBytes(out, w.get());
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

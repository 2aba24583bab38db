#include "http/wire.h"

#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstring>

namespace sf::http {
namespace {

// RFC 9110 §5.6.2 tchar.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

}  // namespace

void AppendDecimal(std::string& out, std::uint64_t n) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void AppendStatusLine(std::string& out, unsigned version, int status) {
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  AppendDecimal(out, static_cast<std::uint64_t>(status));
  out += ' ';
  out += boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  out += "\r\n";
}

void AppendRequestLine(std::string& out, std::string_view method, std::string_view target) {
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  // One size change and two copies: four appends cost ~200 instructions per field, a tenth of
  // writing a response head.
  const std::size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

bool IsSendableField(std::string_view name, std::string_view value) {
  // Branch-free table test: names are short, and an early exit per byte cost more than it saved.
  bool token = !name.empty();
  for (char c : name) token &= kTokenChars[static_cast<unsigned char>(c)];
  if (!token) return false;
  // Eight bytes at a time: a word with no byte below 0x20 and none equal to 0x7f is sendable
  // whole (exact tests, not heuristics: `(w - n·1) & ~w & 0x80·1` is non-zero iff some byte of w
  // is below n, for n ≤ 0x80). A value of 8 bytes or more ends with a word that overlaps the one
  // before; a shorter one is padded with spaces. Only a flagged word (one with a HTAB, or a bad
  // byte) is looked at byte by byte. Values (credentials, JSON in headers) are most of the bytes
  // checked, and a byte loop cost ~8 instructions per byte.
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  auto word_ok = [](std::uint64_t w, std::string_view bytes) {
    const std::uint64_t del = w ^ (0x7f * kOnes);
    if (((((w - 0x20 * kOnes) & ~w) | ((del - kOnes) & ~del)) & kHigh) == 0) return true;
    for (char c : bytes) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
    }
    return true;
  };
  const std::size_t size = value.size();
  if (size < 8) {
    std::uint64_t w = 0x20 * kOnes;
    for (std::size_t i = 0; i < size; ++i)
      w ^= static_cast<std::uint64_t>(static_cast<unsigned char>(value[i]) ^ 0x20) << (8 * i);
    return word_ok(w, value);
  }
  std::uint64_t w;
  for (std::size_t i = 0; i + 8 < size; i += 8) {
    std::memcpy(&w, value.data() + i, 8);
    if (!word_ok(w, value.substr(i, 8))) return false;
  }
  std::memcpy(&w, value.data() + size - 8, 8);
  return word_ok(w, value.substr(size - 8));
}

bool IsFramingField(std::string_view name) {
  switch (name.size()) {
    case 10:
      return EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "keep-alive");
    case 14:
      return EqualsIgnoreCase(name, "content-length");
    case 17:
      return EqualsIgnoreCase(name, "transfer-encoding");
    default:
      return false;
  }
}

bool StatusHasNoBody(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace sf::http

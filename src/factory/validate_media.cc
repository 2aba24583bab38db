// validate: generated test media (PNG, WAV), placeholder signs in outputs, the ZeroGPU duration
// recommendation. No network, no state.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>

#include "factory/validate.h"

namespace sf::factory {
namespace {

using nlohmann::json;

// ---- PNG writing (stored deflate blocks: no compression library needed)
// ---------------------------

std::uint32_t Crc32(std::string_view data, std::uint32_t crc = 0) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (unsigned char ch : data) crc = table[(crc ^ ch) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t Adler32(std::string_view data) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char ch : data) {
    a = (a + ch) % 65521u;
    b = (b + a) % 65521u;
  }
  return (b << 16) | a;
}

void PutBe32(std::string& out, std::uint32_t v) {
  out += static_cast<char>((v >> 24) & 0xFF);
  out += static_cast<char>((v >> 16) & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
  out += static_cast<char>(v & 0xFF);
}
void PutLe16(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void PutLe32(std::string& out, std::uint32_t v) {
  PutLe16(out, v & 0xFFFF);
  PutLe16(out, v >> 16);
}

void PngChunk(std::string& out, std::string_view type, std::string_view data) {
  PutBe32(out, static_cast<std::uint32_t>(data.size()));
  std::string body(type);
  body += data;
  out += body;
  PutBe32(out, Crc32(body));
}

// zlib stream of stored (uncompressed) deflate blocks.
std::string ZlibStored(std::string_view raw) {
  std::string z = "\x78\x01";
  std::size_t off = 0;
  do {
    std::size_t n = std::min<std::size_t>(raw.size() - off, 65535);
    bool last = off + n == raw.size();
    z += static_cast<char>(last ? 1 : 0);
    PutLe16(z, static_cast<std::uint32_t>(n));
    PutLe16(z, static_cast<std::uint32_t>(~n & 0xFFFF));
    z.append(raw.substr(off, n));
    off += n;
  } while (off < raw.size());
  PutBe32(z, Adler32(raw));
  return z;
}

std::uint32_t Be32(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[i]));
  };
  return (u(at) << 24) | (u(at + 1) << 16) | (u(at + 2) << 8) | u(at + 3);
}
std::uint32_t Le16(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[i]));
  };
  return u(at) | (u(at + 1) << 8);
}
std::uint32_t Le32(std::string_view b, std::size_t at) {
  return Le16(b, at) | (Le16(b, at + 2) << 16);
}

// Width and height of a PNG / JPEG / WEBP / GIF from its header; nullopt when unreadable.
std::optional<std::pair<std::uint32_t, std::uint32_t>> ImageSize(std::string_view b,
                                                                 gradio::MediaType t) {
  using gradio::MediaType;
  if (t == MediaType::kPng && b.size() >= 24 && b.substr(12, 4) == "IHDR") {
    return std::pair{Be32(b, 16), Be32(b, 20)};
  }
  if (t == MediaType::kGif && b.size() >= 10) return std::pair{Le16(b, 6), Le16(b, 8)};
  if (t == MediaType::kWebp && b.size() >= 30) {
    std::string_view fourcc = b.substr(12, 4);
    if (fourcc == "VP8 ") return std::pair{Le16(b, 26) & 0x3FFF, Le16(b, 28) & 0x3FFF};
    if (fourcc == "VP8L" && b.size() >= 25) {
      std::uint32_t bits = Le32(b, 21);
      return std::pair{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (fourcc == "VP8X") {
      std::uint32_t w =
          Le16(b, 24) | (static_cast<std::uint32_t>(static_cast<unsigned char>(b[26])) << 16);
      std::uint32_t h =
          Le16(b, 27) | (static_cast<std::uint32_t>(static_cast<unsigned char>(b[29])) << 16);
      return std::pair{w + 1, h + 1};
    }
    return std::nullopt;
  }
  if (t == MediaType::kJpeg) {
    std::size_t i = 2;
    while (i + 9 < b.size()) {
      if (static_cast<unsigned char>(b[i]) != 0xFF) return std::nullopt;
      unsigned char m = static_cast<unsigned char>(b[i + 1]);
      if (m == 0xFF) {
        ++i;
        continue;
      }
      std::uint32_t len = (static_cast<std::uint32_t>(static_cast<unsigned char>(b[i + 2])) << 8) |
                          static_cast<unsigned char>(b[i + 3]);
      if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
        std::uint32_t h = (static_cast<std::uint32_t>(static_cast<unsigned char>(b[i + 5])) << 8) |
                          static_cast<unsigned char>(b[i + 6]);
        std::uint32_t w = (static_cast<std::uint32_t>(static_cast<unsigned char>(b[i + 7])) << 8) |
                          static_cast<unsigned char>(b[i + 8]);
        return std::pair{w, h};
      }
      if (len < 2) return std::nullopt;
      i += 2 + len;
    }
  }
  return std::nullopt;
}

struct WavInfo {
  std::uint32_t channels = 0, rate = 0, bits = 0;
  std::string_view samples;
};

std::optional<WavInfo> ParseWav(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return std::nullopt;
  WavInfo w;
  bool fmt = false;
  std::size_t i = 12;
  while (i + 8 <= b.size()) {
    std::string_view id = b.substr(i, 4);
    std::size_t len = Le32(b, i + 4);
    std::size_t body = i + 8;
    if (id == "fmt " && body + 16 <= b.size()) {
      w.channels = Le16(b, body + 2);
      w.rate = Le32(b, body + 4);
      w.bits = Le16(b, body + 14);
      fmt = true;
    } else if (id == "data") {
      // Streams written before their length was known say 0 or 0xFFFFFFFF: take what is there.
      std::size_t n = (len == 0 || len > b.size() - body) ? b.size() - body : len;
      w.samples = b.substr(body, n);
      return fmt ? std::optional<WavInfo>(w) : std::nullopt;
    }
    if (len > b.size()) break;
    i = body + len + (len & 1);
  }
  return std::nullopt;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n\"'.:,;-");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n\"'.:,;-");
  return std::string(s.substr(b, e - b + 1));
}

bool HasUpperWord(std::string_view text, std::string_view word) {
  for (std::size_t p = text.find(word); p != std::string_view::npos; p = text.find(word, p + 1)) {
    bool left = p == 0 || !std::isalnum(static_cast<unsigned char>(text[p - 1]));
    std::size_t end = p + word.size();
    bool right = end >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (left && right) return true;
  }
  return false;
}

void CollectStrings(const json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array() || v.is_object()) {
    for (const auto& e : v) CollectStrings(e, out);
  }
}

}  // namespace

std::string MakeTestPng(int size, std::uint32_t seed) {
  size = std::clamp(size, 1, 512);
  const auto n = static_cast<std::size_t>(size);
  std::string raw;
  raw.reserve(n * (1 + 3 * n));
  for (std::size_t y = 0; y < n; ++y) {
    raw += '\0';  // filter: none
    for (std::size_t x = 0; x < n; ++x) {
      raw += static_cast<char>((x * 7 + seed * 53) & 0xFF);
      raw += static_cast<char>((y * 5 + seed * 101) & 0xFF);
      raw += static_cast<char>(((x + y) * 3 + seed * 29) & 0xFF);
    }
  }
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  PutBe32(ihdr, static_cast<std::uint32_t>(size));
  PutBe32(ihdr, static_cast<std::uint32_t>(size));
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, adaptive, no interlace
  PngChunk(png, "IHDR", ihdr);
  PngChunk(png, "IDAT", ZlibStored(raw));
  PngChunk(png, "IEND", "");
  return png;
}

std::string MakeTestWav(int millis, std::uint32_t seed) {
  constexpr std::uint32_t kRate = 16000;
  millis = std::clamp(millis, 1, 10'000);
  const std::uint32_t count = kRate * static_cast<std::uint32_t>(millis) / 1000;
  const double freq = 220.0 + 40.0 * static_cast<double>(seed % 16);
  std::string pcm;
  pcm.reserve(count * 2);
  for (std::uint32_t i = 0; i < count; ++i) {
    double s = 0.3 * 32767.0 * std::sin(2.0 * std::numbers::pi * freq * i / kRate);
    PutLe16(pcm, static_cast<std::uint32_t>(static_cast<std::int16_t>(s)) & 0xFFFF);
  }
  std::string wav = "RIFF";
  PutLe32(wav, static_cast<std::uint32_t>(36 + pcm.size()));
  wav += "WAVEfmt ";
  PutLe32(wav, 16);
  PutLe16(wav, 1);  // PCM
  PutLe16(wav, 1);  // mono
  PutLe32(wav, kRate);
  PutLe32(wav, kRate * 2);
  PutLe16(wav, 2);
  PutLe16(wav, 16);
  wav += "data";
  PutLe32(wav, static_cast<std::uint32_t>(pcm.size()));
  return wav + pcm;
}

std::vector<std::string> TextPlaceholderSigns(const json& value, std::string_view input) {
  std::vector<std::string> signs;
  std::vector<std::string> texts;
  CollectStrings(value, texts);
  static constexpr std::string_view kPhrases[] = {
      "placeholder",    "not implemented",   "lorem ipsum",      "dummy output",
      "dummy response", "replace this with", "model not loaded", "inference not implemented"};
  for (const std::string& t : texts) {
    const std::string low = Lower(t);
    for (std::string_view p : kPhrases) {
      if (low.find(p) != std::string::npos) {
        signs.push_back("output text contains \"" + std::string(p) + "\"");
      }
    }
    if (HasUpperWord(t, "TODO")) signs.push_back("output text contains \"TODO\"");
  }
  // An echo: the input back, with at most a short fixed decoration ("echo: …", "You said …").
  const std::string in = Trim(input);
  if (value.is_string() && in.size() >= 3) {
    const std::string out = value.get<std::string>();
    if (auto p = out.find(in); p != std::string::npos) {
      // A decoration sits before or after the input, not around it ("The X is Y" is an answer).
      const std::string before = Trim(out.substr(0, p)), after = Trim(out.substr(p + in.size()));
      std::string residue = before.empty() ? after : after.empty() ? before : std::string(64, '?');
      if (residue.size() <= 24) {
        signs.push_back(residue.empty()
                            ? "output is the input echoed back"
                            : "output is the input echoed back with \"" + residue + "\"");
      }
    }
  }
  std::sort(signs.begin(), signs.end());
  signs.erase(std::unique(signs.begin(), signs.end()), signs.end());
  return signs;
}

std::vector<std::string> MediaPlaceholderSigns(std::string_view bytes, json* detail) {
  std::vector<std::string> signs;
  const gradio::MediaType t = gradio::DetectMediaType(bytes);
  if (auto size = ImageSize(bytes, t)) {
    if (detail) {
      (*detail)["width"] = size->first;
      (*detail)["height"] = size->second;
    }
    if (size->first <= 4 && size->second <= 4) {
      signs.push_back("image is only " + std::to_string(size->first) + "x" +
                      std::to_string(size->second) + " pixels");
    }
  }
  if (t == gradio::MediaType::kWav) {
    if (auto w = ParseWav(bytes); w && w->rate > 0 && w->channels > 0 && w->bits >= 8) {
      const double frame_bytes = w->channels * ((w->bits + 7) / 8);
      const double seconds = static_cast<double>(w->samples.size()) / frame_bytes / w->rate;
      const char silent_byte = w->bits == 8 ? '\x80' : '\0';
      const bool silent = std::all_of(w->samples.begin(), w->samples.end(),
                                      [&](char c) { return c == silent_byte; });
      if (detail) {
        (*detail)["duration_s"] = std::round(seconds * 1000.0) / 1000.0;
        (*detail)["sample_rate"] = w->rate;
        (*detail)["channels"] = w->channels;
      }
      if (seconds < 0.05) {
        signs.push_back("audio is only " + std::to_string(static_cast<int>(seconds * 1000)) +
                        " ms long");
      }
      if (silent && !w->samples.empty())
        signs.push_back("audio is pure silence (all samples zero)");
    }
  }
  return signs;
}

int RecommendZeroGpuDuration(double max_seconds, std::string* note) {
  constexpr int kMin = 10, kMax = 120;
  double raw = std::ceil(std::max(0.0, max_seconds) * 1.5);
  int d = static_cast<int>(std::ceil(raw / 5.0) * 5.0);
  char observed[32];
  std::snprintf(observed, sizeof observed, "%.1f", std::max(0.0, max_seconds));
  std::string n =
      "max observed " + std::string(observed) + " s × 1.5, rounded up to a multiple of 5 s";
  if (d < kMin) {
    d = kMin;
    n += ", raised to the " + std::to_string(kMin) + " s floor";
  }
  if (d > kMax) {
    d = kMax;
    n += "; capped at " + std::to_string(kMax) +
         " s: calls this slow are likely refused as an illegal duration for free or anonymous "
         "callers — make the call faster or use a dynamic duration";
  } else if (d > 60) {
    n += "; above the 60 s default: visitors with little ZeroGPU quota left will be refused";
  }
  if (note) *note = n;
  return d;
}

}  // namespace sf::factory

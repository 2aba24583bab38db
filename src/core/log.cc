#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/core.h"

namespace sf {
namespace {

bool IsTokenChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

constexpr std::string_view kMark = "[REDACTED]";

// Redacts "<prefix><token chars>" when at least `min_len` token chars follow a word boundary.
std::string RedactPrefixed(std::string_view text, std::string_view prefix, std::size_t min_len,
                           bool ignore_case, bool keep_prefix) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    bool boundary = i == 0 || !IsWordChar(text[i - 1]);
    std::string_view rest = text.substr(i);
    bool match = boundary && (ignore_case ? StartsWithIgnoreCase(rest, prefix)
                                          : rest.substr(0, prefix.size()) == prefix);
    if (match) {
      std::size_t j = i + prefix.size();
      while (j < text.size() && text[j] == ' ' && keep_prefix) ++j;  // "Bearer   x"
      std::size_t k = j;
      while (k < text.size() && IsTokenChar(text[k])) ++k;
      if (k - j >= min_len) {
        if (keep_prefix) out.append(text.substr(i, j - i));
        out.append(kMark);
        i = k;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void Redactor::AddSecret(std::string secret) {
  if (secret.size() < 6) return;  // too short to redact without mangling ordinary text
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end())
    secrets_.push_back(std::move(secret));
}

std::string Redactor::Redact(std::string_view text) const {
  std::string out(text);
  // Literal secrets first: they may not look like any known key format.
  for (const auto& s : secrets_) {
    for (std::size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos)) {
      out.replace(pos, s.size(), kMark);
      pos += kMark.size();
    }
  }
  out = RedactPrefixed(out, "hf_", 8, false, false);
  out = RedactPrefixed(out, "sk-", 8, false, false);
  out = RedactPrefixed(out, "Bearer ", 1, true, true);
  return out;
}

std::string MaskSecret(std::string_view secret) {
  if (secret.size() <= 8) return std::string(secret.size(), '*');
  std::string prefix;
  for (std::string_view p : {"hf_", "sk-or-v1-", "sk-"}) {
    if (secret.substr(0, p.size()) == p) {
      prefix = std::string(p);
      break;
    }
  }
  return prefix + "…" + std::string(secret.substr(secret.size() - 4));
}

Logger::Logger(LogLevel level, std::shared_ptr<const Redactor> redactor, Sink sink)
    : level_(level), redactor_(std::move(redactor)), sink_(std::move(sink)) {
  if (!sink_) {
    // One stderr spdlog logger per Logger (not the spdlog global registry): logs never go to
    // stdout, which belongs to command output (--json, MCP stdio).
    auto spd = std::make_shared<spdlog::logger>(
        "sf", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    spd->set_pattern("%^%l%$ %v");
    spd->set_level(spdlog::level::trace);
    sink_ = [spd](LogLevel l, std::string_view line) { spd->log(ToSpd(l), "{}", line); };
  }
}

void Logger::Log(LogLevel level, std::string_view message) const {
  if (level < level_ || level == LogLevel::kOff) return;
  if (redactor_) {
    sink_(level, redactor_->Redact(message));
  } else {
    sink_(level, Redactor().Redact(message));
  }
}

}  // namespace sf

// core: the vocabulary every other module speaks.
//
// - Status / Result<T>: the one error type. Codes are semantic; only the edges (cli, server) map
// them to
//   exit codes and HTTP statuses.
// - Clock, FileSystem, Env: side effects behind small interfaces so tests can fake them or fail
// them on
//   purpose. Real implementations are cheap to construct; nothing here is a global.
// - Redactor + Logger: every log line passes through secret redaction before it reaches a sink.
// - Config loading (YAML or JSON, ${ENV} expansion) and sortable run ids.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sf {

// ---------------------------------------------------------------------------------------------
// Errors

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad user input: flags, card, config (exit 2)
  kNotFound,         // a file, run or remote object does not exist
  kAlreadyExists,
  kPermissionDenied,  // auth refused, gated, private
  kFailedPrecondition,
  kParse,        // malformed input data (YAML, JSON, ...)
  kIo,           // local filesystem failure
  kUnavailable,  // network / remote unreachable (exit 3)
  kRemote,       // remote answered with an error
  kTimeout,
  kCancelled,
  kInternal,
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code>: <message>" for logs; user-facing output usually prints message() alone.
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status ParseError(std::string message);
Status IoError(std::string message);
Status Unavailable(std::string message);
Status Internal(std::string message);

// A value or a non-ok Status. Accessing value() of an error is a programming bug (asserts).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define SF_CONCAT_INNER(a, b) a##b
#define SF_CONCAT(a, b) SF_CONCAT_INNER(a, b)
#define SF_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::sf::Status sf_status_ = (expr);        \
    if (!sf_status_.ok()) return sf_status_; \
  } while (0)
#define SF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
#define SF_ASSIGN_OR_RETURN(lhs, expr) \
  SF_ASSIGN_OR_RETURN_IMPL(SF_CONCAT(sf_result_, __LINE__), lhs, expr)

// ---------------------------------------------------------------------------------------------
// Time

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time for durations.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override;
  std::chrono::steady_clock::time_point Monotonic() const override;
};

// A clock tests move by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start) : now_(start) {}
  std::chrono::system_clock::time_point Now() const override { return now_; }
  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }
  void Advance(std::chrono::milliseconds d) { now_ += d; }

 private:
  std::chrono::system_clock::time_point now_;
};

// "2026-11-24T03:15:00Z" (UTC, seconds).
std::string FormatIso8601(std::chrono::system_clock::time_point t);

// ---------------------------------------------------------------------------------------------
// Filesystem

// The file operations the product needs. Paths are plain strings; implementations must not throw.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Reads a regular file. Refuses directories and files above `max_bytes` with a clear message.
  virtual Result<std::string> ReadFile(const std::string& path,
                                       std::uint64_t max_bytes = 64ull << 20) const = 0;
  // Writes tmp file + fsync + rename + fsync(dir): readers see the old or the new content, never
  // half.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data) = 0;
  // Appends one line (a '\n' is added) and fsyncs: the journal primitive.
  virtual Status AppendLine(const std::string& path, std::string_view line) = 0;
  virtual Status CreateDirectories(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) const = 0;
  virtual bool IsDirectory(const std::string& path) const = 0;
  // Names (not paths) of the entries of a directory, sorted.
  virtual Result<std::vector<std::string>> ListDirectory(const std::string& path) const = 0;
  virtual Status RemoveAll(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
};

// The real, POSIX-backed filesystem.
std::unique_ptr<FileSystem> NewRealFileSystem();

// ---------------------------------------------------------------------------------------------
// Environment variables (injectable so tests never touch the process environment)

class Env {
 public:
  virtual ~Env() = default;
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
};

class ProcessEnv final : public Env {
 public:
  std::optional<std::string> Get(const std::string& name) const override;
};

class MapEnv final : public Env {
 public:
  explicit MapEnv(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {}
  std::optional<std::string> Get(const std::string& name) const override;

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

// Expands ${NAME} and ${NAME:-default} in `text`. An unset variable without default is an error
// naming the variable. "$$" is a literal '$'.
Result<std::string> ExpandEnv(std::string_view text, const Env& env);

// ---------------------------------------------------------------------------------------------
// Secrets and logging

// Replaces secrets in text with "[REDACTED]": Hugging Face tokens (hf_…), OpenAI-style keys (sk-…),
// the credential after "Bearer ", and every literal secret registered with AddSecret.
class Redactor {
 public:
  void AddSecret(std::string secret);  // ignored when shorter than 6 characters
  std::string Redact(std::string_view text) const;

 private:
  std::vector<std::string> secrets_;
};

// "hf_abcd…wxyz" → "hf_…wxyz": safe to show, enough to tell keys apart.
std::string MaskSecret(std::string_view secret);

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

// A logger that redacts before it writes. Sinks default to stderr; tests pass a capture function.
class Logger {
 public:
  using Sink = std::function<void(LogLevel, std::string_view line)>;
  Logger(LogLevel level, std::shared_ptr<const Redactor> redactor, Sink sink = nullptr);

  void Log(LogLevel level, std::string_view message) const;
  void Debug(std::string_view m) const { Log(LogLevel::kDebug, m); }
  void Info(std::string_view m) const { Log(LogLevel::kInfo, m); }
  void Warn(std::string_view m) const { Log(LogLevel::kWarn, m); }
  void Error(std::string_view m) const { Log(LogLevel::kError, m); }
  LogLevel level() const { return level_; }

 private:
  LogLevel level_;
  std::shared_ptr<const Redactor> redactor_;
  Sink sink_;
};

// ---------------------------------------------------------------------------------------------
// Config

// Parses YAML (JSON is accepted too, as YAML is a superset) into JSON, expanding ${ENV} in every
// string scalar. Errors name `source`, the line and the key path ("providers.openrouter.api_key").
Result<nlohmann::json> ParseConfig(std::string_view text, std::string_view source, const Env& env);
Result<nlohmann::json> LoadConfigFile(const FileSystem& fs, const std::string& path,
                                      const Env& env);

// ---------------------------------------------------------------------------------------------
// Ids

// A run id that sorts by creation time: "20261124T031500Z-7f3a" (UTC second + 16 random bits).
std::string MakeRunId(std::chrono::system_clock::time_point t, std::uint32_t random_bits);
bool IsValidRunId(std::string_view id);

// The product version, "0.1.0".
std::string_view Version();

}  // namespace sf

#include "sim/commit_ndjson.h"

#include <nlohmann/json.hpp>

namespace sf::sim {
namespace {

using nlohmann::json;

Status LineError(std::size_t line, const std::string& what) {
  return InvalidArgument("line " + std::to_string(line) + ": " + what);
}

bool GetString(const json& obj, const char* key, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool IsValidRepoPath(std::string_view path, std::string* why) {
  auto fail = [&](const char* m) {
    if (why != nullptr) *why = m;
    return false;
  };
  if (path.empty()) return fail("empty path");
  if (path.size() > 1024) return fail("path longer than 1024 bytes");
  if (path.front() == '/') return fail("path must be relative");
  for (char c : path) {
    if (c == '\0') return fail("NUL byte in path");
    if (c == '\\') return fail("backslash in path");
  }
  std::size_t start = 0;
  bool first = true;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty()) return fail("empty path segment");
    if (seg == "." || seg == "..") return fail("'.' or '..' segment in path");
    if (first && seg == ".git") return fail("path inside .git/");
    first = false;
    start = end + 1;
  }
  return true;
}

Result<ParsedCommit> ParseCommitNdjson(std::string_view body, const CommitLimits& limits) {
  ParsedCommit out;
  bool have_header = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    json obj = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (obj.is_discarded()) return LineError(line_no, "not valid JSON");
    if (!obj.is_object()) return LineError(line_no, "expected a JSON object");
    std::string key;
    if (!GetString(obj, "key", &key)) return LineError(line_no, "missing string field 'key'");
    auto vit = obj.find("value");
    if (vit == obj.end() || !vit->is_object()) {
      return LineError(line_no, "missing object field 'value'");
    }
    const json& value = *vit;
    if (key == "header") {
      if (have_header) return LineError(line_no, "a second header line");
      if (!out.ops.empty()) return LineError(line_no, "the header must be the first line");
      have_header = true;
      if (!GetString(value, "summary", &out.header.summary)) {
        return LineError(line_no, "header needs a string 'summary'");
      }
      if (out.header.summary.size() > limits.max_summary) {
        return LineError(line_no, "summary too long");
      }
      if (value.contains("description")) {
        if (!value["description"].is_string() && !value["description"].is_null()) {
          return LineError(line_no, "header 'description' must be a string");
        }
        if (value["description"].is_string()) out.header.description = value["description"];
      }
      if (value.contains("parentCommit") && !value["parentCommit"].is_null()) {
        std::string parent;
        if (!GetString(value, "parentCommit", &parent) || parent.size() != 40 || !IsHex(parent)) {
          return LineError(line_no, "parentCommit must be a 40-hex commit id");
        }
        out.header.parent_commit = parent;
      }
      continue;
    }
    if (!have_header) return LineError(line_no, "the first line must be the header");
    if (out.ops.size() >= limits.max_ops) return LineError(line_no, "too many operations");
    CommitOp op;
    if (!GetString(value, "path", &op.path)) return LineError(line_no, "missing string 'path'");
    std::string why;
    if (!IsValidRepoPath(op.path, &why)) return LineError(line_no, "bad path: " + why);
    if (key == "file") {
      op.kind = CommitOp::Kind::kFile;
      if (!GetString(value, "content", &op.content)) {
        return LineError(line_no, "file needs a string 'content'");
      }
      op.encoding = "utf-8";
      if (value.contains("encoding")) {
        if (!GetString(value, "encoding", &op.encoding) ||
            (op.encoding != "base64" && op.encoding != "utf-8")) {
          return LineError(line_no, "encoding must be 'base64' or 'utf-8'");
        }
      }
    } else if (key == "lfsFile") {
      op.kind = CommitOp::Kind::kLfsFile;
      std::string algo = "sha256";
      if (value.contains("algo") && (!GetString(value, "algo", &algo) || algo != "sha256")) {
        return LineError(line_no, "lfsFile algo must be 'sha256'");
      }
      if (!GetString(value, "oid", &op.oid) || op.oid.size() != 64 || !IsHex(op.oid)) {
        return LineError(line_no, "lfsFile needs 'oid', 64 lower-case hex digits");
      }
      auto sit = value.find("size");
      if (sit == value.end() || !sit->is_number_unsigned()) {
        return LineError(line_no, "lfsFile needs a non-negative integer 'size'");
      }
      op.size = sit->get<std::uint64_t>();
    } else if (key == "deletedFile") {
      op.kind = CommitOp::Kind::kDeletedFile;
    } else if (key == "deletedFolder") {
      op.kind = CommitOp::Kind::kDeletedFolder;
    } else {
      return LineError(line_no, "unknown key '" + key.substr(0, 64) + "'");
    }
    out.ops.push_back(std::move(op));
  }
  if (!have_header) return InvalidArgument("empty commit: no header line");
  return out;
}

}  // namespace sf::sim

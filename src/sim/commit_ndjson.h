// The Hub's NDJSON commit payload (POST /api/{type}s/{id}/commit/{rev}), parsed and validated
// without touching any state: a header line first, then file / lfsFile / deletedFile /
// deletedFolder lines. Pure (nlohmann json + core only) so a libFuzzer target can link it alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sf::sim {

struct CommitHeader {
  std::string summary;
  std::string description;
  std::optional<std::string> parent_commit;
};

struct CommitOp {
  enum class Kind { kFile, kLfsFile, kDeletedFile, kDeletedFolder };
  Kind kind = Kind::kFile;
  std::string path;
  std::string content;   // kFile: the still-encoded content
  std::string encoding;  // kFile: "base64" or "utf-8"
  std::string oid;       // kLfsFile: sha256 hex (lower case)
  std::uint64_t size = 0;
};

struct ParsedCommit {
  CommitHeader header;
  std::vector<CommitOp> ops;
};

struct CommitLimits {
  std::size_t max_ops = 25'000;
  std::size_t max_summary = 4096;
};

// Errors are kInvalidArgument with "line N: what is wrong", suitable for a 400 body.
Result<ParsedCommit> ParseCommitNdjson(std::string_view body, const CommitLimits& limits = {});

// A path inside a repo: relative, '/'-separated, no empty, '.' or '..' segments, no NUL or
// backslash, not inside .git/, at most 1024 bytes. `why` says what is wrong.
bool IsValidRepoPath(std::string_view path, std::string* why);

}  // namespace sf::sim

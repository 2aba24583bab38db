// Internal to sf_runs: the SQLite index of the run store (DESIGN.md §3). Not a public header.
//
// One table, `runs`, keyed by run_id; WAL mode, synchronous=NORMAL, a busy timeout so several
// processes can share the file; schema version in PRAGMA user_version. Every statement is prepared
// once and bound with parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "runs/runs.h"

struct sqlite3;

namespace sf::runs::internal {

inline constexpr int kIndexSchemaVersion = 1;

class Index {
 public:
  // Opens (creating if needed) the database at `path`, applies the pragmas and the schema, and
  // verifies it (PRAGMA quick_check). A file that is not a database, or is corrupt, yields
  // kFailedPrecondition with "corrupt" in the message so the caller can move it aside. `*created`
  // says whether the schema was created by this call (the table is then empty).
  static Result<std::unique_ptr<Index>> Open(const std::string& path, bool* created);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  Status Upsert(const RunSummary& run);
  Result<std::vector<RunSummary>> List(int limit);
  // kNotFound when the row is absent.
  Result<RunSummary> Get(const std::string& run_id);
  // Replaces every row with `runs`, in one transaction.
  Status ReplaceAll(const std::vector<RunSummary>& runs);

 private:
  struct Statements;
  explicit Index(sqlite3* db);
  Status Prepare();
  Status Exec(const char* sql);

  sqlite3* db_;
  std::unique_ptr<Statements> stmts_;
};

// True for the status Index::Open returns when the file must be moved aside and rebuilt.
bool IsCorruptIndexStatus(const Status& s);

}  // namespace sf::runs::internal

#include "runs/index.h"

#include <sqlite3.h>

#include <utility>

namespace sf::runs::internal {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kCorruptMarker = "corrupt index";

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
    return Status(Code::kFailedPrecondition, std::string(kCorruptMarker) + ": " + msg);
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable("index busy: " + msg);
  return IoError("index: " + msg);
}

// Owns a prepared statement; Reset() readies it for the next use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Status Prepare(sqlite3* db, const char* sql) {
    db_ = db;
    int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, std::string("prepare ") + sql);
    return Status::Ok();
  }
  sqlite3_stmt* get() { return stmt_; }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Status BindText(int i, const std::string& v) {
    int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return rc == SQLITE_OK ? Status::Ok() : SqliteError(db_, rc, "bind");
  }
  Status BindInt(int i, int v) {
    int rc = sqlite3_bind_int(stmt_, i, v);
    return rc == SQLITE_OK ? Status::Ok() : SqliteError(db_, rc, "bind");
  }
  // Runs a statement that returns no rows.
  Status Run(std::string_view what) {
    int rc = sqlite3_step(stmt_);
    Status s = rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, rc, what);
    Reset();
    return s;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string ColumnText(sqlite3_stmt* st, int col) {
  const unsigned char* p = sqlite3_column_text(st, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
}

// Columns: run_id, kind, input, status, created_at, updated_at, simulated.
Result<RunSummary> RowToSummary(sqlite3_stmt* st) {
  RunSummary r;
  r.run_id = ColumnText(st, 0);
  r.kind = ColumnText(st, 1);
  r.input = ColumnText(st, 2);
  std::string status = ColumnText(st, 3);
  std::optional<RunStatus> parsed = StatusFromName(status);
  if (!parsed) return ParseError("index row " + r.run_id + " has unknown status '" + status + "'");
  r.status = *parsed;
  r.created_at = ColumnText(st, 4);
  r.updated_at = ColumnText(st, 5);
  r.simulated = sqlite3_column_int(st, 6) != 0;
  return r;
}

constexpr const char* kSelectColumns =
    "SELECT run_id, kind, input, status, created_at, updated_at, simulated FROM runs ";

}  // namespace

struct Index::Statements {
  Stmt upsert, list, get, delete_all, begin, commit, rollback;
};

bool IsCorruptIndexStatus(const Status& s) {
  return s.code() == Code::kFailedPrecondition &&
         s.message().compare(0, kCorruptMarker.size(), kCorruptMarker) == 0;
}

Index::Index(sqlite3* db) : db_(db) {}

Index::~Index() {
  stmts_.reset();  // finalize before close
  sqlite3_close_v2(db_);
}

Status Index::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  sqlite3_free(err);
  return SqliteError(db_, rc, sql);
}

Result<std::unique_ptr<Index>> Index::Open(const std::string& path, bool* created) {
  *created = false;
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // The handle is owned even when opening failed.
  std::unique_ptr<Index> idx(new Index(raw));
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);

  // journal_mode returns a row; anything but "wal" means WAL could not be enabled.
  {
    Stmt mode;
    SF_RETURN_IF_ERROR(mode.Prepare(raw, "PRAGMA journal_mode=WAL"));
    rc = sqlite3_step(mode.get());
    if (rc != SQLITE_ROW) return SqliteError(raw, rc, "set WAL mode on " + path);
    std::string got = ColumnText(mode.get(), 0);
    if (got != "wal") return IoError("index " + path + ": cannot enable WAL (mode " + got + ")");
  }
  SF_RETURN_IF_ERROR(idx->Exec("PRAGMA synchronous=NORMAL"));
  {
    Stmt check;
    SF_RETURN_IF_ERROR(check.Prepare(raw, "PRAGMA quick_check"));
    rc = sqlite3_step(check.get());
    if (rc != SQLITE_ROW) return SqliteError(raw, rc, "check " + path);
    std::string verdict = ColumnText(check.get(), 0);
    if (verdict != "ok") {
      return Status(Code::kFailedPrecondition,
                    std::string(kCorruptMarker) + ": " + path + ": " + verdict);
    }
  }

  // Schema: BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh store
  // do not both create it.
  SF_RETURN_IF_ERROR(idx->Exec("BEGIN IMMEDIATE"));
  auto schema = [&]() -> Status {
    Stmt version;
    SF_RETURN_IF_ERROR(version.Prepare(raw, "PRAGMA user_version"));
    int step = sqlite3_step(version.get());
    if (step != SQLITE_ROW) return SqliteError(raw, step, "read user_version");
    int v = sqlite3_column_int(version.get(), 0);
    if (v == kIndexSchemaVersion) return Status::Ok();
    if (v > kIndexSchemaVersion) {
      return Status(Code::kFailedPrecondition, "index " + path + " has schema version " +
                                                   std::to_string(v) +
                                                   ", newer than this spacefactory understands (" +
                                                   std::to_string(kIndexSchemaVersion) + ")");
    }
    // v == 0: a new file (or a pre-versioned one: the index is derived data, so start over).
    SF_RETURN_IF_ERROR(idx->Exec("DROP TABLE IF EXISTS runs"));
    SF_RETURN_IF_ERROR(
        idx->Exec("CREATE TABLE runs ("
                  " run_id TEXT PRIMARY KEY NOT NULL,"
                  " kind TEXT NOT NULL,"
                  " input TEXT NOT NULL,"
                  " status TEXT NOT NULL,"
                  " created_at TEXT NOT NULL,"
                  " updated_at TEXT NOT NULL,"
                  " simulated INTEGER NOT NULL DEFAULT 0)"));
    SF_RETURN_IF_ERROR(idx->Exec("CREATE INDEX runs_status ON runs(status)"));
    // PRAGMA takes no bound parameters; the value is a compile-time constant.
    SF_RETURN_IF_ERROR(idx->Exec("PRAGMA user_version=1"));
    static_assert(kIndexSchemaVersion == 1, "update the PRAGMA user_version above");
    *created = true;
    return Status::Ok();
  };
  Status s = schema();
  if (!s.ok()) {
    (void)idx->Exec("ROLLBACK");
    *created = false;
    return s;
  }
  SF_RETURN_IF_ERROR(idx->Exec("COMMIT"));
  SF_RETURN_IF_ERROR(idx->Prepare());
  return idx;
}

Status Index::Prepare() {
  stmts_ = std::make_unique<Statements>();
  SF_RETURN_IF_ERROR(stmts_->upsert.Prepare(
      db_,
      "INSERT INTO runs (run_id, kind, input, status, created_at, updated_at, simulated)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
      " ON CONFLICT(run_id) DO UPDATE SET kind=excluded.kind, input=excluded.input,"
      " status=excluded.status, created_at=excluded.created_at,"
      " updated_at=excluded.updated_at, simulated=excluded.simulated"));
  SF_RETURN_IF_ERROR(stmts_->list.Prepare(
      db_, (std::string(kSelectColumns) + "ORDER BY run_id DESC LIMIT ?1").c_str()));
  SF_RETURN_IF_ERROR(
      stmts_->get.Prepare(db_, (std::string(kSelectColumns) + "WHERE run_id = ?1").c_str()));
  SF_RETURN_IF_ERROR(stmts_->delete_all.Prepare(db_, "DELETE FROM runs"));
  SF_RETURN_IF_ERROR(stmts_->begin.Prepare(db_, "BEGIN IMMEDIATE"));
  SF_RETURN_IF_ERROR(stmts_->commit.Prepare(db_, "COMMIT"));
  SF_RETURN_IF_ERROR(stmts_->rollback.Prepare(db_, "ROLLBACK"));
  return Status::Ok();
}

Status Index::Upsert(const RunSummary& run) {
  Stmt& st = stmts_->upsert;
  auto bind = [&]() -> Status {
    SF_RETURN_IF_ERROR(st.BindText(1, run.run_id));
    SF_RETURN_IF_ERROR(st.BindText(2, run.kind));
    SF_RETURN_IF_ERROR(st.BindText(3, run.input));
    SF_RETURN_IF_ERROR(st.BindText(4, std::string(StatusName(run.status))));
    SF_RETURN_IF_ERROR(st.BindText(5, run.created_at));
    SF_RETURN_IF_ERROR(st.BindText(6, run.updated_at));
    return st.BindInt(7, run.simulated ? 1 : 0);
  };
  Status s = bind();
  if (!s.ok()) {
    st.Reset();
    return s;
  }
  return st.Run("index run " + run.run_id);
}

Result<std::vector<RunSummary>> Index::List(int limit) {
  Stmt& st = stmts_->list;
  Status s = st.BindInt(1, limit > 0 ? limit : -1);  // LIMIT -1: no limit
  if (!s.ok()) {
    st.Reset();
    return s;
  }
  std::vector<RunSummary> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    Result<RunSummary> r = RowToSummary(st.get());
    if (!r.ok()) {
      st.Reset();
      return r.status();
    }
    out.push_back(std::move(r).value());
  }
  Status done = rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, rc, "list runs");
  st.Reset();
  if (!done.ok()) return done;
  return out;
}

Result<RunSummary> Index::Get(const std::string& run_id) {
  Stmt& st = stmts_->get;
  Status s = st.BindText(1, run_id);
  if (!s.ok()) {
    st.Reset();
    return s;
  }
  int rc = sqlite3_step(st.get());
  Result<RunSummary> out = NotFound("run " + run_id + " is not in the index");
  if (rc == SQLITE_ROW) {
    out = RowToSummary(st.get());
  } else if (rc != SQLITE_DONE) {
    out = SqliteError(db_, rc, "get run " + run_id);
  }
  st.Reset();
  return out;
}

Status Index::ReplaceAll(const std::vector<RunSummary>& runs) {
  SF_RETURN_IF_ERROR(stmts_->begin.Run("begin rebuild"));
  auto fill = [&]() -> Status {
    SF_RETURN_IF_ERROR(stmts_->delete_all.Run("clear index"));
    for (const RunSummary& r : runs) SF_RETURN_IF_ERROR(Upsert(r));
    return stmts_->commit.Run("commit rebuild");
  };
  Status s = fill();
  if (!s.ok()) (void)stmts_->rollback.Run("rollback rebuild");
  return s;
}

}  // namespace sf::runs::internal

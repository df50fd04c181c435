// Internal to src/store: what every Store and Watch on one SQLite file in this process
// shares — the in-process writer lock and the commit signal that wakes watchers — plus
// the schema's key-range helpers and the watch starter.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/sqlite_conn.h"
#include "store/store.h"

namespace v6k::store::sqlite {

struct Hub {
  std::string path;        // canonical path of the database file
  bool temporary = false;  // ":memory:" stand-in: files removed with the Hub
  std::mutex write_mu;     // one in-process writer at a time (no SQLITE_BUSY sleeps)
  std::mutex mu;           // guards `commits` and watchers' stop flags
  std::condition_variable cv;
  uint64_t commits = 0;

  Hub() = default;
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;
  ~Hub();
  void notify_commit();
};

// The Hub for `path` (":memory:" = a new temporary file), shared while anyone holds it.
Result<std::shared_ptr<Hub>> hub_for(const std::string& path);

// Keys starting with a prefix are exactly [lo, hi); hi is bound as an empty BLOB (which
// sorts after every TEXT) when the prefix has no upper bound.
struct KeyRange {
  std::string lo;
  std::string hi;
  bool bounded = false;
};
KeyRange prefix_range(std::string_view prefix);
void bind_range_hi(Stmt& s, int index, const KeyRange& r);

// Revisions visible in the current read transaction.
struct Revisions {
  int64_t current = 0;
  int64_t compacted = 0;
};
Result<Revisions> read_revisions(Conn& c);

Error compacted_error(int64_t revision, int64_t compacted);

Result<std::unique_ptr<Watch>> start_watch(std::shared_ptr<Hub> hub, std::unique_ptr<Conn> conn,
                                           KeyRange range, int64_t from_revision,
                                           WatchSink sink, WatchErrorSink on_error);

}  // namespace v6k::store::sqlite

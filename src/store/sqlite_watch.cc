// Watches on the SQLite store: one thread and one read connection per watch. The thread
// reads rows with id > its position (history first, then whatever commits next), waking
// on the Hub's commit signal; a 1 s fallback wake also catches writes made by other
// processes on the same file.
#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>
#include <vector>

#include "store/sqlite_hub.h"

namespace v6k::store::sqlite {
namespace {

constexpr int64_t kBatch = 512;

// Rows after ?1 for names in [?2, ?3), each with the row it superseded (its prev).
// `+r.name` keeps the planner on the id range: a watch reads the newest rows.
constexpr const char* kWatchRows =
    "SELECT r.id, r.name, r.deleted, r.create_revision, r.version, r.value,"
    " p.id, p.deleted, p.create_revision, p.version, p.value"
    " FROM kv AS r LEFT JOIN kv AS p ON p.id = r.prev_revision"
    " WHERE r.id > ?1 AND +r.name >= ?2 AND +r.name < ?3 ORDER BY r.id LIMIT 512";

struct WatchState {
  std::shared_ptr<Hub> hub;    // declared first: outlives `conn`
  std::unique_ptr<Conn> conn;
  KeyRange range;
  int64_t pos = 0;             // every event <= pos has been delivered
  WatchSink sink;
  WatchErrorSink on_error;
  bool stop = false;           // guarded by hub->mu
};

// Reads the next batch into `out`; true when the batch was full (more may follow).
Result<bool> read_batch(WatchState& st, std::vector<Event>& out) {
  Conn& c = *st.conn;
  auto txn = Txn::begin(c, false);
  if (!txn) return fail(std::move(txn.error()));
  auto revs = read_revisions(c);
  if (!revs) return fail(std::move(revs.error()));
  if (st.pos < revs->compacted) return fail(compacted_error(st.pos, revs->compacted));
  auto s = c.prepare(kWatchRows);
  if (!s) return fail(std::move(s.error()));
  s->bind(1, st.pos).bind_text(2, st.range.lo);
  bind_range_hi(*s, 3, st.range);
  int64_t rows = 0;
  int64_t last = st.pos;
  while (true) {
    auto row = s->step();
    if (!row) return fail(std::move(row.error()));
    if (!*row) break;
    ++rows;
    Event e{EventType::kPut, {}, {}};
    last = s->int_at(0);
    e.kv.key = s->text_at(1);
    e.kv.mod_revision = last;
    if (s->int_at(2) != 0) {
      e.type = EventType::kDelete;
    } else {
      e.kv.create_revision = s->int_at(3);
      e.kv.version = s->int_at(4);
      e.kv.value = s->text_at(5);
    }
    if (!s->null_at(6) && s->int_at(7) == 0) {
      e.prev = KeyValue{e.kv.key, s->text_at(10), s->int_at(8), s->int_at(6), s->int_at(9)};
    }
    out.push_back(std::move(e));
  }
  bool full = rows == kBatch;
  // Nothing in our range up to `current`: skip past other prefixes' rows for good.
  st.pos = full ? last : std::max(last, revs->current);
  return full;
}

bool stopped(WatchState& st) {
  std::lock_guard lock(st.hub->mu);
  return st.stop;
}

void run(const std::shared_ptr<WatchState>& st) {
  Hub& hub = *st->hub;
  while (true) {
    uint64_t seen;
    {
      std::lock_guard lock(hub.mu);
      if (st->stop) return;
      seen = hub.commits;
    }
    bool full = true;
    while (full) {
      std::vector<Event> events;
      auto r = read_batch(*st, events);
      if (!r) {
        if (!stopped(*st) && st->on_error) st->on_error(std::move(r.error()).wrap("watch"));
        return;
      }
      full = *r;
      if (events.empty()) continue;
      if (stopped(*st)) return;
      st->sink(events);
    }
    std::unique_lock lock(hub.mu);
    hub.cv.wait_for(lock, std::chrono::seconds(1),
                    [&] { return st->stop || hub.commits != seen; });
  }
}

class SqliteWatch final : public Watch {
 public:
  explicit SqliteWatch(std::shared_ptr<WatchState> st) : st_(std::move(st)) {}
  Result<> start() {
    try {
      thread_ = std::thread([st = st_] { run(st); });
    } catch (const std::system_error& e) {
      return fail(Error::from_errno(e.code().value(), "starting watch thread"));
    }
    return {};
  }
  ~SqliteWatch() override {
    {
      std::lock_guard lock(st_->hub->mu);
      st_->stop = true;
    }
    st_->hub->cv.notify_all();
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // destroyed from its own sink: the thread exits when it returns
    } else {
      thread_.join();
    }
  }

 private:
  std::shared_ptr<WatchState> st_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Watch>> start_watch(std::shared_ptr<Hub> hub, std::unique_ptr<Conn> conn,
                                           KeyRange range, int64_t from_revision,
                                           WatchSink sink, WatchErrorSink on_error) {
  auto st = std::make_shared<WatchState>();
  st->hub = std::move(hub);
  st->conn = std::move(conn);
  st->range = std::move(range);
  st->pos = from_revision;
  st->sink = std::move(sink);
  st->on_error = std::move(on_error);
  auto w = std::make_unique<SqliteWatch>(std::move(st));
  V6K_TRY(w->start(), "watch");
  return std::unique_ptr<Watch>(std::move(w));
}

}  // namespace v6k::store::sqlite

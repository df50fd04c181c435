#include "store/sqlite_hub.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <map>

namespace v6k::store::sqlite {

namespace {

std::mutex registry_mu;
std::map<std::string, std::weak_ptr<Hub>>& registry() {
  static auto* r = new std::map<std::string, std::weak_ptr<Hub>>();
  return *r;
}

}  // namespace

Hub::~Hub() {
  if (!temporary) return;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    ::unlink((path + suffix).c_str());
  }
}

void Hub::notify_commit() {
  {
    std::lock_guard lock(mu);
    ++commits;
  }
  cv.notify_all();
}

Result<std::shared_ptr<Hub>> hub_for(const std::string& path) {
  if (path.empty()) return fail_invalid("store path is empty");
  if (path == ":memory:") {
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/v6k-store-XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) return fail_errno("creating temporary store file " + tmpl);
    ::close(fd);
    auto hub = std::make_shared<Hub>();
    hub->path = tmpl;
    hub->temporary = true;
    return hub;
  }
  std::error_code ec;
  std::filesystem::path canon = std::filesystem::weakly_canonical(path, ec);
  if (ec) return fail_errno("resolving store path " + path, ec.value());
  std::lock_guard lock(registry_mu);
  auto& reg = registry();
  for (auto it = reg.begin(); it != reg.end();) {  // drop dead entries
    it = it->second.expired() ? reg.erase(it) : std::next(it);
  }
  if (auto it = reg.find(canon.string()); it != reg.end()) {
    if (auto hub = it->second.lock()) return hub;
  }
  auto hub = std::make_shared<Hub>();
  hub->path = canon.string();
  reg[hub->path] = hub;
  return hub;
}

KeyRange prefix_range(std::string_view prefix) {
  KeyRange r;
  r.lo = std::string(prefix);
  std::string hi(prefix);
  while (!hi.empty()) {
    auto last = static_cast<unsigned char>(hi.back());
    if (last != 0xff) {
      hi.back() = static_cast<char>(last + 1);
      r.hi = std::move(hi);
      r.bounded = true;
      break;
    }
    hi.pop_back();
  }
  return r;
}

void bind_range_hi(Stmt& s, int index, const KeyRange& r) {
  if (r.bounded) {
    s.bind_text(index, r.hi);
  } else {
    s.bind_blob(index, {});
  }
}

Result<Revisions> read_revisions(Conn& c) {
  auto s = c.prepare(
      "SELECT (SELECT MAX(id) FROM kv),"
      " (SELECT value FROM meta WHERE key = 'compact_revision')");
  if (!s) return fail(std::move(s.error()));
  auto row = s->step();
  if (!row) return fail(std::move(row.error()).wrap("reading revisions"));
  if (!*row || s->null_at(0) || s->null_at(1)) {
    return fail(Error::make(EILSEQ, "store schema lacks its revision counters"));
  }
  return Revisions{s->int_at(0), s->int_at(1)};
}

Error compacted_error(int64_t revision, int64_t compacted) {
  return Error::make(ERANGE, "required revision " + std::to_string(revision) +
                                 " has been compacted (compacted revision " +
                                 std::to_string(compacted) + ")");
}

}  // namespace v6k::store::sqlite

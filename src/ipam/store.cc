#include "ipam/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include "common/atomic_file.h"
#include "ipam/pool_state.h"
#include "ipam/record_log.h"

namespace v6k::ipam {
namespace {

constexpr const char* kLogName = "alloc.log";
constexpr const char* kLockName = "lock";
constexpr const char* kCorruptName = "alloc.log.corrupt";

int64_t real_now() { return static_cast<int64_t>(::time(nullptr)); }

AddressRange v6_range(const addr::Ipv6Prefix& p) {
  addr::u128 base = p.address().to_u128();
  return {base + 1, base + (p.size() - 1)};  // never the subnet-router anycast base
}

AddressRange v4_range_of(const addr::Ipv4Prefix& p) {
  addr::u128 base = p.address().to_u32();
  return {base + 2, base + (p.size() - 2)};  // not network, gateway (.1) or broadcast
}

std::vector<AddressRange> v4_pod_ranges(const std::vector<addr::Ipv4Address>& as) {
  std::vector<AddressRange> out;
  out.reserve(as.size());
  for (const auto& a : as) out.push_back({a.to_u32(), a.to_u32()});
  return out;
}

std::string v4_list_text(const std::vector<addr::Ipv4Address>& as) {
  return std::to_string(as.size()) + " IPv4 pod address" + (as.size() == 1 ? "" : "es") + " of the node";
}

std::string join_prefixes(const std::vector<addr::Ipv6Prefix>& ps) {
  std::string out;
  for (const auto& p : ps) {
    if (!out.empty()) out += ", ";
    out += p.to_string();
  }
  return out;
}

Result<> fsync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return fail_errno("opening directory " + dir);
  if (::fsync(fd.get()) != 0) return fail_errno("syncing directory " + dir);
  return {};
}

std::string parent_of(const std::string& path) {
  auto s = path.find_last_not_of('/');
  if (s == std::string::npos) return "/";
  auto slash = path.rfind('/', s);
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Result<> write_all_at(int fd, std::string_view data, uint64_t off, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(off));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("appending to " + path);
    }
    data.remove_prefix(static_cast<size_t>(n));
    off += static_cast<uint64_t>(n);
  }
  return {};
}

Result<std::string> read_from(int fd, uint64_t off, uint64_t end, const std::string& path) {
  std::string out(end - off, '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(off + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("reading " + path);
    }
    if (n == 0) break;  // shrank under us (cannot happen under the lock)
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

Result<> validate(const PoolConfig& cfg) {
  if (cfg.data_dir.empty()) return fail_invalid("ipam: data_dir is empty");
  if (cfg.ipv4_pods && (!cfg.v6_prefixes.empty() || cfg.v4_range))
    return fail_invalid("ipam: IPv4 pod addresses exclude IPv6 prefixes and an IPv4 egress range");
  if (!cfg.ipv4_pods && !cfg.v4_addresses.empty())
    return fail_invalid("ipam: IPv4 pod addresses need ipv4_pods");
  if (!cfg.ipv4_pods && cfg.v6_prefixes.empty()) return fail_invalid("ipam: no IPv6 prefix configured");
  for (const auto& p : cfg.v6_prefixes)
    if (p.length() > 124)
      return fail_invalid("ipam: IPv6 prefix " + p.to_string() + " is longer than /124");
  if (cfg.v4_range && cfg.v4_range->length() > 30)
    return fail_invalid("ipam: IPv4 range " + cfg.v4_range->to_string() +
                        " is longer than /30");
  if (cfg.cooldown.count() < 0) return fail_invalid("ipam: negative cool-down");
  return {};
}

Result<> validate(const AllocateRequest& req) {
  if (req.key.container_id.empty()) return fail_invalid("ipam: empty container id");
  if (req.key.ifname.empty()) return fail_invalid("ipam: empty interface name");
  for (const std::string* s : {&req.key.container_id, &req.key.ifname, &req.network,
                               &req.pod_namespace, &req.pod_name})
    if (s->size() > kMaxField)
      return fail_invalid("ipam: field longer than " + std::to_string(kMaxField) + " bytes");
  return {};
}

}  // namespace

addr::Ipv4Prefix default_v4_range() {
  return addr::Ipv4Prefix::make(addr::Ipv4Address(0xA9FEAC00u), 22).value();  // 169.254.172.0/22
}

// Holds the store's flock for one call.
class Store::Locked {
 public:
  explicit Locked(int fd) : fd_(fd) {}
  Locked(Locked&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Locked& operator=(Locked&&) = delete;
  ~Locked() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
  }

 private:
  int fd_;
};

Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::open(PoolConfig cfg) {
  V6K_TRY(validate(cfg), "opening address store");
  Store s;
  s.cfg_ = std::move(cfg);
  s.log_path_ = s.cfg_.data_dir + "/" + kLogName;
  s.state_ = std::make_unique<PoolState>();
  V6K_TRY(make_dirs(s.cfg_.data_dir, 0700), "opening address store");
  std::string lock_path = s.cfg_.data_dir + "/" + kLockName;
  s.lock_fd_.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!s.lock_fd_) return fail_errno("opening " + lock_path);
  auto l = s.lock();  // reads (and repairs) the log
  if (!l) return fail(std::move(l.error()).wrap("opening address store"));
  return s;
}

int64_t Store::now() const { return cfg_.now_unix ? cfg_.now_unix() : real_now(); }

Result<Store::Locked> Store::lock() {
  while (::flock(lock_fd_.get(), LOCK_EX) != 0)
    if (errno != EINTR) return fail_errno("locking " + cfg_.data_dir);
  Locked held(lock_fd_.get());
  V6K_TRY(refresh(), "reading " + log_path_);
  return held;
}

// Brings the in-memory state up to date with the log; the caller holds the lock.
Result<> Store::refresh() {
  struct stat st {};
  if (::stat(log_path_.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail_errno("stat " + log_path_);
    UniqueFd fd(::open(log_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return fail_errno("creating " + log_path_);
    V6K_TRY(fsync_dir(cfg_.data_dir), "making the new log durable");
    V6K_TRY(fsync_dir(parent_of(cfg_.data_dir)), "making the new log durable");
    if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + log_path_);
    log_fd_ = std::move(fd);
    log_ino_ = st.st_ino;
    log_dev_ = st.st_dev;
    log_size_ = 0;
    state_ = std::make_unique<PoolState>();
  }
  auto size = static_cast<uint64_t>(st.st_size);
  bool same_file = log_fd_ && st.st_ino == log_ino_ && st.st_dev == log_dev_;
  if (same_file && size == log_size_) return {};
  uint64_t from = 0;
  if (same_file && size > log_size_) {
    from = log_size_;  // another process appended: read only the new records
  } else {
    UniqueFd fd(::open(log_path_.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) return fail_errno("opening " + log_path_);
    if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + log_path_);
    log_fd_ = std::move(fd);
    log_ino_ = st.st_ino;
    log_dev_ = st.st_dev;
    size = static_cast<uint64_t>(st.st_size);
    state_ = std::make_unique<PoolState>();
    log_size_ = 0;
  }
  auto bytes = read_from(log_fd_.get(), from, size, log_path_);
  if (!bytes) return fail(std::move(bytes.error()));
  PoolState& state = *state_;
  ScanStats scan = scan_log(*bytes, [&](Record&& r) { state.apply(std::move(r)); });
  log_size_ = from + scan.valid_end;
  if (scan.skipped_bytes > 0 || scan.bad_records > 0) {
    // Damage inside the log (not a torn append): keep a copy for forensics, then rewrite
    // the log from what survived so later appends never follow garbage.
    std::string corrupt = cfg_.data_dir + "/" + kCorruptName;
    ::unlink(corrupt.c_str());
    if (::link(log_path_.c_str(), corrupt.c_str()) != 0) { /* best effort */ }
    if (from > 0) {  // damage in the appended part: rebuild the state from the whole file
      log_fd_.reset();
      return refresh();
    }
    return maybe_compact(true);
  }
  if (scan.tail_garbage > 0) {
    // A torn append from a process killed mid-write: its allocate never returned.
    if (::ftruncate(log_fd_.get(), static_cast<off_t>(log_size_)) != 0)
      return fail_errno("truncating the torn tail of " + log_path_);
  }
  return {};
}

Result<> Store::append(const std::string& bytes) {
  uint64_t at = log_size_;
  auto w = write_all_at(log_fd_.get(), bytes, at, log_path_);
  if (w && ::fdatasync(log_fd_.get()) != 0) w = fail_errno("syncing " + log_path_);
  if (!w) {
    // Undo the partial append; if even that fails, the next call re-reads the whole log.
    if (::ftruncate(log_fd_.get(), static_cast<off_t>(at)) != 0) log_fd_.reset();
    return w;
  }
  log_size_ = at + bytes.size();
  return {};
}

Result<> Store::maybe_compact(bool force) {
  uint64_t snap_bytes = state_->snapshot_bytes();
  if (!force && log_size_ <= snap_bytes + snap_bytes / 2 + cfg_.compact_slack_bytes) return {};
  state_->prune(now(), cfg_.cooldown.count());
  std::string snap = state_->snapshot();
  // Leftover temp files of compactions killed mid-way (we hold the lock: none is running).
  if (DIR* d = ::opendir(cfg_.data_dir.c_str())) {
    std::string prefix = std::string(kLogName) + ".tmp.";
    while (dirent* e = ::readdir(d))
      if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0)
        ::unlinkat(::dirfd(d), e->d_name, 0);
    ::closedir(d);
  }
  V6K_TRY(write_file_atomic(log_path_, snap, 0600), "compacting the allocation log");
  UniqueFd fd(::open(log_path_.c_str(), O_RDWR | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return fail_errno("reopening " + log_path_);
  log_fd_ = std::move(fd);
  log_ino_ = st.st_ino;
  log_dev_ = st.st_dev;
  log_size_ = static_cast<uint64_t>(st.st_size);
  return {};
}

Result<Allocation> Store::allocate(const AllocateRequest& req) {
  V6K_TRY(validate(req), "allocating");
  auto l = lock();
  if (!l) return fail(std::move(l.error()).wrap("allocating"));
  if (const Allocation* a = state_->find(req.key)) return *a;
  int64_t t = now();
  int64_t cd = cfg_.cooldown.count();
  Allocation a{.key = req.key,
               .v6 = std::nullopt,
               .v4 = std::nullopt,
               .allocated_unix = t,
               .network = req.network,
               .pod_namespace = req.pod_namespace,
               .pod_name = req.pod_name};
  if (!cfg_.v6_prefixes.empty()) {
    std::vector<AddressRange> v6r;
    for (const auto& p : cfg_.v6_prefixes) v6r.push_back(v6_range(p));
    auto v6 = state_->choose(false, v6r, t, cd);
    if (!v6)
      return fail(Error::make(ENOSPC, "no free address in " + join_prefixes(cfg_.v6_prefixes)));
    a.v6 = addr::Ipv6Address::from_u128(*v6);
  }
  if (cfg_.v4_range || cfg_.ipv4_pods) {
    auto ranges = cfg_.v4_range ? std::vector<AddressRange>{v4_range_of(*cfg_.v4_range)}
                                : v4_pod_ranges(cfg_.v4_addresses);
    auto v4 = state_->choose(true, ranges, t, cd);
    if (!v4)
      return fail(Error::make(ENOSPC, "no free IPv4 address in " +
                                          (cfg_.v4_range ? cfg_.v4_range->to_string()
                                                         : v4_list_text(cfg_.v4_addresses))));
    a.v4 = addr::Ipv4Address(static_cast<uint32_t>(*v4));
  }
  V6K_TRY(append(encode_record(AllocRecord{a})), "recording allocation");
  state_->apply(AllocRecord{a});
  // The allocation is durable: a failed compaction only leaves the log longer.
  if (auto c = maybe_compact(false); !c) { /* retried on the next write */ }
  return a;
}

Result<std::optional<Allocation>> Store::find(const AttachmentKey& key) {
  auto l = lock();
  if (!l) return fail(std::move(l.error()));
  const Allocation* a = state_->find(key);
  return a ? std::optional<Allocation>(*a) : std::nullopt;
}

Result<std::optional<Allocation>> Store::release(const AttachmentKey& key) {
  auto r = gc_matching([&](const AttachmentKey& k) { return k == key; });
  if (!r) return fail(std::move(r.error()).wrap("releasing"));
  if (r->empty()) return std::optional<Allocation>();
  return std::optional<Allocation>(std::move(r->front()));
}

Result<std::vector<Allocation>> Store::gc(const std::vector<AttachmentKey>& valid) {
  std::set<AttachmentKey> keep(valid.begin(), valid.end());
  auto r = gc_matching([&](const AttachmentKey& k) { return !keep.contains(k); });
  if (!r) return fail(std::move(r.error()).wrap("garbage-collecting"));
  return r;
}

// Releases every live allocation whose key matches, with one append and one sync.
Result<std::vector<Allocation>> Store::gc_matching(
    const std::function<bool(const AttachmentKey&)>& match) {
  auto l = lock();
  if (!l) return fail(std::move(l.error()));
  std::vector<Allocation> out;
  for (const auto& [k, a] : state_->live())
    if (match(k)) out.push_back(a);
  std::sort(out.begin(), out.end(),
            [](const Allocation& x, const Allocation& y) { return x.key < y.key; });
  if (out.empty()) return out;
  int64_t t = now();
  std::string bytes;
  for (const auto& a : out) bytes += encode_record(ReleaseRecord{a.key, t});
  V6K_TRY(append(bytes), "recording release");
  for (const auto& a : out) state_->apply(ReleaseRecord{a.key, t});
  if (auto c = maybe_compact(false); !c) { /* retried on the next write */ }
  return out;
}

Result<std::vector<Allocation>> Store::list() {
  auto l = lock();
  if (!l) return fail(std::move(l.error()));
  return state_->sorted_live();
}

Result<PoolStatus> Store::status() {
  auto l = lock();
  if (!l) return fail(std::move(l.error()));
  int64_t t = now();
  int64_t cd = cfg_.cooldown.count();
  PoolStatus s;
  s.live = state_->live().size();
  s.cooling = state_->cooling(t, cd);
  std::vector<AddressRange> v6r;
  for (const auto& p : cfg_.v6_prefixes) v6r.push_back(v6_range(p));
  if (!v6r.empty()) s.v6_available = state_->choose(false, v6r, t, cd).has_value();
  if (cfg_.v4_range)
    s.v4_available = state_->choose(true, {v4_range_of(*cfg_.v4_range)}, t, cd).has_value();
  if (cfg_.ipv4_pods) {
    s.v4_free = state_->count_free(true, v4_pod_ranges(cfg_.v4_addresses), t, cd);
    s.v4_available = s.v4_free > 0;
  }
  return s;
}

Result<std::vector<addr::Ipv4Address>> Store::unavailable_v4() {
  auto l = lock();
  if (!l) return fail(std::move(l.error()));
  std::vector<addr::Ipv4Address> out;
  for (addr::u128 a : state_->unavailable(true, now(), cfg_.cooldown.count()))
    out.emplace_back(static_cast<uint32_t>(a));
  return out;
}

Result<uint64_t> Store::log_size() {
  auto l = lock();
  if (!l) return fail(std::move(l.error()));
  return log_size_;
}

}  // namespace v6k::ipam

#include "node/agent/probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "kube/client/events.h"
#include "netlink/netns.h"

namespace v6k::node {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---- the prober thread: one epoll loop for every probe of the node ---------------------

namespace {

struct Slot {
  ProbeType type;
  std::optional<ProbeSpec> spec;
  std::string error;  // why the probe could not be parsed (each run reports it)
  ProbeTracker tracker;
  Clock::time_point due;
  bool busy = false;
};

struct Entry {
  ProbeTarget t;
  std::vector<Slot> slots;
  std::optional<netlink::NetNs> netns;  // opened by the prober thread when first needed
  bool started() const {
    for (const auto& s : slots)
      if (s.type == ProbeType::kStartup) return s.tracker.result == ProbeResult::kSuccess;
    return true;
  }
  bool runnable(const Slot& s) const {
    if (s.busy || s.tracker.on_hold) return false;
    return s.type == ProbeType::kStartup ? s.tracker.result != ProbeResult::kSuccess : started();
  }
};

// Go's wording of a socket error ("connection refused"), as upstream's events show it.
std::string go_errno(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string join_command(const std::vector<std::string>& cmd) {
  std::string out;
  for (const auto& c : cmd) out += (out.empty() ? "" : " ") + c;
  return out;
}

constexpr size_t kMaxOutput = 10 * 1024;  // upstream keeps 10 KiB of exec output

}  // namespace

struct Prober::Impl {
  // One probe run in flight (owned by the prober thread).
  struct Op {
    std::shared_ptr<Entry> e;
    size_t slot = 0;
    ProbeSpec spec;
    Clock::time_point began, deadline;
    bool done = false, errored = false;
    ProbeResult outcome = ProbeResult::kFailure;
    std::string output;
    // network probes
    UniqueFd sock;
    bool connected = false;
    std::string url, dial, request;
    size_t sent = 0;
    // exec probes
    std::optional<runtime::ExecProcess> proc;
    bool out_open = false, err_open = false, timed_out = false;
  };

  ProberOptions o;
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<Entry>> entries;  // "<pod key>\n<container>"
  std::atomic<bool> stopping{false};
  std::atomic<size_t> runs{0};
  UniqueFd ep, wake;
  std::thread thread;
  std::map<uint64_t, Op> ops;  // prober thread only
  uint64_t next_op = 1;

  static std::string key(const std::string& pod, const std::string& c) { return pod + "\n" + c; }
  void poke() const {
    uint64_t one = 1;
    (void)!::write(wake.get(), &one, sizeof one);
  }
  void watch(uint64_t id, int fd, uint32_t which, uint32_t events, int how = EPOLL_CTL_ADD) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id << 2 | which;
    ::epoll_ctl(ep.get(), how, fd, &ev);
  }
  void unwatch(int fd) {
    if (fd >= 0) ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, fd, nullptr);
  }
  static void finish(Op& op, ProbeResult r, std::string out) {
    op.done = true, op.outcome = r, op.output = std::move(out);
  }
  static void error(Op& op, std::string why) {
    op.done = true, op.errored = true, op.output = std::move(why);
  }

  void begin(uint64_t id, Op& op) {
    op.began = Clock::now();
    op.deadline = op.began + std::chrono::seconds(op.spec.timeout_seconds);
    if (op.spec.action == ProbeSpec::Action::kExec) return begin_exec(id, op);
    const std::string host = op.spec.host.empty() ? op.e->t.pod_ip : op.spec.host;
    sockaddr_storage sa{};
    socklen_t len = 0;
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&sa);
    auto* a4 = reinterpret_cast<sockaddr_in*>(&sa);
    std::string hostport;
    if (::inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
      a6->sin6_family = AF_INET6, a6->sin6_port = htons(static_cast<uint16_t>(op.spec.port)), len = sizeof *a6;
      hostport = "[" + host + "]:" + std::to_string(op.spec.port);
    } else if (::inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
      a4->sin_family = AF_INET, a4->sin_port = htons(static_cast<uint16_t>(op.spec.port)), len = sizeof *a4;
      hostport = host + ":" + std::to_string(op.spec.port);
    }
    if (op.spec.action == ProbeSpec::Action::kHttpGet) {
      std::string path = op.spec.path.empty() || op.spec.path[0] == '/' ? op.spec.path : "/" + op.spec.path;
      op.url = "http://" + (hostport.empty() ? host + ":" + std::to_string(op.spec.port) : hostport) + path;
      build_request(op, hostport.empty() ? host : hostport, path.empty() ? "/" : path);
    }
    if (len == 0)  // names would need the pod's resolver; upstream's probes take IPs in practice
      return fail_dial(op, "dial tcp: lookup " + host + ": the v6k prober takes IP addresses only");
    op.dial = "dial tcp " + hostport;
    if (!op.e->netns) {
      auto ns = netlink::NetNs::open(op.e->t.netns_path);
      if (!ns) return error(op, "opening the pod's network namespace: " + ns.error().message());
      op.e->netns.emplace(std::move(*ns));
    }
    {
      auto in = netlink::NetNsScope::enter(*op.e->netns);
      if (!in) return error(op, "entering the pod's network namespace: " + in.error().message());
      op.sock.reset(::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    }
    if (!op.sock) return error(op, "socket: " + go_errno(errno));
    if (::connect(op.sock.get(), reinterpret_cast<sockaddr*>(&sa), len) == 0) return on_connected(id, op);
    if (errno != EINPROGRESS) return fail_dial(op, op.dial + ": connect: " + go_errno(errno));
    watch(id, op.sock.get(), 0, EPOLLOUT);
  }

  void build_request(Op& op, const std::string& hostport, const std::string& target) {
    std::string host = hostport, ua = o.user_agent, accept = "*/*", extra;
    bool has_ua = false, has_accept = false;
    for (const auto& [name, value] : op.spec.headers) {
      std::string lower = name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "host") host = value;
      else if (lower == "user-agent") has_ua = true, extra += name + ": " + value + "\r\n";
      else if (lower == "accept") has_accept = true, accept = value;
      else extra += name + ": " + value + "\r\n";
    }
    op.request = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    if (!has_ua) op.request += "User-Agent: " + ua + "\r\n";
    if (!has_accept || !accept.empty()) op.request += "Accept: " + accept + "\r\n";  // "" removes it
    op.request += extra + "Connection: close\r\n\r\n";
  }

  void fail_dial(Op& op, const std::string& why) {
    finish(op, ProbeResult::kFailure, op.spec.action == ProbeSpec::Action::kHttpGet ? "Get \"" + op.url + "\": " + why : why);
  }

  void on_connected(uint64_t id, Op& op) {
    op.connected = true;
    if (op.spec.action == ProbeSpec::Action::kTcpSocket) return finish(op, ProbeResult::kSuccess, "");
    watch(id, op.sock.get(), 0, EPOLLOUT, EPOLL_CTL_MOD);
    on_socket(id, op, EPOLLOUT);
  }

  void on_socket(uint64_t id, Op& op, uint32_t events) {
    if (!op.connected) {
      int err = 0;
      socklen_t l = sizeof err;
      ::getsockopt(op.sock.get(), SOL_SOCKET, SO_ERROR, &err, &l);
      if (err != 0) return fail_dial(op, op.dial + ": connect: " + go_errno(err));
      return on_connected(id, op);
    }
    if (op.sent < op.request.size()) {
      ssize_t n = ::send(op.sock.get(), op.request.data() + op.sent, op.request.size() - op.sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) return fail_dial(op, "write tcp: " + go_errno(errno));
      if (n > 0) op.sent += static_cast<size_t>(n);
      if (op.sent == op.request.size()) watch(id, op.sock.get(), 0, EPOLLIN, EPOLL_CTL_MOD);
      return;
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    char buf[2048];
    ssize_t n = ::recv(op.sock.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) return fail_dial(op, "read tcp: " + go_errno(errno));
    if (n > 0) op.output.append(buf, static_cast<size_t>(n));
    auto eol = op.output.find("\r\n");
    if (eol == std::string::npos && n > 0 && op.output.size() < 4096) return;  // status line not complete
    if (eol == std::string::npos && op.output.empty()) return fail_dial(op, "EOF");
    const std::string line = op.output.substr(0, eol == std::string::npos ? op.output.size() : eol);
    int code = 0;
    if (line.size() >= 12 && line.rfind("HTTP/1.", 0) == 0 && line[8] == ' ' && std::isdigit(line[9]) &&
        std::isdigit(line[10]) && std::isdigit(line[11]))
      code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (code == 0) return fail_dial(op, "malformed HTTP response \"" + line.substr(0, 80) + "\"");
    if (code >= 200 && code < 400) return finish(op, ProbeResult::kSuccess, "");
    finish(op, ProbeResult::kFailure, "HTTP probe failed with statuscode: " + std::to_string(code));
  }

  void begin_exec(uint64_t id, Op& op) {
    if (!o.runtime) return error(op, "exec probes need the runtime");
    auto p = o.runtime->exec_in_container(op.e->t.container_id, {.argv = op.spec.command});
    if (!p) return error(op, p.error().message());
    op.proc.emplace(std::move(*p));
    for (int fd : {op.proc->stdout_fd(), op.proc->stderr_fd()})
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    op.out_open = op.err_open = true;
    watch(id, op.proc->stdout_fd(), 1, EPOLLIN);
    watch(id, op.proc->stderr_fd(), 2, EPOLLIN);
  }

  void on_exec_output(Op& op, uint32_t which) {
    int fd = which == 1 ? op.proc->stdout_fd() : op.proc->stderr_fd();
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
      op.output.append(buf, std::min(static_cast<size_t>(n), kMaxOutput - std::min(kMaxOutput, op.output.size())));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      unwatch(fd);
      (which == 1 ? op.out_open : op.err_open) = false;
    }
  }

  // Exec runs end when the command exits; timeouts end every kind of run.
  void check(Op& op, Clock::time_point now) {
    if (op.done) return;
    if (op.proc && !op.out_open && !op.err_open) {
      if (auto code = op.proc->wait(std::chrono::milliseconds(0)); code) {
        if (op.timed_out) return finish(op, ProbeResult::kFailure, "command \"" + join_command(op.spec.command) + "\" timed out");
        return finish(op, *code == 0 ? ProbeResult::kSuccess : ProbeResult::kFailure, std::move(op.output));
      }
    }
    if (now < op.deadline) return;
    if (!op.proc)
      return op.spec.action == ProbeSpec::Action::kHttpGet
                 ? fail_dial(op, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
                 : fail_dial(op, op.dial + ": i/o timeout");
    if (!op.timed_out) {  // SIGTERM reaches the command through the relay; SIGKILL a second later
      op.timed_out = true;
      (void)op.proc->signal(SIGTERM);
      op.deadline = now + std::chrono::seconds(1);
      return;
    }
    (void)op.proc->signal(SIGKILL);
    (void)op.proc->wait(std::chrono::milliseconds(1000));
    finish(op, ProbeResult::kFailure, "command \"" + join_command(op.spec.command) + "\" timed out");
  }

  // Applies a finished run to its probe; events and callbacks go out without the lock.
  void complete(Op& op) {
    if (op.sock) unwatch(op.sock.get());
    if (op.proc) {
      if (op.out_open) unwatch(op.proc->stdout_fd());
      if (op.err_open) unwatch(op.proc->stderr_fd());
    }
    runs++;
    bool changed = false;
    ProbeType type = ProbeType::kReadiness;
    {
      std::lock_guard lock(mu);
      auto it = entries.find(key(op.e->t.pod_key, op.e->t.container));
      if (it == entries.end() || it->second != op.e) return;  // removed or replaced meanwhile
      Slot& s = op.e->slots[op.slot];
      type = s.type;
      s.busy = false;
      s.due = std::max(op.began + std::chrono::seconds(op.spec.period_seconds), Clock::now());
      changed = !op.errored && s.tracker.observe(op.outcome, op.spec, s.type);
    }
    if (o.on_run) o.on_run(op.e->t, type, op.outcome, op.errored, op.output);
    const std::string name(probe_type_name(type));
    if (o.events && op.errored)
      o.events->record(op.e->t.pod, "Warning", "Unhealthy",
                       name + " probe errored and resulted in unknown state: " + op.output, "Pod", "v1");
    else if (o.events && op.outcome == ProbeResult::kFailure)
      o.events->record(op.e->t.pod, "Warning", "Unhealthy", name + " probe failed: " + op.output, "Pod", "v1");
    if (!changed) return;
    if (type != ProbeType::kReadiness && op.outcome == ProbeResult::kFailure) {
      if (o.on_kill)
        o.on_kill({.pod_key = op.e->t.pod_key, .container = op.e->t.container, .container_id = op.e->t.container_id,
                   .type = type, .grace_seconds = op.spec.termination_grace_seconds});
    } else if (type != ProbeType::kLiveness && o.on_change) {
      o.on_change(op.e->t.pod_key);
    }
  }

  void loop() {
    std::vector<epoll_event> evs(64);
    while (!stopping) {
      auto now = Clock::now();
      // Start what is due.
      std::vector<Op> starting;
      Clock::time_point next = now + std::chrono::seconds(1);
      {
        std::lock_guard lock(mu);
        for (auto& [k, e] : entries)
          for (size_t i = 0; i < e->slots.size(); ++i) {
            Slot& s = e->slots[i];
            if (!e->runnable(s)) continue;
            if (s.due > now) {
              next = std::min(next, s.due);
              continue;
            }
            s.busy = true;
            Op op;
            op.e = e, op.slot = i;
            if (s.spec) op.spec = *s.spec;
            else op.spec.period_seconds = 10, op.errored = op.done = true, op.output = s.error;
            starting.push_back(std::move(op));
          }
      }
      for (auto& op : starting) {
        uint64_t id = next_op++;
        Op& placed = ops.emplace(id, std::move(op)).first->second;
        if (!placed.done) begin(id, placed);
        else placed.began = now;
      }
      bool polling = false;
      for (auto& [id, op] : ops) {
        if (!op.done) check(op, Clock::now());
        if (!op.done) next = std::min(next, op.deadline);
        if (op.proc && !op.out_open && !op.err_open) polling = true;
      }
      for (auto it = ops.begin(); it != ops.end();) {
        if (!it->second.done) {
          ++it;
          continue;
        }
        complete(it->second);
        it = ops.erase(it);
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count() + 1;
      if (polling) wait = std::min<long>(wait, 5);
      int n = ::epoll_wait(ep.get(), evs.data(), static_cast<int>(evs.size()), static_cast<int>(std::max<long>(0, wait)));
      for (int i = 0; i < n; ++i) {
        const uint64_t id = evs[i].data.u64 >> 2;
        const uint32_t which = evs[i].data.u64 & 3;
        if (id == 0) {
          uint64_t v;
          (void)!::read(wake.get(), &v, sizeof v);
          continue;
        }
        auto it = ops.find(id);
        if (it == ops.end() || it->second.done) continue;
        if (which == 0) on_socket(id, it->second, evs[i].events);
        else on_exec_output(it->second, which);
      }
    }
  }
};

Prober::Prober(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Prober::~Prober() { stop(); }

Result<std::unique_ptr<Prober>> Prober::start(ProberOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->o = std::move(options);
  impl->ep.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!impl->ep) return fail_errno("prober: epoll_create1");
  impl->wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl->wake) return fail_errno("prober: eventfd");
  impl->watch(0, impl->wake.get(), 0, EPOLLIN);
  Impl* im = impl.get();
  impl->thread = std::thread([im] { im->loop(); });
  return std::unique_ptr<Prober>(new Prober(std::move(impl)));
}

void Prober::stop() {
  if (impl_->stopping.exchange(true)) return;
  impl_->poke();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->ops.clear();  // kills exec probes still running
}

void Prober::add(const ProbeTarget& t) {
  const std::string k = Impl::key(t.pod_key, t.container);
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->entries.find(k);
    if (it != impl_->entries.end() && it->second->t.container_id == t.container_id) return;
    auto e = std::make_shared<Entry>();
    e->t = t;
    // initialDelaySeconds counts from the container's start, which may be in the past (adoption).
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    const int64_t ran_ms = (static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec - t.started_ns) / 1000000;
    for (ProbeType type : {ProbeType::kStartup, ProbeType::kReadiness, ProbeType::kLiveness}) {
      const std::string field(probe_field(type));
      if (!t.spec.is_object() || !t.spec.contains(field) || t.spec[field].is_null()) continue;
      Slot s{.type = type, .tracker = ProbeTracker::initial(type)};
      if (type != ProbeType::kLiveness && t.was_ready) s.tracker.result = ProbeResult::kSuccess;  // it started too
      if (auto spec = parse_probe(t.spec[field], t.spec); spec) s.spec = std::move(*spec);
      else s.error = spec.error().message();
      const int64_t delay_ms = s.spec ? s.spec->initial_delay_seconds * int64_t{1000} : 0;
      s.due = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, delay_ms - ran_ms));
      e->slots.push_back(std::move(s));
    }
    impl_->entries[k] = std::move(e);
  }
  impl_->poke();
}

void Prober::remove(const std::string& pod_key, const std::string& container) {
  std::lock_guard lock(impl_->mu);
  impl_->entries.erase(Impl::key(pod_key, container));
}

void Prober::remove_pod(const std::string& pod_key) {
  std::lock_guard lock(impl_->mu);
  const std::string prefix = pod_key + "\n";
  for (auto it = impl_->entries.lower_bound(prefix); it != impl_->entries.end() && it->first.rfind(prefix, 0) == 0;)
    it = impl_->entries.erase(it);
}

ContainerProbeStatus Prober::status(const std::string& pod_key, const std::string& container,
                                    const std::string& container_id) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->entries.find(Impl::key(pod_key, container));
  if (it == impl_->entries.end() || it->second->t.container_id != container_id) return {};
  const Entry& e = *it->second;
  ContainerProbeStatus st{.ready = e.started(), .started = e.started()};
  for (const auto& s : e.slots)
    if (s.type == ProbeType::kReadiness && s.tracker.result != ProbeResult::kSuccess) st.ready = false;
  return st;
}

size_t Prober::probes_run() const { return impl_->runs.load(); }

}  // namespace v6k::node

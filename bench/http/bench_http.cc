// bench_http: small GETs over keep-alive, N connections from one C++ load loop (epoll,
// one request in flight per connection), against our http::Server and against the named
// peer — nginx serving a same-size static file — on another loopback port in the same
// run. Prints requests/s, p50/p99 latency and the ours/nginx ratios.
//
//   bench_http [--connections 16] [--seconds 3] [--threads 1] [--nginx /usr/sbin/nginx]
//
// --threads sets both our io threads and nginx's worker_processes. nginx runs as a child
// (`daemon off`) with its own temporary prefix and config, and is stopped by PID.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "http/server.h"

extern char** environ;

namespace v6k::http::bench {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kBody = "hello from the benchmark\n";  // 25 bytes, both servers

struct Stats {
  double rps = 0;
  double p50_us = 0, p99_us = 0;
  size_t errors = 0;
};

UniqueFd connect_loopback(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One keep-alive connection with one request in flight.
struct Conn {
  UniqueFd fd;
  std::string in;
  Clock::time_point sent;
};

// Complete response length at the front of `in` (headers + Content-Length), or 0.
size_t complete_response(const std::string& in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t len = 0;
  for (const char* key : {"Content-Length:", "content-length:"}) {
    auto pos = in.find(key);
    if (pos != std::string::npos && pos < end) len = std::strtoul(in.c_str() + pos + 15, nullptr, 10);
  }
  return in.size() >= end + 4 + len ? end + 4 + len : 0;
}

Stats run_load(uint16_t port, int connections, std::chrono::milliseconds duration) {
  const std::string request = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench_http\r\n\r\n";
  UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  std::vector<Conn> conns(static_cast<size_t>(connections));
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = connect_loopback(port);
    if (!conns[i].fd) {
      std::fprintf(stderr, "bench_http: connect to port %u failed: %s\n", port, std::strerror(errno));
      std::exit(1);
    }
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = i}};
    ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, conns[i].fd.get(), &ev);
  }
  std::vector<uint32_t> latencies_us;
  latencies_us.reserve(1 << 20);
  Stats st;
  auto send = [&](Conn& c) {
    c.sent = Clock::now();
    if (::send(c.fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
      ++st.errors;
  };
  auto start = Clock::now();
  const auto warm_end = start + std::chrono::milliseconds(300);
  const auto end = warm_end + duration;
  for (auto& c : conns) send(c);
  epoll_event events[256];
  char buf[16384];
  size_t measured = 0;
  for (auto now = Clock::now(); now < end; now = Clock::now()) {
    int n = ::epoll_wait(ep.get(), events, 256, 100);
    for (int e = 0; e < n; ++e) {
      Conn& c = conns[events[e].data.u64];
      ssize_t got = ::recv(c.fd.get(), buf, sizeof buf, 0);
      if (got <= 0) {
        ++st.errors;
        ::epoll_ctl(ep.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
        continue;
      }
      c.in.append(buf, static_cast<size_t>(got));
      while (size_t len = complete_response(c.in)) {
        auto done = Clock::now();
        if (c.in.compare(0, 12, "HTTP/1.1 200") != 0) ++st.errors;
        c.in.erase(0, len);
        if (done >= warm_end) {
          latencies_us.push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(done - c.sent).count()));
          ++measured;
        }
        send(c);
      }
    }
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty() ? 0.0 : latencies_us[static_cast<size_t>(p * (latencies_us.size() - 1))];
  };
  st.rps = static_cast<double>(measured) / std::chrono::duration<double>(duration).count();
  st.p50_us = pct(0.50);
  st.p99_us = pct(0.99);
  return st;
}

uint16_t free_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
    return 0;
  return ntohs(a.sin_port);
}

// nginx as a child process with its own prefix dir; stopped (SIGQUIT, then SIGKILL) by PID.
class Nginx {
 public:
  Nginx(const std::string& binary, uint16_t port, int workers) : port_(port) {
    char tmpl[] = "/tmp/v6k-bench-nginx-XXXXXX";
    if (!::mkdtemp(tmpl)) return;
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);  // workers run as an unprivileged user when we are root
    std::filesystem::create_directories(dir_ + "/www");
    std::ofstream(dir_ + "/www/index.html") << kBody;
    std::ofstream conf(dir_ + "/nginx.conf");
    conf << "daemon off;\nworker_processes " << workers << ";\npid " << dir_ << "/nginx.pid;\n"
         << "error_log " << dir_ << "/error.log warn;\nevents { worker_connections 4096; }\n"
         << "http {\n  access_log off;\n  keepalive_requests 100000000;\n  keepalive_timeout 60s;\n"
         << "  client_body_temp_path " << dir_ << "/tmp;\n  proxy_temp_path " << dir_ << "/tmp;\n"
         << "  fastcgi_temp_path " << dir_ << "/tmp;\n  uwsgi_temp_path " << dir_ << "/tmp;\n"
         << "  scgi_temp_path " << dir_ << "/tmp;\n  default_type text/plain;\n"
         << "  server {\n    listen 127.0.0.1:" << port << ";\n    root " << dir_ << "/www;\n  }\n}\n";
    conf.close();
    std::string prefix = dir_ + "/", config = dir_ + "/nginx.conf", err = dir_ + "/error.log";
    std::vector<char*> argv = {const_cast<char*>(binary.c_str()), const_cast<char*>("-p"), prefix.data(),
                               const_cast<char*>("-c"), config.data(), const_cast<char*>("-e"), err.data(), nullptr};
    if (::posix_spawnp(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);
      for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (::kill(pid_, 0) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  uint16_t port() const { return port_; }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  // Waits until nginx accepts connections (or exits); false when it never does.
  bool ready() {
    for (int i = 0; pid_ > 0 && i < 250; ++i) {
      if (connect_loopback(port_)) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ifstream log(dir_ + "/error.log");
    std::fprintf(stderr, "bench_http: nginx did not start; error.log:\n%s\n",
                 std::string(std::istreambuf_iterator<char>(log), {}).c_str());
    return false;
  }

 private:
  uint16_t port_;
  pid_t pid_ = -1;
  std::string dir_;
};

void print(const char* name, const Stats& s) {
  std::printf("%-14s %12.0f %10.1f %10.1f %8zu\n", name, s.rps, s.p50_us, s.p99_us, s.errors);
}

int run(int argc, char** argv) {
  int connections = 16, seconds = 3, threads = 1;
  std::string nginx = std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--connections") connections = std::atoi(argv[i + 1]);
    else if (a == "--seconds") seconds = std::atoi(argv[i + 1]);
    else if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--nginx") nginx = argv[i + 1];
  }
  auto server = Server::start({.threads = threads}, [](const Request&) {
    return Response::text(200, kBody, "text/html");
  });
  if (!server) {
    std::fprintf(stderr, "bench_http: %s\n", server.error().message().c_str());
    return 1;
  }
  Nginx peer(nginx, free_port(), threads);
  if (!peer.ready()) return 1;
  std::printf("bench_http: %d keep-alive connections, %d s each, %d server thread(s)/worker(s)\n",
              connections, seconds, threads);
  std::printf("%-14s %12s %10s %10s %8s\n", "server", "req/s", "p50 us", "p99 us", "errors");
  auto duration = std::chrono::seconds(seconds);
  Stats ours = run_load((*server)->port(), connections, duration);
  print("v6k::http", ours);
  Stats theirs = run_load(peer.port(), connections, duration);
  print("nginx", theirs);
  std::printf("ratio v6k/nginx: throughput %.2fx, p50 latency %.2fx, p99 latency %.2fx\n",
              ours.rps / theirs.rps, ours.p50_us / theirs.p50_us, ours.p99_us / theirs.p99_us);
  return ours.errors + theirs.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace v6k::http::bench

int main(int argc, char** argv) { return v6k::http::bench::run(argc, argv); }

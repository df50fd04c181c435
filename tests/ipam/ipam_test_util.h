// Helpers shared by the ipam tests: a self-deleting temp directory, a fake clock and
// short constructors for prefixes and configs.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "addr/ip.h"
#include "ipam/store.h"

namespace v6k::ipam::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/v6k-ipam-test-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    if (p) path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string log() const { return path_ + "/alloc.log"; }

 private:
  std::string path_;
};

// A clock the test moves by hand; copies share the same time.
struct FakeClock {
  std::shared_ptr<int64_t> t = std::make_shared<int64_t>(1'700'000'000);
  void advance(int64_t s) { *t += s; }
  std::function<int64_t()> fn() const {
    auto p = t;
    return [p] { return *p; };
  }
};

inline addr::Ipv6Prefix v6p(const char* s) { return addr::Ipv6Prefix::parse(s).value(); }
inline addr::Ipv4Prefix v4p(const char* s) { return addr::Ipv4Prefix::parse(s).value(); }
inline addr::Ipv6Address v6a(const char* s) { return addr::Ipv6Address::parse(s).value(); }
inline addr::Ipv4Address v4a(const char* s) { return addr::Ipv4Address::parse(s).value(); }

inline PoolConfig config(const std::string& dir, const char* prefix = "2001:db8:0:1:3::/80",
                         bool with_v4 = true) {
  PoolConfig c;
  c.data_dir = dir;
  c.v6_prefixes = {v6p(prefix)};
  if (with_v4) c.v4_range = default_v4_range();
  return c;
}

inline AllocateRequest req(const std::string& cid, const std::string& ifname = "eth0") {
  return AllocateRequest{.key = {cid, ifname}, .network = "v6k", .pod_namespace = "default",
                         .pod_name = "pod-" + cid};
}

inline uint64_t file_size(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

}  // namespace v6k::ipam::testing

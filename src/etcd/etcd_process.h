// A private single-member etcd, for tests, benchmarks and development: started on free
// loopback ports (client and peer) with its data in `data_dir`, ready when start()
// returns, stopped (SIGTERM, then SIGKILL after 5 s) when destroyed. It also dies with
// the thread that started it (PR_SET_PDEATHSIG), so a crashed test leaves no etcd behind.
//
//   auto etcd = etcd::EtcdProcess::start("/tmp/x/etcd");
//   auto store = etcd::open_etcd((*etcd)->options());
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "etcd/etcd_store.h"

namespace v6k::etcd {

class EtcdProcess {
 public:
  static constexpr const char* kDefaultBinary = "/usr/bin/etcd";
  // etcd's own output goes to `data_dir` + ".log".
  static Result<std::unique_ptr<EtcdProcess>> start(const std::string& data_dir,
                                                    const std::string& binary = kDefaultBinary);
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  EtcdOptions options() const { return opts_; }
  pid_t pid() const { return pid_; }

 private:
  EtcdProcess(pid_t pid, EtcdOptions opts) : pid_(pid), opts_(std::move(opts)) {}
  pid_t pid_;
  EtcdOptions opts_;
};

}  // namespace v6k::etcd

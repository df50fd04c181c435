// Reading and writing sysctls (/proc/sys/<key>) of the CALLING THREAD's network namespace.
//
//   V6K_TRY(write_sysctl("net/ipv6/conf/eth0/accept_dad", "0"), "disabling DAD");
//
// Which netns a /proc/sys/net path shows is decided per lookup by the task doing the
// open() (the kernel's sysctl "is_seen" check uses current->nsproxy->net_ns), so a thread
// inside a NetNsScope sees and writes its own namespace's values even when other threads
// of the process are elsewhere (verified by tests/netlink). The file is opened and closed
// on every call; nothing is cached across namespaces. (Contrast /proc/net, which follows
// the thread-group leader; /proc/thread-self/net is the per-thread view.)
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace v6k::netlink {

// `key` is relative to /proc/sys, '/'-separated ("net/ipv6/conf/all/forwarding").
Result<> write_sysctl(const std::string& key, std::string_view value);
// The value with its trailing newline removed.
Result<std::string> read_sysctl(const std::string& key);

}  // namespace v6k::netlink

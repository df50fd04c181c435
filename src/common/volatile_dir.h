// Where state that lives only as long as the machine's boot goes: the runtime's
// per-container state, pods' resolv.conf/hosts, their logs and the node's pod address
// store. containerd keeps /run/containerd and the VPC CNI /var/run/aws-node on /run,
// a tmpfs on a standard Linux system, where creating a file costs a fraction of what
// it costs on disk (pod startup creates many). Where /run is not a tmpfs (some
// containers and VMs put it on the root disk), /dev/shm is used instead.
//
//   std::string root = volatile_root();   // "/run" (or "/dev/shm")
#pragma once

#include <string>

namespace v6k {

// "/run" when it is a tmpfs, else "/dev/shm" when that is one, else "/run". Computed once.
const std::string& volatile_root();

}  // namespace v6k

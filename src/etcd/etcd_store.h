// The Store (store/store.h) on an etcd 3.4 cluster, through its JSON gateway
// (POST /v3/kv/..., /v3/watch) over keep-alive HTTP/1.1.
//
//   auto s = etcd::open_etcd({.host = "127.0.0.1", .port = 2379});
//   if (!s) ...;                 // nothing answering there, or not etcd
//   (*s)->create("/vpcs/vpc-1", json);
//
// Same semantics and error codes as the SQLite backend (docs/store.md), except:
//   - commit(writes) is one etcd txn, so all its writes share ONE revision (SQLite gives
//     each its own consecutive revision); every returned kv carries that revision.
//   - commit() is limited to etcd's --max-txn-ops (default 128) writes: EINVAL beyond.
//   - compacted_revision() is not an etcd API: it is found by probing reads (a read at R
//     fails as compacted iff R < the compacted revision), a binary search the first time,
//     one read after that. It says 0 after a compaction at revision 1.
//   - a watch whose stream breaks (etcd stopped) ends with on_error(ECONNRESET/EIO);
//     it does not reconnect.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "store/store.h"

namespace v6k::etcd {

struct EtcdOptions {
  std::string host = "127.0.0.1";  // an IP literal (no name resolution)
  uint16_t port = 2379;            // the client URL's port
  std::chrono::milliseconds timeout{5000};  // per request (connect + send + reply)
};

// Connects to the etcd at host:port and checks it answers a read.
Result<std::unique_ptr<store::Store>> open_etcd(const EtcdOptions& opts);

}  // namespace v6k::etcd

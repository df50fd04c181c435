// Watches on etcd: one /v3/watch stream (its own connection) and one thread per watch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "etcd/internal/http_conn.h"
#include "store/store.h"

namespace v6k::etcd::internal {

// Opens the stream for keys under `prefix` from `start_revision` (etcd's: 0 = from now),
// waits for etcd to confirm it (ERANGE if etcd cancels it as compacted), then delivers
// events on a new thread.
Result<std::unique_ptr<store::Watch>> start_watch(const Endpoint& ep, const std::string& prefix,
                                                  int64_t start_revision, store::WatchSink sink,
                                                  store::WatchErrorSink on_error);

}  // namespace v6k::etcd::internal

// fuzz_kubelet_query: the kubelet endpoint's path and query parsers (/containerLogs and
// /exec URLs as the API server sends them).
// Invariants: no crash or sanitizer report; a parsed path has four non-empty segments
// without '/'; parsed log options respect their bounds (tailLines >= 0, limitBytes >= 1);
// an accepted exec query asks for at least one stream and never stderr with a TTY.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "node/agent/kubelet_server_query.h"

using namespace v6k::node;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto p = parse_kubelet_path(text)) {
    for (const auto* s : {&p->kind, &p->namespace_, &p->pod, &p->container})
      if (s->empty() || s->find('/') != std::string::npos) std::abort();
  }
  if (auto q = parse_log_query(text, 1700000000000000000)) {
    if (q->tail_lines && *q->tail_lines < 0) std::abort();
    if (q->limit_bytes && *q->limit_bytes < 1) std::abort();
  }
  if (auto e = parse_exec_query(text)) {
    if (!e->input && !e->output && !e->error) std::abort();
    if (e->tty && e->error) std::abort();
  }
  (void)split_query(text);
  return 0;
}

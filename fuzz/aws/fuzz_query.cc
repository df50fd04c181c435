// Query parser fuzzer: parse_query on arbitrary bytes, then every list/struct/typed view
// of every key prefix. Oracle: form_encode of each parsed pair parses back identically.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aws/query.h"

using v6k::aws::QueryParams;

namespace {
void walk(const QueryParams& q, int depth) {
  if (depth > 3) return;
  for (const auto& [k, v] : q.all()) {
    (void)q.get_bool(k);
    (void)q.get_int(k);
    std::string_view key = k;
    size_t dot = key.find('.');
    if (dot == std::string_view::npos) continue;
    std::string_view prefix = key.substr(0, dot);
    (void)q.list(prefix);
    if (auto s = q.structs(prefix)) {
      for (const auto& e : *s) walk(e, depth + 1);
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto q = v6k::aws::parse_query(in);
  if (!q) return 0;
  walk(*q, 0);
  std::string again;
  for (const auto& [k, v] : q->all()) {
    if (!again.empty()) again += '&';
    again += v6k::aws::form_encode(k) + "=" + v6k::aws::form_encode(v);
  }
  auto q2 = v6k::aws::parse_query(again);
  if (!q2 || q2->all() != q->all()) std::abort();
  return 0;
}

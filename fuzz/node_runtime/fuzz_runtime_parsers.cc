// fuzz_runtime_parsers: the node runtime's parsers of outside input — image references from
// pod specs, CRI log lines, RFC 3339 times (kubectl logs --since-time) — and the log reader
// over a whole file of fuzzed bytes.
// Invariants: no crash or sanitizer report; a parsed reference's normalized form parses
// again to itself; a formatted timestamp parses back to the same instant.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/runtime/cri_time.h"
#include "node/runtime/image_ref.h"
#include "node/runtime/images.h"
#include "node/runtime/logs.h"

using namespace v6k::node::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto r = parse_image_reference(text)) {
    std::string n = r->normalized();
    auto again = parse_image_reference(n);
    if (!again || again->normalized() != n) std::abort();
    (void)resolve_image(text);
  }
  if (auto t = parse_rfc3339(text)) {
    char buf[kCriTimestampLength];
    format_cri_timestamp(*t, buf);
    auto back = parse_rfc3339(std::string_view(buf, sizeof buf));
    // Years outside 0000-9999 cannot be formatted; RFC 3339 input never has them.
    if (back && *back != *t) std::abort();
  }
  size_t nl = text.find('\n');
  (void)parse_cri_log_line(text.substr(0, nl));

  // The whole input as a log file, read with a tail and a byte limit.
  static const std::string path = "/tmp/fuzz_runtime_parsers." + std::to_string(::getpid()) + ".log";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    size_t out = 0;
    (void)read_logs(path, {.tail_lines = 3, .limit_bytes = 1 << 16, .timestamps = true},
                    [&](std::string_view s) {
                      out += s.size();
                      return true;
                    });
    if (out > (1 << 16)) std::abort();
  }
  return 0;
}

// Reading CRI-format container logs for `kubectl logs` (tail, since, timestamps, follow).
//
//   LogOptions o{.tail_lines = 10, .timestamps = true};
//   read_logs("/var/log/pods/.../0.log", o, [&](std::string_view chunk) {
//     body += chunk;                  // "2024-05-01T10:00:00.000000001Z hello\n" ...
//     return true;                    // false stops reading
//   });
//
// Each file line is "<RFC3339Nano> <stdout|stderr> <P|F> <content>". P(artial) records are
// joined with the following ones up to the F record into one message, as the kubelet does;
// a message's time is its first record's. Lines that do not parse are skipped (a crash can
// leave a torn last line). With follow, reading continues as the file grows (polling every
// poll_interval) until `keep_following` returns false; rotation is not handled.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace v6k::node::runtime {

enum class LogStream { kStdout, kStderr };

struct CriLogRecord {
  int64_t time_ns = 0;
  std::string_view timestamp;  // as written
  LogStream stream = LogStream::kStdout;
  bool partial = false;
  std::string_view content;  // without the trailing newline
};

// Parses one line (without its '\n'). EINVAL on anything malformed.
Result<CriLogRecord> parse_cri_log_line(std::string_view line);

struct LogOptions {
  std::optional<int64_t> tail_lines;    // last N messages; nullopt = all
  std::optional<int64_t> since_ns;      // messages at or after this time
  std::optional<int64_t> limit_bytes;   // stop after this many output bytes
  bool timestamps = false;              // prefix "<timestamp> "
  bool include_stdout = true;
  bool include_stderr = true;
  bool follow = false;
  std::function<bool()> keep_following;  // with follow: polled; nullptr = forever
  std::chrono::milliseconds poll_interval{100};
};

// Writes the selected messages (each ending in '\n') to `sink`; sink returns false to stop.
Result<> read_logs(const std::string& path, const LogOptions& options,
                   const std::function<bool(std::string_view)>& sink);

}  // namespace v6k::node::runtime

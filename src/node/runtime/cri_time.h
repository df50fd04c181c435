// Timestamps of the CRI log format: RFC 3339 with nanoseconds, UTC.
//
//   char buf[kCriTimestampLength];
//   format_cri_timestamp(1700000000123456789, buf);   // "2023-11-14T22:13:20.123456789Z"
//   parse_rfc3339("2023-11-14T22:13:20.1234Z").value() == 1700000000123400000
//
// format_cri_timestamp allocates nothing and calls nothing but arithmetic: the container
// shim uses it in a forked child of a multithreaded process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace v6k::node::runtime {

inline constexpr size_t kCriTimestampLength = 30;

// Fixed width: always 9 fractional digits and 'Z' (Go's RFC3339Nano parser accepts it).
void format_cri_timestamp(int64_t unix_ns, char* out);

// RFC 3339 date-time ("Z" or "+hh:mm" offset, 0-9 fractional digits) → ns since the epoch.
Result<int64_t> parse_rfc3339(std::string_view text);

// CLOCK_REALTIME in ns.
int64_t realtime_ns();

}  // namespace v6k::node::runtime

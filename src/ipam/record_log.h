// The on-disk record log of the node address allocator: framing, checksums, encoding and
// the tolerant scanner used on load (exposed for the fuzzer and tests).
//
// A log is a sequence of frames, each
//   magic "v6kR" (4 bytes) | body length (u32 LE) | crc32c(length bytes ++ body) (u32 LE) | body
// and a body starts with a type byte. Strings are u16 LE length + bytes; integers LE.
//   1 allocate: flags (bit 0: has IPv4, bit 1: no IPv6), allocated_unix i64, [v6 (16 bytes)],
//               [v4 (4 bytes)],
//               container_id, ifname, network, pod_namespace, pod_name
//   2 release:  released_unix i64, container_id, ifname
//   3 freed:    family (6|4), released_unix i64, address (16|4 bytes)   [written by compaction]
// The scanner never trusts a frame whose magic, length or checksum is wrong: it skips one
// byte and looks for the next magic, so a torn tail (crash mid-append) or a damaged record
// costs only that record. Frames with a valid checksum but an unknown type or a malformed
// body are skipped too (counted in bad_records).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "addr/ip.h"
#include "ipam/store.h"

namespace v6k::ipam {

inline constexpr uint32_t kFrameMagic = 0x526b3676;  // "v6kR" little-endian
inline constexpr size_t kFrameHeader = 12;
inline constexpr size_t kMaxBody = 8192;
inline constexpr size_t kMaxField = 1024;  // longest string field accepted by allocate()

struct AllocRecord {
  Allocation alloc;
};
struct ReleaseRecord {
  AttachmentKey key;
  int64_t released_unix = 0;
};
struct FreedRecord {
  bool v4 = false;
  addr::u128 address = 0;  // an IPv4 address is its u32 value
  int64_t released_unix = 0;
};
using Record = std::variant<AllocRecord, ReleaseRecord, FreedRecord>;

// CRC-32C (Castagnoli); `crc` continues a previous result. Uses SSE4.2 when present.
uint32_t crc32c(std::string_view data, uint32_t crc = 0);
uint32_t crc32c_portable(std::string_view data, uint32_t crc = 0);  // table-driven, for tests

// One framed record. Precondition: string fields <= kMaxField (allocate() validates).
std::string encode_record(const Record& r);
// Exact size of encode_record(r), without encoding.
size_t encoded_size(const Record& r);

struct ScanStats {
  uint64_t records = 0;         // well-formed records handed to the sink
  uint64_t bad_records = 0;     // checksummed frames with unknown type / malformed body
  uint64_t skipped_bytes = 0;   // garbage before valid_end (damage inside the log)
  uint64_t valid_end = 0;       // offset just past the last valid frame
  uint64_t tail_garbage = 0;    // bytes after valid_end (a torn append)
};

// Scans `bytes`, calling `sink` for every valid record in order.
ScanStats scan_log(std::string_view bytes, const std::function<void(Record&&)>& sink);

}  // namespace v6k::ipam

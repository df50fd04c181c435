// fuzz_ipam_log: arbitrary bytes as the on-disk allocation log. The loader must never
// crash, what it loads must be self-consistent (no address held twice), and the state
// must survive compaction: its snapshot reloads to the same state.
//
// Random bytes rarely carry a valid CRC, so when the first byte is odd the rest is read as
// chunks "len (1 byte) + body" that are framed with correct checksums first: that drives
// the record decoder and the state rules with arbitrary bodies, not just the framing.
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "ipam/pool_state.h"
#include "ipam/record_log.h"

using v6k::ipam::PoolState;
using v6k::ipam::Record;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string framed;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (size > 0 && (data[0] & 1)) {
    std::string_view rest = bytes.substr(1);
    while (!rest.empty()) {
      size_t len = std::min<size_t>(static_cast<uint8_t>(rest[0]), rest.size() - 1);
      std::string_view body = rest.substr(1, len);
      rest.remove_prefix(1 + len);
      std::string frame(12, '\0');
      uint32_t fields[3] = {v6k::ipam::kFrameMagic, static_cast<uint32_t>(body.size()), 0};
      std::memcpy(frame.data(), fields, 8);
      fields[2] = v6k::ipam::crc32c(body, v6k::ipam::crc32c(std::string_view(frame).substr(4, 4)));
      std::memcpy(frame.data() + 8, &fields[2], 4);
      framed += frame;
      framed += body;
    }
    bytes = framed;
    size = framed.size();
  }
  PoolState st;
  auto scan = v6k::ipam::scan_log(bytes, [&](Record&& r) { st.apply(std::move(r)); });
  if (scan.valid_end + scan.tail_garbage != size || scan.skipped_bytes > scan.valid_end) std::abort();
  if (!st.check().empty()) std::abort();

  // Exercise the allocator on the loaded state: choices must be free addresses.
  const auto top = static_cast<v6k::addr::u128>(-1);
  std::vector<v6k::ipam::AddressRange> ranges = {{1, 40}, {top - 15, top}};
  for (bool v4 : {false, true}) {
    auto a = st.choose(v4, ranges, 1000, 30);
    if (a) {
      bool in = false;
      for (const auto& r : ranges) in |= *a >= r.first && *a <= r.last;
      if (!in) std::abort();
    }
  }

  std::string snap = st.snapshot();
  if (snap.size() > st.snapshot_bytes()) std::abort();
  PoolState again;
  auto rescan = v6k::ipam::scan_log(snap, [&](Record&& r) { again.apply(std::move(r)); });
  if (rescan.skipped_bytes || rescan.tail_garbage || rescan.bad_records) std::abort();
  if (!again.check().empty() || again.sorted_live() != st.sorted_live()) std::abort();
  if (again.snapshot() != snap) std::abort();
  return 0;
}

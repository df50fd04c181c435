// PoolState: the in-memory view of the allocation log — live allocations by key and, per
// address family, one slot per address that is held or remembered as released.
//
// Applying records never breaks the invariants, whatever the input (the loader feeds it
// arbitrary logs): an allocate record whose key is live or whose address is held is
// ignored; a release of an unknown key is ignored; a freed record never touches a held
// address. So no address is ever held twice, and every held slot names its live holder.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "addr/ip.h"
#include "ipam/record_log.h"
#include "ipam/store.h"

namespace v6k::ipam {

struct AttachmentKeyHash {
  size_t operator()(const AttachmentKey& k) const;
};
using LiveMap = std::unordered_map<AttachmentKey, Allocation, AttachmentKeyHash>;

// Usable addresses of one prefix or range, inclusive, as integers.
struct AddressRange {
  addr::u128 first = 0;
  addr::u128 last = 0;
};

class PoolState {
 public:
  void apply(Record&& r);

  const Allocation* find(const AttachmentKey& key) const;
  const LiveMap& live() const { return live_; }
  std::vector<Allocation> sorted_live() const;  // by key

  // The address to hand out next (see store.h for the rule), or nullopt when every usable
  // address in `ranges` is held or cooling down.
  std::optional<addr::u128> choose(bool v4, const std::vector<AddressRange>& ranges,
                                   int64_t now, int64_t cooldown) const;
  uint64_t cooling(int64_t now, int64_t cooldown) const;
  // Addresses of `ranges` neither held nor cooling (walks every address: for short lists).
  uint64_t count_free(bool v4, const std::vector<AddressRange>& ranges, int64_t now, int64_t cooldown) const;

  // Addresses of the family held, or released less than `cooldown` seconds ago (ascending).
  std::vector<addr::u128> unavailable(bool v4, int64_t now, int64_t cooldown) const;

  // Forgets released addresses whose cool-down has expired (a later scan finds them again).
  void prune(int64_t now, int64_t cooldown);
  // The log that recreates this state: allocate records + freed records.
  std::string snapshot() const;
  // Upper bound of snapshot().size(), maintained incrementally.
  uint64_t snapshot_bytes() const { return snapshot_bytes_; }

  // Checks every invariant; returns a description of the first violation, or "".
  std::string check() const;

 private:
  struct Slot {
    bool held = false;
    int64_t released_unix = 0;  // when not held
  };
  struct Family {
    std::map<addr::u128, Slot> slots;
    std::set<std::pair<int64_t, addr::u128>> freed_by_time;
  };
  Family& family(bool v4) { return v4 ? v4_ : v6_; }
  const Family& family(bool v4) const { return v4 ? v4_ : v6_; }
  void hold(bool v4, addr::u128 a);
  void free(bool v4, addr::u128 a, int64_t when);

  LiveMap live_;
  Family v6_, v4_;
  uint64_t snapshot_bytes_ = 0;
};

}  // namespace v6k::ipam

#include "ipam/pool_state.h"

#include <algorithm>
#include <functional>

namespace v6k::ipam {
namespace {

constexpr uint64_t kFreedBytes = kFrameHeader + 1 + 1 + 8 + 16;  // upper bound of a freed record

}  // namespace

size_t AttachmentKeyHash::operator()(const AttachmentKey& k) const {
  size_t h = std::hash<std::string>()(k.container_id);
  return h ^ (std::hash<std::string>()(k.ifname) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}

std::vector<Allocation> PoolState::sorted_live() const {
  std::vector<Allocation> out;
  out.reserve(live_.size());
  for (const auto& [k, a] : live_) out.push_back(a);
  std::sort(out.begin(), out.end(),
            [](const Allocation& x, const Allocation& y) { return x.key < y.key; });
  return out;
}

void PoolState::hold(bool v4, addr::u128 a) {
  Family& f = family(v4);
  auto [it, inserted] = f.slots.try_emplace(a);
  if (!inserted && !it->second.held) {
    f.freed_by_time.erase({it->second.released_unix, a});
    snapshot_bytes_ -= kFreedBytes;
  }
  it->second.held = true;
  it->second.released_unix = 0;
}

void PoolState::free(bool v4, addr::u128 a, int64_t when) {
  Family& f = family(v4);
  auto [it, inserted] = f.slots.try_emplace(a);
  if (!inserted) {
    if (it->second.held) return;  // never un-hold an address through a freed record
    f.freed_by_time.erase({it->second.released_unix, a});
  } else {
    snapshot_bytes_ += kFreedBytes;
  }
  it->second.released_unix = when;
  f.freed_by_time.insert({when, a});
}

void PoolState::apply(Record&& rec) {
  if (auto* a = std::get_if<AllocRecord>(&rec)) {
    Allocation& x = a->alloc;
    auto held = [&](bool v4, addr::u128 v) {
      const Family& f = family(v4);
      auto it = f.slots.find(v);
      return it != f.slots.end() && it->second.held;
    };
    const bool has_v6 = x.v6.has_value();
    const addr::u128 v6 = has_v6 ? x.v6->to_u128() : 0;
    const bool has_v4 = x.v4.has_value();
    const addr::u128 v4 = has_v4 ? x.v4->to_u32() : 0;
    if (!has_v6 && !has_v4) return;
    if ((has_v6 && held(false, v6)) || (has_v4 && held(true, v4))) return;
    size_t bytes = encoded_size(rec);
    AttachmentKey key = x.key;
    if (!live_.try_emplace(std::move(key), std::move(x)).second) return;  // key already live
    if (has_v6) hold(false, v6);
    if (has_v4) hold(true, v4);
    snapshot_bytes_ += bytes;
  } else if (auto* r = std::get_if<ReleaseRecord>(&rec)) {
    auto it = live_.find(r->key);
    if (it == live_.end()) return;
    const Allocation& x = it->second;
    snapshot_bytes_ -= encoded_size(AllocRecord{x});
    if (x.v6) {
      v6_.slots.erase(x.v6->to_u128());
      free(false, x.v6->to_u128(), r->released_unix);
    }
    if (x.v4) {
      v4_.slots.erase(x.v4->to_u32());
      free(true, x.v4->to_u32(), r->released_unix);
    }
    live_.erase(it);
  } else {
    const auto& f = std::get<FreedRecord>(rec);
    addr::u128 v = f.address;
    if (f.v4 && v > 0xffffffffu) return;
    free(f.v4, v, f.released_unix);
  }
}

const Allocation* PoolState::find(const AttachmentKey& key) const {
  auto it = live_.find(key);
  return it == live_.end() ? nullptr : &it->second;
}

std::optional<addr::u128> PoolState::choose(bool v4, const std::vector<AddressRange>& ranges,
                                            int64_t now, int64_t cooldown) const {
  const Family& f = family(v4);
  auto cooling = [&](int64_t released) { return released > now - cooldown; };
  // 1. The address released longest ago whose cool-down has expired.
  for (const auto& [released, a] : f.freed_by_time) {
    if (cooling(released)) break;  // sorted by release time: the rest are cooling too
    for (const auto& r : ranges)
      if (a >= r.first && a <= r.last) return a;
  }
  // 2. The lowest address that is neither held nor cooling, prefix by prefix.
  for (const auto& r : ranges) {
    addr::u128 cand = r.first;
    for (auto it = f.slots.lower_bound(cand);; ++it) {
      if (it == f.slots.end() || it->first != cand) return cand;
      if (!it->second.held && !cooling(it->second.released_unix)) return cand;
      if (cand == r.last) break;
      ++cand;
    }
  }
  return std::nullopt;
}

uint64_t PoolState::cooling(int64_t now, int64_t cooldown) const {
  uint64_t n = 0;
  for (const Family* f : {&v6_, &v4_})
    for (auto it = f->freed_by_time.rbegin(); it != f->freed_by_time.rend(); ++it) {
      if (it->first <= now - cooldown) break;
      ++n;
    }
  return n;
}

uint64_t PoolState::count_free(bool v4, const std::vector<AddressRange>& ranges, int64_t now,
                               int64_t cooldown) const {
  const Family& f = family(v4);
  uint64_t n = 0;
  for (const auto& r : ranges)
    for (addr::u128 a = r.first;; ++a) {
      auto it = f.slots.find(a);
      if (it == f.slots.end() || (!it->second.held && it->second.released_unix <= now - cooldown)) ++n;
      if (a == r.last) break;
    }
  return n;
}

std::vector<addr::u128> PoolState::unavailable(bool v4, int64_t now, int64_t cooldown) const {
  std::vector<addr::u128> out;
  for (const auto& [a, slot] : family(v4).slots)
    if (slot.held || slot.released_unix > now - cooldown) out.push_back(a);
  return out;
}

void PoolState::prune(int64_t now, int64_t cooldown) {
  for (Family* f : {&v6_, &v4_}) {
    while (!f->freed_by_time.empty() && f->freed_by_time.begin()->first <= now - cooldown) {
      f->slots.erase(f->freed_by_time.begin()->second);
      f->freed_by_time.erase(f->freed_by_time.begin());
      snapshot_bytes_ -= kFreedBytes;
    }
  }
}

std::string PoolState::snapshot() const {
  std::string out;
  out.reserve(snapshot_bytes_);
  for (const auto& a : sorted_live()) out += encode_record(AllocRecord{a});
  for (bool v4 : {false, true})
    for (const auto& [when, a] : family(v4).freed_by_time)
      out += encode_record(FreedRecord{.v4 = v4, .address = a, .released_unix = when});
  return out;
}

std::string PoolState::check() const {
  size_t held = 0;
  for (bool v4 : {false, true}) {
    const Family& f = family(v4);
    size_t freed = 0;
    for (const auto& [a, slot] : f.slots) {
      if (slot.held) {
        ++held;
      } else {
        ++freed;
        if (!f.freed_by_time.contains({slot.released_unix, a}))
          return "freed address missing from the release-time index";
      }
    }
    if (freed != f.freed_by_time.size()) return "release-time index has extra entries";
  }
  // Every live address is a held slot, and there are no other held slots: with the count
  // equal, no two allocations can share an address.
  size_t expected = 0;
  for (const auto& [key, a] : live_) {
    if (key != a.key) return "live map key differs from its allocation";
    auto is_held = [&](bool v4, addr::u128 v) {
      auto it = family(v4).slots.find(v);
      return it != family(v4).slots.end() && it->second.held;
    };
    if (!a.v6 && !a.v4) return "live allocation without an address";
    if (a.v6 && !is_held(false, a.v6->to_u128())) return "live IPv6 address not held";
    if (a.v4 && !is_held(true, a.v4->to_u32())) return "live IPv4 address not held";
    expected += (a.v4 ? 1 : 0) + (a.v6 ? 1 : 0);
  }
  if (expected != held) return "held addresses differ from live allocations (shared address?)";
  return "";
}

}  // namespace v6k::ipam

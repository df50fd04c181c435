// ServiceIpAllocator: the bitmap over one service CIDR (see allocator.h).
#include "kube/serviceip/allocator.h"

#include <bit>
#include <cerrno>
#include <charconv>

#include "addr/ip.h"

namespace v6k::kube::serviceip {

using u128 = unsigned __int128;
using nlohmann::json;

std::string_view family_name(IpFamily f) { return f == IpFamily::kIPv4 ? "IPv4" : "IPv6"; }

namespace {

// Upstream caps the service range at 20 host bits (kube-apiserver's maxCIDRBits).
constexpr int kMaxHostBits = 20;

// KEP-3070 static band: min(max(16, cidrSize/16), 256), 0 for ranges of 16 or fewer.
uint64_t static_band(uint64_t cidr_size) {
  if (cidr_size <= 16) return 0;
  uint64_t off = cidr_size / 16;
  if (off < 16) return 16;
  if (off > 256) return 256;
  return off;
}

}  // namespace

Result<std::unique_ptr<ServiceIpAllocator>> ServiceIpAllocator::create(std::string_view cidr, uint64_t seed) {
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return fail_invalid("invalid CIDR address: " + std::string(cidr));
  auto ip = addr::parse_ip(cidr.substr(0, slash));
  int len = -1;
  std::string_view len_text = cidr.substr(slash + 1);
  auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (!ip || ec != std::errc() || p != len_text.data() + len_text.size() || len_text.empty()) {
    return fail_invalid("invalid CIDR address: " + std::string(cidr));
  }
  std::unique_ptr<ServiceIpAllocator> a(new ServiceIpAllocator());
  int host_bits = 0;
  if (addr::is_v6(*ip)) {
    auto pre = addr::Ipv6Prefix::make(std::get<addr::Ipv6Address>(*ip), len);
    if (!pre) return fail_invalid("invalid CIDR address: " + std::string(cidr));
    host_bits = pre->host_bits();
    if (host_bits > kMaxHostBits) {
      return fail_invalid("specified --service-cluster-ip-range is too large; for 128-bit addresses, the mask must be >= " +
                          std::to_string(128 - kMaxHostBits));
    }
    a->family_ = IpFamily::kIPv6;
    a->cidr_ = pre->to_string();
    a->first_ = pre->address().to_u128() + 1;
  } else {
    auto pre = addr::Ipv4Prefix::make(std::get<addr::Ipv4Address>(*ip), len);
    if (!pre) return fail_invalid("invalid CIDR address: " + std::string(cidr));
    host_bits = pre->host_bits();
    if (host_bits > kMaxHostBits) {
      return fail_invalid("specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= " +
                          std::to_string(32 - kMaxHostBits));
    }
    a->family_ = IpFamily::kIPv4;
    a->cidr_ = pre->to_string();
    a->first_ = u128{pre->address().to_u32()} + 1;
  }
  uint64_t cidr_size = uint64_t{1} << host_bits;
  // IPv4 loses the network and broadcast addresses, IPv6 only the network address.
  uint64_t reserved = a->family_ == IpFamily::kIPv4 ? 2 : 1;
  a->size_ = cidr_size > reserved ? cidr_size - reserved : 0;
  a->offset_ = static_band(cidr_size);
  if (a->offset_ > a->size_) a->offset_ = a->size_;
  a->bits_.assign((a->size_ + 63) / 64, 0);
  a->rng_.seed(seed != 0 ? seed : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}());
  return a;
}

uint64_t ServiceIpAllocator::used() const {
  std::lock_guard lock(mu_);
  return used_;
}

uint64_t ServiceIpAllocator::free() const {
  std::lock_guard lock(mu_);
  return size_ - used_;
}

int64_t ServiceIpAllocator::offset_of(std::string_view text) const {
  auto ip = addr::parse_ip(text);
  if (!ip) return -1;
  u128 v = 0;
  if (family_ == IpFamily::kIPv6) {
    if (!addr::is_v6(*ip)) return -1;
    v = std::get<addr::Ipv6Address>(*ip).to_u128();
  } else {
    if (addr::is_v6(*ip)) return -1;
    v = std::get<addr::Ipv4Address>(*ip).to_u32();
  }
  if (v < first_ || v - first_ >= size_) return -1;
  return static_cast<int64_t>(v - first_);
}

std::string ServiceIpAllocator::address_at(uint64_t offset) const {
  u128 v = first_ + offset;
  if (family_ == IpFamily::kIPv6) return addr::Ipv6Address::from_u128(v).to_string();
  return addr::Ipv4Address(static_cast<uint32_t>(v)).to_string();
}

int64_t ServiceIpAllocator::find_free(uint64_t from, uint64_t to) const {
  uint64_t i = from;
  while (i < to) {
    uint64_t word = bits_[i >> 6] >> (i & 63);  // bits at and above i within this word
    if (~word != 0) {
      // Lowest clear bit at or after i in this word (the shifted-in zeros can only be
      // reached when the real bits are all set, in which case we land past the word).
      uint64_t cand = i + static_cast<uint64_t>(std::countr_one(word));
      if (cand < ((i | 63) + 1)) return cand < to ? static_cast<int64_t>(cand) : -1;
    }
    i = (i | 63) + 1;  // next word
  }
  return -1;
}

int64_t ServiceIpAllocator::pick_in_band(uint64_t lo, uint64_t hi) {
  if (hi <= lo) return -1;
  uint64_t start = lo + std::uniform_int_distribution<uint64_t>(0, hi - lo - 1)(rng_);
  int64_t got = find_free(start, hi);
  if (got < 0) got = find_free(lo, start);
  return got;
}

Result<std::string> ServiceIpAllocator::allocate() {
  std::lock_guard lock(mu_);
  if (used_ >= size_) return fail(Error::make(ENOSPC, "range is full"));
  int64_t got = pick_in_band(offset_, size_);
  if (got < 0) got = pick_in_band(0, offset_);
  if (got < 0) return fail(Error::make(ENOSPC, "range is full"));
  set(static_cast<uint64_t>(got));
  ++used_;
  return address_at(static_cast<uint64_t>(got));
}

Result<void> ServiceIpAllocator::allocate_specific(std::string_view ip) {
  std::lock_guard lock(mu_);
  int64_t off = offset_of(ip);
  if (off < 0) {
    // Upstream prints the parsed IP (net.IP's String); a non-IP prints "<nil>".
    auto parsed = addr::parse_ip(ip);
    std::string shown = parsed ? addr::to_string(*parsed) : "<nil>";
    return fail_invalid("the provided IP (" + shown + ") is not in the valid range. The range of valid IPs is " + cidr_);
  }
  if (test(static_cast<uint64_t>(off))) return fail(Error::make(EEXIST, "provided IP is already allocated"));
  set(static_cast<uint64_t>(off));
  ++used_;
  return {};
}

void ServiceIpAllocator::release(std::string_view ip) {
  std::lock_guard lock(mu_);
  int64_t off = offset_of(ip);
  if (off < 0 || !test(static_cast<uint64_t>(off))) return;
  clear(static_cast<uint64_t>(off));
  --used_;
}

bool ServiceIpAllocator::has(std::string_view ip) const {
  std::lock_guard lock(mu_);
  int64_t off = offset_of(ip);
  return off >= 0 && test(static_cast<uint64_t>(off));
}

bool ServiceIpAllocator::mark_locked(std::string_view ip) {
  int64_t off = offset_of(ip);
  if (off < 0 || test(static_cast<uint64_t>(off))) return false;
  set(static_cast<uint64_t>(off));
  ++used_;
  return true;
}

namespace {

// Calls fn(ip) for each cluster IP text of a Service object (clusterIPs, else clusterIP).
template <typename Fn>
void for_each_cluster_ip(const json& svc, Fn&& fn) {
  if (!svc.is_object()) return;
  auto spec = svc.find("spec");
  if (spec == svc.end() || !spec->is_object()) return;
  auto ips = spec->find("clusterIPs");
  if (ips != spec->end() && ips->is_array() && !ips->empty()) {
    for (const auto& ip : *ips) {
      if (ip.is_string()) fn(ip.get_ref<const std::string&>());
    }
    return;
  }
  auto ip = spec->find("clusterIP");
  if (ip != spec->end() && ip->is_string()) fn(ip->get_ref<const std::string&>());
}

}  // namespace

size_t ServiceIpAllocator::rebuild(std::span<const json* const> services) {
  std::lock_guard lock(mu_);
  std::fill(bits_.begin(), bits_.end(), 0);
  used_ = 0;
  size_t marked = 0;
  for (const json* svc : services) {
    if (svc == nullptr) continue;
    for_each_cluster_ip(*svc, [&](const std::string& ip) { marked += mark_locked(ip) ? 1 : 0; });
  }
  return marked;
}

size_t ServiceIpAllocator::rebuild(const json& services) {
  std::vector<const json*> ptrs;
  if (services.is_array()) {
    ptrs.reserve(services.size());
    for (const auto& s : services) ptrs.push_back(&s);
  }
  return rebuild(std::span<const json* const>(ptrs));
}

}  // namespace v6k::kube::serviceip

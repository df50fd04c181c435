#include "ec2/inst_alloc.h"

#include <sys/random.h>

#include <cstdlib>

namespace v6k::ec2 {
namespace {

uint64_t random_u64() {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) std::abort();  // cannot fail for 8 bytes
  return v;
}

constexpr uint64_t kLastHost = ~uint64_t{0};
constexpr uint32_t kLastBlock = 0xffff;

// The /80 block (bits 64..79 of the address) an interface id falls in.
uint32_t block_of(uint64_t host) { return static_cast<uint32_t>(host >> 48); }

}  // namespace

SubnetAddresses::SubnetAddresses(const Subnet& subnet,
                                 const std::vector<std::shared_ptr<const NetworkInterface>>& enis)
    : cidr4_(subnet.cidr), rng_(random_u64()) {
  const uint64_t size = cidr4_.size();
  used4_.assign(size, false);
  for (uint64_t off : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, size - 1})
    if (off < size) used4_[off] = true;
  if (subnet.ipv6) subnet_v6_ = subnet.ipv6->cidr;

  for (const auto& ptr : enis) {
    const NetworkInterface& e = *ptr;
    if (e.subnet_id != subnet.id) continue;
    if (cidr4_.contains(e.private_ipv4)) used4_[cidr4_.offset_of(e.private_ipv4)] = true;
    for (const auto& a : e.ipv4_secondaries)
      if (cidr4_.contains(a)) used4_[cidr4_.offset_of(a)] = true;
    if (!subnet_v6_) continue;
    for (const auto& a : e.ipv6_addresses) {
      if (!subnet_v6_->contains(a)) continue;
      auto host = static_cast<uint64_t>(subnet_v6_->offset_of(a));
      used6_.insert(host);
      addr_blocks_.insert(block_of(host));
    }
    for (const auto& p : e.ipv6_prefixes) {
      if (!subnet_v6_->contains(p)) continue;
      auto first = block_of(static_cast<uint64_t>(subnet_v6_->offset_of(p.address())));
      if (p.length() <= 80) {
        const uint32_t blocks = uint32_t{1} << (80 - p.length());
        for (uint32_t b = 0; b < blocks; ++b) delegated_.insert(first + b);
      } else {
        narrow_.push_back(p);
        addr_blocks_.insert(first);
      }
    }
  }
  for (uint64_t off = 0; off < size; ++off)
    if (!used4_[off]) ++free_ipv4_;
}

std::optional<addr::Ipv4Address> SubnetAddresses::next_ipv4() {
  while (cursor4_ < used4_.size() && used4_[cursor4_]) ++cursor4_;
  if (cursor4_ >= used4_.size()) return std::nullopt;
  used4_[cursor4_] = true;
  --free_ipv4_;
  return *cidr4_.at(cursor4_);
}

AddressClaim SubnetAddresses::claim_ipv4(const addr::Ipv4Address& a) {
  if (!cidr4_.contains(a)) return AddressClaim::kOutside;
  uint64_t off = cidr4_.offset_of(a);
  if (off < 4 || off == used4_.size() - 1) return AddressClaim::kReserved;
  if (used4_[off]) return AddressClaim::kInUse;
  used4_[off] = true;
  --free_ipv4_;
  return AddressClaim::kOk;
}

bool SubnetAddresses::ipv6_host_taken(uint64_t host) const {
  if (host < 4 || host == kLastHost) return true;
  if (used6_.count(host) || delegated_.count(block_of(host))) return true;
  if (!narrow_.empty()) {
    auto a = *subnet_v6_->at(host);
    for (const auto& p : narrow_)
      if (p.contains(a)) return true;
  }
  return false;
}

std::optional<addr::Ipv6Address> SubnetAddresses::next_ipv6() {
  if (!subnet_v6_) return std::nullopt;
  // 2^64 interface ids and at most a few thousand taken: a collision is a curiosity, but
  // the loop still checks, and gives up rather than spinning on an absurdly full subnet.
  for (int attempt = 0; attempt < 10000; ++attempt) {
    uint64_t host = rng_();
    if (ipv6_host_taken(host)) continue;
    used6_.insert(host);
    addr_blocks_.insert(block_of(host));
    return *subnet_v6_->at(host);
  }
  return std::nullopt;
}

AddressClaim SubnetAddresses::claim_ipv6(const addr::Ipv6Address& a) {
  if (!subnet_v6_ || !subnet_v6_->contains(a)) return AddressClaim::kOutside;
  auto host = static_cast<uint64_t>(subnet_v6_->offset_of(a));
  if (host < 4 || host == kLastHost) return AddressClaim::kReserved;
  if (ipv6_host_taken(host)) return AddressClaim::kInUse;
  used6_.insert(host);
  addr_blocks_.insert(block_of(host));
  return AddressClaim::kOk;
}

bool SubnetAddresses::block_taken(uint32_t block) const {
  // Blocks 0 and ffff hold the subnet's reserved addresses (::0-::3 and the last).
  return block == 0 || block == kLastBlock || delegated_.count(block) || addr_blocks_.count(block);
}

std::optional<addr::Ipv6Prefix> SubnetAddresses::next_prefix80() {
  if (!subnet_v6_) return std::nullopt;
  std::optional<uint32_t> found;
  for (int attempt = 0; attempt < 1000 && !found; ++attempt) {
    auto b = static_cast<uint32_t>(1 + rng_() % (kLastBlock - 1));
    if (!block_taken(b)) found = b;
  }
  for (uint32_t b = 1; b < kLastBlock && !found; ++b)
    if (!block_taken(b)) found = b;
  if (!found) return std::nullopt;
  delegated_.insert(*found);
  return *subnet_v6_->subprefix(80, *found);
}

AddressClaim SubnetAddresses::claim_prefix80(const addr::Ipv6Prefix& p) {
  if (!subnet_v6_ || p.length() != 80 || !subnet_v6_->contains(p)) return AddressClaim::kOutside;
  uint32_t b = block_of(static_cast<uint64_t>(subnet_v6_->offset_of(p.address())));
  if (b == 0 || b == kLastBlock) return AddressClaim::kReserved;
  if (block_taken(b)) return AddressClaim::kInUse;
  delegated_.insert(b);
  return AddressClaim::kOk;
}

PublicIpv4Pool::PublicIpv4Pool(const addr::Ipv4Prefix& pool,
                               const std::vector<std::shared_ptr<const NetworkInterface>>& enis)
    : pool_(pool) {
  const uint64_t size = pool_.size();
  used_.assign(size, false);
  // The network address, the first host (the gateway's NAT side) and the broadcast address.
  for (uint64_t off : {uint64_t{0}, uint64_t{1}, size - 1})
    if (off < size) used_[off] = true;
  for (const auto& e : enis)
    if (e->public_ipv4 && pool_.contains(*e->public_ipv4)) used_[pool_.offset_of(*e->public_ipv4)] = true;
  for (uint64_t off = 0; off < size; ++off)
    if (!used_[off]) ++free_;
}

std::optional<addr::Ipv4Address> PublicIpv4Pool::next() {
  while (cursor_ < used_.size() && used_[cursor_]) ++cursor_;
  if (cursor_ >= used_.size()) return std::nullopt;
  used_[cursor_] = true;
  --free_;
  return *pool_.at(cursor_);
}

std::string new_mac_address() {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char raw[5];
  if (::getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) std::abort();
  std::string mac = "02";
  for (unsigned char b : raw) {
    mac += ':';
    mac += kHex[b >> 4];
    mac += kHex[b & 0xf];
  }
  return mac;
}

}  // namespace v6k::ec2

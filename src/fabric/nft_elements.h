// Internal to src/fabric: nf_tables set and map elements added and removed over raw
// netlink (NFT_MSG_NEWSETELEM / DELSETELEM), all in one kernel transaction.
//
//   auto el = NftElements::open().value();    // binds to the calling thread's netns now
//   V6K_TRY(el.apply(delta.elements), "...");  // every op or none
//
// Why not libnftables for these: before every command it reads the whole table back
// from the kernel (chains, rules, every set's elements), so one new instance in a VPC
// with 1000 ENIs costs it ~10 ms; this costs one sendmsg and one ACK at any size. It only
// knows the fabric's fixed set layout (nft_rules.h): key and value types come from the
// set's name.
#pragma once

#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "fabric/nft_rules.h"

struct mnl_socket;

namespace v6k::fabric::internal {

class NftElements {
 public:
  static Result<NftElements> open();
  NftElements(NftElements&& o) noexcept : sock_(o.sock_), seq_(o.seq_) { o.sock_ = nullptr; }
  NftElements& operator=(NftElements&&) = delete;
  ~NftElements();

  // One transaction: either every op applies or none (an absent element to delete or a
  // present one with another value fails it: the caller then replaces the tables whole).
  Result<> apply(const std::vector<ElementOp>& ops);

 private:
  explicit NftElements(mnl_socket* s) : sock_(s) {}
  mnl_socket* sock_ = nullptr;
  uint32_t seq_ = 1;
};

}  // namespace v6k::fabric::internal

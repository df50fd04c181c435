// The ipamd role in an IPv4 cluster (the Amazon VPC CNI's default mode): pods get secondary
// private IPv4s of the node's primary ENI, which the VPC routes to the node. The pool keeps
// a few assigned ahead of need (a warm target) and assigns more through the EC2 API when a
// pod finds none free — until the subnet runs out, the exhaustion that makes IPv4 clusters
// small, which then fails the pod's sandbox with EC2's own error.
//
//   Ipv4Pool pool({.ec2 = &ec2, .eni_id = "eni-0abc", .assigned = eni.secondaries, .warm = 3});
//   pool.fill();                    // at start: at least `warm` addresses
//   auto all = pool.grow(n);        // a pod found the n addresses busy: `warm` more (or the error)
//   auto spare = pool.take_surplus(held_or_cooling);  // pods went: free ones beyond `warm` leave
//   pool.unassign(spare);           // ... and go back to the subnet (release_ipv4_surplus)
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "aws/ec2_client.h"
#include "common/result.h"

namespace v6k::node {

struct Ipv4PoolOptions {
  aws::Ec2Client* ec2 = nullptr;
  std::string eni_id;
  std::vector<std::string> assigned;  // the ENI's secondaries now (all kept after a restart)
  int warm = 3;                       // assigned at start and per refill
  int max = 110;                      // never more than this many (the node's max pods)
};

class Ipv4Pool {
 public:
  explicit Ipv4Pool(Ipv4PoolOptions o) : o_(std::move(o)) {}

  // Tops the pool up to `warm` addresses. Failing here is not fatal: pods report it.
  Result<> fill();
  // Assigns up to `warm` more (one at a time when the subnet has fewer left), returning the
  // whole list; an error when none could be added ("failed to assign an IP address to
  // container: <EC2's error>" — the text the VPC CNI puts in the pod's event). `known` is
  // the size of the list the caller found exhausted: when the pool has grown past it
  // meanwhile (another pod's refill), the current list is returned without assigning.
  Result<std::vector<std::string>> grow(size_t known);
  std::vector<std::string> addresses() const;

  // The release half (the VPC CNI's WARM_IP_TARGET): the free addresses — assigned and not in
  // `keep` (held by a pod or cooling down) — beyond `warm` leave the pool, the most recently
  // assigned first, and are returned. The caller stops listing them, then unassign()s them.
  std::vector<std::string> take_surplus(const std::set<std::string>& keep);
  // UnassignPrivateIpAddresses for what take_surplus returned; on failure they rejoin the pool.
  Result<> unassign(const std::vector<std::string>& addresses);

 private:
  Result<int> assign(int count);  // under mu_
  Ipv4PoolOptions o_;
  mutable std::mutex mu_;
};

}  // namespace v6k::node

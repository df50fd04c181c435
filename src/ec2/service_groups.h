// Security groups another AWS service creates in a user's VPC on its own behalf, such as
// EKS's cluster security group ("eks-cluster-sg-<cluster>-<n>": all traffic from its own
// members, all traffic out). Callers are services in the same region process (src/eks);
// they get the model call directly instead of speaking EC2's query protocol to themselves.
//
//   ec2::ServiceGroupSpec spec{.vpc_id = "vpc-…", .name = "eks-cluster-sg-x-123",
//                              .description = "EKS created security group …",
//                              .tags = {{"aws:eks:cluster-name", "x"}},
//                              .self_ingress = true, .egress_ipv4_all = true};
//   auto g = ec2::create_service_group(store, spec);       // g->id == "sg-…"
//   // or, to land with other records in one commit:
//   auto planned = ec2::plan_service_group(store, spec);
//   store.commit({ec2::service_group_write(*planned), store::Write::create(my_key, my_json)});
//   auto gone = ec2::delete_service_group(store, g->id);   // EBUSY while ENIs use it
//
// Each commits in one store write, as the EC2 API's own handlers do. Like EC2's other
// writers they are not serialised with Ec2Api's writer lock (a DeleteVpc racing a create
// could pass its dependency check); the group names carry a random part, so two creates
// never collide.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "ec2/model.h"
#include "ec2/resources.h"
#include "store/store.h"

namespace v6k::ec2 {

struct ServiceGroupSpec {
  std::string vpc_id;
  std::string name;
  std::string description;
  Tags tags;
  bool self_ingress = false;     // ingress: all traffic from members of the group itself
  bool egress_ipv4_all = true;   // egress: all traffic to 0.0.0.0/0
  bool egress_ipv6_all = false;  // egress: all traffic to ::/0
  // Extra ingress rules (ids are assigned here), e.g. TCP 22 from 0.0.0.0/0.
  std::vector<SgRule> ingress;
};

// The group a create would store (new ids, rules filled in), after checking the VPC exists
// (ENOENT) and no group of that name is in it (EEXIST). Nothing is written: the caller
// commits service_group_write(group) together with its own records.
Result<SecurityGroup> plan_service_group(store::Store& store, const ServiceGroupSpec& spec);
store::Write service_group_write(const SecurityGroup& group);
// plan_service_group + its write, committed alone.
Result<SecurityGroup> create_service_group(store::Store& store, const ServiceGroupSpec& spec);
// Removes the group. ENOENT is success (already gone); EBUSY while a network interface
// uses it or another group's rule references it (EC2's DependencyViolation).
Result<> delete_service_group(store::Store& store, const std::string& group_id);
// The stored group, or nullopt.
Result<std::optional<SecurityGroup>> find_security_group(store::Store& store, const std::string& group_id);
// The stored key pair with this name, or nullopt.
Result<std::optional<KeyPair>> find_key_pair(store::Store& store, const std::string& name);

}  // namespace v6k::ec2

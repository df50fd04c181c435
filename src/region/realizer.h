// Keeps the kernel equal to the store: turns a VPC's stored EC2 resources into the
// fabric's desired state and applies it. Called by the EC2 API after each change (under its
// writer lock) and for every VPC when the daemon starts (after a crash too).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "ec2/region.h"
#include "fabric/fabric.h"
#include "store/store.h"

namespace v6k::region {

// The fabric's view of one VPC as the store holds it now; nullopt when the VPC is gone.
Result<std::optional<fabric::Vpc>> desired_vpc(store::Store& store, const std::string& vpc_id);

class Realizer {
 public:
  Realizer(store::Store& store, fabric::Fabric& fabric) : store_(store), fabric_(fabric) {}
  // One VPC: apply its desired state, or remove it when the store no longer has it.
  Result<> sync_vpc(const std::string& vpc_id);
  // Everything: the internet, every stored VPC, and no namespace the store does not name.
  Result<> sync_all();

 private:
  store::Store& store_;
  fabric::Fabric& fabric_;
};

}  // namespace v6k::region

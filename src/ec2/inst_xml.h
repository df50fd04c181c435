// EC2's XML for instances and network interfaces, shared by RunInstances,
// DescribeInstances (instance_ops.cc) and DescribeNetworkInterfaces (eni_ops.cc).
// Element names and nesting follow botocore's Instance, InstanceNetworkInterface and
// NetworkInterface shapes; values that this region does not model (monitoring, metadata
// options, hypervisor, ...) carry what a fresh EC2 instance reports.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aws/xml.h"
#include "ec2/region.h"
#include "ec2/resources.h"

namespace v6k::ec2 {

// Security group id -> name, loaded once per call (groupSet items carry both).
using GroupNames = std::unordered_map<std::string, std::string>;

// EC2's instance state codes: pending 0, running 16, shutting-down 32, terminated 48,
// stopping 64, stopped 80.
int instance_state_code(std::string_view state);
void write_instance_state(aws::XmlWriter& w, std::string_view element, std::string_view state);

// One instancesSet item. `enis` are the instance's interfaces, primary first (empty once
// terminated). `state` overrides the stored state (RunInstances answers "pending").
void write_instance(aws::XmlWriter& w, const Instance& inst, const std::vector<const NetworkInterface*>& enis,
                    const GroupNames& groups, const RegionConfig& region, std::string_view state = {});

// One DescribeNetworkInterfaces item. `attach_time`: when it was attached (the instance's
// launch time), "" when detached.
void write_network_interface(aws::XmlWriter& w, const NetworkInterface& e, const GroupNames& groups,
                             const RegionConfig& region, const std::string& attach_time);

}  // namespace v6k::ec2

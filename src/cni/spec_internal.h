// Pieces of the netconf parser shared by spec.cc and spec_addresses.cc (not public API).
#pragma once

#include <expected>
#include <string>

#include <nlohmann/json.hpp>

#include "cni/spec.h"

namespace v6k::cni::internal {

CniError error(int code, std::string msg, std::string details = {});
CniError bad_config(std::string msg, std::string details = {});

// The pod address keys of a netconf: "ipv6Prefixes" + "ipv4Egress", or "ipv4Addresses" +
// "ipv4Snat" (exactly one mode; see NetConf).
std::expected<void, CniError> parse_pod_addresses(const nlohmann::json& j, NetConf& out);

}  // namespace v6k::cni::internal

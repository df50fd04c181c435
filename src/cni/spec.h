// The CNI contract (spec 1.1.0, also 0.4.0 and 1.0.0): the environment a runtime sets,
// the configuration on stdin, well-known error codes, and the Result printed on stdout.
// Nothing here touches the kernel: it is the plugin's protocol edge, fuzzed as a parser.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"

namespace v6k::cni {

inline constexpr std::string_view kLatestVersion = "1.1.0";
// Versions whose configs we accept and whose Result shapes we produce.
const std::vector<std::string>& supported_versions();
bool version_supported(std::string_view v);
// Negative, zero or positive as semver a < b, a == b, a > b ("0.4.0" < "1.0.0").
int compare_versions(std::string_view a, std::string_view b);

// Well-known error codes (SPEC.md "Error" section).
enum ErrorCode : int {
  kErrIncompatibleVersion = 1,
  kErrUnsupportedField = 2,
  kErrUnknownContainer = 3,
  kErrInvalidEnvironment = 4,
  kErrIoFailure = 5,
  kErrDecoding = 6,
  kErrInvalidConfig = 7,
  kErrTryAgainLater = 11,
  kErrPluginNotAvailable = 50,  // STATUS: not ready
  kErrLimitedConnectivity = 51,
  kErrInternal = 999,
};

// An error in the CNI protocol's own shape: {"cniVersion","code","msg","details"}.
struct CniError {
  int code = kErrInternal;
  std::string msg;
  std::string details;
  nlohmann::json to_json(std::string_view cni_version) const;
};
CniError to_cni_error(int code, const Error& e, std::string_view msg);

enum class Command { kAdd, kDel, kCheck, kGc, kStatus, kVersion };
std::optional<Command> parse_command(std::string_view s);
std::string_view command_name(Command c);

// The CNI_* environment, validated for the command: ADD/CHECK need a container id, netns
// and ifname; DEL tolerates an empty netns; GC/STATUS/VERSION need only the command.
struct Environment {
  Command command = Command::kVersion;
  std::string container_id;
  std::string netns;   // path; may be empty for DEL
  std::string ifname;
  std::string path;    // CNI_PATH
  std::map<std::string, std::string> args;  // CNI_ARGS "K=V;K2=V2"
};
using EnvLookup = std::map<std::string, std::string>;
std::expected<Environment, CniError> parse_environment(const EnvLookup& env);

struct Ipv4Egress {
  bool enabled = false;
  addr::Ipv4Prefix range;           // default 169.254.172.0/22
  addr::Ipv4Address gateway;        // range base + 1
  addr::Ipv4Address node_ipv4;      // SNAT source
  std::string uplink;               // only SNAT when leaving this interface ("" = any)
};

// IPv4 pod mode's source NAT (the VPC CNI's AWS-SNAT-CHAIN): pod traffic to anywhere
// outside `exclude` (the VPC's CIDRs) leaving `uplink` takes the node's primary IPv4.
struct Ipv4Snat {
  bool enabled = false;
  addr::Ipv4Address node_ipv4;
  std::vector<addr::Ipv4Prefix> exclude;
  std::string uplink;  // "" = any interface
};

// The gateway every pod routes IPv4 through in IPv4 pod mode (the VPC CNI's choice).
addr::Ipv4Address pod_gateway_v4();

// The plugin's network configuration (the single-plugin form a runtime pipes to us).
// Two modes, by which address key is present:
//   IPv6 (an IPv6 cluster): "ipv6Prefixes" (the node's /80s), optional "ipv4Egress";
//   IPv4 (an IPv4 cluster): "ipv4Addresses" (the node ENI's secondary private IPv4s, one
//   per pod), optional "ipv4Snat"; pods get no IPv6.
struct NetConf {
  std::string cni_version;
  std::string name;
  std::string type;
  std::vector<addr::Ipv6Prefix> ipv6_prefixes;
  Ipv4Egress ipv4_egress;
  bool ipv4_pods = false;  // "ipv4Addresses" given (possibly empty: none assigned yet)
  std::vector<addr::Ipv4Address> ipv4_addresses;
  Ipv4Snat ipv4_snat;
  bool ipv4_pod_mode() const { return ipv4_pods; }
  uint32_t mtu = 9001;
  std::string data_dir = "/var/lib/cni/v6k";
  std::string veth_prefix = "v6k";
  int64_t cooldown_seconds = 30;
  nlohmann::json prev_result;  // null when absent
  nlohmann::json dns;          // passed through to the result when set
  std::vector<std::pair<std::string, std::string>> valid_attachments;  // GC: (containerID, ifname)
  bool has_valid_attachments = false;
};
// Parses and validates stdin; a conflist (with "plugins") is rejected with a clear message
// since runtimes pipe one plugin's config at a time.
std::expected<NetConf, CniError> parse_netconf(std::string_view json_text, Command cmd);

// What ADD produced, encoded per the config's cniVersion (0.4.0 adds "version" to ips;
// 1.1.0 adds "mtu" to interfaces).
struct ResultInterface {
  std::string name;
  std::string mac;
  uint32_t mtu = 0;
  std::string sandbox;  // empty for host-side interfaces
};
struct ResultIp {
  addr::IpInterface address;
  std::optional<addr::IpAddress> gateway;
  int interface = -1;  // index into interfaces, -1 = none
};
struct ResultRoute {
  std::string dst;  // CIDR text
  std::optional<addr::IpAddress> gw;
};
struct CniResult {
  std::vector<ResultInterface> interfaces;
  std::vector<ResultIp> ips;
  std::vector<ResultRoute> routes;
  nlohmann::json dns;  // object or null
};
// Encodes `ours` for `version`, appended after `prev` (a chained plugin's prevResult).
nlohmann::json encode_result(const CniResult& ours, const nlohmann::json& prev, std::string_view version);

}  // namespace v6k::cni

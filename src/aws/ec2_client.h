// An EC2 API client for the calls a node makes about itself, the way the Amazon VPC CNI's
// ipamd does: DescribeInstances for its own facts, DescribeNetworkInterfaces for its ENI,
// AssignIpv6Addresses with Ipv6PrefixCount=1 for its /80 pod prefix, DescribeSubnets and
// DescribeVpcs for the CIDRs. Query protocol (POST, form body, Version=2016-11-15),
// SigV4 with service "ec2", XML answers; one kept-alive HTTP connection.
//
//   auto access = aws::load_region_access("/var/lib/v6k");          // <state>/credentials
//   if (!access) return fail(access.error());
//   aws::Ec2Client ec2(aws::Ec2ClientOptions::from(*access));
//   auto inst = ec2.describe_instance("i-0123456789abcdef0");
//   if (!inst) log("%s", inst.error().text().c_str());               // "InvalidInstanceID.NotFound: ..."
//   auto got = ec2.assign_ipv6_prefixes(inst->network_interfaces[0].id, 1);
//   // got->prefixes == {"2001:db8:0:1:1::/80"}
//   V6K_TRY(ec2.describe_vpc(inst->vpc_id), "reading the VPC");    // Ec2Error wraps into Error
//
// Addresses and CIDRs are kept as the text EC2 sent; callers parse them with addr::.
// Element names are botocore's (service-2.json, 2016-11-15), which src/ec2 also emits.
// Thread-safe: calls are serialised on the one connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4.h"
#include "aws/xml_reader.h"
#include "common/result.h"
#include "http/client.h"

namespace v6k::aws {

// A failed call: an AWS error answer (code + message), or no usable answer at all.
struct Ec2Error {
  std::string code;        // AWS error code ("AuthFailure"); "" when EC2 gave no error document
  std::string message;     // AWS's message, or what went wrong (connection, bad XML, ...)
  int http_status = 0;     // 0 when no response arrived
  std::string request_id;  // "" when none
  std::string action;      // "DescribeInstances", ...

  // "DescribeInstances: AuthFailure: AWS was not able to ... (HTTP 401)"
  std::string text() const;
  Error to_error() const { return Error::invalid(text()); }
  // So V6K_TRY works on an Ec2Result inside a function returning Result<T>.
  Error wrap(std::string_view context) const { return to_error().wrap(context); }
};

template <typename T>
using Ec2Result = std::expected<T, Ec2Error>;

// Where the region is and who we are: from `<state>/credentials` (written by `v6k serve`:
// {"access_key_id", "secret_access_key", "region", "endpoint": "http://localhost:4566"}).
struct RegionAccess {
  std::string host;  // "localhost"
  uint16_t port = 0;
  std::string region;
  Credentials credentials;
};
Result<RegionAccess> load_region_access(const std::string& state_dir);
// The same from the file's text (for tests and other sources of the same JSON).
Result<RegionAccess> parse_region_access(std::string_view json_text);

struct Ec2ClientOptions {
  std::string host = "localhost";  // name or address literal ("::1")
  uint16_t port = 0;
  std::string region = "us-west-2";
  Credentials credentials;
  std::chrono::milliseconds timeout{30000};
  // The signing time; tests move it to provoke RequestExpired.
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };

  static Ec2ClientOptions from(const RegionAccess& a);
};

struct Ec2SecurityGroup {
  std::string id;    // groupId
  std::string name;  // groupName
};

// InstanceNetworkInterface (in DescribeInstances) / NetworkInterface (DescribeNetworkInterfaces).
struct Ec2NetworkInterface {
  std::string id;                 // networkInterfaceId
  int device_index = -1;          // attachment/deviceIndex; -1 when not attached
  std::string attachment_id;
  std::string instance_id;        // attachment/instanceId (DescribeNetworkInterfaces only)
  std::string subnet_id, vpc_id;
  std::string availability_zone;  // DescribeNetworkInterfaces only
  std::string status;             // "in-use", "available"
  std::string mac_address;
  std::string private_dns_name;
  std::string private_ipv4;                // primary
  std::vector<std::string> private_ipv4s;  // privateIpAddressesSet, primary first
  std::string public_ipv4;                 // association/publicIp; "" when none
  std::vector<std::string> ipv6_addresses;
  std::vector<std::string> ipv6_prefixes;  // delegated prefixes ("…::/80")
  std::vector<Ec2SecurityGroup> security_groups;
};

struct Ec2Instance {
  std::string id, image_id, instance_type, architecture;
  std::string state;  // instanceState/name: "pending", "running", ...
  std::string availability_zone;
  std::string private_dns_name;
  std::string private_ipv4;
  std::string public_ipv4;   // ipAddress; "" when none
  std::string ipv6_address;  // the primary ENI's first IPv6 (ipv6Address); "" when none
  std::string subnet_id, vpc_id;
  std::string key_name;
  std::vector<Ec2SecurityGroup> security_groups;
  std::vector<Ec2NetworkInterface> network_interfaces;  // sorted by device index
  std::vector<std::pair<std::string, std::string>> tags;
};

struct Ec2Subnet {
  std::string id, vpc_id, state;
  std::string availability_zone, availability_zone_id;
  std::string cidr_block;                    // IPv4
  std::vector<std::string> ipv6_cidr_blocks; // associated (or associating) ones only
  bool assign_ipv6_address_on_creation = false;
  bool map_public_ip_on_launch = false;
};

struct Ec2Vpc {
  std::string id, state;
  std::string cidr_block;                    // the primary IPv4 CIDR
  std::vector<std::string> cidr_blocks;      // every associated IPv4 CIDR, primary first
  std::vector<std::string> ipv6_cidr_blocks; // associated (or associating) ones only
};

struct Ec2Ipv6Assignment {
  std::string network_interface_id;
  std::vector<std::string> addresses;  // assignedIpv6Addresses
  std::vector<std::string> prefixes;   // assignedIpv6PrefixSet
};

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

class Ec2Client {
 public:
  explicit Ec2Client(Ec2ClientOptions opts);
  ~Ec2Client();
  Ec2Client(const Ec2Client&) = delete;
  Ec2Client& operator=(const Ec2Client&) = delete;

  Ec2Result<Ec2Instance> describe_instance(std::string_view instance_id);
  Ec2Result<Ec2NetworkInterface> describe_network_interface(std::string_view eni_id);
  // AssignIpv6Addresses NetworkInterfaceId=<eni> Ipv6PrefixCount=<count>: new prefixes only
  // (the interface's earlier ones are not repeated).
  Ec2Result<Ec2Ipv6Assignment> assign_ipv6_prefixes(std::string_view eni_id, int count = 1);
  // AssignPrivateIpAddresses NetworkInterfaceId=<eni> SecondaryPrivateIpAddressCount=<count>:
  // the secondary private IPv4s added (the VPC CNI's warm pool in an IPv4 cluster).
  Ec2Result<std::vector<std::string>> assign_private_ipv4s(std::string_view eni_id, int count);
  // UnassignPrivateIpAddresses NetworkInterfaceId=<eni> PrivateIpAddress.N=<a>: gives
  // secondaries back to the subnet (ipamd shrinking its warm pool).
  Ec2Result<void> unassign_private_ipv4s(std::string_view eni_id, const std::vector<std::string>& addresses);
  Ec2Result<Ec2Subnet> describe_subnet(std::string_view subnet_id);
  Ec2Result<Ec2Vpc> describe_vpc(std::string_view vpc_id);

  // Any action: adds Action and Version, signs, sends; returns the parsed <ActionResponse>.
  Ec2Result<XmlElement> call(std::string_view action, const QueryParameters& params);

 private:
  Ec2ClientOptions opts_;
  std::mutex mu_;
  http::KeepAliveClient http_;
};

// --- Building blocks, exposed for tests and the fuzzer ---

// The form body: Action=...&Version=2016-11-15&<params> (botocore's encoding).
std::string ec2_query_body(std::string_view action, const QueryParameters& params);
// An HTTP answer to `action` -> its response element, or the Ec2Error it carries
// (Response/Errors/Error, or aws-query ErrorResponse/Error).
Ec2Result<XmlElement> decode_ec2_response(std::string_view action, int status, std::string_view body);
// Response elements -> typed facts. `want` is the id asked for: an answer without it is an
// error with EC2's NotFound code for that resource.
Ec2Result<Ec2Instance> decode_instance(const XmlElement& response, std::string_view want);
Ec2Result<Ec2NetworkInterface> decode_network_interface(const XmlElement& response, std::string_view want);
Ec2Result<Ec2Ipv6Assignment> decode_ipv6_assignment(const XmlElement& response);
// AssignPrivateIpAddresses: assignedPrivateIpAddressesSet/item/privateIpAddress.
std::vector<std::string> decode_private_ipv4_assignment(const XmlElement& response);
Ec2Result<Ec2Subnet> decode_subnet(const XmlElement& response, std::string_view want);
Ec2Result<Ec2Vpc> decode_vpc(const XmlElement& response, std::string_view want);

}  // namespace v6k::aws

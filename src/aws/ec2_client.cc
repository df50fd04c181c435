// EC2 client: the query request, SigV4, the kept-alive connection, error documents, and
// the decoding of the few response shapes a node needs.
#include "aws/ec2_client.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "aws/query.h"
#include "common/atomic_file.h"

namespace v6k::aws {
namespace {

constexpr std::string_view kVersion = "2016-11-15";

std::string clip(std::string_view s, size_t n) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

std::unexpected<Ec2Error> ec2_fail(std::string_view action, std::string code, std::string message, int status = 0,
                                   std::string request_id = {}) {
  return std::unexpected(Ec2Error{std::move(code), std::move(message), status, std::move(request_id),
                                  std::string(action)});
}

std::string text_of(const XmlElement& e, std::string_view path) { return std::string(e.text_or(path)); }

// Every `item` of a set element, or none when the set is absent.
std::vector<const XmlElement*> items(const XmlElement& e, std::string_view set) {
  const XmlElement* s = e.find(set);
  return s ? s->children_named("item") : std::vector<const XmlElement*>{};
}

// A list of plain strings: <set><item>v</item>...</set> or <set><item><field>v</field></item>.
std::vector<std::string> strings(const XmlElement& e, std::string_view set, std::string_view field = {}) {
  std::vector<std::string> out;
  for (const XmlElement* i : items(e, set)) out.push_back(text_of(*i, field));
  return out;
}

std::vector<Ec2SecurityGroup> groups(const XmlElement& e) {
  std::vector<Ec2SecurityGroup> out;
  for (const XmlElement* g : items(e, "groupSet")) out.push_back({text_of(*g, "groupId"), text_of(*g, "groupName")});
  return out;
}

// CIDR associations still in force: "associated", or "associating" (just created).
std::vector<std::string> live_cidrs(const XmlElement& e, std::string_view set, std::string_view cidr_field,
                                    std::string_view state_path) {
  std::vector<std::string> out;
  for (const XmlElement* i : items(e, set)) {
    auto state = i->text_or(state_path, "associated");
    if (state == "associated" || state == "associating") out.push_back(text_of(*i, cidr_field));
  }
  return out;
}

Ec2Result<Ec2NetworkInterface> decode_eni(const XmlElement& e, std::string_view action) {
  Ec2NetworkInterface n;
  n.id = text_of(e, "networkInterfaceId");
  if (n.id.empty()) return ec2_fail(action, "", "a network interface without networkInterfaceId", 200);
  if (auto index = e.text_at("attachment/deviceIndex")) {
    auto [end, ec] = std::from_chars(index->data(), index->data() + index->size(), n.device_index);
    if (ec != std::errc() || end != index->data() + index->size() || n.device_index < 0)
      return ec2_fail(action, "", "network interface " + n.id + ": malformed deviceIndex '" + clip(*index, 20) + "'",
                      200);
  }
  n.attachment_id = text_of(e, "attachment/attachmentId");
  n.instance_id = text_of(e, "attachment/instanceId");
  n.subnet_id = text_of(e, "subnetId");
  n.vpc_id = text_of(e, "vpcId");
  n.availability_zone = text_of(e, "availabilityZone");
  n.status = text_of(e, "status");
  n.mac_address = text_of(e, "macAddress");
  n.private_dns_name = text_of(e, "privateDnsName");
  n.private_ipv4 = text_of(e, "privateIpAddress");
  n.public_ipv4 = text_of(e, "association/publicIp");
  // Primary first, then the secondaries in answer order.
  auto addresses = items(e, "privateIpAddressesSet");
  std::stable_partition(addresses.begin(), addresses.end(),
                        [](const XmlElement* a) { return a->text_or("primary") == "true"; });
  for (const XmlElement* a : addresses) n.private_ipv4s.push_back(text_of(*a, "privateIpAddress"));
  n.ipv6_addresses = strings(e, "ipv6AddressesSet", "ipv6Address");
  n.ipv6_prefixes = strings(e, "ipv6PrefixSet", "ipv6Prefix");
  n.security_groups = groups(e);
  return n;
}

// The one item of `set` whose `id_field` is `want`, else EC2's NotFound for that resource.
Ec2Result<const XmlElement*> pick(const std::vector<const XmlElement*>& candidates, std::string_view id_field,
                                  std::string_view want, std::string_view action, std::string_view not_found,
                                  std::string_view what) {
  for (const XmlElement* c : candidates)
    if (c->text_or(id_field) == want) return c;
  return ec2_fail(action, std::string(not_found),
                  "The " + std::string(what) + " '" + std::string(want) + "' does not exist", 200);
}

std::string authority(const std::string& host, uint16_t port) {
  bool v6_literal = host.find(':') != std::string::npos;
  return (v6_literal ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::string Ec2Error::text() const {
  std::string out = action.empty() ? std::string() : action + ": ";
  if (!code.empty()) out += code + ": ";
  out += message;
  if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
  return out;
}

Result<RegionAccess> parse_region_access(std::string_view json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return fail_invalid("region credentials: not a JSON object");
  auto field = [&](const char* k) -> std::string {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  RegionAccess a;
  a.credentials.access_key_id = field("access_key_id");
  a.credentials.secret_access_key = field("secret_access_key");
  a.region = field("region");
  if (a.credentials.access_key_id.empty() || a.credentials.secret_access_key.empty() || a.region.empty())
    return fail_invalid("region credentials: access_key_id, secret_access_key and region are required");
  std::string endpoint = field("endpoint");
  if (!endpoint.starts_with("http://"))
    return fail_invalid("region credentials: endpoint \"" + clip(endpoint, 80) + "\" is not http://host:port");
  std::string_view hp = std::string_view(endpoint).substr(7);
  if (auto slash = hp.find('/'); slash != std::string_view::npos) hp = hp.substr(0, slash);
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return fail_invalid("region credentials: endpoint \"" + clip(endpoint, 80) + "\" has no port");
  std::string_view host = hp.substr(0, colon), port = hp.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return fail_invalid("region credentials: endpoint \"" + clip(endpoint, 80) + "\" has a malformed host");
    host = host.substr(1, host.size() - 2);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535)
    return fail_invalid("region credentials: endpoint \"" + clip(endpoint, 80) + "\" has a malformed port");
  a.host = std::string(host);
  a.port = static_cast<uint16_t>(p);
  return a;
}

Result<RegionAccess> load_region_access(const std::string& state_dir) {
  const std::string path = state_dir + "/credentials";
  auto text = read_file(path);
  if (!text) return fail(std::move(text.error()).wrap("reading " + path));
  auto a = parse_region_access(*text);
  if (!a) return fail(std::move(a.error()).wrap(path));
  return a;
}

Ec2ClientOptions Ec2ClientOptions::from(const RegionAccess& a) {
  Ec2ClientOptions o;
  o.host = a.host;
  o.port = a.port;
  o.region = a.region;
  o.credentials = a.credentials;
  return o;
}

std::string ec2_query_body(std::string_view action, const QueryParameters& params) {
  std::string body = "Action=" + form_encode(action) + "&Version=" + std::string(kVersion);
  for (const auto& [k, v] : params) body += "&" + form_encode(k) + "=" + form_encode(v);
  return body;
}

Ec2Result<XmlElement> decode_ec2_response(std::string_view action, int status, std::string_view body) {
  auto doc = parse_xml(body);
  if (doc) {
    // EC2: <Response><Errors><Error>; aws-query (STS, and some front doors): <ErrorResponse><Error>.
    const XmlElement* err = doc->name == "Response" ? doc->find("Errors/Error")
                            : doc->name == "ErrorResponse" ? doc->child("Error") : nullptr;
    if (err && err->child("Code")) {
      std::string rid = text_of(*doc, doc->child("RequestID") ? "RequestID" : "RequestId");
      return ec2_fail(action, text_of(*err, "Code"), text_of(*err, "Message"), status, std::move(rid));
    }
  }
  if (status < 200 || status > 299) return ec2_fail(action, "", "HTTP " + std::to_string(status) + ": " + clip(body, 200), status);
  if (!doc) return ec2_fail(action, "", "malformed XML answer: " + doc.error().message(), status);
  if (doc->name != std::string(action) + "Response")
    return ec2_fail(action, "", "unexpected answer <" + clip(doc->name, 60) + ">", status);
  return std::move(*doc);
}

Ec2Result<Ec2Instance> decode_instance(const XmlElement& response, std::string_view want) {
  constexpr std::string_view kAction = "DescribeInstances";
  std::vector<const XmlElement*> all;
  for (const XmlElement* r : items(response, "reservationSet")) {
    auto some = items(*r, "instancesSet");
    all.insert(all.end(), some.begin(), some.end());
  }
  auto found = pick(all, "instanceId", want, kAction, "InvalidInstanceID.NotFound", "instance ID");
  if (!found) return std::unexpected(found.error());
  const XmlElement& e = **found;
  Ec2Instance i;
  i.id = std::string(want);
  i.image_id = text_of(e, "imageId");
  i.instance_type = text_of(e, "instanceType");
  i.architecture = text_of(e, "architecture");
  i.state = text_of(e, "instanceState/name");
  i.availability_zone = text_of(e, "placement/availabilityZone");
  i.private_dns_name = text_of(e, "privateDnsName");
  i.private_ipv4 = text_of(e, "privateIpAddress");
  i.public_ipv4 = text_of(e, "ipAddress");
  i.ipv6_address = text_of(e, "ipv6Address");
  i.subnet_id = text_of(e, "subnetId");
  i.vpc_id = text_of(e, "vpcId");
  i.key_name = text_of(e, "keyName");
  i.security_groups = groups(e);
  for (const XmlElement* t : items(e, "tagSet")) i.tags.emplace_back(text_of(*t, "key"), text_of(*t, "value"));
  for (const XmlElement* n : items(e, "networkInterfaceSet")) {
    auto eni = decode_eni(*n, kAction);
    if (!eni) return std::unexpected(eni.error());
    i.network_interfaces.push_back(std::move(*eni));
  }
  std::stable_sort(i.network_interfaces.begin(), i.network_interfaces.end(),
                   [](const auto& a, const auto& b) { return a.device_index < b.device_index; });
  return i;
}

Ec2Result<Ec2NetworkInterface> decode_network_interface(const XmlElement& response, std::string_view want) {
  constexpr std::string_view kAction = "DescribeNetworkInterfaces";
  auto found = pick(items(response, "networkInterfaceSet"), "networkInterfaceId", want, kAction,
                    "InvalidNetworkInterfaceID.NotFound", "networkInterface ID");
  if (!found) return std::unexpected(found.error());
  return decode_eni(**found, kAction);
}

Ec2Result<Ec2Ipv6Assignment> decode_ipv6_assignment(const XmlElement& response) {
  Ec2Ipv6Assignment a;
  a.network_interface_id = text_of(response, "networkInterfaceId");
  a.addresses = strings(response, "assignedIpv6Addresses");
  a.prefixes = strings(response, "assignedIpv6PrefixSet");
  return a;
}

std::vector<std::string> decode_private_ipv4_assignment(const XmlElement& response) {
  return strings(response, "assignedPrivateIpAddressesSet", "privateIpAddress");
}

Ec2Result<Ec2Subnet> decode_subnet(const XmlElement& response, std::string_view want) {
  auto found = pick(items(response, "subnetSet"), "subnetId", want, "DescribeSubnets", "InvalidSubnetID.NotFound",
                    "subnet ID");
  if (!found) return std::unexpected(found.error());
  const XmlElement& e = **found;
  Ec2Subnet s;
  s.id = std::string(want);
  s.vpc_id = text_of(e, "vpcId");
  s.state = text_of(e, "state");
  s.availability_zone = text_of(e, "availabilityZone");
  s.availability_zone_id = text_of(e, "availabilityZoneId");
  s.cidr_block = text_of(e, "cidrBlock");
  s.ipv6_cidr_blocks = live_cidrs(e, "ipv6CidrBlockAssociationSet", "ipv6CidrBlock", "ipv6CidrBlockState/state");
  s.assign_ipv6_address_on_creation = e.text_or("assignIpv6AddressOnCreation") == "true";
  s.map_public_ip_on_launch = e.text_or("mapPublicIpOnLaunch") == "true";
  return s;
}

Ec2Result<Ec2Vpc> decode_vpc(const XmlElement& response, std::string_view want) {
  auto found = pick(items(response, "vpcSet"), "vpcId", want, "DescribeVpcs", "InvalidVpcID.NotFound", "vpc ID");
  if (!found) return std::unexpected(found.error());
  const XmlElement& e = **found;
  Ec2Vpc v;
  v.id = std::string(want);
  v.state = text_of(e, "state");
  v.cidr_block = text_of(e, "cidrBlock");
  v.cidr_blocks = live_cidrs(e, "cidrBlockAssociationSet", "cidrBlock", "cidrBlockState/state");
  // The primary first, as the VPC CNI lists them.
  if (auto it = std::find(v.cidr_blocks.begin(), v.cidr_blocks.end(), v.cidr_block); it != v.cidr_blocks.end())
    std::rotate(v.cidr_blocks.begin(), it, it + 1);
  v.ipv6_cidr_blocks = live_cidrs(e, "ipv6CidrBlockAssociationSet", "ipv6CidrBlock", "ipv6CidrBlockState/state");
  return v;
}

Ec2Client::Ec2Client(Ec2ClientOptions opts)
    : opts_(std::move(opts)),
      http_(http::KeepAliveOptions{.host = opts_.host, .port = opts_.port, .tls = std::nullopt}) {}

Ec2Client::~Ec2Client() = default;

Ec2Result<XmlElement> Ec2Client::call(std::string_view action, const QueryParameters& params) {
  http::Request r;
  r.method = "POST";
  r.target = r.path = "/";
  r.headers = {{"host", authority(opts_.host, opts_.port)},
               {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = ec2_query_body(action, params);
  std::lock_guard lock(mu_);
  sign_request(r, opts_.credentials, opts_.region, "ec2", opts_.clock());
  auto resp = http_.send(r, opts_.timeout);
  if (!resp) return ec2_fail(action, "", resp.error().message());
  return decode_ec2_response(action, resp->status, resp->body);
}

Ec2Result<Ec2Instance> Ec2Client::describe_instance(std::string_view instance_id) {
  auto r = call("DescribeInstances", {{"InstanceId.1", std::string(instance_id)}});
  if (!r) return std::unexpected(r.error());
  return decode_instance(*r, instance_id);
}

Ec2Result<Ec2NetworkInterface> Ec2Client::describe_network_interface(std::string_view eni_id) {
  auto r = call("DescribeNetworkInterfaces", {{"NetworkInterfaceId.1", std::string(eni_id)}});
  if (!r) return std::unexpected(r.error());
  return decode_network_interface(*r, eni_id);
}

Ec2Result<Ec2Ipv6Assignment> Ec2Client::assign_ipv6_prefixes(std::string_view eni_id, int count) {
  auto r = call("AssignIpv6Addresses",
                {{"NetworkInterfaceId", std::string(eni_id)}, {"Ipv6PrefixCount", std::to_string(count)}});
  if (!r) return std::unexpected(r.error());
  return decode_ipv6_assignment(*r);
}

Ec2Result<std::vector<std::string>> Ec2Client::assign_private_ipv4s(std::string_view eni_id, int count) {
  auto r = call("AssignPrivateIpAddresses", {{"NetworkInterfaceId", std::string(eni_id)},
                                             {"SecondaryPrivateIpAddressCount", std::to_string(count)}});
  if (!r) return std::unexpected(r.error());
  return decode_private_ipv4_assignment(*r);
}

Ec2Result<void> Ec2Client::unassign_private_ipv4s(std::string_view eni_id, const std::vector<std::string>& addresses) {
  QueryParameters params{{"NetworkInterfaceId", std::string(eni_id)}};
  for (size_t i = 0; i < addresses.size(); ++i)
    params.emplace_back("PrivateIpAddress." + std::to_string(i + 1), addresses[i]);
  auto r = call("UnassignPrivateIpAddresses", params);
  if (!r) return std::unexpected(r.error());
  return {};
}

Ec2Result<Ec2Subnet> Ec2Client::describe_subnet(std::string_view subnet_id) {
  auto r = call("DescribeSubnets", {{"SubnetId.1", std::string(subnet_id)}});
  if (!r) return std::unexpected(r.error());
  return decode_subnet(*r, subnet_id);
}

Ec2Result<Ec2Vpc> Ec2Client::describe_vpc(std::string_view vpc_id) {
  auto r = call("DescribeVpcs", {{"VpcId.1", std::string(vpc_id)}});
  if (!r) return std::unexpected(r.error());
  return decode_vpc(*r, vpc_id);
}

}  // namespace v6k::aws

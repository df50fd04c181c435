// The real aws CLI against `v6k serve` for the network plumbing around a VPC: internet and
// egress-only gateways, route tables and routes (with the implicit local routes), key pairs
// (real keys that openssl and ssh-keygen accept, with AWS's fingerprints), tags, and
// AssociateVpcCidrBlock; then a table of bad requests, each refused with EC2's error code
// while nothing observable changes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/proc.h"
#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using v6k::testing::ExecResult;
const auto& error_code = v6k::testing::aws_error_code;
using v6k::testing::RegionDaemon;

const std::string kNoVpc = "vpc-00000000000000000";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

ExecResult sh(const std::string& script) { return v6k::testing::run_command({"/bin/sh", "-c", script}, {}, ""); }

// The hash after "= " in `openssl dgst` output ("SHA1(stdin)= 1f:2e:…").
std::string dgst_value(const std::string& out) {
  auto at = out.find("= ");
  if (at == std::string::npos) return "";
  std::string v = out.substr(at + 2);
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

// "SHA256:<b64>" from `ssh-keygen -l`, re-padded the way EC2 prints it.
std::string ssh_keygen_sha256(const std::string& out) {
  auto at = out.find("SHA256:");
  if (at == std::string::npos) return "";
  auto end = out.find(' ', at);
  std::string b64 = out.substr(at + 7, end - at - 7);
  while (b64.size() % 4) b64 += '=';
  return b64;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0600);
}

// The first two fields of an OpenSSH public key line (type and blob), without the comment.
std::string key_body(const std::string& line) {
  std::istringstream in(line);
  std::string type, blob;
  in >> type >> blob;
  return type + " " + blob;
}

class Ec2Network : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
  }
  json aws(const std::vector<std::string>& args) { return d_->aws_json(args); }
  // Runs a call that must fail; returns its EC2 error code.
  std::string fails(const std::vector<std::string>& args) {
    ExecResult r = d_->aws(args);
    EXPECT_EQ(r.exit_code, 254) << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return error_code(r);
  }
  std::string vpc(bool ipv6, const std::string& cidr = "10.0.0.0/16") {
    std::vector<std::string> args = {"ec2", "create-vpc", "--cidr-block", cidr};
    if (ipv6) args.push_back("--amazon-provided-ipv6-cidr-block");
    return aws(args)["Vpc"]["VpcId"];
  }
  std::string igw() { return aws({"ec2", "create-internet-gateway"})["InternetGateway"]["InternetGatewayId"]; }
  json tables_of(const std::string& vpc_id) {
    return aws({"ec2", "describe-route-tables", "--filters", "Name=vpc-id,Values=" + vpc_id})["RouteTables"];
  }
  std::string dir() {
    std::string d = d_->state_dir() + "/keys";
    ::mkdir(d.c_str(), 0700);
    return d;
  }
  std::unique_ptr<RegionDaemon> d_;
};

json find_route(const json& routes, const std::string& field, const std::string& dest) {
  for (const auto& r : routes)
    if (r.contains(field) && r[field] == dest) return r;
  return json();
}

TEST_F(Ec2Network, InternetGatewaysAttachDescribeDetachDelete) {
  std::string v = vpc(true);
  json created = aws({"ec2", "create-internet-gateway", "--tag-specifications",
                      "ResourceType=internet-gateway,Tags=[{Key=Name,Value=gw1}]"})["InternetGateway"];
  std::string g = created["InternetGatewayId"];
  EXPECT_EQ(g.rfind("igw-", 0), 0u);
  EXPECT_TRUE(created["Attachments"].empty());
  EXPECT_EQ(created["Tags"][0]["Value"], "gw1");
  EXPECT_EQ(created["OwnerId"], "123456789012");

  aws({"ec2", "attach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
  json one = aws({"ec2", "describe-internet-gateways", "--internet-gateway-ids", g})["InternetGateways"];
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(one[0]["Attachments"].size(), 1u);
  EXPECT_EQ(one[0]["Attachments"][0]["VpcId"], v);
  EXPECT_EQ(one[0]["Attachments"][0]["State"], "available");  // EC2's word for attached

  std::string g2 = igw();
  auto count = [&](const std::string& filter) {
    return aws({"ec2", "describe-internet-gateways", "--filters", filter})["InternetGateways"].size();
  };
  EXPECT_EQ(count("Name=attachment.vpc-id,Values=" + v), 1u);
  EXPECT_EQ(count("Name=attachment.state,Values=available"), 1u);
  EXPECT_EQ(count("Name=internet-gateway-id,Values=" + g2), 1u);
  EXPECT_EQ(count("Name=tag:Name,Values=gw*"), 1u);
  EXPECT_EQ(count("Name=tag:Name,Values=other"), 0u);
  EXPECT_EQ(count("Name=owner-id,Values=123456789012"), 2u);

  EXPECT_EQ(fails({"ec2", "delete-internet-gateway", "--internet-gateway-id", g}), "DependencyViolation");
  EXPECT_EQ(fails({"ec2", "detach-internet-gateway", "--internet-gateway-id", g2, "--vpc-id", v}), "Gateway.NotAttached");
  aws({"ec2", "detach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
  EXPECT_TRUE(aws({"ec2", "describe-internet-gateways", "--internet-gateway-ids", g})["InternetGateways"][0]["Attachments"].empty());
  // A detached gateway may go to another VPC, and be deleted once detached.
  std::string v2 = vpc(false, "10.1.0.0/16");
  aws({"ec2", "attach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v2});
  aws({"ec2", "detach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v2});
  aws({"ec2", "delete-internet-gateway", "--internet-gateway-id", g});
  EXPECT_EQ(fails({"ec2", "describe-internet-gateways", "--internet-gateway-ids", g}), "InvalidInternetGatewayID.NotFound");
  EXPECT_EQ(count("Name=owner-id,Values=123456789012"), 1u);
}

// EC2 NATs public IPv4s at the internet gateway, so it cannot leave while any is mapped.
TEST_F(Ec2Network, GatewayWithMappedPublicAddressesCannotBeDetached) {
  std::string v = vpc(true);
  std::string s = aws({"ec2", "create-subnet", "--vpc-id", v, "--cidr-block", "10.0.0.0/24"})["Subnet"]["SubnetId"];
  aws({"ec2", "modify-subnet-attribute", "--subnet-id", s, "--map-public-ip-on-launch"});
  std::string g = igw();
  aws({"ec2", "attach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
  json r = aws({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "t3.micro",
                "--subnet-id", s, "--count", "1"});
  ASSERT_EQ(r["Instances"].size(), 1u);
  std::string i = r["Instances"][0]["InstanceId"];
  json described = aws({"ec2", "describe-instances", "--instance-ids", i})["Reservations"][0]["Instances"][0];
  ASSERT_TRUE(described.contains("PublicIpAddress")) << described.dump();

  EXPECT_EQ(fails({"ec2", "detach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v}), "DependencyViolation");
  EXPECT_EQ(aws({"ec2", "describe-internet-gateways", "--internet-gateway-ids", g})
                ["InternetGateways"][0]["Attachments"].size(), 1u);
  aws({"ec2", "terminate-instances", "--instance-ids", i});
  // Termination may take a moment to release the interface.
  ExecResult detach;
  for (int attempt = 0; attempt < 30; ++attempt) {
    detach = d_->aws({"ec2", "detach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
    if (detach.exit_code == 0 || error_code(detach) != "DependencyViolation") break;
    ::sleep(1);
  }
  EXPECT_EQ(detach.exit_code, 0) << detach.err;
}

TEST_F(Ec2Network, EgressOnlyInternetGateways) {
  std::string v = vpc(true);
  json r = aws({"ec2", "create-egress-only-internet-gateway", "--vpc-id", v, "--client-token", "tok-1",
                "--tag-specifications", "ResourceType=egress-only-internet-gateway,Tags=[{Key=k,Value=v}]"});
  EXPECT_EQ(r["ClientToken"], "tok-1");
  json e = r["EgressOnlyInternetGateway"];
  std::string id = e["EgressOnlyInternetGatewayId"];
  EXPECT_EQ(id.rfind("eigw-", 0), 0u);
  ASSERT_EQ(e["Attachments"].size(), 1u);
  EXPECT_EQ(e["Attachments"][0]["State"], "attached");
  EXPECT_EQ(e["Attachments"][0]["VpcId"], v);
  EXPECT_EQ(e["Tags"][0]["Key"], "k");

  json all = aws({"ec2", "describe-egress-only-internet-gateways"})["EgressOnlyInternetGateways"];
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["EgressOnlyInternetGatewayId"], id);
  EXPECT_EQ(aws({"ec2", "describe-egress-only-internet-gateways", "--filters", "Name=tag:k,Values=v"})
                ["EgressOnlyInternetGateways"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-egress-only-internet-gateways", "--filters", "Name=tag:k,Values=x"})
                ["EgressOnlyInternetGateways"].size(), 0u);
  EXPECT_EQ(aws({"ec2", "delete-egress-only-internet-gateway", "--egress-only-internet-gateway-id", id})["ReturnCode"], true);
  EXPECT_EQ(fails({"ec2", "describe-egress-only-internet-gateways", "--egress-only-internet-gateway-ids", id}),
            "InvalidEgressOnlyInternetGatewayId.NotFound");
}

TEST_F(Ec2Network, RouteTablesLocalRoutesGatewaysAndAssociations) {
  json vpc_json = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"})["Vpc"];
  std::string v = vpc_json["VpcId"];
  std::string v6 = vpc_json["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];

  // CreateVpc made the main table: local routes only, one main association.
  json tables = tables_of(v);
  ASSERT_EQ(tables.size(), 1u);
  std::string main_rtb = tables[0]["RouteTableId"];
  ASSERT_EQ(tables[0]["Associations"].size(), 1u);
  EXPECT_EQ(tables[0]["Associations"][0]["Main"], true);
  EXPECT_EQ(tables[0]["Associations"][0]["AssociationState"]["State"], "associated");
  std::string main_assoc = tables[0]["Associations"][0]["RouteTableAssociationId"];

  json rt = aws({"ec2", "create-route-table", "--vpc-id", v, "--tag-specifications",
                 "ResourceType=route-table,Tags=[{Key=Name,Value=public}]"})["RouteTable"];
  std::string rtb = rt["RouteTableId"];
  EXPECT_EQ(rt["VpcId"], v);
  EXPECT_TRUE(rt["Associations"].empty());
  ASSERT_EQ(rt["Routes"].size(), 2u);
  json local4 = find_route(rt["Routes"], "DestinationCidrBlock", "10.0.0.0/16");
  EXPECT_EQ(local4["GatewayId"], "local");
  EXPECT_EQ(local4["State"], "active");
  EXPECT_EQ(local4["Origin"], "CreateRouteTable");
  json local6 = find_route(rt["Routes"], "DestinationIpv6CidrBlock", v6);
  EXPECT_EQ(local6["GatewayId"], "local");
  EXPECT_EQ(local6["Origin"], "CreateRouteTable");

  // Default routes for both families to the attached internet gateway, one more to an EIGW.
  std::string g = igw();
  aws({"ec2", "attach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
  EXPECT_EQ(aws({"ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0",
                 "--gateway-id", g})["Return"], true);
  aws({"ec2", "create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "::/0", "--gateway-id", g});
  std::string eigw = aws({"ec2", "create-egress-only-internet-gateway", "--vpc-id", v})
                         ["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"];
  aws({"ec2", "create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "64:ff9b::/96",
       "--egress-only-internet-gateway-id", eigw});
  json routes = aws({"ec2", "describe-route-tables", "--route-table-ids", rtb})["RouteTables"][0]["Routes"];
  ASSERT_EQ(routes.size(), 5u);
  json r4 = find_route(routes, "DestinationCidrBlock", "0.0.0.0/0");
  EXPECT_EQ(r4["GatewayId"], g);
  EXPECT_EQ(r4["State"], "active");
  EXPECT_EQ(r4["Origin"], "CreateRoute");
  EXPECT_EQ(find_route(routes, "DestinationIpv6CidrBlock", "::/0")["GatewayId"], g);
  EXPECT_EQ(find_route(routes, "DestinationIpv6CidrBlock", "64:ff9b::/96")["EgressOnlyInternetGatewayId"], eigw);
  EXPECT_EQ(fails({"ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0",
                   "--gateway-id", g}), "RouteAlreadyExists");

  // A subnet gets one explicit association at a time.
  std::string s = aws({"ec2", "create-subnet", "--vpc-id", v, "--cidr-block", "10.0.1.0/24"})["Subnet"]["SubnetId"];
  json assoc = aws({"ec2", "associate-route-table", "--route-table-id", rtb, "--subnet-id", s});
  std::string assoc_id = assoc["AssociationId"];
  EXPECT_EQ(assoc["AssociationState"]["State"], "associated");
  EXPECT_EQ(fails({"ec2", "associate-route-table", "--route-table-id", main_rtb, "--subnet-id", s}),
            "Resource.AlreadyAssociated");
  json by_subnet = aws({"ec2", "describe-route-tables", "--filters", "Name=association.subnet-id,Values=" + s})["RouteTables"];
  ASSERT_EQ(by_subnet.size(), 1u);
  EXPECT_EQ(by_subnet[0]["RouteTableId"], rtb);
  EXPECT_EQ(by_subnet[0]["Associations"][0]["SubnetId"], s);
  EXPECT_EQ(by_subnet[0]["Associations"][0]["Main"], false);
  json mains = aws({"ec2", "describe-route-tables", "--filters", "Name=vpc-id,Values=" + v,
                    "Name=association.main,Values=true"})["RouteTables"];
  ASSERT_EQ(mains.size(), 1u);
  EXPECT_EQ(mains[0]["RouteTableId"], main_rtb);
  EXPECT_EQ(aws({"ec2", "describe-route-tables", "--filters", "Name=association.route-table-association-id,Values=" +
                 assoc_id})["RouteTables"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-route-tables", "--filters", "Name=tag:Name,Values=public"})["RouteTables"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-route-tables", "--filters", "Name=route.gateway-id,Values=" + g})["RouteTables"].size(), 1u);

  EXPECT_EQ(fails({"ec2", "delete-route-table", "--route-table-id", rtb}), "DependencyViolation");
  EXPECT_EQ(fails({"ec2", "delete-route-table", "--route-table-id", main_rtb}), "DependencyViolation");
  EXPECT_EQ(fails({"ec2", "disassociate-route-table", "--association-id", main_assoc}), "InvalidParameterValue");

  // Detaching the gateway leaves its routes as blackholes.
  aws({"ec2", "detach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
  routes = aws({"ec2", "describe-route-tables", "--route-table-ids", rtb})["RouteTables"][0]["Routes"];
  EXPECT_EQ(find_route(routes, "DestinationCidrBlock", "0.0.0.0/0")["State"], "blackhole");
  EXPECT_EQ(find_route(routes, "DestinationIpv6CidrBlock", "64:ff9b::/96")["State"], "active");

  aws({"ec2", "delete-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0"});
  EXPECT_EQ(fails({"ec2", "delete-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0"}),
            "InvalidRoute.NotFound");
  aws({"ec2", "delete-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "::/0"});
  routes = aws({"ec2", "describe-route-tables", "--route-table-ids", rtb})["RouteTables"][0]["Routes"];
  EXPECT_EQ(routes.size(), 3u);

  aws({"ec2", "disassociate-route-table", "--association-id", assoc_id});
  EXPECT_TRUE(aws({"ec2", "describe-route-tables", "--route-table-ids", rtb})["RouteTables"][0]["Associations"].empty());
  aws({"ec2", "delete-route-table", "--route-table-id", rtb});
  EXPECT_EQ(fails({"ec2", "describe-route-tables", "--route-table-ids", rtb}), "InvalidRouteTableID.NotFound");
  EXPECT_EQ(tables_of(v).size(), 1u);
}

TEST_F(Ec2Network, CreatedKeyPairsAreRealKeysWithAwsFingerprints) {
  const std::string k = dir();
  // RSA: a PKCS#1 PEM; fingerprint = SHA-1 of the PKCS#8 DER private key.
  json rsa = aws({"ec2", "create-key-pair", "--key-name", "rsa-key"});
  std::string pem = rsa["KeyMaterial"];
  EXPECT_EQ(pem.rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u) << pem;
  EXPECT_EQ(std::string(rsa["KeyPairId"]).rfind("key-", 0), 0u);
  write_file(k + "/rsa.pem", pem + "\n");
  EXPECT_EQ(sh("openssl pkey -in " + k + "/rsa.pem -noout").exit_code, 0);
  ExecResult sha1 = sh("openssl pkcs8 -topk8 -nocrypt -in " + k + "/rsa.pem -outform DER | openssl sha1 -c");
  EXPECT_EQ(rsa["KeyFingerprint"], dgst_value(sha1.out));
  // The stored public key is the private key's own half.
  json described = aws({"ec2", "describe-key-pairs", "--key-names", "rsa-key", "--include-public-key"})["KeyPairs"];
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0]["KeyType"], "rsa");
  EXPECT_EQ(described[0]["KeyFingerprint"], rsa["KeyFingerprint"]);
  EXPECT_TRUE(described[0].contains("CreateTime"));
  ExecResult pub = sh("ssh-keygen -y -f " + k + "/rsa.pem");
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  EXPECT_EQ(key_body(described[0]["PublicKey"]), key_body(pub.out));

  // Ed25519: PKCS#8 PEM; fingerprint = base64 SHA-256 of the OpenSSH key blob.
  json ed = aws({"ec2", "create-key-pair", "--key-name", "ed-key", "--key-type", "ed25519"});
  std::string ed_pem = ed["KeyMaterial"];
  write_file(k + "/ed.pem", ed_pem + "\n");
  EXPECT_EQ(sh("openssl pkey -in " + k + "/ed.pem -noout").exit_code, 0);
  json ed_described = aws({"ec2", "describe-key-pairs", "--key-names", "ed-key", "--include-public-key"})["KeyPairs"][0];
  EXPECT_EQ(ed_described["KeyType"], "ed25519");
  write_file(k + "/ed.pub", std::string(ed_described["PublicKey"]) + "\n");
  ExecResult ed_fp = sh("ssh-keygen -l -f " + k + "/ed.pub");
  ASSERT_EQ(ed_fp.exit_code, 0) << ed_fp.err;
  EXPECT_EQ(ed["KeyFingerprint"], ssh_keygen_sha256(ed_fp.out));
  // Its public half matches the private key: the last 32 bytes of the SPKI are the raw key.
  ExecResult raw_priv = sh("openssl pkey -in " + k + "/ed.pem -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \\n'");
  ExecResult raw_pub = sh("awk '{print $2}' " + k + "/ed.pub | base64 -d | tail -c 32 | od -An -tx1 | tr -d ' \\n'");
  EXPECT_FALSE(raw_priv.out.empty());
  EXPECT_EQ(raw_priv.out, raw_pub.out);

  EXPECT_EQ(fails({"ec2", "create-key-pair", "--key-name", "rsa-key"}), "InvalidKeyPair.Duplicate");
  EXPECT_EQ(aws({"ec2", "describe-key-pairs"})["KeyPairs"].size(), 2u);
  EXPECT_EQ(aws({"ec2", "describe-key-pairs", "--filters", "Name=key-name,Values=ed-*"})["KeyPairs"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-key-pairs", "--filters", "Name=fingerprint,Values=" +
                 std::string(rsa["KeyFingerprint"])})["KeyPairs"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-key-pairs", "--key-pair-ids", std::string(ed["KeyPairId"])})["KeyPairs"][0]["KeyName"],
            "ed-key");

  // Delete by name and by ID; deleting again still succeeds, as in EC2.
  aws({"ec2", "delete-key-pair", "--key-name", "rsa-key"});
  aws({"ec2", "delete-key-pair", "--key-pair-id", std::string(ed["KeyPairId"])});
  aws({"ec2", "delete-key-pair", "--key-name", "rsa-key"});
  EXPECT_TRUE(aws({"ec2", "describe-key-pairs"})["KeyPairs"].empty());
  EXPECT_EQ(fails({"ec2", "describe-key-pairs", "--key-names", "rsa-key"}), "InvalidKeyPair.NotFound");
}

TEST_F(Ec2Network, ImportedKeyPairsFromSshKeygen) {
  const std::string k = dir();
  ASSERT_EQ(sh("ssh-keygen -q -t rsa -b 3072 -N '' -C me@laptop -f " + k + "/id_rsa").exit_code, 0);
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -C me@laptop -f " + k + "/id_ed25519").exit_code, 0);

  // Imported RSA: MD5 of the DER SubjectPublicKeyInfo, as AWS documents it.
  json rsa = aws({"ec2", "import-key-pair", "--key-name", "laptop-rsa", "--public-key-material",
                  "fileb://" + k + "/id_rsa.pub", "--tag-specifications", "ResourceType=key-pair,Tags=[{Key=o,Value=me}]"});
  ExecResult md5 = sh("ssh-keygen -e -m PKCS8 -f " + k + "/id_rsa.pub | openssl pkey -pubin -outform DER | openssl md5 -c");
  ASSERT_EQ(md5.exit_code, 0) << md5.err;
  EXPECT_EQ(rsa["KeyFingerprint"], dgst_value(md5.out));
  EXPECT_EQ(rsa["KeyName"], "laptop-rsa");
  EXPECT_EQ(rsa["Tags"][0]["Value"], "me");

  json ed = aws({"ec2", "import-key-pair", "--key-name", "laptop-ed", "--public-key-material",
                 "fileb://" + k + "/id_ed25519.pub"});
  ExecResult ed_fp = sh("ssh-keygen -l -f " + k + "/id_ed25519.pub");
  EXPECT_EQ(ed["KeyFingerprint"], ssh_keygen_sha256(ed_fp.out));

  json all = aws({"ec2", "describe-key-pairs", "--include-public-key"})["KeyPairs"];
  ASSERT_EQ(all.size(), 2u);
  std::ifstream in(k + "/id_rsa.pub");
  std::string line;
  std::getline(in, line);
  for (const auto& kp : all)
    if (kp["KeyName"] == "laptop-rsa") {
      EXPECT_EQ(kp["KeyType"], "rsa");
      EXPECT_EQ(kp["PublicKey"], line);  // the OpenSSH text as imported
    }
  EXPECT_EQ(aws({"ec2", "describe-key-pairs", "--filters", "Name=tag:o,Values=me"})["KeyPairs"].size(), 1u);
  EXPECT_EQ(fails({"ec2", "import-key-pair", "--key-name", "laptop-ed", "--public-key-material",
                   "fileb://" + k + "/id_ed25519.pub"}), "InvalidKeyPair.Duplicate");
}

TEST_F(Ec2Network, TagsCreateDeleteDescribe) {
  std::string v = vpc(true);
  std::string s = aws({"ec2", "create-subnet", "--vpc-id", v, "--cidr-block", "10.0.0.0/24"})["Subnet"]["SubnetId"];
  std::string g = igw();
  std::string rtb = tables_of(v)[0]["RouteTableId"];
  aws({"ec2", "create-tags", "--resources", v, s, g, rtb, "--tags", "Key=env,Value=dev", "Key=team,Value=net"});

  json on_vpc = aws({"ec2", "describe-tags", "--filters", "Name=resource-id,Values=" + v})["Tags"];
  ASSERT_EQ(on_vpc.size(), 2u);
  EXPECT_EQ(on_vpc[0]["ResourceType"], "vpc");
  EXPECT_EQ(on_vpc[0]["Key"], "env");
  EXPECT_EQ(on_vpc[0]["Value"], "dev");
  EXPECT_EQ(aws({"ec2", "describe-tags", "--filters", "Name=key,Values=env"})["Tags"].size(), 4u);
  json igw_tags = aws({"ec2", "describe-tags", "--filters", "Name=resource-type,Values=internet-gateway"})["Tags"];
  ASSERT_EQ(igw_tags.size(), 2u);
  EXPECT_EQ(igw_tags[0]["ResourceId"], g);
  EXPECT_EQ(aws({"ec2", "describe-tags", "--filters", "Name=resource-type,Values=route-table",
                 "Name=value,Values=net"})["Tags"].size(), 1u);
  // The resources' own Describe shows them too.
  EXPECT_EQ(aws({"ec2", "describe-vpcs", "--filters", "Name=tag:team,Values=net"})["Vpcs"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-subnets", "--subnet-ids", s})["Subnets"][0]["Tags"].size(), 2u);

  // Overwrite a value; delete only on a matching value; delete everything without --tags.
  aws({"ec2", "create-tags", "--resources", v, "--tags", "Key=env,Value=prod"});
  aws({"ec2", "delete-tags", "--resources", v, "--tags", "Key=env,Value=dev"});
  on_vpc = aws({"ec2", "describe-tags", "--filters", "Name=resource-id,Values=" + v})["Tags"];
  ASSERT_EQ(on_vpc.size(), 2u);
  EXPECT_EQ(on_vpc[0]["Value"], "prod");
  aws({"ec2", "delete-tags", "--resources", v, "--tags", "Key=env,Value=prod"});
  aws({"ec2", "delete-tags", "--resources", s});
  EXPECT_EQ(aws({"ec2", "describe-tags", "--filters", "Name=resource-id,Values=" + v})["Tags"].size(), 1u);
  EXPECT_EQ(aws({"ec2", "describe-tags", "--filters", "Name=resource-id,Values=" + s})["Tags"].size(), 0u);
  aws({"ec2", "delete-tags", "--resources", g, rtb, "--tags", "Key=team"});
  json left = aws({"ec2", "describe-tags"})["Tags"];
  EXPECT_EQ(left.size(), 3u);  // vpc team, igw env, rtb env
}

TEST_F(Ec2Network, AssociateVpcCidrBlockGivesAnIpv6Slash56) {
  std::string with = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"})
                         ["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  std::string v = vpc(false, "10.1.0.0/16");
  json r = aws({"ec2", "associate-vpc-cidr-block", "--vpc-id", v, "--amazon-provided-ipv6-cidr-block"});
  EXPECT_EQ(r["VpcId"], v);
  json a = r["Ipv6CidrBlockAssociation"];
  std::string block = a["Ipv6CidrBlock"];
  EXPECT_EQ(block.substr(block.size() - 3), "/56");
  EXPECT_NE(block, with);
  EXPECT_EQ(block.rfind("2001:db8:", 0), 0u);
  EXPECT_EQ(a["Ipv6CidrBlockState"]["State"], "associating");
  EXPECT_EQ(a["Ipv6Pool"], "Amazon");
  EXPECT_EQ(a["NetworkBorderGroup"], "us-west-2");
  json described = aws({"ec2", "describe-vpcs", "--vpc-ids", v})["Vpcs"][0]["Ipv6CidrBlockAssociationSet"];
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0]["Ipv6CidrBlock"], block);
  EXPECT_EQ(described[0]["AssociationId"], a["AssociationId"]);
  EXPECT_EQ(described[0]["Ipv6CidrBlockState"]["State"], "associated");
  // The main route table now shows the IPv6 local route as well.
  json routes = tables_of(v)[0]["Routes"];
  EXPECT_EQ(find_route(routes, "DestinationIpv6CidrBlock", block)["GatewayId"], "local");
  EXPECT_EQ(fails({"ec2", "associate-vpc-cidr-block", "--vpc-id", v, "--amazon-provided-ipv6-cidr-block"}),
            "CidrLimitExceeded");
}

// Every bad request fails with EC2's code and leaves every resource as it was.
TEST_F(Ec2Network, BadRequestsAreRefusedAndChangeNothing) {
  std::string v = vpc(true);
  std::string v2 = vpc(false, "10.1.0.0/16");
  std::string s = aws({"ec2", "create-subnet", "--vpc-id", v, "--cidr-block", "10.0.1.0/24"})["Subnet"]["SubnetId"];
  std::string s2 = aws({"ec2", "create-subnet", "--vpc-id", v2, "--cidr-block", "10.1.1.0/24"})["Subnet"]["SubnetId"];
  std::string g = igw(), g2 = igw();
  aws({"ec2", "attach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v});
  std::string eigw = aws({"ec2", "create-egress-only-internet-gateway", "--vpc-id", v})
                         ["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"];
  json main_table = tables_of(v)[0];
  std::string main_rtb = main_table["RouteTableId"];
  std::string main_assoc = main_table["Associations"][0]["RouteTableAssociationId"];
  std::string rtb = aws({"ec2", "create-route-table", "--vpc-id", v})["RouteTable"]["RouteTableId"];
  aws({"ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", g});
  aws({"ec2", "associate-route-table", "--route-table-id", rtb, "--subnet-id", s});
  aws({"ec2", "create-key-pair", "--key-name", "k1"});
  aws({"ec2", "create-tags", "--resources", g, "--tags", "Key=Name,Value=main"});
  const std::string k = dir();
  write_file(k + "/garbage.pub", "this is not a key\n");
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -f " + k + "/id").exit_code, 0);
  ASSERT_EQ(sh("ssh-keygen -q -t ecdsa -N '' -f " + k + "/id_ecdsa").exit_code, 0);

  auto snapshot = [&] {
    std::string out;
    for (const char* what : {"describe-vpcs", "describe-internet-gateways", "describe-egress-only-internet-gateways",
                             "describe-route-tables", "describe-key-pairs", "describe-tags", "describe-subnets"})
      out += aws({"ec2", what}).dump() + "\n";
    return out;
  };
  const std::string before = snapshot();

  const std::string nat = "nat-00000000000000000";
  struct Case {
    std::vector<std::string> args;
    std::string code;
  };
  const std::vector<Case> cases = {
      // internet gateways
      {{"attach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v2}, "Resource.AlreadyAssociated"},
      {{"attach-internet-gateway", "--internet-gateway-id", g2, "--vpc-id", v}, "InvalidParameterValue"},
      {{"attach-internet-gateway", "--internet-gateway-id", "igw-00000000000000000", "--vpc-id", v},
       "InvalidInternetGatewayID.NotFound"},
      {{"attach-internet-gateway", "--internet-gateway-id", g2, "--vpc-id", kNoVpc}, "InvalidVpcID.NotFound"},
      {{"detach-internet-gateway", "--internet-gateway-id", g2, "--vpc-id", v}, "Gateway.NotAttached"},
      {{"detach-internet-gateway", "--internet-gateway-id", g, "--vpc-id", v2}, "Gateway.NotAttached"},
      {{"delete-internet-gateway", "--internet-gateway-id", g}, "DependencyViolation"},
      {{"delete-internet-gateway", "--internet-gateway-id", "igw-00000000000000000"}, "InvalidInternetGatewayID.NotFound"},
      {{"describe-internet-gateways", "--internet-gateway-ids", "igw-00000000000000000"},
       "InvalidInternetGatewayID.NotFound"},
      {{"describe-internet-gateways", "--filters", "Name=bogus,Values=x"}, "InvalidParameterValue"},
      {{"create-internet-gateway", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=a,Value=b}]"},
       "InvalidParameterValue"},
      // egress-only gateways
      {{"create-egress-only-internet-gateway", "--vpc-id", kNoVpc}, "InvalidVpcID.NotFound"},
      {{"delete-egress-only-internet-gateway", "--egress-only-internet-gateway-id", "eigw-00000000000000000"},
       "InvalidEgressOnlyInternetGatewayId.NotFound"},
      // route tables and routes
      {{"create-route-table", "--vpc-id", kNoVpc}, "InvalidVpcID.NotFound"},
      {{"create-route", "--route-table-id", "rtb-00000000000000000", "--destination-cidr-block", "0.0.0.0/0",
        "--gateway-id", g}, "InvalidRouteTableID.NotFound"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", g},
       "RouteAlreadyExists"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "10.0.0.0/16", "--gateway-id", g},
       "RouteAlreadyExists"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "10.0.9.0/24", "--gateway-id", g},
       "InvalidParameterValue"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.0.2.0/24", "--gateway-id",
        "igw-00000000000000000"}, "InvalidGatewayID.NotFound"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.0.2.0/24", "--gateway-id", g2},
       "InvalidParameterValue"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.0.2.0/24",
        "--egress-only-internet-gateway-id", eigw}, "InvalidParameterValue"},
      {{"create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "64:ff9b::/96",
        "--egress-only-internet-gateway-id", "eigw-00000000000000000"}, "InvalidGatewayID.NotFound"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "10.0.0.0/33", "--gateway-id", g},
       "InvalidParameterValue"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "banana", "--gateway-id", g},
       "InvalidParameterValue"},
      {{"create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "2001:db8::zz/64", "--gateway-id", g},
       "InvalidParameterValue"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.0.2.0/24"}, "MissingParameter"},
      {{"create-route", "--route-table-id", rtb, "--gateway-id", g}, "MissingParameter"},
      {{"create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "64:ff9b::/96", "--gateway-id", g,
        "--egress-only-internet-gateway-id", eigw}, "InvalidParameterCombination"},
      {{"create-route", "--route-table-id", rtb, "--destination-cidr-block", "192.0.2.0/24", "--nat-gateway-id", nat},
       "UnsupportedOperation"},
      {{"delete-route", "--route-table-id", rtb, "--destination-cidr-block", "9.9.9.0/24"}, "InvalidRoute.NotFound"},
      {{"delete-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "::/0"}, "InvalidRoute.NotFound"},
      {{"delete-route", "--route-table-id", rtb, "--destination-cidr-block", "10.0.0.0/16"}, "InvalidParameterValue"},
      {{"associate-route-table", "--route-table-id", main_rtb, "--subnet-id", s}, "Resource.AlreadyAssociated"},
      {{"associate-route-table", "--route-table-id", rtb, "--subnet-id", s}, "Resource.AlreadyAssociated"},
      {{"associate-route-table", "--route-table-id", rtb, "--subnet-id", s2}, "InvalidParameterValue"},
      {{"associate-route-table", "--route-table-id", rtb, "--subnet-id", "subnet-00000000000000000"},
       "InvalidSubnetID.NotFound"},
      {{"disassociate-route-table", "--association-id", "rtbassoc-00000000000000000"}, "InvalidAssociationID.NotFound"},
      {{"disassociate-route-table", "--association-id", main_assoc}, "InvalidParameterValue"},
      {{"delete-route-table", "--route-table-id", rtb}, "DependencyViolation"},
      {{"delete-route-table", "--route-table-id", main_rtb}, "DependencyViolation"},
      {{"describe-route-tables", "--route-table-ids", "rtb-00000000000000000"}, "InvalidRouteTableID.NotFound"},
      {{"describe-route-tables", "--filters", "Name=route.nope,Values=x"}, "InvalidParameterValue"},
      // key pairs
      {{"create-key-pair", "--key-name", "k1"}, "InvalidKeyPair.Duplicate"},
      {{"create-key-pair", "--key-name", "k2", "--key-type", "dsa"}, "InvalidParameterValue"},
      {{"create-key-pair", "--key-name", "k2", "--key-format", "ppk"}, "UnsupportedOperation"},
      {{"import-key-pair", "--key-name", "k2", "--public-key-material", "fileb://" + k + "/garbage.pub"},
       "InvalidKey.Format"},
      {{"import-key-pair", "--key-name", "k2", "--public-key-material", "fileb://" + k + "/id_ecdsa.pub"},
       "InvalidKey.Format"},
      {{"import-key-pair", "--key-name", "k1", "--public-key-material", "fileb://" + k + "/id.pub"},
       "InvalidKeyPair.Duplicate"},
      {{"describe-key-pairs", "--key-names", "nope"}, "InvalidKeyPair.NotFound"},
      {{"describe-key-pairs", "--key-pair-ids", "key-00000000000000000"}, "InvalidKeyPair.NotFound"},
      {{"describe-key-pairs", "--filters", "Name=bogus,Values=x"}, "InvalidParameterValue"},
      // tags: one unknown resource fails the whole call (the valid gateway keeps its tags)
      {{"create-tags", "--resources", g, kNoVpc, "--tags", "Key=a,Value=b"}, "InvalidVpcID.NotFound"},
      {{"create-tags", "--resources", "subnet-00000000000000000", "--tags", "Key=a,Value=b"}, "InvalidSubnetID.NotFound"},
      {{"create-tags", "--resources", "igw-00000000000000000", "--tags", "Key=a,Value=b"},
       "InvalidInternetGatewayID.NotFound"},
      {{"create-tags", "--resources", "rtb-00000000000000000", "--tags", "Key=a,Value=b"}, "InvalidRouteTableID.NotFound"},
      {{"create-tags", "--resources", "sg-00000000000000000", "--tags", "Key=a,Value=b"}, "InvalidGroup.NotFound"},
      {{"create-tags", "--resources", "i-00000000000000000", "--tags", "Key=a,Value=b"}, "InvalidInstanceID.NotFound"},
      {{"create-tags", "--resources", "eni-00000000000000000", "--tags", "Key=a,Value=b"},
       "InvalidNetworkInterfaceID.NotFound"},
      {{"create-tags", "--resources", "foo-123", "--tags", "Key=a,Value=b"}, "InvalidID"},
      {{"create-tags", "--resources", v, "--tags", "Key=aws:x,Value=b"}, "InvalidParameterValue"},
      {{"delete-tags", "--resources", g, kNoVpc}, "InvalidVpcID.NotFound"},
      {{"describe-tags", "--filters", "Name=bogus,Values=x"}, "InvalidParameterValue"},
      // AssociateVpcCidrBlock
      {{"associate-vpc-cidr-block", "--vpc-id", v, "--amazon-provided-ipv6-cidr-block"}, "CidrLimitExceeded"},
      {{"associate-vpc-cidr-block", "--vpc-id", v2, "--cidr-block", "10.2.0.0/16"}, "UnsupportedOperation"},
      {{"associate-vpc-cidr-block", "--vpc-id", kNoVpc, "--amazon-provided-ipv6-cidr-block"}, "InvalidVpcID.NotFound"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"ec2"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    EXPECT_EQ(fails(args), c.code) << join(args);
  }
  EXPECT_EQ(snapshot(), before);
}

}  // namespace

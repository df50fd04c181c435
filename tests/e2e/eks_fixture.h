// The EKS end-to-end tests' shared fixture: a region daemon driven with the real
// /usr/bin/aws and kubectl (authenticating with `aws eks get-token` through PATH), VPC and
// cluster helpers, and the Deployment + Service the tests run.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/proc.h"
#include "support/region_daemon.h"

namespace v6k::e2e {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ExecResult;
using testing::RegionDaemon;

class EksRegion {
 public:
  explicit EksRegion(RegionDaemon& d) : d_(d) {
    bin_ = d.state_dir() + "/bin";
    std::filesystem::create_directories(bin_);
    std::filesystem::create_symlink("/usr/bin/aws", bin_ + "/aws");  // kubectl's exec plugin
  }

  // The seed's VPC: an Amazon-provided /56 and two subnets that auto-assign IPv6.
  void make_vpc() {
    json vpc = d_.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"});
    vpc_ = vpc["Vpc"]["VpcId"];
    std::string six = vpc["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
    std::string base = six.substr(0, six.find("::"));
    auto subnet = [&](const std::string& cidr, const std::string& net6, const std::string& zone) {
      json s = d_.aws_json({"ec2", "create-subnet", "--vpc-id", vpc_, "--cidr-block", cidr, "--ipv6-cidr-block", net6,
                            "--availability-zone", zone});
      std::string id = s["Subnet"]["SubnetId"];
      d_.aws_json({"ec2", "modify-subnet-attribute", "--subnet-id", id, "--assign-ipv6-address-on-creation"});
      return id;
    };
    subnet1_ = subnet("10.0.0.0/24", base + "::/64", "us-west-2a");
    subnet2_ = subnet("10.0.1.0/24", base.substr(0, base.size() - 1) + "1::/64", "us-west-2b");
    d_.aws_json({"ec2", "create-key-pair", "--key-name", "e2e-key"});
  }

  // An IPv4-only VPC with two small subnets (a /28 holds 11 usable addresses).
  void make_ipv4_vpc(const std::string& cidr1, const std::string& cidr2) {
    json vpc = d_.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"});
    vpc_ = vpc["Vpc"]["VpcId"];
    auto subnet = [&](const std::string& cidr, const std::string& zone) {
      json s = d_.aws_json({"ec2", "create-subnet", "--vpc-id", vpc_, "--cidr-block", cidr, "--availability-zone", zone});
      return s["Subnet"]["SubnetId"].get<std::string>();
    };
    subnet1_ = subnet(cidr1, "us-west-2a");
    subnet2_ = subnet(cidr2, "us-west-2b");
    d_.aws_json({"ec2", "create-key-pair", "--key-name", "e2e-key"});
  }

  // create-cluster, then describe until ACTIVE; returns the seconds it took.
  double create_cluster(const std::string& name, const std::string& family = "ipv6") {
    auto t0 = std::chrono::steady_clock::now();
    json c = d_.aws_json({"eks", "create-cluster", "--name", name, "--kubernetes-version", "1.21", "--role-arn",
                          "arn:aws:iam::0123456789:role/EKSClusterRole", "--resources-vpc-config",
                          "subnetIds=" + subnet1_ + "," + subnet2_, "--kubernetes-network-config", "ipFamily=" + family});
    EXPECT_EQ(c["cluster"]["status"], "CREATING");
    EXPECT_TRUE(wait_status({"eks", "describe-cluster", "--name", name}, "cluster", "ACTIVE", 60s)) << name;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // `one_subnet`: launch only into the first subnet (to run it out of addresses).
  double create_nodegroup(const std::string& cluster, const std::string& ng, int size, bool one_subnet = false) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> subnets = {subnet1_};
    if (!one_subnet) subnets.push_back(subnet2_);
    std::vector<std::string> cmd = {"eks", "create-nodegroup", "--cluster-name", cluster, "--nodegroup-name", ng,
                                    "--node-role", "arn:aws:iam::0123456789:role/EKSNodeRole", "--subnets"};
    cmd.insert(cmd.end(), subnets.begin(), subnets.end());
    cmd.insert(cmd.end(), {"--scaling-config",
                           "minSize=1,maxSize=2,desiredSize=" + std::to_string(size), "--remote-access",
                           "ec2SshKey=e2e-key", "--labels", "team=" + ng});
    d_.aws_json(cmd);
    EXPECT_TRUE(wait_status({"eks", "describe-nodegroup", "--cluster-name", cluster, "--nodegroup-name", ng},
                            "nodegroup", "ACTIVE", 90s))
        << ng;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  bool wait_status(const std::vector<std::string>& describe, const std::string& key, const std::string& want,
                   std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    std::string last;
    while (std::chrono::steady_clock::now() < end) {
      ExecResult r = d_.aws(describe);
      auto j = json::parse(r.out, nullptr, false);
      if (r.exit_code == 0 && j.is_object()) last = j[key].value("status", "");
      else last = "(" + r.err + ")";
      if (last == want) return true;
      if (last == "FAILED" || last == "CREATE_FAILED") {
        ADD_FAILURE() << r.out;
        return false;
      }
      std::this_thread::sleep_for(200ms);
    }
    ADD_FAILURE() << "still " << last;
    return false;
  }

  // A kubeconfig for `cluster` written by `aws eks update-kubeconfig`.
  std::string kubeconfig(const std::string& cluster) {
    std::string path = d_.state_dir() + "/kubeconfig-" + cluster;
    ExecResult r = d_.aws({"eks", "update-kubeconfig", "--name", cluster, "--kubeconfig", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }

  ExecResult kubectl(const std::string& kubeconfig, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/kubectl", "--kubeconfig", kubeconfig};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = d_.aws_env();
    env["PATH"] = bin_ + ":/usr/local/bin:/usr/bin:/bin";
    return testing::run_command(argv, env, "");
  }

  json kubectl_json(const std::string& kubeconfig, const std::vector<std::string>& args) {
    std::vector<std::string> a = args;
    a.push_back("-o");
    a.push_back("json");
    ExecResult r = kubectl(kubeconfig, a);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto j = json::parse(r.out, nullptr, false);
    return j.is_discarded() ? json::object() : j;
  }

  RegionDaemon& d_;
  std::string bin_, vpc_, subnet1_, subnet2_;
};

inline const char* kDeployment = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %NS%}
spec:
  replicas: %N%
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: nginx, image: public.ecr.aws/nginx/nginx:1.21, ports: [{containerPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: %NS%}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
)";

inline std::string deployment(const std::string& ns, int n) {
  std::string y = kDeployment;
  for (size_t at; (at = y.find("%NS%")) != std::string::npos;) y.replace(at, 4, ns);
  y.replace(y.find("%N%"), 3, std::to_string(n));
  return y;
}

struct Pod {
  std::string name, ip, node;
};

inline std::vector<Pod> running_pods(EksRegion& r, const std::string& kc, const std::string& ns) {
  std::vector<Pod> out;
  json pods = r.kubectl_json(kc, {"get", "pods", "-n", ns});
  for (const auto& p : pods.value("items", json::array())) {
    if (p["status"].value("phase", "") != "Running") continue;
    out.push_back({p["metadata"]["name"], p["status"].value("podIP", ""), p["spec"].value("nodeName", "")});
  }
  return out;
}

inline bool wait_running(EksRegion& r, const std::string& kc, const std::string& ns, size_t n) {
  for (int i = 0; i < 300; ++i) {
    if (running_pods(r, kc, ns).size() == n) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

}  // namespace v6k::e2e

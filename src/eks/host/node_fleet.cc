#include "eks/host/node_fleet.h"

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "common/atomic_file.h"

namespace v6k::eks::host {

using nlohmann::json;

namespace {

// ClientToken of slot `i` of an Auto Scaling group: short (EC2 allows 64 characters; a
// node group name alone may take 63) and the same after a restart.
std::string slot_token(const std::string& asg, int i) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : asg) h = (h ^ c) * 1099511628211ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "eks-%016" PRIx64 "-%d", h, i);
  return buf;
}

std::string error_text(const aws::Ec2Error& e) { return e.text(); }

// EKS's taints ({key, value, effect: NO_SCHEDULE}) as kubelet's --register-with-taints.
std::string kubelet_taints(const json& taints) {
  std::string flag;
  for (const auto& t : taints) {
    std::string effect = t.value("effect", "");
    if (effect == "NO_SCHEDULE") effect = "NoSchedule";
    else if (effect == "NO_EXECUTE") effect = "NoExecute";
    else if (effect == "PREFER_NO_SCHEDULE") effect = "PreferNoSchedule";
    std::string value = t.value("value", "");
    flag += (flag.empty() ? "" : ",") + t.value("key", "") + (value.empty() ? "" : "=" + value) + ":" + effect;
  }
  return flag;
}

}  // namespace

aws::Ec2Result<aws::XmlElement> NodeFleet::ec2_call(std::string_view action, const aws::QueryParameters& params) {
  // At a daemon restart the resumed node groups may get here before the region's own
  // endpoint listens: wait for it rather than fail the group.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (true) {
    auto r = o_.ec2->call(action, params);
    if (r || r.error().http_status != 0 || std::chrono::steady_clock::now() >= deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string NodeFleet::image_for(const std::string& ami_type) {
  if (ami_type == "AL2_ARM_64") return "ami-0e1f2a3b4c5d6e701";
  if (ami_type == "BOTTLEROCKET_x86_64") return "ami-0e1f2a3b4c5d6e702";
  if (ami_type == "BOTTLEROCKET_ARM_64") return "ami-0e1f2a3b4c5d6e703";
  return "ami-0e1f2a3b4c5d6e700";  // AL2_x86_64: the EKS-optimized Amazon Linux 2 AMI
}

Result<std::vector<NodeFleet::Instance>> NodeFleet::instances_of(const FleetSpec& spec) {
  std::vector<Instance> out;
  for (int i = 0; i < spec.desired; ++i) {
    aws::QueryParameters p = {
        {"ImageId", spec.image_id.empty() ? image_for(spec.ami_type) : spec.image_id},
        {"InstanceType", spec.instance_type},
        {"MinCount", "1"},
        {"MaxCount", "1"},
        {"ClientToken", slot_token(spec.asg_name, i)},
    };
    if (!spec.subnets.empty()) p.push_back({"SubnetId", spec.subnets[i % spec.subnets.size()]});
    if (!spec.ssh_key.empty()) p.push_back({"KeyName", spec.ssh_key});
    for (size_t g = 0; g < spec.security_group_ids.size(); ++g)
      p.push_back({"SecurityGroupId." + std::to_string(g + 1), spec.security_group_ids[g]});
    const std::vector<std::pair<std::string, std::string>> tags = {
        {"Name", spec.cluster + "-" + spec.nodegroup + "-Node"},
        {"eks:cluster-name", spec.cluster},
        {"eks:nodegroup-name", spec.nodegroup},
        {"kubernetes.io/cluster/" + spec.cluster, "owned"},
    };  // (EC2 keeps aws:autoscaling:groupName for itself: a public RunInstances may not set it)
    p.push_back({"TagSpecification.1.ResourceType", "instance"});
    for (size_t t = 0; t < tags.size(); ++t) {
      p.push_back({"TagSpecification.1.Tag." + std::to_string(t + 1) + ".Key", tags[t].first});
      p.push_back({"TagSpecification.1.Tag." + std::to_string(t + 1) + ".Value", tags[t].second});
    }
    auto r = ec2_call("RunInstances", p);
    if (!r) return fail_invalid("launching node " + std::to_string(i + 1) + " of node group " + spec.nodegroup +
                                ": " + error_text(r.error()));
    const aws::XmlElement* set = r->find("instancesSet");
    if (!set) return fail_invalid("RunInstances answered without an instancesSet");
    for (const aws::XmlElement* item : set->children_named("item"))
      out.push_back({std::string(item->text_or("instanceId")), std::string(item->text_or("privateDnsName")),
                     std::string(item->text_or("instanceState/name"))});
  }
  return out;
}

Result<> NodeFleet::start_agent(const FleetSpec& spec, const Instance& inst) {
  const std::string dir = o_.state_dir + "/agents/" + inst.id;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail_invalid("creating " + dir + ": " + ec.message());
  auto kc = o_.planes->node_kubeconfig(spec.cluster, inst.private_dns_name);
  if (!kc) return fail(kc.error());
  V6K_TRY(write_file_atomic(dir + "/kubeconfig", kc->dump(2) + "\n", 0600), "the node's kubeconfig");
  std::vector<std::string> argv = {o_.v6k_binary, "agent", "--state", o_.state_dir, "--node", inst.id,
                                   "--kubeconfig", dir + "/kubeconfig", "--nodegroup", spec.nodegroup,
                                   "--cluster-version", kubernetes_git_version(spec.version)};
  argv.push_back("--ip-family");
  argv.push_back(spec.ipv6 ? "ipv6" : "ipv4");
  if (!spec.service_cidr.empty()) {
    argv.push_back("--service-cidr");
    argv.push_back(spec.service_cidr);
  }
  if (!spec.labels.empty()) {
    std::string flag;
    for (const auto& [k, v] : spec.labels) flag += (flag.empty() ? "" : ",") + k + "=" + v;
    argv.push_back("--node-labels");
    argv.push_back(flag);
  }
  if (!spec.taints.empty()) {
    argv.push_back("--register-with-taints");
    argv.push_back(kubelet_taints(spec.taints));
  }
  return o_.supervisor->run(inst.id, std::move(argv), dir + "/agent.log");
}

Result<std::vector<std::string>> NodeFleet::launch(const FleetSpec& spec) {
  auto instances = instances_of(spec);
  if (!instances) return fail(instances.error());
  std::vector<std::string> ids;
  for (const auto& inst : *instances) {
    V6K_TRY(start_agent(spec, inst), "starting the agent of " + inst.id);
    ids.push_back(inst.id);
  }
  return ids;
}

Result<int> NodeFleet::ready_nodes(const FleetSpec& spec) {
  auto client = o_.planes->admin_client(spec.cluster);
  if (!client) return fail(client.error());
  auto nodes = (*client)->list("/api/v1/nodes", "labelSelector=eks.amazonaws.com%2Fnodegroup%3D" + spec.nodegroup);
  if (!nodes) return fail_invalid("listing the nodes of " + spec.cluster + ": " + nodes.error().text());
  int ready = 0;
  for (const auto& n : nodes->value("items", json::array())) {
    if (n.value("spec", json::object()).value("unschedulable", false)) continue;
    for (const auto& c : n.value("status", json::object()).value("conditions", json::array()))
      if (c.value("type", "") == "Ready" && c.value("status", "") == "True") ++ready;
  }
  return ready;
}

Result<std::vector<NodeFleet::Instance>> NodeFleet::find_instances(const FleetSpec& spec) {
  auto r = ec2_call("DescribeInstances", {{"Filter.1.Name", "tag:eks:cluster-name"},
                                          {"Filter.1.Value.1", spec.cluster},
                                          {"Filter.2.Name", "tag:eks:nodegroup-name"},
                                          {"Filter.2.Value.1", spec.nodegroup},
                                          {"Filter.3.Name", "instance-state-name"},
                                          {"Filter.3.Value.1", "pending"},
                                          {"Filter.3.Value.2", "running"},
                                          {"Filter.3.Value.3", "stopping"},
                                          {"Filter.3.Value.4", "stopped"}});
  if (!r) return fail_invalid("finding the instances of node group " + spec.nodegroup + ": " + error_text(r.error()));
  std::vector<Instance> out;
  if (const aws::XmlElement* rs = r->find("reservationSet"))
    for (const aws::XmlElement* res : rs->children_named("item"))
      if (const aws::XmlElement* set = res->find("instancesSet"))
        for (const aws::XmlElement* item : set->children_named("item"))
          out.push_back({std::string(item->text_or("instanceId")), std::string(item->text_or("privateDnsName")),
                         std::string(item->text_or("instanceState/name"))});
  return out;
}

Result<> NodeFleet::remove(const FleetSpec& spec) {
  auto instances = find_instances(spec);  // never launches: a half-made group is removed as it is
  if (!instances) return fail(instances.error());
  auto client = o_.planes->admin_client(spec.cluster);
  // Drain: cordon each node and delete its pods; the agent stops them within their grace
  // period and releases their addresses. Then the agents go.
  if (client) {
    for (const auto& inst : *instances) {
      const std::string node = "/api/v1/nodes/" + inst.private_dns_name;
      (*client)->patch(node, kube::PatchType::kMerge, json{{"spec", {{"unschedulable", true}}}});
      auto pods = (*client)->list("/api/v1/pods", "fieldSelector=spec.nodeName%3D" + inst.private_dns_name);
      if (!pods) continue;
      for (const auto& p : pods->value("items", json::array())) {
        const auto& md = p.value("metadata", json::object());
        (*client)->remove("/api/v1/namespaces/" + md.value("namespace", "") + "/pods/" + md.value("name", ""));
      }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (const auto& inst : *instances) {
      while (std::chrono::steady_clock::now() < deadline) {
        auto pods = (*client)->list("/api/v1/pods", "fieldSelector=spec.nodeName%3D" + inst.private_dns_name);
        if (!pods || pods->value("items", json::array()).empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }
  for (const auto& inst : *instances) o_.supervisor->stop(inst.id);
  aws::QueryParameters term;
  for (size_t i = 0; i < instances->size(); ++i)
    term.push_back({"InstanceId." + std::to_string(i + 1), (*instances)[i].id});
  if (!term.empty())
    if (auto r = ec2_call("TerminateInstances", term); !r)
      return fail_invalid("terminating the instances of node group " + spec.nodegroup + ": " + error_text(r.error()));
  if (client)
    for (const auto& inst : *instances) (*client)->remove("/api/v1/nodes/" + inst.private_dns_name);
  std::error_code ec;
  for (const auto& inst : *instances) std::filesystem::remove_all(o_.state_dir + "/agents/" + inst.id, ec);
  return {};
}

}  // namespace v6k::eks::host

// v6k: the local IPv6 region. Parses arguments and calls src/cli.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>

#include "cli/agent.h"
#include "cli/daemon.h"
#include "cli/kube_apiserver.h"

int main(int argc, char** argv) {
  CLI::App app{"v6k: an EKS-style IPv6 region on one Linux machine.\n"
               "The real aws CLI and kubectl talk to it on loopback; every VPC, instance and pod\n"
               "is a network namespace with real addresses, routes and security groups."};
  app.require_subcommand(1);
  v6k::cli::DaemonOptions o;
  if (const char* s = std::getenv("V6K_STATE")) o.state_dir = s;
  std::error_code ec;
  o.self = std::filesystem::canonical("/proc/self/exe", ec).string();
  auto common = [&](CLI::App* sub) {
    sub->add_option("--state", o.state_dir, "state directory ($V6K_STATE, default /var/lib/v6k)");
    sub->add_option("--port", o.port, "AWS endpoint port on 127.0.0.1 and ::1 (default 4566)");
    sub->add_option("--region", o.region, "region name (default us-west-2)");
    sub->add_option("--account", o.account_id, "account id (default 123456789012)");
    sub->add_option("--ns-prefix", o.ns_prefix,
                    "prefix of every network namespace the region makes (default v6k-; serve/up only,\n"
                    "down and ssh read it from the state dir)");
  };
  auto* serve = app.add_subcommand("serve", "run the region daemon in the foreground");
  common(serve);
  auto* up = app.add_subcommand("up", "start the region daemon in the background and print how to use it");
  common(up);
  bool purge = false;
  auto* down = app.add_subcommand("down", "stop the region daemon (state is kept unless --purge)");
  common(down);
  down->add_flag("--purge", purge, "also delete the state directory");
  auto* status = app.add_subcommand("status", "show whether the region runs and what it holds");
  common(status);
  std::string host;
  std::vector<std::string> command;
  auto* ssh = app.add_subcommand("ssh", "run a shell or a command on an instance or internet host, as SSH would:\n"
                                        "  v6k ssh i-0123456789abcdef0 -- ping -6 -c1 2001:db8:ffff::80\n"
                                        "  v6k ssh laptop -- curl -s http://203.0.113.80/");
  common(ssh);
  ssh->add_option("host", host, "instance id, or laptop / svc4 / svc46 (the internet hosts)")->required();
  ssh->add_option("command", command, "command and arguments (after --); default: an interactive shell");
  v6k::cli::KubeApiServerOptions ko;
  auto* kapi = app.add_subcommand("kube-apiserver",
                                  "run one cluster's Kubernetes API server in the foreground (HTTPS on [::1]),\n"
                                  "for kubectl without the EKS API:\n"
                                  "  v6k kube-apiserver --data-dir /tmp/k &\n"
                                  "  kubectl --kubeconfig /tmp/k/admin.kubeconfig get ns");
  kapi->add_option("--data-dir", ko.data_dir, "CA, certificates, admin token, kubeconfig and SQLite store (default /var/lib/v6k/kube)");
  kapi->add_option("--port", ko.port, "port on [::1] (default 6443; 0 = any free port)");
  kapi->add_option("--etcd", ko.etcd, "store objects in this etcd (host:port) instead of SQLite");
  kapi->add_option("--version", ko.version, "Kubernetes version to report (default v1.32.0)");
  kapi->add_option("--service-cidr", ko.service_cidr,
                   "Service ClusterIP range, fixed at the first start (default: a random fdXX:XXXX:XXXX::/108)");
  v6k::cli::KubeApiServerOptions co;
  co.control_plane = true;
  auto* cplane = app.add_subcommand("control-plane",
                                    "run one cluster's control plane in the foreground: the API server (as\n"
                                    "kube-apiserver) plus kube-controller-manager (deployments, replica sets,\n"
                                    "endpoints, garbage collection, namespaces, node health) and kube-scheduler:\n"
                                    "  v6k control-plane --data-dir /tmp/k &\n"
                                    "  kubectl --kubeconfig /tmp/k/admin.kubeconfig apply -f app.yaml");
  cplane->add_option("--data-dir", co.data_dir, "CA, certificates, admin token, kubeconfig and SQLite store (default /var/lib/v6k/kube)");
  cplane->add_option("--port", co.port, "port on [::1] (default 6443; 0 = any free port)");
  cplane->add_option("--etcd", co.etcd, "store objects in this etcd (host:port) instead of SQLite");
  cplane->add_option("--version", co.version, "Kubernetes version to report (default v1.32.0)");
  cplane->add_option("--service-cidr", co.service_cidr,
                     "Service ClusterIP range, fixed at the first start (default: a random fdXX:XXXX:XXXX::/108)");
  cplane->add_option("--node-monitor-grace", co.node_monitor_grace_seconds,
                     "seconds without a node heartbeat before the node turns NotReady (default 40)");
  v6k::cli::AgentOptions ao;
  auto* agent = app.add_subcommand("agent",
                                   "run the node agent of one region instance in the foreground: bootstraps from the\n"
                                   "EC2 API (a /80 delegated to its ENI, or with --ip-family ipv4 the ENI's\n"
                                   "secondary IPv4s), registers the Node and runs its pods\n"
                                   "(v6k-cni, containers) in the instance's namespace:\n"
                                   "  v6k agent --node i-0123456789abcdef0 --kubeconfig /tmp/k/admin.kubeconfig");
  common(agent);
  agent->add_option("--node", ao.instance_id, "the instance this agent runs")->required();
  agent->add_option("--kubeconfig", ao.kubeconfig, "the cluster's kubeconfig (API server, CA, token)")->required();
  agent->add_option("--nodegroup", ao.nodegroup, "node group name for the eks.amazonaws.com/nodegroup label");
  agent->add_option("--cluster-version", ao.cluster_version, "kubelet version to report (default v1.32.0)");
  agent->add_option("--service-cidr", ao.service_cidr,
                    "the cluster's Service range (v6k control-plane's --service-cidr): enables ClusterIP\n"
                    "DNAT and cluster DNS at <base>::a on this node (default: off)");
  agent->add_option("--ip-family", ao.ip_family,
                    "ipv6: pods get IPv6 addresses from the node's /80; ipv4: pods get secondary private\n"
                    "IPv4s of the node's ENI, assigned through EC2 as needed (default: the family of\n"
                    "--service-cidr, else ipv6)")
      ->check(CLI::IsMember({"ipv4", "ipv6"}));
  agent->add_option("--warm-ip-target", ao.warm_ip_target,
                    "ipv4: secondary addresses to assign ahead of need and per refill; free ones beyond\n"
                    "this go back to the subnet once out of cool-down (default 3)")
      ->check(CLI::Range(1, 64));
  agent->add_option("--cluster-domain", ao.cluster_domain, "cluster DNS domain (default cluster.local)");
  agent->add_option("--dns-upstream", ao.dns_upstream,
                    "resolver for names outside the cluster domain (default: none, NXDOMAIN)");
  agent->add_option("--node-labels", ao.node_labels,
                    "labels the Node registers with, k1=v1,k2=v2 (an EKS node group's labels)");
  agent->add_option("--register-with-taints", ao.register_with_taints,
                    "taints the Node registers with, k=v:NoSchedule,k2:NoExecute (a node group's taints)");
  CLI11_PARSE(app, argc, argv);
  if (*agent) return v6k::cli::agent(o, ao);
  if (*kapi) return v6k::cli::kube_apiserver(ko);
  if (*cplane) return v6k::cli::kube_apiserver(co);
  if (*serve) return v6k::cli::serve(o);
  if (*up) return v6k::cli::up(o);
  if (*down) return v6k::cli::down(o, purge);
  if (*status) return v6k::cli::status(o);
  if (*ssh) return v6k::cli::ssh(o, host, command);
  return 2;
}

#include "cni/node_setup.h"

#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "netlink/nft.h"
#include "netlink/sysctl.h"

namespace v6k::cni {

namespace {

// A complete `table ip <name>` whose postrouting nat chain holds `snat_rule`, plus any
// `extra` chains. "add" + "delete" first make the batch idempotent: it replaces the table
// whether or not it exists.
std::string nat_table(const std::string& name, const std::string& snat_rule, const std::string& extra = "") {
  std::string out;
  out += "add table ip " + name + "\n";
  out += "delete table ip " + name + "\n";
  out += "table ip " + name + " {\n";
  out += "  chain postrouting {\n";
  out += "    type nat hook postrouting priority srcnat; policy accept;\n";
  out += "    " + snat_rule + "\n";
  out += "  }\n";
  out += extra;
  out += "}\n";
  return out;
}

}  // namespace

std::string egress_ruleset(const Ipv4Egress& e) {
  const std::string range = e.range.to_string();
  std::string rule = "ip saddr " + range + " ip daddr != " + range;
  if (!e.uplink.empty()) rule += " oifname \"" + e.uplink + "\"";
  rule += " snat to " + e.node_ipv4.to_string() + " fully-random";
  return nat_table("v6k-egress", rule,
                   "  chain forward {\n"
                   "    type filter hook forward priority filter; policy accept;\n"
                   "    ip saddr " + range + " ip daddr " + range + " drop\n"
                   "  }\n");
}

std::string snat_ruleset(const Ipv4Snat& s) {
  std::string rule;
  if (!s.uplink.empty()) rule += "oifname \"" + s.uplink + "\" ";
  rule += "ip saddr != " + s.node_ipv4.to_string();
  if (!s.exclude.empty()) {
    rule += " ip daddr != { ";
    for (size_t i = 0; i < s.exclude.size(); ++i) rule += (i ? ", " : "") + s.exclude[i].to_string();
    rule += " }";
  }
  rule += " snat to " + s.node_ipv4.to_string() + " fully-random";
  return nat_table("v6k-snat", rule);
}

namespace {

// The IPv4 rule set this configuration wants ("" = none).
std::string ipv4_rules(const NetConf& conf) {
  if (conf.ipv4_pod_mode()) return conf.ipv4_snat.enabled ? snat_ruleset(conf.ipv4_snat) : "";
  return conf.ipv4_egress.enabled ? egress_ruleset(conf.ipv4_egress) : "";
}

std::string marker_text(const NetConf& conf) {
  struct stat st {};
  std::string ns = "?";
  if (::stat("/proc/thread-self/ns/net", &st) == 0)
    ns = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  std::string rules = ipv4_rules(conf);
  if (rules.empty()) rules = conf.ipv4_pod_mode() ? "ipv4 pods" : "none";
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : rules) h = (h ^ c) * 0x100000001b3ULL;
  return ns + " " + std::to_string(h) + "\n";
}

}  // namespace

Result<> ensure_node_setup(const NetConf& conf, const std::string& state_dir) {
  std::string marker = state_dir + "/node-setup";
  std::string want = marker_text(conf);
  if (auto have = read_file(marker); have && *have == want) return {};

  V6K_TRY(netlink::write_sysctl("net/ipv6/conf/all/forwarding", "1"), "enabling IPv6 forwarding on the node");
  if (conf.ipv4_egress.enabled || conf.ipv4_pod_mode())
    V6K_TRY(netlink::write_sysctl("net/ipv4/ip_forward", "1"), "enabling IPv4 forwarding on the node");
  if (std::string rules = ipv4_rules(conf); !rules.empty()) {
    auto nft = netlink::Nft::open();
    if (!nft) return fail(std::move(nft.error()).wrap("loading nftables for IPv4"));
    V6K_TRY(nft->run(rules), "installing the node's IPv4 NAT rules");
  }
  V6K_TRY(write_file_atomic(marker, want), "recording node setup");
  return {};
}

Result<std::vector<std::string>> check_node_setup(const NetConf& conf, const std::string& state_dir) {
  std::vector<std::string> problems;
  auto nft = netlink::Nft::open();
  if (!nft) return fail(std::move(nft.error()).wrap("loading nftables"));
  auto rules = nft->list_ruleset();
  if (!rules) return fail(std::move(rules.error()).wrap("listing the node's nftables rules"));
  const bool pods = conf.ipv4_pod_mode();
  const std::string table = pods ? "table ip v6k-snat" : "table ip v6k-egress";
  std::string snat = "snat to " + (pods ? conf.ipv4_snat.node_ipv4 : conf.ipv4_egress.node_ipv4).to_string();
  if (rules->find(table) == std::string::npos || rules->find(snat) == std::string::npos) {
    problems.push_back(std::string(pods ? "node IPv4 SNAT rules (" : "node IPv4 egress rules (") + table + ", " +
                       snat + ") are missing; the next ADD reinstalls them");
    ::unlink((state_dir + "/node-setup").c_str());
  }
  return problems;
}

}  // namespace v6k::cni

#include "cni/spec.h"

#include <charconv>

#include "cni/spec_internal.h"

namespace v6k::cni {

using nlohmann::json;

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> v = {"0.4.0", "1.0.0", "1.1.0"};
  return v;
}

bool version_supported(std::string_view v) {
  for (const auto& s : supported_versions())
    if (s == v) return true;
  return false;
}

namespace {

// Parses "a.b.c" into three numbers; missing parts are 0, junk stops parsing.
std::array<int, 3> version_parts(std::string_view v) {
  std::array<int, 3> out{0, 0, 0};
  for (int& part : out) {
    auto r = std::from_chars(v.data(), v.data() + v.size(), part);
    v.remove_prefix(static_cast<size_t>(r.ptr - v.data()));
    if (v.empty() || v.front() != '.') break;
    v.remove_prefix(1);
  }
  return out;
}

}  // namespace

namespace internal {

CniError error(int code, std::string msg, std::string details) {
  return CniError{code, std::move(msg), std::move(details)};
}

CniError bad_config(std::string msg, std::string details) {
  return error(kErrInvalidConfig, std::move(msg), std::move(details));
}

}  // namespace internal

using internal::error;

int compare_versions(std::string_view a, std::string_view b) {
  auto pa = version_parts(a), pb = version_parts(b);
  for (size_t i = 0; i < 3; ++i)
    if (pa[i] != pb[i]) return pa[i] < pb[i] ? -1 : 1;
  return 0;
}

json CniError::to_json(std::string_view cni_version) const {
  json j = {{"cniVersion", cni_version}, {"code", code}, {"msg", msg}};
  if (!details.empty()) j["details"] = details;
  return j;
}

CniError to_cni_error(int code, const Error& e, std::string_view msg) {
  return CniError{code, std::string(msg), e.message()};
}

std::optional<Command> parse_command(std::string_view s) {
  if (s == "ADD") return Command::kAdd;
  if (s == "DEL") return Command::kDel;
  if (s == "CHECK") return Command::kCheck;
  if (s == "GC") return Command::kGc;
  if (s == "STATUS") return Command::kStatus;
  if (s == "VERSION") return Command::kVersion;
  return std::nullopt;
}

std::string_view command_name(Command c) {
  switch (c) {
    case Command::kAdd: return "ADD";
    case Command::kDel: return "DEL";
    case Command::kCheck: return "CHECK";
    case Command::kGc: return "GC";
    case Command::kStatus: return "STATUS";
    case Command::kVersion: return "VERSION";
  }
  return "?";
}

namespace {

std::string get(const EnvLookup& env, const char* key) {
  auto it = env.find(key);
  return it == env.end() ? std::string() : it->second;
}

bool valid_ifname(std::string_view n) {
  if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
  for (char c : n)
    if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\0') return false;
  return true;
}

// Container ids: alphanumerics plus "_.-" and not starting with punctuation (libcni's rule).
bool valid_container_id(std::string_view id) {
  if (id.empty()) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(id.front())) return false;
  for (char c : id)
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

}  // namespace

std::expected<Environment, CniError> parse_environment(const EnvLookup& env) {
  Environment out;
  std::string cmd = get(env, "CNI_COMMAND");
  if (cmd.empty()) return std::unexpected(error(kErrInvalidEnvironment, "CNI_COMMAND is not set"));
  auto c = parse_command(cmd);
  if (!c)
    return std::unexpected(error(kErrInvalidEnvironment, "unknown CNI_COMMAND \"" + cmd + "\"",
                                 "expected one of ADD, DEL, CHECK, GC, STATUS, VERSION"));
  out.command = *c;
  out.container_id = get(env, "CNI_CONTAINERID");
  out.netns = get(env, "CNI_NETNS");
  out.ifname = get(env, "CNI_IFNAME");
  out.path = get(env, "CNI_PATH");

  bool attach = out.command == Command::kAdd || out.command == Command::kDel ||
                out.command == Command::kCheck;
  if (attach) {
    if (out.container_id.empty())
      return std::unexpected(error(kErrInvalidEnvironment, "CNI_CONTAINERID is not set"));
    if (!valid_container_id(out.container_id))
      return std::unexpected(error(kErrInvalidEnvironment, "invalid CNI_CONTAINERID \"" +
                                   out.container_id + "\"",
                                   "must start with a letter or digit and contain only [A-Za-z0-9_.-]"));
    if (out.ifname.empty())
      return std::unexpected(error(kErrInvalidEnvironment, "CNI_IFNAME is not set"));
    if (!valid_ifname(out.ifname))
      return std::unexpected(error(kErrInvalidEnvironment, "invalid CNI_IFNAME \"" + out.ifname + "\"",
                                   "interface names are 1-15 characters without '/', ':' or spaces"));
    if (out.command != Command::kDel && out.netns.empty())
      return std::unexpected(error(kErrInvalidEnvironment, "CNI_NETNS is not set"));
  }
  std::string args = get(env, "CNI_ARGS");
  size_t pos = 0;
  while (pos < args.size()) {
    size_t end = args.find(';', pos);
    if (end == std::string::npos) end = args.size();
    std::string_view kv(args.data() + pos, end - pos);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos || eq == 0)
        return std::unexpected(error(kErrInvalidEnvironment, "invalid CNI_ARGS pair \"" +
                                     std::string(kv) + "\"", "expected KEY=VALUE pairs separated by ';'"));
      out.args[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
    pos = end + 1;
  }
  return out;
}

namespace {

using Expected = std::expected<NetConf, CniError>;
using internal::bad_config;

bool valid_network_name(std::string_view n) {
  if (n.empty()) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(n.front())) return false;
  for (char c : n)
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

// Keys this plugin understands; any other top-level key is an unsupported field (code 2),
// except the runtime-owned ones the spec lets runtimes add.
bool known_key(std::string_view k) {
  static constexpr std::string_view keys[] = {
      "cniVersion", "cniVersions", "name", "type", "ipv6Prefixes", "ipv4Egress", "ipv4Addresses", "ipv4Snat", "mtu",
      "dataDir", "vethPrefix", "cooldownSeconds", "prevResult", "cni.dev/valid-attachments",
      "cni.dev/attachments", "args", "runtimeConfig", "capabilities", "dns", "disableCheck",
      "disableGC", "ipMasq"};
  for (auto key : keys)
    if (key == k) return true;
  return false;
}

std::expected<void, CniError> parse_attachments(const json& j, NetConf& out) {
  if (!j.is_array())
    return std::unexpected(bad_config("\"cni.dev/valid-attachments\" must be an array"));
  for (const auto& a : j) {
    if (!a.is_object() || !a.contains("containerID") || !a["containerID"].is_string())
      return std::unexpected(bad_config("each valid attachment needs a string \"containerID\""));
    std::string ifname;
    if (a.contains("ifname")) {
      if (!a["ifname"].is_string())
        return std::unexpected(bad_config("a valid attachment's \"ifname\" must be a string"));
      ifname = a["ifname"].get<std::string>();
    }
    out.valid_attachments.emplace_back(a["containerID"].get<std::string>(), ifname);
  }
  out.has_valid_attachments = true;
  return {};
}

}  // namespace

std::expected<NetConf, CniError> parse_netconf(std::string_view text, Command cmd) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return std::unexpected(error(kErrDecoding, "network configuration is not valid JSON"));
  if (!j.is_object())
    return std::unexpected(error(kErrDecoding, "network configuration must be a JSON object"));
  NetConf out;
  if (!j.contains("cniVersion") || !j["cniVersion"].is_string())
    return std::unexpected(bad_config("\"cniVersion\" is required and must be a string"));
  out.cni_version = j["cniVersion"].get<std::string>();
  if (!version_supported(out.cni_version))
    return std::unexpected(error(kErrIncompatibleVersion,
                                 "incompatible CNI versions: config is \"" + out.cni_version +
                                     "\", plugin supports [\"0.4.0\" \"1.0.0\" \"1.1.0\"]"));
  if (j.contains("plugins"))
    return std::unexpected(bad_config("got a configuration list; a runtime passes one plugin's configuration",
                                      "run the list through a CNI runtime (libcni, cnitool)"));
  if (cmd == Command::kVersion) return out;
  if ((cmd == Command::kGc || cmd == Command::kStatus) && compare_versions(out.cni_version, "1.1.0") < 0)
    return std::unexpected(error(kErrIncompatibleVersion, std::string(command_name(cmd)) +
                                 " needs cniVersion 1.1.0, config is " + out.cni_version));

  for (auto& [k, v] : j.items())
    if (!known_key(k)) return std::unexpected(error(kErrUnsupportedField, "unsupported field \"" + k + "\""));

  if (!j.contains("name") || !j["name"].is_string() || !valid_network_name(j["name"].get<std::string>()))
    return std::unexpected(bad_config("\"name\" is required: letters, digits, '_', '.', '-', starting alphanumeric"));
  out.name = j["name"].get<std::string>();
  if (j.contains("type")) {
    if (!j["type"].is_string()) return std::unexpected(bad_config("\"type\" must be a string"));
    out.type = j["type"].get<std::string>();
  }

  if (auto r = internal::parse_pod_addresses(j, out); !r) return std::unexpected(r.error());

  if (j.contains("mtu")) {
    const json& m = j["mtu"];
    if (!m.is_number_integer() || m.get<int64_t>() < 1280 || m.get<int64_t>() > 65535)
      return std::unexpected(bad_config("\"mtu\" must be an integer from 1280 to 65535 (IPv6 minimum is 1280)"));
    out.mtu = static_cast<uint32_t>(m.get<int64_t>());
  }
  if (j.contains("dataDir")) {
    if (!j["dataDir"].is_string() || j["dataDir"].get<std::string>().empty() ||
        j["dataDir"].get<std::string>().front() != '/')
      return std::unexpected(bad_config("\"dataDir\" must be an absolute path"));
    out.data_dir = j["dataDir"].get<std::string>();
  }
  if (j.contains("vethPrefix")) {
    if (!j["vethPrefix"].is_string()) return std::unexpected(bad_config("\"vethPrefix\" must be a string"));
    out.veth_prefix = j["vethPrefix"].get<std::string>();
    if (out.veth_prefix.empty() || out.veth_prefix.size() > 4 || !valid_network_name(out.veth_prefix))
      return std::unexpected(bad_config("\"vethPrefix\" must be 1-4 letters or digits"));
  }
  if (j.contains("cooldownSeconds")) {
    const json& c = j["cooldownSeconds"];
    if (!c.is_number_integer() || c.get<int64_t>() < 0 || c.get<int64_t>() > 86400)
      return std::unexpected(bad_config("\"cooldownSeconds\" must be an integer from 0 to 86400"));
    out.cooldown_seconds = c.get<int64_t>();
  }
  if (j.contains("prevResult")) {
    if (!j["prevResult"].is_object()) return std::unexpected(bad_config("\"prevResult\" must be an object"));
    out.prev_result = j["prevResult"];
  }
  if (j.contains("dns")) {
    if (!j["dns"].is_object()) return std::unexpected(bad_config("\"dns\" must be an object"));
    out.dns = j["dns"];
  }
  if (cmd == Command::kGc) {
    const char* key = j.contains("cni.dev/valid-attachments") ? "cni.dev/valid-attachments"
                      : j.contains("cni.dev/attachments")     ? "cni.dev/attachments"
                                                              : nullptr;
    if (key == nullptr)
      return std::unexpected(bad_config("GC needs \"cni.dev/valid-attachments\""));
    if (auto r = parse_attachments(j[key], out); !r) return std::unexpected(r.error());
  }
  return out;
}

json encode_result(const CniResult& ours, const json& prev, std::string_view version) {
  json out = prev.is_object() ? prev : json::object();
  out["cniVersion"] = version;
  bool v04 = compare_versions(version, "1.0.0") < 0;
  bool v11 = compare_versions(version, "1.1.0") >= 0;
  json& ifaces = out["interfaces"];
  if (!ifaces.is_array()) ifaces = json::array();
  int base = static_cast<int>(ifaces.size());
  for (const auto& i : ours.interfaces) {
    json e = {{"name", i.name}, {"mac", i.mac}};
    if (v11 && i.mtu) e["mtu"] = i.mtu;
    if (!i.sandbox.empty()) e["sandbox"] = i.sandbox;
    ifaces.push_back(std::move(e));
  }
  json& ips = out["ips"];
  if (!ips.is_array()) ips = json::array();
  for (const auto& ip : ours.ips) {
    json e = {{"address", ip.address.to_string()}};
    if (v04) e["version"] = addr::is_v6(ip.address.address) ? "6" : "4";
    if (ip.gateway) e["gateway"] = addr::to_string(*ip.gateway);
    if (ip.interface >= 0) e["interface"] = base + ip.interface;
    ips.push_back(std::move(e));
  }
  json& routes = out["routes"];
  if (!routes.is_array()) routes = json::array();
  for (const auto& r : ours.routes) {
    json e = {{"dst", r.dst}};
    if (r.gw) e["gw"] = addr::to_string(*r.gw);
    routes.push_back(std::move(e));
  }
  if (ours.dns.is_object() && !ours.dns.empty()) out["dns"] = ours.dns;
  return out;
}

}  // namespace v6k::cni

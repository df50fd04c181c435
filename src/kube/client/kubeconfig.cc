#include "kube/client/kubeconfig.h"

#include <fstream>
#include <sstream>

#include "common/base64.h"

namespace v6k::kube {

using nlohmann::json;

json make_kubeconfig(const KubeconfigSpec& s) {
  return {{"apiVersion", "v1"},
          {"kind", "Config"},
          {"clusters", json::array({{{"name", s.cluster_name},
                                     {"cluster", {{"server", s.server},
                                                  {"certificate-authority-data", base64_encode(s.ca_pem)}}}}})},
          {"users", json::array({{{"name", s.user_name}, {"user", {{"token", s.token}}}}})},
          {"contexts", json::array({{{"name", s.cluster_name},
                                     {"context", {{"cluster", s.cluster_name}, {"user", s.user_name}}}}})},
          {"current-context", s.cluster_name}};
}

namespace {

const json* named(const json& list, const json& name, const char* field) {
  if (!list.is_array()) return nullptr;
  for (const auto& e : list)
    if (e.is_object() && e.contains("name") && e["name"] == name && e.contains(field) && e[field].is_object())
      return &e[field];
  return nullptr;
}

}  // namespace

Result<ClientConfig> parse_kubeconfig(const std::string& text, const std::string& what) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return fail_invalid(what + ": not a JSON kubeconfig");
  auto str = [](const json& o, const char* k) {
    return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string();
  };
  // Pointers into `j` itself (never into temporaries such as j.value(...)'s).
  static const json kNone;
  auto member = [](const json& o, const char* k) -> const json& { return o.contains(k) ? o.at(k) : kNone; };
  const json* ctx = named(member(j, "contexts"), member(j, "current-context"), "context");
  if (!ctx) return fail_invalid(what + ": no context named by current-context");
  const json* cluster = named(member(j, "clusters"), member(*ctx, "cluster"), "cluster");
  const json* user = named(member(j, "users"), member(*ctx, "user"), "user");
  if (!cluster || !user) return fail_invalid(what + ": the current context's cluster or user is missing");
  std::string server = str(*cluster, "server");
  static const std::string kHttps = "https://";
  if (server.rfind(kHttps, 0) != 0) return fail_invalid(what + ": server '" + server + "' is not an https URL");
  std::string hostport = server.substr(kHttps.size());
  if (auto slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos || colon + 1 >= hostport.size())
    return fail_invalid(what + ": server '" + server + "' has no port");
  std::string host = hostport.substr(0, colon);
  if (host != "[::1]" && host != "127.0.0.1" && host != "localhost")
    return fail_invalid(what + ": server '" + server + "' is not on loopback");
  long port = 0;
  for (char c : hostport.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return fail_invalid(what + ": server '" + server + "' has a bad port");
    port = port * 10 + (c - '0');
  }
  if (port == 0 || port > 65535) return fail_invalid(what + ": server '" + server + "' has a bad port");
  auto ca = base64_decode(str(*cluster, "certificate-authority-data"));
  if (!ca || ca->empty()) return fail_invalid(what + ": certificate-authority-data is missing or not base64");
  ClientConfig cfg;
  cfg.host = "::1";
  cfg.port = static_cast<uint16_t>(port);
  cfg.ca_pem = *ca;
  cfg.token = str(*user, "token");
  return cfg;
}

Result<ClientConfig> read_kubeconfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail_errno(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_kubeconfig(ss.str(), path);
}

}  // namespace v6k::kube

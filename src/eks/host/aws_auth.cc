#include "eks/host/aws_auth.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace v6k::eks::host {

namespace {

std::string scalar(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
}

// arn:aws:sts::<acct>:assumed-role/<role>/<session> -> {arn:aws:iam::<acct>:role/<role>, session}.
std::optional<std::pair<std::string, std::string>> assumed_role(const std::string& arn) {
  static const std::string kSts = ":sts::";
  auto sts = arn.find(kSts);
  auto ar = arn.find(":assumed-role/");
  if (arn.rfind("arn:", 0) != 0 || sts == std::string::npos || ar == std::string::npos || ar < sts) return std::nullopt;
  std::string partition = arn.substr(4, sts - 4);  // "aws"
  std::string account = arn.substr(sts + kSts.size(), ar - sts - kSts.size());
  std::string rest = arn.substr(ar + 14);  // <role>/<session>
  auto slash = rest.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  return std::make_pair("arn:" + partition + ":iam::" + account + ":role/" + rest.substr(0, slash),
                        rest.substr(slash + 1));
}

}  // namespace

AwsAuth AwsAuth::parse(const nlohmann::json& cm) {
  AwsAuth a;
  if (!cm.is_object() || !cm.contains("data") || !cm["data"].is_object()) return a;
  const auto& data = cm["data"];
  auto section = [&](const char* key, auto&& each) {
    if (!data.contains(key) || !data[key].is_string()) return;
    try {
      YAML::Node list = YAML::Load(data[key].get<std::string>());
      if (list.IsNull()) return;
      if (!list.IsSequence()) {
        a.errors_.push_back(std::string(key) + ": not a list");
        return;
      }
      for (const auto& item : list) each(item);
    } catch (const YAML::Exception& e) {
      a.errors_.push_back(std::string(key) + ": " + e.what());
    }
  };
  auto entry = [&](const YAML::Node& n, const char* arn_key, bool role) {
    if (!n.IsMap()) return;
    Entry e;
    e.arn = scalar(n, arn_key);
    e.role = role;
    e.username = scalar(n, "username");
    if (const YAML::Node g = n["groups"]; g && g.IsSequence())
      for (const auto& x : g)
        if (x.IsScalar()) e.groups.push_back(x.as<std::string>());
    if (e.arn.empty()) {
      a.errors_.push_back(std::string("an entry without ") + arn_key);
      return;
    }
    a.entries_.push_back(std::move(e));
  };
  section("mapUsers", [&](const YAML::Node& n) { entry(n, "userarn", false); });
  section("mapRoles", [&](const YAML::Node& n) { entry(n, "rolearn", true); });
  section("mapAccounts", [&](const YAML::Node& n) {
    if (n.IsScalar()) a.accounts_.push_back(n.as<std::string>());
  });
  return a;
}

std::optional<MappedUser> AwsAuth::map(const std::string& arn, const std::string& account_id) const {
  auto assumed = assumed_role(arn);
  for (const auto& e : entries_) {
    std::string session;
    bool match = e.arn == arn;
    if (!match && e.role && assumed && assumed->first == e.arn) {
      match = true;
      session = assumed->second;
    }
    if (!match) continue;
    std::string name = e.username.empty() ? arn : e.username;
    if (name.find("{{EC2PrivateDNSName}}") != std::string::npos) continue;  // nothing to resolve it from
    replace_all(name, "{{AccountID}}", account_id);
    replace_all(name, "{{SessionNameRaw}}", session);
    std::string clean = session;
    std::replace(clean.begin(), clean.end(), '@', '-');
    replace_all(name, "{{SessionName}}", clean);
    MappedUser u{name, e.groups};
    u.groups.push_back("system:authenticated");
    return u;
  }
  if (std::find(accounts_.begin(), accounts_.end(), account_id) != accounts_.end())
    return MappedUser{arn, {"system:authenticated"}};
  return std::nullopt;
}

}  // namespace v6k::eks::host

// How the runtime hands a container's launch plan to the v6k-shim executable (JSON on its
// stdin), and where that executable is.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "node/runtime/launch.h"

namespace v6k::node::runtime::detail {

using nlohmann::json;

std::string find_shim() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto next_to_us = self.parent_path() / "v6k-shim";
    if (::access(next_to_us.c_str(), X_OK) == 0) return next_to_us.string();
  }
  if (const char* build = std::getenv("V6K_BUILD_DIR")) {  // tests run from the build tree
    std::string built = std::string(build) + "/cmd/v6k-shim";
    if (::access(built.c_str(), X_OK) == 0) return built;
  }
  return "";
}

std::string encode_plan(const LaunchPlan& p) {
  json mounts = json::array();
  for (const auto& m : p.mounts)
    mounts.push_back({{"kind", m.kind == PlannedMount::Kind::kBind ? "bind" : "tmpfs"},
                      {"source", m.source},
                      {"target", m.target},
                      {"writable", m.writable}});
  return json{{"netns", p.netns_path},   {"hostname", p.hostname},     {"argv", p.argv},
              {"env", p.env},            {"path", p.path_dirs},        {"workdir", p.working_dir},
              {"mkworkdir", p.create_working_dir},                     {"mounts", mounts},
              {"cgroups", p.cgroup_procs}, {"log", p.log_path},        {"exit", p.exit_path}}
      .dump();
}

Result<LaunchPlan> decode_plan(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return fail_invalid("the launch plan is not a JSON object");
  try {
    LaunchPlan p;
    p.netns_path = j.at("netns").get<std::string>();
    p.hostname = j.at("hostname").get<std::string>();
    p.argv = j.at("argv").get<std::vector<std::string>>();
    p.env = j.at("env").get<std::vector<std::string>>();
    p.path_dirs = j.at("path").get<std::vector<std::string>>();
    p.working_dir = j.at("workdir").get<std::string>();
    p.create_working_dir = j.at("mkworkdir").get<bool>();
    for (const auto& m : j.at("mounts")) {
      PlannedMount pm;
      std::string kind = m.at("kind").get<std::string>();
      if (kind != "bind" && kind != "tmpfs") return fail_invalid("launch plan: mount kind '" + kind + "'");
      pm.kind = kind == "bind" ? PlannedMount::Kind::kBind : PlannedMount::Kind::kTmpfs;
      pm.source = m.at("source").get<std::string>();
      pm.target = m.at("target").get<std::string>();
      pm.writable = m.at("writable").get<bool>();
      p.mounts.push_back(std::move(pm));
    }
    p.cgroup_procs = j.at("cgroups").get<std::vector<std::string>>();
    p.log_path = j.at("log").get<std::string>();
    p.exit_path = j.at("exit").get<std::string>();
    if (p.argv.empty()) return fail_invalid("launch plan: no command");
    return p;
  } catch (const json::exception& e) {
    return fail_invalid(std::string("launch plan: ") + e.what());
  }
}

}  // namespace v6k::node::runtime::detail

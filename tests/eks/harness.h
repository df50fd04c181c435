// An in-process region for the EKS tests: a SQLite store in a temp dir, the real
// region::FrontDoor (SigV4, EC2, STS, EKS) behind an http::Server on both loopbacks, a
// FakeBackend standing in for control planes and node groups, and the real /usr/bin/aws.
// Nothing touches the kernel (the fabric is not hooked to EC2 here), so no root needed.
//
//   Region r;                                   // serving on http://localhost:<port>
//   json vpc = r.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"});
//   CliError e = r.aws_error({"eks", "describe-cluster", "--name", "nope"});
//   r.restart();                                // a new FrontDoor + EksApi on the same store
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eks/backend.h"
#include "http/server.h"
#include "region/front_door.h"
#include "store/store.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace v6k::eks::testing {

using nlohmann::json;

// Records every call; clusters serve at once unless named in fail_clusters; a node group
// reports `desired` Ready nodes after ready_after_polls polls.
class FakeBackend : public Backend {
 public:
  Result<ClusterAccess> start_cluster(const ClusterSpec& s) override {
    std::lock_guard l(mu);
    started_clusters.push_back(s.name);
    last_cluster = s;
    if (fail_clusters.contains(s.name)) return fail_invalid("control plane for " + s.name + " did not come up");
    return ClusterAccess{"https://127.0.0.1:6443", "-----BEGIN CERTIFICATE-----\nFAKE " + s.name + "\n-----END CERTIFICATE-----\n"};
  }
  Result<> stop_cluster(const ClusterSpec& s, bool delete_data) override {
    std::lock_guard l(mu);
    stopped_clusters.push_back(s.name + (delete_data ? ":delete" : ":keep"));
    return {};
  }
  Result<std::vector<std::string>> start_nodegroup(const NodegroupSpec& s) override {
    std::lock_guard l(mu);
    started_nodegroups.push_back(s.name);
    last_nodegroup = s;
    polls[s.name] = 0;
    std::vector<std::string> ids;
    for (int i = 0; i < s.desired; ++i) ids.push_back("i-0fake" + s.name + std::to_string(i));
    return ids;
  }
  Result<int> ready_nodes(const NodegroupSpec& s) override {
    std::lock_guard l(mu);
    if (never_ready.contains(s.name)) return 0;
    return ++polls[s.name] > ready_after_polls ? s.desired : 0;
  }
  Result<> delete_nodegroup(const NodegroupSpec& s) override {
    std::lock_guard l(mu);
    deleted_nodegroups.push_back(s.name);
    return {};
  }
  template <typename T>
  T get(T FakeBackend::*field) {
    std::lock_guard l(mu);
    return this->*field;
  }

  std::mutex mu;
  std::set<std::string> fail_clusters, never_ready;
  int ready_after_polls = 2;
  std::vector<std::string> started_clusters, stopped_clusters, started_nodegroups, deleted_nodegroups;
  std::map<std::string, int> polls;
  ClusterSpec last_cluster;
  NodegroupSpec last_nodegroup;
};

struct CliError {
  int exit_code = 0;
  std::string code;     // "ResourceNotFoundException"
  std::string message;  // the text after "operation: "
  std::string raw;      // all of stderr
};

class Region {
 public:
  Region() : dir_("v6k-eks") {
    auto s = store::open_sqlite(dir_.path() + "/state.db");
    EXPECT_TRUE(s.has_value());
    store_ = std::move(*s);
    auto key = region::ensure_admin_key(*store_, "123456789012");
    EXPECT_TRUE(key.has_value());
    env_ = {{"AWS_ACCESS_KEY_ID", key->access_key_id}, {"AWS_SECRET_ACCESS_KEY", key->secret_access_key},
            {"AWS_DEFAULT_REGION", "us-west-2"}, {"AWS_REGION", "us-west-2"}, {"AWS_PAGER", ""},
            {"AWS_CONFIG_FILE", dir_.path() + "/none"}, {"AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/none"},
            {"HOME", dir_.path()}, {"PATH", "/usr/bin:/bin"}};
    admin_arn_ = key->arn;
    start();
  }
  ~Region() { stop(); }

  void start() {
    door_ = std::make_unique<region::FrontDoor>(*store_, ec2::RegionConfig::defaults(), region::FrontDoor::Clock{},
                                                backend);
    uint16_t port = port_;
    std::string p = std::to_string(port);
    auto srv = http::Server::start({.listen = {"127.0.0.1:" + p, "[::1]:" + p}, .threads = 2},
                                   [this](const http::Request& r) { return door_->handle(r); });
    ASSERT_TRUE(srv.has_value()) << srv.error().message();
    server_ = std::move(*srv);
    port_ = server_->port();
  }
  void stop() {
    server_.reset();
    door_.reset();
  }
  // What a daemon restart does: everything in memory is gone, the store stays.
  void restart() {
    stop();
    start();
  }

  v6k::testing::ExecResult aws(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/aws", "--endpoint-url", "http://localhost:" + std::to_string(port_),
                                     "--output", "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return v6k::testing::run_command(argv, env_, "");
  }
  json aws_json(const std::vector<std::string>& args) {
    auto r = aws(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err;
    if (r.exit_code != 0 || r.out.empty()) return json::object();
    return json::parse(r.out, nullptr, false);
  }
  CliError aws_error(const std::vector<std::string>& args) {
    auto r = aws(args);
    CliError e{r.exit_code, "", "", r.err};
    static const std::string kMark = "An error occurred (";
    auto open = r.err.find(kMark);
    if (open != std::string::npos) {
      open += kMark.size();
      auto close = r.err.find(')', open);
      e.code = r.err.substr(open, close - open);
      // "… when calling the X operation[ (reached max retries: N)]: message"
      auto op = r.err.find(" operation", close);
      auto colon = op == std::string::npos ? op : r.err.find(": ", op);
      if (colon != std::string::npos) {
        e.message = r.err.substr(colon + 2);
        while (!e.message.empty() && e.message.back() == '\n') e.message.pop_back();
      }
    } else {
      e.message = r.err;
    }
    return e;
  }
  // Polls describe-cluster/describe-nodegroup JSON until `status` (or the deadline).
  json wait_status(const std::vector<std::string>& describe, const char* key, const std::string& status,
                   std::chrono::seconds deadline = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    json j;
    while (std::chrono::steady_clock::now() < until) {
      j = aws_json(describe);
      if (j.contains(key) && j[key]["status"] == status) return j;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "never reached " << status << ": " << j.dump();
    return j;
  }

  // Polls a describe call until it answers ResourceNotFoundException (the waiters
  // cluster-deleted / nodegroup-deleted sleep 30 s after their first look).
  CliError wait_gone(const std::vector<std::string>& describe, std::chrono::seconds deadline = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    CliError e;
    while (std::chrono::steady_clock::now() < until) {
      e = aws_error(describe);
      if (e.code == "ResourceNotFoundException") return e;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "still there: " << e.message;
    return e;
  }

  store::Store& store() { return *store_; }
  const std::string& admin_arn() const { return admin_arn_; }
  const std::string& dir() const { return dir_.path(); }
  const std::map<std::string, std::string>& env() const { return env_; }

  std::shared_ptr<FakeBackend> backend = std::make_shared<FakeBackend>();

 private:
  v6k::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<region::FrontDoor> door_;
  std::unique_ptr<http::Server> server_;
  uint16_t port_ = 0;
  std::map<std::string, std::string> env_;
  std::string admin_arn_;
};

inline bool have_aws_cli() { return ::access("/usr/bin/aws", X_OK) == 0; }

}  // namespace v6k::eks::testing

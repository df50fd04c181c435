// A control plane for controller tests: a real API server (KubeCluster), an API client,
// shared informers, an event recorder and a ControllerContext; the test adds controllers
// (constructed before the informers start, as the manager does), then start()s. The
// destructor stops controllers, then informers, then destroys the controllers.
//
//   ControllerFixture f;
//   ASSERT_TRUE(f.ok()) << f.error();
//   f.add(make_endpointslice_controller(f.ctx()));
//   ASSERT_TRUE(f.start());
//   EXPECT_TRUE(eventually([&] { return ...; }));
//
// Plus small object builders and API helpers shared by the network and lifecycle tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kube/client/client.h"
#include "kube/client/events.h"
#include "kube/client/shared_informers.h"
#include "kube/controllers/base/controller.h"
#include "support/kube_cluster.h"

namespace v6k::kube::test {

using namespace std::chrono_literals;
using nlohmann::json;

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return p();
}

class ControllerFixture {
 public:
  explicit ControllerFixture(ControllerOptions options = {}) {
    if (!k_.ok()) {
      error_ = k_.error();
      return;
    }
    auto c = Client::create({.host = "::1", .port = k_.port(), .ca_pem = k_.ca_pem(),
                             .token = testing::KubeCluster::kAdminToken});
    if (!c) {
      error_ = c.error().message();
      return;
    }
    client_ = *c;
    informers_ = std::make_unique<SharedInformers>(client_);
    events_ = std::make_unique<EventRecorder>(client_, "v6k-controller-manager");
    ctx_ = std::make_unique<ControllerContext>(ControllerContext{client_, *informers_, *events_, options});
  }
  ~ControllerFixture() {
    for (auto& c : controllers_) c->stop();
    if (informers_) informers_->stop();
    controllers_.clear();
    if (events_) events_->stop();
  }

  bool ok() const { return client_ != nullptr; }
  const std::string& error() const { return error_; }
  testing::KubeCluster& cluster() { return k_; }
  Client& client() { return *client_; }
  SharedInformers& informers() { return *informers_; }
  EventRecorder& events() { return *events_; }
  ControllerContext& ctx() { return *ctx_; }

  Controller& add(std::unique_ptr<Controller> c) {
    controllers_.push_back(std::move(c));
    return *controllers_.back();
  }
  bool start() {
    informers_->start();
    if (!informers_->wait_synced(10s)) return false;
    for (auto& c : controllers_) c->start();
    return true;
  }

  // Creates `obj` at `collection`; fails the test on error. Returns the stored object.
  json create(const std::string& collection, const json& obj) {
    auto r = client_->create(collection, obj);
    EXPECT_TRUE(r) << collection << ": " << r.error().text();
    return r ? *r : json();
  }
  // The object at `path`, or null when absent.
  json get(const std::string& path) {
    auto r = client_->get(path);
    return r ? *r : json();
  }
  size_t count(const std::string& collection, const std::string& query = "") {
    auto r = client_->list(collection, query);
    return r ? (*r)["items"].size() : size_t(-1);
  }
  void create_namespace(const std::string& name) {
    create("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  }

 private:
  testing::KubeCluster k_;
  std::string error_;
  std::shared_ptr<Client> client_;
  std::unique_ptr<SharedInformers> informers_;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<ControllerContext> ctx_;
  std::vector<std::unique_ptr<Controller>> controllers_;
};

inline json pod(const std::string& name, const json& labels, const std::string& node = "") {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"labels", labels}}},
            {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx"},
                                       {"ports", {{{"containerPort", 80}, {"protocol", "TCP"}}}}}}}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

// The status a kubelet would post: Running with one IPv6 address, Ready or not.
inline json running_status(const std::string& ip, bool ready) {
  return {{"phase", "Running"},
          {"podIP", ip},
          {"podIPs", {{{"ip", ip}}}},
          {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}},
                          {{"type", "ContainersReady"}, {"status", ready ? "True" : "False"}}}}};
}

inline json owner_ref(const json& owner, const std::string& api_version, const std::string& kind, bool block = true) {
  return {{"apiVersion", api_version}, {"kind", kind},
          {"name", owner["metadata"]["name"]}, {"uid", owner["metadata"]["uid"]},
          {"controller", true}, {"blockOwnerDeletion", block}};
}

}  // namespace v6k::kube::test

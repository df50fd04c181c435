// FakeKubelet: what the controller tests need of node agents before node agents exist.
// A thread that, through the API, marks every pod Running and Ready with an IPv6 podIP
// (optionally only pods bound to a node), and finishes graceful deletions the way a
// kubelet confirms them (DELETE with gracePeriodSeconds=0).
//
//   FakeKubelet kubelet(client);       // starts at once
//   kubelet.set_ready(false);          // pause: new pods stay Pending
//   kubelet.stop();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "kube/client/client.h"

namespace v6k::testing {

class FakeKubelet {
 public:
  explicit FakeKubelet(std::shared_ptr<kube::Client> client, bool bound_only = false)
      : client_(std::move(client)), bound_only_(bound_only) {
    thread_ = std::thread([this] { run(); });
  }
  ~FakeKubelet() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void set_ready(bool on) { ready_ = on; }
  int started() const { return started_.load(); }

 private:
  void run() {
    using nlohmann::json;
    while (!stop_) {
      auto pods = client_->list("/api/v1/pods");
      if (pods) {
        for (const auto& p : (*pods)["items"]) {
          const auto& m = p["metadata"];
          const std::string path = "/api/v1/namespaces/" + m.value("namespace", "") + "/pods/" + m.value("name", "");
          const bool bound = !p["spec"].value("nodeName", "").empty();
          if (m.contains("deletionTimestamp")) {
            if (bound) client_->remove(path, {{"gracePeriodSeconds", 0}});
            continue;
          }
          if (!ready_ || (bound_only_ && !bound) || p["status"].value("phase", "") == "Running") continue;
          const int n = ++ips_;
          char ip[64];
          std::snprintf(ip, sizeof ip, "fd00:10::%x", n);
          const std::string now = now_text();
          json status = {{"status",
                          {{"phase", "Running"},
                           {"podIP", ip},
                           {"podIPs", json::array({{{"ip", ip}}})},
                           {"startTime", now},
                           {"conditions", json::array({{{"type", "Initialized"}, {"status", "True"}, {"lastTransitionTime", now}},
                                                       {{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}},
                                                       {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", now}},
                                                       {{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}}})}}}};
          if (client_->patch(path + "/status", kube::PatchType::kMerge, status)) started_++;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  static std::string now_text() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }

  std::shared_ptr<kube::Client> client_;
  bool bound_only_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ready_{true};
  std::atomic<int> started_{0};
  int ips_ = 0;
  std::thread thread_;
};

}  // namespace v6k::testing

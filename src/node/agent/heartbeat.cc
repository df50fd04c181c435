#include "node/agent/heartbeat.h"

#include <cstdio>

#include "kube/client/events.h"

namespace v6k::node {

using nlohmann::json;

Result<std::unique_ptr<NodeHeartbeat>> NodeHeartbeat::start(HeartbeatOptions opts) {
  if (!opts.client) return fail_invalid("node heartbeat: no API client");
  if (opts.id.node_name.empty()) return fail_invalid("node heartbeat: the node has no name");
  std::unique_ptr<NodeHeartbeat> hb(new NodeHeartbeat(std::move(opts)));
  auto what = "registering node " + hb->opts_.id.node_name;
  if (auto r = hb->register_node(); !r) return fail(Error::invalid(r.error().text()).wrap(what));
  if (auto r = hb->write_status(); !r) return fail(Error::invalid(r.error().text()).wrap(what));
  if (auto r = hb->renew_lease(); !r) return fail(Error::invalid(r.error().text()).wrap(what));
  hb->thread_ = std::thread([p = hb.get()] { p->run(); });
  return hb;
}

NodeHeartbeat::~NodeHeartbeat() { stop(); }

void NodeHeartbeat::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void NodeHeartbeat::report_now() {
  std::lock_guard lock(mu_);
  report_ = true;
  cv_.notify_all();
}

kube::KubeResult<void> NodeHeartbeat::register_node() {
  auto& c = *opts_.client;
  const std::string path = "/api/v1/nodes/" + opts_.id.node_name;
  json want = make_node(opts_.id);
  auto made = c.create("/api/v1/nodes", want);
  if (made) {
    node_uid_ = (*made)["metadata"].value("uid", "");
    return {};
  }
  if (!made.error().already_exists()) return std::unexpected(made.error());
  // Registered before (an agent restart): keep the object, refresh what we own.
  json patch = {{"metadata", {{"labels", want["metadata"]["labels"]}, {"annotations", want["metadata"]["annotations"]}}},
                {"spec", want["spec"]}};
  auto got = c.patch(path, kube::PatchType::kMerge, patch);
  if (!got) return std::unexpected(got.error());
  node_uid_ = (*got)["metadata"].value("uid", "");
  last_conditions_ = (*got)["status"].value("conditions", json::array());
  return {};
}

kube::KubeResult<void> NodeHeartbeat::write_status() {
  NodeHealth h = opts_.health ? opts_.health() : NodeHealth{};
  json status = node_status(opts_.id, kube::now_rfc3339(), h, last_conditions_);
  auto r = opts_.client->patch("/api/v1/nodes/" + opts_.id.node_name + "/status", kube::PatchType::kMerge,
                               {{"status", status}});
  if (!r) return std::unexpected(r.error());
  last_conditions_ = status["conditions"];
  return {};
}

kube::KubeResult<void> NodeHeartbeat::renew_lease() {
  auto& c = *opts_.client;
  const std::string base = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
  const std::string now = kube::now_rfc3339_micro();
  auto r = c.patch(base + "/" + opts_.id.node_name, kube::PatchType::kMerge,
                   {{"spec", {{"holderIdentity", opts_.id.node_name}, {"renewTime", now}}}});
  if (r) {
    renewals_++;
    return {};
  }
  if (!r.error().not_found()) return std::unexpected(r.error());
  json lease = make_lease(opts_.id, now);
  if (!node_uid_.empty())
    lease["metadata"]["ownerReferences"] = json::array(
        {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", opts_.id.node_name}, {"uid", node_uid_}}});
  auto made = c.create(base, lease);
  if (!made && !made.error().already_exists()) return std::unexpected(made.error());
  renewals_++;
  return {};
}

void NodeHeartbeat::run() {
  using Clock = std::chrono::steady_clock;
  auto next_lease = Clock::now() + opts_.lease_renew;
  auto next_status = Clock::now() + opts_.status_report;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_until(lock, std::min(next_lease, next_status), [&] { return stopping_ || report_; });
    if (stopping_) break;
    const bool report = report_ || Clock::now() >= next_status;
    const bool lease = Clock::now() >= next_lease;
    report_ = false;
    lock.unlock();
    if (report) {
      if (auto r = write_status(); !r)
        std::fprintf(stderr, "node %s: status: %s\n", opts_.id.node_name.c_str(), r.error().text().c_str());
      next_status = Clock::now() + opts_.status_report;
    }
    if (lease) {
      if (auto r = renew_lease(); !r)
        std::fprintf(stderr, "node %s: lease: %s\n", opts_.id.node_name.c_str(), r.error().text().c_str());
      next_lease = Clock::now() + opts_.lease_renew;
    }
    lock.lock();
  }
}

}  // namespace v6k::node

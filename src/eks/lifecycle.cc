// The EKS worker thread (see lifecycle.h and api.h).
#include "eks/lifecycle.h"

#include "ec2/model.h"
#include "ec2/service_groups.h"

namespace v6k::eks {

using nlohmann::json;

Lifecycle::Lifecycle(store::Store& store, std::shared_ptr<Backend> backend, const EksOptions& options)
    : store_(store), backend_(std::move(backend)), options_(options) {
  thread_ = std::thread([this] { run(); });
}

Lifecycle::~Lifecycle() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Lifecycle::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Lifecycle::run() {
  for (;;) {
    bool busy = pass();
    std::unique_lock lock(mu_);
    if (stop_) return;
    cv_.wait_for(lock, busy ? options_.poll_interval : options_.idle_interval, [this] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
  }
}

bool Lifecycle::waiting(const std::string& uid) const {
  auto it = retry_at_.find(uid);
  return it != retry_at_.end() && Clock::now() < it->second;
}

void Lifecycle::pause(const std::string& uid) { retry_at_[uid] = Clock::now() + options_.retry_interval; }

bool Lifecycle::update_cluster(const std::string& name, const std::function<bool(ClusterRecord&)>& change) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto found = load_cluster(store_, name);
    if (!found || !*found) return false;
    ClusterRecord rec = (*found)->value;
    if (!change(rec)) return false;
    auto up = store_.update(cluster_key(name), json(rec).dump(), (*found)->revision);
    if (up) return true;
    if (up.error().code() != ESTALE) return false;
  }
  return false;
}

bool Lifecycle::update_nodegroup(const std::string& cluster, const std::string& name,
                                 const std::function<bool(NodegroupRecord&)>& change) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto found = load_nodegroup(store_, cluster, name);
    if (!found || !*found) return false;
    NodegroupRecord rec = (*found)->value;
    if (!change(rec)) return false;
    rec.modified_at = options_.now();
    auto up = store_.update(nodegroup_key(cluster, name), json(rec).dump(), (*found)->revision);
    if (up) return true;
    if (up.error().code() != ESTALE) return false;
  }
  return false;
}

bool Lifecycle::pass() {
  bool busy = false;
  auto clusters = load_clusters(store_);
  if (!clusters) return true;  // the store hiccuped: look again soon
  std::map<std::string, ClusterRecord> by_name;
  for (const auto& c : *clusters) by_name[c.value.name] = c.value;
  // Node groups first: a cluster being deleted waits for its groups to go.
  auto groups = load_nodegroups(store_);
  if (!groups) return true;
  for (const auto& n : *groups) {
    auto it = by_name.find(n.value.cluster);
    busy |= step_nodegroup(n, it == by_name.end() ? nullptr : &it->second);
  }
  for (const auto& c : *clusters) busy |= step_cluster(c);
  return busy;
}

bool Lifecycle::step_cluster(const Loaded<ClusterRecord>& loaded) {
  const ClusterRecord& c = loaded.value;
  if (c.status == "CREATING") {
    auto access = backend_->start_cluster(cluster_spec(c));
    if (access) serving_.insert(c.uid);
    update_cluster(c.name, [&](ClusterRecord& r) {
      if (r.uid != c.uid || r.status != "CREATING") return false;  // deleted meanwhile: the DELETING pass stops it
      if (access) {
        r.status = "ACTIVE";
        r.endpoint = access->endpoint;
        r.ca_pem = access->ca_pem;
        r.issues.clear();
      } else {
        r.status = "FAILED";
        r.issues = {Issue{"InternalFailure", access.error().message(), {c.name}}};
      }
      return true;
    });
    return true;
  }
  if (c.status == "ACTIVE" && !serving_.contains(c.uid)) {
    if (waiting(c.uid)) return true;
    // Resume after a daemon restart: the backend brings the same control plane back.
    auto access = backend_->start_cluster(cluster_spec(c));
    if (access) serving_.insert(c.uid);
    else pause(c.uid);
    update_cluster(c.name, [&](ClusterRecord& r) {
      if (r.uid != c.uid || r.status != "ACTIVE") return false;
      std::vector<Issue> issues;
      if (!access) issues = {Issue{"ClusterUnreachable", access.error().message(), {c.name}}};
      bool same = access ? (r.endpoint == access->endpoint && r.ca_pem == access->ca_pem && r.issues.empty())
                         : (!r.issues.empty() && r.issues[0].message == issues[0].message);
      if (same) return false;
      if (access) {
        r.endpoint = access->endpoint;
        r.ca_pem = access->ca_pem;
      }
      r.issues = issues;
      return true;
    });
    return true;
  }
  if (c.status == "DELETING") {
    if (waiting(c.uid)) return true;
    auto groups = load_nodegroups(store_, c.name);
    if (!groups || !groups->empty()) return true;
    auto stopped = backend_->stop_cluster(cluster_spec(c), true);
    Result<> sg = stopped ? ec2::delete_service_group(store_, c.cluster_security_group_id) : Result<>();
    if (!stopped || !sg) {
      std::string why = !stopped ? stopped.error().message() : sg.error().message();
      pause(c.uid);
      update_cluster(c.name, [&](ClusterRecord& r) {
        if (r.uid != c.uid || (!r.issues.empty() && r.issues[0].message == why)) return false;
        r.issues = {Issue{"InternalFailure", why, {c.name}}};
        return true;
      });
      return true;
    }
    serving_.erase(c.uid);
    retry_at_.erase(c.uid);
    auto now = load_cluster(store_, c.name);
    if (now && *now && (*now)->value.uid == c.uid) (void)store_.remove(cluster_key(c.name), (*now)->revision);
    return true;
  }
  return false;  // ACTIVE and serving, or FAILED
}

bool Lifecycle::step_nodegroup(const Loaded<NodegroupRecord>& loaded, const ClusterRecord* cluster) {
  const NodegroupRecord& n = loaded.value;
  auto set_status = [&](std::string status, std::vector<Issue> issues) {
    update_nodegroup(n.cluster, n.name, [&](NodegroupRecord& r) {
      if (r.uid != n.uid || r.status == "DELETING") return false;
      r.status = status;
      r.issues = issues;
      return true;
    });
  };
  if (n.status == "DELETING") {
    if (waiting(n.uid)) return true;
    Result<> done = cluster ? backend_->delete_nodegroup(nodegroup_spec(*cluster, n)) : Result<>();
    if (done && !n.remote_access_security_group.empty())
      done = ec2::delete_service_group(store_, n.remote_access_security_group);
    if (!done) {
      pause(n.uid);
      update_nodegroup(n.cluster, n.name, [&](NodegroupRecord& r) {
        if (r.uid != n.uid) return false;
        r.status = "DELETE_FAILED";
        r.issues = {Issue{"InternalFailure", done.error().message(), n.instance_ids}};
        return true;
      });
      return true;
    }
    launched_.erase(n.uid);
    retry_at_.erase(n.uid);
    auto now = load_nodegroup(store_, n.cluster, n.name);
    if (now && *now && (*now)->value.uid == n.uid) (void)store_.remove(nodegroup_key(n.cluster, n.name), (*now)->revision);
    return true;
  }
  if (n.status != "CREATING" && n.status != "ACTIVE") return false;  // CREATE_FAILED, DELETE_FAILED
  if (!cluster || cluster->status == "FAILED" || cluster->status == "DELETING") {
    if (n.status == "CREATING")
      set_status("CREATE_FAILED", {Issue{"ClusterUnreachable", "The cluster " + n.cluster + " is not available.", {}}});
    return false;
  }
  if (cluster->status != "ACTIVE" || !serving_.contains(cluster->uid)) return true;  // wait for its control plane

  Launch& launch = launched_[n.uid];
  if (!launch.started) {
    if (waiting(n.uid)) return true;
    if (n.status == "CREATING" && cluster->ip_family == "ipv6") {
      // An IPv6 cluster's nodes need IPv6 addresses: every subnet must auto-assign them.
      std::vector<std::string> missing;
      for (const auto& id : n.subnets) {
        auto kv = store_.get(ec2::subnet_key(id));
        auto sub = kv ? ec2::subnet_from_json(kv->value) : Result<ec2::Subnet>(std::unexpected(kv.error()));
        if (!sub || !sub->assign_ipv6_address_on_creation) missing.push_back(id);
      }
      if (!missing.empty()) {
        std::string list;
        for (const auto& id : missing) list += (list.empty() ? "" : ", ") + id;
        set_status("CREATE_FAILED",
                   {Issue{"Ec2SubnetMissingIpv6Assignment",
                          "One or more Amazon EC2 Subnets of [" + list + "] for node group " + n.name +
                              " does not automatically assign IPv6 addresses to instances launched into it. "
                              "Nodes of an IPv6 cluster need IPv6 addresses, so you need to enable auto-assign "
                              "IPv6 address (assignIpv6AddressOnCreation) for the subnet.",
                          missing}});
        launched_.erase(n.uid);
        return false;
      }
    }
    auto instances = backend_->start_nodegroup(nodegroup_spec(*cluster, n));
    if (!instances) {
      if (n.status == "CREATING") {
        set_status("CREATE_FAILED", {Issue{"NodeCreationFailure", instances.error().message(), {}}});
        launched_.erase(n.uid);
        return false;
      }
      pause(n.uid);  // ACTIVE: a failed resume is retried
      update_nodegroup(n.cluster, n.name, [&](NodegroupRecord& r) {
        if (r.uid != n.uid || r.status != "ACTIVE" ||
            (!r.issues.empty() && r.issues[0].message == instances.error().message()))
          return false;
        r.issues = {Issue{"NodeCreationFailure", instances.error().message(), {}}};
        return true;
      });
      return true;
    }
    launch.started = true;
    launch.deadline = Clock::now() + options_.nodegroup_timeout;
    update_nodegroup(n.cluster, n.name, [&](NodegroupRecord& r) {
      if (r.uid != n.uid || r.status == "DELETING") return false;
      r.instance_ids = *instances;
      if (r.status == "ACTIVE") r.issues.clear();
      return true;
    });
    if (n.status == "ACTIVE") return false;
  }
  if (n.status != "CREATING") return false;
  auto ready = backend_->ready_nodes(nodegroup_spec(*cluster, n));
  if (ready && *ready >= n.desired_size) {
    set_status("ACTIVE", {});
    return false;
  }
  if (Clock::now() >= launch.deadline) {
    auto fresh = load_nodegroup(store_, n.cluster, n.name);
    std::vector<std::string> ids = fresh && *fresh ? (*fresh)->value.instance_ids : n.instance_ids;
    set_status("CREATE_FAILED", {Issue{"NodeCreationFailure", "Instances failed to join the kubernetes cluster", ids}});
    launched_.erase(n.uid);
    return false;
  }
  return true;
}

}  // namespace v6k::eks

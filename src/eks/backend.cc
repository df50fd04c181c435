// The Backend interface's out-of-line pieces and the stand-in used until the real one is wired.
#include "eks/backend.h"

namespace v6k::eks {

Backend::~Backend() = default;

namespace {

class NullBackend : public Backend {
 public:
  Result<ClusterAccess> start_cluster(const ClusterSpec& s) override {
    return fail_invalid("the EKS control-plane backend is not available yet in this region daemon (cluster " +
                        s.name + " cannot be started)");
  }
  Result<> stop_cluster(const ClusterSpec&, bool) override { return {}; }
  Result<std::vector<std::string>> start_nodegroup(const NodegroupSpec& s) override {
    return fail_invalid("the EKS node-group backend is not available yet in this region daemon (node group " +
                        s.name + " cannot be launched)");
  }
  Result<int> ready_nodes(const NodegroupSpec&) override { return 0; }
  Result<> delete_nodegroup(const NodegroupSpec&) override { return {}; }
};

}  // namespace

std::shared_ptr<Backend> null_backend() { return std::make_shared<NullBackend>(); }

}  // namespace v6k::eks

// Service ClusterIPs, as the service registry hands them out: allocated on create from
// ApiServerOptions::service_cidr, kept across updates that omit them, released when the
// Service is removed from the store (or its create fails). With no service CIDR the
// registry leaves spec.clusterIP as the client sent it.
#include "kube/apiserver/internal.h"
#include "kube/serviceip/allocator.h"

namespace v6k::kube::internal {

Result<> start_service_ips(Env& env) {
  if (env.options.service_cidr.empty()) return {};
  auto alloc = serviceip::ServiceIpAllocator::create(env.options.service_cidr);
  if (!alloc) return fail(std::move(alloc.error()).wrap("the service CIDR"));
  // Mark the addresses of the Services already stored.
  auto stored = env.store->list(env.options.key_root + find_resource("", "services")->key_prefix());
  if (!stored) return fail(std::move(stored.error()).wrap("listing services"));
  json services = json::array();
  for (const auto& kv : stored->items) {
    auto obj = json::parse(kv.value, nullptr, false);
    if (!obj.is_discarded()) services.push_back(std::move(obj));
  }
  (*alloc)->rebuild(services);
  env.service_ips = std::move(*alloc);
  return {};
}

ApiResult<> allocate_service_ips(Ctx& c, json& svc) {
  if (!c.env.service_ips || c.res->resource != "services") return {};
  auto r = serviceip::assign_cluster_ips(svc, *c.env.service_ips);
  if (r) return {};
  const auto& e = r.error();
  if (e.http_status != 422) return fail_status(internal_error(e.message));
  std::vector<StatusCause> causes;
  for (const auto& f : e.causes) causes.push_back({f.reason, f.message, f.field});
  const std::string name = svc["metadata"].value("name", "");
  return fail_status(invalid(*c.res, name, invalid_message("", "Service", name, e.causes), std::move(causes)));
}

void keep_service_ips(const Ctx& c, const json& old, json& svc) {
  if (c.env.service_ips && c.res->resource == "services") serviceip::update_keeps_ips(old, svc);
}

void release_service_ips(const Ctx& c, const json& svc) {
  if (c.env.service_ips && c.res->resource == "services") serviceip::release_cluster_ips(svc, *c.env.service_ips);
}

}  // namespace v6k::kube::internal

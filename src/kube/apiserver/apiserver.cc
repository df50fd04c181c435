#include "kube/apiserver/apiserver.h"

#include <algorithm>

#include "http/server.h"
#include "kube/apiserver/internal.h"
#include "kube/apiserver/watch_cache.h"

namespace v6k::kube {

using internal::Ctx;
using internal::Env;

struct ApiServer::Impl {
  Env env;
  Authenticator auth;
  std::unique_ptr<http::Server> http;
  bool tls = false;

  explicit Impl(ApiServerOptions o)
      : auth(o.tokens, o.authenticate_token) {
    env.store = o.store;
    env.options = std::move(o);
    env.watches = internal::start_watch_hub(env.options.bookmark_interval);
  }

  http::Response handle(const http::Request& req);
  http::Response route(Ctx& c);
};

namespace {

bool has_subresource(const Resource& r, std::string_view s) {
  return std::find(r.subresources.begin(), r.subresources.end(), s) != r.subresources.end();
}

}  // namespace

http::Response ApiServer::Impl::route(Ctx& c) {
  const RequestInfo& i = c.info;
  const std::string& s = i.subresource;
  if (c.res->resource == "tokenreviews") return internal::handle_token_review(c);
  if (!s.empty()) {
    if (!has_subresource(*c.res, s) || i.name.empty()) return status_response(path_not_found());
    if (s == "status" || s == "finalize") {
      if (i.verb == "get") return internal::handle_get(c);
      if (i.verb == "update") return internal::handle_update(c);
      if (i.verb == "patch") return internal::handle_patch(c);
      return status_response(method_not_supported(*c.res, i.verb));
    }
    return internal::handle_subresource(c);
  }
  if (i.verb == "get") return internal::handle_get(c);
  if (i.verb == "list") return internal::handle_list(c);
  if (i.verb == "watch") return internal::handle_watch(c);
  if (i.verb == "create") {
    if (!i.name.empty()) return status_response(method_not_supported(*c.res, "POST on a named object"));
    return internal::handle_create(c);
  }
  if (i.verb == "update") return internal::handle_update(c);
  if (i.verb == "patch") return internal::handle_patch(c);
  if (i.verb == "delete") return internal::handle_delete(c);
  if (i.verb == "deletecollection") return internal::handle_delete_collection(c);
  return status_response(method_not_supported(*c.res, i.verb));
}

http::Response ApiServer::Impl::handle(const http::Request& req) {
  auto info = parse_request_info(req);
  if (!info) return status_response(bad_request("malformed request path or query"));
  if (public_path(info->path)) {
    if (auto r = internal::handle_non_resource(env, req, *info)) return std::move(*r);
  }
  auto user = auth.authenticate(req);
  if (!user) return status_response(unauthorized());
  if (!info->resource_request) {
    if (auto r = internal::handle_non_resource(env, req, *info)) return std::move(*r);
    return status_response(path_not_found());
  }
  const Resource* res = find_resource(info->group, info->resource);
  if (!res || info->version != res->version) return status_response(path_not_found());
  if (!res->namespaced && !info->namespace_.empty()) return status_response(path_not_found());
  if (res->namespaced && info->namespace_.empty() &&
      (info->verb == "create" || !info->name.empty() || info->verb == "deletecollection"))
    return status_response(path_not_found());
  if (auto why = authorize(*user, *info); !why.empty()) {
    ApiStatus s = forbidden(*res, info->name, why);
    return status_response(s);
  }
  Ctx c{env, req, std::move(*info), res, std::move(*user), std::chrono::system_clock::now()};
  try {
    return route(c);
  } catch (const std::exception& e) {
    // A bug, never the client's fault: nlohmann type errors on unexpected shapes.
    return status_response(internal_error(e.what()));
  }
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { stop(); }

Result<std::unique_ptr<ApiServer>> ApiServer::start(ApiServerOptions options) {
  if (!options.store) return fail_invalid("starting the API server: no store");
  http::ServerOptions hopts;
  hopts.listen = options.listen;
  hopts.threads = std::max(1, options.threads);
  hopts.server_name = "v6k-kube-apiserver";
  hopts.idle_timeout = std::chrono::seconds(120);
  bool tls = !options.tls_cert_pem.empty();
  if (tls) hopts.tls = http::TlsOptions{options.tls_cert_pem, options.tls_key_pem, "", false};
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->tls = tls;
  if (auto ok = internal::bootstrap(impl->env); !ok) return fail(std::move(ok.error()).wrap("starting the API server"));
  if (auto ok = internal::start_service_ips(impl->env); !ok)
    return fail(std::move(ok.error()).wrap("starting the API server"));
  if (impl->env.options.watch_cache) {
    auto cache = internal::WatchCache::start(impl->env.store, impl->env.options.key_root);
    if (!cache) return fail(std::move(cache.error()).wrap("starting the API server"));
    impl->env.cache = std::move(*cache);
  }
  Impl* raw = impl.get();
  auto srv = http::Server::start(std::move(hopts), [raw](const http::Request& r) { return raw->handle(r); });
  if (!srv) return fail(std::move(srv.error()).wrap("starting the API server"));
  impl->http = std::move(*srv);
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

uint16_t ApiServer::port() const { return impl_->http ? impl_->http->port() : 0; }

std::string ApiServer::url() const {
  std::string host = "[::1]";
  if (impl_->http) {
    auto eps = impl_->http->endpoints();
    if (!eps.empty()) host = eps[0].substr(0, eps[0].rfind(':'));
  }
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(port());
}

http::Response ApiServer::handle(const http::Request& req) { return impl_->handle(req); }

void ApiServer::stop() {
  if (!impl_) return;
  // The cache's store watch first (nothing feeds watches after it), then the watches
  // (their streams finish), then the listener and connections.
  if (impl_->env.cache) impl_->env.cache->stop();
  if (impl_->env.watches) internal::stop_watch_hub(*impl_->env.watches);
  if (impl_->http) impl_->http->stop();
}

}  // namespace v6k::kube

// PodStreams on kubelets: the node lookup, the trusted certificate per kubelet, and the
// log relay (exec: exec_relay.cc).
#include "kube/kubelet_client/kubelet_client.h"

#include <thread>

#include "http/server.h"
#include "kube/apiserver/request_info.h"
#include "kube/apiserver/status.h"
#include "kube/kubelet_client/internal.h"
#include "kube/kubelet_client/peer_cert.h"

namespace v6k::kube {

namespace kubelet_internal {

using nlohmann::json;

std::expected<uint16_t, std::string> Shared::kubelet_port(const std::string& node) {
  if (!o.get_node) return std::unexpected("no node lookup configured");
  auto n = o.get_node(node);
  if (!n) {
    if (n.error().code == 404) return std::unexpected("nodes \"" + node + "\" not found");
    return std::unexpected("reading node \"" + node + "\": " + n.error().message);
  }
  json port = n->value(json::json_pointer("/status/daemonEndpoints/kubeletEndpoint/Port"), json());
  // Upstream falls back to 10250; nothing of ours listens there, so say what is wrong.
  if (!port.is_number_unsigned() || port.get<uint64_t>() == 0 || port.get<uint64_t>() > 65535)
    return std::unexpected("node \"" + node + "\" publishes no kubelet port (status.daemonEndpoints.kubeletEndpoint.Port)");
  return static_cast<uint16_t>(port.get<uint64_t>());
}

Result<std::string> Shared::anchor(uint16_t port, bool refresh) {
  if (!refresh) {
    std::lock_guard lock(mu);
    if (auto it = anchors.find(port); it != anchors.end()) return it->second;
  }
  auto pem = fetch_peer_anchor(o.kubelet_host, port, o.dial_timeout);
  if (!pem) return fail(std::move(pem.error()));
  std::lock_guard lock(mu);
  anchors[port] = *pem;
  return *pem;
}

http::Headers Shared::auth_headers() const {
  return {{"authorization", "Bearer " + o.token}, {"user-agent", "kube-apiserver/v6k"}};
}

std::string kubelet_path(const std::string& kind, const std::string& ns, const std::string& pod,
                         const std::string& container) {
  return "/" + kind + "/" + query_escape(ns) + "/" + query_escape(pod) + "/" + query_escape(container);
}

namespace {

http::Response dial_error(const std::string& why) {
  // As upstream's proxy words it; no reason, so kubectl prints "Error from server: ...".
  ApiStatus s = internal_error("");
  s.reason.clear();
  s.message = "error dialing backend: " + why;
  return status_response(s);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A kubelet's refusal as upstream's GenericHttpResponseChecker turns it into a Status.
http::Response kubelet_error(int status, const std::string& body) {
  std::string text = trimmed(body);
  if (status == 400) return status_response(bad_request(text));
  if (status == 500) return status_response(internal_error(text));
  ApiStatus s;
  s.code = status;
  s.reason = status == 404 ? "NotFound" : status == 401 ? "Unauthorized" : status == 403 ? "Forbidden" : "";
  s.message = text;
  return status_response(s);
}

// The container the log is for, as LogLocation picks it.
std::expected<std::string, http::Response> log_container(const json& pod, const std::string& name,
                                                         const std::string& requested) {
  std::vector<std::string> names, all;
  for (const char* f : {"containers", "initContainers", "ephemeralContainers"})
    for (const auto& c : pod["spec"].value(f, json::array())) {
      all.push_back(c.value("name", ""));
      if (std::string(f) == "containers") names.push_back(all.back());
    }
  if (requested.empty()) {
    if (names.size() == 1) return names[0];
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : " ") + n;
    return std::unexpected(status_response(
        bad_request("a container name must be specified for pod " + name + ", choose one of: [" + list + "]")));
  }
  if (std::find(all.begin(), all.end(), requested) == all.end())
    return std::unexpected(status_response(bad_request("container " + requested + " is not valid for pod " + name)));
  return requested;
}

// One whole request to the kubelet; the trusted certificate is read again once when the
// cached one no longer works (a restarted agent has a new one).
Result<http::Response> send_to_kubelet(Shared& s, uint16_t port, const http::Request& req,
                                       std::chrono::milliseconds timeout) {
  for (int attempt = 0;; ++attempt) {
    auto ca = s.anchor(port, attempt > 0);
    if (!ca) return fail(std::move(ca.error()));
    auto r = http::send_request_tls(s.o.kubelet_host, port, req, {.ca_pem = *ca}, timeout);
    if (r || attempt > 0) return r;
  }
}

}  // namespace

http::Response relay_logs(const std::shared_ptr<Shared>& s, const std::string& ns, const std::string& pod,
                          const json& pod_object, const http::Request& req) {
  auto q = parse_query(req.query);
  if (!q) return status_response(bad_request("malformed query"));
  auto param = [&](const char* k) -> std::string {
    auto [lo, hi] = q->equal_range(k);
    std::string v;
    for (auto it = lo; it != hi; ++it) v = it->second;
    return v;
  };
  auto flag = [&](const char* k) { return param(k) == "true" || param(k) == "1"; };
  auto container = log_container(pod_object, pod, param("container"));
  if (!container) return std::move(container.error());
  const std::string node = pod_object.value(json::json_pointer("/spec/nodeName"), "");
  auto port = s->kubelet_port(node);
  if (!port) return dial_error(port.error());

  // Upstream's parameter order (LogLocation).
  std::string query;
  auto add = [&](const char* k, const std::string& v) { query += (query.empty() ? "" : "&") + std::string(k) + "=" + query_escape(v); };
  const bool follow = flag("follow");
  if (follow) add("follow", "true");
  if (flag("previous")) add("previous", "true");
  if (flag("timestamps")) add("timestamps", "true");
  for (const char* k : {"sinceSeconds", "sinceTime", "tailLines", "limitBytes"})
    if (auto v = param(k); !v.empty()) add(k, v);
  http::Request kreq{.method = "GET", .target = kubelet_path("containerLogs", ns, pod, *container)};
  kreq.headers = s->auth_headers();

  if (!follow) {
    if (!query.empty()) kreq.target += "?" + query;
    auto r = send_to_kubelet(*s, *port, kreq, std::chrono::seconds(60));
    if (!r) return dial_error("dial tcp [" + s->o.kubelet_host + "]:" + std::to_string(*port) + ": " + r.error().message());
    if (r->status < 200 || r->status > 206) return kubelet_error(r->status, r->body);
    return http::Response::text(200, std::move(r->body), "text/plain");
  }

  // Follow: the status must be known before the streamed answer starts, and a stream's
  // first bytes may be minutes away; so a one-byte, non-following read of the same log
  // says whether the kubelet accepts the request (and warms the certificate cache).
  http::Request probe = kreq;
  std::string probe_query = query.substr(std::string("follow=true").size());
  if (!probe_query.empty() && probe_query[0] == '&') probe_query.erase(0, 1);
  probe.target += "?" + probe_query + (probe_query.empty() ? "" : "&") + "limitBytes=1";
  auto checked = send_to_kubelet(*s, *port, probe, std::chrono::seconds(10));
  if (!checked) return dial_error("dial tcp [" + s->o.kubelet_host + "]:" + std::to_string(*port) + ": " + checked.error().message());
  if (checked->status < 200 || checked->status > 206) return kubelet_error(checked->status, checked->body);
  auto ca = s->anchor(*port, false);
  if (!ca) return dial_error(ca.error().message());
  kreq.target += "?" + query;
  auto client = std::make_shared<http::KeepAliveClient>(
      http::KeepAliveOptions{.host = s->o.kubelet_host, .port = *port, .tls = http::ClientTls{.ca_pem = *ca}});
  return http::Response::streaming(200, "text/plain", [client, kreq](std::shared_ptr<http::BodyStream> body) {
    body->on_close([client] { client->cancel(); });
    // Blocks on the kubelet: its own thread, which ends when either side goes away.
    std::thread([client, kreq, body] {
      auto r = client->stream(kreq, [&](std::string_view piece) { return body->write(std::string(piece)); },
                              std::chrono::hours(24));
      if (r && (r->status < 200 || r->status > 206)) body->write(trimmed(r->body) + "\n");
      body->finish();
    }).detach();
  });
}

}  // namespace kubelet_internal

PodStreams make_kubelet_pod_streams(KubeletClientOptions options) {
  auto shared = std::make_shared<kubelet_internal::Shared>();
  shared->o = std::move(options);
  PodStreams p;
  p.logs = [shared](const std::string& ns, const std::string& pod, const nlohmann::json& pod_object,
                    const http::Request& req) { return kubelet_internal::relay_logs(shared, ns, pod, pod_object, req); };
  p.exec = [shared](ExecRequest req, std::shared_ptr<ExecChannel> ch) {
    kubelet_internal::relay_exec(shared, std::move(req), std::move(ch));
  };
  return p;
}

}  // namespace v6k::kube

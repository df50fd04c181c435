// Content negotiation: request bodies in (JSON, protobuf), objects, lists and Tables out.
#include <algorithm>
#include <cctype>
#include <cerrno>

#include "kube/apiserver/internal.h"
#include "kube/apiserver/watch_cache.h"
#include "kube/proto/proto.h"
#include "kube/tables/tables.h"

namespace v6k::kube::internal {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct MediaType {
  std::string type;  // "application/json"
  std::vector<std::pair<std::string, std::string>> params;
  std::string param(std::string_view k) const {
    for (const auto& [pk, pv] : params)
      if (pk == k) return pv;
    return "";
  }
};

std::vector<MediaType> parse_accept(std::string_view accept) {
  std::vector<MediaType> out;
  size_t i = 0;
  while (i <= accept.size()) {
    size_t j = accept.find(',', i);
    if (j == std::string_view::npos) j = accept.size();
    std::string_view item = trim(accept.substr(i, j - i));
    if (!item.empty()) {
      MediaType m;
      size_t semi = item.find(';');
      m.type = lower(trim(item.substr(0, semi)));
      while (semi != std::string_view::npos) {
        size_t next = item.find(';', semi + 1);
        std::string_view p = trim(item.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1));
        size_t eq = p.find('=');
        if (eq != std::string_view::npos)
          m.params.emplace_back(lower(trim(p.substr(0, eq))), std::string(trim(p.substr(eq + 1))));
        semi = next;
      }
      out.push_back(std::move(m));
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

ApiResult<json> decode_body(const http::Request& req) {
  std::string ct = lower(req.header("content-type").value_or("application/json"));
  ct = std::string(trim(ct.substr(0, ct.find(';'))));
  if (ct == "application/vnd.kubernetes.protobuf") {
    auto obj = decode_protobuf_object(req.body);
    if (!obj) {
      if (obj.error().code() == ENOTSUP) return fail_status(unsupported_media_type(obj.error().what()));
      return fail_status(bad_request(obj.error().what()));
    }
    return std::move(*obj);
  }
  if (ct != "application/json" && ct != "application/yaml" && ct != "*/*" && !ct.empty() &&
      ct.find("json") == std::string::npos && ct.find("yaml") == std::string::npos)
    return fail_status(unsupported_media_type("got " + ct));
  json obj = json::parse(req.body, nullptr, false);
  if (obj.is_discarded())
    return fail_status(bad_request("error decoding request body: invalid JSON"));
  if (!obj.is_object())
    return fail_status(bad_request("Object 'Kind' is missing in '" + req.body.substr(0, 200) + "'"));
  return obj;
}

ApiResult<Representation> negotiate(const http::Request& req) {
  auto accept = req.header("accept");
  if (!accept || accept->empty()) return Representation::kJson;
  bool any_ok = false;
  for (const auto& m : parse_accept(*accept)) {
    if (m.param("as") == "Table") {
      if ((m.param("g") == "meta.k8s.io") && (m.param("v") == "v1" || m.param("v") == "v1beta1") &&
          (m.type == "application/json" || m.type == "application/vnd.kubernetes.protobuf"))
        return Representation::kTable;
      continue;  // a Table in a version we do not serve: try the next choice
    }
    if (!m.param("as").empty()) continue;  // PartialObjectMetadata etc.: not served
    if (m.type == "application/json" || m.type == "application/vnd.kubernetes.protobuf" ||
        m.type == "application/yaml" || m.type == "*/*" || m.type == "application/*")
      any_ok = true;
  }
  if (any_ok) return Representation::kJson;
  return fail_status(not_acceptable("only the following media types are accepted: application/json, "
                                    "application/yaml, application/vnd.kubernetes.protobuf"));
}

namespace {

TableOptions table_options(const Ctx& c) {
  TableOptions o;
  o.now = c.now;
  std::string inc = c.info.param("includeObject", "Metadata");
  o.include = inc == "None" ? IncludeObject::kNone : inc == "Object" ? IncludeObject::kObject
                                                                     : IncludeObject::kMetadata;
  return o;
}

const char* kTableType = "application/json;as=Table;v=v1;g=meta.k8s.io";

}  // namespace

http::Response object_response(Ctx& c, int code, const json& obj) {
  auto rep = negotiate(c.req);
  if (!rep) return status_response(rep.error());
  if (*rep == Representation::kTable && obj.value("kind", "") == c.res->kind) {
    json meta = {{"resourceVersion", obj["metadata"].value("resourceVersion", "")}};
    return json_response(code, make_table(c.res->group, c.res->resource, {obj}, meta, table_options(c)),
                         kTableType);
  }
  return json_response(code, obj);
}

json make_list(const Resource& r, std::vector<json>&& items, const json& list_meta) {
  json arr = json::array();
  arr.get_ref<json::array_t&>().reserve(items.size());
  for (auto& it : items) {
    it.erase("kind");
    it.erase("apiVersion");
    arr.push_back(std::move(it));
  }
  return {{"kind", r.kind + "List"}, {"apiVersion", r.group_version()}, {"metadata", list_meta},
          {"items", std::move(arr)}};
}

http::Response list_response(Ctx& c, std::vector<json>&& items, const json& list_meta) {
  auto rep = negotiate(c.req);
  if (!rep) return status_response(rep.error());
  if (*rep == Representation::kTable)
    return json_response(200, make_table(c.res->group, c.res->resource, items, list_meta, table_options(c)),
                         kTableType);
  return json_response(200, make_list(*c.res, std::move(items), list_meta));
}

namespace {

// One Table row of a cached object: the cells are computed per request (Age moves), the
// "object" is the cached PartialObjectMetadata or whole object. nlohmann writes keys in
// order ("cells", "conditions"), so "object" goes last, as make_table would put it.
void append_row(std::string& out, const Resource& r, const CachedObject& o, const TableOptions& opts) {
  TableOptions cells_only = opts;
  cells_only.include = IncludeObject::kNone;
  std::string row = table_row(r.group, r.resource, o.obj(), cells_only).dump();
  if (opts.include == IncludeObject::kNone || row.size() < 2 || row.back() != '}') {
    out += row;
    return;
  }
  row.pop_back();
  out += row;
  out += row.size() > 1 ? ",\"object\":" : "\"object\":";
  if (opts.include == IncludeObject::kMetadata) out += o.partial_metadata();
  else out += o.full_json();
  out += '}';
}

}  // namespace

http::Response cached_list_response(Ctx& c, const std::vector<std::shared_ptr<const CachedObject>>& items,
                                    const json& list_meta) {
  auto rep = negotiate(c.req);
  if (!rep) return status_response(rep.error());
  // Keys in nlohmann's (sorted) order, so the bytes match what json::dump() would write.
  http::Response r;
  r.status = 200;
  std::string& out = r.body;
  size_t guess = 256;
  for (const auto& o : items) guess += *rep == Representation::kTable ? 600 : o->item().size() + 1;
  out.reserve(guess);
  if (*rep == Representation::kTable) {
    const TableOptions opts = table_options(c);
    out += "{\"apiVersion\":\"meta.k8s.io/v1\",\"columnDefinitions\":";
    out += column_definitions(c.res->group, c.res->resource).dump();
    out += ",\"kind\":\"Table\",\"metadata\":";
    out += list_meta.dump();
    out += ",\"rows\":[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      append_row(out, *c.res, *items[i], opts);
    }
    out += "]}";
    r.headers.emplace_back("content-type", kTableType);
  } else {
    out += "{\"apiVersion\":" + json(c.res->group_version()).dump() + ",\"items\":[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += items[i]->item();
    }
    out += "],\"kind\":" + json(c.res->kind + "List").dump() + ",\"metadata\":" + list_meta.dump() + "}";
    r.headers.emplace_back("content-type", "application/json");
  }
  r.headers.emplace_back("cache-control", "no-cache, private");
  return r;
}

}  // namespace v6k::kube::internal

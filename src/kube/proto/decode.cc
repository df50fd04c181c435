// The table-driven decoder: one generic walk over the wire format guided by schema.h, then
// a per-message "finalize" pass that gives the object Go's JSON shape (drop zero
// `omitempty` values, add zero values of non-omitempty fields and struct-valued fields).
#include <cerrno>

#include "common/base64.h"
#include "kube/proto/proto.h"
#include "kube/proto/schema.h"
#include "kube/proto/wire.h"

namespace v6k::kube {
namespace {

using nlohmann::json;
using namespace proto;

constexpr int kMaxDepth = 64;

std::string where(const Message& m, const Field& f) { return std::string(m.name) + "." + f.json; }

Result<void> check_depth(int depth) {
  if (depth > kMaxDepth) return fail_invalid("messages nested deeper than " + std::to_string(kMaxDepth));
  return {};
}

json scalar(Kind kind, std::uint64_t v) {
  switch (kind) {
    case Kind::kBool: return v != 0;
    case Kind::kInt32: return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    default: return static_cast<std::int64_t>(v);
  }
}

// Small fixed messages: Quantity {1: string}, IntOrString, Time, map entries.
Result<json> decode_quantity(std::string_view bytes) {
  Reader r(bytes);
  std::string s;
  while (!r.done()) {
    auto t = r.tag();
    if (!t) return fail(std::move(t.error()));
    if (t->field == 1 && t->wire == kLen) {
      auto v = r.len_delimited();
      if (!v) return fail(std::move(v.error()));
      s = to_valid_utf8(*v);
    } else if (t->field == 1) {
      return fail_invalid("Quantity: wrong wire type " + std::to_string(t->wire));
    } else if (auto sk = r.skip(t->wire); !sk) {
      return fail(std::move(sk.error()));
    }
  }
  return json(s.empty() ? "0" : s);
}

Result<json> decode_int_or_string(std::string_view bytes) {
  Reader r(bytes);
  std::uint64_t type = 0, int_val = 0;
  std::string str_val;
  while (!r.done()) {
    auto t = r.tag();
    if (!t) return fail(std::move(t.error()));
    if ((t->field == 1 || t->field == 2) && t->wire == kVarint) {
      auto v = r.varint();
      if (!v) return fail(std::move(v.error()));
      (t->field == 1 ? type : int_val) = *v;
    } else if (t->field == 3 && t->wire == kLen) {
      auto v = r.len_delimited();
      if (!v) return fail(std::move(v.error()));
      str_val = to_valid_utf8(*v);
    } else if (t->field <= 3) {
      return fail_invalid("IntOrString: wrong wire type " + std::to_string(t->wire));
    } else if (auto sk = r.skip(t->wire); !sk) {
      return fail(std::move(sk.error()));
    }
  }
  if (type == 1) return json(str_val);
  return json(static_cast<std::int32_t>(static_cast<std::uint32_t>(int_val)));
}

// A zero Time reads as null: finalize drops it from non-pointer fields.
Result<json> decode_time(std::string_view bytes) {
  Reader r(bytes);
  std::uint64_t seconds = 0, nanos = 0;
  while (!r.done()) {
    auto t = r.tag();
    if (!t) return fail(std::move(t.error()));
    if ((t->field == 1 || t->field == 2) && t->wire == kVarint) {
      auto v = r.varint();
      if (!v) return fail(std::move(v.error()));
      (t->field == 1 ? seconds : nanos) = *v;
    } else if (t->field <= 2) {
      return fail_invalid("Time: wrong wire type " + std::to_string(t->wire));
    } else if (auto sk = r.skip(t->wire); !sk) {
      return fail(std::move(sk.error()));
    }
  }
  if (seconds == 0 && static_cast<std::int32_t>(nanos) == 0) return json();
  auto s = rfc3339(static_cast<std::int64_t>(seconds));
  if (!s) return fail(std::move(s.error()));
  return json(*s);
}

Result<void> decode_map_entry(std::string_view bytes, Kind kind, json& map) {
  Reader r(bytes);
  std::string key;
  json value = kind == Kind::kMapQuantity ? json("0") : json("");
  while (!r.done()) {
    auto t = r.tag();
    if (!t) return fail(std::move(t.error()));
    if (t->field > 2) {
      if (auto sk = r.skip(t->wire); !sk) return sk;
      continue;
    }
    if (t->wire != kLen) return fail_invalid("map entry: wrong wire type " + std::to_string(t->wire));
    auto v = r.len_delimited();
    if (!v) return fail(std::move(v.error()));
    if (t->field == 1) {
      key = to_valid_utf8(*v);
    } else if (kind == Kind::kMapString) {
      value = to_valid_utf8(*v);
    } else if (kind == Kind::kMapBytes) {
      value = base64_encode(*v);
    } else {
      auto q = decode_quantity(*v);
      if (!q) return fail(std::move(q.error()));
      value = std::move(*q);
    }
  }
  if (!map.is_object()) map = json::object();
  map[key] = std::move(value);
  return {};
}

Result<void> decode_fields(std::string_view bytes, const Message& m, json& obj, int depth);
void finalize(json& obj, const Message& m, int depth);

bool is_zero(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<std::int64_t>() == 0;
  if (v.is_array() || v.is_object()) return v.empty();
  return v.is_null();
}

// Applies one decoded value of `f` to `obj`.
void store(json& obj, const Field& f, json value) {
  if (f.flags & kRepeated) {
    json& arr = obj[f.json];
    if (!arr.is_array()) arr = json::array();
    arr.push_back(std::move(value));
  } else {
    obj[f.json] = std::move(value);
  }
}

Result<void> decode_field(Reader& r, std::uint32_t wire, const Message& m, const Field& f, json& obj,
                          int depth) {
  const bool scalar_kind = f.kind == Kind::kBool || f.kind == Kind::kInt32 || f.kind == Kind::kInt64;
  if (scalar_kind && wire == kVarint) {
    auto v = r.varint();
    if (!v) return fail(std::move(v.error()).wrap(where(m, f)));
    store(obj, f, scalar(f.kind, *v));
    return {};
  }
  if (wire != kLen) return fail_invalid(where(m, f) + ": wrong wire type " + std::to_string(wire));
  auto bytes = r.len_delimited();
  if (!bytes) return fail(std::move(bytes.error()).wrap(where(m, f)));
  switch (f.kind) {
    case Kind::kBool: case Kind::kInt32: case Kind::kInt64: {
      if (!(f.flags & kRepeated)) return fail_invalid(where(m, f) + ": wrong wire type 2");
      Reader packed(*bytes);  // packed repeated scalars
      while (!packed.done()) {
        auto v = packed.varint();
        if (!v) return fail(std::move(v.error()).wrap(where(m, f)));
        store(obj, f, scalar(f.kind, *v));
      }
      return {};
    }
    case Kind::kString: store(obj, f, to_valid_utf8(*bytes)); return {};
    case Kind::kBytes: store(obj, f, base64_encode(*bytes)); return {};
    case Kind::kMapString: case Kind::kMapBytes: case Kind::kMapQuantity:
      return decode_map_entry(*bytes, f.kind, obj[f.json]);
    case Kind::kInline: return decode_fields(*bytes, *f.msg, obj, depth + 1);
    case Kind::kMessage: {
      if (f.flags & kRepeated) {
        json sub = json::object();
        if (auto d = decode_fields(*bytes, *f.msg, sub, depth + 1); !d) return d;
        finalize(sub, *f.msg, depth + 1);
        store(obj, f, std::move(sub));
        return {};
      }
      json& sub = obj[f.json];  // a repeated occurrence merges, as protobuf does
      if (!sub.is_object()) sub = json::object();
      if (auto d = decode_fields(*bytes, *f.msg, sub, depth + 1); !d) return d;
      finalize(sub, *f.msg, depth + 1);
      return {};
    }
    case Kind::kTime: case Kind::kQuantity: case Kind::kIntOrString: {
      auto v = f.kind == Kind::kTime       ? decode_time(*bytes)
               : f.kind == Kind::kQuantity ? decode_quantity(*bytes)
                                           : decode_int_or_string(*bytes);
      if (!v) return fail(std::move(v.error()).wrap(where(m, f)));
      store(obj, f, std::move(*v));
      return {};
    }
  }
  return {};
}

Result<void> decode_fields(std::string_view bytes, const Message& m, json& obj, int depth) {
  if (auto d = check_depth(depth); !d) return d;
  Reader r(bytes);
  while (!r.done()) {
    auto t = r.tag();
    if (!t) return fail(std::move(t.error()).wrap(m.name));
    const Field* f = nullptr;
    for (const auto& cand : m.fields)
      if (cand.number == t->field) f = &cand;
    if (!f) {
      if (auto sk = r.skip(t->wire); !sk) return fail(std::move(sk.error()).wrap(m.name));
      continue;
    }
    if (auto d = decode_field(r, t->wire, m, *f, obj, depth); !d) return d;
  }
  return {};
}

json zero_value(const Field& f, int depth) {
  if (f.flags & (kRepeated | kPtr)) return json();  // nil slice / nil pointer
  switch (f.kind) {
    case Kind::kString: case Kind::kBytes: return "";
    case Kind::kBool: return false;
    case Kind::kInt32: case Kind::kInt64: case Kind::kIntOrString: return 0;
    case Kind::kQuantity: return "0";
    case Kind::kMessage: {
      json sub = json::object();
      finalize(sub, *f.msg, depth + 1);
      return sub;
    }
    default: return json();  // nil map, zero Time
  }
}

// Go's JSON shape for one message; see Flag in schema.h.
void finalize(json& obj, const Message& m, int depth) {
  if (depth > kMaxDepth) return;
  for (const auto& f : m.fields) {
    if (f.kind == Kind::kInline) {
      finalize(obj, *f.msg, depth + 1);
      continue;
    }
    auto it = obj.find(f.json);
    const bool present = it != obj.end();
    if (f.flags & kPtr) {
      if (!present && (f.flags & kKeep)) obj[f.json] = nullptr;
      continue;
    }
    if (f.kind == Kind::kTime) {  // zero times are left out (not null) in either case
      if (present && it->is_null()) obj.erase(it);
      continue;
    }
    const bool always = (f.flags & kKeep) ||
                        (!(f.flags & kRepeated) && (f.kind == Kind::kMessage || f.kind == Kind::kIntOrString ||
                                                    f.kind == Kind::kQuantity));
    if (!present) {
      if (always) obj[f.json] = zero_value(f, depth);
    } else if (!always && is_zero(*it)) {
      obj.erase(it);
    }
  }
}

}  // namespace

Result<nlohmann::json> decode_protobuf_object(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (!body.starts_with(kMagic)) return fail_invalid("protobuf body does not start with the k8s\\0 magic");
  Reader r(body.substr(kMagic.size()));
  std::string api_version, kind, encoding;
  std::string_view raw;
  while (!r.done()) {
    auto t = r.tag();
    if (!t) return fail(std::move(t.error()).wrap("runtime.Unknown"));
    if (t->field > 4) {
      if (auto sk = r.skip(t->wire); !sk) return fail(std::move(sk.error()).wrap("runtime.Unknown"));
      continue;
    }
    if (t->wire != kLen) return fail_invalid("runtime.Unknown: wrong wire type " + std::to_string(t->wire));
    auto v = r.len_delimited();
    if (!v) return fail(std::move(v.error()).wrap("runtime.Unknown"));
    if (t->field == 2) raw = *v;
    if (t->field == 3) encoding = *v;
    if (t->field != 1) continue;
    Reader tm(*v);  // TypeMeta {1: apiVersion, 2: kind}
    while (!tm.done()) {
      auto tt = tm.tag();
      if (!tt) return fail(std::move(tt.error()).wrap("TypeMeta"));
      if (tt->field > 2) {
        if (auto sk = tm.skip(tt->wire); !sk) return fail(std::move(sk.error()).wrap("TypeMeta"));
        continue;
      }
      if (tt->wire != kLen) return fail_invalid("TypeMeta: wrong wire type " + std::to_string(tt->wire));
      auto s = tm.len_delimited();
      if (!s) return fail(std::move(s.error()).wrap("TypeMeta"));
      (tt->field == 1 ? api_version : kind) = to_valid_utf8(*s);
    }
  }
  if (!encoding.empty()) return fail_invalid("unsupported protobuf contentEncoding " + to_valid_utf8(encoding));
  if (kind.empty() || api_version.empty()) return fail_invalid("protobuf body has no apiVersion/kind");
  const Message* top = find_kind(api_version, kind);
  if (!top)
    return fail(Error::make(ENOTSUP, "protobuf is not supported for " + api_version + "/" + kind + "; send JSON"));
  json obj = json::object();
  if (auto d = decode_fields(raw, *top, obj, 1); !d) return fail(std::move(d.error()).wrap("decoding " + kind));
  finalize(obj, *top, 1);
  obj["apiVersion"] = api_version;
  obj["kind"] = kind;
  return obj;
}

}  // namespace v6k::kube

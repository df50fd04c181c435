// pod-template-hash: FNV-1a over a canonical JSON dump, rendered like upstream ComputeHash.
#include "kube/controllers/workloads/hash.h"

#include <array>

namespace v6k::kube::workloads {

namespace {

using json = nlohmann::json;

// Drops nulls and empty arrays everywhere (Go's nil and empty slices compare equal and
// omitempty drops both), keeps empty objects (they can be set pointers such as emptyDir: {}).
json drop_absent(const json& v) {
  if (v.is_object()) {
    json out = json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it->is_null() || (it->is_array() && it->empty())) continue;
      out[it.key()] = drop_absent(*it);
    }
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const json& e : v) out.push_back(drop_absent(e));
    return out;
  }
  return v;
}

}  // namespace

uint32_t fnv1a32(std::string_view data, uint32_t hash) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string safe_encode_string(std::string_view s) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out.push_back(kAlphabet[c % kAlphabet.size()]);
  return out;
}

json normalize_template(const json& pod_template) {
  if (!pod_template.is_object()) return json::object();
  json t = drop_absent(pod_template);
  auto meta = t.find("metadata");
  if (meta != t.end() && meta->is_object()) {
    auto labels = meta->find("labels");
    if (labels != meta->end() && labels->is_object())
      labels->erase(std::string(kPodTemplateHashLabel));
    for (const char* map_field : {"labels", "annotations"}) {
      auto m = meta->find(map_field);
      if (m != meta->end() && m->is_object() && m->empty()) meta->erase(m);
    }
    if (meta->empty()) t.erase(meta);
  }
  return t;
}

std::string pod_template_hash(const json& pod_template, int64_t collision_count) {
  std::string canonical;
  try {
    canonical =
        normalize_template(pod_template).dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception&) {
    canonical.clear();  // unreachable with error_handler_t::replace; keeps the no-throw promise
  }
  uint32_t h = fnv1a32(canonical);
  if (collision_count != 0) {
    // binary.LittleEndian.PutUint32 into an 8-byte buffer: the upper four bytes stay zero.
    auto c = static_cast<uint32_t>(collision_count);
    std::array<char, 8> bytes{static_cast<char>(c & 0xff),
                              static_cast<char>((c >> 8) & 0xff),
                              static_cast<char>((c >> 16) & 0xff),
                              static_cast<char>((c >> 24) & 0xff),
                              0,
                              0,
                              0,
                              0};
    h = fnv1a32(std::string_view(bytes.data(), bytes.size()), h);
  }
  return safe_encode_string(std::to_string(h));
}

bool templates_equal_ignore_hash(const json& a, const json& b) {
  return normalize_template(a) == normalize_template(b);
}

}  // namespace v6k::kube::workloads

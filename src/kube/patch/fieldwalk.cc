// Walkers over objects that produce or use field sets: fields_of (ToFieldSet), compare,
// remove_path (pruning) and merge_config (live ⊕ applied). They share one cursor that
// tracks both the FieldsV1 path and the field-name path the PatchSchema is asked about.
#include <stdexcept>

#include "kube/patch/internal/fieldset.h"

namespace v6k::kube::internal {
namespace {

constexpr size_t kMaxDepth = 200;

struct Cursor {
  const PatchSchema& schema;
  PathElements pes;
  std::vector<std::string> names;

  void enter_field(const std::string& k) {
    if (pes.size() > kMaxDepth) throw std::runtime_error("object nested too deeply");
    pes.push_back("f:" + k);
    names.push_back(k);
  }
  void leave_field() {
    pes.pop_back();
    names.pop_back();
  }
  std::optional<MergeRule> rule() const {
    if (!schema) return std::nullopt;
    return schema(std::span<const std::string>(names));
  }
  // Path elements of every item, or nullopt when the list must be treated as atomic.
  std::optional<std::vector<std::string>> elements(const json& list, const MergeRule& r) const {
    std::vector<std::string> out;
    for (const auto& item : list) {
      auto pe = item_element(item, r, names);
      if (!pe) return std::nullopt;
      out.push_back(std::move(*pe));
    }
    return out;
  }
};

void collect(const json& v, Cursor& c, FieldSet& out) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) {
      c.enter_field(k);
      collect(x, c, out);
      c.leave_field();
    }
    return;
  }
  if (v.is_array()) {
    auto r = c.rule();
    auto pes = r ? c.elements(v, *r) : std::nullopt;
    if (!pes) {
      out.insert(c.pes);
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      c.pes.push_back((*pes)[i]);
      // As upstream's validation: an applied list may not name one key twice.
      if (auto* seen = out.find(c.pes); seen && seen->member)
        throw std::runtime_error(path_text(std::span(c.pes).first(c.pes.size() - 1)) +
                                 ": duplicate entries for key " + path_text(std::span(c.pes).last(1)));
      out.insert(c.pes);
      if (v[i].is_object()) collect(v[i], c, out);
      c.pes.pop_back();
    }
    return;
  }
  out.insert(c.pes);
}

bool all_scalars(const json& m) {
  for (const auto& [k, x] : m.items())
    if (x.is_object() || x.is_array()) return false;
  return true;
}

// Top-level metadata/spec/status are structs that always exist in upstream's typed
// objects, so they are never owned themselves.
bool owned_as_map(const PathElements& pes) {
  if (pes.empty()) return false;
  return !(pes.size() == 1 && (pes[0] == "f:metadata" || pes[0] == "f:spec" || pes[0] == "f:status"));
}

// Everything under a value that appeared or disappeared as a whole.
void mark_all(const json& v, Cursor& c, FieldSet& out, bool is_item = false) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) {
      c.enter_field(k);
      mark_all(x, c, out);
      c.leave_field();
    }
    if (is_item || (owned_as_map(c.pes) && all_scalars(v))) out.insert(c.pes);
    return;
  }
  if (v.is_array()) {
    auto r = c.rule();
    auto pes = r ? c.elements(v, *r) : std::nullopt;
    if (!pes) {
      out.insert(c.pes);
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      c.pes.push_back((*pes)[i]);
      mark_all(v[i], c, out, true);
      out.insert(c.pes);
      c.pes.pop_back();
    }
    return;
  }
  out.insert(c.pes);
}

void compare_values(const json* a, const json* b, Cursor& c, Comparison& out);

void compare_objects(const json& a, const json& b, Cursor& c, Comparison& out) {
  for (const auto& [k, x] : a.items()) {
    c.enter_field(k);
    auto it = b.find(k);
    compare_values(&x, it == b.end() ? nullptr : &*it, c, out);
    c.leave_field();
  }
  for (const auto& [k, x] : b.items()) {
    if (a.contains(k)) continue;
    c.enter_field(k);
    compare_values(nullptr, &x, c, out);
    c.leave_field();
  }
}

void compare_values(const json* a, const json* b, Cursor& c, Comparison& out) {
  if (!a || !b) {
    mark_all(a ? *a : *b, c, a ? out.removed : out.added);
    return;
  }
  if (a->is_object() && b->is_object()) return compare_objects(*a, *b, c, out);
  if (a->is_array() && b->is_array()) {
    auto r = c.rule();
    auto pa = r ? c.elements(*a, *r) : std::nullopt;
    auto pb = r ? c.elements(*b, *r) : std::nullopt;
    if (pa && pb) {
      auto find = [](const std::vector<std::string>& v, const std::string& pe) {
        for (size_t i = 0; i < v.size(); ++i)
          if (v[i] == pe) return static_cast<long>(i);
        return -1L;
      };
      for (size_t i = 0; i < a->size(); ++i) {
        c.pes.push_back((*pa)[i]);
        long j = find(*pb, (*pa)[i]);
        if (j < 0) {
          mark_all((*a)[i], c, out.removed, true);
        } else if ((*a)[i].is_object() && (*b)[j].is_object()) {
          compare_objects((*a)[i], (*b)[j], c, out);
        }
        c.pes.pop_back();
      }
      for (size_t j = 0; j < b->size(); ++j) {
        if (find(*pa, (*pb)[j]) >= 0) continue;
        c.pes.push_back((*pb)[j]);
        mark_all((*b)[j], c, out.added, true);
        c.pes.pop_back();
      }
      return;
    }
  }
  if (*a != *b) out.modified.insert(c.pes);
}

// Returns true when `node`, reached by a field name, became an empty map.
bool remove_rec(json& node, std::span<const std::string> pes, Cursor& c) {
  const std::string& pe = pes.front();
  if (pe.starts_with("f:")) {
    if (!node.is_object()) return false;
    std::string key = pe.substr(2);
    auto it = node.find(key);
    if (it == node.end()) return false;
    if (pes.size() == 1) {
      node.erase(it);
    } else {
      c.enter_field(key);
      bool gone = remove_rec(*it, pes.subspan(1), c);
      c.leave_field();
      if (!gone) return false;
      node.erase(key);
    }
    return node.empty();
  }
  if (!node.is_array()) return false;
  auto r = c.rule();
  for (size_t i = 0; i < node.size(); ++i) {
    bool match = pe.starts_with("i:") ? pe == "i:" + std::to_string(i)
                                      : (r && item_element(node[i], *r, c.names) == pe);
    if (!match) continue;
    if (pes.size() == 1) node.erase(node.begin() + static_cast<std::ptrdiff_t>(i));
    else remove_rec(node[i], pes.subspan(1), c);
    return false;
  }
  return false;
}

json merge_rec(const json& live, const json& cfg, Cursor& c);

json merge_list(const json& live, const json& cfg, Cursor& c) {
  auto r = c.rule();
  auto pl = r ? c.elements(live, *r) : std::nullopt;
  auto pc = r ? c.elements(cfg, *r) : std::nullopt;
  if (!pl || !pc) return cfg;
  auto find = [](const std::vector<std::string>& v, const std::string& pe) {
    for (size_t i = 0; i < v.size(); ++i)
      if (v[i] == pe) return static_cast<long>(i);
    return -1L;
  };
  json out = json::array();
  std::vector<bool> emitted(cfg.size(), false);
  auto emit_cfg = [&](size_t j) {
    if (emitted[j]) return;
    emitted[j] = true;
    long i = find(*pl, (*pc)[j]);
    out.push_back(i >= 0 && cfg[j].is_object() ? merge_rec(live[i], cfg[j], c) : cfg[j]);
  };
  size_t next = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    long j = find(*pc, (*pl)[i]);
    if (j < 0) {
      out.push_back(live[i]);
      continue;
    }
    // Shared item: config items up to it come first, in config order.
    for (; next <= static_cast<size_t>(j); ++next) emit_cfg(next);
  }
  for (; next < cfg.size(); ++next) emit_cfg(next);
  return out;
}

json merge_rec(const json& live, const json& cfg, Cursor& c) {
  if (cfg.is_object()) {
    json out = live.is_object() ? live : json::object();
    for (const auto& [k, v] : cfg.items()) {
      if (v.is_null()) {
        out.erase(k);
        continue;
      }
      c.enter_field(k);
      auto it = out.find(k);
      json merged = merge_rec(it == out.end() ? json() : *it, v, c);
      c.leave_field();
      out[k] = std::move(merged);
    }
    return out;
  }
  if (cfg.is_array() && live.is_array()) return merge_list(live, cfg, c);
  return cfg;
}

}  // namespace

FieldSet Comparison::changed() const {
  FieldSet out = added;
  out.merge(modified);
  return out;
}

FieldSet fields_of(const json& obj, const PatchSchema& schema) {
  FieldSet out;
  Cursor c{schema, {}, {}};
  if (obj.is_object()) collect(obj, c, out);
  return out;
}

Comparison compare(const json& before, const json& after, const PatchSchema& schema) {
  Comparison out;
  Cursor c{schema, {}, {}};
  compare_values(&before, &after, c, out);
  return out;
}

void remove_path(json& obj, std::span<const std::string> pes, const PatchSchema& schema) {
  if (pes.empty()) return;
  Cursor c{schema, {}, {}};
  remove_rec(obj, pes, c);
}

json merge_config(const json& live, const json& config, const PatchSchema& schema) {
  Cursor c{schema, {}, {}};
  return merge_rec(live, config, c);
}

}  // namespace v6k::kube::internal

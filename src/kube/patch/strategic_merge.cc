// Strategic merge patch application, following apimachinery's strategicpatch.mergeMap /
// mergeSlice with the server's options (MergeParallelList: the patch's directives are
// executed, not carried). Go iterates maps in random order; we process directives in a
// fixed order instead: $patch, $retainKeys, $setElementOrder pairs, then the remaining keys.
#include <algorithm>
#include <set>
#include <vector>

#include "kube/patch/internal/go_format.h"
#include "kube/patch/strategic.h"

namespace v6k::kube {
namespace {

using internal::go_format;
using internal::go_type;

const std::string kPatch = "$patch";
const std::string kRetainKeys = "$retainKeys";
const std::string kSetOrder = "$setElementOrder/";
const std::string kDeleteFrom = "$deleteFromPrimitiveList/";
constexpr size_t kMaxDepth = 200;  // far deeper than any API object; keeps recursion bounded

bool has_prefix(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

Error no_merge_key(const json& m, const std::string& key) {
  return Error::invalid("map: " + go_format(m) + " does not contain declared merge key: " + key);
}
Error bad_patch_type(const json& t, const json& m) {
  return Error::invalid("unknown patch type: " + go_format(t) + " in map: " + go_format(m));
}
Error bad_arg_type(const std::string& expected, const json& actual) {
  return Error::invalid("expected a " + expected + ", but received a " + go_type(actual));
}

// The value identifying a list item: its merge key, or the item itself for primitives.
const json* item_key(const json& item, const std::string& key) {
  if (key.empty()) return &item;
  if (!item.is_object()) return nullptr;
  auto it = item.find(key);
  return it == item.end() ? nullptr : &*it;
}

long index_of(const json& list, const json& item, const std::string& key) {
  const json* want = item_key(item, key);
  if (!want) return -1;
  for (size_t i = 0; i < list.size(); ++i) {
    const json* k = item_key(list[i], key);
    if (k && *k == *want) return static_cast<long>(i);
  }
  return -1;
}

// normalizeSliceOrder: stable sort by position in `order` (unknown items first).
void sort_by(std::vector<json>& items, const json& order, const std::string& key) {
  std::vector<std::pair<long, json>> keyed;
  for (auto& it : items) keyed.emplace_back(index_of(order, it, key), std::move(it));
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  items.clear();
  for (auto& [i, v] : keyed) items.push_back(std::move(v));
}

// normalizeElementOrder + mergeSortedSlice: server-only items are slotted between patch
// items by their live order; when the live order cannot decide, the patch item goes first.
json normalize_order(std::vector<json> patch_items, std::vector<json> server_only, const json& patch_order,
                     const json& server_order, const std::string& key) {
  sort_by(patch_items, patch_order, key);
  sort_by(server_only, server_order, key);
  json out = json::array();
  size_t i = 0, j = 0;
  while (i < server_only.size() || j < patch_items.size()) {
    if (j >= patch_items.size()) {
      out.push_back(std::move(server_only[i++]));
    } else if (i >= server_only.size()) {
      out.push_back(std::move(patch_items[j++]));
    } else {
      long li = index_of(server_order, server_only[i], key);
      long ri = index_of(server_order, patch_items[j], key);
      if (li >= 0 && ri >= 0 && li < ri)
        out.push_back(std::move(server_only[i++]));
      else
        out.push_back(std::move(patch_items[j++]));
    }
  }
  return out;
}

// Splits `merged` into items named in `by` and the rest, keeping order.
Result<json> reorder(const json& merged, const json& by, const json& server_order, const std::string& key) {
  std::vector<json> in_patch, server_only;
  for (const auto& item : merged) {
    if (!item_key(item, key)) return fail(no_merge_key(item, key));
    (index_of(by, item, key) >= 0 ? in_patch : server_only).push_back(item);
  }
  return normalize_order(std::move(in_patch), std::move(server_only), by, server_order, key);
}

// sliceElementType: every element of both lists must share one Go type; no lists of lists.
Result<bool> elements_are_maps(const json& a, const json& b) {
  std::string seen;
  for (const json* list : {&a, &b}) {
    for (const auto& v : *list) {
      if (v.is_array()) return fail_invalid("lists of lists are not supported");
      std::string t = go_type(v);
      if (seen.empty()) seen = t;
      else if (seen != t)
        return fail_invalid("list element types are not identical: [" + go_format(a) + " " + go_format(b) + "]");
    }
  }
  return seen == "map[string]interface {}";
}

// validatePatchWithSetOrderList: the patch list must follow the $setElementOrder order.
Result<void> validate_order(const json& patch_list, const json& order, const std::string& key) {
  if (order.empty() || patch_list.empty()) return {};
  std::vector<const json*> items;
  for (const auto& v : patch_list) {
    if (!key.empty() && !v.is_object()) return fail(bad_arg_type("map[string]interface {}", v));
    if (!(v.is_object() && v.value(kPatch, json()) == "delete")) items.push_back(&v);
  }
  size_t p = 0, o = 0;
  while (p < items.size() && o < order.size()) {
    if (items[p]->is_object() && items[p]->contains(kPatch)) {
      ++p;
      continue;
    }
    const json* a = item_key(*items[p], key);
    const json* b = item_key(order[o], key);
    if (!a) return fail(no_merge_key(*items[p], key));
    if (!b) return fail(no_merge_key(order[o], key));
    if (*a == *b) ++p;
    ++o;
  }
  if (p < items.size())
    return fail_invalid("The order in patch list:\n" + go_format(patch_list) + "\n doesn't match " + kSetOrder +
                        " list:\n" + go_format(order) + "\n");
  return {};
}

class Merger {
 public:
  explicit Merger(const PatchSchema& schema) : schema_(schema) {}

  Result<json> merge_map(json original, const json& patch) {
    if (path_.size() > kMaxDepth || ++calls_ > kMaxDepth * 1000) return fail_invalid("patch nested too deeply");
    if (auto it = patch.find(kPatch); it != patch.end()) {
      if (*it == "replace") {
        json rest = patch;
        rest.erase(kPatch);
        return merge_map(json::object(), rest);  // also strips nested directives
      }
      if (*it == "delete") return json::object();
      if (*it != "merge") return fail(bad_patch_type(*it, patch));
    }
    if (!original.is_object()) original = json::object();
    if (auto r = retain_keys(original, patch); !r) return fail(r.error());
    std::set<std::string> done;
    for (const auto& [k, v] : patch.items()) {
      if (!has_prefix(k, kSetOrder)) continue;
      if (auto r = set_element_order(original, patch, k.substr(kSetOrder.size()), v, done); !r) return fail(r.error());
    }
    for (const auto& [k, v] : patch.items()) {
      if (k == kPatch || k == kRetainKeys || has_prefix(k, kSetOrder) || done.count(k)) continue;
      if (has_prefix(k, kDeleteFrom)) {
        if (auto r = delete_from_list(original, k.substr(kDeleteFrom.size()), v); !r) return fail(r.error());
        continue;
      }
      if (v.is_null()) {
        original.erase(k);
        continue;
      }
      auto r = merge_field(original, k, v);
      if (!r) return fail(r.error());
      original[k] = std::move(*r);
    }
    return original;
  }

 private:
  struct Descend {
    Descend(std::vector<std::string>& p, const std::string& f) : path(p) { path.push_back(f); }
    ~Descend() { path.pop_back(); }
    std::vector<std::string>& path;
  };

  std::optional<MergeRule> rule() const {
    if (!schema_) return std::nullopt;
    return schema_(std::span<const std::string>(path_));
  }

  Result<json> merge_field(const json& original, const std::string& k, const json& v) {
    Descend d(path_, k);
    auto it = original.find(k);
    if (it == original.end()) return clean(v);
    if (it->is_object() && v.is_object()) return merge_map(*it, v);
    if (it->is_array() && v.is_array()) {
      auto r = rule();
      if (!r) return v;
      return merge_list(*it, v, *r);
    }
    return clean(v);
  }

  // A patch value with nothing to merge into: merging into empty drops directives/nulls.
  Result<json> clean(const json& v) {
    if (v.is_object()) return merge_map(json::object(), v);
    if (v.is_array()) {
      if (auto r = rule()) return merge_list(json::array(), v, *r);
    }
    return v;
  }

  Result<void> retain_keys(json& original, const json& patch) {
    auto it = patch.find(kRetainKeys);
    if (it == patch.end()) return {};
    if (!it->is_array()) return fail_invalid("invalid patch format of retainKeys");
    auto listed = [&](const std::string& k) { return std::find(it->begin(), it->end(), json(k)) != it->end(); };
    for (const auto& [k, v] : patch.items()) {
      if (v.is_null() || k == kRetainKeys || k == kPatch || has_prefix(k, kDeleteFrom) || has_prefix(k, kSetOrder))
        continue;
      if (!listed(k)) return fail_invalid("patch content doesn't match retainKeys list");
    }
    for (auto o = original.begin(); o != original.end();) {
      if (listed(o.key())) ++o;
      else o = original.erase(o);
    }
    return {};
  }

  Result<void> set_element_order(json& original, const json& patch, const std::string& field, const json& order,
                                 std::set<std::string>& done) {
    if (!order.is_array()) return fail_invalid("invalid patch format of setElementOrder list");
    auto o = original.find(field);
    auto p = patch.find(field);
    const bool has_orig = o != original.end() && !o->is_null();
    const bool has_patch = p != patch.end();
    if (has_patch && p->is_null()) return {};  // "field: null" deletes; handled with the other keys
    if (has_orig && !o->is_array()) return fail(bad_arg_type("[]interface {}", *o));
    if (has_patch && !p->is_array()) return fail(bad_arg_type("[]interface {}", *p));
    done.insert(field);
    Descend d(path_, field);
    auto r = rule();
    const std::string key = r ? r->merge_key : "";
    if (has_patch)
      if (auto v = validate_order(*p, order, key); !v) return fail(v.error());
    json merged;
    if (has_orig && has_patch) {
      auto m = r ? merge_list(*o, *p, *r) : Result<json>(*p);
      if (!m) return fail(m.error());
      merged = std::move(*m);
    } else if (has_patch) {
      auto m = clean(*p);
      if (!m) return fail(m.error());
      merged = std::move(*m);
    } else if (has_orig) {
      merged = *o;
    } else {
      return {};
    }
    if (r) {  // only merging lists are reordered; an atomic list is what the patch says
      if (!key.empty())
        for (const auto& item : order)
          if (!item_key(item, key)) return fail(no_merge_key(item, key));
      auto sorted = reorder(merged, order, has_orig ? *o : json::array(), key);
      if (!sorted) return fail(sorted.error());
      merged = std::move(*sorted);
    }
    original[field] = std::move(merged);
    return {};
  }

  Result<void> delete_from_list(json& original, const std::string& field, const json& values) {
    if (!values.is_array()) return fail_invalid("invalid patch format of primitive list");
    auto it = original.find(field);
    if (it == original.end()) return {};
    if (!it->is_array()) return fail(bad_arg_type("[]interface {}", *it));
    json kept = json::array();
    for (auto& v : *it)
      if (std::find(values.begin(), values.end(), v) == values.end()) kept.push_back(v);
    *it = std::move(kept);
    return {};
  }

  Result<json> merge_list(json original, const json& patch, const MergeRule& rule) {
    if (original.empty() && patch.empty()) return original;
    auto maps = elements_are_maps(original, patch);
    if (!maps) return fail(maps.error());
    const std::string& key = rule.merge_key;
    if (!*maps) {
      json merged = json::array();
      for (const json* list : {static_cast<const json*>(&original), &patch})
        for (const auto& v : *list)
          if (std::find(merged.begin(), merged.end(), v) == merged.end()) merged.push_back(v);
      return reorder(merged, patch, original, "");
    }
    if (key.empty()) return fail_invalid("cannot merge lists without merge key for type map");
    json plain = json::array();
    bool replace = false;
    for (const auto& item : patch) {
      auto d = item.find(kPatch);
      if (d == item.end()) {
        plain.push_back(item);
      } else if (*d == "delete") {
        auto kv = item.find(key);
        if (kv == item.end()) return fail(no_merge_key(item, key));
        json kept = json::array();
        for (auto& o : original) {
          const json* ok = item_key(o, key);
          if (!ok || *ok != *kv) kept.push_back(std::move(o));
        }
        original = std::move(kept);
      } else if (*d == "replace") {
        replace = true;
      } else if (*d == "merge") {
        return fail_invalid("merging lists cannot yet be specified in the patch");
      } else {
        return fail(bad_patch_type(*d, item));
      }
    }
    if (replace) {
      original = json::array();
      for (const auto& item : plain) {
        auto c = merge_map(json::object(), item);
        if (!c) return fail(c.error());
        original.push_back(std::move(*c));
      }
      plain = json::array();
    }
    json merged = original;
    for (const auto& item : plain) {
      auto kv = item.find(key);
      if (kv == item.end()) return fail(no_merge_key(item, key));
      size_t i = 0;
      for (; i < merged.size(); ++i) {
        if (!merged[i].is_object()) return fail_invalid("value for key " + std::to_string(i) + " is not a map.");
        const json* mk = item_key(merged[i], key);
        if (mk && *mk == *kv) break;
      }
      auto m = merge_map(i < merged.size() ? merged[i] : json::object(), item);
      if (!m) return fail(m.error());
      if (i < merged.size()) merged[i] = std::move(*m);
      else merged.push_back(std::move(*m));
    }
    return reorder(merged, plain, original, key);
  }

  const PatchSchema& schema_;
  std::vector<std::string> path_;
  size_t calls_ = 0;
};

}  // namespace

Result<json> strategic_merge_patch(const json& original, const json& patch, const PatchSchema& schema) {
  const std::string target = " into Go value of type map[string]interface {}";
  if (!patch.is_object()) return fail_invalid("json: cannot unmarshal " + internal::go_json_word(patch) + target);
  if (!original.is_null() && !original.is_object())
    return fail_invalid("json: cannot unmarshal " + internal::go_json_word(original) + target);
  try {
    Merger merger(schema);
    return merger.merge_map(original.is_null() ? json::object() : original, patch);
  } catch (const std::exception& e) {
    return fail_invalid(std::string("strategic merge patch: ") + e.what());
  }
}

}  // namespace v6k::kube

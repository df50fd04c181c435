// Field sets as structured-merge-diff keeps them, stored directly in FieldsV1 shape: a
// tree keyed by path elements ("f:spec", "k:{\"name\":\"nginx\"}", "v:\"x\"", "i:0") whose
// nodes say whether that path itself is in the set ("." in FieldsV1 when it has children).
// Plus the walkers that derive sets from objects (fields_of, compare) and the managers
// list stored in metadata.managedFields.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kube/patch/strategic.h"

namespace v6k::kube::internal {

using PathElements = std::vector<std::string>;

struct FieldSet {
  bool member = false;
  std::map<std::string, FieldSet> children;

  bool empty() const { return !member && children.empty(); }
  void insert(std::span<const std::string> pes);
  void merge(const FieldSet& other);  // union, in place
  FieldSet minus(const FieldSet& other) const;
  FieldSet intersect(const FieldSet& other) const;
  // Node at `pes` (member or not), nullptr when nothing at or under it is in the set.
  const FieldSet* find(std::span<const std::string> pes) const;
  // Member paths, parents before children, in key order.
  std::vector<PathElements> members() const;

  json to_fields_v1() const;
  static FieldSet from_fields_v1(const json& v);  // tolerant: junk is ignored
};

// `.spec.containers[name="nginx"].image`
std::string path_text(std::span<const std::string> pes);

// Path element of a list item under a merging rule; nullopt when the item cannot be keyed.
// `names` is the field-name path of the list (for the ports protocol key).
std::optional<std::string> item_element(const json& item, const MergeRule& rule, std::span<const std::string> names);

// ToFieldSet: every leaf and every item of a merging list; maps are not members.
FieldSet fields_of(const json& obj, const PatchSchema& schema);

struct Comparison {
  FieldSet added, modified, removed;
  FieldSet changed() const;  // added ∪ modified
};
Comparison compare(const json& before, const json& after, const PatchSchema& schema);

// The object without the parts no manager owns (see apply.h).
json strip_untracked(const json& obj, std::string_view subresource);

// Removes `pes` from obj; maps emptied by the removal are removed as well.
void remove_path(json& obj, std::span<const std::string> pes, const PatchSchema& schema);

// live ⊕ config as structured-merge-diff merges: maps merge, merging lists merge by key
// (config order wins for shared items, live-only items keep their place), others replace.
json merge_config(const json& live, const json& config, const PatchSchema& schema);

struct Manager {
  std::string manager, operation, api_version, time, subresource;
  FieldSet fields;
  bool is(std::string_view name, std::string_view op, std::string_view version, std::string_view sub) const {
    return manager == name && operation == op && subresource == sub && (op == "Apply" || api_version == version);
  }
};
std::vector<Manager> decode_managers(const json& obj);
// Sorted as upstream (operation, time, manager, apiVersion, subresource); empty sets
// dropped; metadata.managedFields erased when nothing is left.
void encode_managers(json& obj, std::vector<Manager> managers);

}  // namespace v6k::kube::internal

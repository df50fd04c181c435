// Server-side apply and Update bookkeeping over field sets (see apply.h). The flow follows
// structured-merge-diff's Updater: merge the configuration into the live object, prune what
// this applier stopped applying, compare live with the result, and let every field that
// changed move away from the managers that owned it (or report them as conflicts).
#include "kube/patch/apply.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "kube/patch/internal/fieldset.h"

namespace v6k::kube {
namespace {

using internal::FieldSet;
using internal::Manager;

json without_managed_fields(json obj) {
  if (auto m = obj.find("metadata"); m != obj.end() && m->is_object()) m->erase("managedFields");
  return obj;
}

std::string go_quote(std::string_view s) { return json(std::string(s)).dump(); }

}  // namespace

Result<ApplyResult> server_side_apply(const json& live, const json& applied, std::string_view manager, bool force,
                                      std::string_view api_version, const PatchSchema& schema,
                                      std::string_view now) {
  if (!applied.is_object()) return fail_invalid("apply configuration must be an object");
  if (auto m = applied.find("metadata"); m != applied.end() && m->is_object()) {
    auto mf = m->find("managedFields");
    if (mf != m->end() && !mf->is_null()) return fail_invalid("metadata.managedFields must be nil");
  }
  if (!live.is_null() && !live.is_object()) return fail_invalid("live object must be an object");
  try {
    const json base = live.is_null() ? json::object() : live;
    std::vector<Manager> managers = internal::decode_managers(base);
    auto self = std::find_if(managers.begin(), managers.end(),
                             [&](const Manager& m) { return m.is(manager, "Apply", api_version, ""); });
    const FieldSet last = self == managers.end() ? FieldSet{} : self->fields;
    const FieldSet applying = internal::fields_of(internal::strip_untracked(applied, ""), schema);

    const json before = without_managed_fields(base);
    json merged = internal::merge_config(before, applied, schema);

    // Prune: fields this manager applied last time and no longer does, unless someone
    // (another manager, or this apply under them) still owns them.
    FieldSet keep = applying;
    for (auto it = managers.begin(); it != managers.end(); ++it)
      if (it != self) keep.merge(it->fields);
    for (const auto& pes : last.minus(applying).members())
      if (!keep.find(pes)) internal::remove_path(merged, pes, schema);

    auto cmp = internal::compare(internal::strip_untracked(before, ""), internal::strip_untracked(merged, ""), schema);
    const FieldSet changed = cmp.changed();
    std::vector<ApplyConflict> conflicts;
    for (auto it = managers.begin(); it != managers.end(); ++it) {
      if (it == self) continue;
      for (const auto& pes : it->fields.intersect(changed).members())
        conflicts.push_back({it->manager, internal::path_text(pes), it->operation, it->subresource, it->api_version});
    }
    if (!conflicts.empty() && !force) return ApplyResult{live, std::move(conflicts)};

    for (auto it = managers.begin(); it != managers.end(); ++it) {
      if (it == self) continue;
      it->fields = it->fields.minus(changed).minus(cmp.removed);
    }
    const bool unchanged = merged == before;
    if (self == managers.end()) {
      managers.push_back(Manager{std::string(manager), "Apply", std::string(api_version), std::string(now), "", {}});
      self = managers.end() - 1;
    } else if (!unchanged || self->api_version != api_version) {
      self->time = std::string(now);
    }
    self->api_version = std::string(api_version);
    self->fields = applying;
    internal::encode_managers(merged, std::move(managers));
    return ApplyResult{std::move(merged), {}};
  } catch (const std::exception& e) {
    return fail_invalid(std::string("server-side apply: ") + e.what());
  }
}

std::string conflict_cause(const ApplyConflict& c, std::string_view api_version) {
  std::string out = go_quote(c.manager);
  if (!c.subresource.empty()) out += " with subresource " + go_quote(c.subresource);
  if (c.operation != "Apply") out += " using " + (c.api_version.empty() ? std::string(api_version) : c.api_version);
  return "conflict with " + out;
}

std::string conflict_message(const std::vector<ApplyConflict>& conflicts, std::string_view api_version) {
  if (conflicts.size() == 1)
    return "Apply failed with 1 conflict: " + conflict_cause(conflicts[0], api_version) + ": " + conflicts[0].field;
  // Upstream groups by manager identity and prints the groups sorted.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::vector<const ApplyConflict*>> groups;
  for (const auto& c : conflicts) groups[{c.manager, c.operation, c.subresource, c.api_version}].push_back(&c);
  std::string out = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: ";
  bool first = true;
  for (const auto& [id, list] : groups) {
    out += (first ? "" : "\n") + std::string("conflicts with ") + conflict_cause(*list[0], api_version).substr(14) + ":";
    for (const auto* c : list) out += "\n- " + c->field;
    first = false;
  }
  return out;
}

void record_update(const json& old_obj, json& new_obj, std::string_view manager, std::string_view api_version,
                   std::string_view subresource, const PatchSchema& schema, std::string_view now) {
  if (!new_obj.is_object()) return;
  try {
    // Upstream takes managedFields from the request when it sets them (not for subresources).
    std::vector<Manager> managers;
    if (subresource.empty()) managers = internal::decode_managers(new_obj);
    if (managers.empty()) managers = internal::decode_managers(old_obj);

    const json before = internal::strip_untracked(old_obj.is_object() ? old_obj : json::object(), subresource);
    const json after = internal::strip_untracked(new_obj, subresource);
    auto cmp = internal::compare(before, after, schema);
    const FieldSet changed = cmp.changed();

    auto self = std::find_if(managers.begin(), managers.end(),
                             [&](const Manager& m) { return m.is(manager, "Update", api_version, subresource); });
    for (auto it = managers.begin(); it != managers.end(); ++it)
      if (it != self) it->fields = it->fields.minus(changed).minus(cmp.removed);
    if (!changed.empty()) {
      if (self == managers.end()) {
        managers.push_back(Manager{std::string(manager), "Update", std::string(api_version), std::string(now),
                                   std::string(subresource), changed});
      } else {
        self->fields = self->fields.minus(cmp.removed);
        self->fields.merge(changed);
        self->time = std::string(now);
      }
    } else if (self != managers.end()) {
      self->fields = self->fields.minus(cmp.removed);
    }
    internal::encode_managers(new_obj, std::move(managers));
  } catch (const std::exception&) {
    // Bookkeeping must never fail a write; the object keeps the managedFields it had.
  }
}

}  // namespace v6k::kube

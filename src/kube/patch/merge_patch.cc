// RFC 7386 merge patch. The recursion mirrors the RFC's pseudo code; nulls inside a
// value that is newly added are dropped too, because merging into a missing key starts
// from an empty object.
#include <stdexcept>

#include "kube/patch/patch.h"

namespace v6k::kube {
namespace {

// Deeper than any API object; bounds the recursion on hostile input.
constexpr int kMaxDepth = 200;

json merge_value(const json& target, const json& patch, int depth) {
  if (!patch.is_object()) return patch;
  if (depth > kMaxDepth) throw std::runtime_error("patch nested too deeply");
  json out = target.is_object() ? target : json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      out.erase(key);
      continue;
    }
    auto it = out.find(key);
    out[key] = merge_value(it == out.end() ? json() : *it, value, depth + 1);
  }
  return out;
}

}  // namespace

Result<json> json_merge_patch(const json& original, const json& patch) {
  // evanphx/json-patch rejects a null patch with this text; we reject every
  // non-object because the result must still be an API object.
  if (!patch.is_object()) return fail_invalid("Invalid JSON Patch");
  try {
    return merge_value(original, patch, 0);
  } catch (const std::exception& e) {
    return fail_invalid(std::string("merge patch: ") + e.what());
  }
}

}  // namespace v6k::kube

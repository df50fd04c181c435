// fuzz_patch: input = <kind byte><original JSON>\n<patch JSON>. Runs all three patch kinds
// and server-side apply on the pair. Invariants: no crash or sanitizer report, no exception;
// a merge patch applied twice equals it applied once; applying the same configuration again
// right after a (forced) apply by the same manager reports no conflicts and changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kube/patch/apply.h"
#include "kube/patch/patch.h"
#include "kube/patch/strategic.h"

using namespace v6k::kube;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char* const kinds[][2] = {{"", "Pod"}, {"apps", "Deployment"}, {"", "Service"}, {"", "Node"}};
  const auto& gk = kinds[data[0] % 4];
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  json original = json::parse(in.substr(0, nl), nullptr, false);
  json patch = json::parse(in.substr(nl + 1), nullptr, false);
  if (original.is_discarded() || patch.is_discarded()) return 0;
  PatchSchema schema = strategic_schema(gk[0], gk[1]);

  if (auto once = json_merge_patch(original, patch)) {
    auto twice = json_merge_patch(*once, patch);
    if (!twice || *twice != *once) std::abort();
  }
  if (auto r = json_patch(original, patch)) (void)r->dump();
  if (auto r = strategic_merge_patch(original, patch, schema)) {
    if (!r->is_object()) std::abort();
    json updated = *r;
    record_update(original, updated, "fuzz-update", "v1", data[0] & 4 ? "status" : "", schema, "t1");
  }

  const json live = original.is_object() ? original : json();
  if (auto first = server_side_apply(live, patch, "fuzz", true, "v1", schema, "t1")) {
    if (!first->conflicts.empty()) std::abort();  // force never reports conflicts
    auto again = server_side_apply(first->object, patch, "fuzz", false, "v1", schema, "t2");
    if (!again || !again->conflicts.empty() || again->object != first->object) std::abort();
    (void)conflict_message({{"m", ".a"}, {"n", ".b", "Apply"}}, "v1");
  }
  return 0;
}

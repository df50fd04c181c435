// fuzz_selector: label and field selector texts as they arrive in ?labelSelector= and
// ?fieldSelector=, and the same bytes as metav1.LabelSelector JSON when they parse as JSON.
// Invariants: no crash or sanitizer report; a parsed label selector's canonical text parses
// again to the same canonical text. (A selector from JSON may hold duplicate set values,
// which upstream's String() keeps and Parse() merges, so it must be stable after one trip.)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/selector/label_syntax.h"
#include "kube/selector/selector.h"

using namespace v6k::kube;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto s = LabelSelector::parse(text)) {
    std::string canon = s->to_string();
    auto again = LabelSelector::parse(canon);
    if (!again || again->to_string() != canon) std::abort();
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& r : s->requirements())
      if (!r.values.empty()) labels[r.key] = r.values.front();
    (void)s->matches(labels);
    (void)s->matches(nlohmann::json());
  }

  if (auto f = FieldSelector::parse(text)) {
    (void)f->matches([&](std::string_view field) -> std::optional<std::string> {
      if (field.size() % 2) return std::nullopt;
      return std::string(field);
    });
  }

  (void)label_key_errors(text);
  (void)label_value_errors(text);
  (void)dns1123_label_errors(text);
  (void)dns1123_subdomain_errors(text);

  // The same bytes as a metav1.LabelSelector, when they happen to be JSON.
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    if (auto s = LabelSelector::from_json(j)) {
      auto once = LabelSelector::parse(s->to_string());
      if (!once) std::abort();
      auto twice = LabelSelector::parse(once->to_string());
      if (!twice || twice->to_string() != once->to_string()) std::abort();
      (void)s->matches(j);
    }
  }
  return 0;
}

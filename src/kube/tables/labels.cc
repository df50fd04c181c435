// Label maps and label selectors rendered as upstream's labels.Set.String() and
// labels.Selector.String() (via metav1.LabelSelectorAsSelector) render them.
#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "kube/tables/internal.h"

namespace v6k::kube::tables {

namespace {

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// validation.IsQualifiedName's name part and IsValidLabelValue: at most 63 of
// [A-Za-z0-9_.-], starting and ending alphanumeric (a value may also be empty).
bool valid_name_part(std::string_view s, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253.
bool valid_prefix(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return lower_alnum(c) || c == '-' || c == '.'; });
}

bool valid_key(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return valid_name_part(key, false);
  if (key.find('/', slash + 1) != std::string_view::npos) return false;
  return valid_prefix(key.substr(0, slash)) && valid_name_part(key.substr(slash + 1), false);
}

// One labels.Requirement; `text` is its String() form.
struct Requirement {
  std::string key;
  std::string text;
};

std::optional<Requirement> make_requirement(const std::string& key, const std::string& op,
                                            std::vector<std::string> values) {
  if (!valid_key(key)) return std::nullopt;
  for (const auto& v : values)
    if (!valid_name_part(v, true)) return std::nullopt;
  std::sort(values.begin(), values.end());
  std::string joined;
  for (size_t i = 0; i < values.size(); ++i) joined += (i ? "," : "") + values[i];
  if (op == "=") {
    if (values.size() != 1) return std::nullopt;
    return Requirement{key, key + "=" + joined};
  }
  if (op == "In" || op == "NotIn") {
    if (values.empty()) return std::nullopt;
    return Requirement{key, key + (op == "In" ? " in (" : " notin (") + joined + ")"};
  }
  if (op == "Exists" || op == "DoesNotExist") {
    if (!values.empty()) return std::nullopt;
    return Requirement{key, (op == "Exists" ? "" : "!") + key};
  }
  return std::nullopt;  // not a valid label selector operator
}

}  // namespace

std::string format_labels(const Json& labels) {
  if (!labels.is_object() || labels.empty()) return "<none>";
  // nlohmann's object is a std::map: iteration is already sorted by key.
  std::string out;
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (!out.empty()) out += ',';
    out += it.key() + "=" + (it->is_string() ? it->get<std::string>() : std::string());
  }
  return out.empty() ? "<none>" : out;
}

std::optional<std::string> selector_string(const Json& selector) {
  if (!selector.is_object()) return std::string();  // labels.Nothing()
  std::vector<Requirement> reqs;
  for (auto it = obj(selector, {"matchLabels"}).begin();
       it != obj(selector, {"matchLabels"}).end(); ++it) {
    auto r = make_requirement(it.key(), "=",
                              {it->is_string() ? it->get<std::string>() : std::string()});
    if (!r) return std::nullopt;
    reqs.push_back(std::move(*r));
  }
  for (const Json& expr : arr(selector, {"matchExpressions"})) {
    std::vector<std::string> values;
    for (const Json& v : arr(expr, {"values"}))
      values.push_back(v.is_string() ? v.get<std::string>() : std::string());
    auto r = make_requirement(str(expr, {"key"}), str(expr, {"operator"}), std::move(values));
    if (!r) return std::nullopt;
    reqs.push_back(std::move(*r));
  }
  // Selector.Add sorts requirements by key.
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  std::string out;
  for (const auto& r : reqs) out += (out.empty() ? "" : ",") + r.text;
  return out;
}

std::string format_label_selector(const Json& selector) {
  auto s = selector_string(selector);
  if (!s) return "<error>";
  return s->empty() ? "<none>" : *s;
}

}  // namespace v6k::kube::tables

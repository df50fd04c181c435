// Label and field selectors as the Kubernetes API server reads them (apimachinery 1.32):
// the `?labelSelector=` / `?fieldSelector=` query texts, metav1.LabelSelector objects
// (Deployment spec.selector, Service-like matchLabels), matching and canonical text.
//
//   auto s = LabelSelector::parse("app=web,env in (a,b),!legacy");
//   if (!s) return bad_request(s.error().what());   // upstream's wording
//   if (s->matches(obj["metadata"]["labels"])) ...
//   s->to_string();   // "!legacy,app=web,env in (a,b)" (sorted by key, as upstream)
//
//   auto f = FieldSelector::parse("metadata.name=x,status.phase!=Running");
//   f->matches([&](std::string_view field) -> std::optional<std::string> { ... });
//
// Errors are EINVAL with upstream's text in what(), e.g.
//   parse("a,")  -> "found '', expected: identifier after ','"
//   parse("-x")  -> "unable to parse requirement: <nil>: Invalid value: \"-x\": name part ..."
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::kube {

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGreaterThan, kLessThan };
  std::string key;
  Op op;
  std::vector<std::string> values;  // from parse(): sorted, unique (upstream's string set)
};

class LabelSelector {
 public:
  // The text syntax of labels.Parse: "app=web,tier!=db,env in (a,b),env notin (c),!legacy,
  // release,x==y,n>3,n<7". "==" is read as "=" (they match alike; to_string writes "=").
  static Result<LabelSelector> parse(std::string_view text);
  // metav1.LabelSelector JSON {matchLabels:{}, matchExpressions:[{key, operator:
  // In|NotIn|Exists|DoesNotExist, values}]}; null or {} selects everything.
  static Result<LabelSelector> from_json(const nlohmann::json& selector);

  bool empty() const { return reqs_.empty(); }  // matches everything
  // labels: a JSON object of strings, or null/absent (= no labels).
  bool matches(const nlohmann::json& labels) const;
  // Canonical text as upstream String(): requirements sorted by key, set values sorted.
  std::string to_string() const;
  const std::vector<LabelRequirement>& requirements() const { return reqs_; }

 private:
  std::vector<LabelRequirement> reqs_;
};

struct FieldRequirement {
  std::string field;
  bool equal;         // "=" / "==" (true) or "!=" (false)
  std::string value;  // unescaped
};

class FieldSelector {
 public:
  // fields.ParseSelector: comma-separated "field=value", "field==value", "field!=value";
  // in values "\,", "\=" and "\\" are escapes, a bare ',' or '=' or other '\x' is an error.
  static Result<FieldSelector> parse(std::string_view text);
  bool empty() const { return reqs_.empty(); }
  // value_of(field): the object's value for that field; nullopt reads as "" (as upstream's
  // fields.Set.Get). Callers reject unsupported fields first, via requirements().
  bool matches(const std::function<std::optional<std::string>(std::string_view field)>& value_of) const;
  const std::vector<FieldRequirement>& requirements() const { return reqs_; }

 private:
  std::vector<FieldRequirement> reqs_;
};

}  // namespace v6k::kube

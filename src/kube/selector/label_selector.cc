// LabelSelector semantics besides parsing: upstream's NewRequirement validation (with its
// field-error texts), matching, canonical String(), and metav1.LabelSelector JSON.
#include <algorithm>
#include <cerrno>
#include <climits>

#include "kube/selector/go_quote.h"
#include "kube/selector/internal.h"
#include "kube/selector/label_syntax.h"

namespace v6k::kube {
namespace selector_internal {
namespace {

using Op = LabelRequirement::Op;

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

// Go's %#v of a []string, the bad value printed for arity errors.
std::string go_string_slice(const std::vector<std::string>& v) {
  if (v.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + go_quote(v[i]);
  return out + "}";
}

std::string invalid_slice(std::string_view path, const std::vector<std::string>& v,
                          std::string_view detail) {
  return std::string(path) + ": Invalid value: " + go_string_slice(v) + ": " + std::string(detail);
}

}  // namespace

std::string invalid_value(std::string_view path, std::string_view value, std::string_view detail) {
  return std::string(path) + ": Invalid value: " + go_quote(value) + ": " + std::string(detail);
}

std::string aggregate(const std::vector<std::string>& errs) {
  if (errs.size() == 1) return errs[0];
  std::vector<std::string> seen;
  for (const auto& e : errs)
    if (std::find(seen.begin(), seen.end(), e) == seen.end()) seen.push_back(e);
  if (seen.size() == 1) return seen[0];
  return "[" + join(seen, ", ") + "]";
}

bool parse_int64(std::string_view s, long long& out) {
  std::size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  unsigned long long v = 0;
  const unsigned long long limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = static_cast<unsigned>(s[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  out = neg ? static_cast<long long>(0ULL - v) : static_cast<long long>(v);
  return true;
}

Result<LabelRequirement> new_requirement(std::string key, Op op, std::vector<std::string> values) {
  std::vector<std::string> errs;
  if (auto ke = label_key_errors(key); !ke.empty()) errs.push_back(invalid_value("key", key, join(ke, "; ")));
  switch (op) {
    case Op::kIn: case Op::kNotIn:
      if (values.empty())
        errs.push_back(invalid_slice("values", values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case Op::kEquals: case Op::kNotEquals:
      if (values.size() != 1)
        errs.push_back(invalid_slice("values", values, "exact-match compatibility requires one single value"));
      break;
    case Op::kExists: case Op::kDoesNotExist:
      if (!values.empty())
        errs.push_back(invalid_slice("values", values, "values set must be empty for exists and does not exist"));
      break;
    case Op::kGreaterThan: case Op::kLessThan:
      if (values.size() != 1)
        errs.push_back(invalid_slice("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      for (std::size_t i = 0; i < values.size(); ++i) {
        long long n = 0;
        if (!parse_int64(values[i], n))
          errs.push_back(invalid_value("values[" + std::to_string(i) + "]", values[i],
                                       "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
      break;
  }
  for (std::size_t i = 0; i < values.size(); ++i)
    if (auto ve = label_value_errors(values[i]); !ve.empty())
      errs.push_back(invalid_value("values[" + std::to_string(i) + "][" + key + "]", values[i], join(ve, "; ")));
  if (!errs.empty()) return fail_invalid(aggregate(errs));
  return LabelRequirement{std::move(key), op, std::move(values)};
}

}  // namespace selector_internal

namespace {

using Op = LabelRequirement::Op;

bool requirement_matches(const LabelRequirement& r, const nlohmann::json& labels) {
  const nlohmann::json* v = nullptr;
  if (labels.is_object()) {
    auto it = labels.find(r.key);
    if (it != labels.end()) v = &*it;
  }
  // A non-string label value cannot come from a valid object; it reads as "".
  std::string value = v && v->is_string() ? v->get<std::string>() : std::string();
  auto has_value = [&] { return std::find(r.values.begin(), r.values.end(), value) != r.values.end(); };
  switch (r.op) {
    case Op::kEquals: case Op::kIn: return v && has_value();
    case Op::kNotEquals: case Op::kNotIn: return !v || !has_value();
    case Op::kExists: return v != nullptr;
    case Op::kDoesNotExist: return v == nullptr;
    case Op::kGreaterThan: case Op::kLessThan: {
      long long have = 0, want = 0;
      if (!v || r.values.size() != 1 || !selector_internal::parse_int64(value, have) ||
          !selector_internal::parse_int64(r.values[0], want))
        return false;
      return r.op == Op::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

std::string requirement_string(const LabelRequirement& r) {
  std::string out = r.op == Op::kDoesNotExist ? "!" + r.key : r.key;
  switch (r.op) {
    case Op::kExists: case Op::kDoesNotExist: return out;
    case Op::kEquals: out += "="; break;
    case Op::kNotEquals: out += "!="; break;
    case Op::kIn: out += " in ("; break;
    case Op::kNotIn: out += " notin ("; break;
    case Op::kGreaterThan: out += ">"; break;
    case Op::kLessThan: out += "<"; break;
  }
  std::vector<std::string> vals = r.values;
  std::sort(vals.begin(), vals.end());
  for (std::size_t i = 0; i < vals.size(); ++i) out += (i ? "," : "") + vals[i];
  if (r.op == Op::kIn || r.op == Op::kNotIn) out += ")";
  return out;
}

Result<std::string> json_string(const nlohmann::json& j, std::string_view what) {
  if (!j.is_string()) return fail_invalid(std::string(what) + " must be a string");
  return j.get<std::string>();
}

}  // namespace

bool LabelSelector::matches(const nlohmann::json& labels) const {
  for (const auto& r : reqs_)
    if (!requirement_matches(r, labels)) return false;
  return true;
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < reqs_.size(); ++i) out += (i ? "," : "") + requirement_string(reqs_[i]);
  return out;
}

Result<LabelSelector> LabelSelector::from_json(const nlohmann::json& selector) {
  LabelSelector sel;
  if (selector.is_null()) return sel;
  if (!selector.is_object()) return fail_invalid("label selector must be an object");
  if (auto ml = selector.find("matchLabels"); ml != selector.end() && !ml->is_null()) {
    if (!ml->is_object()) return fail_invalid("matchLabels must be an object");
    for (auto it = ml->begin(); it != ml->end(); ++it) {
      auto v = json_string(it.value(), "matchLabels values");
      if (!v) return fail(std::move(v.error()));
      auto r = selector_internal::new_requirement(it.key(), Op::kEquals, {std::move(*v)});
      if (!r) return fail(std::move(r.error()));
      sel.reqs_.push_back(std::move(*r));
    }
  }
  if (auto me = selector.find("matchExpressions"); me != selector.end() && !me->is_null()) {
    if (!me->is_array()) return fail_invalid("matchExpressions must be an array");
    for (const auto& e : *me) {
      if (!e.is_object()) return fail_invalid("matchExpressions items must be objects");
      std::string key, op_text;
      std::vector<std::string> values;
      if (auto k = e.find("key"); k != e.end() && !k->is_null()) {
        auto s = json_string(*k, "matchExpressions key");
        if (!s) return fail(std::move(s.error()));
        key = std::move(*s);
      }
      if (auto o = e.find("operator"); o != e.end() && !o->is_null()) {
        auto s = json_string(*o, "matchExpressions operator");
        if (!s) return fail(std::move(s.error()));
        op_text = std::move(*s);
      }
      if (auto vs = e.find("values"); vs != e.end() && !vs->is_null()) {
        if (!vs->is_array()) return fail_invalid("matchExpressions values must be an array");
        for (const auto& v : *vs) {
          auto s = json_string(v, "matchExpressions values");
          if (!s) return fail(std::move(s.error()));
          values.push_back(std::move(*s));
        }
      }
      Op op;
      if (op_text == "In") op = Op::kIn;
      else if (op_text == "NotIn") op = Op::kNotIn;
      else if (op_text == "Exists") op = Op::kExists;
      else if (op_text == "DoesNotExist") op = Op::kDoesNotExist;
      else return fail_invalid(go_quote(op_text) + " is not a valid label selector operator");
      auto r = selector_internal::new_requirement(std::move(key), op, std::move(values));
      if (!r) return fail(std::move(r.error()));
      sel.reqs_.push_back(std::move(*r));
    }
  }
  std::stable_sort(sel.reqs_.begin(), sel.reqs_.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  return sel;
}

}  // namespace v6k::kube

// FieldError construction, Go-style value rendering, path helpers, the small syntax
// checks kube/selector does not provide, and the 422 Status message.
#include <arpa/inet.h>

#include <set>

#include "kube/selector/go_quote.h"
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace gov {

std::string quote(std::string_view s) { return go_quote(s); }

std::string num(int64_t v) { return std::to_string(v); }

std::string string_map(const json& m) {
  if (!m.is_object()) return "map[string]string(nil)";
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : m.items()) {  // Go's fmt sorts map keys; so does json
    if (!first) out += ", ";
    first = false;
    out += quote(k) + ":" + quote(v.is_string() ? v.get<std::string>() : std::string());
  }
  return out + "}";
}

std::string string_slice(const json& a) {
  if (!a.is_array()) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += ", ";
    out += quote(a[i].is_string() ? a[i].get<std::string>() : std::string());
  }
  return out + "}";
}

std::string label_selector(const json& sel) {
  std::string out = "v1.LabelSelector{MatchLabels:" + string_map(at(sel, "matchLabels")) + ", MatchExpressions:";
  const json& exprs = at(sel, "matchExpressions");
  if (!exprs.is_array()) {
    out += "[]v1.LabelSelectorRequirement(nil)";
  } else {
    out += "[]v1.LabelSelectorRequirement{";
    for (size_t i = 0; i < exprs.size(); ++i) {
      if (i) out += ", ";
      out += "v1.LabelSelectorRequirement{Key:" + quote(str(exprs[i], "key")) +
             ", Operator:" + quote(str(exprs[i], "operator")) + ", Values:" + string_slice(at(exprs[i], "values")) + "}";
    }
    out += "}";
  }
  return out + "}";
}

std::string int_or_string(const json& v) {
  if (v.is_string()) return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + quote(v.get<std::string>()) + "}";
  return "intstr.IntOrString{Type:0, IntVal:" + num(detail::num(v)) + ", StrVal:\"\"}";
}

}  // namespace gov

void Errors::add(std::string reason, std::string field, std::string msg) {
  list_.push_back(FieldError{std::move(reason), std::move(field), std::move(msg)});
}

static std::string with_detail(std::string s, std::string_view detail) {
  if (!detail.empty()) {
    s += ": ";
    s += detail;
  }
  return s;
}

void Errors::required(std::string field, std::string_view detail) {
  add("FieldValueRequired", std::move(field), with_detail("Required value", detail));
}
void Errors::invalid(std::string field, std::string rendered, std::string_view detail) {
  add("FieldValueInvalid", std::move(field), with_detail("Invalid value: " + rendered, detail));
}
void Errors::not_supported(std::string field, std::string rendered, const std::vector<std::string>& valid) {
  std::string detail;
  for (const auto& v : valid) detail += (detail.empty() ? "supported values: " : ", ") + gov::quote(v);
  add("FieldValueNotSupported", std::move(field), with_detail("Unsupported value: " + rendered, detail));
}
void Errors::duplicate(std::string field, std::string rendered) {
  add("FieldValueDuplicate", std::move(field), "Duplicate value: " + rendered);
}
void Errors::forbidden(std::string field, std::string_view detail) {
  add("FieldValueForbidden", std::move(field), with_detail("Forbidden", detail));
}
void Errors::too_long(std::string field, int64_t max_bytes) {
  add("FieldValueTooLong", std::move(field),
      "Too long: may not be more than " + std::to_string(max_bytes) + (max_bytes == 1 ? " byte" : " bytes"));
}
void Errors::not_found(std::string field, std::string rendered) {
  add("FieldValueNotFound", std::move(field), "Not found: " + rendered);
}
void Errors::invalid_each(const std::string& field, std::string_view value, const std::vector<std::string>& msgs) {
  for (const auto& m : msgs) invalid(field, gov::quote(value), m);
}

std::string join(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return std::string(parent) + "." + std::string(child);
}
std::string idx(std::string_view parent, size_t i) { return std::string(parent) + "[" + std::to_string(i) + "]"; }
std::string key(std::string_view parent, std::string_view k) {
  return std::string(parent) + "[" + std::string(k) + "]";
}

const json& at(const json& obj, std::string_view name) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(name);
  return it == obj.end() ? kNull : *it;
}
std::string str(const json& obj, std::string_view name) {
  const json& v = at(obj, name);
  return v.is_string() ? v.get<std::string>() : std::string();
}
bool has(const json& obj, std::string_view name) { return !at(obj, name).is_null(); }
bool is_int(const json& v) {
  if (v.is_number_integer()) return true;
  return v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>()));
}
int64_t num(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (is_int(v)) return static_cast<int64_t>(v.get<double>());
  return 0;
}

static std::string regex_error(std::string msg, std::string_view fmt, std::initializer_list<std::string_view> examples) {
  msg += " (e.g. ";
  bool first = true;
  for (auto ex : examples) {
    if (!first) msg += " or ";
    first = false;
    msg += "'" + std::string(ex) + "', ";
  }
  return msg + "regex used for validation is '" + std::string(fmt) + "')";
}
static std::string max_len_error(int n) { return "must be no more than " + std::to_string(n) + " characters"; }
static bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::vector<std::string> dns1035_label_errors(std::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > 63) errs.push_back(max_len_error(63));
  bool ok = !s.empty() && s.front() >= 'a' && s.front() <= 'z' && lower_alnum(s.back());
  for (char c : s) ok = ok && (lower_alnum(c) || c == '-');
  if (!ok) {
    errs.push_back(regex_error(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> port_num_errors(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

std::vector<std::string> port_name_errors(std::string_view p) {
  std::vector<std::string> errs;
  if (p.size() > 15) errs.push_back(max_len_error(15));
  bool charset = !p.empty(), letter = false;
  for (char c : p) {
    charset = charset && (lower_alnum(c) || c == '-');
    letter = letter || (c >= 'a' && c <= 'z');
  }
  if (!charset) errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letter) errs.push_back("must contain at least one letter (a-z)");
  if (p.find("--") != std::string_view::npos) errs.push_back("must not contain consecutive hyphens");
  if (!p.empty() && (p.front() == '-' || p.back() == '-')) errs.push_back("must not begin or end with a hyphen");
  return errs;
}

std::vector<std::string> config_key_errors(std::string_view k) {
  std::vector<std::string> errs;
  if (k.size() > 253) errs.push_back(max_len_error(253));
  bool ok = !k.empty();
  for (char c : k) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.');
  }
  if (!ok) {
    errs.push_back(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                               "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  if (k == ".") {
    errs.push_back("must not be '.'");
  } else if (k == "..") {
    errs.push_back("must not be '..'");
  } else if (k.starts_with("..")) {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::vector<std::string> percent_errors(std::string_view s) {
  bool ok = s.size() >= 2 && s.back() == '%';
  for (size_t i = 0; ok && i + 1 < s.size(); ++i) ok = s[i] >= '0' && s[i] <= '9';
  if (ok) return {};
  return {regex_error("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%",
                      {"1%", "93%"})};
}

bool is_ip(std::string_view s) {
  std::string z(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, z.c_str(), buf) == 1 || inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

}  // namespace v6k::kube::detail

namespace v6k::kube {

std::string invalid_message(std::string_view group, std::string_view kind, std::string_view name,
                            const std::vector<FieldError>& errors) {
  std::string qualified(kind);
  if (!group.empty()) qualified += "." + std::string(group);
  // field.ErrorList.ToAggregate drops repeated texts; one error prints bare, several in [a, b].
  std::vector<std::string> msgs;
  std::set<std::string> seen;
  for (const auto& e : errors) {
    std::string m = e.field + ": " + e.message;
    if (seen.insert(m).second) msgs.push_back(std::move(m));
  }
  std::string out = qualified + " " + detail::gov::quote(name) + " is invalid: ";
  if (msgs.size() == 1) return out + msgs[0];
  out += "[";
  for (size_t i = 0; i < msgs.size(); ++i) out += (i ? ", " : "") + msgs[i];
  return out + "]";
}

}  // namespace v6k::kube

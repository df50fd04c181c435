// Query-protocol parameters: form decoding and the Name.N list / struct conventions.
#include "aws/query.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "aws/sigv4_internal.h"

namespace v6k::aws {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form decoding: '+' is a space, %XX a byte.
Result<std::string> form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) {
        return fail_invalid("malformed percent-escape at offset " + std::to_string(i));
      }
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    }
  }
  return out;
}

// "12" -> 12; rejects "", "0", "01", non-digits and absurd sizes.
std::optional<size_t> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 6 || s[0] == '0') return std::nullopt;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  return v;
}

// Groups keys "prefix.N<suffix>" by N (suffix "" for lists, ".rest" for structs) and
// checks the indices run 1..count without a gap.
template <typename Fn>
Result<size_t> scan_indices(const std::map<std::string, std::string, std::less<>>& values,
                            std::string_view prefix, Fn&& each) {
  std::string head = std::string(prefix) + ".";
  size_t max_index = 0;
  std::map<size_t, bool> seen;
  for (auto it = values.lower_bound(head); it != values.end() && it->first.starts_with(head); ++it) {
    std::string_view rest = std::string_view(it->first).substr(head.size());
    size_t dot = rest.find('.');
    std::string_view num = rest.substr(0, dot);
    auto idx = parse_index(num);
    if (!idx) {
      return fail_invalid("Value (" + std::string(num) + ") for parameter " + std::string(prefix) +
                          " index is invalid. List indices start at 1.");
    }
    seen[*idx] = true;
    max_index = std::max(max_index, *idx);
    auto r = each(*idx, dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1),
                  dot != std::string_view::npos, it->second);
    if (!r) return fail(std::move(r.error()));
  }
  if (seen.size() != max_index) {
    for (size_t i = 1; i <= max_index; ++i) {
      if (!seen.contains(i)) {
        return fail_invalid("The parameter " + std::string(prefix) + "." + std::to_string(i) +
                            " is missing: list members must be numbered 1.." +
                            std::to_string(max_index) + " without gaps.");
      }
    }
  }
  return max_index;
}

}  // namespace

bool QueryParams::insert(std::string key, std::string value) {
  return values_.emplace(std::move(key), std::move(value)).second;
}

std::optional<std::string> QueryParams::get(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<std::vector<std::string>> QueryParams::list(std::string_view prefix) const {
  std::map<size_t, std::string> items;
  auto n = scan_indices(values_, prefix,
                        [&](size_t idx, std::string_view, bool nested, const std::string& v) -> Result<> {
                          if (nested) {
                            return fail_invalid("The parameter " + std::string(prefix) + "." +
                                                std::to_string(idx) + " must be a plain value, not a structure.");
                          }
                          items[idx] = v;
                          return {};
                        });
  if (!n) return fail(std::move(n.error()));
  std::vector<std::string> out;
  out.reserve(items.size());
  for (auto& [i, v] : items) out.push_back(std::move(v));
  return out;
}

Result<std::vector<QueryParams>> QueryParams::structs(std::string_view prefix) const {
  std::map<size_t, QueryParams> items;
  auto n = scan_indices(values_, prefix,
                        [&](size_t idx, std::string_view rest, bool nested, const std::string& v) -> Result<> {
                          if (!nested || rest.empty()) {
                            return fail_invalid("The parameter " + std::string(prefix) + "." +
                                                std::to_string(idx) + " must be a structure (" +
                                                std::string(prefix) + "." + std::to_string(idx) +
                                                ".<Member>).");
                          }
                          items[idx].insert(std::string(rest), v);
                          return {};
                        });
  if (!n) return fail(std::move(n.error()));
  std::vector<QueryParams> out;
  out.reserve(items.size());
  for (auto& [i, q] : items) out.push_back(std::move(q));
  return out;
}

Result<std::optional<bool>> QueryParams::get_bool(std::string_view key) const {
  auto v = get(key);
  if (!v) return std::optional<bool>();
  std::string lower = *v;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return std::optional<bool>(true);
  if (lower == "false") return std::optional<bool>(false);
  return fail_invalid("Value (" + *v + ") for parameter " + std::string(key) +
                      " is invalid. Expected: 'true' or 'false'.");
}

Result<std::optional<long long>> QueryParams::get_int(std::string_view key) const {
  auto v = get(key);
  if (!v) return std::optional<long long>();
  long long out = 0;
  const char* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, out);
  if (v->empty() || ec != std::errc() || p != end) {
    return fail_invalid("Value (" + *v + ") for parameter " + std::string(key) +
                        " is invalid. Expected a numeric value.");
  }
  return std::optional<long long>(out);
}

Result<QueryParams> parse_query(std::string_view form_body) {
  QueryParams q;
  size_t start = 0;
  while (start <= form_body.size()) {
    size_t amp = form_body.find('&', start);
    if (amp == std::string_view::npos) amp = form_body.size();
    std::string_view pair = form_body.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    auto key = form_decode(raw_key);
    if (!key) return fail(std::move(key.error()).wrap("in parameter name '" + std::string(raw_key) + "'"));
    if (key->empty()) return fail_invalid("A parameter with an empty name was sent ('" + std::string(pair) + "').");
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto value = form_decode(raw_value);
    if (!value) return fail(std::move(value.error()).wrap("in the value of parameter " + *key));
    if (!q.insert(*key, std::move(*value))) {
      return fail_invalid("The parameter " + *key + " is specified more than once.");
    }
  }
  return q;
}

std::string form_encode(std::string_view s) { return internal::uri_encode(s, false); }

}  // namespace v6k::aws

// fields.ParseSelector (apimachinery 1.32): terms split on unescaped ',', each split at its
// first "!=", "==" or "=" (no escapes in the field name), the value unescaped.
#include <algorithm>

#include "kube/selector/selector.h"

namespace v6k::kube {
namespace {

// splitTerms: a backslash protects the next character from being a separator.
std::vector<std::string_view> split_terms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  std::size_t start = 0;
  bool in_slash = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (in_slash) {
      in_slash = false;
    } else if (s[i] == '\\') {
      in_slash = true;
    } else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

// UnescapeValue. Upstream prints the offending rune with %v, i.e. as its code point number.
Result<std::string> unescape(std::string_view s) {
  std::string out;
  bool in_slash = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        // Upstream walks runes: the sequence shown is '\' plus one whole UTF-8 character.
        std::size_t n = 1;
        while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
        return fail_invalid("invalid field selector: invalid escape sequence: \\" +
                            std::string(s.substr(i, n)));
      }
      out += c;
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      return fail_invalid("invalid field selector: unescaped character in value: " +
                          std::to_string(static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (in_slash) return fail_invalid("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  auto parts = split_terms(text);
  std::sort(parts.begin(), parts.end());
  FieldSelector sel;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    std::size_t at = std::string_view::npos, op_len = 0;
    bool equal = true;
    for (std::size_t i = 0; i < part.size() && at == std::string_view::npos; ++i) {
      std::string_view rest = part.substr(i);
      if (rest.starts_with("!=")) at = i, op_len = 2, equal = false;
      else if (rest.starts_with("==")) at = i, op_len = 2;
      else if (rest.starts_with("=")) at = i, op_len = 1;
    }
    if (at == std::string_view::npos)
      return fail_invalid("invalid selector: '" + std::string(text) + "'; can't understand '" +
                          std::string(part) + "'");
    auto value = unescape(part.substr(at + op_len));
    if (!value) return fail(std::move(value.error()));
    sel.reqs_.push_back({std::string(part.substr(0, at)), equal, std::move(*value)});
  }
  return sel;
}

bool FieldSelector::matches(
    const std::function<std::optional<std::string>(std::string_view field)>& value_of) const {
  for (const auto& r : reqs_) {
    std::string have = value_of(r.field).value_or("");
    if ((have == r.value) != r.equal) return false;
  }
  return true;
}

}  // namespace v6k::kube

#include "kube/scheduler/quantity.h"

#include <algorithm>
#include <limits>
#include <string>

namespace v6k::kube::scheduler {
namespace {

using u128 = unsigned __int128;

constexpr std::string_view kErrFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kErrSuffix = "unable to parse quantity's suffix";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_suffix_char(char c) { return std::string_view("eEinumkKMGTP").find(c) != std::string_view::npos; }

// Decimal power and binary power a suffix stands for.
struct Scale {
  int64_t exp10 = 0;
  int exp2 = 0;
};

bool interpret_suffix(std::string_view s, Scale& out) {
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"", 0}, {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (const auto& [name, e] : kDecimal) {
    if (s == name) {
      out = {e, 0};
      return true;
    }
  }
  for (const auto& [name, e] : kBinary) {
    if (s == name) {
      out = {0, e};
      return true;
    }
  }
  // Decimal exponent: e<signed int> / E<signed int> (the table wins for a lone "E").
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view num = s.substr(1);
    bool neg = false;
    if (num[0] == '+' || num[0] == '-') {
      neg = num[0] == '-';
      num.remove_prefix(1);
    }
    if (num.empty()) return false;
    int64_t v = 0;
    for (char c : num) {
      if (!is_digit(c)) return false;
      // Clamp: anything past 10^100000 is far outside int64 either way.
      v = std::min<int64_t>(v * 10 + (c - '0'), 100000);
    }
    out = {neg ? -v : v, 0};
    return true;
  }
  return false;
}

}  // namespace

Result<int64_t> parse_quantity_scaled(std::string_view text, int scale) {
  if (text.empty()) return fail_invalid(std::string(kErrFormatWrong));
  size_t pos = 0;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    pos = 1;
  }
  size_t int_begin = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  std::string_view int_digits = text.substr(int_begin, pos - int_begin);
  std::string_view frac_digits;
  if (pos < text.size() && text[pos] == '.') {
    size_t frac_begin = ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    frac_digits = text.substr(frac_begin, pos - frac_begin);
  }
  // Upstream reads a bare "." or "m" as zero; we insist on a digit (API validation does).
  if (int_digits.empty() && frac_digits.empty()) return fail_invalid(std::string(kErrFormatWrong));

  // Suffix: [eEinumkKMGTP]* [-+]? [0-9]* and nothing after it.
  size_t suffix_begin = pos;
  while (pos < text.size() && is_suffix_char(text[pos])) ++pos;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  if (pos != text.size()) return fail_invalid(std::string(kErrFormatWrong));
  Scale sc;
  if (!interpret_suffix(text.substr(suffix_begin), sc)) return fail_invalid(std::string(kErrSuffix));

  // The value is digits * 10^exp10 * 2^exp2 with `digits` stripped of leading and
  // trailing zeros.
  std::string digits;
  digits.reserve(int_digits.size() + frac_digits.size());
  digits.append(int_digits).append(frac_digits);
  int64_t exp10 = sc.exp10 + scale - static_cast<int64_t>(frac_digits.size());
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }

  // Split into integer part (at most 19 digits, or it cannot fit) and fraction digits.
  const int64_t n = static_cast<int64_t>(digits.size());
  const int64_t int_len = n + exp10;  // digits before the decimal point
  if (int_len > 19) return fail_invalid("quantity \"" + std::string(text) + "\" is too large");
  u128 int_part = 0;
  std::string_view frac;  // digits after the point, following `lead_zeros` zeros
  int64_t lead_zeros = 0;
  if (int_len <= 0) {
    lead_zeros = -int_len;
    frac = digits;
  } else {
    for (int64_t i = 0; i < int_len; ++i) int_part = int_part * 10 + (i < n ? digits[i] - '0' : 0);
    if (int_len < n) frac = std::string_view(digits).substr(int_len);
  }

  // floor(0.frac * 2^exp2) and whether anything is left over (then we round up).
  u128 frac_whole = 0;
  bool remainder = false;
  if (!frac.empty()) {
    if (sc.exp2 == 0) {
      remainder = true;
    } else {
      constexpr int64_t kMaxFrac = 20;  // 10^20 * 2^60 < 2^128
      int64_t len = lead_zeros + static_cast<int64_t>(frac.size());
      bool sticky = len > kMaxFrac;
      int64_t keep = std::min(len, kMaxFrac);
      u128 f = 0, den = 1;
      for (int64_t i = 0; i < keep; ++i) {
        f = f * 10 + (i < lead_zeros ? 0 : frac[i - lead_zeros] - '0');
        den *= 10;
      }
      u128 prod = f << sc.exp2;
      frac_whole = prod / den;
      remainder = sticky || prod % den != 0;
    }
  }
  u128 total = (int_part << sc.exp2) + frac_whole + (remainder ? 1 : 0);
  if (total > static_cast<u128>(std::numeric_limits<int64_t>::max())) {
    return fail_invalid("quantity \"" + std::string(text) + "\" is too large");
  }
  int64_t v = static_cast<int64_t>(total);
  return negative ? -v : v;
}

}  // namespace v6k::kube::scheduler

#include "kube/proto/wire.h"

#include <cstdio>

namespace v6k::kube::proto {

Result<std::uint64_t> Reader::varint() {
  std::uint64_t v = 0;
  // At most 10 bytes, as gogo's generated decoders (bits past 64 are dropped).
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (pos_ >= buf_.size()) return fail_invalid("truncated varint");
    auto b = static_cast<unsigned char>(buf_[pos_++]);
    if (shift < 64) v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
  return fail_invalid("varint longer than 10 bytes");
}

Result<Tag> Reader::tag() {
  auto v = varint();
  if (!v) return fail(std::move(v.error()));
  std::uint64_t field = *v >> 3;
  if (field == 0 || field > 0x1fffffff) return fail_invalid("invalid field number " + std::to_string(field));
  return Tag{static_cast<std::uint32_t>(field), static_cast<std::uint32_t>(*v & 7)};
}

Result<std::string_view> Reader::len_delimited() {
  auto n = varint();
  if (!n) return fail(std::move(n.error()));
  if (*n > buf_.size() - pos_) return fail_invalid("length " + std::to_string(*n) + " past the end of the message");
  std::string_view out = buf_.substr(pos_, static_cast<std::size_t>(*n));
  pos_ += static_cast<std::size_t>(*n);
  return out;
}

Result<void> Reader::skip(std::uint32_t wire) {
  std::size_t width = 0;
  switch (wire) {
    case kVarint: {
      auto v = varint();
      if (!v) return fail(std::move(v.error()));
      return {};
    }
    case kLen: {
      auto v = len_delimited();
      if (!v) return fail(std::move(v.error()));
      return {};
    }
    case kFixed64: width = 8; break;
    case kFixed32: width = 4; break;
    default: return fail_invalid("unsupported wire type " + std::to_string(wire));
  }
  if (width > buf_.size() - pos_) return fail_invalid("truncated fixed-width field");
  pos_ += width;
  return {};
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = at(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c < 0x80) n = 1;
    else if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      unsigned char b = at(i + k);
      ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

Result<std::string> rfc3339(std::int64_t seconds) {
  // Range check first, so the calendar arithmetic below cannot overflow.
  constexpr std::int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < kMin || seconds > kMax) return fail_invalid("time " + std::to_string(seconds) + " out of range");
  std::int64_t days = seconds / 86400, rem = seconds % 86400;
  if (rem < 0) rem += 86400, --days;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[128];  // roomy: the compiler cannot see the range checks above
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return std::string(buf);
}

}  // namespace v6k::kube::proto

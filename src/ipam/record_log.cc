#include "ipam/record_log.h"

#include <array>
#include <cstring>
#include <optional>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace v6k::ipam {
namespace {

constexpr uint8_t kTypeAlloc = 1;
constexpr uint8_t kTypeRelease = 2;
constexpr uint8_t kTypeFreed = 3;

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // Castagnoli
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& out, int64_t s) {
  auto v = static_cast<uint64_t>(s);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, const std::string& s) {
  put_u16(out, static_cast<uint16_t>(s.size()));
  out += s;
}
void put_v6(std::string& out, const addr::Ipv6Address& a) {
  out.append(reinterpret_cast<const char*>(a.bytes().data()), 16);
}
void put_u128_v6(std::string& out, addr::u128 v) {
  put_v6(out, addr::Ipv6Address::from_u128(v));
}

uint32_t get_u32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Bounds-checked reader over one record body.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == b_.size(); }
  const unsigned char* take(size_t n) {
    if (!ok_ || b_.size() - pos_ < n) {
      ok_ = false;
      return nullptr;
    }
    auto p = reinterpret_cast<const unsigned char*>(b_.data()) + pos_;
    pos_ += n;
    return p;
  }
  uint8_t u8() {
    auto p = take(1);
    return p ? p[0] : 0;
  }
  int64_t i64() {
    auto p = take(8);
    if (!p) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return static_cast<int64_t>(v);
  }
  uint32_t u32() {
    auto p = take(4);
    return p ? get_u32(p) : 0;
  }
  std::string str() {
    auto p = take(2);
    if (!p) return {};
    size_t n = size_t(p[0]) | size_t(p[1]) << 8;
    if (n > kMaxField) {
      ok_ = false;
      return {};
    }
    auto s = take(n);
    return s ? std::string(reinterpret_cast<const char*>(s), n) : std::string();
  }
  addr::Ipv6Address v6() {
    auto p = take(16);
    std::array<uint8_t, 16> b{};
    if (p) std::memcpy(b.data(), p, 16);
    return addr::Ipv6Address(b);
  }

 private:
  std::string_view b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::optional<Record> decode_body(std::string_view body) {
  Reader r(body);
  uint8_t type = r.u8();
  if (type == kTypeAlloc) {
    AllocRecord a;
    uint8_t flags = r.u8();
    if (flags & ~3u) return std::nullopt;
    if ((flags & 3u) == 2u) return std::nullopt;  // an allocation holds at least one address
    a.alloc.allocated_unix = r.i64();
    if (!(flags & 2u)) a.alloc.v6 = r.v6();
    if (flags & 1u) a.alloc.v4 = addr::Ipv4Address(r.u32());
    a.alloc.key.container_id = r.str();
    a.alloc.key.ifname = r.str();
    a.alloc.network = r.str();
    a.alloc.pod_namespace = r.str();
    a.alloc.pod_name = r.str();
    if (!r.ok() || !r.at_end()) return std::nullopt;
    return a;
  }
  if (type == kTypeRelease) {
    ReleaseRecord rel;
    rel.released_unix = r.i64();
    rel.key.container_id = r.str();
    rel.key.ifname = r.str();
    if (!r.ok() || !r.at_end()) return std::nullopt;
    return rel;
  }
  if (type == kTypeFreed) {
    FreedRecord f;
    uint8_t family = r.u8();
    if (family != 4 && family != 6) return std::nullopt;
    f.v4 = family == 4;
    f.released_unix = r.i64();
    f.address = f.v4 ? addr::u128(r.u32()) : r.v6().to_u128();
    if (!r.ok() || !r.at_end()) return std::nullopt;
    return f;
  }
  return std::nullopt;
}

size_t body_size(const Record& rec) {
  if (auto* a = std::get_if<AllocRecord>(&rec)) {
    const Allocation& x = a->alloc;
    return 1 + 1 + 8 + (x.v6 ? 16 : 0) + (x.v4 ? 4 : 0) + 5 * 2 + x.key.container_id.size() +
           x.key.ifname.size() + x.network.size() + x.pod_namespace.size() + x.pod_name.size();
  }
  if (auto* r = std::get_if<ReleaseRecord>(&rec))
    return 1 + 8 + 2 * 2 + r->key.container_id.size() + r->key.ifname.size();
  const auto& f = std::get<FreedRecord>(rec);
  return 1 + 1 + 8 + (f.v4 ? 4 : 16);
}

}  // namespace

namespace {

uint32_t crc32c_table(const unsigned char* p, size_t n, uint32_t crc) {
  while (n--) crc = kCrcTable[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// The SSE4.2 crc32 instruction computes exactly CRC-32C, 8 bytes per instruction: the
// checksum is most of the cost of loading a log.
__attribute__((target("sse4.2"))) uint32_t crc32c_hw(const unsigned char* p, size_t n,
                                                      uint32_t crc) {
  uint64_t c = crc;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  crc = static_cast<uint32_t>(c);
  for (; n > 0; --n) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}
// One CPUID leaf-1 query, made on first use. Not __builtin_cpu_supports: that links
// libgcc's __cpu_indicator_init, a start-up constructor issuing a dozen CPUID
// instructions, each a VM exit under virtualisation (~70 us per plugin run here).
bool have_sse42() {
  static const bool yes = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_SSE4_2) != 0;
  }();
  return yes;
}
#endif

}  // namespace

uint32_t crc32c(std::string_view data, uint32_t crc) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
#if defined(__x86_64__)
  if (have_sse42()) return ~crc32c_hw(p, data.size(), ~crc);
#endif
  return ~crc32c_table(p, data.size(), ~crc);
}

uint32_t crc32c_portable(std::string_view data, uint32_t crc) {
  return ~crc32c_table(reinterpret_cast<const unsigned char*>(data.data()), data.size(), ~crc);
}

size_t encoded_size(const Record& r) { return kFrameHeader + body_size(r); }

std::string encode_record(const Record& rec) {
  std::string body;
  body.reserve(body_size(rec));
  if (auto* a = std::get_if<AllocRecord>(&rec)) {
    const Allocation& x = a->alloc;
    body.push_back(static_cast<char>(kTypeAlloc));
    body.push_back(static_cast<char>((x.v4 ? 1 : 0) | (x.v6 ? 0 : 2)));
    put_i64(body, x.allocated_unix);
    if (x.v6) put_v6(body, *x.v6);
    if (x.v4) put_u32(body, x.v4->to_u32());
    put_str(body, x.key.container_id);
    put_str(body, x.key.ifname);
    put_str(body, x.network);
    put_str(body, x.pod_namespace);
    put_str(body, x.pod_name);
  } else if (auto* r = std::get_if<ReleaseRecord>(&rec)) {
    body.push_back(static_cast<char>(kTypeRelease));
    put_i64(body, r->released_unix);
    put_str(body, r->key.container_id);
    put_str(body, r->key.ifname);
  } else {
    const auto& f = std::get<FreedRecord>(rec);
    body.push_back(static_cast<char>(kTypeFreed));
    body.push_back(static_cast<char>(f.v4 ? 4 : 6));
    put_i64(body, f.released_unix);
    if (f.v4)
      put_u32(body, static_cast<uint32_t>(f.address));
    else
      put_u128_v6(body, f.address);
  }
  std::string out;
  out.reserve(kFrameHeader + body.size());
  put_u32(out, kFrameMagic);
  put_u32(out, static_cast<uint32_t>(body.size()));
  uint32_t crc = crc32c(std::string_view(out).substr(4, 4));
  put_u32(out, crc32c(body, crc));
  out += body;
  return out;
}

ScanStats scan_log(std::string_view bytes, const std::function<void(Record&&)>& sink) {
  ScanStats st;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t pos = 0;
  while (n - pos >= kFrameHeader) {
    bool valid = false;
    size_t len = 0;
    if (get_u32(p + pos) == kFrameMagic) {
      len = get_u32(p + pos + 4);
      if (len >= 1 && len <= kMaxBody && len <= n - pos - kFrameHeader) {
        uint32_t crc = crc32c(bytes.substr(pos + 4, 4));
        crc = crc32c(bytes.substr(pos + kFrameHeader, len), crc);
        valid = crc == get_u32(p + pos + 8);
      }
    }
    if (!valid) {
      ++pos;  // resynchronize on the next magic
      continue;
    }
    st.skipped_bytes += pos - st.valid_end;
    if (auto rec = decode_body(bytes.substr(pos + kFrameHeader, len))) {
      ++st.records;
      sink(std::move(*rec));
    } else {
      ++st.bad_records;
    }
    pos += kFrameHeader + len;
    st.valid_end = pos;
  }
  st.tail_garbage = n - st.valid_end;
  return st;
}

}  // namespace v6k::ipam

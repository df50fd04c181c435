// A tiny protobuf encoder for building request bodies in tests (test-only code). Like
// gogo's generated marshalers it is explicit: tests write every field kubectl would send,
// including zero non-pointer ones.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace v6k::kube::testing {

class Enc {
 public:
  Enc& varint_raw(std::uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
    return *this;
  }
  Enc& raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  Enc& tag(std::uint32_t field, std::uint32_t wire) { return varint_raw((std::uint64_t{field} << 3) | wire); }
  Enc& u(std::uint32_t field, std::uint64_t v) { return tag(field, 0).varint_raw(v); }
  Enc& i(std::uint32_t field, std::int64_t v) { return u(field, static_cast<std::uint64_t>(v)); }
  Enc& s(std::uint32_t field, std::string_view v) {
    tag(field, 2).varint_raw(v.size());
    out_.append(v);
    return *this;
  }
  Enc& m(std::uint32_t field, const Enc& sub) { return s(field, sub.out_); }
  // A map<string, string|bytes> entry.
  Enc& entry(std::uint32_t field, std::string_view k, std::string_view v) {
    return m(field, Enc().s(1, k).s(2, v));
  }
  Enc& quantity_entry(std::uint32_t field, std::string_view k, std::string_view q) {
    return m(field, Enc().s(1, k).m(2, Enc().s(1, q)));
  }
  const std::string& str() const { return out_; }

  // "k8s\0" + runtime.Unknown{TypeMeta{apiVersion, kind}, raw, contentEncoding "", contentType ""}.
  static std::string envelope(std::string_view api_version, std::string_view kind, const Enc& raw) {
    Enc unknown;
    unknown.m(1, Enc().s(1, api_version).s(2, kind)).m(2, raw).s(3, "").s(4, "");
    return std::string("k8s\0", 4) + unknown.str();
  }

 private:
  std::string out_;
};

// ObjectMeta as gogo writes it for a new object: every non-pointer field, zero Time.
inline Enc object_meta(std::string_view name) {
  Enc e;
  e.s(1, name).s(2, "").s(3, "").s(4, "").s(5, "").s(6, "").u(7, 0).m(8, Enc().u(1, 0).u(2, 0));
  return e;
}

}  // namespace v6k::kube::testing

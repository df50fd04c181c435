// Internal to src/ec2: JSON mapping for stored resources. Addresses and prefixes are stored
// in their canonical text; a stored value that no longer parses is reported, never guessed.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "addr/ip.h"
#include "common/result.h"

namespace nlohmann {

template <typename T>
struct v6k_text_serializer {
  static void to_json(json& j, const T& v) { j = v.to_string(); }
  static void from_json(const json& j, T& v) {
    auto r = T::parse(j.get<std::string>());
    if (!r) throw std::invalid_argument(r.error().message());
    v = *r;
  }
};
template <>
struct adl_serializer<v6k::addr::Ipv6Address> : v6k_text_serializer<v6k::addr::Ipv6Address> {};
template <>
struct adl_serializer<v6k::addr::Ipv4Address> : v6k_text_serializer<v6k::addr::Ipv4Address> {};
template <>
struct adl_serializer<v6k::addr::Ipv6Prefix> : v6k_text_serializer<v6k::addr::Ipv6Prefix> {};
template <>
struct adl_serializer<v6k::addr::Ipv4Prefix> : v6k_text_serializer<v6k::addr::Ipv4Prefix> {};

}  // namespace nlohmann

namespace v6k::ec2 {

// Decodes a stored JSON object into T (which has from_json); errors name what and why.
template <typename T>
Result<T> decode_stored(std::string_view text, const char* what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return fail_invalid(std::string("stored ") + what + " is not a JSON object");
  try {
    return j.get<T>();
  } catch (const std::exception& e) {
    return fail_invalid(std::string("stored ") + what + ": " + e.what());
  }
}

}  // namespace v6k::ec2

// SigV4 canonicalisation helpers shared by the signer and the verifier (not for other
// modules: include only from src/aws).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v6k::aws::internal {

bool is_unreserved(char c);
// Percent-encodes every byte outside the RFC 3986 unreserved set (and '/' if kept), upper hex.
std::string uri_encode(std::string_view s, bool keep_slash);
// botocore's remove_dot_segments: drops "." and "..", collapses "//"; "" -> "/".
std::string normalize_path(std::string_view path);
// %XX decoding only ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> decode_component(std::string_view s);
// Raw "k=v" pairs in order; empty pairs skipped, a missing '=' gives an empty value.
std::vector<std::pair<std::string_view, std::string_view>> split_query(std::string_view q);
// Sorted, re-encoded canonical query; optionally without X-Amz-Signature.
std::string canonical_query(std::string_view query, bool drop_signature);

}  // namespace v6k::aws::internal

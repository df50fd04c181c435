// Protobuf wire format reading (varints, length-delimited fields, skipping) and the JSON
// spellings Go uses for bytes, times and non-UTF-8 text. Internal to kube_proto.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace v6k::kube::proto {

enum Wire : std::uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

struct Tag {
  std::uint32_t field;
  std::uint32_t wire;
};

// A cursor over one message's bytes. Every read checks bounds; errors are EINVAL.
class Reader {
 public:
  explicit Reader(std::string_view buf) : buf_(buf) {}
  bool done() const { return pos_ >= buf_.size(); }
  Result<std::uint64_t> varint();
  Result<Tag> tag();
  Result<std::string_view> len_delimited();
  // Skips the value of a field of an unknown number (groups are refused: k8s never sends them).
  Result<void> skip(std::uint32_t wire);

 private:
  std::string_view buf_;
  std::size_t pos_ = 0;
};

// Go's encoding/json: each byte that is not part of valid UTF-8 becomes U+FFFD.
std::string to_valid_utf8(std::string_view s);
// metav1.Time's JSON: RFC 3339 in UTC with whole seconds; years outside 0..9999 are refused.
Result<std::string> rfc3339(std::int64_t seconds);

}  // namespace v6k::kube::proto

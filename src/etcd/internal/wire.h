// The etcd 3.4 JSON gateway's encoding: keys and values are padded standard base64,
// int64 fields are JSON strings, zero/false/empty fields are omitted, and errors are
// HTTP 400 with {"error","message","code"} (shared/reference/streaming-and-etcd.md).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/store.h"

namespace v6k::etcd::internal {

using json = nlohmann::json;

std::string b64encode(std::string_view raw);
Result<std::string> b64decode(std::string_view text);

// The range_end that selects every key starting with `prefix`: the prefix with its last
// byte below 0xff incremented (trailing 0xff bytes dropped). "\0" (= to the end of the
// keyspace) for "" and for all-0xff prefixes, as etcd's clientv3.GetPrefixRangeEnd.
std::string prefix_end(std::string_view prefix);

// An int64 field: absent = 0; the gateway writes strings but numbers are accepted too.
int64_t int_field(const json& obj, const char* name);
// A kv object ({key, value, create_revision, mod_revision, version}); absent fields = 0/"".
Result<store::KeyValue> parse_kv(const json& obj);

// The reply of a POST: HTTP status and body. 200 → the parsed body; an etcd error → an
// Error with the store's codes (ERANGE compacted, EOVERFLOW future, EINVAL invalid
// argument, EIO otherwise) and etcd's own message as detail.
Result<json> decode_reply(unsigned status, const std::string& body);

}  // namespace v6k::etcd::internal

// The AWS query protocol (EC2, STS): form-encoded request parameters.
//
//   auto q = aws::parse_query(req.body);          // "Action=DescribeInstances&Filter.1.Name=..."
//   if (!q) return aws::ec2_error(400, "InvalidParameterValue", q.error().what(), rid);
//   auto filters = q->structs("Filter");          // [{Name: ..., Value.1: ...}, ...]
//   for (auto& f : *filters) { auto name = f.get("Name"); auto values = f.list("Value"); }
//
// Lists are "Prefix.1", "Prefix.2", ... (1-based, contiguous; EC2 never uses ".member").
// Errors carry EC2's wording in Error::what() so they can be returned to the client as-is.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace v6k::aws {

class QueryParams {
 public:
  QueryParams() = default;

  // The value of `key`, if present (an empty value is present and "").
  std::optional<std::string> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }

  // Values of Prefix.1 .. Prefix.N. Empty when none. A gap, Prefix.0, a non-numeric or
  // leading-zero index is an error.
  Result<std::vector<std::string>> list(std::string_view prefix) const;
  // Elements of Prefix.N.<rest>: each a QueryParams holding <rest> -> value.
  // Same index rules as list().
  Result<std::vector<QueryParams>> structs(std::string_view prefix) const;

  // Typed getters, nullopt when absent, an InvalidParameterValue-worded error when bad.
  // Booleans accept "true"/"false" (case-insensitive, as EC2 does).
  Result<std::optional<bool>> get_bool(std::string_view key) const;
  Result<std::optional<long long>> get_int(std::string_view key) const;

  // Every key, sorted; for "unknown parameter" checks and debugging.
  const std::map<std::string, std::string, std::less<>>& all() const { return values_; }
  // Adds a key; returns false when it is already present.
  bool insert(std::string key, std::string value);

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// Parses application/x-www-form-urlencoded ('+' is space, %XX decoded). Duplicate keys,
// malformed escapes and empty keys are errors naming the offending key.
Result<QueryParams> parse_query(std::string_view form_body);

// Form-encodes one component the way botocore does (RFC 3986 unreserved kept).
std::string form_encode(std::string_view s);

}  // namespace v6k::aws

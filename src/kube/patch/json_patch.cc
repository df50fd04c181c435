// RFC 6902 JSON patch with the error texts of evanphx/json-patch v4 (the library behind
// the API server's application/json-patch+json). Like that library, array indices may be
// negative (counted from the end) and "test" of a missing key passes only when the
// operation has no "value" at all.
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "kube/patch/patch.h"

namespace v6k::kube {
namespace {

// pkg/errors wrapping appends the cause after ": ".
const char* const kMissing = ": missing value";
const char* const kInvalidIndex = ": invalid index referenced";

std::optional<std::vector<std::string>> parse_pointer(const std::string& path) {
  std::vector<std::string> parts;
  if (path.empty()) return parts;
  if (path[0] != '/') return std::nullopt;
  std::string cur;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      parts.push_back(cur);
      cur.clear();
    } else if (path[i] == '~' && i + 1 < path.size() && (path[i + 1] == '0' || path[i + 1] == '1')) {
      cur += path[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      cur += path[i];
    }
  }
  return parts;
}

// strconv.Atoi: optional sign then decimal digits.
std::optional<long long> atoi_go(const std::string& s) {
  std::string_view v = s;
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (v.empty() || v[0] == '+') return std::nullopt;
  long long out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return out;
}

std::string atoi_error(const std::string& key) {
  return "strconv.Atoi: parsing \"" + key + "\": invalid syntax";
}

std::string invalid_index(long long idx) {
  return "Unable to access invalid index: " + std::to_string(idx) + kInvalidIndex;
}

// Resolves an array index for get/set/remove: negative counts from the end.
std::optional<size_t> element_index(const json& arr, long long idx) {
  const auto n = static_cast<long long>(arr.size());
  if (idx < 0) {
    if (idx < -n) return std::nullopt;
    idx += n;
  }
  if (idx >= n) return std::nullopt;
  return static_cast<size_t>(idx);
}

// Walks all but the last token; nullptr when an intermediate value is missing or scalar.
json* find_container(json& doc, const std::vector<std::string>& parts) {
  if (parts.empty()) return nullptr;
  json* cur = &doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (cur->is_object()) {
      auto it = cur->find(parts[i]);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = atoi_go(parts[i]);
      if (!idx) return nullptr;
      auto at = element_index(*cur, *idx);
      if (!at) return nullptr;
      cur = &(*cur)[*at];
    } else {
      return nullptr;
    }
  }
  return cur->is_object() || cur->is_array() ? cur : nullptr;
}

// get: nullptr + empty error = missing key of an object (not an error by itself).
json* get_child(json& con, const std::string& key, std::string& err) {
  if (con.is_object()) {
    auto it = con.find(key);
    return it == con.end() ? nullptr : &*it;
  }
  auto idx = atoi_go(key);
  if (!idx) {
    err = atoi_error(key);
    return nullptr;
  }
  auto at = element_index(con, *idx);
  if (!at) {
    err = invalid_index(*idx);
    return nullptr;
  }
  return &con[*at];
}

std::string add_child(json& con, const std::string& key, json value) {
  if (con.is_object()) {
    con[key] = std::move(value);
    return {};
  }
  if (key == "-") {
    con.push_back(std::move(value));
    return {};
  }
  auto idx = atoi_go(key);
  if (!idx) return "value was not a proper array index: '" + key + "': " + atoi_error(key);
  const auto size = static_cast<long long>(con.size()) + 1;
  long long i = *idx;
  if (i >= size || i < -size) return invalid_index(i);
  if (i < 0) i += size;
  con.insert(con.begin() + i, std::move(value));
  return {};
}

std::string remove_child(json& con, const std::string& key) {
  if (con.is_object()) {
    if (con.erase(key) == 0) return "Unable to remove nonexistent key: " + key + kMissing;
    return {};
  }
  auto idx = atoi_go(key);
  if (!idx) return atoi_error(key);
  auto at = element_index(con, *idx);
  if (!at) return invalid_index(*idx);
  con.erase(con.begin() + static_cast<std::ptrdiff_t>(*at));
  return {};
}

std::optional<std::string> string_field(const json& op, const char* name) {
  auto it = op.find(name);
  if (it == op.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

json op_value(const json& op) {
  auto it = op.find("value");
  return it == op.end() ? json() : *it;
}

class Applier {
 public:
  explicit Applier(json doc) : doc_(std::move(doc)) {}
  json& doc() { return doc_; }

  std::string apply(const json& op) {
    if (!op.is_object()) return "json: cannot unmarshal " + std::string(op.type_name()) +
                                " into Go value of type jsonpatch.Operation";
    std::string kind = string_field(op, "op").value_or("unknown");
    if (kind == "add") return add(op);
    if (kind == "remove") return remove(op);
    if (kind == "replace") return replace(op);
    if (kind == "move") return move(op);
    if (kind == "copy") return copy(op);
    if (kind == "test") return test(op);
    return "Unexpected kind: " + kind;
  }

 private:
  std::string add(const json& op) {
    auto path = string_field(op, "path");
    if (!path) return std::string("add operation failed to decode path") + kMissing;
    auto parts = parse_pointer(*path);
    if (parts && parts->empty()) {  // RFC 6902: "" names the whole document
      doc_ = op_value(op);
      return {};
    }
    json* con = parts ? find_container(doc_, *parts) : nullptr;
    if (!con) return "add operation does not apply: doc is missing path: \"" + *path + "\"" + kMissing;
    std::string err = add_child(*con, parts->back(), op_value(op));
    return err.empty() ? err : "error in add for path: '" + *path + "': " + err;
  }

  std::string remove(const json& op) {
    auto path = string_field(op, "path");
    if (!path) return std::string("remove operation failed to decode path") + kMissing;
    auto parts = parse_pointer(*path);
    json* con = parts ? find_container(doc_, *parts) : nullptr;
    if (!con) return "remove operation does not apply: doc is missing path: \"" + *path + "\"" + kMissing;
    std::string err = remove_child(*con, parts->back());
    return err.empty() ? err : "error in remove for path: '" + *path + "': " + err;
  }

  std::string replace(const json& op) {
    auto path = string_field(op, "path");
    if (!path)
      return std::string("replace operation failed to decode path: operation missing path field") + kMissing;
    auto parts = parse_pointer(*path);
    if (parts && parts->empty()) {
      doc_ = op_value(op);
      return {};
    }
    json* con = parts ? find_container(doc_, *parts) : nullptr;
    if (!con) return "replace operation does not apply: doc is missing path: " + *path + kMissing;
    std::string err;
    json* cur = get_child(*con, parts->back(), err);
    if (!cur) return "replace operation does not apply: doc is missing key: " + *path + kMissing;
    *cur = op_value(op);
    return {};
  }

  // Shared by move and copy: finds the value at "from".
  std::string take_from(const json& op, const char* verb, json& out, bool remove_it) {
    auto from = string_field(op, "from");
    if (!from) return std::string(verb) + " operation failed to decode from: operation, missing from field" + kMissing;
    auto parts = parse_pointer(*from);
    json* con = parts ? find_container(doc_, *parts) : nullptr;
    if (!con) return std::string(verb) + " operation does not apply: doc is missing from path: " + *from + kMissing;
    std::string err;
    json* cur = get_child(*con, parts->back(), err);
    if (!cur) {
      if (err.empty()) err = "Unable to remove nonexistent key: " + parts->back() + kMissing;
      return "error in " + std::string(verb) + " for path: '" + parts->back() + "': " + err;
    }
    out = *cur;
    if (remove_it) return remove_child(*con, parts->back());
    return {};
  }

  std::string put_to(const json& op, const char* verb, json value) {
    auto path = string_field(op, "path");
    if (!path) return std::string(verb) + " operation failed to decode path" + kMissing;
    auto parts = parse_pointer(*path);
    if (parts && parts->empty()) {
      doc_ = std::move(value);
      return {};
    }
    json* con = parts ? find_container(doc_, *parts) : nullptr;
    if (!con)
      return std::string(verb) + " operation does not apply: doc is missing destination path: " + *path + kMissing;
    std::string err = add_child(*con, parts->back(), std::move(value));
    return err.empty() ? err : "error in " + std::string(verb) + " for path: '" + *path + "': " + err;
  }

  std::string move(const json& op) {
    // RFC 6902 4.4: a location cannot be moved into one of its children.
    auto from = string_field(op, "from");
    auto path = string_field(op, "path");
    if (from && path && path->size() > from->size() && path->compare(0, from->size(), *from) == 0 &&
        (*path)[from->size()] == '/')
      return "move operation does not apply: from " + *from + " is a prefix of path " + *path;
    json value;
    if (auto err = take_from(op, "move", value, true); !err.empty()) return err;
    return put_to(op, "move", std::move(value));
  }

  std::string copy(const json& op) {
    json value;
    if (auto err = take_from(op, "copy", value, false); !err.empty()) return err;
    return put_to(op, "copy", std::move(value));
  }

  std::string test(const json& op) {
    auto path = string_field(op, "path");
    if (!path) return std::string("test operation failed to decode path: operation missing path field") + kMissing;
    auto parts = parse_pointer(*path);
    const bool has_value = op.contains("value");
    const std::string failed = "testing value " + *path + " failed: test failed";
    if (parts && parts->empty()) return has_value && doc_ == op["value"] ? std::string() : failed;
    json* con = parts ? find_container(doc_, *parts) : nullptr;
    if (!con) return "test operation does not apply: is missing path: " + *path + kMissing;
    std::string err;
    json* cur = get_child(*con, parts->back(), err);
    if (!err.empty()) return "error in test for path: '" + *path + "': " + err;
    if (!cur) return has_value ? failed : std::string();
    if (!has_value || *cur != op["value"]) return failed;
    return {};
  }

  json doc_;
};

}  // namespace

Result<json> json_patch(const json& original, const json& operations) {
  if (!operations.is_array())
    return fail_invalid("json: cannot unmarshal " + std::string(operations.type_name()) +
                        " into Go value of type jsonpatch.Patch");
  try {
    Applier applier(original);
    for (const auto& op : operations) {
      std::string err = applier.apply(op);
      if (!err.empty()) return fail_invalid(err);
    }
    return std::move(applier.doc());
  } catch (const std::exception& e) {
    return fail_invalid(std::string("json patch: ") + e.what());
  }
}

}  // namespace v6k::kube

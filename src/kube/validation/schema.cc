// Parses the schema table once and walks objects against it for unknown fields.
#include "kube/validation/schema.h"

#include <sstream>

#include "kube/validation/internal.h"
#include "kube/validation/schema_internal.h"

namespace v6k::kube::detail {

namespace {

struct Parsed {
  Schema types;
  std::map<std::string, std::vector<std::string>> includes;  // +Other, resolved after reading
};

Schema parse() {
  Parsed p;
  std::istringstream lines(kSchemaText);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    SchemaType& t = p.types[name];
    std::istringstream tokens(line.substr(colon + 2));
    std::string tok;
    while (tokens >> tok) {
      if (tok[0] == '+') {
        p.includes[name].push_back(tok.substr(1));
        continue;
      }
      SchemaField f;
      auto c = tok.find(':');
      std::string field = tok.substr(0, c);
      if (c != std::string::npos) {
        std::string type = tok.substr(c + 1);
        if (type.size() > 2 && type.front() == '[') {
          f.shape = SchemaField::Shape::kList;
          f.type = type.substr(1, type.size() - 2);
        } else {
          f.shape = SchemaField::Shape::kObject;
          f.type = type;
        }
      }
      t[field] = f;
    }
  }
  for (const auto& [name, others] : p.includes) {
    for (const auto& o : others) {
      auto it = p.types.find(o);
      if (it != p.types.end()) p.types[name].insert(it->second.begin(), it->second.end());
    }
  }
  return p.types;
}

void walk(const json& value, const SchemaType& type, const std::string& path, std::vector<std::string>& out) {
  if (!value.is_object()) return;
  const Schema& s = schema();
  for (const auto& [k, v] : value.items()) {
    std::string p = join(path, k);
    auto f = type.find(k);
    if (f == type.end()) {
      out.push_back(p);
      continue;
    }
    if (f->second.shape == SchemaField::Shape::kLeaf) continue;
    auto t = s.find(f->second.type);
    if (t == s.end()) continue;
    if (f->second.shape == SchemaField::Shape::kObject) {
      walk(v, t->second, p, out);
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) walk(v[i], t->second, idx(p, i), out);
    }
  }
}

}  // namespace

const Schema& schema() {
  static const Schema s = parse();
  return s;
}

std::vector<std::string> schema_undefined_types() {
  std::vector<std::string> missing;
  for (const auto& [name, type] : schema()) {
    for (const auto& [field, f] : type) {
      if (f.shape != SchemaField::Shape::kLeaf && !schema().contains(f.type)) missing.push_back(name + "." + field);
    }
  }
  return missing;
}

}  // namespace v6k::kube::detail

namespace v6k::kube {

std::vector<std::string> unknown_fields(std::string_view group, std::string_view kind, const nlohmann::json& obj) {
  std::vector<std::string> out;
  try {
    std::string name = "Kind.";
    if (!group.empty()) name += std::string(group) + ".";
    name += kind;
    const auto& s = detail::schema();
    auto it = s.find(name);
    if (it != s.end()) detail::walk(obj, it->second, "", out);
  } catch (const std::exception&) {
    // Unreachable: the walk only reads type-checked values.
  }
  return out;
}

std::string strict_decoding_message(const std::vector<std::string>& unknown) {
  std::string out = "strict decoding error: ";
  for (size_t i = 0; i < unknown.size(); ++i) {
    if (i) out += ", ";
    out += "unknown field " + detail::gov::quote(unknown[i]);
  }
  return out;
}

}  // namespace v6k::kube

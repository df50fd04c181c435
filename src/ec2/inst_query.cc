#include "ec2/inst_query.h"

#include <mutex>
#include <unordered_map>

namespace v6k::ec2 {
namespace {

template <typename T>
class DecodedCache {
 public:
  std::expected<std::vector<std::shared_ptr<const T>>, ApiError> load(store::Store& s, std::string_view prefix,
                                                                      const char* what) {
    auto l = s.list(prefix);
    if (!l) return std::unexpected(internal_error(l.error()));
    std::vector<std::shared_ptr<const T>> out;
    out.reserve(l->items.size());
    std::lock_guard lock(mu_);
    ++generation_;
    for (auto& kv : l->items) {
      auto it = entries_.find(kv.key);
      if (it != entries_.end() && it->second.text == kv.value) {
        it->second.generation = generation_;
        out.push_back(it->second.value);
        continue;
      }
      auto v = decode_stored<T>(kv.value, what);
      if (!v) return std::unexpected(internal_error(v.error()));
      auto shared = std::make_shared<const T>(std::move(*v));
      out.push_back(shared);
      entries_.insert_or_assign(std::move(kv.key), Entry{std::move(kv.value), shared, generation_});
    }
    // Keys gone from the store leave the cache (a list sees every key of the prefix).
    std::erase_if(entries_, [&](const auto& e) { return e.second.generation != generation_; });
    return out;
  }

 private:
  struct Entry {
    std::string text;
    std::shared_ptr<const T> value;
    uint64_t generation = 0;
  };
  std::mutex mu_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::expected<void, ApiError> check_id_format(const std::string& id, const std::string& prefix,
                                              const std::string& malformed_code) {
  if (id.size() > prefix.size() + 1 && id.compare(0, prefix.size() + 1, prefix + "-") == 0) return {};
  return std::unexpected(api_error(malformed_code, "Invalid id: \"" + id + "\" (expecting \"" + prefix + "-...\")"));
}

ApiError ids_not_found(const std::string& code, const std::string& what, const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  if (ids.size() == 1) return api_error(code, "The " + what + " ID '" + list + "' does not exist");
  return api_error(code, "The " + what + " IDs '" + list + "' do not exist");
}

std::expected<GroupNames, ApiError> load_group_names(store::Store& s) {
  auto groups = load_all<SecurityGroup>(s, kSecurityGroupPrefix, "security group");
  if (!groups) return std::unexpected(groups.error());
  GroupNames out;
  out.reserve(groups->size());
  for (auto& g : *groups) out.emplace(std::move(g.id), std::move(g.name));
  return out;
}

std::expected<std::vector<EniPtr>, ApiError> load_network_interfaces(store::Store& s) {
  static DecodedCache<NetworkInterface> cache;
  return cache.load(s, kEniPrefix, "network interface");
}

std::expected<std::vector<InstancePtr>, ApiError> load_instances(store::Store& s) {
  static DecodedCache<Instance> cache;
  return cache.load(s, kInstancePrefix, "instance");
}

std::expected<PageRequest, ApiError> parse_page_request(const aws::QueryParams& p) {
  PageRequest out;
  auto max = p.get_int("MaxResults");
  if (!max) return std::unexpected(api_error("InvalidParameterValue", max.error().what()));
  if (*max) {
    const long long n = **max;
    if (n < 5)
      return std::unexpected(api_error("InvalidParameterValue", "Value ( " + std::to_string(n) +
                                       " ) for parameter maxResults is invalid. Expecting a value greater than 5."));
    if (n > 1000)
      return std::unexpected(api_error("InvalidParameterValue", "Value ( " + std::to_string(n) +
                                       " ) for parameter maxResults is invalid. Expecting a value less than 1000."));
    out.max_results = n;
  }
  if (auto token = p.get("NextToken"); token && !token->empty()) {
    std::string decoded;
    bool ok = token->size() % 2 == 0;
    for (size_t i = 0; ok && i < token->size(); i += 2) {
      int hi = hex_value((*token)[i]), lo = hex_value((*token)[i + 1]);
      if (hi < 0 || lo < 0) ok = false;
      else decoded += static_cast<char>(hi * 16 + lo);
    }
    if (!ok || decoded.empty())
      return std::unexpected(api_error("InvalidParameterValue", "The token '" + *token + "' is invalid"));
    out.after = std::move(decoded);
  }
  return out;
}

std::string page_token(const std::string& sort_key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(sort_key.size() * 2);
  for (unsigned char c : sort_key) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

}  // namespace v6k::ec2

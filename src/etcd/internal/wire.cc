#include "etcd/internal/wire.h"

#include <openssl/evp.h>

#include <cerrno>
#include <charconv>

namespace v6k::etcd::internal {

std::string b64encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> b64decode(std::string_view text) {
  if (text.size() % 4 != 0) return fail_invalid("base64 length not a multiple of 4");
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return fail_invalid("bad base64");
  // DecodeBlock decodes the padding as zero bytes: drop one per '='.
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

int64_t int_field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    const auto& s = it->get_ref<const std::string&>();
    int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
  }
  return 0;
}

namespace {

Result<std::string> bytes_field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return std::string();
  if (!it->is_string()) return fail_invalid(std::string("field ") + name + " is not a string");
  return b64decode(it->get_ref<const std::string&>());
}

}  // namespace

Result<store::KeyValue> parse_kv(const json& obj) {
  store::KeyValue kv;
  auto key = bytes_field(obj, "key");
  if (!key) return fail(std::move(key.error()).wrap("decoding kv key"));
  auto value = bytes_field(obj, "value");
  if (!value) return fail(std::move(value.error()).wrap("decoding kv value"));
  kv.key = std::move(*key);
  kv.value = std::move(*value);
  kv.create_revision = int_field(obj, "create_revision");
  kv.mod_revision = int_field(obj, "mod_revision");
  kv.version = int_field(obj, "version");
  return kv;
}

Result<json> decode_reply(unsigned status, const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Error::from_errno(EPROTO, "etcd replied HTTP " + std::to_string(status) +
                                              " with a body that is not a JSON object",
                                  body.substr(0, 200)));
  }
  if (status == 200 && !j.contains("error")) return j;
  const int64_t code = int_field(j, "code");
  std::string message = j.value("message", j.value("error", std::string("HTTP ") +
                                                              std::to_string(status)));
  int err = EIO;
  if (code == 11 && message.find("compacted") != std::string::npos) err = ERANGE;
  else if (code == 11 && message.find("future") != std::string::npos) err = EOVERFLOW;
  else if (code == 3) err = EINVAL;
  else if (code == 4) err = ETIMEDOUT;
  else if (code == 14) err = EAGAIN;  // unavailable: no leader yet, shutting down
  return fail(Error::from_errno(err, "etcd error " + std::to_string(code), message));
}

}  // namespace v6k::etcd::internal

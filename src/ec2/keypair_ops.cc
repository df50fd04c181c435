// Key pairs: CreateKeyPair (a real RSA-2048 or Ed25519 key made with OpenSSL; the private
// half is returned once and never stored), ImportKeyPair (an OpenSSH public key line),
// DescribeKeyPairs and DeleteKeyPair. Stored under kKeyPairPrefix + name, since EC2 key
// pair names are unique per region.
//
// Fingerprints follow EC2 so they can be checked with the commands AWS documents:
//   created RSA:   SHA-1 of the PKCS#8 DER private key, colon-separated hex
//   imported RSA:  MD5 of the DER SubjectPublicKeyInfo, colon-separated hex
//   Ed25519:       base64 (padded) SHA-256 of the OpenSSH public key blob, as ssh-keygen -l
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

// ---- OpenSSL ownership -------------------------------------------------------------------

template <auto Free>
struct Freer {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Freer<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Freer<BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Freer<OSSL_PARAM_free>>;

using Bytes = std::string;  // binary data

ApiError crypto_error(const std::string& what) {
  return api_error("InternalError", "An internal error has occurred: " + what, 500);
}

std::expected<Bytes, ApiError> bio_contents(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  if (n < 0) return std::unexpected(crypto_error("reading a memory BIO"));
  return Bytes(data, static_cast<size_t>(n));
}

std::expected<Bytes, ApiError> digest(const EVP_MD* md, const Bytes& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
    return std::unexpected(crypto_error("computing a digest"));
  return Bytes(reinterpret_cast<const char*>(out), len);
}

// ---- encodings ---------------------------------------------------------------------------

std::string colon_hex(const Bytes& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : b) {
    if (!out.empty()) out += ':';
    out += kHex[ch >> 4];
    out += kHex[ch & 0xf];
  }
  return out;
}

std::string base64(const Bytes& b) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    uint32_t v = (uint8_t(b[i]) << 16) | (uint8_t(b[i + 1]) << 8) | uint8_t(b[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (size_t rest = b.size() - i; rest > 0) {
    uint32_t v = uint8_t(b[i]) << 16;
    if (rest == 2) v |= uint8_t(b[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict standard base64; ASCII whitespace is skipped (wrapped input), padding optional.
std::optional<Bytes> unbase64(std::string_view text) {
  Bytes out;
  uint32_t acc = 0;
  int bits = 0, pad = 0;
  for (char ch : text) {
    if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t') continue;
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) return std::nullopt;  // data after padding
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xff);
    }
  }
  if (pad > 2 || bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// OpenSSH wire format (RFC 4251): uint32 length-prefixed strings and mpints.
void put_string(Bytes& out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += char((n >> shift) & 0xff);
  out.append(s);
}
void put_mpint(Bytes& out, Bytes magnitude) {  // big-endian, non-negative
  size_t z = 0;
  while (z < magnitude.size() && magnitude[z] == 0) ++z;
  magnitude.erase(0, z);
  if (!magnitude.empty() && (uint8_t(magnitude[0]) & 0x80)) magnitude.insert(magnitude.begin(), '\0');
  put_string(out, magnitude);
}

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  std::optional<std::string_view> string() {
    if (data_.size() < 4) return std::nullopt;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | uint8_t(data_[i]);
    if (data_.size() - 4 < n) return std::nullopt;
    std::string_view s = data_.substr(4, n);
    data_.remove_prefix(4 + size_t(n));
    return s;
  }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

// ---- keys --------------------------------------------------------------------------------

std::expected<Bytes, ApiError> bn_param(const EVP_PKEY* k, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &raw) != 1) return std::unexpected(crypto_error("reading RSA parameters"));
  BnPtr bn(raw);
  Bytes out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// The OpenSSH public key blob: string type, then mpint e, mpint n (RSA) or string key (Ed25519).
std::expected<Bytes, ApiError> ssh_blob(const EVP_PKEY* k, const std::string& type) {
  Bytes blob;
  put_string(blob, type == "rsa" ? "ssh-rsa" : "ssh-ed25519");
  if (type == "rsa") {
    auto e = bn_param(k, OSSL_PKEY_PARAM_RSA_E);
    if (!e) return std::unexpected(e.error());
    auto n = bn_param(k, OSSL_PKEY_PARAM_RSA_N);
    if (!n) return std::unexpected(n.error());
    put_mpint(blob, *e);
    put_mpint(blob, *n);
  } else {
    unsigned char raw[32];
    size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 || len != sizeof raw)
      return std::unexpected(crypto_error("reading the Ed25519 public key"));
    put_string(blob, std::string_view(reinterpret_cast<const char*>(raw), len));
  }
  return blob;
}

std::expected<std::string, ApiError> ed25519_fingerprint(const Bytes& blob) {
  auto d = digest(EVP_sha256(), blob);
  if (!d) return std::unexpected(d.error());
  return base64(*d);
}

struct NewKey {
  std::string private_pem;
  std::string fingerprint;
  std::string public_openssh;  // "ssh-rsa AAAA… name"
};

std::expected<NewKey, ApiError> generate_key(const std::string& type, const std::string& name) {
  PkeyPtr k(type == "rsa" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!k) return std::unexpected(crypto_error("generating a key pair"));
  NewKey out;
  BioPtr pem(BIO_new(BIO_s_mem()));
  if (!pem) return std::unexpected(crypto_error("allocating a BIO"));
  // EC2 hands out RSA keys in the traditional PKCS#1 form ("BEGIN RSA PRIVATE KEY");
  // Ed25519 keys go out as PKCS#8 ("BEGIN PRIVATE KEY"), which `openssl pkey` reads.
  int ok = type == "rsa" ? PEM_write_bio_PrivateKey_traditional(pem.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr)
                         : PEM_write_bio_PrivateKey(pem.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr);
  if (ok != 1) return std::unexpected(crypto_error("encoding the private key"));
  auto pem_text = bio_contents(pem.get());
  if (!pem_text) return std::unexpected(pem_text.error());
  out.private_pem = *pem_text;
  while (!out.private_pem.empty() && out.private_pem.back() == '\n') out.private_pem.pop_back();

  auto blob = ssh_blob(k.get(), type);
  if (!blob) return std::unexpected(blob.error());
  out.public_openssh = (type == "rsa" ? "ssh-rsa " : "ssh-ed25519 ") + base64(*blob) + " " + name;
  if (type == "rsa") {
    BioPtr der(BIO_new(BIO_s_mem()));
    if (!der || i2d_PKCS8PrivateKey_bio(der.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return std::unexpected(crypto_error("encoding the PKCS#8 private key"));
    auto der_bytes = bio_contents(der.get());
    if (!der_bytes) return std::unexpected(der_bytes.error());
    auto d = digest(EVP_sha1(), *der_bytes);
    if (!d) return std::unexpected(d.error());
    out.fingerprint = colon_hex(*d);
  } else {
    auto fp = ed25519_fingerprint(*blob);
    if (!fp) return std::unexpected(fp.error());
    out.fingerprint = *fp;
  }
  return out;
}

ApiError bad_key_format() { return api_error("InvalidKey.Format", "Key is not in valid OpenSSH public key format"); }

struct ImportedKey {
  std::string type;  // rsa | ed25519
  std::string fingerprint;
  std::string public_openssh;
};

std::expected<std::string, ApiError> rsa_import_fingerprint(std::string_view e, std::string_view n) {
  if (e.empty() || n.empty() || (uint8_t(e[0]) & 0x80) || (uint8_t(n[0]) & 0x80)) return std::unexpected(bad_key_format());
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr));
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bn_e || !bn_n || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return std::unexpected(crypto_error("building RSA parameters"));
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    return std::unexpected(crypto_error("preparing an RSA key"));
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return std::unexpected(bad_key_format());
  PkeyPtr k(raw);
  // EC2 takes RSA keys of 1024 to 4096 bits (ssh-keygen's default is 3072).
  int bits = EVP_PKEY_get_bits(k.get());
  if (bits < 1024 || bits > 4096)
    return std::unexpected(api_error("InvalidKey.Format", "Invalid RSA key length " + std::to_string(bits) +
                                     "; RSA keys must be 1024 to 4096 bits"));
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(k.get(), &der);
  if (len <= 0) return std::unexpected(crypto_error("encoding the public key"));
  Bytes der_bytes(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  auto d = digest(EVP_md5(), der_bytes);
  if (!d) return std::unexpected(d.error());
  return colon_hex(*d);
}

// `line` is "type base64-blob [comment]" (one OpenSSH public key line).
std::expected<ImportedKey, ApiError> parse_openssh_public_key(std::string_view line) {
  auto is_space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; };
  while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
  while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
  auto next_field = [&](std::string_view& rest) {
    size_t end = 0;
    while (end < rest.size() && !is_space(rest[end])) ++end;
    std::string_view f = rest.substr(0, end);
    rest.remove_prefix(end);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    return f;
  };
  std::string_view rest = line;
  std::string_view type = next_field(rest);
  std::string_view b64 = next_field(rest);
  std::string_view comment = rest;
  if (comment.find('\n') != std::string_view::npos) return std::unexpected(bad_key_format());  // one key only
  if (type != "ssh-rsa" && type != "ssh-ed25519") return std::unexpected(bad_key_format());
  auto blob = unbase64(b64);
  if (!blob) return std::unexpected(bad_key_format());
  WireReader r(*blob);
  auto inner = r.string();
  if (!inner || *inner != type) return std::unexpected(bad_key_format());
  ImportedKey out;
  if (type == "ssh-rsa") {
    auto e = r.string();
    auto n = r.string();
    if (!e || !n || !r.done()) return std::unexpected(bad_key_format());
    auto fp = rsa_import_fingerprint(*e, *n);
    if (!fp) return std::unexpected(fp.error());
    out.type = "rsa";
    out.fingerprint = *fp;
  } else {
    auto pub = r.string();
    if (!pub || pub->size() != 32 || !r.done()) return std::unexpected(bad_key_format());
    PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(pub->data()),
                                          pub->size()));
    if (!k) return std::unexpected(bad_key_format());
    auto fp = ed25519_fingerprint(*blob);
    if (!fp) return std::unexpected(fp.error());
    out.type = "ed25519";
    out.fingerprint = *fp;
  }
  out.public_openssh = std::string(type) + " " + base64(*blob);
  if (!comment.empty()) out.public_openssh += " " + std::string(comment);
  return out;
}

// ---- API helpers -------------------------------------------------------------------------

std::expected<std::string, ApiError> key_name_param(const aws::QueryParams& p) {
  auto name = p.get("KeyName");
  if (!name || name->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter KeyName"));
  if (name->size() > 255)
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + *name +
                                     ") for parameter KeyName is invalid. Length exceeds maximum of 255."));
  for (unsigned char ch : *name)
    if (ch < 0x20 || ch > 0x7e)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + *name +
                                       ") for parameter KeyName is invalid. Character sets beyond ASCII are not "
                                       "supported."));
  return *name;
}

std::expected<void, ApiError> require_new_name(store::Store& s, const std::string& name) {
  auto existing = load_one<KeyPair>(s, key_of(kKeyPairPrefix, name), "key pair");
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return std::unexpected(api_error("InvalidKeyPair.Duplicate", "The keypair '" + name + "' already exists."));
  return {};
}

std::string now_iso8601() { return aws::iso8601(std::chrono::system_clock::now()); }

std::optional<std::vector<std::string>> key_filter_values(const KeyPair& k, const std::string& name) {
  using V = std::vector<std::string>;
  if (name == "key-name") return V{k.name};
  if (name == "key-pair-id") return V{k.id};
  if (name == "fingerprint") return V{k.fingerprint};
  if (name == "key-type") return V{k.key_type};
  bool known = false;
  auto tags = tag_filter_values(k.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

}  // namespace

OpResult create_key_pair(OpContext& c) {
  auto name = key_name_param(c.params);
  if (!name) return std::unexpected(name.error());
  std::string type = c.params.get("KeyType").value_or("rsa");
  if (type != "rsa" && type != "ed25519")
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + type +
                                     ") for parameter KeyType is invalid. Valid values: rsa, ed25519"));
  std::string format = c.params.get("KeyFormat").value_or("pem");
  if (format == "ppk")
    return std::unexpected(api_error("UnsupportedOperation", "KeyFormat ppk is not supported by this region; use pem"));
  if (format != "pem")
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + format +
                                     ") for parameter KeyFormat is invalid. Valid values: pem, ppk"));
  auto tags = tag_specifications(c.params, "key-pair");
  if (!tags) return std::unexpected(tags.error());
  if (auto r = require_new_name(c.store, *name); !r) return std::unexpected(r.error());
  auto made = generate_key(type, *name);
  if (!made) return std::unexpected(made.error());

  KeyPair k;
  k.id = new_id("key");
  k.name = *name;
  k.key_type = type;
  k.fingerprint = made->fingerprint;
  k.public_key = made->public_openssh;
  k.create_time = now_iso8601();
  k.tags = *tags;
  WriteSet ws;
  ws.create(key_of(kKeyPairPrefix, k.name), k);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  std::string material = made->private_pem;
  return [k, material](aws::XmlWriter& w) {
    w.leaf("keyName", k.name);
    w.leaf("keyFingerprint", k.fingerprint);
    w.leaf("keyMaterial", material);
    w.leaf("keyPairId", k.id);
    write_tags(w, k.tags);
  };
}

OpResult import_key_pair(OpContext& c) {
  auto name = key_name_param(c.params);
  if (!name) return std::unexpected(name.error());
  auto material = c.params.get("PublicKeyMaterial");
  if (!material || material->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter PublicKeyMaterial"));
  auto tags = tag_specifications(c.params, "key-pair");
  if (!tags) return std::unexpected(tags.error());
  // The query protocol carries the blob base64-encoded (the CLI encodes fileb:// input).
  auto text = unbase64(*material);
  if (!text) return std::unexpected(bad_key_format());
  auto key = parse_openssh_public_key(*text);
  if (!key) return std::unexpected(key.error());
  if (auto r = require_new_name(c.store, *name); !r) return std::unexpected(r.error());

  KeyPair k;
  k.id = new_id("key");
  k.name = *name;
  k.key_type = key->type;
  k.fingerprint = key->fingerprint;
  k.public_key = key->public_openssh;
  k.create_time = now_iso8601();
  k.tags = *tags;
  WriteSet ws;
  ws.create(key_of(kKeyPairPrefix, k.name), k);
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  return [k](aws::XmlWriter& w) {
    w.leaf("keyFingerprint", k.fingerprint);
    w.leaf("keyName", k.name);
    w.leaf("keyPairId", k.id);
    write_tags(w, k.tags);
  };
}

OpResult describe_key_pairs(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto names = param_list(c.params, "KeyName");
  if (!names) return std::unexpected(names.error());
  auto ids = param_list(c.params, "KeyPairId");
  if (!ids) return std::unexpected(ids.error());
  auto include_public = optional_bool(c.params, "IncludePublicKey");
  if (!include_public) return std::unexpected(include_public.error());
  auto all = load_all<KeyPair>(c.store, kKeyPairPrefix, "key pair");
  if (!all) return std::unexpected(all.error());
  for (const auto& n : *names)
    if (std::none_of(all->begin(), all->end(), [&](const KeyPair& k) { return k.name == n; }))
      return std::unexpected(api_error("InvalidKeyPair.NotFound", "The key pair '" + n + "' does not exist"));
  for (const auto& id : *ids)
    if (std::none_of(all->begin(), all->end(), [&](const KeyPair& k) { return k.id == id; }))
      return std::unexpected(api_error("InvalidKeyPair.NotFound", "The key pair '" + id + "' does not exist"));
  std::vector<KeyPair> out;
  for (const auto& k : *all) {
    if (!names->empty() && std::find(names->begin(), names->end(), k.name) == names->end()) continue;
    if (!ids->empty() && std::find(ids->begin(), ids->end(), k.id) == ids->end()) continue;
    auto ok = matches(*filters, [&](const std::string& f) { return key_filter_values(k, f); });
    if (!ok) return std::unexpected(ok.error());
    if (*ok) out.push_back(k);
  }
  const bool with_public = include_public->value_or(false);
  return [out, with_public](aws::XmlWriter& w) {
    w.start("keySet");
    for (const auto& k : out) {
      w.start("item");
      w.leaf("keyPairId", k.id);
      w.leaf("keyName", k.name);
      w.leaf("keyFingerprint", k.fingerprint);
      w.leaf("keyType", k.key_type);
      write_tags(w, k.tags);
      if (with_public) w.leaf("publicKey", k.public_key);
      w.leaf("createTime", k.create_time);
      w.end();
    }
    w.end();
  };
}

// EC2 answers true even when no such key pair exists.
OpResult delete_key_pair(OpContext& c) {
  auto name = c.params.get("KeyName").value_or("");
  auto id = c.params.get("KeyPairId").value_or("");
  if (name.empty() && id.empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter KeyName or KeyPairId"));
  auto all = load_all<KeyPair>(c.store, kKeyPairPrefix, "key pair");
  if (!all) return std::unexpected(all.error());
  std::string victim;
  for (const auto& k : *all)
    if ((name.empty() || k.name == name) && (id.empty() || k.id == id)) victim = k.name;
  if (!victim.empty()) {
    auto k = load_one<KeyPair>(c.store, key_of(kKeyPairPrefix, victim), "key pair");
    if (!k) return std::unexpected(k.error());
    if (*k) {
      WriteSet ws;
      ws.remove(key_of(kKeyPairPrefix, victim), (*k)->revision);
      if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
    }
  }
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace v6k::ec2

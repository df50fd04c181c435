#include "node/runtime/image_ref.h"

#include <cerrno>

namespace v6k::node::runtime {
namespace {

constexpr size_t kMaxNameLength = 255;  // distribution/reference NameTotalLengthMax

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool word(char c) { return alnum(c) || c == '_'; }
bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// path-component := alnum+ (separator alnum+)*, separator := [_.] | "__" | "-"+
bool valid_path_component(std::string_view s) {
  if (s.empty() || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (lower_alnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    if (s[i] == '.') {
      j = i + 1;
    } else if (s[i] == '_') {
      j = i + 1;
      if (j < s.size() && s[j] == '_') ++j;
    } else if (s[i] == '-') {
      while (j < s.size() && s[j] == '-') ++j;
    } else {
      return false;
    }
    if (j >= s.size() || !lower_alnum(s[j])) return false;
    i = j;
  }
  return true;
}

// domain := host [":" port]; host := DNS-ish labels (letters, digits, '-', '.') or [IPv6].
bool valid_domain(std::string_view s) {
  if (s.empty()) return false;
  std::string_view host = s;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : host.substr(1, close - 1))
      if (!(hex(c) || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) return false;
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (host.front() != ':') return false;
  } else {
    size_t colon = host.find(':');
    std::string_view name = host.substr(0, colon);
    if (name.empty()) return false;
    // Labels: alphanumerics with inner '-', joined by '.'.
    size_t start = 0;
    while (true) {
      size_t dot = name.find('.', start);
      std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
      for (char c : label)
        if (!alnum(c) && c != '-') return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (colon == std::string_view::npos) return true;
    host = host.substr(colon);
  }
  std::string_view port = host.substr(1);
  if (port.empty()) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;
}

bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > 128 || !word(s.front())) return false;
  for (char c : s)
    if (!word(c) && c != '.' && c != '-') return false;
  return true;
}

// algorithm := component ([+.-_] component)*, component := [a-z0-9]+; encoded := hex >= 32.
bool valid_digest(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view alg = s.substr(0, colon), enc = s.substr(colon + 1);
  if (!lower_alnum(alg.front()) || !lower_alnum(alg.back())) return false;
  for (size_t i = 0; i < alg.size(); ++i) {
    char c = alg[i];
    if (lower_alnum(c)) continue;
    if (c != '+' && c != '.' && c != '-' && c != '_') return false;
    if (!lower_alnum(alg[i + 1])) return false;  // back() is alnum, so i + 1 is in range
  }
  if (enc.size() < 32) return false;
  for (char c : enc)
    if (!hex(c) && !(c >= 'A' && c <= 'F')) return false;
  return true;
}

Result<ImageReference> invalid(std::string_view text, std::string_view why) {
  return fail(Error::make(EINVAL, "couldn't parse image reference \"" + std::string(text) +
                                      "\": invalid reference format: " + std::string(why)));
}

}  // namespace

std::string ImageReference::normalized() const {
  std::string s = domain + "/" + path;
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageReference::short_name() const {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<ImageReference> parse_image_reference(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  ImageReference r;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    r.digest = std::string(rest.substr(at + 1));
    if (!valid_digest(r.digest)) return invalid(text, "bad digest");
    rest = rest.substr(0, at);
  }
  // A ':' after the last '/' starts the tag (a ':' before it belongs to a domain's port).
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    r.tag = std::string(rest.substr(colon + 1));
    if (!valid_tag(r.tag)) return invalid(text, "bad tag");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return invalid(text, "empty name");
  if (rest.size() > kMaxNameLength) return invalid(text, "repository name longer than 255 characters");

  size_t first_slash = rest.find('/');
  std::string_view first = rest.substr(0, first_slash);
  if (first_slash != std::string_view::npos &&
      (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
       first == "localhost" || first.front() == '[')) {
    if (!valid_domain(first)) return invalid(text, "bad domain");
    r.domain = std::string(first);
    rest = rest.substr(first_slash + 1);
  } else {
    r.domain = "docker.io";
  }
  if (rest.empty()) return invalid(text, "empty path");
  for (size_t start = 0;;) {
    size_t slash = rest.find('/', start);
    std::string_view comp = rest.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!valid_path_component(comp)) {
      bool upper = false;
      for (char c : comp) upper = upper || (c >= 'A' && c <= 'Z');
      return invalid(text, upper ? "repository name must be lowercase" : "bad path component");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  r.path = std::string(rest);
  // Docker Hub's official images live under library/.
  if (r.domain == "docker.io" && r.path.find('/') == std::string::npos) r.path = "library/" + r.path;
  if (r.tag.empty() && r.digest.empty()) r.tag = "latest";
  return r;
}

}  // namespace v6k::node::runtime

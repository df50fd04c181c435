// The XML reader: one recursive-descent pass over a document already checked to be
// well-formed UTF-8 made of XML Chars, building the element tree as it goes. Depth is
// bounded by XmlLimits, so recursion (and the tree's destructor) stays shallow.
#include "aws/xml_reader.h"

#include <cstdint>

namespace v6k::aws {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_value(char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }
// Non-ASCII bytes are accepted in names (the document is valid UTF-8 by then); XML's exact
// list of name characters does not matter to a client of AWS, which uses ASCII names.
bool is_name_start(char c) { return is_alpha(c) || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '-' || c == '.'; }

bool is_xml_char(uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string hex4(uint32_t c) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "U+";
  for (int shift = c > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) out += kDigits[(c >> shift) & 0xF];
  return out;
}

struct BadChar {
  size_t pos;
  std::string what;
};

// The first byte that does not start a well-formed UTF-8 sequence of an XML Char.
std::optional<BadChar> check_chars(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      if (!is_xml_char(b)) return BadChar{i, "control character " + hex4(b) + " is not allowed"};
      ++i;
      continue;
    }
    int more = 0;
    uint32_t c = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      more = 1, c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      more = 2, c = b & 0x0F;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      more = 3, c = b & 0x07;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return BadChar{i, "invalid UTF-8"};
    }
    if (i + more >= s.size()) return BadChar{i, "invalid UTF-8"};  // truncated
    for (int k = 1; k <= more; ++k) {
      auto t = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xBF)) return BadChar{i, "invalid UTF-8"};
      c = (c << 6) | (t & 0x3F);
    }
    if (!is_xml_char(c)) return BadChar{i, hex4(c) + " is not an XML character"};
    i += more + 1;
  }
  return std::nullopt;
}

// Appends character data with XML line-end normalisation ("\r\n" and "\r" -> "\n"); in
// attribute values (`attr`), every literal whitespace character then becomes a space.
void append_text(std::string& out, std::string_view s, bool attr) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
      c = '\n';
    }
    if (attr && (c == '\n' || c == '\t')) c = ' ';
    out += c;
  }
}

std::string clip(std::string_view s) { return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "..."; }

class Parser {
 public:
  Parser(std::string_view s, const XmlLimits& limits) : s_(s), limits_(limits) {}

  Result<XmlElement> run() {
    if (auto bad = check_chars(s_)) return fail_at(bad->pos, bad->what);
    if (s_.starts_with("\xEF\xBB\xBF")) p_ = 3;
    if (starts("<?xml") && p_ + 5 < s_.size() && is_space(s_[p_ + 5])) {
      size_t end = s_.find("?>", p_);
      if (end == std::string_view::npos) return fail_at(p_, "unterminated XML declaration");
      p_ = end + 2;
    }
    XmlElement root;
    bool have_root = false;
    for (;;) {
      skip_space();
      if (p_ >= s_.size()) break;
      if (s_[p_] != '<') return fail_at(p_, have_root ? "content after the root element" : "text before the root element");
      if (starts("<!--")) {
        if (auto r = comment(); !r) return fail(r.error());
      } else if (starts("<?")) {
        if (auto r = pi(); !r) return fail(r.error());
      } else if (starts("<!DOCTYPE")) {
        return fail_at(p_, "DOCTYPE is not allowed");
      } else if (starts("<!")) {
        return fail_at(p_, have_root ? "content after the root element" : "malformed markup '<!'");
      } else if (have_root) {
        return fail_at(p_, "content after the root element");
      } else {
        if (auto r = element(root, 1); !r) return fail(r.error());
        have_root = true;
      }
    }
    if (!have_root) return fail_at(p_, "no root element");
    return root;
  }

 private:
  std::string_view s_;
  XmlLimits limits_;
  size_t p_ = 0;
  size_t elements_ = 0;

  std::unexpected<Error> fail_at(size_t pos, const std::string& what) const {
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < pos && i < s_.size(); ++i)
      if (s_[i] == '\n') ++line, line_start = i + 1;
    return fail_invalid("XML line " + std::to_string(line) + ", column " + std::to_string(pos - line_start + 1) +
                        ": " + what);
  }
  bool starts(std::string_view t) const { return s_.substr(p_).starts_with(t); }
  void skip_space() {
    while (p_ < s_.size() && is_space(s_[p_])) ++p_;
  }

  Result<std::string_view> name(const char* what) {
    size_t start = p_;
    if (p_ >= s_.size() || !is_name_start(s_[p_])) return fail_at(p_, std::string("expected ") + what);
    while (p_ < s_.size() && is_name_char(s_[p_])) ++p_;
    return s_.substr(start, p_ - start);
  }

  // "<!--" ... "-->"; "--" may not appear inside.
  Result<> comment() {
    size_t dashes = s_.find("--", p_ + 4);
    if (dashes == std::string_view::npos) return fail_at(p_, "unterminated comment");
    if (dashes + 2 >= s_.size() || s_[dashes + 2] != '>') return fail_at(dashes, "'--' inside a comment");
    p_ = dashes + 3;
    return {};
  }

  // "<?target ...?>"; the target "xml" (any case) is the declaration, allowed only first.
  Result<> pi() {
    size_t start = p_;
    p_ += 2;
    auto target = name("a processing instruction target");
    if (!target) return fail(target.error());
    if (target->size() == 3 && (((*target)[0] | 0x20) == 'x') && (((*target)[1] | 0x20) == 'm') &&
        (((*target)[2] | 0x20) == 'l'))
      return fail_at(start, "XML declaration not at the start of the document");
    if (p_ >= s_.size()) return fail_at(start, "unterminated processing instruction");
    if (!starts("?>") && !is_space(s_[p_]))
      return fail_at(p_, "expected whitespace or '?>' after the processing instruction target");
    size_t end = s_.find("?>", p_);
    if (end == std::string_view::npos) return fail_at(start, "unterminated processing instruction");
    p_ = end + 2;
    return {};
  }

  // At '&': a predefined entity or a character reference, decoded onto `out`.
  Result<> reference(std::string& out) {
    const size_t start = p_;
    ++p_;
    if (p_ < s_.size() && s_[p_] == '#') {
      ++p_;
      const bool hex = p_ < s_.size() && s_[p_] == 'x';
      if (hex) ++p_;
      uint32_t value = 0;
      size_t digits = 0;
      while (p_ < s_.size() && (hex ? is_hex(s_[p_]) : is_digit(s_[p_]))) {
        value = value * (hex ? 16 : 10) + static_cast<uint32_t>(hex_value(s_[p_]));
        if (value > 0x10FFFF) value = 0x110000;  // stays out of range, never overflows
        ++digits, ++p_;
      }
      if (digits == 0 || p_ >= s_.size() || s_[p_] != ';') return fail_at(start, "malformed character reference");
      ++p_;
      if (!is_xml_char(value))
        return fail_at(start, "character reference " + clip(s_.substr(start, p_ - start)) + " is not an XML character");
      append_utf8(out, value);
      return {};
    }
    auto n = name("an entity name after '&'");
    if (!n) return fail_at(start, "'&' does not start a reference (write &amp;)");
    if (p_ >= s_.size() || s_[p_] != ';') return fail_at(start, "unterminated reference &" + clip(*n));
    ++p_;
    if (*n == "amp") out += '&';
    else if (*n == "lt") out += '<';
    else if (*n == "gt") out += '>';
    else if (*n == "quot") out += '"';
    else if (*n == "apos") out += '\'';
    else return fail_at(start, "unknown entity &" + clip(*n) + ";");
    return {};
  }

  Result<> attribute(XmlElement& e) {
    const size_t start = p_;
    auto n = name("an attribute name");
    if (!n) return fail(n.error());
    for (const auto& a : e.attributes)
      if (a.name == *n) return fail_at(start, "duplicate attribute " + clip(*n));
    skip_space();
    if (p_ >= s_.size() || s_[p_] != '=') return fail_at(p_, "expected '=' after attribute " + clip(*n));
    ++p_;
    skip_space();
    if (p_ >= s_.size() || (s_[p_] != '"' && s_[p_] != '\'')) return fail_at(p_, "expected a quoted attribute value");
    const char quote = s_[p_++];
    XmlAttribute a{std::string(*n), {}};
    for (;;) {
      if (p_ >= s_.size()) return fail_at(start, "unterminated attribute value");
      char c = s_[p_];
      if (c == quote) break;
      if (c == '<') return fail_at(p_, "'<' in an attribute value");
      if (c == '&') {
        if (auto r = reference(a.value); !r) return r;
        continue;
      }
      size_t end = p_;
      while (end < s_.size() && s_[end] != quote && s_[end] != '<' && s_[end] != '&') ++end;
      append_text(a.value, s_.substr(p_, end - p_), true);
      p_ = end;
    }
    ++p_;
    e.attributes.push_back(std::move(a));
    return {};
  }

  static Result<std::string_view> local_name(std::string_view qname) {
    size_t colon = qname.find(':');
    if (colon == std::string_view::npos) return qname;
    if (colon == 0 || colon + 1 == qname.size() || qname.find(':', colon + 1) != std::string_view::npos)
      return fail_invalid("malformed qualified name " + clip(qname));
    return qname.substr(colon + 1);
  }

  // At '<' of a start tag: the element, its attributes and its content up to the end tag.
  Result<> element(XmlElement& e, int depth) {
    const size_t start = p_;
    if (depth > limits_.max_depth)
      return fail_at(start, "elements nested deeper than " + std::to_string(limits_.max_depth));
    if (++elements_ > limits_.max_elements)
      return fail_at(start, "more than " + std::to_string(limits_.max_elements) + " elements");
    ++p_;
    auto qname = name("an element name after '<'");
    if (!qname) return fail(qname.error());
    auto local = local_name(*qname);
    if (!local) return fail_at(start + 1, local.error().what());
    e.name = std::string(*local);
    for (;;) {
      const size_t before = p_;
      skip_space();
      if (p_ >= s_.size()) return fail_at(p_, "unexpected end of input in the start tag <" + clip(*qname) + ">");
      if (starts("/>")) {
        p_ += 2;
        return {};
      }
      if (s_[p_] == '>') {
        ++p_;
        break;
      }
      if (p_ == before) return fail_at(p_, "expected whitespace, '>' or '/>' in the start tag <" + clip(*qname) + ">");
      if (auto r = attribute(e); !r) return r;
    }
    for (;;) {
      if (p_ >= s_.size()) return fail_at(p_, "unexpected end of input: <" + clip(*qname) + "> is not closed");
      const char c = s_[p_];
      if (c == '&') {
        if (auto r = reference(e.text); !r) return r;
      } else if (c != '<') {
        size_t end = p_;
        while (end < s_.size() && s_[end] != '<' && s_[end] != '&') ++end;
        std::string_view run = s_.substr(p_, end - p_);
        if (size_t bad = run.find("]]>"); bad != std::string_view::npos)
          return fail_at(p_ + bad, "']]>' is not allowed in character data");
        append_text(e.text, run, false);
        p_ = end;
      } else if (starts("</")) {
        const size_t tag = p_;
        p_ += 2;
        auto end_name = name("an element name after '</'");
        if (!end_name) return fail(end_name.error());
        if (*end_name != *qname)
          return fail_at(tag, "mismatched end tag: expected </" + clip(*qname) + ">, found </" + clip(*end_name) + ">");
        skip_space();
        if (p_ >= s_.size() || s_[p_] != '>') return fail_at(p_, "expected '>' to close </" + clip(*qname));
        ++p_;
        return {};
      } else if (starts("<!--")) {
        if (auto r = comment(); !r) return r;
      } else if (starts("<![CDATA[")) {
        size_t end = s_.find("]]>", p_ + 9);
        if (end == std::string_view::npos) return fail_at(p_, "unterminated CDATA section");
        append_text(e.text, s_.substr(p_ + 9, end - p_ - 9), false);
        p_ = end + 3;
      } else if (starts("<?")) {
        if (auto r = pi(); !r) return r;
      } else if (starts("<!")) {
        return fail_at(p_, "malformed markup '<!'");
      } else {
        e.children.emplace_back();
        // The child is complete before this element's vector grows again: the reference holds.
        if (auto r = element(e.children.back(), depth + 1); !r) return r;
      }
    }
  }
};

}  // namespace

const XmlElement* XmlElement::child(std::string_view child_name) const {
  for (const auto& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::children_named(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c.name == child_name) out.push_back(&c);
  return out;
}

const XmlElement* XmlElement::find(std::string_view path) const {
  const XmlElement* at = this;
  while (!path.empty() && at) {
    size_t slash = path.find('/');
    at = at->child(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return at;
}

std::optional<std::string_view> XmlElement::text_at(std::string_view path) const {
  const XmlElement* e = find(path);
  if (!e) return std::nullopt;
  return std::string_view(e->text);
}

std::string_view XmlElement::text_or(std::string_view path, std::string_view fallback) const {
  return text_at(path).value_or(fallback);
}

std::optional<std::string_view> XmlElement::attribute(std::string_view attribute_name) const {
  for (const auto& a : attributes)
    if (a.name == attribute_name) return std::string_view(a.value);
  return std::nullopt;
}

Result<XmlElement> parse_xml(std::string_view document, const XmlLimits& limits) {
  return Parser(document, limits).run();
}

}  // namespace v6k::aws

// A small, strict XML reader: parses a whole document (EC2 query responses and error
// documents, aws-query/STS answers) into a tree of elements, for clients of AWS APIs.
//
//   auto doc = aws::parse_xml(resp.body);
//   if (!doc) return fail(doc.error().wrap("reading DescribeSubnets"));   // "XML line 3, column 9: ..."
//   for (const aws::XmlElement* s : doc->find("subnetSet")->children_named("item"))
//     std::string_view cidr = s->text_or("cidrBlock");
//   auto code = doc->text_at("Errors/Error/Code");                         // optional<string_view>
//
// What it accepts (XML 1.0 well-formedness, minus what AWS never sends):
// - an optional UTF-8 BOM and XML declaration, comments and processing instructions
//   around and inside the root element, CDATA sections;
// - the five predefined entities and decimal/hex character references (to XML Chars only);
// - namespaces: an element's `name` is its local name ("ec2:item" -> "item"); attributes,
//   xmlns ones included, are kept as written.
// What it refuses, with the position: malformed markup, mismatched tags, invalid UTF-8,
// control characters, unknown entities, any DOCTYPE (no entity expansion, no external
// fetches), nesting deeper than XmlLimits::max_depth, more than max_elements elements.
// No exceptions; nothing is fetched or resolved.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace v6k::aws {

struct XmlAttribute {
  std::string name;   // as written ("xmlns", "xsi:type")
  std::string value;  // references decoded, whitespace normalised to spaces (XML 1.0 §3.3.3)
};

struct XmlElement {
  std::string name;                     // local name (namespace prefix stripped)
  std::vector<XmlAttribute> attributes;
  // The element's own character data, every piece concatenated (references decoded, CDATA
  // as is, line ends normalised to "\n"). Whitespace between child elements is kept.
  std::string text;
  std::vector<XmlElement> children;     // in document order

  // First child with this local name, or nullptr.
  const XmlElement* child(std::string_view child_name) const;
  // Every child with this local name, in order.
  std::vector<const XmlElement*> children_named(std::string_view child_name) const;
  // Descends "a/b/c" (first match at each step; "" is this element), or nullptr.
  const XmlElement* find(std::string_view path) const;
  // Text of the element at `path`, or nullopt when there is none.
  std::optional<std::string_view> text_at(std::string_view path) const;
  // Text of the element at `path`, or `fallback` when there is none.
  std::string_view text_or(std::string_view path, std::string_view fallback = {}) const;
  // Value of an attribute (name as written), or nullopt.
  std::optional<std::string_view> attribute(std::string_view attribute_name) const;
};

struct XmlLimits {
  int max_depth = 64;                // the root is depth 1
  size_t max_elements = size_t{1} << 20;
};

// Parses a complete document and returns its root element. Errors are
// "XML line L, column C: <what>" (1-based; columns count bytes).
Result<XmlElement> parse_xml(std::string_view document, const XmlLimits& limits = {});

}  // namespace v6k::aws

// XML reader fuzzer: parse_xml on arbitrary bytes, then every EC2 decoder on the tree.
// Oracle: the tree written back out (names, attributes and text escaped with
// aws::xml_escape, children after the text) parses back to an identical tree.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aws/ec2_client.h"
#include "aws/xml.h"
#include "aws/xml_reader.h"

using namespace v6k::aws;

namespace {

void write(const XmlElement& e, std::string& out) {
  out += '<';
  out += e.name;
  for (const auto& a : e.attributes) out += ' ' + a.name + "=\"" + xml_escape(a.value) + '"';
  out += '>';
  out += xml_escape(e.text);
  for (const auto& c : e.children) write(c, out);
  out += "</" + e.name + '>';
}

bool same(const XmlElement& a, const XmlElement& b) {
  if (a.name != b.name || a.text != b.text || a.attributes.size() != b.attributes.size() ||
      a.children.size() != b.children.size())
    return false;
  for (size_t i = 0; i < a.attributes.size(); ++i)
    if (a.attributes[i].name != b.attributes[i].name || a.attributes[i].value != b.attributes[i].value) return false;
  for (size_t i = 0; i < a.children.size(); ++i)
    if (!same(a.children[i], b.children[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const XmlLimits limits{.max_depth = 32, .max_elements = 20000};
  auto doc = parse_xml(in, limits);
  if (!doc) {
    if (doc.error().message().rfind("XML line ", 0) != 0) std::abort();  // every error has a position
    return 0;
  }
  std::string out;
  write(*doc, out);
  auto back = parse_xml(out, limits);
  if (!back || !same(*doc, *back)) std::abort();

  // The decoders take whatever shape comes: wrong, partial or hostile trees.
  (void)decode_instance(*doc, doc->text_or("reservationSet/item/instancesSet/item/instanceId"));
  (void)decode_network_interface(*doc, doc->text_or("networkInterfaceSet/item/networkInterfaceId"));
  (void)decode_ipv6_assignment(*doc);
  (void)decode_subnet(*doc, doc->text_or("subnetSet/item/subnetId"));
  (void)decode_vpc(*doc, doc->text_or("vpcSet/item/vpcId"));
  for (int status : {200, 400, 503}) {
    auto r = decode_ec2_response("DescribeInstances", status, in);
    if (r && (status != 200 || r->name != "DescribeInstancesResponse")) std::abort();
  }
  return 0;
}

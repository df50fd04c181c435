// aws::parse_xml: valid documents (the EC2 shapes, entities, CDATA, comments, namespaces,
// line ends), and a table of malformed ones, each refused with its exact error text.
#include <gtest/gtest.h>

#include <string>

#include "aws/xml.h"
#include "aws/xml_reader.h"

namespace {

using v6k::aws::parse_xml;
using v6k::aws::XmlElement;
using v6k::aws::XmlLimits;

TEST(XmlReader, ReadsAnEc2ErrorDocument) {
  auto doc = parse_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
      "<Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>abc</RequestID></Response>");
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->name, "Response");
  EXPECT_EQ(doc->text_at("Errors/Error/Code"), "InvalidInstanceID.NotFound");
  EXPECT_EQ(doc->text_or("Errors/Error/Message"), "The instance ID 'i-1' does not exist");
  EXPECT_EQ(doc->text_or("RequestID"), "abc");
  EXPECT_EQ(doc->text_at("Errors/Error/Nope"), std::nullopt);
  EXPECT_EQ(doc->text_or("Nope/Code", "x"), "x");
  EXPECT_EQ(doc->find(""), &*doc);
}

TEST(XmlReader, ReadsWhatOurWriterWrites) {
  std::string body = v6k::aws::ec2_response("DescribeSubnets", "rid-1", [](v6k::aws::XmlWriter& w) {
    w.start("subnetSet");
    for (const char* id : {"subnet-1", "subnet-2"}) {
      w.start("item");
      w.leaf("subnetId", id);
      w.leaf("tag", "a&b <c> \"d\" 'e'\t\n\r\x7f");
      w.end();
    }
    w.end();
  });
  auto doc = parse_xml(body);
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->name, "DescribeSubnetsResponse");
  EXPECT_EQ(doc->attribute("xmlns"), "http://ec2.amazonaws.com/doc/2016-11-15/");
  EXPECT_EQ(doc->text_or("requestId"), "rid-1");
  auto items = doc->find("subnetSet")->children_named("item");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1]->text_or("subnetId"), "subnet-2");
  // Character references keep what literal line ends would lose.
  EXPECT_EQ(items[0]->text_or("tag"), "a&b <c> \"d\" 'e'\t\n\r\x7f");
}

// Real EC2 indents its answers; whitespace between elements belongs to the parent's text.
TEST(XmlReader, PrettyPrintedAnswer) {
  auto doc = parse_xml(
      "<AssignIpv6AddressesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\r\n"
      "    <requestId>r</requestId>\n"
      "    <assignedIpv6PrefixSet>\n        <item>2001:db8::/80</item>\n    </assignedIpv6PrefixSet>\n"
      "</AssignIpv6AddressesResponse>\n");
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->text_or("assignedIpv6PrefixSet/item"), "2001:db8::/80");
  EXPECT_EQ(doc->text, "\n    \n    \n");
  EXPECT_EQ(doc->children.size(), 2u);
}

struct Valid {
  const char* doc;
  const char* path;   // element whose text is checked
  std::string text;
};

class XmlValid : public ::testing::TestWithParam<Valid> {};

TEST_P(XmlValid, Text) {
  auto doc = parse_xml(GetParam().doc);
  ASSERT_TRUE(doc) << GetParam().doc << ": " << doc.error().message();
  EXPECT_EQ(doc->text_at(GetParam().path), GetParam().text) << GetParam().doc;
}

INSTANTIATE_TEST_SUITE_P(
    Documents, XmlValid,
    ::testing::Values(
        Valid{"<a>x</a>", "", "x"},
        Valid{"\xEF\xBB\xBF<a>bom</a>", "", "bom"},
        Valid{"<a/>", "", ""},
        Valid{"<a  />", "", ""},
        Valid{"<a></a >", "", ""},
        Valid{"<a>&amp;&lt;&gt;&quot;&apos;</a>", "", "&<>\"'"},
        Valid{"<a>&#65;&#x42;&#x0043;&#233;&#x20AC;&#x1F600;</a>", "", "ABC\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
        Valid{"<a><![CDATA[<not> &amp; markup]]></a>", "", "<not> &amp; markup"},
        Valid{"<a>x<!-- c -->y<?pi data?>z</a>", "", "xyz"},
        Valid{"<?xml version='1.0'?><!-- before --><?pi?>\n<a>t</a>\n<!-- after -->\n", "", "t"},
        Valid{"<a>line1\r\nline2\rline3</a>", "", "line1\nline2\nline3"},
        Valid{"<ec2:a xmlns:ec2='urn:x'><ec2:b>v</ec2:b></ec2:a>", "b", "v"},
        Valid{"<a><b>1</b><b>2</b></a>", "b", "1"},
        Valid{"<a>caf\xC3\xA9 > ok</a>", "", "caf\xC3\xA9 > ok"},
        Valid{"<a\n  x = \"1\"\ty='2'><b/></a>", "b", ""}));

TEST(XmlReader, Attributes) {
  auto doc = parse_xml("<a x=\"1&amp;2\" y='tab\there\nnl&#xA;' xmlns:p=\"urn:p\"/>");
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(doc->attribute("x"), "1&2");
  EXPECT_EQ(doc->attribute("y"), "tab here nl\n");  // literal whitespace normalised, references kept
  EXPECT_EQ(doc->attribute("xmlns:p"), "urn:p");
  EXPECT_EQ(doc->attribute("z"), std::nullopt);
}

struct Malformed {
  std::string doc;
  const char* error;
};

class XmlMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(XmlMalformed, ExactError) {
  auto doc = parse_xml(GetParam().doc);
  ASSERT_FALSE(doc) << GetParam().doc;
  EXPECT_EQ(doc.error().message(), GetParam().error) << GetParam().doc;
}

INSTANTIATE_TEST_SUITE_P(
    Documents, XmlMalformed,
    ::testing::Values(
        Malformed{"", "XML line 1, column 1: no root element"},
        Malformed{"  \n <!-- only -->", "XML line 2, column 15: no root element"},
        Malformed{"hello", "XML line 1, column 1: text before the root element"},
        Malformed{"<a/><b/>", "XML line 1, column 5: content after the root element"},
        Malformed{"<a/>x", "XML line 1, column 5: content after the root element"},
        Malformed{"<a>", "XML line 1, column 4: unexpected end of input: <a> is not closed"},
        Malformed{"<a><b></a>", "XML line 1, column 7: mismatched end tag: expected </b>, found </a>"},
        Malformed{"<a>\n  <b></c>\n</a>", "XML line 2, column 6: mismatched end tag: expected </b>, found </c>"},
        Malformed{"<a></a", "XML line 1, column 7: expected '>' to close </a"},
        Malformed{"<1a/>", "XML line 1, column 2: expected an element name after '<'"},
        Malformed{"< a/>", "XML line 1, column 2: expected an element name after '<'"},
        Malformed{"<a:b:c/>", "XML line 1, column 2: malformed qualified name a:b:c"},
        Malformed{"<a:/>", "XML line 1, column 2: malformed qualified name a:"},
        Malformed{"<a x='1'y='2'/>", "XML line 1, column 9: expected whitespace, '>' or '/>' in the start tag <a>"},
        Malformed{"<a x/>", "XML line 1, column 5: expected '=' after attribute x"},
        Malformed{"<a x=1/>", "XML line 1, column 6: expected a quoted attribute value"},
        Malformed{"<a x='<'/>", "XML line 1, column 7: '<' in an attribute value"},
        Malformed{"<a x='1' x='2'/>", "XML line 1, column 10: duplicate attribute x"},
        Malformed{"<a x='1/>", "XML line 1, column 4: unterminated attribute value"},
        Malformed{"<a", "XML line 1, column 3: unexpected end of input in the start tag <a>"},
        Malformed{"<a>&foo;</a>", "XML line 1, column 4: unknown entity &foo;"},
        Malformed{"<a>&amp</a>", "XML line 1, column 4: unterminated reference &amp"},
        Malformed{"<a>AT&T</a>", "XML line 1, column 6: unterminated reference &T"},
        Malformed{"<a>& b</a>", "XML line 1, column 4: '&' does not start a reference (write &amp;)"},
        Malformed{"<a>&#;</a>", "XML line 1, column 4: malformed character reference"},
        Malformed{"<a>&#x;</a>", "XML line 1, column 4: malformed character reference"},
        Malformed{"<a>&#12a;</a>", "XML line 1, column 4: malformed character reference"},
        Malformed{"<a>&#0;</a>", "XML line 1, column 4: character reference &#0; is not an XML character"},
        Malformed{"<a>&#x1;</a>", "XML line 1, column 4: character reference &#x1; is not an XML character"},
        Malformed{"<a>&#xD800;</a>", "XML line 1, column 4: character reference &#xD800; is not an XML character"},
        Malformed{"<a>&#x110000;</a>", "XML line 1, column 4: character reference &#x110000; is not an XML character"},
        Malformed{"<a>&#99999999999999999999;</a>",
                  "XML line 1, column 4: character reference &#99999999999999999999; is not an XML character"},
        Malformed{"<a>x]]>y</a>", "XML line 1, column 5: ']]>' is not allowed in character data"},
        Malformed{"<a><![CDATA[x</a>", "XML line 1, column 4: unterminated CDATA section"},
        Malformed{"<a><!-- x -- y --></a>", "XML line 1, column 11: '--' inside a comment"},
        Malformed{"<a><!-- x </a>", "XML line 1, column 4: unterminated comment"},
        Malformed{"<a><!ELEMENT a></a>", "XML line 1, column 4: malformed markup '<!'"},
        Malformed{"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "XML line 1, column 1: DOCTYPE is not allowed"},
        Malformed{"<a/><![CDATA[x]]>", "XML line 1, column 5: content after the root element"},
        Malformed{" <?xml version='1.0'?><a/>", "XML line 1, column 2: XML declaration not at the start of the document"},
        Malformed{"<a><?XmL x?></a>", "XML line 1, column 4: XML declaration not at the start of the document"},
        Malformed{"<a><?pi", "XML line 1, column 4: unterminated processing instruction"},
        Malformed{"<a><?pi/x?></a>", "XML line 1, column 8: expected whitespace or '?>' after the processing instruction target"},
        Malformed{"<?xml version='1.0'<a/>", "XML line 1, column 1: unterminated XML declaration"},
        Malformed{std::string("<a>\x01</a>"), "XML line 1, column 4: control character U+0001 is not allowed"},
        Malformed{std::string("<a>\0</a>", 8), "XML line 1, column 4: control character U+0000 is not allowed"},
        Malformed{"<a>\xC3</a>", "XML line 1, column 4: invalid UTF-8"},
        Malformed{"<a>\xC0\xAF</a>", "XML line 1, column 4: invalid UTF-8"},
        Malformed{"<a>\xED\xA0\x80</a>", "XML line 1, column 4: invalid UTF-8"},
        Malformed{"<a>\xF4\x90\x80\x80</a>", "XML line 1, column 4: invalid UTF-8"},
        Malformed{"<a>\xEF\xBF\xBE</a>", "XML line 1, column 4: U+FFFE is not an XML character"},
        Malformed{"<a>\xFF</a>", "XML line 1, column 4: invalid UTF-8"},
        Malformed{"<a>\xE2\x82", "XML line 1, column 4: invalid UTF-8"}));

TEST(XmlReader, DepthAndSizeLimits) {
  std::string deep;
  for (int n = 0; n < 64; ++n) deep += "<a>";
  for (int n = 0; n < 64; ++n) deep += "</a>";
  EXPECT_TRUE(parse_xml(deep));
  auto too_deep = parse_xml("<x>" + deep + "</x>");
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().message(), "XML line 1, column 193: elements nested deeper than 64");

  auto many = parse_xml("<a><b/><b/><b/></a>", XmlLimits{.max_depth = 64, .max_elements = 3});
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().message(), "XML line 1, column 12: more than 3 elements");

  // A million nested elements neither overflow the stack nor take long: refused at 65.
  std::string bomb(3 * 1000000, '<');
  for (size_t i = 0; i < bomb.size(); i += 3) bomb[i + 1] = 'a', bomb[i + 2] = '>';
  auto refused = parse_xml(bomb);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "XML line 1, column 193: elements nested deeper than 64");
}

}  // namespace

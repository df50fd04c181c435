// kubelet's --node-labels and --register-with-taints syntaxes, and a registered Node
// carrying them (what an EKS node group's labels and taints become).
#include <gtest/gtest.h>

#include "node/agent/node_object.h"

namespace v6k::node {
namespace {

using nlohmann::json;

TEST(NodeFlags, LabelsParseInOrder) {
  auto l = parse_node_labels("team=blue,example.com/tier=web,empty=");
  ASSERT_TRUE(l) << l.error().message();
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0], (std::pair<std::string, std::string>{"team", "blue"}));
  EXPECT_EQ((*l)[1], (std::pair<std::string, std::string>{"example.com/tier", "web"}));
  EXPECT_EQ((*l)[2], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_TRUE(parse_node_labels("")->empty());
}

TEST(NodeFlags, BadLabelsAreRefusedWithTheReason) {
  struct Case {
    const char* flag;
    const char* says;
  } cases[] = {
      {"team", "is not key=value"},
      {"-bad=x", "invalid key '-bad'"},
      {"ok=-bad", "invalid value '-bad'"},
      {"a=b,,c=d", "'' is not key=value"},
      {"k=0123456789012345678901234567890123456789012345678901234567890123", "invalid value"},
  };
  for (const auto& c : cases) {
    auto l = parse_node_labels(c.flag);
    ASSERT_FALSE(l) << c.flag;
    EXPECT_NE(l.error().message().find(c.says), std::string::npos) << c.flag << ": " << l.error().message();
  }
}

TEST(NodeFlags, TaintsParse) {
  auto t = parse_taints("dedicated=gpu:NoSchedule,spot:PreferNoSchedule,x=y:NoExecute");
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(*t, json::parse(R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"},
                                {"key":"spot","effect":"PreferNoSchedule"},
                                {"key":"x","value":"y","effect":"NoExecute"}])"));
  for (const char* bad : {"dedicated=gpu", "a=b:Sometimes", "-x=y:NoSchedule", "a=b:noschedule"})
    EXPECT_FALSE(parse_taints(bad)) << bad;
}

TEST(NodeFlags, TheNodeIsRegisteredWithThem) {
  NodeIdentity id;
  id.node_name = "ip-10-0-1-5.us-west-2.compute.internal";
  id.instance_id = "i-0abc";
  id.zone = "us-west-2a";
  id.nodegroup = "ng-1";
  id.extra_labels = {{"team", "blue"}, {"kubernetes.io/os", "linux"}};
  id.taints = json::parse(R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"}])");
  json n = make_node(id);
  EXPECT_EQ(n["metadata"]["labels"]["team"], "blue");
  EXPECT_EQ(n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"], "ng-1");
  EXPECT_EQ(n["spec"]["taints"], id.taints);
  id.taints = json::array();
  EXPECT_FALSE(make_node(id)["spec"].contains("taints"));
}

}  // namespace
}  // namespace v6k::node

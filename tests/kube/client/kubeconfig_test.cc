// Our components' kubeconfigs: written, read back, and every malformed one refused with
// the reason.
#include <gtest/gtest.h>

#include "kube/client/kubeconfig.h"

namespace v6k::kube {
namespace {

using nlohmann::json;

TEST(Kubeconfig, RoundTripsAndReadsEveryLoopbackForm) {
  for (std::string server : {"https://[::1]:6443", "https://127.0.0.1:6443", "https://localhost:6443",
                             "https://localhost:6443/"}) {
    json j = make_kubeconfig({.server = server, .ca_pem = "-----BEGIN CERTIFICATE-----\nx\n", .token = "t0k",
                              .cluster_name = "blue", .user_name = "system:node:n1"});
    EXPECT_EQ(j["current-context"], "blue");
    auto cfg = parse_kubeconfig(j.dump(), "kc");
    ASSERT_TRUE(cfg) << server << ": " << cfg.error().message();
    EXPECT_EQ(cfg->host, "::1");
    EXPECT_EQ(cfg->port, 6443);
    EXPECT_EQ(cfg->token, "t0k");
    EXPECT_EQ(cfg->ca_pem, "-----BEGIN CERTIFICATE-----\nx\n");
  }
}

TEST(Kubeconfig, RefusesWhatItCannotUse) {
  auto base = [] { return make_kubeconfig({.server = "https://[::1]:6443", .ca_pem = "ca", .token = "t"}); };
  struct Case {
    std::string name;
    json kc;
    std::string says;
  } cases[] = {
      {"not json", json("nope"), "not a JSON kubeconfig"},
      {"no context", [&] { auto j = base(); j["current-context"] = "other"; return j; }(), "no context named"},
      {"no user", [&] { auto j = base(); j["users"] = json::array(); return j; }(), "cluster or user is missing"},
      {"http", [&] { auto j = base(); j["clusters"][0]["cluster"]["server"] = "http://[::1]:1"; return j; }(),
       "is not an https URL"},
      {"no port", [&] { auto j = base(); j["clusters"][0]["cluster"]["server"] = "https://localhost"; return j; }(),
       "has no port"},
      {"port 0", [&] { auto j = base(); j["clusters"][0]["cluster"]["server"] = "https://[::1]:0"; return j; }(),
       "has a bad port"},
      {"big port", [&] { auto j = base(); j["clusters"][0]["cluster"]["server"] = "https://[::1]:65536"; return j; }(),
       "has a bad port"},
      {"remote", [&] { auto j = base(); j["clusters"][0]["cluster"]["server"] = "https://10.0.0.1:443"; return j; }(),
       "is not on loopback"},
      {"bad ca", [&] { auto j = base(); j["clusters"][0]["cluster"]["certificate-authority-data"] = "!!"; return j; }(),
       "certificate-authority-data"},
  };
  for (const auto& c : cases) {
    auto r = parse_kubeconfig(c.kc.is_string() ? c.kc.get<std::string>() : c.kc.dump(), "kc");
    ASSERT_FALSE(r) << c.name;
    EXPECT_NE(r.error().message().find(c.says), std::string::npos) << c.name << ": " << r.error().message();
  }
  EXPECT_FALSE(read_kubeconfig("/nonexistent/kubeconfig"));
}

}  // namespace
}  // namespace v6k::kube

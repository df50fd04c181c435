// apimachinery util/validation messages, verbatim (Kubernetes 1.32).
#include <gtest/gtest.h>

#include "kube/selector/label_syntax.h"

namespace v6k::kube {
namespace {

using V = std::vector<std::string>;

const std::string kNameRegex =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const std::string kSubdomainRegex =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string kLabelRegex =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string kValueRegex =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

TEST(LabelSyntax, Keys) {
  const std::pair<std::string, V> cases[] = {
      {"app", {}},
      {"App_1.x-y", {}},
      {"a", {}},
      {"example.com/app", {}},
      {"kubernetes.io/metadata.name", {}},
      {std::string(63, 'a'), {}},
      {"-bad", {"name part " + kNameRegex}},
      {"bad-", {"name part " + kNameRegex}},
      {"", {"name part must be non-empty", "name part " + kNameRegex}},
      {std::string(64, 'a'), {"name part must be no more than 63 characters"}},
      {"/app", {"prefix part must be non-empty"}},
      {"example.com/", {"name part must be non-empty", "name part " + kNameRegex}},
      {"Example.com/app", {"prefix part " + kSubdomainRegex}},
      {"a b", {"name part " + kNameRegex}},
      {"a/b/c",
       {"a qualified name " + kNameRegex +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"}},
      {std::string(254, 'a') + "/x",
       {"prefix part must be no more than 253 characters", }},
  };
  for (const auto& [key, want] : cases) EXPECT_EQ(label_key_errors(key), want) << key;
}

TEST(LabelSyntax, Values) {
  const std::pair<std::string, V> cases[] = {
      {"", {}},
      {"web", {}},
      {"1.2_3-x", {}},
      {std::string(63, 'v'), {}},
      {std::string(64, 'v'), {"must be no more than 63 characters"}},
      {"-v", {kValueRegex}},
      {"a/b", {kValueRegex}},
      {std::string(64, '-'), {"must be no more than 63 characters", kValueRegex}},
  };
  for (const auto& [v, want] : cases) EXPECT_EQ(label_value_errors(v), want) << v;
}

TEST(LabelSyntax, Dns1123) {
  const std::pair<std::string, V> subdomains[] = {
      {"example.com", {}},
      {"a", {}},
      {"a-b.c-d", {}},
      {"", {kSubdomainRegex}},
      {"a..b", {kSubdomainRegex}},
      {"A", {kSubdomainRegex}},
      {".a", {kSubdomainRegex}},
      {"a.", {kSubdomainRegex}},
      {"a_b", {kSubdomainRegex}},
      {std::string(253, 'a'), {}},
      {std::string(254, 'a'), {"must be no more than 253 characters"}},
  };
  for (const auto& [s, want] : subdomains) EXPECT_EQ(dns1123_subdomain_errors(s), want) << s;
  const std::pair<std::string, V> labels[] = {
      {"my-name", {}},
      {"123-abc", {}},
      {"", {kLabelRegex}},
      {"My", {kLabelRegex}},
      {"a.b", {kLabelRegex}},
      {"-a", {kLabelRegex}},
      {std::string(63, 'a'), {}},
      {std::string(64, 'a'), {"must be no more than 63 characters"}},
  };
  for (const auto& [s, want] : labels) EXPECT_EQ(dns1123_label_errors(s), want) << s;
}

}  // namespace
}  // namespace v6k::kube

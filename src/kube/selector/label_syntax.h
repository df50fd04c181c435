// The syntax checks of k8s.io/apimachinery/pkg/util/validation (Kubernetes 1.32) that label
// selectors and object validation share: label keys, label values, DNS-1123 names.
//
// Each returns upstream's own error strings, in upstream's order (empty = valid), so the
// API server can put them verbatim into `metadata.labels: Invalid value: "x": <message>`:
//
//   label_key_errors("-bad")
//   // {"name part must consist of alphanumeric characters, '-', '_' or '.', and must start
//   //   and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc',
//   //   regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"}
//   // (the double spaces before "or" are upstream's)
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace v6k::kube {

// IsQualifiedName: [DNS-1123 subdomain prefix "/"] name, name ≤ 63 of [-A-Za-z0-9_.],
// starting and ending alphanumeric.
std::vector<std::string> label_key_errors(std::string_view key);
// IsValidLabelValue: empty, or ≤ 63 chars of the qualified-name charset.
std::vector<std::string> label_value_errors(std::string_view value);
// IsDNS1123Subdomain: ≤ 253 chars, lowercase labels joined by '.'.
std::vector<std::string> dns1123_subdomain_errors(std::string_view s);
// IsDNS1123Label: ≤ 63 chars of [-a-z0-9], starting and ending alphanumeric.
std::vector<std::string> dns1123_label_errors(std::string_view s);

}  // namespace v6k::kube

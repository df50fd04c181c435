// Helpers of the kubectl test suites: the seed manifest, and kubectl output split into
// lines with column padding collapsed.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace v6k::testing {

inline std::string manifest_path() {
  const char* src = std::getenv("V6K_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/kube/apiserver/testdata/sample-service.yml";
}

inline std::string read_file(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

// Collapses runs of spaces so column layouts compare without exact padding.
inline std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

}  // namespace v6k::testing

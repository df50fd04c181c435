// A private temporary directory for one test, removed with everything in it.
//
//   TempDir dir("v6k-tls");                          // /tmp/v6k-tls-XXXXXX
//   std::string ca = dir.write("ca.pem", pem);      // its path
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace v6k::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& stem = "v6k-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `text` to <dir>/<name> and returns that path.
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

}  // namespace v6k::testing

// Atomic whole-file replacement and reading: after write_file_atomic returns, the file
// holds either the old or the new content, never a mix, across crashes and power loss
// (temp file in the same directory, fsync, rename, fsync of the directory).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace v6k {

Result<> write_file_atomic(const std::string& path, std::string_view content, int mode = 0644);
Result<std::string> read_file(const std::string& path);
// Creates `path` and its missing parents with `mode` (like mkdir -p).
Result<> make_dirs(const std::string& path, int mode = 0755);

}  // namespace v6k

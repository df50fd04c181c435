// Request ids as AWS prints them: random UUID v4, "8f2c5a1e-3b7d-4c9e-a0f1-2d3e4f5a6b7c".
#pragma once

#include <string>

namespace v6k::aws {

// Random (getrandom) version-4 UUID in lower-case canonical form.
std::string new_request_id();

}  // namespace v6k::aws

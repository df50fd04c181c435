#include "common/result.h"

#include <cstring>

namespace v6k {

Error Error::from_errno(int err, std::string what, std::string detail) {
  return Error(err, std::move(what), std::move(detail));
}

Error Error::invalid(std::string what) { return Error(EINVAL, std::move(what), {}); }

std::string Error::message() const {
  std::string out = what_;
  if (!detail_.empty()) {
    out += ": ";
    out += detail_;
  }
  if (code_ != 0 && code_ != EINVAL) {
    out += ": ";
    out += std::strerror(code_);
    out += " (errno ";
    out += std::to_string(code_);
    out += ")";
  }
  return out;
}

Error Error::wrap(std::string_view context) && {
  if (!context.empty()) what_ = std::string(context) + ": " + what_;
  return std::move(*this);
}

Error Error::wrap(std::string_view context) const& {
  Error copy = *this;
  return std::move(copy).wrap(context);
}

}  // namespace v6k

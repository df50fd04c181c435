// Result<T>: the one return type of everything that touches the OS or parses input.
//
// An Error carries what failed (errno or a module code), the kernel's or parser's own
// words, and a chain of "while doing X" contexts added as it travels up:
//
//   Result<Link> r = rtnl.create_veth(...);
//   if (!r) return std::unexpected(r.error().wrap("adding pod network"));
//   // r.error().message() == "adding pod network: creating veth v6k1234: File exists (errno 17)"
//
// No bool or -1 returns; exceptions never cross a module edge.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace v6k {

class Error {
 public:
  Error() = default;
  // An OS failure: `err` is an errno value, `what` says what was being done.
  static Error from_errno(int err, std::string what, std::string detail = {});
  // A failure that is not an errno (bad input, protocol violation, ...).
  static Error invalid(std::string what);
  static Error make(int code, std::string what) { return Error(code, std::move(what), {}); }

  int code() const { return code_; }           // errno (0 when none)
  const std::string& what() const { return what_; }
  const std::string& detail() const { return detail_; }  // e.g. netlink extended ack text
  // Full human text: contexts, what, detail and the errno's name.
  std::string message() const;

  // Adds an outer context ("while X") and returns the error for chaining.
  Error wrap(std::string_view context) &&;
  Error wrap(std::string_view context) const&;

 private:
  Error(int code, std::string what, std::string detail)
      : code_(code), what_(std::move(what)), detail_(std::move(detail)) {}
  int code_ = 0;
  std::string what_;
  std::string detail_;
};

template <typename T = void>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }
inline std::unexpected<Error> fail_errno(std::string what, int err = errno) {
  return std::unexpected<Error>(Error::from_errno(err, std::move(what)));
}
inline std::unexpected<Error> fail_invalid(std::string what) {
  return std::unexpected<Error>(Error::invalid(std::move(what)));
}

}  // namespace v6k

// Evaluates a Result expression; on error returns it from the enclosing function,
// wrapped with `ctx`.  Usage: V6K_TRY(fd.write(x), "writing state");
#define V6K_TRY(expr, ctx)                                              \
  do {                                                                  \
    auto&& v6k_try_r_ = (expr);                                         \
    if (!v6k_try_r_) return ::v6k::fail(std::move(v6k_try_r_.error()).wrap(ctx)); \
  } while (0)

// BOOST_ASSERT handler for the fuzz build (BOOST_ENABLE_ASSERT_HANDLER): every failed
// Boost assertion aborts, so the fuzzer reports it, except one that is wrong in Beast 1.74.
//
// basic_parser::parse_chunk_header asserts `n >= 5`, but a streaming parser legally reaches
// it with 3 or 4 bytes (e.g. "0\r\n" then "\r"); the code after the assertion returns
// need_more correctly. Upstream relaxed it (boostorg/beast pull request 2861, Beast 1.86).
// Release builds compile assertions out, so the server never hit it; the fuzzer did.
#include <boost/assert.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(file, "basic_parser.ipp") != nullptr) return;
  std::fprintf(stderr, "Boost assertion failed: %s in %s (%s:%ld)\n", expr, function, file, line);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  std::fprintf(stderr, "Boost assertion failed: %s (%s) in %s (%s:%ld)\n", expr, msg, function, file, line);
  std::abort();
}

}  // namespace boost

// Go's %q of a string (strconv.Quote), as Kubernetes' field errors print bad values:
// quotes, backslash escapes for \a \b \f \n \r \t \v, \xNN for other control bytes and
// for bytes that are not valid UTF-8; valid UTF-8 sequences are kept as they are.
//
//   go_quote("a\"b\n") == R"("a\"b\n")"
#pragma once

#include <string>
#include <string_view>

namespace v6k::kube {

std::string go_quote(std::string_view s);

}  // namespace v6k::kube

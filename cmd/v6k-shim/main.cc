// v6k-shim: started by the node agent's runtime for each container (never by hand). It
// reads the container's launch plan on stdin, reports on fd 3, and leaves a shim process
// that owns the container's output and exit record (src/node/runtime/launch.h).
#include "node/runtime/launch.h"

int main() { return v6k::node::runtime::detail::shim_exec_main(); }

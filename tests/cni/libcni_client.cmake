# libcni-client: a Go CNI runtime built on Debian's libcni (golang-github-appc-cni-dev),
# used to drive v6k-cni exactly as a real runtime would. Include from tests/cni/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/libcni_client.cmake)
# Builds offline; build.sh itself skips work when the binary is up to date.
set(V6K_LIBCNI_CLIENT_DIR ${CMAKE_BINARY_DIR}/tests/cni/libcni-client)
set(V6K_LIBCNI_CLIENT ${V6K_LIBCNI_CLIENT_DIR}/libcni-client)

add_custom_target(libcni_client
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/libcni-client/build.sh ${V6K_LIBCNI_CLIENT_DIR}
  BYPRODUCTS ${V6K_LIBCNI_CLIENT}
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/libcni-client/main.go
          ${CMAKE_CURRENT_LIST_DIR}/libcni-client/build.sh
  COMMENT "Building libcni-client (Go, Debian libcni, offline)"
  VERBATIM)

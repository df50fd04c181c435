// fuzz_proto: protobuf request bodies (k8s\0 + runtime.Unknown) as kubectl POSTs them.
// Invariants: no crash or sanitizer report; a decoded object is a JSON object carrying
// apiVersion and kind, and serializes (valid UTF-8 throughout) without throwing. The first
// byte picks whether the k8s\0 magic is supplied, so mutations reach the message decoder.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kube/proto/proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string body = data[0] % 2 == 0 ? std::string("k8s\0", 4) + std::string(in) : std::string(in);
  auto obj = v6k::kube::decode_protobuf_object(body);
  if (obj) {
    if (!obj->is_object() || !obj->contains("apiVersion") || !obj->contains("kind")) std::abort();
    try {
      (void)obj->dump();
    } catch (...) {
      std::abort();
    }
  }
  return 0;
}

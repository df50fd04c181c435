// fuzz_etcd_wire: what the store reads from an etcd gateway — reply bodies with any HTTP
// status, kv objects and base64 fields. Invariants: no crash or sanitizer report; base64
// round-trips (decode(encode(x)) == x); a decoded kv's key and value are what base64 says;
// prefix_end(p) sorts after every key with prefix p (or is "\0" for "to the end").
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "etcd/internal/wire.h"

using namespace v6k::etcd::internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const unsigned status = data[0] % 2 == 0 ? 200 : 400 + data[0] % 100;

  auto reply = decode_reply(status, std::string(in));
  if (reply && reply->is_object()) {
    for (const char* field : {"kvs", "prev_kvs", "events"})
      if (reply->contains(field) && (*reply)[field].is_array())
        for (const auto& kv : (*reply)[field])
          if (kv.is_object()) (void)parse_kv(kv.contains("kv") ? kv["kv"] : kv);
    (void)int_field(*reply, "count");
  }

  std::string enc = b64encode(in);
  auto dec = b64decode(enc);
  if (!dec || *dec != in) std::abort();
  (void)b64decode(in);

  std::string end = prefix_end(in);
  if (end != std::string(1, '\0') && !(std::string(in) < end)) std::abort();
  return 0;
}

// fuzz_quantity: arbitrary text as a Kubernetes resource quantity ("100m", "1.5Gi", "1e3").
// Invariants: no crash or sanitizer report (UBSan catches signed overflow in the scaling);
// the milli/cpu helpers agree with parse_quantity_scaled(x, 3), the value/memory helpers
// with scale 0; when both scales parse, milli >= value * 1000 - 999 and <= value * 1000
// (ceil at a finer scale never exceeds 1000x the ceil at the coarser one, and is at most
// 999 below it), checked in __int128 so the check itself cannot overflow.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kube/scheduler/quantity.h"

using namespace v6k::kube::scheduler;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto milli = parse_quantity_milli(text);
  auto scaled3 = parse_quantity_scaled(text, 3);
  if (milli.has_value() != scaled3.has_value()) std::abort();
  if (milli && *milli != *scaled3) std::abort();
  auto cpu = parse_cpu_millicores(text);
  if (cpu.has_value() != milli.has_value() || (cpu && *cpu != *milli)) std::abort();

  auto value = parse_quantity_value(text);
  auto mem = parse_memory_bytes(text);
  if (value.has_value() != mem.has_value() || (value && *value != *mem)) std::abort();

  if (milli && value) {
    __int128 m = *milli, v = *value;
    // ceil away from zero: for positive x, v = ceil(x), m = ceil(1000x), so 1000v-999 <= m <= 1000v.
    if (m > 0 && (m > v * 1000 || m < v * 1000 - 999)) std::abort();
    if (m < 0 && (m < v * 1000 || m > v * 1000 + 999)) std::abort();
  }
  if (milli && value && ((*milli == 0) != (*value == 0))) std::abort();
  // A value that parses at scale 3 parses at scale 0 too (it is 1000x smaller).
  if (milli && !value) std::abort();

  for (int scale : {0, 1, 6, 9, 18, 19, 30}) (void)parse_quantity_scaled(text, scale);
  return 0;
}

// Kubernetes resource quantities ("100m", "0.5", "128Mi", "1.5Gi", "1e3") read as integers,
// the way the scheduler reads them (apimachinery resource.Quantity MilliValue()/Value()).
//
//   parse_quantity_milli("100m")   -> 100          (value * 1000)
//   parse_cpu_millicores("0.5")    -> 500
//   parse_memory_bytes("1.5Gi")    -> 1610612736
//   parse_memory_bytes("0.5")      -> 1            (fractions round up, away from zero, as upstream)
//   parse_quantity_milli("1Kx")    -> EINVAL "quantities must match the regular expression ..."
//
// Grammar (upstream): <sign>?<digits>[.<digits>]<suffix>, suffix one of the binary SI
// suffixes Ki Mi Gi Ti Pi Ei, the decimal SI suffixes n u m "" k M G T P E, or a decimal
// exponent e<int> / E<int>. Error texts are upstream's (ErrFormatWrong, ErrNumeric,
// ErrSuffix); a value whose integer result does not fit int64 is an error of our own.
// Results are exact for up to 20 significant fraction digits after scaling.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace v6k::kube::scheduler {

// ceil(|value| * 10^scale) with the value's sign, as an int64 (scale >= 0).
Result<int64_t> parse_quantity_scaled(std::string_view text, int scale);

// value * 1000, rounded up: the unit the scheduler uses for cpu.
inline Result<int64_t> parse_quantity_milli(std::string_view text) { return parse_quantity_scaled(text, 3); }
inline Result<int64_t> parse_cpu_millicores(std::string_view text) { return parse_quantity_scaled(text, 3); }
// value rounded up to a whole unit: bytes for memory, a count for "pods".
inline Result<int64_t> parse_memory_bytes(std::string_view text) { return parse_quantity_scaled(text, 0); }
inline Result<int64_t> parse_quantity_value(std::string_view text) { return parse_quantity_scaled(text, 0); }

}  // namespace v6k::kube::scheduler

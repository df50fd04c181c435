// Address parse/format speed against the named peer, glibc inet_pton/inet_ntop, in the
// same run; ends with one "ratio" line per pair (ours / peer CPU time; < 1 is faster).
//
// The comparison is not quite like for like, in the peer's favour for formatting: our
// to_string() returns a std::string (heap allocation past 15 chars, i.e. most IPv6 text),
// while inet_ntop writes into the caller's buffer. Parsing is like for like (both write
// 16/4 bytes; ours also reports why on failure, which costs nothing on success).
#include <arpa/inet.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "addr/ip.h"

namespace {

using v6k::addr::Ipv4Address;
using v6k::addr::Ipv6Address;

// A mix of the forms v6k sees: pod and node addresses, full and compressed text,
// a mapped IPv4, a link-local gateway, a NAT64 address.
const std::vector<std::string> kV6Text = {
    "2001:db8:0:1:3::5",
    "2600:1f13:812:0000:0000:0000:0000:71eb",
    "fe80::1",
    "::ffff:192.0.2.128",
    "2001:db8:1:2:3:4:5:6",
    "fd7a:115c:a1e0::a",
    "64:ff9b::198.51.100.7",
    "::",
};
const std::vector<std::string> kV4Text = {
    "10.0.0.108", "169.254.172.1", "198.51.100.255", "0.0.0.0", "203.0.113.10", "255.255.255.255",
};

void parse_v6_ours(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& t : kV6Text) {
      auto a = Ipv6Address::parse(t);
      benchmark::DoNotOptimize(a);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kV6Text.size()));
}

void parse_v6_peer(benchmark::State& state) {
  unsigned char buf[16];
  for (auto _ : state) {
    for (const auto& t : kV6Text) {
      int r = inet_pton(AF_INET6, t.c_str(), buf);
      benchmark::DoNotOptimize(r);
      benchmark::DoNotOptimize(buf);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kV6Text.size()));
}

std::vector<Ipv6Address> v6_values() {
  std::vector<Ipv6Address> out;
  for (const auto& t : kV6Text) out.push_back(Ipv6Address::parse(t).value());
  return out;
}

void format_v6_ours(benchmark::State& state) {
  auto values = v6_values();
  for (auto _ : state) {
    for (const auto& a : values) {
      std::string s = a.to_string();
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

void format_v6_peer(benchmark::State& state) {
  auto values = v6_values();
  char buf[INET6_ADDRSTRLEN];
  for (auto _ : state) {
    for (const auto& a : values) {
      const char* s = inet_ntop(AF_INET6, a.bytes().data(), buf, sizeof buf);
      benchmark::DoNotOptimize(s);
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

void parse_v4_ours(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& t : kV4Text) {
      auto a = Ipv4Address::parse(t);
      benchmark::DoNotOptimize(a);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kV4Text.size()));
}

void parse_v4_peer(benchmark::State& state) {
  in_addr out{};
  for (auto _ : state) {
    for (const auto& t : kV4Text) {
      int r = inet_pton(AF_INET, t.c_str(), &out);
      benchmark::DoNotOptimize(r);
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kV4Text.size()));
}

void format_v4_ours(benchmark::State& state) {
  std::vector<Ipv4Address> values;
  for (const auto& t : kV4Text) values.push_back(Ipv4Address::parse(t).value());
  for (auto _ : state) {
    for (const auto& a : values) {
      std::string s = a.to_string();
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

void format_v4_peer(benchmark::State& state) {
  std::vector<in_addr> values;
  for (const auto& t : kV4Text) values.push_back(in_addr{htonl(Ipv4Address::parse(t).value().to_u32())});
  char buf[INET_ADDRSTRLEN];
  for (auto _ : state) {
    for (const auto& a : values) {
      const char* s = inet_ntop(AF_INET, &a, buf, sizeof buf);
      benchmark::DoNotOptimize(s);
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(values.size()));
}

// Prints the normal console table and remembers each run's CPU time per iteration.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Iteration && !r.error_occurred) cpu_[r.benchmark_name()] = r.GetAdjustedCPUTime();
    }
  }
  const std::map<std::string, double>& cpu() const { return cpu_; }

 private:
  std::map<std::string, double> cpu_;
};

}  // namespace

int main(int argc, char** argv) {
  const char* pairs[] = {"parse_v6", "format_v6", "parse_v4", "format_v4"};
  benchmark::RegisterBenchmark("parse_v6/ours", parse_v6_ours);
  benchmark::RegisterBenchmark("parse_v6/inet_pton", parse_v6_peer);
  benchmark::RegisterBenchmark("format_v6/ours", format_v6_ours);
  benchmark::RegisterBenchmark("format_v6/inet_ntop", format_v6_peer);
  benchmark::RegisterBenchmark("parse_v4/ours", parse_v4_ours);
  benchmark::RegisterBenchmark("parse_v4/inet_pton", parse_v4_peer);
  benchmark::RegisterBenchmark("format_v4/ours", format_v4_ours);
  benchmark::RegisterBenchmark("format_v4/inet_ntop", format_v4_peer);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  const auto& cpu = reporter.cpu();
  for (const char* op : pairs) {
    std::string name(op);
    std::string peer = name + (name.starts_with("parse") ? "/inet_pton" : "/inet_ntop");
    auto ours = cpu.find(name + "/ours");
    auto theirs = cpu.find(peer);
    if (ours == cpu.end() || theirs == cpu.end() || theirs->second <= 0) continue;
    std::printf("ratio %-10s ours/%s = %.2f (%.1f ns vs %.1f ns per batch)\n", op, peer.c_str() + name.size() + 1,
                ours->second / theirs->second, ours->second, theirs->second);
  }
  return 0;
}

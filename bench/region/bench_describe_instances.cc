// bench_describe_instances: DescribeInstances latency with 1,000 instances in the store
// (issue target: p99 <= 20 ms), through the EC2 API exactly as the front door calls it
// (parsed query in, XML out), beside the named floor `store_list` — listing the same
// instance and ENI rows from the store and parsing their JSON, which any implementation
// over this store must do. Also RunInstances per call in the same store (API + store
// only; the fabric's cost is bench/fabric).
//
//   bench_describe_instances [instances=1000] [rounds=200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/query.h"
#include "ec2/api.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_describe_instances: %s\n", what.c_str());
  std::exit(1);
}

std::string call(v6k::ec2::Ec2Api& api, const std::string& body, int want_status = 200) {
  auto q = v6k::aws::parse_query(body);
  if (!q) die("bad query " + body);
  auto r = api.handle(*q, "bench");
  if (r.status != want_status) die(body + " -> " + std::to_string(r.status) + ": " + r.body);
  return r.body;
}

std::string between(const std::string& s, const std::string& open, const std::string& close) {
  auto a = s.find(open);
  if (a == std::string::npos) die("no " + open + " in response");
  a += open.size();
  return s.substr(a, s.find(close, a) - a);
}

struct Stats {
  double p50, p99, mean;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], sum / static_cast<double>(v.size())};
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int instances = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 200;
  auto dir = std::filesystem::temp_directory_path() / ("v6k-bench-ec2-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto store = v6k::store::open_sqlite((dir / "state.db").string());
  if (!store) die(store.error().message());
  v6k::ec2::Ec2Api api(**store, v6k::ec2::RegionConfig::defaults());
  const std::string v = "&Version=2016-11-15";

  std::string vpc = between(call(api, "Action=CreateVpc&CidrBlock=10.0.0.0/16&AmazonProvidedIpv6CidrBlock=true" + v),
                            "<vpcId>", "</vpcId>");
  std::string v6 = between(call(api, "Action=DescribeVpcs&VpcId.1=" + vpc + v), "<ipv6CidrBlock>", "</ipv6CidrBlock>");
  std::string net = v6.substr(0, v6.find("::")) + "::/64";
  std::string subnet = between(call(api, "Action=CreateSubnet&VpcId=" + vpc + "&CidrBlock=10.0.0.0/20&Ipv6CidrBlock=" +
                                             v6k::aws::form_encode(net) + v),
                               "<subnetId>", "</subnetId>");
  call(api, "Action=ModifySubnetAttribute&SubnetId=" + subnet + "&AssignIpv6AddressOnCreation.Value=true" + v);

  // RunInstances, one instance per call, timed: the API + store part of launching.
  std::vector<double> run_ms;
  for (int i = 0; i < instances; ++i) {
    auto t0 = Clock::now();
    call(api, "Action=RunInstances&ImageId=ami-0abcdef1234567890&MinCount=1&MaxCount=1&SubnetId=" + subnet +
                  "&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name"
                  "&TagSpecification.1.Tag.1.Value=bench-" + std::to_string(i) + v);
    run_ms.push_back(ms_since(t0));
  }

  // DescribeInstances of everything (what the seed's --query call fetches), and filtered.
  std::vector<double> all_ms, filtered_ms, floor_ms;
  size_t bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    bytes = call(api, "Action=DescribeInstances" + v).size();
    all_ms.push_back(ms_since(t0));
    t0 = Clock::now();
    call(api, "Action=DescribeInstances&Filter.1.Name=tag:Name&Filter.1.Value.1=bench-7*"
              "&Filter.2.Name=instance-state-name&Filter.2.Value.1=running" + v);
    filtered_ms.push_back(ms_since(t0));
    t0 = Clock::now();
    size_t n = 0;
    for (const char* prefix : {"/ec2/instances/", "/ec2/enis/"}) {
      auto l = (*store)->list(prefix);
      if (!l) die(l.error().message());
      for (const auto& kv : l->items) n += nlohmann::json::parse(kv.value).size();
    }
    if (n == 0) die("floor read nothing");
    floor_ms.push_back(ms_since(t0));
  }
  auto run = stats(run_ms), all = stats(all_ms), filtered = stats(filtered_ms), floor = stats(floor_ms);
  std::printf("instances in store: %d, rounds: %d, DescribeInstances response %zu bytes\n", instances, rounds, bytes);
  std::printf("%-36s %9s %9s %9s\n", "operation", "p50 ms", "p99 ms", "mean ms");
  std::printf("%-36s %9.2f %9.2f %9.2f\n", "RunInstances (1 per call, API+store)", run.p50, run.p99, run.mean);
  std::printf("%-36s %9.2f %9.2f %9.2f\n", "DescribeInstances (all)", all.p50, all.p99, all.mean);
  std::printf("%-36s %9.2f %9.2f %9.2f\n", "DescribeInstances (tag+state filter)", filtered.p50, filtered.p99,
              filtered.mean);
  std::printf("%-36s %9.2f %9.2f %9.2f\n", "floor: store_list + JSON parse", floor.p50, floor.p99, floor.mean);
  std::printf("DescribeInstances(all) / store_list floor: %.2fx at p50; target p99 <= 20 ms: %s\n",
              all.p50 / floor.p50, all.p99 <= 20.0 ? "met" : "NOT met");
  std::filesystem::remove_all(dir);
  return 0;
}

// The real aws CLI (Debian's awscli v2, /usr/bin/aws) against `v6k serve`: the seed's VPC
// setup step by step, bad input rejected with AWS's error codes and nothing changed, bad
// signatures refused, and the state surviving a kill -9 of the daemon.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

namespace {

using nlohmann::json;

struct Proc {
  int code = -1;
  std::string out, err;
};

Proc run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int out[2], err[2];
  if (::pipe(out) != 0 || ::pipe(err) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::close(out[0]);
    ::close(err[0]);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Proc r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0 && ::poll(fds, 2, 60000) > 0) {
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string built(const std::string& rel) {
  const char* dir = std::getenv("V6K_BUILD_DIR");
  return std::string(dir ? dir : "build") + "/" + rel;
}

class AwsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/aws", X_OK) != 0) GTEST_SKIP() << "/usr/bin/aws (Debian awscli) is not installed";
    char tmpl[] = "/tmp/v6k-region-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    state_ = tmpl;
    port_ = free_port();
    start_daemon();
    auto creds = json::parse(read(state_ + "/credentials"), nullptr, false);
    ASSERT_TRUE(creds.is_object());
    env_ = {{"AWS_ACCESS_KEY_ID", creds["access_key_id"]},
            {"AWS_SECRET_ACCESS_KEY", creds["secret_access_key"]},
            {"AWS_DEFAULT_REGION", "us-west-2"},
            {"AWS_CONFIG_FILE", state_ + "/aws-config"},
            {"AWS_SHARED_CREDENTIALS_FILE", state_ + "/aws-credentials"},
            {"AWS_PAGER", ""},
            {"HOME", state_}};
  }
  void TearDown() override {
    stop_daemon(SIGTERM);
    std::error_code ec;
    std::filesystem::remove_all(state_, ec);
  }
  static std::string read(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return "";
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
  }
  void start_daemon() {
    daemon_ = ::fork();
    if (daemon_ == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      std::string v6k = built("cmd/v6k"), port = std::to_string(port_);
      ::execl(v6k.c_str(), v6k.c_str(), "serve", "--state", state_.c_str(), "--port", port.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (std::filesystem::exists(state_ + "/v6k.pid")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "v6k serve did not start";
  }
  void stop_daemon(int sig) {
    if (daemon_ <= 0) return;
    ::kill(daemon_, sig);
    int status = 0;
    ::waitpid(daemon_, &status, 0);
    daemon_ = -1;
  }
  Proc aws(std::vector<std::string> args, std::map<std::string, std::string> extra_env = {}) {
    std::vector<std::string> argv = {"/usr/bin/aws", "--endpoint-url", "http://localhost:" + std::to_string(port_),
                                     "--output", "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = env_;
    for (auto& [k, v] : extra_env) env[k] = v;
    return run(argv, env);
  }
  json aws_json(std::vector<std::string> args) {
    Proc r = aws(std::move(args));
    EXPECT_EQ(r.code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  std::string state_;
  uint16_t port_ = 0;
  pid_t daemon_ = -1;
  std::map<std::string, std::string> env_;
};

TEST_F(AwsCli, SeedVpcSetupAndErrors) {
  json who = aws_json({"sts", "get-caller-identity"});
  EXPECT_EQ(who["Account"], "123456789012");

  json zones = aws_json({"ec2", "describe-availability-zones"});
  ASSERT_EQ(zones["AvailabilityZones"].size(), 3u);
  EXPECT_EQ(zones["AvailabilityZones"][0]["ZoneName"], "us-west-2a");
  EXPECT_EQ(zones["AvailabilityZones"][0]["ZoneId"], "usw2-az1");

  json vpc = aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block",
                       "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=aws-news-blog}]"});
  std::string vpc_id = vpc["Vpc"]["VpcId"];
  EXPECT_EQ(vpc_id.rfind("vpc-", 0), 0u);
  EXPECT_EQ(vpc["Vpc"]["CidrBlock"], "10.0.0.0/16");
  std::string v6 = vpc["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  ASSERT_EQ(v6.substr(v6.size() - 3), "/56") << v6;
  EXPECT_EQ(v6.rfind("2001:db8:", 0), 0u) << v6;
  EXPECT_EQ(vpc["Vpc"]["Tags"][0]["Value"], "aws-news-blog");

  // The two /64s the seed uses: the first two of the VPC's /56.
  std::string base = v6.substr(0, v6.find("::"));  // e.g. 2001:db8:0:100
  std::string net_a = base + "::/64";
  std::string net_b = base.substr(0, base.size() - 1) + "1::/64";
  json a = aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.0/24", "--ipv6-cidr-block",
                     net_a, "--availability-zone", "us-west-2a"});
  json b = aws_json({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.1.0/24", "--ipv6-cidr-block",
                     net_b, "--availability-zone", "us-west-2b"});
  std::string sa = a["Subnet"]["SubnetId"], sb = b["Subnet"]["SubnetId"];
  EXPECT_EQ(a["Subnet"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"], net_a);
  EXPECT_EQ(a["Subnet"]["AvailableIpAddressCount"], 251);
  for (const auto& s : {sa, sb}) {
    Proc m = aws({"ec2", "modify-subnet-attribute", "--subnet-id", s, "--assign-ipv6-address-on-creation"});
    EXPECT_EQ(m.code, 0) << m.err;
  }
  json subnets = aws_json({"ec2", "describe-subnets", "--filters", "Name=vpc-id,Values=" + vpc_id});
  ASSERT_EQ(subnets["Subnets"].size(), 2u);
  for (const auto& s : subnets["Subnets"]) EXPECT_EQ(s["AssignIpv6AddressOnCreation"], true);

  // Bad input: AWS's codes, exit 254, and nothing changes.
  struct Bad {
    std::vector<std::string> args;
    std::string code;
  };
  std::vector<Bad> bad = {
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.128/25"}, "InvalidSubnet.Conflict"},
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.1.0.0/24"}, "InvalidSubnet.Range"},
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.9.0/24", "--ipv6-cidr-block",
        "2001:db8:ffff::/64"}, "InvalidSubnet.Range"},
      {{"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.9.0/24", "--availability-zone", "us-west-2z"},
       "InvalidParameterValue"},
      {{"ec2", "create-subnet", "--vpc-id", "vpc-0000000000000000a", "--cidr-block", "10.0.9.0/24"}, "InvalidVpcID.NotFound"},
      {{"ec2", "create-vpc", "--cidr-block", "10.0.0.0/8"}, "InvalidVpc.Range"},
      {{"ec2", "create-vpc", "--cidr-block", "10.0.0.0/33"}, "InvalidParameterValue"},
      {{"ec2", "describe-vpcs", "--vpc-ids", "vpc-0000000000000000a"}, "InvalidVpcID.NotFound"},
      {{"ec2", "delete-vpc", "--vpc-id", vpc_id}, "DependencyViolation"},
      {{"ec2", "delete-subnet", "--subnet-id", "subnet-0000000000000000a"}, "InvalidSubnetID.NotFound"},
      {{"ec2", "describe-vpcs", "--filters", "Name=bogus,Values=x"}, "InvalidParameterValue"},
  };
  for (const auto& c : bad) {
    Proc r = aws(c.args);
    EXPECT_EQ(r.code, 254) << c.args[1] << " " << r.err;
    EXPECT_NE(r.err.find(c.code), std::string::npos) << c.args[1] << ": " << r.err;
  }
  EXPECT_EQ(aws_json({"ec2", "describe-vpcs"})["Vpcs"].size(), 1u);
  EXPECT_EQ(aws_json({"ec2", "describe-subnets"})["Subnets"].size(), 2u);

  // Wrong secret and unknown key are refused.
  Proc forged = aws({"ec2", "describe-vpcs"}, {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-wrong-secret-wrong-secret00"}});
  EXPECT_EQ(forged.code, 254);
  EXPECT_NE(forged.err.find("AuthFailure"), std::string::npos) << forged.err;  // EC2 says AuthFailure (401)
  Proc forged_sts = aws({"sts", "get-caller-identity"}, {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-wrong-secret-wrong-secret00"}});
  EXPECT_EQ(forged_sts.code, 254);
  EXPECT_NE(forged_sts.err.find("SignatureDoesNotMatch"), std::string::npos) << forged_sts.err;
  Proc unknown = aws({"ec2", "describe-vpcs"}, {{"AWS_ACCESS_KEY_ID", "AKIAUNKNOWNUNKNOWN00"}});
  EXPECT_EQ(unknown.code, 254);
  EXPECT_NE(unknown.err.find("AuthFailure"), std::string::npos) << unknown.err;

  // kill -9 and restart: everything committed is back.
  stop_daemon(SIGKILL);
  std::filesystem::remove(state_ + "/v6k.pid");
  start_daemon();
  json after = aws_json({"ec2", "describe-vpcs", "--vpc-ids", vpc_id});
  ASSERT_EQ(after["Vpcs"].size(), 1u);
  EXPECT_EQ(after["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"], v6);

  for (const auto& s : {sa, sb}) EXPECT_EQ(aws({"ec2", "delete-subnet", "--subnet-id", s}).code, 0);
  EXPECT_EQ(aws({"ec2", "delete-vpc", "--vpc-id", vpc_id}).code, 0);
  EXPECT_EQ(aws_json({"ec2", "describe-vpcs"})["Vpcs"].size(), 0u);
}

}  // namespace

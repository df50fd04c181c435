// Input rules for the EKS API (see validate.h).
#include "eks/validate.h"

#include <sys/random.h>

#include <cstdlib>
#include <regex>

namespace v6k::eks {
namespace {

unsigned char random_byte() {
  unsigned char b;
  while (::getrandom(&b, 1, 0) != 1) {
  }
  return b;
}

}  // namespace

bool valid_name(std::string_view name, size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alnum(name[0])) return false;
  for (char c : name)
    if (!alnum(c) && c != '-' && c != '_') return false;
  return true;
}

const std::vector<KubernetesVersion>& supported_versions() {
  // Platform versions and node AMI releases as EKS listed them when each version was the
  // one people created clusters with; the exact numbers matter only for display.
  static const std::vector<KubernetesVersion> versions = {
      {"1.21", "eks.4", "1.21.4-20211101"}, {"1.22", "eks.1", "1.22.17-20230217"},
      {"1.23", "eks.1", "1.23.17-20230217"}, {"1.24", "eks.1", "1.24.17-20231116"},
      {"1.25", "eks.1", "1.25.16-20231116"}, {"1.26", "eks.1", "1.26.15-20240514"},
      {"1.27", "eks.1", "1.27.16-20241024"}, {"1.28", "eks.1", "1.28.15-20241115"},
      {"1.29", "eks.1", "1.29.10-20241115"}, {"1.30", "eks.1", "1.30.6-20241115"},
      {"1.31", "eks.1", "1.31.2-20241115"},
  };
  return versions;
}

const KubernetesVersion* find_version(std::string_view version) {
  for (const auto& v : supported_versions())
    if (v.version == version) return &v;
  return nullptr;
}

const KubernetesVersion& default_version() { return supported_versions().back(); }

// The account part takes 1–12 digits, not exactly 12: there is no IAM here to look the role
// up in, and the seed's walkthrough uses the redacted "arn:aws:iam::0123456789:role/…".
bool valid_role_arn(std::string_view arn) {
  static const std::regex re(R"(^arn:aws[a-z-]*:iam::[0-9]{1,12}:role/([\x21-\x7e]*/)?[A-Za-z0-9+=,.@_-]{1,64}$)");
  return arn.size() <= 2048 && std::regex_match(arn.begin(), arn.end(), re);
}

std::expected<std::string, std::string> check_service_ipv4_cidr(std::string_view text, const addr::Ipv4Prefix& vpc) {
  auto p = addr::Ipv4Prefix::parse(text);
  if (!p) return std::unexpected("The serviceIpv4Cidr " + std::string(text) + " is not a valid IPv4 CIDR block.");
  bool rfc1918 = false;
  for (const char* range : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"})
    if (addr::Ipv4Prefix::parse(range)->contains(*p)) rfc1918 = true;
  if (!rfc1918)
    return std::unexpected("The serviceIpv4Cidr " + p->to_string() +
                           " must be within one of the private ranges 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.");
  if (p->length() < 12 || p->length() > 24)
    return std::unexpected("The serviceIpv4Cidr " + p->to_string() + " must be between /12 and /24.");
  if (p->overlaps(vpc))
    return std::unexpected("The serviceIpv4Cidr " + p->to_string() + " overlaps the VPC's CIDR block " +
                           vpc.to_string() + ".");
  return p->to_string();
}

std::string default_service_ipv4_cidr(const addr::Ipv4Prefix& vpc) {
  return addr::Ipv4Prefix::parse("10.0.0.0/8")->overlaps(vpc) ? "172.20.0.0/16" : "10.100.0.0/16";
}

std::string random_hex(size_t n, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (out.size() < n) out += digits[random_byte() & 15];
  return out;
}

std::string random_digits(size_t n) {
  std::string out;
  while (out.size() < n) {
    unsigned char b = random_byte();
    if (b < 250) out += static_cast<char>('0' + b % 10);
  }
  return out;
}

std::string random_service_ipv6_cidr() {
  std::string g = random_hex(10);  // the 40-bit global ID
  std::string text = "fd" + g.substr(0, 2) + ":" + g.substr(2, 4) + ":" + g.substr(6, 4) + "::/108";
  auto p = addr::Ipv6Prefix::parse(text);
  if (!p) std::abort();  // built from hex digits: always parses
  return p->to_string();
}

}  // namespace v6k::eks

// FIB (policy routing) rules, as `ip rule` shows them: "from <prefix> lookup <table>" and
// "lookup main suppress_prefixlength 0". Managed through Rtnl::add_rule / delete_rule /
// list_rules (rtnl_rule.cc), so rules batch with the other rtnetlink requests.
//
//   FibRule r{.family = AF_INET6, .priority = 1000, .src = ip("2001:db8:0:1::"),
//             .src_len = 64, .table = 4097};
//   V6K_TRY(rtnl.add_rule(r), "subnet rule");   // ip -6 rule add pref 1000 from 2001:db8:0:1::/64 table 4097
#pragma once

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>

#include "addr/ip.h"

namespace v6k::netlink {

struct FibRule {
  int family = AF_INET6;                 // AF_INET or AF_INET6
  uint32_t priority = 0;                 // FRA_PRIORITY ("pref")
  std::optional<addr::IpAddress> src;    // absent: "from all"
  int src_len = 0;
  std::optional<addr::IpAddress> dst;    // absent: "to all"
  int dst_len = 0;
  uint32_t table = RT_TABLE_MAIN;        // FRA_TABLE
  int suppress_prefixlen = -1;           // -1: none; 0: ignore default routes of `table`
  uint8_t action = FR_ACT_TO_TBL;
  bool operator==(const FibRule&) const = default;
};

}  // namespace v6k::netlink

// The applied ProxyState kept as the sum of per-Service shares, so a change to one
// Service (or its slices) is recomputed and diffed alone: cost independent of how many
// other Services the node has.
//
//   StateIndex idx;
//   idx.set("ns/web", service_state(web, slices_of_web));   // add or replace a share
//   idx.erase("ns/old");
//   auto [before, after] = idx.take_changes();   // only the touched entries
//   nft.run(delta_script(before, after));        // or full_script(idx.snapshot())
//
// Entries shared by several Services (a hairpin pair of an endpoint two Services use, a
// pick chain) are reference-counted and go only with their last user.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "node/proxy/rules.h"

namespace v6k::node::proxy {

class StateIndex {
 public:
  void set(const std::string& service_key, ProxyState share);
  void erase(const std::string& service_key);
  // The whole state, every set listed (as compute_state would give).
  ProxyState snapshot() const;
  // (before, after) over every entry touched since the last call; then forgets them.
  std::pair<ProxyState, ProxyState> take_changes();

 private:
  struct Entry {
    std::string value;
    int refs = 0;
  };
  void add_share(const ProxyState& share);
  void remove_share(const ProxyState& share);
  void touch(const std::string& set, const std::string& key);
  void touch(const PickChain& chain);

  std::map<std::string, std::map<std::string, Entry>> elements_;
  std::map<PickChain, int> chains_;
  std::map<std::string, ProxyState> shares_;
  // What touched entries were before their first touch since take_changes().
  ProxyState before_;
  std::set<std::pair<std::string, std::string>> touched_;
  std::set<PickChain> touched_chains_;
};

}  // namespace v6k::node::proxy

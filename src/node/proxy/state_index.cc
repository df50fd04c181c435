#include "node/proxy/state_index.h"

namespace v6k::node::proxy {

void StateIndex::touch(const std::string& set, const std::string& key) {
  if (!touched_.emplace(set, key).second) return;
  auto s = elements_.find(set);
  if (s == elements_.end()) return;
  auto e = s->second.find(key);
  if (e != s->second.end()) before_.elements[set][key] = e->second.value;
}

void StateIndex::touch(const PickChain& chain) {
  if (!touched_chains_.insert(chain).second) return;
  if (chains_.contains(chain)) before_.chains.insert(chain);
}

void StateIndex::add_share(const ProxyState& share) {
  for (const auto& [set, elems] : share.elements)
    for (const auto& [key, value] : elems) {
      touch(set, key);
      Entry& e = elements_[set][key];
      e.value = value;  // two Services claiming one key: the later one wins
      ++e.refs;
    }
  for (const PickChain& c : share.chains) {
    touch(c);
    ++chains_[c];
  }
}

void StateIndex::remove_share(const ProxyState& share) {
  for (const auto& [set, elems] : share.elements) {
    auto s = elements_.find(set);
    if (s == elements_.end()) continue;
    for (const auto& [key, value] : elems) {
      touch(set, key);
      auto e = s->second.find(key);
      if (e != s->second.end() && --e->second.refs <= 0) s->second.erase(e);
    }
  }
  for (const PickChain& c : share.chains) {
    touch(c);
    auto it = chains_.find(c);
    if (it != chains_.end() && --it->second <= 0) chains_.erase(it);
  }
}

void StateIndex::set(const std::string& service_key, ProxyState share) {
  auto it = shares_.find(service_key);
  if (it != shares_.end()) {
    if (it->second == share) return;
    remove_share(it->second);
  }
  add_share(share);
  shares_[service_key] = std::move(share);
}

void StateIndex::erase(const std::string& service_key) {
  auto it = shares_.find(service_key);
  if (it == shares_.end()) return;
  remove_share(it->second);
  shares_.erase(it);
}

ProxyState StateIndex::snapshot() const {
  ProxyState s;
  ensure_sets(s);
  for (const auto& [set, elems] : elements_)
    for (const auto& [key, e] : elems) s.elements[set][key] = e.value;
  for (const auto& [c, refs] : chains_) s.chains.insert(c);
  return s;
}

std::pair<ProxyState, ProxyState> StateIndex::take_changes() {
  ProxyState after;
  for (const auto& [set, key] : touched_) {
    auto s = elements_.find(set);
    if (s == elements_.end()) continue;
    auto e = s->second.find(key);
    if (e != s->second.end()) after.elements[set][key] = e->second.value;
  }
  for (const PickChain& c : touched_chains_)
    if (chains_.contains(c)) after.chains.insert(c);
  ProxyState before = std::move(before_);
  before_ = {};
  touched_.clear();
  touched_chains_.clear();
  return {std::move(before), std::move(after)};
}

}  // namespace v6k::node::proxy

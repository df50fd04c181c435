#include "ldns_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <thread>

namespace v6k::node::dns::testing {

std::vector<uint8_t> make_query(const std::string& name, ldns_rr_type type, const QueryOptions& o) {
  ldns_rdf* owner = ldns_dname_new_frm_str(name.c_str());
  if (!owner) return {};
  Pkt p(ldns_pkt_query_new(owner, type, o.cls, o.rd ? LDNS_RD : 0));
  ldns_pkt_set_id(p.get(), o.id);
  if (o.edns_size) {
    ldns_pkt_set_edns_udp_size(p.get(), o.edns_size);
    ldns_pkt_set_edns_version(p.get(), o.edns_version);
    ldns_pkt_set_edns_do(p.get(), o.edns_do);
  }
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&wire, p.get(), &size) != LDNS_STATUS_OK) return {};
  std::vector<uint8_t> out(wire, wire + size);
  std::free(wire);
  return out;
}

Pkt decode(const std::vector<uint8_t>& wire) {
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, wire.data(), wire.size()) != LDNS_STATUS_OK) return nullptr;
  return Pkt(p);
}

std::vector<std::string> rrs(const ldns_pkt* p, ldns_pkt_section section) {
  std::vector<std::string> out;
  ldns_rr_list* list = ldns_pkt_get_section_clone(p, section);
  if (!list) return out;
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(list, i);
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_OPT) continue;
    char* owner = ldns_rdf2str(ldns_rr_owner(rr));
    char* type = ldns_rr_type2str(ldns_rr_get_type(rr));
    std::string line = std::string(owner) + " " + std::to_string(ldns_rr_ttl(rr)) + " " + type;
    std::free(owner);
    std::free(type);
    for (size_t k = 0; k < ldns_rr_rd_count(rr); ++k) {
      char* rd = ldns_rdf2str(ldns_rr_rdf(rr, k));
      line += " " + std::string(rd);
      std::free(rd);
    }
    out.push_back(line);
  }
  ldns_rr_list_deep_free(list);
  return out;
}

namespace {

Result<std::vector<uint8_t>> exchange_here(const SockAddr& server, const std::vector<uint8_t>& query, bool tcp,
                                           int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  if (tcp) {
    auto fd = connect_tcp(server, deadline);
    if (!fd) return fail(std::move(fd.error()));
    V6K_TRY(write_tcp_message(fd->get(), query, deadline), "query over TCP");
    return read_tcp_message(fd->get(), deadline);
  }
  auto fd = connect_udp(server);
  if (!fd) return fail(std::move(fd.error()));
  if (::send(fd->get(), query.data(), query.size(), 0) < 0) return fail_errno("sending query");
  pollfd p{fd->get(), POLLIN, 0};
  int n = ::poll(&p, 1, timeout_ms);
  if (n <= 0) return fail(Error::from_errno(ETIMEDOUT, "no UDP reply from " + server.to_string()));
  std::vector<uint8_t> buf(65536);
  ssize_t len = ::recv(fd->get(), buf.data(), buf.size(), 0);
  if (len < 0) return fail_errno("receiving reply");
  buf.resize(size_t(len));
  return buf;
}

}  // namespace

Result<std::vector<uint8_t>> exchange(const netlink::NetNs& client_ns, const SockAddr& server,
                                      const std::vector<uint8_t>& query, bool tcp, int timeout_ms) {
  // Never from the root namespace: a dedicated thread enters the client's netns first.
  std::promise<Result<std::vector<uint8_t>>> done;
  std::thread t([&] {
    auto in = netlink::NetNsScope::enter(client_ns);
    if (!in) return done.set_value(fail(std::move(in.error())));
    done.set_value(exchange_here(server, query, tcp, timeout_ms));
  });
  t.join();
  return done.get_future().get();
}

}  // namespace v6k::node::dns::testing

// nftables through libnftables: apply a whole text batch atomically, list the ruleset.
//
//   auto nft = Nft::open().value();       // binds to the calling thread's netns NOW
//   V6K_TRY(nft.run("add table inet v6k\n"
//                   "add chain inet v6k post { type nat hook postrouting priority 100; }\n"),
//           "installing node rules");
//
// Namespace: libnftables opens its NETLINK_NETFILTER socket when the context is created,
// so an Nft acts on the netns of the thread that called open(), wherever it is used later.
// Open it inside a NetNsScope to manage another namespace's firewall.
// A batch is one kernel transaction: either every command in it applies or none does
// (parse errors are found before anything is sent). Errors carry nft's own message,
// which names the line and column, in Error::detail().
// Lives in its own library target (v6k::nft) so binaries that never touch nftables do
// not link libnftables.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

struct nft_ctx;

namespace v6k::netlink {

class Nft {
 public:
  static Result<Nft> open();

  Nft(Nft&&) noexcept = default;
  Nft& operator=(Nft&&) noexcept = default;

  // Applies `batch` (nft script syntax, one command per line) atomically.
  Result<> run(std::string_view batch);
  // `nft list ruleset` text.
  Result<std::string> list_ruleset();

 private:
  struct CtxDeleter {
    void operator()(nft_ctx* c) const;
  };
  explicit Nft(std::unique_ptr<nft_ctx, CtxDeleter> ctx) : ctx_(std::move(ctx)) {}
  Result<std::string> run_capturing(std::string_view text, const char* what);
  std::unique_ptr<nft_ctx, CtxDeleter> ctx_;
};

}  // namespace v6k::netlink

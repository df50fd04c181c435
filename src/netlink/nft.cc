#include "netlink/nft.h"

#include <nftables/libnftables.h>

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/unique_fd.h"

namespace v6k::netlink {
namespace {

// libnftables is loaded on first use, not at exec: it drags in libnftnl, libxtables,
// libjansson and libgmp, whose loading and relocation would cost every short-lived
// process that links this module (the CNI plugin runs nftables once per node, not per
// pod) a measurable part of its run time.
struct NftApi {
  decltype(&::nft_ctx_new) ctx_new = nullptr;
  decltype(&::nft_ctx_free) ctx_free = nullptr;
  decltype(&::nft_ctx_buffer_output) buffer_output = nullptr;
  decltype(&::nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&::nft_ctx_get_output_buffer) get_output = nullptr;
  decltype(&::nft_ctx_get_error_buffer) get_error = nullptr;
  decltype(&::nft_run_cmd_from_buffer) run_buffer = nullptr;
  decltype(&::nft_run_cmd_from_filename) run_filename = nullptr;
  std::string error;  // why loading failed, empty when loaded
};

template <typename F>
bool bind(void* lib, const char* name, F& out, std::string& error) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  if (out == nullptr) error = std::string("libnftables.so.1 lacks ") + name;
  return out != nullptr;
}

const NftApi& api() {
  static const NftApi loaded = [] {
    NftApi a;
    void* lib = ::dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* why = ::dlerror();
      a.error = std::string("cannot load libnftables.so.1 (package libnftables1): ") + (why ? why : "?");
      return a;
    }
    bool ok = bind(lib, "nft_ctx_new", a.ctx_new, a.error) && bind(lib, "nft_ctx_free", a.ctx_free, a.error) &&
              bind(lib, "nft_ctx_buffer_output", a.buffer_output, a.error) &&
              bind(lib, "nft_ctx_buffer_error", a.buffer_error, a.error) &&
              bind(lib, "nft_ctx_get_output_buffer", a.get_output, a.error) &&
              bind(lib, "nft_ctx_get_error_buffer", a.get_error, a.error) &&
              bind(lib, "nft_run_cmd_from_buffer", a.run_buffer, a.error) &&
              bind(lib, "nft_run_cmd_from_filename", a.run_filename, a.error);
    if (!ok) a.ctx_new = nullptr;
    return a;
  }();
  return loaded;
}

}  // namespace

void Nft::CtxDeleter::operator()(nft_ctx* c) const { api().ctx_free(c); }

Result<Nft> Nft::open() {
  const NftApi& nft = api();
  if (nft.ctx_new == nullptr) return fail(Error::from_errno(ENOENT, "loading nftables", nft.error));
  // nft_ctx_new opens the NETLINK_NETFILTER socket now, in this thread's netns.
  nft_ctx* raw = nft.ctx_new(NFT_CTX_DEFAULT);
  if (raw == nullptr) return fail_errno("creating nftables context");
  std::unique_ptr<nft_ctx, CtxDeleter> ctx(raw);
  if (nft.buffer_output(raw) != 0 || nft.buffer_error(raw) != 0)
    return fail_errno("setting up nftables output buffers", ENOMEM);
  return Nft(std::move(ctx));
}

Result<std::string> Nft::run_capturing(std::string_view text, const char* what) {
  // nft_run_cmd_from_buffer wants a NUL-terminated buffer.
  std::string cmd(text);
  int rc = api().run_buffer(ctx_.get(), cmd.c_str());
  std::string out = api().get_output(ctx_.get());
  std::string err = api().get_error(ctx_.get());
  if (rc != 0) {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    // nft reports the kernel's errno only in its text; EINVAL stands for "rejected".
    return fail(Error::from_errno(EINVAL, what, err.empty() ? "nft failed without a message" : err));
  }
  return out;
}

// The batch goes through a memfd and nft_run_cmd_from_filename rather than
// nft_run_cmd_from_buffer: libnftables 1.0.x prints the wrong source line (and no line
// number) for errors in buffer input, while for a file it prints "file:LINE:COL: Error".
// We rename the file part to "batch line" so the error reads "batch line 3:41-41: ...".
Result<> Nft::run(std::string_view batch) {
  const char* what = "applying nftables batch";
  UniqueFd mem(::memfd_create("v6k-nft-batch", MFD_CLOEXEC));
  if (!mem) return fail_errno(std::string(what) + ": memfd_create");
  for (size_t done = 0; done < batch.size();) {
    ssize_t n = ::write(mem.get(), batch.data() + done, batch.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(std::string(what) + ": writing memfd");
    done += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(mem.get());
  int rc = api().run_filename(ctx_.get(), path.c_str());
  (void)api().get_output(ctx_.get());  // drop any echo output
  std::string err = api().get_error(ctx_.get());
  if (rc == 0) return {};
  for (size_t at; (at = err.find(path + ":")) != std::string::npos;)
    err.replace(at, path.size() + 1, "batch line ");
  while (!err.empty() && err.back() == '\n') err.pop_back();
  return fail(Error::from_errno(EINVAL, what, err.empty() ? "nft failed without a message" : err));
}

Result<std::string> Nft::list_ruleset() { return run_capturing("list ruleset", "listing nftables ruleset"); }

}  // namespace v6k::netlink

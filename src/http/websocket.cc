// The WebSocket handle and the server's handshake (see websocket.h); the session itself
// is internal/ws_session.cc.
#include "http/websocket.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "http/internal/ws_session.h"

namespace v6k::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every comma-separated token of every header `name` (repeated headers count), trimmed.
std::vector<std::string> header_tokens(const Request& req, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : req.headers) {
    if (k != name) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      auto tok = trim(rest.substr(0, comma));
      if (!tok.empty()) out.emplace_back(tok);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

bool has_token(const Request& req, std::string_view name, std::string_view token) {
  auto toks = header_tokens(req, name);
  return std::any_of(toks.begin(), toks.end(), [&](const std::string& t) { return lower(t) == token; });
}

// A key is 16 random bytes in padded base64: 24 characters ending in "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  unsigned char out[18];
  return EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(key.data()), 24) == 18;
}

}  // namespace

WebSocket::WebSocket(std::shared_ptr<Link> link) : link_(std::move(link)) {}
WebSocket::~WebSocket() = default;

bool WebSocket::send(std::string data, bool binary) {
  return link_->push(Link::Kind::kData, binary ? ws::Opcode::kBinary : ws::Opcode::kText, {data});
}

bool WebSocket::send_fragmented(const std::vector<std::string>& parts, bool binary) {
  std::vector<std::string_view> views(parts.begin(), parts.end());
  if (views.empty()) views.emplace_back();
  return link_->push(Link::Kind::kData, binary ? ws::Opcode::kBinary : ws::Opcode::kText, views);
}

bool WebSocket::ping(std::string payload) {
  if (payload.size() > 125) return false;
  return link_->push(Link::Kind::kControl, ws::Opcode::kPing, {payload});
}

void WebSocket::close(uint16_t code, std::string reason) {
  if (!ws::valid_close_code(code)) code = ws::kCloseInternalError;
  link_->push(Link::Kind::kClose, ws::Opcode::kClose, {ws::close_payload(code, reason)});
}

size_t WebSocket::backlog() const {
  std::lock_guard lock(link_->mu);
  return link_->backlog;
}

bool WebSocket::wait_backlog_below(size_t bytes, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(link_->mu);
  link_->cv.wait_for(lock, timeout, [&] { return link_->done || link_->backlog < bytes; });
  return !link_->done && link_->backlog < bytes;
}

bool WebSocket::open() const {
  std::lock_guard lock(link_->mu);
  return !link_->done;
}

const std::string& WebSocket::subprotocol() const { return link_->subprotocol; }

std::expected<std::string, std::string> check_websocket_request(const Request& req,
                                                                const WebSocketAcceptOptions& opts) {
  if (req.method != "GET") return std::unexpected("websocket: the handshake must be a GET request");
  if (!has_token(req, "connection", "upgrade"))
    return std::unexpected("websocket: 'upgrade' token not found in 'Connection' header");
  if (!has_token(req, "upgrade", "websocket"))
    return std::unexpected("websocket: 'websocket' token not found in 'Upgrade' header");
  if (req.header("sec-websocket-version").value_or("") != "13")
    return std::unexpected("websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header");
  if (!valid_key(trim(req.header("sec-websocket-key").value_or(""))))
    return std::unexpected("websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or blank");
  if (opts.subprotocols.empty()) return std::string();
  auto offered = header_tokens(req, "sec-websocket-protocol");
  for (const auto& ours : opts.subprotocols)
    if (std::find(offered.begin(), offered.end(), ours) != offered.end()) return ours;
  std::string want;
  for (const auto& p : opts.subprotocols) want += (want.empty() ? "" : ", ") + p;
  return std::unexpected("websocket: none of the offered subprotocols is supported (want one of: " + want + ")");
}

Response accept_websocket(const Request& req, const WebSocketAcceptOptions& opts,
                          std::function<WebSocketHandlers(std::shared_ptr<WebSocket>)> on_open) {
  auto chosen = check_websocket_request(req, opts);
  if (!chosen) return Response::text(400, chosen.error() + "\n");
  Response r;
  r.status = 101;
  r.set("Upgrade", "websocket");
  r.set("Sec-WebSocket-Accept", ws::accept_key(trim(req.header("sec-websocket-key").value_or(""))));
  if (!chosen->empty()) r.set("Sec-WebSocket-Protocol", *chosen);
  r.upgrade = [proto = *chosen, max = opts.max_message_bytes,
               on_open = std::move(on_open)](std::unique_ptr<UpgradedStream> stream) mutable {
    internal::start_websocket(std::move(stream), internal::WsRole::kServer, std::move(proto), max,
                              std::move(on_open));
  };
  return r;
}

}  // namespace v6k::http

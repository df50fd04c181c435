#include "node/runtime/logs.h"

#include <fcntl.h>
#include <unistd.h>

#include <deque>
#include <thread>

#include "common/unique_fd.h"
#include "node/runtime/cri_time.h"

namespace v6k::node::runtime {
namespace {

struct Message {
  std::string timestamp;
  int64_t time_ns = 0;
  LogStream stream = LogStream::kStdout;
  std::string text;
};

// Joins P records into messages; one pending message per stream.
class Assembler {
 public:
  explicit Assembler(const LogOptions& o) : o_(o) {}

  // Returns a finished message, if this record completed one that passes the filters.
  std::optional<Message> add(const CriLogRecord& r) {
    Message& m = pending_[r.stream == LogStream::kStdout ? 0 : 1];
    bool& open = open_[r.stream == LogStream::kStdout ? 0 : 1];
    if (!open) {
      m = Message{std::string(r.timestamp), r.time_ns, r.stream, {}};
      open = true;
    }
    m.text.append(r.content);
    if (r.partial) return std::nullopt;
    open = false;
    if (r.stream == LogStream::kStdout && !o_.include_stdout) return std::nullopt;
    if (r.stream == LogStream::kStderr && !o_.include_stderr) return std::nullopt;
    if (o_.since_ns && m.time_ns < *o_.since_ns) return std::nullopt;
    return std::move(m);
  }

 private:
  const LogOptions& o_;
  Message pending_[2];
  bool open_[2] = {false, false};
};

std::string render(const Message& m, bool timestamps) {
  std::string out;
  if (timestamps) out = m.timestamp + " ";
  out += m.text;
  out += '\n';
  return out;
}

}  // namespace

Result<CriLogRecord> parse_cri_log_line(std::string_view line) {
  auto bad = [&] { return fail_invalid("malformed CRI log line"); };
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return bad();
  CriLogRecord r;
  r.timestamp = line.substr(0, sp1);
  auto t = parse_rfc3339(r.timestamp);
  if (!t) return bad();
  r.time_ns = *t;
  std::string_view rest = line.substr(sp1 + 1);
  if (rest.starts_with("stdout ")) {
    r.stream = LogStream::kStdout;
  } else if (rest.starts_with("stderr ")) {
    r.stream = LogStream::kStderr;
  } else {
    return bad();
  }
  rest = rest.substr(7);
  // The tag field may carry more flags after ':' in future CRI versions; P/F comes first.
  size_t sp2 = rest.find(' ');
  std::string_view tag = rest.substr(0, sp2);
  if (tag.empty()) return bad();
  if (tag[0] == 'P') {
    r.partial = true;
  } else if (tag[0] != 'F') {
    return bad();
  }
  if (tag.size() > 1 && tag[1] != ':') return bad();
  r.content = sp2 == std::string_view::npos ? std::string_view() : rest.substr(sp2 + 1);
  return r;
}

Result<> read_logs(const std::string& path, const LogOptions& o, const std::function<bool(std::string_view)>& sink) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("opening log " + path);
  Assembler assembler(o);
  int64_t written = 0;
  bool stop = false;
  // Returns false once the sink or the byte limit says stop.
  auto emit = [&](const Message& m) {
    std::string text = render(m, o.timestamps);
    if (o.limit_bytes) {
      if (written >= *o.limit_bytes) return false;
      if (written + static_cast<int64_t>(text.size()) > *o.limit_bytes)
        text.resize(static_cast<size_t>(*o.limit_bytes - written));
    }
    written += static_cast<int64_t>(text.size());
    return sink(text) && !(o.limit_bytes && written >= *o.limit_bytes);
  };

  // Pass 1: the whole current file; with tail, only the last N messages are kept.
  std::deque<Message> tail;
  std::string buf;
  char chunk[65536];
  auto consume_lines = [&](auto&& on_message) {
    size_t start = 0;
    while (true) {
      size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      auto rec = parse_cri_log_line(std::string_view(buf).substr(start, nl - start));
      start = nl + 1;
      if (!rec) continue;
      if (auto m = assembler.add(*rec)) {
        if (!on_message(std::move(*m))) {
          stop = true;
          break;
        }
      }
    }
    buf.erase(0, start);
  };
  auto read_available = [&](auto&& on_message) -> Result<> {
    while (!stop) {
      ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno("reading log " + path);
      if (n == 0) break;
      buf.append(chunk, static_cast<size_t>(n));
      consume_lines(on_message);
    }
    return {};
  };
  if (o.tail_lines) {
    const size_t keep = static_cast<size_t>(std::max<int64_t>(*o.tail_lines, 0));
    V6K_TRY(read_available([&](Message m) {
              if (keep == 0) return true;
              tail.push_back(std::move(m));
              if (tail.size() > keep) tail.pop_front();
              return true;
            }),
            "reading logs");
    for (const auto& m : tail)
      if (!emit(m)) return {};
  } else {
    V6K_TRY(read_available([&](Message m) { return emit(m); }), "reading logs");
  }
  if (stop) return {};
  // Follow: new records as they are appended.
  while (o.follow && !stop && (!o.keep_following || o.keep_following())) {
    std::this_thread::sleep_for(o.poll_interval);
    V6K_TRY(read_available([&](Message m) { return emit(m); }), "following logs");
  }
  // One last read so what was written before the stop condition is not lost.
  if (o.follow && !stop) V6K_TRY(read_available([&](Message m) { return emit(m); }), "following logs");
  return {};
}

}  // namespace v6k::node::runtime

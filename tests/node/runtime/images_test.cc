// Image references, the catalog, CRI timestamps and the CRI log reader (no root needed).
#include <atomic>
#include <cerrno>
#include <fstream>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>

#include "node/runtime/cri_time.h"
#include "node/runtime/images.h"
#include "node/runtime/logs.h"
#include "support/temp_dir.h"

namespace v6k::node::runtime {
namespace {

struct RefCase {
  const char* in;
  const char* normalized;  // nullptr: invalid
  const char* short_name;
};

TEST(ImageReference, TableOfValidAndInvalid) {
  const std::string dig = "sha256:" + std::string(64, 'a');
  const RefCase cases[] = {
      {"nginx", "docker.io/library/nginx:latest", "nginx"},
      {"nginx:1.25", "docker.io/library/nginx:1.25", "nginx"},
      {"docker.io/library/nginx", "docker.io/library/nginx:latest", "nginx"},
      {"public.ecr.aws/z9d2n7e1/nginx:1.19.5", "public.ecr.aws/z9d2n7e1/nginx:1.19.5", "nginx"},
      {"curlimages/curl:8.5.0", "docker.io/curlimages/curl:8.5.0", "curl"},
      {"localhost:5000/team/app:v1", "localhost:5000/team/app:v1", "app"},
      {"localhost/app", "localhost/app:latest", "app"},
      {"registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9", "pause"},
      {"602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5", "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5", "pause"},
      {"[::1]:5000/busybox", "[::1]:5000/busybox:latest", "busybox"},
      {"a/b__c/d-e.f_g", "docker.io/a/b__c/d-e.f_g:latest", "d-e.f_g"},
      {"", nullptr, nullptr},
      {"Nginx", nullptr, nullptr},
      {"nginx:", nullptr, nullptr},
      {"nginx:-bad", nullptr, nullptr},
      {"nginx@sha256:abc", nullptr, nullptr},
      {"/nginx", nullptr, nullptr},
      {"nginx/", nullptr, nullptr},
      {"a//b", nullptr, nullptr},
      {"a/b___c", nullptr, nullptr},
      {"a/-b", nullptr, nullptr},
      {"exa mple/x", nullptr, nullptr},
      {"host:port/x", nullptr, nullptr},
  };
  for (const auto& c : cases) {
    auto r = parse_image_reference(c.in);
    if (!c.normalized) {
      ASSERT_FALSE(r) << c.in;
      EXPECT_EQ(r.error().code(), EINVAL) << c.in;
      EXPECT_NE(r.error().message().find("invalid reference format"), std::string::npos) << c.in;
      continue;
    }
    ASSERT_TRUE(r) << c.in << ": " << r.error().message();
    EXPECT_EQ(r->normalized(), c.normalized) << c.in;
    EXPECT_EQ(r->short_name(), c.short_name) << c.in;
  }
  auto d = parse_image_reference("nginx@" + dig);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->normalized(), "docker.io/library/nginx@" + dig);
  EXPECT_EQ(d->tag, "");
  auto td = parse_image_reference("nginx:1.25@" + dig);
  ASSERT_TRUE(td);
  EXPECT_EQ(td->tag, "1.25");
  EXPECT_FALSE(parse_image_reference(std::string(256, 'a')));
}

TEST(ImageCatalog, ResolvesKnownImagesFromAnyRegistry) {
  for (const char* ref : {"nginx", "nginx:1.25", "docker.io/library/nginx", "public.ecr.aws/z9d2n7e1/nginx:1.19.5"}) {
    auto img = resolve_image(ref);
    ASSERT_TRUE(img) << ref;
    EXPECT_EQ(img->kind, ImageKind::kNginx);
    EXPECT_EQ(img->cmd, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
    EXPECT_EQ(img->stop_signal, SIGQUIT);
    EXPECT_EQ(img->id.size(), 7u + 64u);
  }
  EXPECT_NE(resolve_image("nginx:1.25")->id, resolve_image("nginx:1.19")->id);
  auto bb = resolve_image("busybox:1.36", "/x/applets");
  ASSERT_TRUE(bb);
  EXPECT_EQ(bb->kind, ImageKind::kShell);
  EXPECT_EQ(bb->cmd, std::vector<std::string>{"sh"});
  EXPECT_EQ(bb->env.front(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/x/applets");
  auto curl = resolve_image("curlimages/curl:8.5.0");
  ASSERT_TRUE(curl);
  EXPECT_EQ(curl->entrypoint.at(0), "/bin/sh");
  EXPECT_EQ(curl->cmd, std::vector<std::string>{"curl"});
  auto pause = resolve_image("registry.k8s.io/pause:3.9");
  ASSERT_TRUE(pause);
  EXPECT_EQ(pause->kind, ImageKind::kPause);
  EXPECT_EQ(pause->entrypoint, (std::vector<std::string>{"sleep", "infinity"}));
}

TEST(ImageCatalog, UnknownImageIsErrImagePullWithContainerdWording) {
  auto img = resolve_image("example.com/acme/widget:2");
  ASSERT_FALSE(img);
  EXPECT_EQ(img.error().code(), ENOENT);
  EXPECT_EQ(image_error_reason(img.error()), "ErrImagePull");
  EXPECT_EQ(img.error().message().rfind(
                "failed to pull and unpack image \"example.com/acme/widget:2\": failed to resolve reference "
                "\"example.com/acme/widget:2\": example.com/acme/widget:2: not found (v6k has no registry access",
                0),
            0u)
      << img.error().message();
  auto bad = resolve_image("UPPER/case");
  ASSERT_FALSE(bad);
  EXPECT_EQ(image_error_reason(bad.error()), "InvalidImageName");
}

TEST(ImageCatalog, NginxConfigListensOnBothFamiliesAndPageIsUpstream) {
  const std::string conf = nginx_config();
  EXPECT_NE(conf.find("listen       80;"), std::string::npos);
  EXPECT_NE(conf.find("listen  [::]:80;"), std::string::npos);
  EXPECT_NE(conf.find("access_log  /dev/stdout"), std::string::npos);
  EXPECT_NE(nginx_welcome_page().find("<h1>Welcome to nginx!</h1>"), std::string::npos);
}

TEST(CriTime, FormatAndParseRoundTrip) {
  char buf[kCriTimestampLength + 1] = {};
  format_cri_timestamp(1700000000123456789, buf);
  EXPECT_STREQ(buf, "2023-11-14T22:13:20.123456789Z");
  format_cri_timestamp(0, buf);
  EXPECT_STREQ(buf, "1970-01-01T00:00:00.000000000Z");
  format_cri_timestamp(951782400000000007, buf);  // leap day 2000
  EXPECT_STREQ(buf, "2000-02-29T00:00:00.000000007Z");
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.123456789Z").value(), 1700000000123456789);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20.1234Z").value(), 1700000000123400000);
  EXPECT_EQ(parse_rfc3339("2023-11-14T23:13:20+01:00").value(), 1700000000000000000);
  EXPECT_EQ(parse_rfc3339("2023-11-14T22:13:20Z").value(), 1700000000000000000);
  for (const char* bad : {"", "2023-11-14", "2023-13-14T22:13:20Z", "2023-11-14T22:13:20", "2023-11-14T22:13:20.Z",
                          "2023-11-14T22:13:20Zx", "2023-11-14T22:13:20+0100"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(CriLog, ParsesLines) {
  auto r = parse_cri_log_line("2023-11-14T22:13:20.123456789Z stderr P hello world");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stream, LogStream::kStderr);
  EXPECT_TRUE(r->partial);
  EXPECT_EQ(r->content, "hello world");
  EXPECT_EQ(r->time_ns, 1700000000123456789);
  auto empty = parse_cri_log_line("2023-11-14T22:13:20Z stdout F ");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->content, "");
  for (const char* bad : {"", "x stdout F a", "2023-11-14T22:13:20Z stdin F a", "2023-11-14T22:13:20Z stdout X a",
                          "2023-11-14T22:13:20Z stdout", "2023-11-14T22:13:20Z stdout FF a"})
    EXPECT_FALSE(parse_cri_log_line(bad)) << bad;
}

class LogReader : public ::testing::Test {
 protected:
  std::string run(const LogOptions& o) {
    std::string out;
    auto r = read_logs(path_, o, [&](std::string_view s) {
      out += s;
      return true;
    });
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    return out;
  }
  v6k::testing::TempDir dir_{"v6kt-logs"};
  std::string path_ = dir_.write("0.log",
                                 "2024-01-01T00:00:01.000000000Z stdout F one\n"
                                 "2024-01-01T00:00:02.000000000Z stderr F two\n"
                                 "garbage line\n"
                                 "2024-01-01T00:00:03.000000000Z stdout P thr\n"
                                 "2024-01-01T00:00:03.500000000Z stderr F four\n"
                                 "2024-01-01T00:00:04.000000000Z stdout F ee\n"
                                 "2024-01-01T00:00:05.000000000Z stdout F five\n"
                                 "2024-01-01T00:00:06.000000000Z stdout F torn-no-newline");
};

TEST_F(LogReader, AllTailSinceTimestampsStreamsAndLimit) {
  EXPECT_EQ(run({}), "one\ntwo\nfour\nthree\nfive\n");
  EXPECT_EQ(run({.tail_lines = 2}), "three\nfive\n");
  EXPECT_EQ(run({.tail_lines = 0}), "");
  EXPECT_EQ(run({.tail_lines = 100}), "one\ntwo\nfour\nthree\nfive\n");
  EXPECT_EQ(run({.tail_lines = 1, .timestamps = true}), "2024-01-01T00:00:05.000000000Z five\n");
  // A joined message carries its first record's time.
  EXPECT_EQ(run({.since_ns = parse_rfc3339("2024-01-01T00:00:03Z").value(), .timestamps = true}),
            "2024-01-01T00:00:03.500000000Z four\n2024-01-01T00:00:03.000000000Z three\n"
            "2024-01-01T00:00:05.000000000Z five\n");
  EXPECT_EQ(run({.include_stdout = false}), "two\nfour\n");
  EXPECT_EQ(run({.limit_bytes = 6}), "one\ntw");
  std::string first;
  ASSERT_TRUE(read_logs(path_, {}, [&](std::string_view s) {
    first += s;
    return false;
  }));
  EXPECT_EQ(first, "one\n");
  EXPECT_FALSE(read_logs(dir_.path() + "/missing.log", {}, [](std::string_view) { return true; }));
}

TEST_F(LogReader, FollowSeesAppendedLines) {
  std::atomic<bool> stop{false};
  std::string out;
  std::thread reader([&] {
    (void)read_logs(path_,
                    {.tail_lines = 1, .follow = true, .keep_following = [&] { return !stop.load(); },
                     .poll_interval = std::chrono::milliseconds(10)},
                    [&](std::string_view s) {
                      out += s;
                      return true;
                    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::ofstream f(path_, std::ios::app);
    f << "\n2024-01-01T00:00:07.000000000Z stdout F seven\n";  // completes the torn line first
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  reader.join();
  EXPECT_EQ(out, "five\ntorn-no-newline\nseven\n");
}

}  // namespace
}  // namespace v6k::node::runtime

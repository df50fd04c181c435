#include "kube/controllers/workloads/objects.h"

#include <gtest/gtest.h>

#include "kube/controllers/workloads/fixtures.h"

namespace v6k::kube::workloads {
namespace {

using testing::kEpoch;

TEST(Time, ParsesRfc3339Variants) {
  struct Case {
    const char* text;
    std::optional<int64_t> ns;
  };
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2024-05-01T10:00:00Z", kEpoch * kNanosPerSecond},
      {"2024-05-01T10:00:00.5Z", kEpoch * kNanosPerSecond + 500'000'000},
      {"2024-05-01T12:30:00+02:30", kEpoch * kNanosPerSecond},
      {"2024-05-01T07:00:00-03:00", kEpoch * kNanosPerSecond},
      {"2000-02-29T00:00:00Z", 951782400LL * kNanosPerSecond},
      {"2024-05-01", std::nullopt},
      {"2024-05-01T10:00:00", std::nullopt},
      {"2024-13-01T10:00:00Z", std::nullopt},
      {"2024-05-01T10:00:00Zjunk", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_time(c.text), c.ns) << c.text;
}

TEST(Time, FormatsSecondsUtc) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_time(kEpoch * kNanosPerSecond + 999'999'999), "2024-05-01T10:00:00Z");
  EXPECT_EQ(format_time(951782400LL * kNanosPerSecond), "2000-02-29T00:00:00Z");
  for (int64_t s : {0LL, 86399LL, 1LL << 31, 4102444800LL}) {
    EXPECT_EQ(parse_time(format_time(s * kNanosPerSecond)), s * kNanosPerSecond);
  }
}

TEST(Readers, AnswerDefaultsForMissingOrMistypedFields) {
  json obj = {{"n", 3}, {"f", 2.9}, {"s", "x"}, {"b", true}};
  EXPECT_EQ(int_at(obj, "n", 7), 3);
  EXPECT_EQ(int_at(obj, "f", 7), 2);
  EXPECT_EQ(int_at(obj, "s", 7), 7);
  EXPECT_EQ(int_at(obj, "missing", 7), 7);
  EXPECT_EQ(int_at(json::array(), "n", 7), 7);
  EXPECT_EQ(str_at(obj, "s"), "x");
  EXPECT_EQ(str_at(obj, "n"), "");
  EXPECT_TRUE(bool_at(obj, "b", false));
  EXPECT_FALSE(bool_at(obj, "s", false));
  EXPECT_TRUE(at(at(obj, "missing"), "deeper").is_null());
}

TEST(Pods, ActiveReadyAvailable) {
  json pod = testing::make_pod("p", {{"app", "web"}});
  EXPECT_TRUE(pod_active(pod));
  EXPECT_FALSE(pod_ready(pod));
  testing::set_ready(pod, 0);
  EXPECT_TRUE(pod_ready(pod));
  const int64_t ready_at = kEpoch * kNanosPerSecond;
  // minReadySeconds 10: available only strictly after ready + 10s (upstream IsPodAvailable).
  EXPECT_TRUE(pod_available(pod, 0, ready_at));
  EXPECT_FALSE(pod_available(pod, 10, ready_at + 10 * kNanosPerSecond));
  EXPECT_TRUE(pod_available(pod, 10, ready_at + 10 * kNanosPerSecond + 1));
  for (const char* phase : {"Succeeded", "Failed"}) {
    json done = pod;
    done["status"]["phase"] = phase;
    EXPECT_FALSE(pod_active(done)) << phase;
  }
  json deleting = pod;
  deleting["metadata"]["deletionTimestamp"] = testing::ts(kEpoch);
  EXPECT_FALSE(pod_active(deleting));
}

TEST(OwnerRefs, ControllerRefAndPatches) {
  json rs = testing::make_rs("web-1", 1, testing::pod_template("nginx"));
  json ref = controller_ref_to(rs, "apps/v1", "ReplicaSet");
  EXPECT_EQ(ref, testing::owner_ref("ReplicaSet", "web-1", "uid-web-1"));
  json pod = testing::make_pod("p", {{"app", "web"}});
  EXPECT_EQ(controller_ref(pod), nullptr);
  pod["metadata"]["ownerReferences"] = json::array({{{"kind", "Node"}, {"uid", "n"}}, ref});
  ASSERT_NE(controller_ref(pod), nullptr);
  EXPECT_EQ(str_at(*controller_ref(pod), "uid"), "uid-web-1");
  EXPECT_EQ(
      adopt_patch(pod, ref).dump(),
      R"({"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","blockOwnerDeletion":true,)"
      R"("controller":true,"kind":"ReplicaSet","name":"web-1","uid":"uid-web-1"}],"uid":"uid-p"}})");
  EXPECT_EQ(
      release_patch(pod, "uid-web-1").dump(),
      R"({"metadata":{"ownerReferences":[{"$patch":"delete","uid":"uid-web-1"}],"uid":"uid-p"}})");
}

}  // namespace
}  // namespace v6k::kube::workloads

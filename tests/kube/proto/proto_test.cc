// decode_protobuf_object on bodies shaped like kubectl 1.32's, and on malformed input.
#include <gtest/gtest.h>

#include "encoder.h"
#include "kube/proto/proto.h"

namespace v6k::kube {
namespace {

using nlohmann::json;
using testing::Enc;
using testing::object_meta;

json decode_ok(const std::string& body) {
  auto r = decode_protobuf_object(body);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : json();
}

// `kubectl create namespace foo`: ObjectMeta with zero fields, empty spec, status{phase ""}.
TEST(ProtoDecode, NamespaceAsKubectlSendsIt) {
  Enc ns;
  ns.m(1, object_meta("foo")).m(2, Enc()).m(3, Enc().s(1, ""));
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "Namespace", ns)),
            json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"},
                            "spec":{},"status":{}})"));
}

// `kubectl create deployment web --image=nginx --replicas=3 --port=80`.
Enc web_deployment(std::int64_t replicas) {
  Enc labels_meta = object_meta("");
  labels_meta.entry(11, "app", "web");
  Enc port;
  port.s(1, "").u(2, 0).u(3, 80).s(4, "").s(5, "");
  Enc container;
  container.s(1, "nginx").s(2, "nginx").s(5, "").m(6, port).m(8, Enc())
      .s(13, "").s(14, "").u(16, 0).u(17, 0).u(18, 0).s(20, "");
  Enc pod_spec;
  pod_spec.m(2, container).s(3, "").s(6, "").s(8, "").s(9, "").s(10, "").u(11, 0).u(12, 0)
      .u(13, 0).s(16, "").s(17, "").s(19, "").s(24, "");
  Enc spec;
  spec.i(1, replicas).m(2, Enc().entry(1, "app", "web")).m(3, Enc().m(1, labels_meta).m(2, pod_spec))
      .m(4, Enc().s(1, "")).u(5, 0).u(7, 0);
  Enc status;
  status.u(1, 0).u(2, 0).u(3, 0).u(4, 0).u(5, 0).u(7, 0);
  Enc meta = object_meta("web");
  meta.entry(11, "app", "web");
  Enc d;
  d.m(1, meta).m(2, spec).m(3, status);
  return d;
}

TEST(ProtoDecode, DeploymentAsKubectlSendsIt) {
  EXPECT_EQ(decode_ok(Enc::envelope("apps/v1", "Deployment", web_deployment(3))), json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
      "replicas": 3,
      "selector": {"matchLabels": {"app": "web"}},
      "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                 "ports": [{"containerPort": 80}], "resources": {}}]}
      },
      "strategy": {}
    },
    "status": {}
  })"));
}

TEST(ProtoDecode, PointerZeroIsKept) {
  json d = decode_ok(Enc::envelope("apps/v1", "Deployment", web_deployment(0)));
  ASSERT_TRUE(d["spec"].contains("replicas"));
  EXPECT_EQ(d["spec"]["replicas"], 0);
  EXPECT_FALSE(d["spec"].contains("revisionHistoryLimit"));
}

TEST(ProtoDecode, SecretBytesAndStringData) {
  Enc secret;
  secret.m(1, object_meta("s").s(3, "default"))
      .entry(2, "bin", std::string("\x00\xff\x10", 3))
      .entry(2, "text", "hello")
      .s(3, "Opaque")
      .entry(4, "plain", "v");
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "Secret", secret)), json::parse(R"({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "s", "namespace": "default"},
    "data": {"bin": "AP8Q", "text": "aGVsbG8="},
    "stringData": {"plain": "v"},
    "type": "Opaque"
  })"));
}

TEST(ProtoDecode, ConfigMapAndServiceAccount) {
  Enc cm;
  cm.m(1, object_meta("cfg")).entry(2, "k", "v").entry(3, "b", "ab").u(4, 1);
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "ConfigMap", cm)), json::parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
    "data": {"k": "v"}, "binaryData": {"b": "YWI="}, "immutable": true})"));
  Enc sa;
  sa.m(1, object_meta("robot")).u(4, 0);
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "ServiceAccount", sa)), json::parse(R"({
    "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"},
    "automountServiceAccountToken": false})"));
}

// `kubectl create service clusterip my --tcp=80:8080`: targetPort is an IntOrString.
TEST(ProtoDecode, ServiceWithIntOrString) {
  Enc port;
  port.s(1, "80-8080").s(2, "TCP").u(3, 80).m(4, Enc().u(1, 0).u(2, 8080).s(3, "")).u(5, 0);
  Enc named;
  named.s(1, "web").s(2, "TCP").u(3, 443).m(4, Enc().u(1, 1).u(2, 0).s(3, "https")).u(5, 0);
  Enc spec;
  spec.m(1, port).m(1, named).entry(2, "app", "my").s(3, "").s(4, "ClusterIP").s(7, "").s(8, "")
      .s(10, "").s(11, "").u(12, 0).u(13, 0);
  Enc svc;
  svc.m(1, object_meta("my")).m(2, spec).m(3, Enc().m(1, Enc()));
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "Service", svc)), json::parse(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "my"},
    "spec": {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080},
                       {"name": "web", "protocol": "TCP", "port": 443, "targetPort": "https"}],
             "selector": {"app": "my"}, "type": "ClusterIP"},
    "status": {"loadBalancer": {}}})"));
}

TEST(ProtoDecode, PodDetails) {
  Enc env_from_field;
  env_from_field.s(1, "NODE").s(2, "").m(3, Enc().m(1, Enc().s(1, "v1").s(2, "spec.nodeName")));
  Enc env_from_secret;
  env_from_secret.s(1, "PW").m(3, Enc().m(4, Enc().m(1, Enc().s(1, "db")).s(2, "password")));
  Enc resources;
  resources.quantity_entry(1, "memory", "128Mi").quantity_entry(2, "cpu", "250m");
  Enc probe;
  probe.m(1, Enc().m(2, Enc().s(1, "/healthz").m(2, Enc().u(1, 0).u(2, 8080)))).u(2, 5).u(4, 10);
  Enc container;
  container.s(1, "app").s(2, "busybox").s(3, "sh").s(3, "-c").s(4, "sleep 1").s(5, "/w")
      .m(7, env_from_field).m(7, env_from_secret).m(8, resources).m(10, probe).s(14, "IfNotPresent")
      .m(9, Enc().s(1, "data").u(2, 1).s(3, "/data"))
      .m(15, Enc().u(5, 1).u(4, 1000).m(1, Enc().s(2, "ALL")));
  Enc volume;
  volume.s(1, "data").m(2, Enc().m(2, Enc().s(1, "").m(2, Enc().s(1, "1Gi"))));
  Enc spec;
  spec.m(1, volume).m(2, container).s(3, "Never").i(4, 0).u(11, 0).entry(7, "disk", "ssd")
      .m(22, Enc().s(1, "k").s(2, "Exists").s(4, "NoSchedule")).u(30, 0);
  Enc owner;
  owner.s(1, "ReplicaSet").s(3, "rs").s(4, "uid-1").s(5, "apps/v1").u(6, 1);
  Enc meta = object_meta("");
  meta.s(2, "p-").s(3, "ns").entry(12, "note", "x").m(13, owner).s(14, "example.com/f");
  meta.m(8, Enc().u(1, 1700000000).u(2, 0));
  Enc pod;
  pod.m(1, meta).m(2, spec).m(3, Enc().s(1, "Pending"));
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "Pod", pod)), json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"generateName": "p-", "namespace": "ns", "annotations": {"note": "x"},
                 "creationTimestamp": "2023-11-14T22:13:20Z",
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                                      "uid": "uid-1", "controller": true}],
                 "finalizers": ["example.com/f"]},
    "spec": {
      "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "1Gi"}}],
      "containers": [{
        "name": "app", "image": "busybox", "command": ["sh", "-c"], "args": ["sleep 1"],
        "workingDir": "/w",
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
                {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
        "resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "250m"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 5,
                          "periodSeconds": 10},
        "volumeMounts": [{"name": "data", "readOnly": true, "mountPath": "/data"}],
        "imagePullPolicy": "IfNotPresent",
        "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "capabilities": {"drop": ["ALL"]}}
      }],
      "restartPolicy": "Never", "terminationGracePeriodSeconds": 0, "nodeSelector": {"disk": "ssd"},
      "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
      "enableServiceLinks": false
    },
    "status": {"phase": "Pending"}
  })"));
}

TEST(ProtoDecode, UnknownFieldsAreSkipped) {
  Enc clean = object_meta("foo");
  clean.u(99, 7).s(100, "x").tag(101, 5);  // fixed32: four bytes follow
  for (int k = 0; k < 4; ++k) clean.varint_raw(0);
  clean.tag(102, 1);                       // fixed64: eight bytes follow
  for (int k = 0; k < 8; ++k) clean.varint_raw(0x7f);
  Enc ns;
  ns.m(1, clean).m(9, Enc().m(1, Enc().m(1, Enc()))).m(2, Enc());
  EXPECT_EQ(decode_ok(Enc::envelope("v1", "Namespace", ns)),
            json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"foo"},
                            "spec":{},"status":{}})"));
}

TEST(ProtoDecode, InvalidUtf8BecomesReplacementCharacter) {
  Enc ns;
  ns.m(1, Enc().s(1, "a\xff" "b"));
  json j = decode_ok(Enc::envelope("v1", "Namespace", ns));
  EXPECT_EQ(j["metadata"]["name"], "a\xEF\xBF\xBD" "b");
  EXPECT_NO_THROW((void)j.dump());
}

TEST(ProtoDecode, UnsupportedKindIs415) {
  auto r = decode_protobuf_object(Enc::envelope("v1", "Endpoints", Enc()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOTSUP);
  EXPECT_EQ(r.error().what(), "protobuf is not supported for v1/Endpoints; send JSON");
  auto apps = decode_protobuf_object(Enc::envelope("apps/v1", "StatefulSet", Enc()));
  ASSERT_FALSE(apps);
  EXPECT_EQ(apps.error().what(), "protobuf is not supported for apps/v1/StatefulSet; send JSON");
}

TEST(ProtoDecode, MalformedInput) {
  const std::string magic("k8s\0", 4);
  auto ns = [](const Enc& raw) { return Enc::envelope("v1", "Namespace", raw); };
  Enc deep;  // 100 levels of nested unknown messages: skipped, never recursed into
  for (int i = 0; i < 100; ++i) deep = Enc().m(50, deep);
  const std::pair<std::string, std::string> cases[] = {
      {"", "protobuf body does not start with the k8s\\0 magic"},
      {"k8s", "protobuf body does not start with the k8s\\0 magic"},
      {"{\"kind\":\"Namespace\"}", "protobuf body does not start with the k8s\\0 magic"},
      {magic, "protobuf body has no apiVersion/kind"},
      {magic + "\x0a", "runtime.Unknown: truncated varint"},
      {magic + "\x0a\x05" "ab", "runtime.Unknown: length 5 past the end of the message"},
      {magic + "\x08\x01", "runtime.Unknown: wrong wire type 0"},
      {magic + "\x2b", "runtime.Unknown: unsupported wire type 3"},
      {magic + std::string(1, '\0'), "runtime.Unknown: invalid field number 0"},
      {magic + "\x0a\x02\x0a\x80", "TypeMeta: truncated varint"},
      {magic + std::string(11, '\xff'), "runtime.Unknown: varint longer than 10 bytes"},
      {Enc::envelope("v1", "Namespace", Enc()).substr(0, 10), "runtime.Unknown: length 15 past the end of the message"},
      {ns(Enc().u(1, 1)), "decoding Namespace: Namespace.metadata: wrong wire type 0"},
      {ns(Enc().m(1, Enc().u(1, 5))), "decoding Namespace: ObjectMeta.name: wrong wire type 0"},
      {ns(Enc().m(1, Enc().s(7, "x"))), "decoding Namespace: ObjectMeta.generation: wrong wire type 2"},
      {ns(Enc().tag(1, 2).varint_raw(3).s(1, "")), "decoding Namespace: Namespace.metadata: length 3 past the end of the message"},
      {ns(Enc().m(1, Enc().m(8, Enc().i(1, 400000000000)))),
       "decoding Namespace: ObjectMeta.creationTimestamp: time 400000000000 out of range"},
      {ns(Enc().m(1, Enc().tag(11, 2).varint_raw(2).u(1, 1))),
       "decoding Namespace: map entry: wrong wire type 0"},
      {ns(Enc().tag(9, 7)), "decoding Namespace: Namespace: unsupported wire type 7"},
      {ns(Enc().tag(9, 1).varint_raw(1)), "decoding Namespace: Namespace: truncated fixed-width field"},
      {ns(Enc().m(1, Enc().tag(7, 0).raw("\x80"))), "decoding Namespace: ObjectMeta.generation: truncated varint"},
      {ns(Enc().m(2, Enc().s(1, "kubernetes").u(1, 1))), "decoding Namespace: NamespaceSpec.finalizers: wrong wire type 0"},
      {Enc::envelope("v1", "Pod", Enc().m(2, Enc().m(2, Enc().m(8, Enc().m(1, Enc().s(1, "cpu").m(2, Enc().u(1, 3))))))),
       "decoding Pod: Quantity: wrong wire type 0"},
      {Enc::envelope("v1", "Pod", Enc().m(2, Enc().m(14, Enc().s(4, std::string(1, '\x80'))))),
       "decoding Pod: PodSecurityContext.supplementalGroups: truncated varint"},
  };
  for (const auto& [body, want] : cases) {
    auto r = decode_protobuf_object(body);
    ASSERT_FALSE(r) << want;
    EXPECT_EQ(r.error().what(), want);
    EXPECT_EQ(r.error().code(), EINVAL) << want;
  }
  auto gz = Enc();
  gz.m(1, Enc().s(1, "v1").s(2, "Namespace")).m(2, Enc()).s(3, "gzip");
  auto r = decode_protobuf_object(magic + gz.str());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "unsupported protobuf contentEncoding gzip");
  EXPECT_TRUE(decode_protobuf_object(ns(Enc().m(1, object_meta("x")).m(9, deep))));
}

}  // namespace
}  // namespace v6k::kube

// The seed walkthrough's sample-service.yml (Service my-service + Deployment
// my-deployment in namespace aws-news-blog) as the JSON kubectl sends.
#pragma once

#include <nlohmann/json.hpp>

namespace v6k::kube::testing {

inline nlohmann::json seed_deployment() {
  return nlohmann::json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "my-deployment", "namespace": "aws-news-blog", "labels": {"app": "my-app"}},
    "spec": {
      "replicas": 3,
      "selector": {"matchLabels": {"app": "my-app"}},
      "template": {
        "metadata": {"labels": {"app": "my-app"}},
        "spec": {
          "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "beta.kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}
          ]}}},
          "containers": [{"name": "nginx", "image": "public.ecr.aws/z9d2n7e1/nginx:1.19.5",
                          "ports": [{"containerPort": 80}]}]
        }
      }
    }
  })");
}

inline nlohmann::json seed_service() {
  return nlohmann::json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "my-service", "namespace": "aws-news-blog", "labels": {"app": "my-app"}},
    "spec": {"selector": {"app": "my-app"}, "ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}]}
  })");
}

}  // namespace v6k::kube::testing

// The `v5.channel.k8s.io` exec/attach protocol as both of its ends here speak it — the API
// server's relay (kube/apiserver/exec.*) and the node agent's kubelet endpoint
// (node/agent/kubelet_server_exec.cc): stream ids, and the closing Status of a session
// (metav1.Status with empty TypeMeta, as the kubelet's Go code marshals it). Header-only.
//
//   ws.send(std::string(1, char(exec_protocol::kError)) + exec_protocol::exit_status(3));
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace v6k::kube::exec_protocol {

inline constexpr char kSubprotocol[] = "v5.channel.k8s.io";
// The first byte of every binary message.
inline constexpr uint8_t kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kResize = 4, kCloseStream = 255;

// {"status":"Success"} for 0; NonZeroExitCode with the code as the cause otherwise.
inline std::string exit_status(int code) {
  using ojson = nlohmann::ordered_json;
  ojson s = {{"metadata", ojson::object()}, {"status", code == 0 ? "Success" : "Failure"}};
  if (code != 0) {
    s["message"] = "command terminated with non-zero exit code: exit status " + std::to_string(code);
    s["reason"] = "NonZeroExitCode";
    s["details"] = {{"causes", ojson::array({{{"reason", "ExitCode"}, {"message", std::to_string(code)}}})}};
  }
  return s.dump();
}

// An InternalError Status: kubectl prints "error: Internal error occurred: error executing
// command in container: <message>".
inline std::string error_status(const std::string& message) {
  using ojson = nlohmann::ordered_json;
  const std::string cause = "error executing command in container: " + message;
  ojson s = {{"metadata", ojson::object()},
             {"status", "Failure"},
             {"message", "Internal error occurred: " + cause},
             {"reason", "InternalError"},
             {"details", {{"causes", ojson::array({{{"message", cause}}})}}},
             {"code", 500}};
  return s.dump();
}

}  // namespace v6k::kube::exec_protocol

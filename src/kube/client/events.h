// Events as the control plane records them (client-go's EventRecorder writing core/v1
// Events, which `kubectl describe` and `kubectl get events` show): one Event per
// (object, type, reason, message); a repeat within ten minutes bumps its count and
// lastTimestamp instead of adding another.
//
//   EventRecorder events(client, "default-scheduler");
//   events.record(pod, "Warning", "FailedScheduling", "0/3 nodes are available: ...");
//
// Writing is asynchronous (a background thread), so a controller never waits on it; a
// failed write is dropped, as upstream does after its retries.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "kube/client/client.h"

namespace v6k::kube {

// Now as RFC 3339 with seconds ("2026-11-27T08:41:10Z") and with microseconds
// ("2026-11-27T08:41:10.123456Z", MicroTime), the two time formats of the API.
std::string now_rfc3339();
std::string now_rfc3339_micro();

class EventRecorder {
 public:
  EventRecorder(std::shared_ptr<Client> client, std::string component, std::string host = "");
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `object` is the involved object as read from the API (kind and apiVersion may be
  // missing from list items: pass them).
  void record(const json& object, const std::string& type, const std::string& reason, const std::string& message,
              const std::string& kind = "", const std::string& api_version = "");

  // Blocks until every recorded event has been written (tests).
  void flush();
  void stop();

 private:
  struct Pending {
    json involved;
    std::string type, reason, message;
  };
  struct Seen {
    std::string name;
    std::string ns;
    int count = 0;
    std::chrono::steady_clock::time_point last;
  };
  void run();
  void write(const Pending& p);

  std::shared_ptr<Client> client_;
  std::string component_, host_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::unordered_map<std::string, Seen> seen_;  // only touched by the writer thread
  std::thread thread_;
};

}  // namespace v6k::kube

// The EC2 API (query protocol in, XML out) over the region's store. No kernel work here:
// the fabric realises what the store holds.
//
//   Ec2Api ec2(store, RegionConfig::defaults());
//   http::Response r = ec2.handle(params, request_id);   // params: the parsed form body
//
// Bad input gets the error code and message a user would see from AWS, and changes nothing.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "aws/query.h"
#include "ec2/region.h"
#include "http/message.h"
#include "store/store.h"

namespace v6k::ec2 {

class Ec2Api {
 public:
  Ec2Api(store::Store& store, RegionConfig region) : store_(store), region_(std::move(region)) {}
  http::Response handle(const aws::QueryParams& params, const std::string& request_id);
  const RegionConfig& region() const { return region_; }

  // Called after a successful write with the VPCs whose kernel realisation changed, before
  // the response is sent and still under the writer lock (so realisations never race).
  // The region daemon hangs the fabric here; "applied the moment the call returns".
  using ChangeHook = std::function<void(const std::vector<std::string>& vpc_ids)>;
  void on_change(ChangeHook hook) { on_change_ = std::move(hook); }

 private:
  store::Store& store_;
  RegionConfig region_;
  ChangeHook on_change_;
  std::mutex write_mu_;  // one writer at a time: allocation checks read, then write
};

}  // namespace v6k::ec2

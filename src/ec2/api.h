// The EC2 API (query protocol in, XML out) over the region's store. No kernel work here:
// the fabric realises what the store holds.
//
//   Ec2Api ec2(store, RegionConfig::defaults());
//   http::Response r = ec2.handle(params, request_id);   // params: the parsed form body
//
// Bad input gets the error code and message a user would see from AWS, and changes nothing.
#pragma once

#include <mutex>
#include <string>

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

 private:
  store::Store& store_;
  RegionConfig region_;
  std::mutex write_mu_;  // one writer at a time: allocation checks read, then write
};

}  // namespace v6k::ec2

// tracelet-receiver playing the X-Ray sampling API offline (--xray-sampling-rules), next to
// the traces and logs endpoints it plays with --aws-sigv4: a RemoteSampler fetches the rules
// and a quota over TLS with SigV4-signed calls, the receiver checks every signature, and a rules
// file a device would refuse keeps the receiver from starting.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/process.h"
#include "support/receiver_process.h"
#include "trace_ids.h"
#include "tracelet/net_connector.h"
#include "tracelet/sigv4.h"
#include "tracelet/xray_sampling.h"

namespace tracelet {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// Rules as X-Ray's console makes them: a quota of 5/s for the service "device", 1/s for the
// rest, nothing kept by rate.
constexpr const char* kRules = R"({"SamplingRuleRecords":[
 {"SamplingRule":{"RuleName":"api","Priority":10,"FixedRate":0,"ReservoirSize":5,"ServiceName":"device",
  "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","ResourceARN":"*","Version":1,"Attributes":{}}},
 {"SamplingRule":{"RuleName":"Default","Priority":10000,"FixedRate":0,"ReservoirSize":1,"ServiceName":"*",
  "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","ResourceARN":"*","Version":1,"Attributes":{}}}]})";

class ReceiverSamplingApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(test::make_test_ca(dir_.file("pki")), "");
    std::ofstream(dir_.file("rules.json")) << kRules;
    std::ofstream(dir_.file("aws.key")) << "xray us-east-1 AKIDEXAMPLE " << kSecret << "\n";
  }
  void start_receiver() {
    std::string error;
    ASSERT_TRUE(receiver_.start(dir_.path(), {"--certs", dir_.file("pki"), "--aws-sigv4", dir_.file("aws.key"),
                                              "--xray-sampling-rules", dir_.file("rules.json")},
                                error))
        << error;
    endpoint_ = "https://127.0.0.1:" + std::to_string(receiver_.port());
    ca_ = dir_.file("pki/ca.crt");
    ExporterConfig net;
    net.ca_file = ca_.c_str();
    connector_.configure(net);
    config_.endpoint = endpoint_.c_str();
    config_.connector = connector_.connector();
    config_.service_name = "device";
    config_.timeout_ms = 5000;
  }
  void sign(const char* secret) {
    credentials_.access_key_id = "AKIDEXAMPLE";
    credentials_.secret_access_key = secret;
    credentials_.region = "us-east-1";
    credentials_.service = "xray";
    ASSERT_EQ(signer_.init(credentials_), Status::kOk);
    config_.signer = signer_.request_signer();
  }

  test::TempDir dir_;
  test::ReceiverProcess receiver_;
  std::string endpoint_, ca_;
  NetConnector connector_;
  XraySamplingConfig config_;
  SigV4Credentials credentials_;
  SigV4Signer signer_;
};

TEST_F(ReceiverSamplingApi, SignedCallsGetTheRulesAndAQuota) {
  start_receiver();
  sign(kSecret);
  RemoteSampler sampler;
  ASSERT_EQ(sampler.init(config_), Status::kOk);
  EXPECT_EQ(sampler.poll_at(0), 10000u);  // rules fetched; targets after the default 10 s
  XraySamplingStats st = sampler.stats();
  EXPECT_FALSE(st.using_default_rule);
  EXPECT_EQ(st.rule_count, 2u);
  EXPECT_EQ(sampler.rule_stats(0).name, "api");
  test::TraceIds ids;
  EXPECT_EQ(test::decide_burst(sampler, 0, 1000, ids, "/api/read"), 1) << "no quota yet: one borrowed per second";

  EXPECT_EQ(sampler.poll_at(10000), 10000u);  // statistics sent; Interval 10 s
  st = sampler.stats();
  EXPECT_EQ(st.targets_fetches, 1u);
  EXPECT_EQ(st.call_failures, 0u);
  EXPECT_TRUE(sampler.rule_stats(0).has_quota);
  EXPECT_EQ(sampler.rule_stats(0).quota, 5u);
  EXPECT_EQ(test::decide_burst(sampler, 10000, 1000, ids, "/api/read"), 5) << "the receiver's quota: the rule's ReservoirSize";
  std::printf("receiver as the X-Ray sampling API: %u rules, quota %u/s, 5 of 1000 sampled in a second\n",
              st.rule_count, sampler.rule_stats(0).quota);
  // The receiver logs a request after answering it: wait for the line.
  EXPECT_TRUE(receiver_.wait_for_log("POST /GetSamplingRules -> 200")) << receiver_.log();
  EXPECT_TRUE(receiver_.wait_for_log("POST /SamplingTargets -> 200")) << receiver_.log();
  EXPECT_EQ(receiver_.stop(), 0);
}

TEST_F(ReceiverSamplingApi, AWrongSecretIsRefusedAndTheDefaultRuleStays) {
  start_receiver();
  sign("AnotherSecretKeyThatIsNotTheRightOne00000");
  RemoteSampler sampler;
  ASSERT_EQ(sampler.init(config_), Status::kOk);
  (void)sampler.poll_at(0);
  const XraySamplingStats st = sampler.stats();
  EXPECT_TRUE(st.using_default_rule);
  EXPECT_EQ(st.rules_fetches, 0u);
  EXPECT_GE(st.call_failures, 1u);
  EXPECT_TRUE(receiver_.wait_for_log("signature mismatch")) << receiver_.log();
  EXPECT_EQ(receiver_.stop(), 0);
}

TEST_F(ReceiverSamplingApi, ARulesFileADeviceWouldRefuseStopsTheStart) {
  std::ofstream(dir_.file("rules.json"), std::ios::trunc)
      << R"({"SamplingRuleRecords":[{"SamplingRule":{"RuleName":"no-rate","Priority":1}}]})";
  std::string error;
  EXPECT_FALSE(receiver_.start(dir_.path(), {"--certs", dir_.file("pki"), "--xray-sampling-rules",
                                             dir_.file("rules.json")},
                               error));
  EXPECT_NE((error + receiver_.log()).find("rule(s) a device would refuse"), std::string::npos)
      << error << receiver_.log();
}

}  // namespace
}  // namespace tracelet

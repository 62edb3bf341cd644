#include "otlp/response.h"

#include <gtest/gtest.h>

#include <string>

namespace tracelet::otlp {
namespace {

const std::uint8_t* bytes(const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

TEST(OtlpResponse, PartialSuccessIsDecoded) {
  // partial_success { rejected_spans: 2, error_message: "too old" }
  const std::string body("\x0a\x0b\x08\x02\x12\x07too old", 13);
  ExportResponse r;
  ASSERT_TRUE(decode_export_response(bytes(body), body.size(), r));
  EXPECT_EQ(r.rejected_spans, 2);
  EXPECT_STREQ(r.error_message, "too old");
  ASSERT_TRUE(decode_export_response(nullptr, 0, r)) << "an empty body is a full success";
  EXPECT_EQ(r.rejected_spans, 0);
}

TEST(OtlpResponse, LongMessagesAreCutAndGarbageRejected) {
  std::string message(500, 'm');
  std::string inner = "\x12" + std::string("\xf4\x03", 2) + message;  // field 2, length 500
  std::string body = "\x0a" + std::string("\xf7\x03", 2) + inner;     // field 1, length 503
  ExportResponse r;
  ASSERT_TRUE(decode_export_response(bytes(body), body.size(), r));
  EXPECT_EQ(std::string(r.error_message), std::string(sizeof r.error_message - 1, 'm'));
  const std::string garbage("\x0a\x7f\x01", 3);  // length runs past the end
  EXPECT_FALSE(decode_export_response(bytes(garbage), garbage.size(), r));
  EXPECT_EQ(r.rejected_spans, 0);
}

TEST(OtlpResponse, StatusMessageOfErrorAnswers) {
  // google.rpc.Status { code: 3, message: "bad payload" }
  const std::string body("\x08\x03\x12\x0b" "bad payload", 15);
  char out[32];
  ASSERT_TRUE(decode_status_message(bytes(body), body.size(), out, sizeof out));
  EXPECT_STREQ(out, "bad payload");
  const std::string no_message("\x08\x03", 2);
  EXPECT_FALSE(decode_status_message(bytes(no_message), no_message.size(), out, sizeof out));
  EXPECT_STREQ(out, "");
}

}  // namespace
}  // namespace tracelet::otlp

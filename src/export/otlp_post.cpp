#include "tracelet/otlp_post.h"

#include <cstdio>

#include "export/http_request.h"
#include "export/http_response.h"
#include "export/otlp_http.h"
#include "otlp/response.h"
#include "tracelet/version.h"

namespace tracelet {
namespace {

constexpr std::uint32_t kDefaultTimeoutMs = 10000;

void set_reason(OtlpPostResult& result, const char* text) noexcept {
  std::snprintf(result.reason, sizeof result.reason, "%s", text);
}

bool arguments_ok(const Transport& transport, const OtlpPostOptions& options, const std::uint8_t* body,
                  std::size_t len) noexcept {
  if (transport.send == nullptr || transport.recv == nullptr) return false;
  if (body == nullptr && len != 0) return false;
  if (options.headers == nullptr && options.header_count != 0) return false;
  if (options.signer != nullptr && (options.signer->begin == nullptr || options.signer->body == nullptr ||
                                    options.signer->sign == nullptr)) {
    return false;
  }
  for (std::size_t i = 0; i < options.header_count; ++i) {
    if (!otlp::is_valid_header(options.headers[i])) return false;
  }
  return true;
}

}  // namespace

Status otlp_post(const Transport& transport, const Endpoint& endpoint, const OtlpPostOptions& options,
                 const std::uint8_t* body, std::size_t len, OtlpPostResult& result) noexcept {
  result = OtlpPostResult{};
  if (!arguments_ok(transport, options, body, len)) {
    result.outcome = OtlpPostOutcome::kRejected;
    set_reason(result, to_string(Status::kInvalidArgument));
    return Status::kInvalidArgument;
  }
  const std::uint32_t timeout = options.timeout_ms != 0 ? options.timeout_ms : kDefaultTimeoutMs;
  const std::uint64_t deadline = detail::monotonic_ms() + timeout;

  // ---- request ----
  {  // a scope of its own, so the writer's buffer and the response parser can share stack
    detail::TransportWriter writer(transport, deadline);
    const char* agent = options.user_agent != nullptr ? options.user_agent : "tracelet/" TRACELET_VERSION_STRING;
    HttpHeader signature[6];
    std::size_t signature_count = 0;
    if (const RequestSigner* signer = options.signer) {
      char host_text[280];
      otlp::format_host_header(endpoint.host, endpoint.port, endpoint.tls, host_text, sizeof host_text);
      SignedRequest request;
      request.signal = options.signal;
      request.host = host_text;
      request.target = endpoint.path;
      request.content_type = otlp::kContentType;
      signer->begin(signer->ctx);
      signer->body(signer->ctx, body, len);
      signature_count = signer->sign(signer->ctx, request, signature, 6);
      if (signature_count == 0) {  // the signer's log line says why
        result.outcome = OtlpPostOutcome::kRetryable;
        set_reason(result, "the request signer could not sign");
        return Status::kFailedPrecondition;
      }
    }
    const bool sent = otlp::write_post_head(writer, endpoint.host, endpoint.port, endpoint.tls, endpoint.path,
                                            agent, len, options.headers, options.header_count, nullptr,
                                            signature, signature_count) &&
                      writer.write(body, len) && writer.flush();
    if (!sent) {
      const Status s = writer.status() != Status::kOk ? writer.status() : Status::kDataLoss;
      result.close_connection = true;
      set_reason(result, to_string(s));
      return s;
    }
  }
  result.sent = true;

  // ---- answer ----
  detail::HttpResponseParser response;
  Status stream_end = Status::kOk;
  const detail::HttpResponseParser::Result got =
      detail::receive_response(transport, deadline, response, &stream_end);
  if (got != detail::HttpResponseParser::Result::kDone) {
    result.close_connection = true;
    if (got == detail::HttpResponseParser::Result::kNeedMore) {
      set_reason(result, "timeout");
      return Status::kTimeout;
    }
    set_reason(result, response.error());
    return stream_end != Status::kOk ? stream_end : Status::kDataLoss;
  }
  result.close_connection = response.connection_close();
  const int status = response.status();
  result.http_status = status;
  if (options.signer != nullptr && options.signer->on_answer != nullptr &&
      options.signer->on_answer(options.signer->ctx, status, response.date()) && (status < 200 || status >= 300)) {
    result.resign_now = true;
  }
  if (status >= 200 && status < 300) {
    otlp::ExportResponse answer;
    if (otlp::read_success(response, answer)) {
      result.rejected_spans = answer.rejected_spans;
      set_reason(result, answer.error_message);
    }
    result.outcome = OtlpPostOutcome::kDelivered;
    return Status::kOk;
  }
  otlp::failure_reason(response, result.reason, sizeof result.reason);
  if (otlp::is_retryable(status)) {
    result.retry_after_ms = otlp::retry_after_ms(response, options.now_unix_s);
    result.outcome = OtlpPostOutcome::kRetryable;
  } else {
    result.outcome = OtlpPostOutcome::kRejected;
  }
  return Status::kOk;
}

}  // namespace tracelet

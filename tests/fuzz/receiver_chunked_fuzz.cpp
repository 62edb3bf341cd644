// Fuzz target: the receiver's chunked body decoder (tools/receiver/chunked_decoder.cpp), fed
// the way serve_request() feeds it: a buffer that grows by reads of random size and loses what
// the decoder consumed. Checks that the decoded body never exceeds the input or the limit,
// that decoded() counts what was written, that the result, the body and the bytes consumed do
// not depend on how the input was split, and that a finished decoder stays finished.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "chunked_decoder.h"

namespace {

using tracelet::receiver::ChunkedDecoder;

struct Run {
  ChunkedDecoder::Result result = ChunkedDecoder::Result::kNeedMore;
  std::string body;
  std::size_t consumed = 0;  // input bytes the decoder used
  int status = 0;
};

Run decode(const std::string& input, std::size_t step, std::uint64_t max_body) {
  ChunkedDecoder decoder(max_body);
  Run run;
  std::string buffer;
  std::size_t at = 0;
  for (;;) {
    std::size_t used = 0;
    const std::size_t before = run.body.size();
    run.result = decoder.feed(buffer.data(), buffer.size(), used, run.body);
    if (used > buffer.size()) std::abort();
    if (run.body.size() - before > used) std::abort();  // more out than in
    buffer.erase(0, used);
    run.consumed += used;
    if (decoder.decoded() != run.body.size() || run.body.size() > max_body) std::abort();
    if (run.result != ChunkedDecoder::Result::kNeedMore || at == input.size()) break;
    const std::size_t n = input.size() - at < step ? input.size() - at : step;
    buffer.append(input, at, n);
    at += n;
  }
  if (run.result == ChunkedDecoder::Result::kError) {
    run.status = decoder.error().status;
    if (decoder.error().reason.empty()) std::abort();
    if (run.status != 400 && run.status != 413 && run.status != 431) std::abort();
  }
  if (run.result != ChunkedDecoder::Result::kNeedMore) {
    // Finished: it consumes nothing more and answers the same.
    std::size_t used = 1;
    const std::size_t body_size = run.body.size();
    if (decoder.feed(buffer.data(), buffer.size(), used, run.body) != run.result || used != 0 ||
        run.body.size() != body_size) {
      std::abort();
    }
  }
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = (data[0] % 29) + 1;
  const std::uint64_t max_body = data[0] < 128 ? 100 : 1u << 20;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Run pieces = decode(input, step, max_body);
  const Run whole = decode(input, input.size() == 0 ? 1 : input.size(), max_body);
  if (pieces.result != whole.result || pieces.body != whole.body || pieces.status != whole.status) {
    std::abort();
  }
  if (pieces.result == ChunkedDecoder::Result::kDone && pieces.consumed != whole.consumed) std::abort();
  if (pieces.body.size() > input.size()) std::abort();
  return 0;
}

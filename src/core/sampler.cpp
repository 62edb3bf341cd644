// The sampler interface's shared pieces: the built-in always_on/always_off functions, decision
// counters, and sample(), the one call Tracer makes. See include/tracelet/sampler.h.
#include "tracelet/sampler.h"

namespace tracelet {
namespace {

bool parent_present(const SamplingParams& p) noexcept {
  return p.parent != nullptr && p.parent->is_valid();
}

}  // namespace

// ---- built-ins ---------------------------------------------------------------------------

namespace detail {
SamplingDecision always_on_fn(void*, const SamplingParams&) noexcept {
  return SamplingDecision::kRecordAndSample;
}
SamplingDecision always_off_fn(void*, const SamplingParams&) noexcept {
  return SamplingDecision::kDrop;
}
}  // namespace detail

void SamplerCounters::count(SamplingDecision decision) noexcept {
  const auto index = static_cast<std::size_t>(decision);
  if (index < 3) counts_[index].fetch_add(1, std::memory_order_relaxed);
}

SamplerStats SamplerCounters::snapshot() const noexcept {
  SamplerStats s;
  s.dropped = counts_[static_cast<std::size_t>(SamplingDecision::kDrop)].load(std::memory_order_relaxed);
  s.record_only = counts_[static_cast<std::size_t>(SamplingDecision::kRecordOnly)].load(std::memory_order_relaxed);
  s.sampled = counts_[static_cast<std::size_t>(SamplingDecision::kRecordAndSample)].load(std::memory_order_relaxed);
  return s;
}

void SamplerCounters::reset() noexcept {
  for (auto& count : counts_) count.store(0, std::memory_order_relaxed);
}

SamplingDecision sample(const Sampler& sampler, const SamplingParams& params,
                        SamplerCounters* counters) noexcept {
  SamplingDecision d;
  if (sampler.should_sample != nullptr) {
    d = sampler.should_sample(sampler.ctx, params);
  } else if (parent_present(params)) {  // ParentBased(root=AlwaysOn) with default delegates
    d = params.parent->is_sampled() ? SamplingDecision::kRecordAndSample : SamplingDecision::kDrop;
  } else {
    d = SamplingDecision::kRecordAndSample;
  }
  if (counters != nullptr) counters->count(d);
  return d;
}

}  // namespace tracelet

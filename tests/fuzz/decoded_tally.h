#pragma once
// What a decoded OTLP request holds, counted for the receiver's fuzz targets
// (receiver_otlp_fuzz, receiver_logs_fuzz): every element costs at least two bytes on the wire
// and every string byte one, so the tally is bounded by the body.
#include <cstddef>
#include <vector>

#include "otlp_decode.h"

namespace tracelet::receiver::fuzz {

struct Tally {
  std::size_t elements = 0;      // messages and repeated entries
  std::size_t string_bytes = 0;  // bytes of every string and bytes field
};

inline void count_value(const AnyValue& v, Tally& t);

inline void count_attributes(const std::vector<KeyValue>& items, Tally& t) {
  for (const KeyValue& kv : items) {
    ++t.elements;
    t.string_bytes += kv.key.size();
    count_value(kv.value, t);
  }
}

inline void count_value(const AnyValue& v, Tally& t) {
  t.string_bytes += v.bytes.size();
  for (const AnyValue& item : v.array) {
    ++t.elements;
    count_value(item, t);
  }
  count_attributes(v.kvlist, t);
}

}  // namespace tracelet::receiver::fuzz

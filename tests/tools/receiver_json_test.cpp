// tools/receiver: the JSON text pieces the JSON Lines output is made of, against what they
// must equal: doubles as printf's "%.17g" writes them (the output the receiver always had) and
// hex of any length.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "report.h"

namespace tracelet::receiver {
namespace {

std::string printf_17g(double d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

TEST(JsonDouble, WritesWhatPrintfWrites) {
  std::vector<double> values = {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 1.0 / 3, 21.13, 1e16, 1e17, 123456789012345678.0,
                                1e-5, 1e-4, 0.0001234, 1e300, -1e-300, std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::epsilon(), 9007199254740993.0, 5e-324, 2.5, 0.5};
  for (int e = -30; e <= 30; ++e) values.push_back(std::pow(10.0, e));
  std::mt19937_64 random(20261203);
  for (int i = 0; i < 50000; ++i) {
    const std::uint64_t bits = random();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
    values.push_back(static_cast<double>(static_cast<std::int64_t>(bits >> (bits & 63))) / 1000.0);
  }
  for (double d : values) ASSERT_EQ(json_double(d), printf_17g(d)) << "bits of " << d;
}

TEST(JsonDouble, NanAndInfinitiesAreStrings) {
  EXPECT_EQ(json_double(std::nan("")), "\"NaN\"");
  EXPECT_EQ(json_double(std::numeric_limits<double>::infinity()), "\"Infinity\"");
  EXPECT_EQ(json_double(-std::numeric_limits<double>::infinity()), "\"-Infinity\"");
}

TEST(Hex, AnyLength) {
  std::vector<std::uint8_t> bytes(100);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
  for (std::size_t n : {0u, 1u, 8u, 16u, 31u, 32u, 33u, 64u, 100u}) {
    std::string want;
    for (std::size_t i = 0; i < n; ++i) {
      char two[3];
      std::snprintf(two, sizeof two, "%02x", bytes[i]);
      want += two;
    }
    EXPECT_EQ(to_hex(bytes.data(), n), want) << n;
  }
}

}  // namespace
}  // namespace tracelet::receiver

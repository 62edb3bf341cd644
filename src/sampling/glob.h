#pragma once
#include <string_view>

namespace tracelet::detail {

/// Glob match as sampling rules use it: '*' matches any run of characters (also none), '?'
/// exactly one; ASCII case is ignored.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

}  // namespace tracelet::detail

#pragma once
// Not part of the API: a constexpr array of empty attributes, so storage classes that hold
// attribute arrays stay constant-initialisable.
#include <array>
#include <cstddef>
#include <utility>

#include "tracelet/attribute.h"

namespace tracelet::detail {

template <std::size_t... I>
constexpr std::array<Attribute, sizeof...(I)> blank_attributes(std::index_sequence<I...>) noexcept {
  return {{(static_cast<void>(I), Attribute{std::string_view(), AttributeValue(false)})...}};
}

}  // namespace tracelet::detail

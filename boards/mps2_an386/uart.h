#pragma once
#include <cstddef>
#include <cstdint>

#include "tracelet/transport.h"

/// CMSDK APB UART0 of MPS2-AN386 (base 0x40004000), transmit side: what a device without IP
/// ships its traces over. QEMU connects it to its first -serial backend (e.g. -serial file:PATH).
namespace board {

/// Enables the transmitter at `baud` (BAUDDIV = core clock / baud; at least 16).
void uart0_init(std::uint32_t baud) noexcept;

/// Writes up to `len` bytes, waiting for room in the one-byte transmit buffer, but not
/// forever: returns how many were written (fewer when the transmitter stays busy).
/// Thread mode only (not ISR-safe: one writer at a time).
std::size_t uart0_write(const std::uint8_t* data, std::size_t len) noexcept;

/// UART0 as a tracelet::Transport: send() writes (0 = would block, when the transmitter
/// stayed busy); recv is not provided (the serial exporter only sends).
tracelet::Transport uart0_transport() noexcept;

}  // namespace board

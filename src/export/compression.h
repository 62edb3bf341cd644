#pragma once
// The exporter's link-time hook for the build's default gzip compressor (STYLE C2: chosen at
// link time). exporter.cpp defines weak versions that have none; src/export/gzip_zlib.cpp
// (target tracelet::gzip, whose object is put on the link line of tracelet::tracelet on
// Linux) defines the real ones.
#include "tracelet/compressor.h"

namespace tracelet::detail {

/// Makes a gzip Compressor for one exporter (allocates its state: called from Exporter::init
/// only). Returns false when the build has none; `handle` is what default_gzip_close frees.
bool default_gzip_open(Compressor& out, void*& handle) noexcept;
void default_gzip_close(void* handle) noexcept;

}  // namespace tracelet::detail

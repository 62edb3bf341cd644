#pragma once
// tracelet's version, reported as the resource attribute telemetry.sdk.version.
#define TRACELET_VERSION_MAJOR 0
#define TRACELET_VERSION_MINOR 1
#define TRACELET_VERSION_PATCH 0
#define TRACELET_VERSION_STRING "0.1.0"

// The process-wide tracer behind tracelet::start_span(). In its own file so a firmware that
// builds its own Tracer does not link (or reserve RAM for) this one.
#include "tracelet/tracelet.h"

namespace tracelet {
namespace {
Tracer g_default_tracer;  // constant-initialised: no static-initialisation-order risk
}  // namespace

Tracer& default_tracer() noexcept { return g_default_tracer; }

}  // namespace tracelet

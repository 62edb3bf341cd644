# The OTEL_* variables of "what users switching from the OpenTelemetry SDKs expect":
# OTEL_TRACES_EXPORTER, OTEL_PROPAGATORS, OTEL_LOG_LEVEL, span limits (and their effect on
# recording), and the check that names every OTEL_* variable tracelet does not read.
# The exporter log-level case runs a real Exporter, which needs the posix port (threads).
tracelet_add_test(env_vars_test SOURCES env_vars_test.cpp LIBS tracelet_test_modules tracelet_port_posix)
tracelet_add_test(span_limits_test SOURCES span_limits_test.cpp LIBS tracelet_test_modules tracelet_port_fake)

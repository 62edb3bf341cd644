# Core: ring, span recording, tracer, encoding, console exporter.
tracelet_add_test(ring_test SOURCES ring_test.cpp LIBS tracelet_core tracelet_port_fake)
tracelet_add_test(span_test SOURCES span_test.cpp LIBS tracelet_core tracelet_port_fake)

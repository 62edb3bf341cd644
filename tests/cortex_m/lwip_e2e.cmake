# Cortex-M4 networking on lwIP (port/lwip + the MPS2-AN386 LAN9118 driver), in the cm4 build
# when the lwIP sources are given. QEMU's user-mode network with restrict=on: the guest reaches
# only the guestfwd rules below, each a command QEMU starts per connection on this machine.
if(NOT TARGET tracelet_board_mps2_an386_ethernet)
  return()
endif()
find_program(TRACELET_QEMU_SYSTEM_ARM qemu-system-arm)

tracelet_board_firmware(cm_lwip_tcp_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lwip_tcp_target_test.cpp
                        LIBS tracelet_target_check tracelet_board_mps2_an386_ethernet)
target_include_directories(cm_lwip_tcp_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
# 10.0.2.100:7 echoes (cat); 10.0.2.100:13 closes at once (true).
add_test(NAME cm_lwip_tcp_test
         COMMAND timeout 60 ${TRACELET_QEMU_SYSTEM_ARM} -machine mps2-an386 -cpu cortex-m4
                 -nographic -monitor none -serial none
                 -semihosting-config enable=on,target=native
                 -nic "user,model=lan9118,restrict=on,guestfwd=tcp:10.0.2.100:7-cmd:cat,guestfwd=tcp:10.0.2.100:13-cmd:true"
                 -kernel $<TARGET_FILE:cm_lwip_tcp_test>)
set_tests_properties(cm_lwip_tcp_test PROPERTIES LABELS "cross;cortex_m;firmware;net" TIMEOUT 90
                     FAIL_REGULAR_EXPRESSION "FAILED|unhandled exception|tracelet panic")

# The firmware exports by itself: mps2_an386_tls_demo (boards/mps2_an386/tls_demo.cpp) over
# TLS to tracelet-receiver, through 10.0.2.100:4318 -> guestfwd_connector -> 127.0.0.1. The
# checker tests/tools/tls_cm4_e2e_test.cpp is a host program built by the cm_serial_host_tools
# fixture (serial_e2e.cmake) in the host tree; each case below is one of its tests.
if(TARGET mps2_an386_tls_demo)
  set(_tls_env "TRACELET_TLS_FIRMWARE=$<TARGET_FILE:mps2_an386_tls_demo>"
               "TRACELET_PKI_DIR=${TRACELET_MPS2_PKI_DIR}"
               "TRACELET_GUESTFWD_CONNECTOR=${TRACELET_HOST_BUILD_DIR}/tests/guestfwd_connector"
               "TRACELET_QEMU=${TRACELET_QEMU_SYSTEM_ARM}")
  function(_tracelet_tls_e2e name gtest_case)
    add_test(NAME ${name} COMMAND ${TRACELET_HOST_BUILD_DIR}/tests/tls_cm4_e2e_test
                                  --gtest_filter=TlsExportTest.${gtest_case})
    set_tests_properties(${name} PROPERTIES
      FIXTURES_REQUIRED cm_serial_host LABELS "cross;cortex_m;net;firmware" TIMEOUT 120
      ENVIRONMENT "${_tls_env}")
  endfunction()
  _tracelet_tls_e2e(cm_tls_export_e2e EverySpanArrivesOnceWithNestingAttributesAndTimes)
  _tracelet_tls_e2e(cm_tls_export_late_receiver_e2e ReceiverStartedSecondsAfterBootLosesNothing)
  _tracelet_tls_e2e(cm_tls_export_retry_503_e2e TwoAnswers503AreRetriedAndDelivered)
  _tracelet_tls_e2e(cm_tls_export_foreign_ca_e2e ServerCertificateFromAnotherCaIsRefusedAndNothingIsSent)
endif()

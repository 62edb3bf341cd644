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

// tracelet-receiver: a local OTLP/HTTP(S) trace receiver for development and tests.
// See usage_text() in options.cpp for the command line.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include "make_ca.h"
#include "options.h"
#include "server.h"
#if TRACELET_RECEIVER_HAVE_STORE
#include "query_cli.h"
#include "store.h"
#endif

namespace {

std::atomic<bool> g_stop{false};
int g_wake_pipe[2] = {-1, -1};

extern "C" void on_signal(int) {
  g_stop.store(true);
  const char byte = 1;
  // The self-pipe wakes the accept loop at once; nothing else is safe in a handler.
  ssize_t ignored = write(g_wake_pipe[1], &byte, 1);
  (void)ignored;
}

}  // namespace

int main(int argc, char** argv) {
  using tracelet::receiver::Options;
  if (argc >= 2 && std::string(argv[1]) == "query") {
#if TRACELET_RECEIVER_HAVE_STORE
    return tracelet::receiver::run_query_cli(argc - 2, argv + 2, std::cout, std::cerr);
#else
    std::cerr << "tracelet-receiver: built without SQLite (apt-get install -y libsqlite3-dev), so no queries\n";
    return 2;
#endif
  }
  Options options;
  std::string error;
  bool help = false;
  if (!tracelet::receiver::parse_options(argc, argv, options, error, help)) {
    std::cerr << "tracelet-receiver: " << error << "\n\n" << tracelet::receiver::usage_text();
    return 2;
  }
  if (help) {
    std::cout << tracelet::receiver::usage_text();
    return 0;
  }
  if (!options.make_ca_dir.empty()) {
    if (!tracelet::receiver::make_ca(options.make_ca_dir, error)) {
      std::cerr << "tracelet-receiver: --make-ca: " << error << '\n';
      return 1;
    }
    std::cerr << "tracelet-receiver: wrote ca.crt ca.key server.crt server.key client.crt client.key to "
              << options.make_ca_dir << '\n';
    return 0;
  }

  // Each request allocates and frees a few buffers the size of its body (hundreds of KB at
  // batch 512). glibc would hand them back to the kernel after every request (munmap, or
  // madvise on a thread's arena) and fault fresh zeroed pages in for the next one: a quarter
  // of the receiver's CPU under load. Keeping up to 64 MB of freed memory avoids that.
  (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
  (void)mallopt(M_TRIM_THRESHOLD, 64 << 20);

  if (pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::perror("tracelet-receiver: pipe");
    return 1;
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  tracelet::receiver::Store* store = nullptr;
#if TRACELET_RECEIVER_HAVE_STORE
  tracelet::receiver::Store sqlite_store;
  if (!options.db_file.empty()) {
    tracelet::receiver::StoreOptions store_options;
    store_options.path = options.db_file;
    store_options.keep_hours = options.keep_hours;
    store_options.max_rows = options.max_rows;
    store_options.max_queue_bytes = std::size_t{options.store_queue_mb} << 20;
    if (!sqlite_store.open(store_options, error)) {
      std::cerr << "tracelet-receiver: " << error << '\n';
      return 1;
    }
    store = &sqlite_store;
  }
#else
  if (!options.db_file.empty()) {
    std::cerr << "tracelet-receiver: --db: built without SQLite (apt-get install -y libsqlite3-dev)\n";
    return 2;
  }
#endif
  tracelet::receiver::Server server(options, g_stop, store);
  if (!server.start(error)) {
    std::cerr << "tracelet-receiver: " << error << '\n';
    return 1;
  }
  server.run(g_wake_pipe[0]);
#if TRACELET_RECEIVER_HAVE_STORE
  if (store != nullptr) {
    sqlite_store.close();  // commits what is still queued
    const tracelet::receiver::StoreStats stats = sqlite_store.stats();
    std::cerr << "tracelet-receiver: store: " << stats.written_spans << " span(s) written, "
              << stats.dropped_spans << " dropped, " << stats.deleted_spans << " deleted by retention\n";
  }
#endif
  return 0;
}

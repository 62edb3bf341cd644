// tracelet::FileRing for POSIX systems: a MAP_SHARED file holding ring memory, one process at a time.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tracelet/file_ring.h"
#include "tracelet/ring.h"

namespace tracelet {

Status FileRing::open(const char* path, std::size_t bytes) noexcept {
  close();
  error_[0] = '\0';
  if (path == nullptr || path[0] == '\0') {
    std::snprintf(error_, sizeof error_, "file ring: no path given");
    return Status::kInvalidArgument;
  }
  if (bytes < Ring::kControlBytes + 64 + 8) {
    std::snprintf(error_, sizeof error_, "file ring %s: %zu bytes is too small for a ring", path, bytes);
    return Status::kInvalidArgument;
  }
  int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::snprintf(error_, sizeof error_, "file ring %s: cannot open: %s", path, std::strerror(errno));
    return Status::kUnavailable;
  }
  // A second writer would corrupt the ring: refuse rather than wait for the lock.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    ::close(fd);
    if (why == EWOULDBLOCK) {
      std::snprintf(error_, sizeof error_, "file ring %s: in use by another process (locked)", path);
      return Status::kFailedPrecondition;
    }
    std::snprintf(error_, sizeof error_, "file ring %s: cannot lock: %s", path, std::strerror(why));
    return Status::kUnavailable;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 ||
      (static_cast<std::size_t>(st.st_size) != bytes && ::ftruncate(fd, static_cast<off_t>(bytes)) != 0)) {
    std::snprintf(error_, sizeof error_, "file ring %s: cannot size to %zu bytes: %s", path, bytes,
                  std::strerror(errno));
    ::close(fd);
    return Status::kUnavailable;
  }
  void* map = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    std::snprintf(error_, sizeof error_, "file ring %s: cannot map: %s", path, std::strerror(errno));
    ::close(fd);
    return Status::kUnavailable;
  }
  fd_ = fd;
  map_ = map;
  bytes_ = bytes;
  return Status::kOk;
}

Status FileRing::sync() noexcept {
  if (map_ == nullptr) return Status::kFailedPrecondition;
  if (::msync(map_, bytes_, MS_SYNC) != 0) {
    std::snprintf(error_, sizeof error_, "file ring: msync failed: %s", std::strerror(errno));
    return Status::kUnavailable;
  }
  return Status::kOk;
}

void FileRing::close() noexcept {
  if (map_ != nullptr) ::munmap(map_, bytes_);
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor drops the flock
  map_ = nullptr;
  fd_ = -1;
  bytes_ = 0;
}

}  // namespace tracelet

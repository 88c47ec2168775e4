#pragma once
// Native file access shared by the data loader and wn-train's history file: a descriptor
// that closes itself, reads that retry after signals, and a name for what a path is when
// it is not a regular file. (The WebAssembly module never opens files: the page hands it bytes.)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <utility>

namespace wn::posix {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { close(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Returns close(2)'s result: a write is only known to have reached the file once it is 0.
  int close() { return fd_ >= 0 ? ::close(std::exchange(fd_, -1)) : 0; }

 private:
  int fd_;
};

// read(2) that retries when a signal interrupts it: bytes read, 0 at the end, -1 on error.
inline long read_some(int fd, void* buf, std::size_t len) {
  for (;;) {
    const ssize_t n = ::read(fd, buf, len);
    if (n >= 0 || errno != EINTR) return long(n);
  }
}

// Writes all of buf, retrying after signals and short writes; false with errno set on failure.
inline bool write_all(int fd, const char* buf, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf += n, len -= std::size_t(n);
  }
  return true;
}

// "a directory", "a FIFO", … : how messages name a path that is not a regular file.
inline const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a regular file";
}

}  // namespace wn::posix

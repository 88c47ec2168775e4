#include "output_file.hpp"

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <unordered_map>

#include "../data/posix_file.hpp"

namespace wn {

namespace {

using posix::Fd;

std::string reason(int error) { return std::strerror(error); }

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

using Target = OutputTarget;

// The kernel's protected_symlinks rule, applied here because it may be off (fs.protected_symlinks
// is 0 on the machines this was written on) and a rename would bypass it anyway: in a sticky world-writable
// folder such as /tmp, follow a link only if it is ours or the folder owner's. Otherwise
// another user could point our history file at one of theirs, or at /etc/shadow.
Status check_link(const std::string& path, const struct stat& link) {
  struct stat dir;
  if (::stat(folder_of(path).c_str(), &dir) != 0) return Error{"cannot write " + path + ": " + reason(errno)};
  const bool shared = (dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH);
  if (shared && link.st_uid != ::geteuid() && link.st_uid != dir.st_uid)
    return Error{"not writing " + path + ": it is a symbolic link that another user owns in the shared folder " +
                 folder_of(path)};
  return {};
}

Result<Target> resolve(const std::string& path) {
  if (path.empty()) return Error{"no output path given"};
  struct stat link;
  if (::lstat(path.c_str(), &link) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) return Error{"cannot write " + path + ": " + reason(errno)};
    const std::string dir = folder_of(path);
    struct stat d;
    if (::stat(dir.c_str(), &d) != 0)
      return Error{"cannot write " + path + ": the folder " + dir + (errno == ENOENT ? " does not exist" : ": " + reason(errno))};
    if (!S_ISDIR(d.st_mode)) return Error{"cannot write " + path + ": " + dir + " is not a folder"};
    return Target{Target::create, path};
  }
  Target t{Target::replace, path};
  if (::stat(path.c_str(), &t.st) != 0)
    return Error{"cannot write " + path + ": it is a symbolic link to " + (errno == ENOENT ? "a missing file" : reason(errno))};
  if (S_ISLNK(link.st_mode)) {
    Status s = check_link(path, link);
    if (!s) return Error{s.message()};
  }
  if (S_ISDIR(t.st.st_mode)) return Error{"cannot write " + path + ": it is a directory"};
  if (S_ISCHR(t.st.st_mode) || S_ISFIFO(t.st.st_mode)) {
    // A device or FIFO is written where it is. Through a link (/dev/stdout, whose pipe has no
    // path of its own) it is opened through the link, and fstat must find the very one checked.
    t.kind = Target::stream;
    t.through_link = S_ISLNK(link.st_mode);
    return t;
  }
  if (!S_ISREG(t.st.st_mode)) return Error{"cannot write " + path + ": it is " + posix::kind_of(t.st.st_mode)};
  if (S_ISLNK(link.st_mode)) {
    // Write through the link: the link stays, and its target is replaced as a file would be.
    // Later writes use the target's real path, opened without following links.
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) return Error{"cannot write " + path + ": " + reason(errno)};
    t.path = real;
    std::free(real);
  }
  return t;
}

// A new, empty file beside `target` with a name nobody can guess or have planted: O_EXCL
// never opens what exists, and O_NOFOLLOW never follows a link. Mode 0666 less the umask, as
// any new file gets.
Result<std::pair<Fd, std::string>> make_temp(const std::string& target) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::string stem = folder_of(target) + "/." + name_of(target).substr(0, NAME_MAX - 32) + ".";
  for (int attempt = 0; attempt < 100; ++attempt) {
    char tag[24];
    std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(rng()));
    std::string name = stem + tag + ".tmp";
    Fd fd(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666));
    if (fd) return std::make_pair(std::move(fd), std::move(name));
    if (errno != EEXIST) return Error{"cannot create a file in " + folder_of(target) + ": " + reason(errno)};
  }
  return Error{"cannot create a file in " + folder_of(target) + ": 100 names taken"};
}

// Opens what the check found: O_NOFOLLOW (unless the check found a link to a device or FIFO),
// so a link planted since is not followed, then fstat of the descriptor, which must be a
// regular file, a character device or a FIFO, and, for a device or FIFO seen at the check,
// that very one. Without blocking, so a FIFO that nobody reads
// is an error and not a hang; then blocking, so a slow reader does not make a write fail.
Result<Fd> open_checked(const Target& t, const std::string& shown, int flags) {
  Fd fd(::open(t.path.c_str(), flags | O_WRONLY | O_NONBLOCK | O_NOCTTY | (t.through_link ? 0 : O_NOFOLLOW) | O_CLOEXEC, 0666));
  if (!fd) {
    if (errno == ENXIO) return Error{"cannot write " + shown + ": no process is reading the FIFO"};
    if (errno == ELOOP) return Error{"not writing " + shown + ": it became a symbolic link after it was checked"};
    return Error{"cannot write " + shown + ": " + reason(errno)};
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Error{"cannot write " + shown + ": " + reason(errno)};
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
    return Error{"cannot write " + shown + ": it is " + posix::kind_of(st.st_mode)};
  // The inode alone is not enough: a file made after the FIFO was removed may get its number.
  const auto same = [&](const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino && (a.st_mode & S_IFMT) == (b.st_mode & S_IFMT) && a.st_rdev == b.st_rdev;
  };
  if (t.kind == Target::stream && !same(st, t.st))
    return Error{"not writing " + shown + ": it is no longer the " + (S_ISFIFO(t.st.st_mode) ? "FIFO" : "device") + " it was when checked"};
  const int now = ::fcntl(fd.get(), F_GETFL);
  if (now < 0 || ::fcntl(fd.get(), F_SETFL, now & ~O_NONBLOCK) != 0) return Error{"cannot write " + shown + ": " + reason(errno)};
  return fd;
}

Status write_stream(const Target& t, const std::string& shown, const std::string& text) {
  auto fd = open_checked(t, shown, 0);
  if (!fd) return fd.status();
  if (!posix::write_all(fd->get(), text.data(), text.size()) || fd->close() != 0)
    return Error{"cannot write " + shown + ": " + reason(errno)};
  return {};
}

// Writes a temporary file beside the target, flushes it to disk, then renames it over the
// target: readers see the old file or the new one, never a part, whoever else writes too.
Status replace_file(const Target& t, const std::string& path, const std::string& text) {
  auto temp = make_temp(t.path);
  if (!temp) return Error{"cannot write " + path + ": " + temp.message()};
  auto& [fd, name] = temp.value();
  bool ok = posix::write_all(fd.get(), text.data(), text.size());
  if (ok && t.kind == Target::replace) {
    // The new file keeps the old one's permissions and, where we may set it, its owner.
    ok = ::fchmod(fd.get(), t.st.st_mode & 07777) == 0;
    if (ok && (t.st.st_uid != ::geteuid() || t.st.st_gid != ::getegid())) (void)!::fchown(fd.get(), t.st.st_uid, t.st.st_gid);
  }
  ok = ok && ::fsync(fd.get()) == 0;
  ok = fd.close() == 0 && ok;
  ok = ok && ::rename(name.c_str(), t.path.c_str()) == 0;
  if (!ok) {
    const int error = errno;
    ::unlink(name.c_str());
    return Error{"cannot write " + path + ": " + reason(error)};
  }
  // The rename itself reaches the disk once the folder is flushed; where that is not
  // supported the file is still whole, so a failure here is not reported.
  Fd dir(::open(folder_of(t.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) (void)::fsync(dir.get());
  return {};
}

// Whether we may write what `t` names: an existing file's own permissions count, although a
// rename in a writable folder could replace it regardless. The check and every write ask.
Status permitted(const Target& t, const std::string& path) {
  if (t.kind == Target::create || ::faccessat(AT_FDCWD, t.path.c_str(), W_OK, AT_EACCESS) == 0) return {};
  return Error{"cannot write " + path + ": " + reason(errno)};
}

// Which file a path names, the same for every spelling of it: an existing file's device and
// inode, else (when it need not exist) the real path of its folder and its name. None for a
// character device, which is no file to destroy, for a missing file that must exist, or for a
// path whose folder does not resolve (check_output_path says why).
std::optional<std::string> file_key(const std::string& path, bool must_exist) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISCHR(st.st_mode)) return std::nullopt;
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  }
  if (must_exist) return std::nullopt;
  char* real = ::realpath(folder_of(path).c_str(), nullptr);
  if (!real) return std::nullopt;
  std::string key = std::string(real) + "/" + name_of(path);
  std::free(real);
  return key;
}

}  // namespace

Status check_distinct_files(const std::vector<FileUse>& uses) {
  std::unordered_map<std::string, const FileUse*> seen;
  for (const FileUse& use : uses) {
    const auto key = file_key(use.path, /*must_exist=*/!use.output);  // an input that is not there clashes with nothing
    if (!key) continue;
    const auto [it, fresh] = seen.emplace(*key, &use);
    const FileUse& other = *it->second;
    if (fresh || !(use.output || other.output)) continue;
    const char* why = use.output && other.output ? "one output would overwrite the other" : "the output would overwrite the input";
    return Error{other.flag + " " + other.path + " and " + use.flag + " " + use.path + " are the same file: " + why};
  }
  return {};
}

Result<OutputTarget> check_output(const std::string& path) {
  auto t = resolve(path);
  Status s = t ? permitted(t.value(), path) : t.status();
  if (!s) return Error{s.message()};
  if (t->kind == Target::stream) return t;
  // Replacing needs a new file in the folder: make one, as a write would, and remove it.
  auto temp = make_temp(t->path);
  if (!temp) return Error{"cannot write " + path + ": " + temp.message()};
  ::unlink(temp->second.c_str());
  return t;
}

Status check_output_path(const std::string& path) { return check_output(path).status(); }

Status write_output_file(const OutputTarget& target, const std::string& shown, const std::string& text) {
  return target.kind == Target::stream ? write_stream(target, shown, text) : replace_file(target, shown, text);
}

Status write_output_file(const std::string& path, const std::string& text) {
  auto t = check_output(path);
  return t ? write_output_file(t.value(), path, text) : t.status();
}

Result<OutputStream> OutputStream::open(const std::string& path) {
  auto t = resolve(path);
  if (!t) return Error{t.message()};
  // No O_TRUNC: a file another run holds must not be emptied before its lock is tried. O_EXCL
  // for a new file, so that the open knows it made it.
  bool created = t->kind == Target::create;
  auto fd = open_checked(t.value(), path, created ? O_CREAT | O_EXCL : O_CREAT);
  if (!fd && created && errno == EEXIST) {  // made by someone else since resolve()
    created = false;
    fd = open_checked(t.value(), path, O_CREAT);
  }
  if (!fd) return Error{fd.message()};
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return Error{"cannot write " + path + ": " + reason(errno)};
  const bool regular = S_ISREG(st.st_mode);
  if (regular && ::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Error{"not writing " + path + ": another process (another wn-train?) is writing it"};
    return Error{"cannot lock " + path + ": " + reason(errno)};
  }
  return OutputStream(path, std::move(fd.value()), regular, created);
}

OutputStream::~OutputStream() {
  struct stat opened, named;
  if (fd_ && created_ && ::fstat(fd_.get(), &opened) == 0 && ::lstat(path_.c_str(), &named) == 0 &&
      opened.st_dev == named.st_dev && opened.st_ino == named.st_ino)
    ::unlink(path_.c_str());
}

Result<OutputStream::File> OutputStream::begin() {
  if (regular_ && ::ftruncate(fd_.get(), 0) != 0) return Error{"cannot write " + path_ + ": " + reason(errno)};
  // A duplicate shares the open file and so its lock, which lasts until the stream closes.
  const int copy = ::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0);
  File file(copy >= 0 ? ::fdopen(copy, "w") : nullptr, std::fclose);
  if (!file) {
    const int error = errno;
    if (copy >= 0) ::close(copy);
    return Error{"cannot write " + path_ + ": " + reason(error)};
  }
  fd_.close();
  return file;
}

}  // namespace wn

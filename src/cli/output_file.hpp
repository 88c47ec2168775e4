#pragma once
// Where wn-train writes its history: checked before any training, and replaced whole, so a
// reader never sees half a file.
//
// - A regular file (new or existing) is written to a temporary file with an unguessable name
//   in the same folder (created O_EXCL|O_NOFOLLOW, so nothing planted there is followed or
//   reused), flushed with fsync and renamed over the target. Concurrent writers each rename
//   a complete file; every read sees one of them whole. An existing file keeps its mode.
// - A symbolic link is written through: the link stays, and the file it finally points to is
//   replaced as above (in that file's folder). A link to nothing is refused, and so is a link
//   in a sticky world-writable folder (/tmp) that belongs to another user, as the kernel's
//   protected_symlinks would.
// - A character device (/dev/null) or a FIFO is written directly and stays what it is; a FIFO
//   that no process reads is an error, not a hang. Directories, sockets and block devices are
//   refused.
//
// What a path names is decided once, by the check (check_output, open_output_stream); later
// writes go to that file. A link planted at the path after the check is never followed: a
// rename replaces the link itself, and a device or FIFO is reopened with O_NOFOLLOW (through
// the link only when the check found one, as /dev/stdout is) and must be the very one checked
// (fstat: the same device, inode and type).
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../data/posix_file.hpp"
#include "../status.hpp"

namespace wn {

// A file the command line names, and whether wn-train writes it.
struct FileUse {
  std::string flag;  // "--json", "--data", …
  std::string path;
  bool output = false;
  bool stream = false;  // an output written as the run goes (--diagnostics): an OutputStream
};
// Fails, naming both flags, if an output is also an input or two outputs are one file, however
// the paths spell it (hard or symbolic links, "a/../b"): a history written over the data archive,
// or weights written over the history, would destroy one of them without a word. A character
// device (/dev/null) may take any number of outputs.
Status check_distinct_files(const std::vector<FileUse>& uses);

// An output path as the check found it: the file every later write goes to.
struct OutputTarget {
  // create: a new file; replace: an existing regular file, replaced whole by rename;
  // stream: a character device or a FIFO, written directly (/dev/null stays a device).
  enum Kind { create, replace, stream } kind;
  std::string path;  // the file to create or replace (a symlink's final target), or to write to
  struct stat st {};  // what was there at the check (replace, stream)
  bool through_link = false;  // a stream reached through a link (/dev/stdout): opened through it
};

// The file `path` names, or why it cannot be written (a directory, a missing folder, no permission).
Result<OutputTarget> check_output(const std::string& path);
Status check_output_path(const std::string& path);
// Writes `text` to the checked file so that every reader sees either the old or the new file,
// complete. `shown` is the path as the user gave it, for messages.
Status write_output_file(const OutputTarget& target, const std::string& shown, const std::string& text);
// check_output, then write_output_file.
Status write_output_file(const std::string& path, const std::string& text);

// An output written as a run goes (--diagnostics), opened once at the check and kept: O_NOFOLLOW,
// then fstat of the opened descriptor (a regular file, a character device or a FIFO). A regular
// file is locked (flock, exclusive, non-blocking): one that another process holds is refused, so
// two runs never interleave their lines in it. Nothing is truncated until begin().
class OutputStream {
 public:
  static Result<OutputStream> open(const std::string& path);
  OutputStream(OutputStream&&) = default;
  OutputStream& operator=(OutputStream&&) = default;
  // A file the open created and no run began writing (the run was refused after the check) is
  // removed again, if the path still names it.
  ~OutputStream();
  // Empties a regular file, once the run is about to write (a run refused after the check
  // leaves the file as it was), and hands it over as a stdio stream that keeps the lock.
  using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
  Result<File> begin();

 private:
  OutputStream(std::string path, posix::Fd fd, bool regular, bool created)
      : path_(std::move(path)), fd_(std::move(fd)), regular_(regular), created_(created) {}
  std::string path_;  // as the user gave it; a created file is this path itself
  posix::Fd fd_;
  bool regular_, created_;
};

}  // namespace wn

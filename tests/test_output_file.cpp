#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "archives.hpp"
#include "cli/output_file.hpp"

using namespace wn;

namespace {
std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = d ? readdir(d) : nullptr)
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
  if (d) closedir(d);
  return names;
}

struct stat stat_of(const std::string& path, bool follow = true) {
  struct stat st {};
  (follow ? stat : lstat)(path.c_str(), &st);
  return st;
}

// A history-like JSON document of about `kb` KB whose every byte says which writer made it.
std::string json_text(char tag, int kb) {
  std::string s = "{\"writer\": \"";
  s += tag;
  s += "\", \"epochs\": [";
  for (int i = 0; i < kb * 16; ++i) s += std::string(i ? ", " : "") + "{\"loss\": 1.2345" + tag + "}";
  return s + "]}\n";
}
}  // namespace

TEST_CASE("output file: written whole, with a new file's usual mode and no file left beside it") {
  const std::string dir = test::temp_dir(), path = dir + "/history.json";
  REQUIRE(check_output_path(path));
  CHECK(entries(dir).empty());  // the check leaves nothing behind
  REQUIRE(write_output_file(path, "{\"a\": 1}\n"));
  CHECK(read_text(path) == "{\"a\": 1}\n");
  const mode_t mask = umask(0);
  umask(mask);
  CHECK((stat_of(path).st_mode & 07777) == (0666 & ~mask));
  REQUIRE(chmod(path.c_str(), 0640) == 0);
  REQUIRE(write_output_file(path, "{\"a\": 2}\n"));
  CHECK(read_text(path) == "{\"a\": 2}\n");
  CHECK((stat_of(path).st_mode & 07777) == 0640);  // a replaced file keeps its mode
  CHECK(entries(dir) == std::vector<std::string>{"history.json"});
}

// Two runs writing one path were read back as invalid JSON at times (817 of 43,339 reads),
// when both wrote the same PATH.tmp.
TEST_CASE("output file: two writers and a reader, every read sees one writer's file, whole") {
  const std::string dir = test::temp_dir(), path = dir + "/shared.json";
  const std::string a = json_text('a', 64), b = json_text('b', 48);
  REQUIRE(write_output_file(path, a));
  std::atomic<int> writing{2}, failed_writes{0};
  auto writer = [&](const std::string& text) {
    for (int i = 0; i < 300; ++i)
      if (!write_output_file(path, text)) ++failed_writes;
    --writing;
  };
  long reads = 0, incomplete = 0;
  std::thread ta(writer, a), tb(writer, b);
  while (writing > 0) {
    const std::string got = read_text(path);
    ++reads;
    if (got != a && got != b) ++incomplete;
  }
  ta.join();
  tb.join();
  MESSAGE(reads, " reads while 600 writes ran, ", incomplete, " incomplete");
  CHECK(failed_writes == 0);
  CHECK(reads > 0);
  CHECK(incomplete == 0);
  CHECK(entries(dir) == std::vector<std::string>{"shared.json"});
}

// As root, --json /dev/null replaced the device node with a regular file.
TEST_CASE("output file: /dev/null is written to and stays a character device") {
  const struct stat before = stat_of("/dev/null");
  REQUIRE(S_ISCHR(before.st_mode));
  CHECK(check_output_path("/dev/null"));
  CHECK(write_output_file("/dev/null", "{}\n"));
  const struct stat after = stat_of("/dev/null");
  CHECK(S_ISCHR(after.st_mode));
  CHECK(after.st_rdev == before.st_rdev);
  CHECK(after.st_ino == before.st_ino);
}

// Another user could plant out.json.tmp -> a file of root's, which the fixed temporary name
// then overwrote.
TEST_CASE("output file: a planted link at the old temporary name is neither followed nor removed") {
  const std::string dir = test::temp_dir(), path = dir + "/out.json", victim = dir + "/victim";
  test::write_file(victim, {'k', 'e', 'e', 'p'});
  REQUIRE(symlink(victim.c_str(), (path + ".tmp").c_str()) == 0);
  REQUIRE(write_output_file(path, "{}\n"));
  CHECK(read_text(path) == "{}\n");
  CHECK(read_text(victim) == "keep");
  CHECK(S_ISLNK(stat_of(path + ".tmp", false).st_mode));
}

TEST_CASE("output file: a symbolic link is written through and stays a link") {
  const std::string dir = test::temp_dir(), real_dir = test::temp_dir();
  const std::string link = dir + "/latest.json", real = real_dir + "/run-5.json";
  test::write_file(real, {'o', 'l', 'd'});
  REQUIRE(chmod(real.c_str(), 0600) == 0);
  REQUIRE(symlink(real.c_str(), link.c_str()) == 0);
  REQUIRE(check_output_path(link));
  REQUIRE(write_output_file(link, "{\"new\": true}\n"));
  CHECK(S_ISLNK(stat_of(link, false).st_mode));
  CHECK(read_text(real) == "{\"new\": true}\n");
  CHECK((stat_of(real).st_mode & 07777) == 0600);
  CHECK(entries(dir) == std::vector<std::string>{"latest.json"});  // the temporary file was made beside the target
  CHECK(entries(real_dir) == std::vector<std::string>{"run-5.json"});

  const std::string dangling = dir + "/dangling.json";
  REQUIRE(symlink((dir + "/nowhere/x.json").c_str(), dangling.c_str()) == 0);
  const Status s = write_output_file(dangling, "{}");
  CHECK(s.message() == "cannot write " + dangling + ": it is a symbolic link to a missing file");
  CHECK(!check_output_path(dangling));
}

TEST_CASE("output file: another user's link in a sticky world-writable folder is not followed") {
  if (geteuid() != 0) return;  // making a link owned by someone else takes root
  const std::string shared = test::temp_dir(), mine = test::temp_dir();
  REQUIRE(chmod(shared.c_str(), 01777) == 0);
  const std::string target = mine + "/precious", link = shared + "/out.json";
  test::write_file(target, {'x'});
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
  REQUIRE(lchown(link.c_str(), 12345, 12345) == 0);
  const Status s = write_output_file(link, "{}");
  CHECK(s.message().find("a symbolic link that another user owns in the shared folder") != std::string::npos);
  CHECK(!check_output_path(link));
  CHECK(read_text(target) == "x");
}

TEST_CASE("output file: a FIFO is written directly, and one nobody reads is an error, not a hang") {
  const std::string dir = test::temp_dir(), fifo = dir + "/pipe";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  REQUIRE(check_output_path(fifo));
  const Status alone = write_output_file(fifo, "{}");
  CHECK(alone.message() == "cannot write " + fifo + ": no process is reading the FIFO");

  const std::string text = json_text('f', 256);  // more than a pipe buffer holds
  std::string received;
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // a reader, present before the write
  REQUIRE(reader >= 0);
  std::thread drain([&] {
    fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) & ~O_NONBLOCK);
    char buf[4096];
    for (;;) {
      const ssize_t n = read(reader, buf, sizeof buf);
      if (n > 0) received.append(buf, std::size_t(n));
      if (n == 0 && received.size() >= text.size()) break;
    }
  });
  CHECK(write_output_file(fifo, text));
  drain.join();
  close(reader);
  CHECK(received == text);
  CHECK(S_ISFIFO(stat_of(fifo).st_mode));
}

TEST_CASE("output file: directories, missing folders, sockets and unwritable places are reported before training") {
  const std::string dir = test::temp_dir();
  CHECK(check_output_path("").message() == "no output path given");
  CHECK(check_output_path(dir).message() == "cannot write " + dir + ": it is a directory");
  // Writing to a directory used to fail only at the end, leaving DIR.tmp behind.
  CHECK(write_output_file(dir, "{}").message() == "cannot write " + dir + ": it is a directory");
  CHECK(access((dir + ".tmp").c_str(), F_OK) != 0);
  CHECK(check_output_path(dir + "/no/such/history.json").message() ==
        "cannot write " + dir + "/no/such/history.json: the folder " + dir + "/no/such does not exist");
  const std::string file = dir + "/file";
  test::write_file(file, {'x'});
  CHECK(check_output_path(file + "/history.json").message().find("is not a folder") != std::string::npos);

  const std::string sock = dir + "/sock";
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  CHECK(check_output_path(sock).message() == "cannot write " + sock + ": it is a socket");
  CHECK(!write_output_file(sock, "{}"));
  close(fd);

  // sysfs takes no new files, even from root; a read-only file stops a user who is not root.
  const Status sys = check_output_path("/sys/wn-history.json");
  CHECK(sys.message().find("cannot write /sys/wn-history.json: cannot create a file in /sys: ") == 0);
  if (geteuid() != 0) {
    REQUIRE(chmod(file.c_str(), 0444) == 0);
    CHECK(check_output_path(file).message() == "cannot write " + file + ": Permission denied");
    CHECK(!write_output_file(file, "{}"));
    CHECK(read_text(file) == "x");
  }
  CHECK(entries(dir).size() == 2);  // file and sock: no temporary files left by any failure
}

TEST_CASE("output file: an output on an input or on another output is refused, however the path is spelled") {
  const std::string dir = test::temp_dir();
  const std::string data = dir + "/data.tar.gz", json = dir + "/h.json";
  test::write_file(data, {'d'});
  REQUIRE(mkdir((dir + "/sub").c_str(), 0755) == 0);
  REQUIRE(link(data.c_str(), (dir + "/hard.tar.gz").c_str()) == 0);
  REQUIRE(symlink(data.c_str(), (dir + "/soft.tar.gz").c_str()) == 0);
  const FileUse in{"--data", data};
  CHECK(check_distinct_files({in, {"--json", json, true}, {"--diagnostics", dir + "/d.jsonl", true}}));
  CHECK(check_distinct_files({in, {"--json", data, true}}).message() ==
        "--data " + data + " and --json " + data + " are the same file: the output would overwrite the input");
  for (const std::string& alias : {dir + "/hard.tar.gz", dir + "/soft.tar.gz", dir + "/sub/../data.tar.gz"}) {
    CAPTURE(alias);
    CHECK(!check_distinct_files({in, {"--save-weights", alias, true}}));
  }
  // Outputs that do not exist yet clash through their folder's real path.
  CHECK(check_distinct_files({{"--json", json, true}, {"--diagnostics", dir + "/sub/../h.json", true}}).message() ==
        "--json " + json + " and --diagnostics " + dir + "/sub/../h.json are the same file: one output would overwrite the other");
  CHECK(!check_distinct_files({{"--save-weights", dir + "/sub/w.npz", true}, {"--save-weights", dir + "/sub/./w.npz", true}}));
  // /dev/null takes any number of outputs; two reads of one file, or a missing input, clash with nothing.
  CHECK(check_distinct_files({{"--json", "/dev/null", true}, {"--diagnostics", "/dev/null", true}}));
  CHECK(check_distinct_files({in, {"--load-weights", data}}));
  CHECK(check_distinct_files({{"--data", dir + "/missing.bin"}, {"--json", dir + "/missing.bin", true}}));
  CHECK(read_text(data) == "d");
}

namespace {
// Puts a symbolic link to `target` at `path` in one step (rename), whatever was there, as an
// attacker racing the check would.
void plant_link(const std::string& target, const std::string& path) {
  const std::string staged = path + ".planted";
  REQUIRE(symlink(target.c_str(), staged.c_str()) == 0);
  REQUIRE(rename(staged.c_str(), path.c_str()) == 0);
}

std::string written_through(OutputStream::File& file, const std::string& text) {
  return std::fputs(text.c_str(), file.get()) >= 0 && std::fflush(file.get()) == 0 ? "" : "write failed";
}
}  // namespace

// Issue 17: --diagnostics was checked, then opened 1-2 s later with fopen(…, "w"), which followed a
// link planted in between and truncated its target.
TEST_CASE("output file: a link planted after the check is not followed, for every kind of output") {
  const std::string dir = test::temp_dir(), victim = dir + "/victim";
  test::write_file(victim, {'k', 'e', 'e', 'p'});

  // A new file: the rename replaces the planted link.
  const std::string fresh = dir + "/new.json";
  auto created = check_output(fresh);
  REQUIRE(created);
  plant_link(victim, fresh);
  REQUIRE(write_output_file(created.value(), fresh, "{}\n"));
  CHECK(read_text(victim) == "keep");
  CHECK(S_ISREG(stat_of(fresh, false).st_mode));
  CHECK(read_text(fresh) == "{}\n");

  // An existing file, replaced by a link after the check.
  const std::string old = dir + "/old.json";
  test::write_file(old, {'o'});
  auto replaced = check_output(old);
  REQUIRE(replaced);
  plant_link(victim, old);
  REQUIRE(write_output_file(replaced.value(), old, "{\"weights\": 1}\n"));
  CHECK(read_text(victim) == "keep");
  CHECK(read_text(old) == "{\"weights\": 1}\n");

  // A FIFO, replaced by a link or by another file: refused, nothing written.
  const std::string fifo = dir + "/pipe";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto piped = check_output(fifo);
  REQUIRE(piped);
  REQUIRE(piped->kind == OutputTarget::stream);
  plant_link(victim, fifo);
  CHECK(write_output_file(piped.value(), fifo, "{}\n").message() ==
        "not writing " + fifo + ": it became a symbolic link after it was checked");
  CHECK(read_text(victim) == "keep");
  REQUIRE(unlink(fifo.c_str()) == 0);
  test::write_file(fifo, {'f'});
  CHECK(write_output_file(piped.value(), fifo, "{}\n").message() == "not writing " + fifo + ": it is no longer the FIFO it was when checked");
  CHECK(read_text(fifo) == "f");

  // A link to a device at the check (as /dev/stdout is): written through it while it leads
  // there; pointed elsewhere after the check, refused.
  const std::string null_link = dir + "/null";
  REQUIRE(symlink("/dev/null", null_link.c_str()) == 0);
  auto device = check_output(null_link);
  REQUIRE(device);
  CHECK(write_output_file(device.value(), null_link, "{}\n"));
  plant_link(victim, null_link);
  CHECK(write_output_file(device.value(), null_link, "{}\n").message() ==
        "not writing " + null_link + ": it is no longer the device it was when checked");
  CHECK(read_text(victim) == "keep");

  // --diagnostics: opened at the check; a link planted later changes nothing of what it writes to.
  const std::string lines = dir + "/diagnostics.jsonl";
  test::write_file(lines, {'o', 'l', 'd'});
  auto opened = OutputStream::open(lines);
  REQUIRE(opened);
  CHECK(read_text(lines) == "old");  // nothing truncated before begin()
  const std::string moved = dir + "/moved.jsonl";
  REQUIRE(rename(lines.c_str(), moved.c_str()) == 0);
  plant_link(victim, lines);
  auto file = opened->begin();
  REQUIRE(file);
  CHECK(written_through(file.value(), "{\"step\": 0}\n") == "");
  CHECK(read_text(victim) == "keep");
  CHECK(read_text(moved) == "{\"step\": 0}\n");
  // And a link already there at the open is refused, not followed, when it could be anybody's.
  CHECK(S_ISLNK(stat_of(lines, false).st_mode));
}

// Issue 17: two runs wrote 98 lines into one --diagnostics file, one of them invalid JSON, and both exited 0.
TEST_CASE("output file: a diagnostics file another writer holds is refused, and left as it is") {
  const std::string dir = test::temp_dir(), path = dir + "/d.jsonl";
  auto first = OutputStream::open(path);
  REQUIRE(first);
  auto writing = first->begin();
  REQUIRE(writing);
  CHECK(written_through(writing.value(), "{\"run\": 1}\n") == "");
  auto second = OutputStream::open(path);
  REQUIRE(!second);
  CHECK(second.message() == "not writing " + path + ": another process (another wn-train?) is writing it");
  CHECK(read_text(path) == "{\"run\": 1}\n");
  writing.value().reset();  // the first run ends
  auto third = OutputStream::open(path);
  REQUIRE(third);
  REQUIRE(third->begin());
  CHECK(read_text(path).empty());
  // Devices take any number of writers.
  auto a = OutputStream::open("/dev/null"), b = OutputStream::open("/dev/null");
  CHECK(a);
  CHECK(b);
  // A file the open made is removed again when no run began writing it (the run was refused
  // later); one that was there stays.
  const std::string made = dir + "/made.jsonl";
  { REQUIRE(OutputStream::open(made)); }
  CHECK(access(made.c_str(), F_OK) != 0);
  { REQUIRE(OutputStream::open(path)); }
  CHECK(access(path.c_str(), F_OK) == 0);
  // What the check refuses, the open refuses too.
  CHECK(OutputStream::open(dir).message() == "cannot write " + dir + ": it is a directory");
  CHECK(!OutputStream::open(dir + "/no/such/d.jsonl"));
}

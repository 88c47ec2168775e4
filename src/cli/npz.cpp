#include "npz.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "../data/posix_file.hpp"

namespace wn {

namespace {
struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

std::string zip_message(zip_error_t* e) {
  const std::string m = zip_error_strerror(e);
  zip_error_fini(e);
  return m;
}
}  // namespace

Result<std::string> npz_encode(const std::vector<NamedArray>& arrays) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) return Error{"cannot make a zip: " + zip_message(&error)};
  zip_source_keep(buffer);  // still ours after the archive closes: its bytes are the result
  std::unique_ptr<zip_source_t, void (*)(zip_source_t*)> keep(buffer, zip_source_free);
  Archive zip(zip_open_from_source(buffer, ZIP_TRUNCATE, &error));
  if (!zip) return Error{"cannot make a zip: " + zip_message(&error)};
  std::vector<std::string> members;  // libzip reads them at close
  members.reserve(arrays.size());
  for (const NamedArray& a : arrays) {
    members.push_back(npy_encode(a.array.data.data(), a.array.shape));
    zip_source_t* src = zip_source_buffer(zip.get(), members.back().data(), members.back().size(), 0);
    const zip_int64_t index = src ? zip_file_add(zip.get(), (a.name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
    if (index < 0) {
      if (src) zip_source_free(src);
      return Error{"cannot add " + a.name + " to the zip: " + zip_strerror(zip.get())};
    }
    zip_set_file_compression(zip.get(), zip_uint64_t(index), ZIP_CM_STORE, 0);
  }
  if (zip_close(zip.get()) != 0) return Error{std::string("cannot write the zip: ") + zip_strerror(zip.get())};
  zip.release();  // closed
  zip_stat_t st;
  if (zip_source_stat(buffer, &st) != 0 || zip_source_open(buffer) != 0) return Error{"cannot read the zip back"};
  std::string bytes(std::size_t(st.size), '\0');
  const zip_int64_t got = zip_source_read(buffer, bytes.data(), st.size);
  zip_source_close(buffer);
  if (got != zip_int64_t(st.size)) return Error{"cannot read the zip back"};
  return bytes;
}

Result<std::vector<NamedArray>> npz_read(const std::string& path) {
  // libzip would say only "Operation not supported" of a folder, /dev/zero or a FIFO.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Error{path + ": " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Error{path + ": " + posix::kind_of(st.st_mode) + ", not a weight file (.npz)"};
  int code = 0;
  Archive zip(zip_open(path.c_str(), ZIP_RDONLY, &code));
  if (!zip) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    return Error{path + ": " + zip_message(&error)};
  }
  const zip_int64_t members = zip_get_num_entries(zip.get(), 0);
  if (members < 0 || members > kNpzMaxMembers) return Error{path + ": not a weight file (" + std::to_string(members) + " members)"};
  std::vector<NamedArray> out;
  for (zip_int64_t i = 0; i < members; ++i) {
    zip_stat_t st;
    if (zip_stat_index(zip.get(), zip_uint64_t(i), 0, &st) != 0) return Error{path + ": " + zip_strerror(zip.get())};
    std::string name = st.name ? st.name : "";
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".npy") != 0) return Error{path + ": member '" + name + "' is not a .npy"};
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > kNpzMaxBytes) return Error{path + ": member '" + name + "' is too large"};
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen_index(zip.get(), zip_uint64_t(i), 0), zip_fclose);
    if (!file) return Error{path + ": " + name + ": " + zip_strerror(zip.get())};
    std::vector<std::uint8_t> bytes(std::size_t(st.size));
    if (zip_fread(file.get(), bytes.data(), st.size) != zip_int64_t(st.size)) return Error{path + ": " + name + ": cannot read it"};
    auto array = npy_decode(bytes.data(), bytes.size());
    if (!array) return Error{path + ": " + name + ": " + array.message()};
    name.resize(name.size() - 4);
    out.push_back({name, std::move(array.value())});
  }
  return out;
}

}  // namespace wn

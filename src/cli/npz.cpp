#include "npz.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
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

namespace {
using Member = std::unique_ptr<zip_file_t, int (*)(zip_file_t*)>;

// Reads up to `len` bytes of a member from its start, inflating only those: how many it got,
// or -1 with libzip's reason in `why`.
zip_int64_t read_member(zip_t* zip, zip_uint64_t index, std::uint8_t* into, zip_uint64_t len, std::string& why) {
  Member file(zip_fopen_index(zip, index, 0), zip_fclose);
  if (!file) {
    why = zip_strerror(zip);
    return -1;
  }
  zip_int64_t got = 0;
  while (zip_uint64_t(got) < len) {
    const zip_int64_t n = zip_fread(file.get(), into + got, len - zip_uint64_t(got));
    if (n < 0) why = zip_file_strerror(file.get());
    if (n <= 0) return n < 0 ? -1 : got;
    got += n;
  }
  return got;
}
}  // namespace

Result<std::vector<NamedArray>> npz_read(const std::string& path, const Model& model) {
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
  const std::vector<ArrayLayout> layout = weight_layout(model);
  const std::string of_model = "the model \"" + model.spec().name + "\"";

  // First the headers: names, dtypes, shapes and sizes, with nothing inflated beyond them.
  std::vector<zip_uint64_t> member_of(layout.size(), ~zip_uint64_t(0));
  std::vector<zip_uint64_t> bytes_of(layout.size(), 0);
  std::size_t total = 0;
  for (zip_int64_t i = 0; i < members; ++i) {
    zip_stat_t zs;
    if (zip_stat_index(zip.get(), zip_uint64_t(i), 0, &zs) != 0) return Error{path + ": " + zip_strerror(zip.get())};
    std::string name = zs.name ? zs.name : "";
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".npy") != 0) return Error{path + ": member '" + name + "' is not a .npy"};
    name.resize(name.size() - 4);
    const auto slot = std::find_if(layout.begin(), layout.end(), [&](const ArrayLayout& l) { return l.name == name; });
    if (slot == layout.end()) return Error{path + ": the weights hold '" + name + "', which " + of_model + " does not have"};
    const std::size_t k = std::size_t(slot - layout.begin());
    if (member_of[k] != ~zip_uint64_t(0)) return Error{path + ": the weights hold '" + name + "' twice"};
    if (!(zs.valid & ZIP_STAT_SIZE)) return Error{path + ": member '" + name + ".npy' declares no size"};
    std::vector<std::uint8_t> head(std::size_t(std::min<zip_uint64_t>(zs.size, 12 + kNpyMaxHeader)));
    std::string why;
    const zip_int64_t got = read_member(zip.get(), zip_uint64_t(i), head.data(), head.size(), why);
    if (got < 0) return Error{path + ": " + name + ".npy: " + why};
    auto header = npy_header(head.data(), std::size_t(got));
    if (!header) return Error{path + ": " + name + ".npy: " + header.message()};
    if (header->shape != slot->shape)
      return Error{path + ": '" + name + "' has shape " + shape_text(header->shape) + ", " + of_model + " needs " + shape_text(slot->shape)};
    if (zs.size != header->file_bytes())
      return Error{path + ": " + name + ".npy: the zip declares " + std::to_string(zs.size) + " bytes, its .npy header " +
                   std::to_string(header->file_bytes())};
    total += std::size_t(zs.size);
    if (total > kNpzMaxTotal) return Error{path + ": the arrays would inflate to more than " + std::to_string(kNpzMaxTotal) + " bytes"};
    member_of[k] = zip_uint64_t(i);
    bytes_of[k] = zs.size;
  }
  for (std::size_t k = 0; k < layout.size(); ++k)
    if (member_of[k] == ~zip_uint64_t(0)) return Error{path + ": the weights lack '" + layout[k].name + "' of " + of_model};

  // Then the data, each member exactly its declared size: one more byte must be the end (at
  // which libzip also checks the CRC).
  std::vector<NamedArray> out;
  for (std::size_t k = 0; k < layout.size(); ++k) {
    const std::string& name = layout[k].name;
    std::vector<std::uint8_t> bytes(std::size_t(bytes_of[k]) + 1);
    std::string why = "its data does not match the size its zip declares";
    const zip_int64_t got = read_member(zip.get(), member_of[k], bytes.data(), bytes.size(), why);
    if (got != zip_int64_t(bytes_of[k])) return Error{path + ": " + name + ".npy: " + why};
    auto array = npy_decode(bytes.data(), std::size_t(bytes_of[k]));
    if (!array) return Error{path + ": " + name + ".npy: " + array.message()};
    out.push_back({name, std::move(array.value())});
  }
  return out;
}

}  // namespace wn

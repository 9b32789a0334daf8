#include "io/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "io/config_error.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void cannot_write(const std::string& path, const std::string& why) {
  throw ConfigError(path, 0, 0, "", "cannot write: " + why);
}

/// The reason of the last failed C library call, never "Success".
std::string last_error(const char* fallback) {
  return errno != 0 ? std::string(std::strerror(errno)) : std::string(fallback);
}

/// The descriptor a path stands for: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N.
std::optional<int> descriptor_alias(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  for (const std::string prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    int fd = -1;
    const char* first = path.data() + prefix.size();
    const char* last = path.data() + path.size();
    const auto [end, ec] = std::from_chars(first, last, fd);
    if (ec == std::errc() && end == last && fd >= 0) return fd;
  }
  return std::nullopt;
}

/// Where temporary copies of stream outputs go: the system's temporary directory, else /tmp.
fs::path temp_directory() {
  std::error_code ec;
  const fs::path dir = fs::temp_directory_path(ec);
  return ec ? fs::path("/tmp") : dir;
}

/// A temporary file created with mkstemp in `dir`, named after `target` (cut short, so that a long
/// target name cannot make the temporary name too long for the file system).
std::string make_temp(const fs::path& dir, const std::string& target_name, const std::string& path) {
  constexpr size_t max_stem = 100;
  std::string name = ".";  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "." + ...
  name += target_name.substr(0, max_stem);
  name += ".tmp.XXXXXX";
  const std::string pattern = (dir / name).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  errno = 0;
  const int fd = ::mkstemp(buffer.data());
  if (fd < 0) cannot_write(path, "cannot create a temporary file: " + last_error("mkstemp failed"));
  ::close(fd);
  return std::string(buffer.data());
}

/// Writes all of `file` to descriptor `fd`; false on a failed write.
bool copy_to_descriptor(const std::string& file, int fd) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const char* data = chunk.data();
    auto left = static_cast<size_t>(in.gcount());
    while (left > 0) {
      const ssize_t n = ::write(fd, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      left -= static_cast<size_t>(n);
    }
  }
  return !in.bad();
}

/// Flushes a file's data to the disk before it is renamed into place, so that a crash cannot leave
/// an empty file under the final name.
void sync_file(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

bool is_stream_path(const std::string& path) {
  if (descriptor_alias(path)) return true;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  return fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status);
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path.empty()) cannot_write(path, "empty file name");
  // error_code overloads throughout: a path too long for the OS is bad input, not an internal error.
  if (const auto fd = descriptor_alias(path)) {
    mode_ = Mode::descriptor;
    descriptor_ = *fd;
    temp_ = make_temp(temp_directory(), "output", path);
    return;
  }
  std::error_code ec;
  fs::path target(path);
  const fs::file_status status = fs::status(target, ec);  // follows symlinks
  if (ec == std::errc::too_many_symbolic_link_levels) cannot_write(path, "too many levels of symbolic links");
  if (fs::is_directory(status)) cannot_write(path, "is a directory");
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    mode_ = Mode::write_through;  // a device, FIFO or socket
    target_ = path;
    temp_ = make_temp(temp_directory(), target.filename().string(), path);
    return;
  }
  // Through a symlink, replace the file it points to (existing or not) and keep the link.
  constexpr int max_links = 40;  // as the kernel's own limit
  int hops = 0;
  for (; hops < max_links && fs::is_symlink(fs::symlink_status(target, ec)); ++hops) {
    const fs::path next = fs::read_symlink(target, ec);
    if (ec) cannot_write(path, "cannot read the symbolic link: " + ec.message());
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  if (hops == max_links) cannot_write(path, "too many levels of symbolic links");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) cannot_write(path, "directory does not exist");
  if (target.filename().empty() || fs::is_directory(target, ec)) cannot_write(path, "is a directory");
  target_ = target.string();
  temp_ = make_temp(dir, target.filename().string(), path);
  // A replaced file keeps its permissions (mkstemp creates 0600).
  const fs::perms perms = fs::exists(target, ec) ? fs::status(target, ec).permissions()
                                                 : fs::perms::owner_read | fs::perms::owner_write |
                                                       fs::perms::group_read | fs::perms::others_read;
  fs::permissions(temp_, perms, ec);
}

OutputFile::~OutputFile() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

void OutputFile::commit() {
  std::error_code ec;
  if (!fs::is_regular_file(temp_, ec)) cannot_write(path_, "the output was not produced");
  errno = 0;
  switch (mode_) {
    case Mode::descriptor:
      if (descriptor_ == STDOUT_FILENO) std::cout.flush();  // keep what was printed before in order
      if (!copy_to_descriptor(temp_, descriptor_)) cannot_write(path_, last_error("write failed"));
      return;  // the destructor removes the temporary copy
    case Mode::write_through: {
      std::ofstream out(target_, std::ios::binary);
      if (!out) cannot_write(path_, last_error("cannot open"));
      std::ifstream in(temp_, std::ios::binary);
      if (fs::file_size(temp_, ec) > 0) out << in.rdbuf();  // inserting nothing would set failbit
      out.flush();
      if (!out) cannot_write(path_, last_error("write failed"));
      return;
    }
    case Mode::replace:
      sync_file(temp_);
      fs::rename(temp_, target_, ec);
      if (ec) cannot_write(path_, ec.message());
      committed_ = true;
      return;
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  OutputFile file(path);
  {
    errno = 0;
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) cannot_write(path, last_error("cannot open the temporary file"));
    out << content;
    out.flush();
    if (!out) cannot_write(path, last_error("write failed (disk full?)"));
  }
  file.commit();
}

}  // namespace llmsizer

#include "io/output_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

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

std::string temp_name(const fs::path& dir, const fs::path& target) {
  static std::atomic<int> counter{0};
  return (dir / fmt::format(".{}.tmp.{}.{}", target.filename().string(), ::getpid(), counter++)).string();
}

}  // namespace

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path.empty()) cannot_write(path, "empty file name");
  // error_code overloads throughout: a path too long for the OS is bad input, not an internal error.
  std::error_code ec;
  fs::path target(path);
  const fs::file_status status = fs::status(target, ec);  // follows symlinks
  if (fs::is_directory(status)) cannot_write(path, "is a directory");
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    in_place_ = true;  // a device, FIFO or socket: written through, not replaced
    target_ = path;
    const fs::path tmp = fs::temp_directory_path(ec);
    if (ec) cannot_write(path, "no temporary directory: " + ec.message());
    temp_ = temp_name(tmp, target.filename().empty() ? fs::path("output") : target.filename());
    return;
  }
  // Through a symlink, replace the file it points to (existing or not) and keep the link.
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(target, ec)); ++hops) {
    const fs::path next = fs::read_symlink(target, ec);
    if (ec) break;
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) cannot_write(path, "directory does not exist");
  if (target.filename().empty()) cannot_write(path, "is a directory");
  target_ = target.string();
  temp_ = temp_name(dir, target);
}

OutputFile::~OutputFile() {
  if (committed_) return;
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

void OutputFile::commit() {
  std::error_code ec;
  if (!fs::is_regular_file(temp_, ec)) cannot_write(path_, "the output was not produced");
  if (in_place_) {
    std::ifstream in(temp_, std::ios::binary);
    errno = 0;
    std::ofstream out(target_, std::ios::binary);
    if (!out) cannot_write(path_, last_error("cannot open"));
    if (fs::file_size(temp_, ec) > 0) out << in.rdbuf();  // inserting nothing would set failbit
    out.flush();
    if (!out) cannot_write(path_, last_error("write failed"));
    return;  // the destructor removes the temporary copy
  }
  fs::rename(temp_, target_, ec);
  if (ec) cannot_write(path_, ec.message());
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  OutputFile file(path);
  {
    errno = 0;
    std::ofstream out(file.temp_path(), std::ios::binary | std::ios::trunc);
    if (!out) cannot_write(path, last_error("cannot create a temporary file beside it"));
    out << content;
    out.flush();
    if (!out) cannot_write(path, last_error("write failed (disk full?)"));
  }
  file.commit();
}

}  // namespace llmsizer

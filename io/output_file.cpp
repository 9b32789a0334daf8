#include "io/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <climits>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "io/config_error.hpp"

namespace llmsizer {
namespace {

namespace fs = std::filesystem;

// Temporary files that a fatal signal must not leave behind. The one piece of process-wide state
// in the tool, because a signal handler can reach nothing else: fixed slots (no allocation), each
// published with an atomic flag after its path is written, read by the handler with only
// async-signal-safe calls (unlink, sigaction, raise).
constexpr size_t temp_slots = 64;  // more outputs than one command writes at once
struct TempSlot {
  std::atomic<bool> used{false};
  std::array<char, PATH_MAX> path{};
};
std::array<TempSlot, temp_slots> registered_temps;
std::mutex registry_mutex;  // between threads registering; the handler never locks
constexpr std::array<int, 4> cleanup_signals = {SIGINT, SIGTERM, SIGHUP, SIGXFSZ};

extern "C" void remove_temps_and_reraise(int signal_number) {
  for (TempSlot& slot : registered_temps) {
    if (slot.used.load(std::memory_order_acquire)) ::unlink(slot.path.data());
  }
  // Die of the same signal, so the parent sees what happened (and SIGXFSZ still ends the process).
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(signal_number, &default_action, nullptr);
  ::raise(signal_number);
}

/// Installs the handler for signals still at their default action (an ignored SIGHUP under nohup
/// stays ignored; a handler the embedding program set stays its).
void install_cleanup_handler() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    for (int signal_number : cleanup_signals) {
      struct sigaction current {};
      if (::sigaction(signal_number, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = remove_temps_and_reraise;
      sigemptyset(&action.sa_mask);
      for (int other : cleanup_signals) sigaddset(&action.sa_mask, other);  // one cleanup at a time
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

/// The slot now holding `path` (absolute, so a change of directory cannot misdirect the unlink),
/// or -1 when all are taken or the path is too long to hold; the file is then removed on normal
/// exits only.
int register_temp(const std::string& path) {
  std::error_code ec;
  const std::string absolute = fs::absolute(path, ec).string();
  if (ec || absolute.size() >= PATH_MAX) return -1;
  const std::lock_guard lock(registry_mutex);
  for (size_t i = 0; i < temp_slots; ++i) {
    TempSlot& slot = registered_temps[i];
    if (slot.used.load(std::memory_order_relaxed)) continue;
    std::copy(absolute.begin(), absolute.end(), slot.path.begin());
    slot.path[absolute.size()] = '\0';
    slot.used.store(true, std::memory_order_release);
    return static_cast<int>(i);
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot < 0) return;
  const std::lock_guard lock(registry_mutex);
  registered_temps[static_cast<size_t>(slot)].used.store(false, std::memory_order_release);
}

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

/// Holds the cleanup signals back for its lifetime: between mkstemp and the registration of its
/// name, a signal would leave the file behind.
class CleanupSignalsBlocked {
 public:
  CleanupSignalsBlocked() {
    sigset_t blocked;
    sigemptyset(&blocked);
    for (int signal_number : cleanup_signals) sigaddset(&blocked, signal_number);
    ::pthread_sigmask(SIG_BLOCK, &blocked, &previous_);
  }
  ~CleanupSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  CleanupSignalsBlocked(const CleanupSignalsBlocked&) = delete;
  CleanupSignalsBlocked& operator=(const CleanupSignalsBlocked&) = delete;

 private:
  sigset_t previous_{};
};

/// make_temp, with the file registered for removal by a fatal signal; `slot` receives the slot.
std::string make_registered_temp(const fs::path& dir, const std::string& target_name, const std::string& path,
                                 int& slot) {
  install_cleanup_handler();
  const CleanupSignalsBlocked blocked;
  std::string temp = make_temp(dir, target_name, path);
  slot = register_temp(temp);
  return temp;
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

/// The kernel's protected_symlinks rule (fs.protected_symlinks, Documentation/admin-guide/sysctl/
/// fs.rst): in a sticky world-writable directory (/tmp) a link is followed only when its owner is
/// the directory's owner or the caller, so another user's planted link cannot redirect a write —
/// the kernel enforces this for opens, not for the rename this writer does, so it is checked here.
void check_link_may_be_followed(const fs::path& link, const std::string& path) {
  struct stat link_stat {};
  struct stat dir_stat {};
  const fs::path dir = link.has_parent_path() ? link.parent_path() : fs::path(".");
  if (::lstat(link.c_str(), &link_stat) != 0 || ::stat(dir.c_str(), &dir_stat) != 0) return;
  const bool sticky_world_writable = (dir_stat.st_mode & S_ISVTX) != 0 && (dir_stat.st_mode & S_IWOTH) != 0;
  if (!sticky_world_writable || link_stat.st_uid == dir_stat.st_uid || link_stat.st_uid == ::geteuid()) return;
  cannot_write(path, fmt::format("refusing to follow the symbolic link {}: it is owned by another user in a sticky "
                                 "world-writable directory (the kernel's protected_symlinks rule)",
                                 link.string()));
}

/// The file a symlink chain ends at, each link checked; a dangling chain is an error rather than
/// a file created wherever the link points.
fs::path follow_links(fs::path target, const std::string& path) {
  constexpr int max_links = 40;  // as the kernel's own limit
  std::error_code ec;
  int hops = 0;
  for (; hops < max_links && fs::is_symlink(fs::symlink_status(target, ec)); ++hops) {
    check_link_may_be_followed(target, path);
    const fs::path next = fs::read_symlink(target, ec);
    if (ec) cannot_write(path, "cannot read the symbolic link: " + ec.message());
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  if (hops == max_links) cannot_write(path, "too many levels of symbolic links");
  if (hops > 0 && !fs::exists(fs::symlink_status(target, ec))) {
    cannot_write(path, fmt::format("is a symbolic link to {}, which does not exist", target.string()));
  }
  return target;
}

/// Gives the temporary file the replaced file's owner, group and permission bits, so that the
/// replacement (by root, say) does not lock its owner out. Set-id bits are not copied: output is
/// data. A new file gets rw-r--r-- (mkstemp creates rw-------). chown as a non-owner fails and the
/// file stays the caller's, as any file the caller writes.
void copy_owner_and_mode(const std::string& temp, const fs::path& target) {
  constexpr mode_t permission_bits = 0777;
  constexpr mode_t new_file_mode = 0644;
  const int fd = ::open(temp.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct stat existing {};
  if (::stat(target.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    (void)::fchown(fd, existing.st_uid, existing.st_gid);  // before fchmod: chown clears set-id bits
    (void)::fchmod(fd, existing.st_mode & permission_bits);
  } else {
    (void)::fchmod(fd, new_file_mode);
  }
  ::close(fd);
}

}  // namespace

bool is_stream_path(const std::string& path) {
  if (descriptor_alias(path)) return true;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  return fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status);
}

bool is_profile_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::optional<std::string> profile_name_of_output(const std::string& path, const std::string& option,
                                                  const std::string& example) {
  if (path.empty() || is_stream_path(path)) return std::nullopt;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw ConfigError(option, fmt::format("'{}' is a directory; name the file to write in it, e.g. {}", path,
                                          (fs::path(path) / (example + ".yaml")).string()));
  }
  const std::string stem = fs::path(path).stem().string();
  if (fs::path(path).extension() != ".yaml") {
    // The catalog reads a --profiles directory's *.yaml files only (io/catalog_index.cpp).
    throw ConfigError(option, fmt::format("'{}': a profile is read from a --profiles directory only as a .yaml "
                                          "file; name it {}.yaml",
                                          path, is_profile_name(stem) ? stem : example));
  }
  if (!is_profile_name(stem)) {
    throw ConfigError(option, fmt::format("'{}': the file name becomes the profile's name; use lower-case letters, "
                                          "digits, '-', '_' or '.' (e.g. {}.yaml)",
                                          path, example));
  }
  return stem;
}

OutputFile::OutputFile(const std::string& path) : path_(path) {
  if (path.empty()) cannot_write(path, "empty file name");
  // error_code overloads throughout: a path too long for the OS is bad input, not an internal error.
  if (const auto fd = descriptor_alias(path)) {
    mode_ = Mode::descriptor;
    descriptor_ = *fd;
    temp_ = make_registered_temp(temp_directory(), "output", path, temp_slot_);
    return;
  }
  std::error_code ec;
  fs::path target(path);
  const fs::file_status status = fs::status(target, ec);  // follows symlinks
  if (ec == std::errc::too_many_symbolic_link_levels) cannot_write(path, "too many levels of symbolic links");
  // Every link on the way is checked before anything is written through it, a device's included.
  target = follow_links(target, path);
  if (fs::is_directory(status)) cannot_write(path, "is a directory");
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    mode_ = Mode::write_through;  // a device, FIFO or socket
    target_ = path;
    temp_ = make_registered_temp(temp_directory(), target.filename().string(), path, temp_slot_);
    return;
  }
  // Through a symlink, replace the file it points to and keep the link.
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) cannot_write(path, "directory does not exist");
  if (target.filename().empty() || fs::is_directory(target, ec)) cannot_write(path, "is a directory");
  target_ = target.string();
  temp_ = make_registered_temp(dir, target.filename().string(), path, temp_slot_);
  copy_owner_and_mode(temp_, target);
}

OutputFile::~OutputFile() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove(temp_, ignored);
  }
  unregister_temp(temp_slot_);  // after the removal: a signal in between finds no file, not a leak
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

void OutputFile::write(const std::string& content) {
  {
    errno = 0;
    std::ofstream out(temp_, std::ios::binary | std::ios::trunc);
    if (!out) cannot_write(path_, last_error("cannot open the temporary file"));
    out << content;
    out.flush();
    if (!out) cannot_write(path_, last_error("write failed (disk full?)"));
  }
  commit();
}

void write_file_atomically(const std::string& path, const std::string& content) {
  OutputFile(path).write(content);
}

namespace {
/// Runs `action`; its ConfigError names `option` as the field, so `x.yaml: error: -o: cannot write: ...`.
template <class Action>
void naming_option(const std::string& option, Action&& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    if (!e.path().empty()) throw;
    throw ConfigError(e.file(), e.line(), e.column(), option, e.message());
  }
}
}  // namespace

ProfileOutput::ProfileOutput(const std::string& path, const std::string& option) : option_(option) {
  if (!path.empty()) naming_option(option_, [&] { file_.emplace(path); });
}

void ProfileOutput::write(const std::string& content) {
  naming_option(option_, [&] { file_->write(content); });
}

}  // namespace llmsizer

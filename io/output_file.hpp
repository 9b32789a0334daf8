// io/output_file.hpp — output files (-o, --xlsx, --html, --svg) that are either complete or absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace llmsizer {

/// One output file. The writer fills temp_path(); commit() then puts it in place:
/// - a regular file (new, or existing; through a symlink, the existing file it points to) is
///   replaced by renaming the temporary file, written beside it, over it — a failure never leaves
///   half a file, and a replaced file keeps its owner, group and permission bits;
/// - a descriptor alias (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N) is written to that
///   descriptor, so `-o /dev/stdout >> log` appends instead of replacing the log;
/// - a device, FIFO or socket (/dev/null, a named pipe) cannot be renamed over, so it is written
///   through.
/// In the last two cases the temporary file lives in the system temp directory. It is created with
/// mkstemp (no predictable name to plant a link on) and removed unless commit() succeeded, also when
/// SIGINT, SIGTERM, SIGHUP or SIGXFSZ (a file-size limit) ends the process: a handler removes the
/// registered temporaries and re-raises the signal. A missing directory, a directory in the file's
/// place, a symlink loop, a dangling symlink, a symlink the kernel's protected_symlinks rule would
/// not follow (another user's, in a sticky world-writable directory) or a failed write is a
/// ConfigError naming the path (exit 2), with nothing written.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  [[nodiscard]] const std::string& temp_path() const { return temp_; }
  void commit();
  /// Writes `content` to temp_path() and commits.
  void write(const std::string& content);

 private:
  enum class Mode { replace, descriptor, write_through };
  std::string path_;    // as the user gave it, for messages
  std::string target_;  // the file that ends up holding the output (replace, write_through)
  std::string temp_;
  Mode mode_ = Mode::replace;
  int descriptor_ = -1;  // Mode::descriptor
  int temp_slot_ = -1;   // where temp_ is registered for removal by SIGINT, SIGTERM, SIGHUP, SIGXFSZ
  bool committed_ = false;
};

/// Whether `path` names a stream rather than a file: a descriptor alias (/dev/stdout, /dev/fd/N,
/// /proc/self/fd/N), a device, a FIFO or a socket. import-hf names the model after a file, not these.
[[nodiscard]] bool is_stream_path(const std::string& path);
/// Whether `name` can name a profile: lower-case letters, digits, '-', '_' or '.', not empty.
[[nodiscard]] bool is_profile_name(std::string_view name);
/// The name a profile written to `path` takes, so that a --profiles directory finds it by its file
/// name: the file name without its extension; nullopt for no path or a stream or device
/// (-o /dev/stdout names nothing). Throws ConfigError (`option`) when that is not a profile name or
/// the extension is not .yaml (the only one a --profiles directory reads).
[[nodiscard]] std::optional<std::string> profile_name_of_output(const std::string& path, const std::string& option,
                                                                const std::string& example);

/// A profile written by `-o` (calibrate, import-hf): the OutputFile is opened — the path checked —
/// when the command starts, before the work that fills it, and its errors name the option as their
/// field (`x.yaml: error: -o: cannot write: directory does not exist`). No path: nothing is opened.
class ProfileOutput {
 public:
  ProfileOutput(const std::string& path, const std::string& option);
  void write(const std::string& content);

 private:
  std::optional<OutputFile> file_;
  std::string option_;
};

/// Writes `content` to `path` through an OutputFile.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace llmsizer

// io/output_file.hpp — output files (-o, --xlsx, --html, --svg) that are either complete or absent.
#pragma once

#include <string>

namespace llmsizer {

/// One output file. The writer fills temp_path(); commit() then puts it in place:
/// - a regular file (new, or existing; through a symlink, the file it points to) is replaced by
///   renaming the temporary file, written beside it, over it — a failure never leaves half a file;
/// - a device, FIFO or socket (/dev/stdout, /dev/null, a pipe) cannot be renamed over, so the
///   temporary file is written in the system temp directory and copied into it.
/// A missing directory, a directory in the file's place, or a failed write is a ConfigError naming
/// the path (exit 2). The temporary file is removed unless commit() succeeded.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  [[nodiscard]] const std::string& temp_path() const { return temp_; }
  void commit();

 private:
  std::string path_;    // as the user gave it, for messages
  std::string target_;  // the file that ends up holding the output
  std::string temp_;
  bool in_place_ = false;
  bool committed_ = false;
};

/// Writes `content` to `path` through an OutputFile.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace llmsizer

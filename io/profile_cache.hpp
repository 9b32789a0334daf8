// io/profile_cache.hpp — the parsed specs of profile files, kept between runs and keyed by each
// file's path and its whole contents, so start-up skips the YAML parser for files that did not change
// (docs/performance.md). It is only a cache: a missing, unreadable, corrupt or truncated cache file,
// or one written by another build of the tool, is an empty cache; one that cannot be written is
// left as it was. A file whose bytes differ from the cached ones (an edit, a broken profile) is
// parsed and validated as without the cache, so every error is reported.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/spec_codec.hpp"

namespace llmsizer {

/// The spec of one profile file (any kind load_catalog reads), parsed and validated: what the cache
/// stands in for. Throws ConfigError.
[[nodiscard]] ParsedProfile parse_profile(const std::filesystem::path& file, const std::string& text);

/// The cache file of this build of the tool: $XDG_CACHE_HOME/llmsizer/profiles-<id>.bin, else
/// ~/.cache/llmsizer/profiles-<id>.bin, where <id> names the executable or shared object holding
/// this code by its path, so that two builds (the command line and the Python module, or two
/// checkouts) do not take turns rewriting one file. nullopt (no cache) when LLMSIZER_CACHE is "off"
/// or "0", or neither directory is known.
[[nodiscard]] std::optional<std::filesystem::path> profile_cache_file();

/// Days after which another build's cache file, untouched since, is deleted when a cache is written:
/// a build that moved or was removed leaves its file behind (about 300 kB each).
inline constexpr int stale_cache_days = 30;

/// Deletes from `dir` the cache files of other builds (`profiles-<16 hex digits>.bin`) not modified
/// for stale_cache_days, and the one file of the tool's earlier single-cache scheme (`profiles.bin`),
/// never `keep` nor any other file. Errors are ignored: it is housekeeping.
void prune_stale_caches(const std::filesystem::path& dir, const std::filesystem::path& keep);

class ProfileCache {
 public:
  /// Reads the cache in `file`; nullopt: no cache (find finds nothing, save writes nothing).
  explicit ProfileCache(std::optional<std::filesystem::path> file);
  // Records point into the cache's own buffers.
  ProfileCache(const ProfileCache&) = delete;
  ProfileCache& operator=(const ProfileCache&) = delete;

  /// The spec an earlier run parsed from exactly `text` at `path`; nullopt when none was cached.
  [[nodiscard]] std::optional<ParsedProfile> find(const std::string& path, const std::string& text);
  /// Remembers the spec parsed and validated from `text` at `path`.
  void add(const std::string& path, const std::string& text, const ParsedProfile& profile);
  /// Writes the cache when add() was called: this run's profiles, then those of other paths kept
  /// from before (a profile directory not read this time). Atomic (temporary file and rename);
  /// nothing happens, and nothing is reported, when the directory cannot be written.
  void save() const;

  /// Cache hits and misses of this run (tests, benchmarks).
  [[nodiscard]] int hits() const { return hits_; }
  [[nodiscard]] int misses() const { return misses_; }

 private:
  /// The cache file mapped read-only: pages of the page cache, neither copied nor zero-filled (a
  /// fifth of a warm `list gpus`'s page faults were the buffer of a read; docs/performance.md).
  /// The tool replaces the file by a rename, never in place, so the mapping stays whole.
  class Mapping {
   public:
    explicit Mapping(const std::filesystem::path& file);
    ~Mapping();
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    [[nodiscard]] std::string_view bytes() const {
      return data_ != nullptr ? std::string_view(static_cast<const char*>(data_), size_) : std::string_view(copy_);
    }

   private:
    void* data_ = nullptr;
    std::size_t size_ = 0;
    std::string copy_;  // the file read instead, where it cannot be mapped
  };
  /// One profile file: views into mapping_ (read from the cache file) or into added_ (this run).
  struct Record {
    std::string_view path;
    std::string_view text;
    std::string_view spec;  // encode_profile
    bool used = false;      // found or added this run
  };
  std::optional<std::filesystem::path> file_;  // set only when the build could be named
  std::string build_id_;                       // profile_cache_build_id(), read once
  std::optional<Mapping> mapping_;
  std::deque<std::string> added_;  // path, text and spec of each record added this run
  std::vector<Record> records_;
  std::size_t next_ = 0;                 // the record after the last one found: the next lookup's first guess
  std::vector<std::string> paths_read_;  // every path find() was asked about
  bool changed_ = false;
  int hits_ = 0;
  int misses_ = 0;
};

/// What identifies this build of the tool in a cache file: the executable or shared object holding
/// this code, by device, inode, size and modification time, so a rebuilt or reinstalled tool never
/// reads specs another build parsed. nullopt when it cannot be found (then nothing is cached).
[[nodiscard]] std::optional<std::string> profile_cache_build_id();

/// A 64-bit checksum of `bytes` (not cryptographic): a damaged cache file is read as empty.
[[nodiscard]] std::uint64_t profile_cache_checksum(std::string_view bytes);

}  // namespace llmsizer

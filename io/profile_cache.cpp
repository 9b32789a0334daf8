// io/profile_cache.cpp — the cache file: a header naming the format and the build, a checksum, then
// one record per profile file (its path, its whole text, its encoded spec).
#include "io/profile_cache.hpp"

#include <dlfcn.h>
#include <errno.h>  // program_invocation_name (GNU)
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "io/bands_loader.hpp"
#include "io/calibration_loader.hpp"
#include "io/config_error.hpp"
#include "io/output_file.hpp"
#include "io/profile_loader.hpp"
#include "io/tco_loader.hpp"

namespace llmsizer {
namespace fs = std::filesystem;

namespace {

// A new layout of the file or of encode_profile's bytes needs a new magic; the build id already
// changes with every build, so this guards a cache read by a build of the same binary only.
constexpr std::string_view cache_magic = "llmsizer profile cache 2\n";
// Records kept at most: this run's profiles plus those of other directories read before.
constexpr std::size_t max_cached_records = 2048;

void put_u64(std::string& out, std::uint64_t value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

void put_text(std::string& out, std::string_view text) {
  put_u64(out, text.size());
  out += text;
}

/// Reads what put_u64 / put_text wrote; false once anything is missing.
struct Cursor {
  std::string_view rest;
  bool u64(std::uint64_t& value) {
    if (rest.size() < sizeof value) return false;
    std::memcpy(&value, rest.data(), sizeof value);
    rest.remove_prefix(sizeof value);
    return true;
  }
  bool text(std::string_view& out) {
    std::uint64_t n = 0;
    if (!u64(n) || n > rest.size()) return false;
    out = rest.substr(0, static_cast<std::size_t>(n));
    rest.remove_prefix(static_cast<std::size_t>(n));
    return true;
  }
};

/// The file holding this code: the running executable, or the shared object (the Python module)
/// that was loaded from a file. nullopt when it cannot be named.
std::optional<std::string> code_object() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&profile_cache_checksum), &info) == 0 || info.dli_fname == nullptr) {
    return std::nullopt;
  }
  // For the executable itself glibc names argv[0], which may be relative or found through PATH.
  const bool executable = info.dli_fname[0] == '\0' || std::strcmp(info.dli_fname, program_invocation_name) == 0;
  if (!executable) return std::string(info.dli_fname);
  std::error_code ec;
  std::string exe = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return std::nullopt;
  return exe;
}

/// The header: magic, build id, then the checksum of everything after it.
std::string header(const std::string& build_id) {
  std::string out(cache_magic);
  put_text(out, build_id);
  return out;
}

}  // namespace

ParsedProfile parse_profile(const fs::path& file, const std::string& text) {
  const SourceText source = make_source(file.string(), text);
  const YAML::Node root = parse_yaml(text, source);
  switch (profile_kind(root)) {
    case ProfileKind::gpu:
      return parse_gpu(root, source);
    case ProfileKind::model:
      return parse_model(root, source);
    case ProfileKind::calibration:
      return parse_calibration(root, source);
    case ProfileKind::bands:
      return parse_error_bands(root, source);
    case ProfileKind::tco:
      return parse_tco(root, source);
    case ProfileKind::measurements:
      return MeasurementsProfile{};  // read by `validate`
    case ProfileKind::unknown:
      break;
  }
  const YAML::Node schema = root.IsMap() ? root["schema"] : YAML::Node();
  throw located_error(schema.IsDefined() ? schema : root, source, "schema",
                      "expected 'gpu/1' or 'model/1' (or calibration/1, tco/1, measurements/1)");
}

std::uint64_t profile_cache_checksum(std::string_view bytes) {
  // Four lanes of eight bytes, each through a multiply-xorshift mix (splitmix64's finaliser
  // constants), folded at the end: the lanes do not wait on each other's multiplies, so the
  // checksum of a warm cache costs a quarter of one chain's time.
  constexpr std::uint64_t multiplier = 0xBF58476D1CE4E5B9ULL;
  std::uint64_t lanes[4] = {0x9E3779B97F4A7C15ULL ^ bytes.size(), 1, 2, 3};
  auto mix = [](std::uint64_t& h, std::uint64_t word) {
    h = (h ^ word) * multiplier;
    h ^= h >> 31;
  };
  auto word_at = [&bytes](std::size_t i) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, 8);
    return word;
  };
  std::size_t i = 0;
  for (; i + 32 <= bytes.size(); i += 32) {
    for (int lane = 0; lane < 4; ++lane) mix(lanes[lane], word_at(i + 8 * static_cast<std::size_t>(lane)));
  }
  for (; i + 8 <= bytes.size(); i += 8) mix(lanes[0], word_at(i));
  std::uint64_t tail = 0;
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  mix(lanes[0], tail);
  std::uint64_t h = lanes[0];
  for (int lane = 1; lane < 4; ++lane) mix(h, lanes[lane]);
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

std::optional<std::string> profile_cache_build_id() {
  const std::optional<std::string> object = code_object();
  struct stat st {};
  if (!object || ::stat(object->c_str(), &st) != 0) return std::nullopt;
  return fmt::format("{}:{}:{}:{}.{:09}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

std::optional<fs::path> profile_cache_file() {
  if (const char* off = std::getenv("LLMSIZER_CACHE")) {
    const std::string_view value = off;
    if (value == "off" || value == "0") return std::nullopt;
  }
  const std::optional<std::string> object = code_object();
  if (!object) return std::nullopt;
  const std::string name = fmt::format("profiles-{:016x}.bin", profile_cache_checksum(*object));
  // XDG Base Directory Specification: a relative $XDG_CACHE_HOME is invalid and ignored.
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return fs::path(xdg) / "llmsizer" / name;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return fs::path(home) / ".cache" / "llmsizer" / name;
  }
  return std::nullopt;
}

ProfileCache::Mapping::Mapping(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* data = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (data != MAP_FAILED) {
      data_ = data;
      size_ = static_cast<std::size_t>(st.st_size);
    } else {  // a file system without mmap: read it
      try {
        copy_ = read_file(file.string());
      } catch (const ConfigError&) {  // unreadable: an empty cache
      }
    }
  }
  ::close(fd);  // the mapping keeps the file
}

ProfileCache::Mapping::~Mapping() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

ProfileCache::ProfileCache(std::optional<fs::path> file) {
  if (!file) return;
  const std::optional<std::string> build_id = profile_cache_build_id();
  if (!build_id) return;
  file_ = std::move(file);
  build_id_ = *build_id;
  const std::string_view bytes = mapping_.emplace(*file_).bytes();  // empty when none yet, or unreadable
  const std::string expected = header(build_id_);
  if (bytes.size() < expected.size() + 8 || bytes.substr(0, expected.size()) != expected) return;
  Cursor cursor{bytes.substr(expected.size())};
  std::uint64_t checksum = 0;
  cursor.u64(checksum);
  if (checksum != profile_cache_checksum(cursor.rest)) return;  // damaged: start empty, rewrite on save
  std::vector<Record> records;
  while (!cursor.rest.empty()) {
    Record& r = records.emplace_back();
    if (!cursor.text(r.path) || !cursor.text(r.text) || !cursor.text(r.spec)) return;
  }
  records_ = std::move(records);
}

std::optional<ParsedProfile> ProfileCache::find(const std::string& path, const std::string& text) {
  if (!file_) return std::nullopt;
  paths_read_.push_back(path);
  // A run reads the profiles in the order the last run saved them: the record after the last one
  // found is nearly always the one asked for.
  for (std::size_t k = 0; k < records_.size(); ++k) {
    const std::size_t i = (next_ + k) % records_.size();
    Record& r = records_[i];
    if (r.path != path || r.text != text) continue;
    std::optional<ParsedProfile> profile = decode_profile(r.spec);
    if (!profile) break;  // not one spec: parse the file again, and replace the record
    r.used = true;
    next_ = i + 1;
    ++hits_;
    return profile;
  }
  ++misses_;
  return std::nullopt;
}

void ProfileCache::add(const std::string& path, const std::string& text, const ParsedProfile& profile) {
  if (!file_) return;
  std::erase_if(records_, [&](const Record& r) { return r.path == path && r.text == text; });
  const std::string& stored_path = added_.emplace_back(path);
  const std::string& stored_text = added_.emplace_back(text);
  const std::string& stored_spec = added_.emplace_back(encode_profile(profile));
  records_.push_back({stored_path, stored_text, stored_spec, true});
  changed_ = true;
}

void prune_stale_caches(const fs::path& dir, const fs::path& keep) {
  std::error_code ec;
  const auto now = fs::file_time_type::clock::now();
  const auto stale = std::chrono::hours(24 * stale_cache_days);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& file = it->path();
    const std::string name = file.filename().string();
    const bool legacy = name == "profiles.bin";
    const bool per_build = name.size() == 29 && name.starts_with("profiles-") && name.ends_with(".bin") &&
                           name.find_first_not_of("0123456789abcdef", 9) == 25;
    if ((!legacy && !per_build) || file == keep) continue;
    std::error_code time_ec;
    const auto modified = fs::last_write_time(file, time_ec);
    if (legacy || (!time_ec && now - modified > stale)) fs::remove(file, time_ec);
  }
}

void ProfileCache::save() const {
  if (!file_ || !changed_) return;
  std::string body;
  std::size_t kept = 0;
  auto write = [&](const Record& r) {
    put_text(body, r.path);
    put_text(body, r.text);
    put_text(body, r.spec);
    ++kept;
  };
  for (const Record& r : records_) {
    if (r.used) write(r);
  }
  // Another directory's profiles stay; an older text of a path read this run is stale.
  for (const Record& r : records_) {
    if (kept >= max_cached_records) break;
    if (!r.used && std::find(paths_read_.begin(), paths_read_.end(), r.path) == paths_read_.end()) write(r);
  }
  std::string bytes = header(build_id_);
  put_u64(bytes, profile_cache_checksum(body));
  bytes += body;
  try {
    std::error_code ec;
    fs::create_directories(file_->parent_path(), ec);
    write_file_atomically(file_->string(), bytes);
    prune_stale_caches(file_->parent_path(), *file_);
  } catch (...) {  // only a cache: an unwritable directory or a full disk leaves the run uncached
  }
}

}  // namespace llmsizer

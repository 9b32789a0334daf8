#include "estimator/text_format.hpp"

#include <cctype>

#include <fmt/format.h>

namespace llmsizer {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string grouped_digits(std::string_view digits) {
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string grouped(std::int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value));
  std::string out = value < 0 ? "-" : "";
  out += grouped_digits(digits);
  return out;
}

std::string count_of(std::int64_t count, std::string_view noun, std::string_view plural_noun) {
  if (count == 1) return fmt::format("1 {}", noun);
  return plural_noun.empty() ? fmt::format("{} {}s", grouped(count), noun) : fmt::format("{} {}", grouped(count), plural_noun);
}

std::string describe_shortfall(Bytes weights, Bytes kv, Bytes activations, Bytes usable, Bytes capacity,
                               double utilization) {
  const Bytes need = weights + kv + activations;
  return fmt::format(
      "needs {:.1f} GB per GPU (weights {:.1f} GB + KV {:.1f} GB + activations {:.1f} GB); {:.1f} GB usable "
      "({:.0f}% of {:.0f} GB)",
      in_gigabytes(need), in_gigabytes(weights), in_gigabytes(kv), in_gigabytes(activations), in_gigabytes(usable),
      utilization * 100.0, in_gigabytes(capacity));
}

std::string weight_only_note(Precision stored, ComputeType compute, const std::string& gpu) {
  return fmt::format("{} weights run as {} matmuls on {} (weight-only: stored {}, dequantized for compute)",
                     upper(name(stored)), upper(name(compute)), gpu, upper(name(stored)));
}

}  // namespace llmsizer

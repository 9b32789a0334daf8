// io/spec_codec.cpp — writes and reads every member of the spec structs, in declaration order.
//
// Each struct's members are listed once, in SPEC_FIELDS below, as the names of a structured
// binding: a binding must name every non-static member, so a member added to a spec without
// being added here is a compile error ("only N names provided for structured binding"), not a
// cache that silently drops it. tests/io/profile_cache_test.cpp checks that every shipped profile
// reads back to the same bytes.
#include "io/spec_codec.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <vector>

namespace llmsizer {
namespace {

// The members of `Type` as a tuple of references (const for a const spec).
#define SPEC_FIELDS(Type, ...)                          \
  template <class S>                                    \
  requires std::is_same_v<std::remove_const_t<S>, Type> \
  auto spec_members(S& spec) {                          \
    auto& [__VA_ARGS__] = spec;                         \
    return std::tie(__VA_ARGS__);                       \
  }

SPEC_FIELDS(Citation, fields_, cite)
SPEC_FIELDS(LinkSpec, kind, domain_gpus, bandwidth_per_direction, latency)
SPEC_FIELDS(PricePoint, label, per_gpu_hour, source, date, basis)
SPEC_FIELDS(PurchasePrice, amount, per_server, source, date)
SPEC_FIELDS(GpuSpec, name, display_name, aliases, vendor, generation, launch_year, memory, memory_visible,
            memory_bandwidth, dense_throughput, scale_up, scale_out_bandwidth_per_direction, gpus_per_node, tdp,
            prices, purchase, notes, sources, file)
SPEC_FIELDS(GqaAttention, num_kv_heads, head_dim)
SPEC_FIELDS(MlaAttention, q_lora_rank, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim)
SPEC_FIELDS(MoeSpec, num_experts, experts_per_token, num_shared_experts, expert_ffn_size, shared_expert_ffn_size,
            expert_bias, router_bias, zero_experts)
SPEC_FIELDS(LinearAttentionSpec, num_key_heads, num_value_heads, key_head_dim, value_head_dim, conv_kernel)
SPEC_FIELDS(SparseAttentionSpec, index_heads, index_head_dim, index_topk)
SPEC_FIELDS(ModelSpec, name, display_name, aliases, hf_repo, family, num_layers, hidden_size, num_heads, attention,
            qkv_bias, o_bias, qk_norm, output_gate, layer_attention, sliding_window, attention_chunk,
            linear_attention, sparse_attention, ffn_size, ffn_gated, moe, layer_is_moe, vocab_size, tied_embeddings,
            max_context, rope_extended_context, rope_scaling, mtp_layers, vision_params, weights_precision,
            experts_precision, official_total_params, official_active_params, official_params_source, notes,
            sources, file, warnings, estimated)
SPEC_FIELDS(HardwareEfficiency, generation, compute_fraction, fp8_compute_derate, fp4_compute_derate,
            bandwidth_fraction, link_fraction, roofline_sharpness, reference_tensor_per_vector)
SPEC_FIELDS(EngineEfficiency, engine, step_overhead, layer_overhead, collective_latency, scale_out_latency,
            moe_layer_overhead, prefill_expert_overhead, expert_gemm_half_tokens, attention_fraction,
            prefill_chunk_tokens, prefill_first, max_batch, moe_imbalance, kv_reserved_output_fraction, kv_follows_checkpoint, startup_burst_share,
            prompt_group_share, memory_utilization, request_overhead)
SPEC_FIELDS(ParameterBound, parameter, min, max)
SPEC_FIELDS(Calibration, name, fitted_on, data, result, generations, engines, default_engine, memory_utilization,
            power_utilization, comm_overlap, bounds)
SPEC_FIELDS(Regime, architecture, generation, engine, concurrency)
SPEC_FIELDS(BandEntry, metric, regime, runs, p10_log_ratio, p50_log_ratio, p90_log_ratio)
SPEC_FIELDS(ErrorBands, name, source, residuals, data, min_runs, widening, in_sample_mean_log_ratio, entries)
SPEC_FIELDS(TcoAssumptions, name, depreciation_years, cost_of_capital_per_year, server_to_card_cost_ratio,
            gpu_utilization, server_overhead_per_gpu, pue, usd_per_kwh, hosting_usd_per_kw_month, source)

#undef SPEC_FIELDS

template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_variant : std::false_type {};
template <class... T> struct is_variant<std::variant<T...>> : std::true_type {};
template <class T> struct is_array : std::false_type {};
template <class T, std::size_t N> struct is_array<std::array<T, N>> : std::true_type {};
template <class T> struct is_quantity : std::false_type {};
template <class Tag> struct is_quantity<Quantity<Tag>> : std::true_type {};

template <class T>
void put_raw(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

template <class T>
void put(std::string& out, const T& value) {
  if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    put_raw(out, value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    put_raw(out, static_cast<std::uint64_t>(value.size()));
    out += value;
  } else if constexpr (is_vector<T>::value) {
    put_raw(out, static_cast<std::uint64_t>(value.size()));
    for (const typename T::value_type& item : value) put(out, item);  // vector<bool>: a bool per item
  } else if constexpr (is_optional<T>::value) {
    put_raw(out, value.has_value());
    if (value) put(out, *value);
  } else if constexpr (is_variant<T>::value) {
    put_raw(out, static_cast<std::uint64_t>(value.index()));
    std::visit([&](const auto& alternative) { put(out, alternative); }, value);
  } else if constexpr (is_array<T>::value) {
    for (const auto& item : value) put(out, item);
  } else if constexpr (is_quantity<T>::value) {
    put_raw(out, value.value);
  } else if constexpr (std::is_empty_v<T>) {
    // MeasurementsProfile: nothing to write
  } else {
    std::apply([&](const auto&... member) { (put(out, member), ...); }, spec_members(value));
  }
}

/// Reads what put wrote; `ok` turns false at the first byte it cannot read, and stays false.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : rest_(bytes) {}
  [[nodiscard]] bool done() const { return ok_ && rest_.empty(); }

  template <class T>
  void raw(T& value) {
    if (!ok_ || rest_.size() < sizeof(T)) {
      ok_ = false;
      return;
    }
    std::memcpy(&value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
  }

  /// A count of items of at least one byte each, checked against the bytes left.
  std::size_t count() {
    std::uint64_t n = 0;
    raw(n);
    if (n > rest_.size()) ok_ = false;
    return ok_ ? static_cast<std::size_t>(n) : 0;
  }

  template <class T>
  void get(T& value);

 private:
  template <class V, std::size_t I = 0>
  void get_alternative(V& value, std::uint64_t index) {
    if constexpr (I < std::variant_size_v<V>) {
      if (index == I) return get(value.template emplace<I>());
      get_alternative<V, I + 1>(value, index);
    } else {
      ok_ = false;
    }
  }

  std::string_view rest_;
  bool ok_ = true;
};

template <class T>
void ByteReader::get(T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    unsigned char byte = 0;  // a bool is written as one byte, 0 or 1; anything else is not ours
    raw(byte);
    ok_ = ok_ && byte <= 1;
    value = byte == 1;
  } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    raw(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    const std::size_t n = count();
    value.assign(rest_.data(), n);
    rest_.remove_prefix(n);
  } else if constexpr (is_vector<T>::value) {
    value.resize(count());
    for (std::size_t i = 0; i < value.size(); ++i) {
      typename T::value_type item{};
      get(item);
      value[i] = std::move(item);
    }
  } else if constexpr (is_optional<T>::value) {
    bool has = false;
    get(has);
    if (has) get(value.emplace());
  } else if constexpr (is_variant<T>::value) {
    std::uint64_t index = 0;
    raw(index);
    if (ok_) get_alternative(value, index);
  } else if constexpr (is_array<T>::value) {
    for (auto& item : value) get(item);
  } else if constexpr (is_quantity<T>::value) {
    raw(value.value);
  } else if constexpr (std::is_empty_v<T>) {
    // MeasurementsProfile: nothing to read
  } else {
    std::apply([&](auto&... member) { (get(member), ...); }, spec_members(value));
  }
}

}  // namespace

std::string encode_profile(const ParsedProfile& profile) {
  std::string out;
  out.reserve(4096);
  put(out, profile);
  return out;
}

std::optional<ParsedProfile> decode_profile(std::string_view bytes) {
  ByteReader reader(bytes);
  ParsedProfile profile;
  reader.get(profile);
  if (!reader.done()) return std::nullopt;
  return profile;
}

}  // namespace llmsizer

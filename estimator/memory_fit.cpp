#include "estimator/memory_fit.hpp"

#include <algorithm>
#include <cmath>

#include "estimator/text_format.hpp"

namespace llmsizer {
namespace {

/// Fraction of the KV cache one GPU holds: GQA splits KV heads over tp until each rank has one
/// head (then replicates); MLA's latent is shared by all heads, so each attention rank holds all.
double kv_shard(const PreparedModel& model, int tp) {
  if (model.mla) return 1.0;
  return std::max(1.0 / tp, 1.0 / model.num_kv_heads);
}

double layer_bytes(const PreparedModel& m, const LayerGroup& g, const Deployment& d) {
  const Parallelism& par = d.parallel;
  const double w = info(d.weights).bytes_per_element;
  const double tp = par.tp;
  const double kv_split = std::min(tp, std::max(1.0, m.num_kv_heads));
  double params = m.attn_params_sharded / tp + m.attn_params_kv / kv_split + m.attn_params_replicated;
  double bytes = params * w + 2.0 * 2.0 * m.hidden;  // norms stay 16-bit
  if (!g.moe) return bytes + m.dense_ffn_params / tp * w;
  const double stage_gpus = static_cast<double>(par.tp) * par.dp;
  bytes += m.num_experts * m.expert_params / stage_gpus * info(d.experts).bytes_per_element;
  bytes += m.shared_params / tp * w + m.router_params * 2.0;
  return bytes;
}

}  // namespace

namespace {

/// kv_bytes_per_token (model_stats.hpp) over the prepared layer groups instead of every layer.
double prepared_kv_bytes_per_token(const PreparedModel& model, Precision kv) {
  double layers = 0;
  for (int i = 0; i < model.group_count; ++i) {
    const LayerAttention a = model.groups[i].attention;
    if (a == LayerAttention::full || a == LayerAttention::sliding) layers += model.groups[i].count;
  }
  return layers * model.kv_elements_per_token_layer * kv_bytes_per_element(kv);
}

/// kv_bytes_per_sequence (model_stats.hpp) over the prepared layer groups: full layers grow with the
/// context, sliding ones stop at the window, linear ones hold a fixed FP32 state.
double prepared_kv_bytes_per_sequence(const PreparedModel& model, Precision kv, std::int64_t context) {
  const double tokens = static_cast<double>(std::max<std::int64_t>(context, 0));
  const double per_token_layer = model.kv_elements_per_token_layer * kv_bytes_per_element(kv);
  double total = 0;
  for (int i = 0; i < model.group_count; ++i) {
    const LayerGroup& g = model.groups[i];
    switch (g.attention) {
      case LayerAttention::full: total += g.count * per_token_layer * tokens; break;
      case LayerAttention::sliding: total += g.count * per_token_layer * std::min(tokens, model.sliding_window); break;
      case LayerAttention::linear: total += g.count * model.linear_state_elements * 4.0; break;
      case LayerAttention::none: break;
    }
  }
  return total;
}

}  // namespace

double busiest_stage_share(const ModelSpec& model, int pp) {
  if (pp <= 1 || model.num_layers <= 0) return 1.0;
  const int busiest = (model.num_layers + pp - 1) / pp;  // stages hold ceil(L/pp) layers at most
  return static_cast<double>(busiest) / model.num_layers;
}

Bytes weight_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment) {
  const Parallelism& par = deployment.parallel;
  double layers = 0;
  for (int i = 0; i < model.group_count; ++i) {
    layers += model.groups[i].count * layer_bytes(model, model.groups[i], deployment);
  }
  // Layers split evenly over stages; the first stage also holds the embedding, the last the LM head
  // (vocab-parallel over tp, 16-bit as engines keep them).
  const double embed = 2.0 * model.params.embedding / par.tp;
  const double head = 2.0 * model.params.lm_head / par.tp;
  const double ends = par.pp == 1 ? embed + head : std::max(embed, head);
  double total = layers * busiest_stage_share(*model.spec, par.pp) + ends;
  if (deployment.speculative_tokens > 0 && model.mtp_layer_params > 0) {
    // An MTP module (on the last stage): one decoder layer of the last layer's kind plus its 2H->H
    // projection, sharded like the other layers.
    const bool last_is_moe = model.spec->layer_is_moe.back();
    total += layer_bytes(model, LayerGroup{LayerAttention::full, last_is_moe, 1}, deployment) +
             2.0 * model.hidden * model.hidden / par.tp * info(deployment.weights).bytes_per_element;
  }
  return bytes(total);
}

double kv_bytes_per_sequence_per_gpu(const PreparedModel& model, const Deployment& deployment, std::int64_t context) {
  const double whole = prepared_kv_bytes_per_sequence(model, deployment.kv, context);
  return whole * kv_shard(model, deployment.parallel.tp) * busiest_stage_share(*model.spec, deployment.parallel.pp);
}

Bytes activation_bytes_per_gpu(const PreparedModel& model, const Deployment& deployment,
                               const EfficiencyParams& efficiency) {
  // Peak live activations of one iteration of `prefill_chunk_tokens` tokens: the residual stream and
  // a few hidden-sized temporaries (norm, attention output, all-reduce buffer: ~4 x hidden), the FFN
  // intermediate (gate and up: 2 x width / tp) in 16-bit, plus FP32 logits of the sequences sampled
  // (vLLM/SGLang profile the same peak at start-up).
  const double tokens = static_cast<double>(efficiency.engine.prefill_chunk_tokens);
  const ModelSpec& spec = *model.spec;
  double ffn_width = spec.ffn_size;
  if (spec.moe) ffn_width = std::max(ffn_width, static_cast<double>(spec.moe->experts_per_token) * spec.moe->expert_ffn_size);
  const double tp = deployment.parallel.tp;
  const double per_token = 2.0 * (4.0 * model.hidden + 2.0 * ffn_width / tp);
  const double logits = 4.0 * model.vocab / tp * std::min<double>(tokens, efficiency.engine.max_batch);
  return bytes(tokens * per_token + logits);
}

MemoryFit fit_memory(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                     const Residency& residency, const EfficiencyParams& efficiency) {
  MemoryFit fit;
  const Parallelism& par = deployment.parallel;
  fit.capacity_per_gpu = gpu.usable_capacity();
  fit.usable_per_gpu = gpu.usable_capacity() * efficiency.memory_utilization;
  fit.need.weights = weight_bytes_per_gpu(model, deployment);
  fit.need.activations = activation_bytes_per_gpu(model, deployment, efficiency);
  // Requests spread over replicas, then over attention-DP ranks; the busiest rank holds the ceiling.
  const std::int64_t per_replica = (residency.sequences + deployment.replicas - 1) / deployment.replicas;
  const std::int64_t per_rank = (per_replica + par.dp - 1) / par.dp;
  const double per_sequence = kv_bytes_per_sequence_per_gpu(model, deployment, residency.context_tokens);
  fit.need.kv_cache = bytes(per_sequence * static_cast<double>(per_rank));
  fit.kv_bytes_per_token_per_gpu =
      prepared_kv_bytes_per_token(model, deployment.kv) * busiest_stage_share(*model.spec, par.pp) *
      (model.mla ? 1.0 : std::max(1.0 / par.tp, 1.0 / model.num_kv_heads));
  const Bytes spare = fit.usable_per_gpu - fit.need.total();
  fit.fits = spare.value >= 0;
  if (fit.fits) {
    fit.free_kv_tokens = fit.kv_bytes_per_token_per_gpu > 0 ? spare.value / fit.kv_bytes_per_token_per_gpu : 0.0;
  } else {
    fit.reasons.push_back(describe_shortfall(fit.need.weights, fit.need.kv_cache, fit.need.activations,
                                             fit.usable_per_gpu, fit.capacity_per_gpu, efficiency.memory_utilization));
  }
  for (Precision p : {deployment.weights, deployment.experts}) {
    if (is_weight_only_on(gpu, p)) {
      fit.notes.push_back(weight_only_note(p, effective_compute_type(gpu, p), gpu.name));
      if (deployment.weights == deployment.experts) break;
    }
  }
  return fit;
}

std::int64_t max_resident_sequences(const PreparedModel& model, const GpuSpec& gpu, const Deployment& deployment,
                                    std::int64_t context, const EfficiencyParams& efficiency) {
  const Bytes usable = gpu.usable_capacity() * efficiency.memory_utilization;
  const Bytes fixed = weight_bytes_per_gpu(model, deployment) + activation_bytes_per_gpu(model, deployment, efficiency);
  if (fixed >= usable) return 0;
  const double per_sequence = kv_bytes_per_sequence_per_gpu(model, deployment, context);
  if (per_sequence <= 0) return efficiency.engine.max_batch * deployment.parallel.dp * deployment.replicas;
  const double per_rank = std::floor((usable - fixed).value / per_sequence);
  return static_cast<std::int64_t>(per_rank) * deployment.parallel.dp * deployment.replicas;
}

}  // namespace llmsizer

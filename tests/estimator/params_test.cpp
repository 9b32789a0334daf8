// Parameter counts, weight bytes and KV-cache bytes (estimator/model_stats.hpp), checked against
// figures computed by hand (arithmetic in the comments) and against tests/data/param_oracle.md.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include "estimator/model_stats.hpp"
#include "tests/test_support.hpp"

namespace llmsizer {
namespace {

using test::shipped_model;

// A small dense GQA model built in code, exercising every optional term of the attention count.
// H = 64, 8 heads x 8, 2 KV heads, FFN 128, vocab 1000, 2 layers, tied embeddings.
ModelSpec tiny_gqa() {
  ModelSpec m;
  m.name = "tiny";
  m.num_layers = 2;
  m.hidden_size = 64;
  m.num_heads = 8;
  m.attention = GqaAttention{2, 8};
  m.qkv_bias = true;
  m.o_bias = true;
  m.qk_norm = true;
  m.layer_attention.assign(2, LayerAttention::full);
  m.ffn_size = 128;
  m.layer_is_moe.assign(2, false);
  m.vocab_size = 1000;
  m.tied_embeddings = true;
  m.max_context = 4096;
  return m;
}

}  // namespace

TEST_SUITE("params") {

TEST_CASE("tiny GQA model: every attention term by hand") {
  const ModelSpec m = tiny_gqa();
  // q 64*(8*8) = 4096; k, v 2*64*(2*8) = 2048; o (8*8)*64 = 4096 -> 10,240
  // qkv bias 64 + 2*16 = 96; o bias 64; q/k norm 2*8 = 16 -> 10,416 per layer.
  CHECK(attention_params_per_layer(m) == 10'416);
  // Gated FFN 3*64*128 = 24,576; ungated 2*64*128 = 16,384.
  CHECK(dense_ffn_params(m, 128) == 24'576);
  ModelSpec ungated = m;
  ungated.ffn_gated = false;
  CHECK(dense_ffn_params(ungated, 128) == 16'384);
  // Layer: 10,416 + 24,576 + 2*64 norms = 35,120; 2 layers = 70,240.
  // Embedding 1000*64 = 64,000; tied, so no LM head; final norm 64. Total 134,304.
  const ParamCounts c = count_params(m);
  CHECK(c.embedding == 64'000);
  CHECK(c.lm_head == 0);
  CHECK(c.attention == 20'832);
  CHECK(c.dense_ffn == 49'152);
  CHECK(c.norms == 2 * 128 + 64);
  CHECK(c.routed_experts == 0);
  CHECK(c.total == 134'304);
  CHECK(c.active == c.total);  // dense: everything is active
  CHECK(c.mtp == 0);
  ModelSpec untied = m;
  untied.tied_embeddings = false;
  CHECK(count_params(untied).total == 134'304 + 64'000);
}

TEST_CASE("tiny MLA without query compression, and experts with biases") {
  ModelSpec m = tiny_gqa();
  // MLA: H = 64, 4 heads, kv_lora 16, nope 8, rope 4, v 8, no q_lora.
  m.num_heads = 4;
  m.attention = MlaAttention{0, 16, 8, 4, 8};
  m.qkv_bias = m.o_bias = m.qk_norm = false;
  // q 64*4*(8+4) = 3072; kv_a 64*(16+4) + 16 (norm) = 1296; kv_b 16*4*(8+8) = 1024; o 4*8*64 = 2048 -> 7440.
  CHECK(attention_params_per_layer(m) == 7'440);
  // With q_lora 32: 64*32 + 32 + 32*4*12 = 2048 + 32 + 1536 = 3616 replaces 3072 -> 7984.
  m.attention = MlaAttention{32, 16, 8, 4, 8};
  CHECK(attention_params_per_layer(m) == 7'984);
  // KV per token per layer in BF16: (16 + 4) * 2 = 40 bytes, independent of the head count.
  CHECK(kv_bytes_per_token_per_layer(m, LayerAttention::full, Precision::bf16) == 40);

  // MoE: 8 experts of width 32 with biases, top-2, 1 shared expert of width 16, router bias.
  m.moe = MoeSpec{8, 2, 1, 32, 16, true, true};
  m.layer_is_moe = {false, true};
  // Expert: 3*64*32 = 6144 + biases (2*32 gate/up + 64 down) = 6272.
  CHECK(params_per_expert(m) == 6'272);
  const ParamCounts c = count_params(m);
  CHECK(c.routed_experts == 8 * 6'272);
  CHECK(c.shared_experts == 3 * 64 * 16);
  CHECK(c.router == 64 * 8 + 8);
  CHECK(c.dense_ffn == 24'576);  // layer 0 only
  // Active drops the (8 - 2) unused experts of the one MoE layer: 6 * 6272 = 37,632.
  CHECK(c.total - c.active == 37'632);
}

TEST_CASE("Llama-3.1-70B: 70,553,706,496 parameters, 141.1 GB in BF16") {
  const ModelSpec m = shipped_model("llama-3.1-70b");
  const ParamCounts c = count_params(m);
  // Per layer: q 8192*8192 = 67,108,864; k, v 2*8192*(8*128) = 16,777,216; o 67,108,864
  //   -> attention 150,994,944; FFN 3*8192*28672 = 704,643,072; norms 2*8192 = 16,384
  //   -> 855,654,400 per layer, * 80 = 68,452,352,000.
  CHECK(attention_params_per_layer(m) == 150'994'944);
  CHECK(c.dense_ffn == 80.0 * 704'643'072);
  // Embedding 128256*8192 = 1,050,673,152; untied LM head the same; final norm 8192.
  CHECK(c.embedding == 1'050'673'152);
  CHECK(c.lm_head == 1'050'673'152);
  // 68,452,352,000 + 2*1,050,673,152 + 8192 = 70,553,706,496.
  CHECK(c.total == 70'553'706'496);
  CHECK(c.active == 70'553'706'496);
  // BF16: 2 * 70,553,706,496 = 141,107,412,992 B = 141.1 GB = 131.4 GiB.
  const Bytes bf16 = native_weight_bytes(m);
  CHECK(bf16.value == 141'107'412'992);
  CHECK(in_gigabytes(bf16) == doctest::Approx(141.1).epsilon(0.0005));
  CHECK(in_gibibytes(bf16) == doctest::Approx(131.4).epsilon(0.0005));
}

TEST_CASE("Llama-3.1-70B KV cache: 327,680 bytes per token in BF16") {
  const ModelSpec m = shipped_model("llama-3.1-70b");
  // 2 (K and V) * 80 layers * 8 KV heads * 128 head_dim * 2 bytes = 327,680.
  CHECK(kv_bytes_per_token_per_layer(m, LayerAttention::full, Precision::bf16) == 4'096);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 327'680);
  // One sequence of 8192 tokens: 327,680 * 8192 = 2,684,354,560 B (exactly 2.5 GiB).
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 8192).value == 2'684'354'560);
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 0).value == 0);
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, -5).value == 0);  // clamped, not negative
}

// FP8 KV caches (vLLM/SGLang kv_cache_dtype=fp8) use a per-tensor scale: one byte per element. The
// 4/16384 B block-scale overhead in info(fp8) belongs to 128x128 weight blocks, yet model_stats.cpp
// applies it to KV too, giving 163,880 instead of 163,840 bytes per token. See the report.
TEST_CASE("FP8 KV cache is one byte per element") {
  const ModelSpec llama = shipped_model("llama-3.1-70b");
  // 2 * 80 * 8 * 128 * 1 = 163,840.
  CHECK(kv_bytes_per_token(llama, Precision::fp8) == 163'840);
  const ModelSpec v3 = shipped_model("deepseek-v3");
  // 576 * 61 * 1 = 35,136.
  CHECK(kv_bytes_per_token(v3, Precision::fp8) == 35'136);
}

TEST_CASE("weight bytes at fp8, nvfp4 and mxfp4 include block-scale overhead") {
  const ModelSpec m = shipped_model("llama-3.1-70b");
  // Kept in 16-bit: embedding + LM head + norms = 2,101,346,304 + (80*16,384 + 8192) = 2,102,665,216
  //   params -> 4,205,330,432 B.
  // Quantized linear weights: attention 80*150,994,944 + FFN 80*704,643,072 = 68,451,041,280 params.
  const double sixteen_bit_bytes = 4'205'330'432.0;
  const double linear_params = 68'451'041'280.0;
  const ParamCounts c = count_params(m);
  REQUIRE(c.attention + c.dense_ffn == linear_params);
  // fp8 at 1 + 4/16384 = 1.000244140625 B: 68,451,041,280 + 68,451,041,280/4096 (16,711,680)
  //   = 68,467,752,960, + 4,205,330,432 = 72,673,083,392 B (72.7 GB).
  CHECK(weight_bytes(m, Precision::fp8, Precision::fp8).value == doctest::Approx(72'673'083'392.0).epsilon(1e-12));
  CHECK(sixteen_bit_bytes + linear_params * 1.000244140625 == 72'673'083'392.0);
  // nvfp4 at 0.5 + 1/16 = 0.5625 B: 68,451,041,280 * 9/16 = 38,503,710,720, total 42,709,041,152 B.
  CHECK(weight_bytes(m, Precision::nvfp4, Precision::nvfp4).value ==
        doctest::Approx(42'709'041'152.0).epsilon(1e-12));
  // mxfp4 at 0.5 + 1/32 = 0.53125 B: 68,451,041,280 * 17/32 = 36,364,615,680, total 40,569,946,112 B.
  CHECK(weight_bytes(m, Precision::mxfp4, Precision::mxfp4).value ==
        doctest::Approx(40'569'946'112.0).epsilon(1e-12));
  // int4 (AWQ, group 128, fp16 scale + zero) is also 0.53125 B per element.
  CHECK(weight_bytes(m, Precision::int4, Precision::int4).value ==
        doctest::Approx(40'569'946'112.0).epsilon(1e-12));
}

TEST_CASE("gpt-oss-120b: BF16 attention with MXFP4 experts") {
  const ModelSpec m = shipped_model("gpt-oss-120b");
  const ParamCounts c = count_params(m);
  // Expert: 3*2880*2880 = 24,883,200 + biases (2*2880 gate/up + 2880 down = 8640) = 24,891,840.
  CHECK(params_per_expert(m) == 24'891'840);
  // Routed: 36 layers * 128 experts * 24,891,840 = 114,701,598,720.
  CHECK(c.routed_experts == 114'701'598'720);
  CHECK(c.total == 116'829'154'368);  // param_oracle.md
  // Everything else (2,127,555,648 params) stays BF16: 4,255,111,296 B.
  // Experts at 0.53125 B: 114,701,598,720 * 17/32 = 60,935,224,320 B. Sum 65,190,335,616 B (65.2 GB).
  CHECK(native_weight_bytes(m).value == doctest::Approx(65'190'335'616.0).epsilon(1e-12));
  // Native equals the explicit (bf16, mxfp4) pair.
  CHECK(native_weight_bytes(m).value == weight_bytes(m, Precision::bf16, Precision::mxfp4).value);
}

TEST_CASE("DeepSeek-V3: MLA parameters and 70,272 KV bytes per token") {
  const ModelSpec m = shipped_model("deepseek-v3");
  // Attention per layer (H 7168, 128 heads, q_lora 1536, kv_lora 512, nope 128, rope 64, v 128):
  //   q_a 7168*1536 = 11,010,048 + q_a norm 1536 + q_b 1536*128*192 = 37,748,736
  //   kv_a 7168*576 = 4,128,768 + kv_a norm 512; kv_b 512*128*256 = 16,777,216; o 128*128*7168 = 117,440,512
  //   = 187,107,328.
  CHECK(attention_params_per_layer(m) == 187'107'328);
  // Expert 3*7168*2048 = 44,040,192.
  CHECK(params_per_expert(m) == 44'040'192);
  const ParamCounts c = count_params(m);
  // Dense layer: 187,107,328 + 3*7168*18432 (396,361,728) + 14,336 = 583,483,392; * 3 = 1,750,450,176.
  // MoE layer: 187,107,328 + 256*44,040,192 + 44,040,192 (shared) + 7168*256 + 256 (router + bias)
  //   + 14,336 = 11,507,286,272; * 58 = 667,422,603,776.
  // + embedding and head 2*129280*7168 = 1,853,358,080 + final norm 7168 = 671,026,419,200.
  CHECK(c.router == 58.0 * (7168 * 256 + 256));
  CHECK(c.total == 671'026'419'200);
  // Active: total - 58 layers * (256 - 8) unused experts * 44,040,192 (633,474,121,728) = 37,552,297,472.
  CHECK(c.active == 37'552'297'472);
  // The MTP module (not in total): one MoE layer 11,507,286,272 + eh_proj 2*7168^2 = 102,760,448
  //   + 3 norms 21,504 = 11,610,068,224. With its own embedding and head copies (1,853,358,080) the
  //   checkpoint holds 671.03 + 11.61 + 1.85 = 684.5B, the README's "685B incl. 14B MTP".
  CHECK(c.mtp == 11'610'068'224);
  CHECK((c.total + c.mtp + 1'853'358'080.0) / 685e9 == doctest::Approx(1.0).epsilon(0.002));

  // KV: latent 512 + RoPE key 64 = 576 elements per token per layer, * 61 layers * 2 bytes = 70,272.
  CHECK(kv_bytes_per_token_per_layer(m, LayerAttention::full, Precision::bf16) == 1'152);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 70'272);
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 1000).value == 70'272'000);
}

TEST_CASE("gpt-oss-120b: sliding-window layers cap their KV at 128 tokens") {
  const ModelSpec m = shipped_model("gpt-oss-120b");
  // 36 layers, pattern [sliding, full] from layer 0: 18 sliding (window 128) + 18 full.
  REQUIRE(m.sliding_window == 128);
  REQUIRE(m.layer_attention.size() == 36);
  CHECK(m.layer_attention[0] == LayerAttention::sliding);
  CHECK(m.layer_attention[1] == LayerAttention::full);
  CHECK(m.layer_attention[35] == LayerAttention::full);
  // Per token per layer: 2 * 8 KV heads * 64 head_dim * 2 B = 2048; all 36 layers: 73,728.
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 73'728);
  // 100 tokens fit in every window: 36 * 2048 * 100 = 7,372,800.
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 100).value == 7'372'800);
  // Exactly the window: 36 * 2048 * 128 = 9,437,184.
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 128).value == 9'437'184);
  // 10,000 tokens: full 18 * 2048 * 10,000 = 368,640,000 + sliding 18 * 2048 * 128 = 4,718,592
  //   = 373,358,592 (not 36 * 2048 * 10,000 = 737,280,000).
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 10'000).value == 373'358'592);
}

TEST_CASE("MiniMax-M1: linear-attention layers keep a fixed state, not per-token KV") {
  const ModelSpec m = shipped_model("minimax-m1");
  // 80 layers, pattern 7 x linear + full: 70 linear, 10 full (layers 7, 15, ..., 79).
  int linear = 0, full = 0;
  for (LayerAttention kind : m.layer_attention) {
    linear += kind == LayerAttention::linear;
    full += kind == LayerAttention::full;
  }
  CHECK(linear == 70);
  CHECK(full == 10);
  CHECK(m.layer_attention[7] == LayerAttention::full);
  CHECK(kv_bytes_per_token_per_layer(m, LayerAttention::linear, Precision::bf16) == 0);
  // Per token, only the 10 softmax layers: 10 * 2 * 8 * 128 * 2 = 40,960 B.
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 40'960);
  // Fixed state: 64 heads * 128^2 * 4 B (fp32) = 4,194,304 B per linear layer, * 70 = 293,601,280 B,
  // present even with no tokens and independent of the KV precision.
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 0).value == 293'601'280);
  CHECK(kv_bytes_per_sequence(m, Precision::fp8, 0).value == 293'601'280);
  // 1000 tokens add 1000 * 40,960 = 40,960,000: 334,561,280.
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 1000).value == 334'561'280);
}

}  // TEST_SUITE("params")

}  // namespace llmsizer

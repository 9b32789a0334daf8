// io/hf_precision.hpp — the native precisions of a Hugging Face checkpoint, from its torch_dtype and
// quantization_config (fp8, mxfp4, ModelOpt, AWQ/GPTQ, compressed-tensors, bitsandbytes).
#pragma once

#include "estimator/model_spec.hpp"
#include "io/hf_reader.hpp"

namespace llmsizer::hf {

/// Sets weights_precision and experts_precision of `model` (whose MoE part is already read).
void read_precision(const Reader& r, ModelSpec& model);

}  // namespace llmsizer::hf

#include "cli/compare_why.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "io/columns.hpp"
#include "io/table.hpp"

namespace llmsizer::cli {
namespace {

std::string label(const Choice& c) {
  return fmt::format("{} on {}", c.model->name, c.gpu->name);
}
bool explained(const Choice& c) {
  return c.row != nullptr && c.why.has_value();
}
double gb(Bytes b) {
  return in_gigabytes(b);
}
double ms(Seconds s) {
  return in_milliseconds(s);
}
double per_gpu(std::int64_t count, int gpus) {
  return static_cast<double>(count) / gpus;
}

/// Better first: meeting the SLO, then lower $/Mtok output when all are priced, else more output
/// tok/s per GPU (the order compare picks each configuration by).
bool better(const Choice& a, const Choice& b, bool priced) {
  if (a.meets_slo != b.meets_slo) return a.meets_slo;
  if (priced) return *a.row->usd_per_mtok_output < *b.row->usd_per_mtok_output;
  return a.row->output_tok_s_per_gpu > b.row->output_tok_s_per_gpu;
}

/// Why the winner runs more requests per GPU: the runner-up's KV headroom caps its batch, or
/// neither batch is capped by memory (the SLO and the search chose them).
std::string batch_reason(const Explanation& x, const Explanation& y) {
  const auto room = [](const Explanation& e) { return per_gpu(e.batch_capacity, e.gpus); };
  if (y.kv_limited()) {
    return fmt::format(
        "the runner-up's {:.1f} GB of KV headroom per GPU holds only {:.1f} requests per GPU, against "
        "{:.1f} GB holding {:.1f}",
        gb(y.kv_headroom_per_gpu), room(y), gb(x.kv_headroom_per_gpu), room(x));
  }
  return fmt::format(
      "neither batch is capped by KV memory (room for {:.1f} and {:.1f} requests per GPU): the batches "
      "are the search's best within the SLO",
      room(x), room(y));
}

/// The decisive factor in the winner's favour, with the figures behind it.
std::string for_text(Factor f, const Choice& w, const Choice& r, const Advantage& a) {
  const Explanation& x = *w.why;
  const Explanation& y = *r.why;
  switch (f) {
    case Factor::price:
      return fmt::format("the GPU-hour price: {} against {} ({:.2f}x)", money_text(*w.usd_per_gpu_hour, 3),
                         money_text(*r.usd_per_gpu_hour, 3), a.price);
    case Factor::requests_per_gpu:
      return fmt::format("requests running per GPU: {:.1f} against {:.1f} ({:.2f}x); {}", x.requests_per_gpu(),
                         y.requests_per_gpu(), a.requests_per_gpu, batch_reason(x, y));
    case Factor::request_time:
      return fmt::format(
          "time per request: {:.1f} s against {:.1f} s ({:.2f}x); a decode step takes {:.2f} ms ({}-bound, {:.1f} GB "
          "read per GPU) against {:.2f} ms ({}-bound, {:.1f} GB)",
          x.request_cycle.value, y.request_cycle.value, a.request_time, ms(x.decode.step), bound_name(x.decode.bound),
          gb(x.decode.weight_bytes + x.decode.kv_bytes), ms(y.decode.step), bound_name(y.decode.bound),
          gb(y.decode.weight_bytes + y.decode.kv_bytes));
  }
  return "";
}

/// A factor against the winner (its advantage < 1), as a concession.
std::string against_text(Factor f, const Choice& w, const Choice& r, const Advantage& a) {
  switch (f) {
    case Factor::price:
      return fmt::format("its GPU-hour costs {:.2f}x more", 1.0 / a.price);
    case Factor::requests_per_gpu:
      return fmt::format("it runs {:.2f}x fewer requests per GPU ({:.1f} against {:.1f})", 1.0 / a.requests_per_gpu,
                         w.why->requests_per_gpu(), r.why->requests_per_gpu());
    case Factor::request_time:
      return fmt::format("each request takes {:.2f}x longer ({:.1f} s against {:.1f} s)", 1.0 / a.request_time,
                         w.why->request_cycle.value, r.why->request_cycle.value);
  }
  return "";
}

/// Below this advantage a factor counts as against the winner (a 5% difference is noise next to the
/// estimate's own error bands).
constexpr double against_threshold = 0.95;

std::string decisive_sentence(const Choice& w, const Choice& r, bool priced) {
  const std::optional<double> wp = priced ? w.usd_per_gpu_hour : std::nullopt;
  const std::optional<double> rp = priced ? r.usd_per_gpu_hour : std::nullopt;
  const Advantage a = advantage(*w.why, wp, *r.why, rp);
  const std::string lead =
      priced ? fmt::format("{} against {} per M output tokens", money_text(*w.row->usd_per_mtok_output, 3),
                           money_text(*r.row->usd_per_mtok_output, 3))
             : fmt::format("{} against {} output tok/s per GPU", with_commas(w.row->output_tok_s_per_gpu, 1),
                           with_commas(r.row->output_tok_s_per_gpu, 1));
  // Every factor that shares the decision is named with its figures (estimator/explain.hpp).
  std::string by;
  for (size_t i = 0; i < a.deciding.size(); ++i) {
    by += (i == 0 ? "" : i + 1 == a.deciding.size() ? "; and by " : "; by ") + for_text(a.deciding[i], w, r, a);
  }
  std::string s = fmt::format("{} beats {}: {} ({:.2f}x), decided by {}", label(w), label(r), lead, a.total, by);
  const std::pair<Factor, double> factors[] = {
      {Factor::price, a.price}, {Factor::requests_per_gpu, a.requests_per_gpu}, {Factor::request_time, a.request_time}};
  const auto worst = std::min_element(std::begin(factors), std::end(factors),
                                      [](const auto& p, const auto& q) { return p.second < q.second; });
  if (worst->second < against_threshold) s += ", though " + against_text(worst->first, w, r, a);
  return s + ".";
}

/// Indices of `model`'s explained choices, by a phase's tokens per GPU-second, highest first.
using PhaseRate = std::function<std::optional<double>(const Explanation&)>;
std::vector<std::size_t> phase_order(const std::vector<Choice>& choices, const ModelSpec* model,
                                     const PhaseRate& rate) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i].model == model && explained(choices[i]) && rate(*choices[i].why)) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return *rate(*choices[a].why) > *rate(*choices[b].why); });
  return order;
}

std::optional<double> prefill_rate(const Explanation& x) {
  return x.prefill.tokens_per_gpu_s;
}
std::optional<double> decode_rate(const Explanation& x) {
  return x.decode.tokens_per_gpu_s;
}

/// The models of the choices, each once, in order.
std::vector<const ModelSpec*> models_of(const std::vector<Choice>& choices) {
  std::vector<const ModelSpec*> models;
  for (const Choice& c : choices) {
    if (std::find(models.begin(), models.end(), c.model) == models.end()) models.push_back(c.model);
  }
  return models;
}

std::string phase_line(const std::vector<Choice>& choices, const std::vector<std::size_t>& order, const char* phase,
                       const char* tokens, const PhaseRate& rate, const PhaseBottleneck Explanation::*part) {
  const Choice& w = choices[order[0]];
  const Choice& r = choices[order[1]];
  const double a = *rate(*w.why), b = *rate(*r.why);
  return fmt::format(
      "{}, {}: {} wins with {:.2f}x the {} tokens per GPU-second of {} ({} against {}; {}-bound against "
      "{}-bound)",
      w.model->name, phase, w.gpu->name, a / b, tokens, r.gpu->name, with_commas(a), with_commas(b),
      bound_name(((*w.why).*part).bound), bound_name(((*r.why).*part).bound));
}

}  // namespace

void rank_choices(std::vector<Choice>& choices) {
  std::vector<std::size_t> order;
  bool priced = true;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (!explained(choices[i])) continue;
    order.push_back(i);
    // By the $ shown when every option is priced, whatever the bases (a mix gets a note).
    priced = priced && choices[i].row->usd_per_mtok_output && choices[i].usd_per_gpu_hour;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return better(choices[a], choices[b], priced); });
  for (std::size_t k = 0; k < order.size(); ++k) choices[order[k]].rank = static_cast<int>(k + 1);
  if (order.size() >= 2) choices[order[0]].decisive = decisive_sentence(choices[order[0]], choices[order[1]], priced);
  for (const ModelSpec* model : models_of(choices)) {
    for (const auto& [rate, wins] : {std::pair{PhaseRate(prefill_rate), &Choice::wins_prefill},
                                     std::pair{PhaseRate(decode_rate), &Choice::wins_decode}}) {
      const std::vector<std::size_t> phase = phase_order(choices, model, rate);
      if (phase.size() < 2) continue;
      for (std::size_t k = 0; k < phase.size(); ++k) choices[phase[k]].*wins = k == 0;
    }
  }
}

std::vector<std::string> phase_lines(const std::vector<Choice>& choices) {
  std::vector<std::string> lines;
  for (const ModelSpec* model : models_of(choices)) {
    const std::vector<std::size_t> prefill = phase_order(choices, model, prefill_rate);
    if (prefill.size() >= 2)
      lines.push_back(phase_line(choices, prefill, "prefill", "input", prefill_rate, &Explanation::prefill));
    const std::vector<std::size_t> decode = phase_order(choices, model, decode_rate);
    if (decode.size() >= 2)
      lines.push_back(phase_line(choices, decode, "decode", "output", decode_rate, &Explanation::decode));
  }
  return lines;
}

namespace {

/// "prefill pool, 2 workers of 8 GPUs, busy 64%: " before a disaggregated pool's clause; "" co-located.
std::string pool_prefix(const Explanation& x, const char* phase, const PoolExplanation PoolsExplanation::*pool) {
  if (!x.pools) return "";
  const PoolExplanation& p = (*x.pools).*pool;
  return fmt::format("{} pool, {} worker{} of {} GPUs, busy {:.0f}%: ", phase, p.workers, p.workers == 1 ? "" : "s",
                     p.gpus / std::max(1, p.workers), p.utilization * 100);
}

std::string pool_memory_text(const char* phase, const PoolExplanation& p) {
  return fmt::format(
      "{} GPUs: {:.1f} GB of weights resident, {:.1f} GB of KV headroom each (room for {} requests, {} running)", phase,
      gb(p.resident_weight_bytes), gb(p.kv_headroom_per_gpu), with_commas(static_cast<double>(p.batch_capacity)),
      with_commas(static_cast<double>(p.running)));
}

}  // namespace

std::string prefill_text(const Explanation& x) {
  const PhaseBottleneck& p = x.prefill;
  std::string s =
      pool_prefix(x, "prefill", &PoolsExplanation::prefill) +
      fmt::format("{}-bound, {:.0f}% of a {} ms chunk per stage ({:.1f} TFLOP per GPU)", bound_name(p.bound),
                  p.bound_share * 100, with_commas(ms(p.step), 1), p.flops.value / 1e12);
  if (p.tokens_per_gpu_s)
    s += fmt::format("; {} input tokens per GPU-second of prefill", with_commas(*p.tokens_per_gpu_s));
  return s;
}

std::string decode_text(const Explanation& x) {
  const PhaseBottleneck& d = x.decode;
  std::string s = pool_prefix(x, "decode", &PoolsExplanation::decode) +
                  fmt::format(
                      "{}-bound, {:.0f}% of a {:.2f} ms step per stage reading {:.1f} GB of weights + {:.1f} GB of "
                      "KV per GPU",
                      bound_name(d.bound), d.bound_share * 100, ms(d.step), gb(d.weight_bytes), gb(d.kv_bytes));
  if (d.tokens_per_gpu_s)
    s += fmt::format("; {} output tokens per GPU-second of decode", with_commas(*d.tokens_per_gpu_s));
  return s;
}

std::string memory_text(const Explanation& x) {
  if (x.pools) {
    return fmt::format("{}; {}: {:.1f} requests per GPU of both pools", pool_memory_text("prefill", x.pools->prefill),
                       pool_memory_text("decode", x.pools->decode), x.requests_per_gpu());
  }
  // Under two-batch overlap each micro-batch of a step reads the weights, so a step reads more than is resident.
  const int batches = x.decode.micro_batches;
  const std::string read = batches > 1
                               ? fmt::format("each of a decode step's {} micro-batches reads them, {:.1f} GB per step",
                                             batches, gb(x.decode.weight_bytes))
                               : fmt::format("{:.1f} GB of them read per decode step", gb(x.decode.weight_bytes));
  return fmt::format(
      "{:.1f} GB of weights resident per GPU, {}; {:.1f} GB of KV headroom per GPU holds {} requests, {} run ({:.1f} "
      "per GPU)",
      gb(x.resident_weight_bytes), read, gb(x.kv_headroom_per_gpu), with_commas(static_cast<double>(x.batch_capacity)),
      with_commas(static_cast<double>(x.running)), x.requests_per_gpu());
}

std::string pools_text(const Explanation& x) {
  if (!x.pools) return "";
  const PoolsExplanation& p = *x.pools;
  return fmt::format(
      "the {} pool sets the rate; {:.2f} prefill workers per decode worker would balance the pools; TTFT includes "
      "{} ms waiting for a prefill worker and {} ms moving the prompt's KV to the decode GPUs",
      p.prefill_limited ? "prefill" : "decode", p.balanced_prefill_per_decode, with_commas(ms(p.prefill_queue), 1),
      with_commas(ms(p.kv_transfer), 1));
}

namespace {

/// A cell of an explained choice, null otherwise.
template <class F>
Schema<Choice>::Getter when_explained(F f) {
  return [f](const Choice& c) { return explained(c) ? Cell(f(*c.why)) : Cell(); };
}

Cell optional_flag(const std::optional<bool>& flag) {
  return flag ? Cell(*flag) : Cell();
}

void add_phase_columns(Schema<Choice>& s, const std::string& phase, const PhaseBottleneck Explanation::*part,
                       const std::string& step, const std::string& tokens) {
  s.add({phase + "_bound", "", "what bounds a " + step + ": compute, memory, communication or overhead"},
        when_explained([part](const Explanation& x) { return std::string(bound_name((x.*part).bound)); }));
  s.add({phase + "_bound_share", "", "the bounding part's share of the " + step + " time"},
        when_explained([part](const Explanation& x) { return (x.*part).bound_share; }));
  s.add({phase + "_step_ms", "ms", "one " + step + " on one pipeline stage"},
        when_explained([part](const Explanation& x) { return ms((x.*part).step); }));
  s.add({phase + "_weight_gb_per_gpu", "GB", "HBM bytes of weights one " + step + " reads per GPU"},
        when_explained([part](const Explanation& x) { return gb((x.*part).weight_bytes); }));
  s.add({phase + "_kv_gb_per_gpu", "GB", "HBM bytes of KV cache one " + step + " reads and writes per GPU"},
        when_explained([part](const Explanation& x) { return gb((x.*part).kv_bytes); }));
  s.add({phase + "_tok_s_per_gpu", "tok/s", tokens + " tokens per GPU-second spent in " + phase},
        [part](const Choice& c) { return explained(c) ? optional_cell(((*c.why).*part).tokens_per_gpu_s) : Cell(); });
}

}  // namespace

void add_why_columns(Schema<Choice>& s) {
  add_phase_columns(s, "prefill", &Explanation::prefill, "prefill chunk", "input");
  add_phase_columns(s, "decode", &Explanation::decode, "decode step", "output");
  s.add({"resident_weights_gb_per_gpu", "GB", "weights held on the busiest GPU"},
        when_explained([](const Explanation& x) { return gb(x.resident_weight_bytes); }));
  s.add({"kv_headroom_gb_per_gpu", "GB", "usable memory per GPU left for KV after weights and activations"},
        when_explained([](const Explanation& x) { return gb(x.kv_headroom_per_gpu); }));
  s.add({"batch_capacity", "", "requests the KV headroom holds at once, whole deployment"},
        when_explained([](const Explanation& x) { return x.batch_capacity; }));
  s.add({"running", "", "requests running at once, whole deployment"},
        when_explained([](const Explanation& x) { return x.running; }));
  s.add({"request_cycle_s", "s", "one request's time from admission to its last token"},
        when_explained([](const Explanation& x) { return x.request_cycle.value; }));
  const auto pooled = [](auto f) {
    return [f](const Choice& c) { return explained(c) && c.why->pools ? Cell(f(*c.why->pools)) : Cell(); };
  };
  s.add(columns::limited_by,
        pooled([](const PoolsExplanation& p) { return std::string(p.prefill_limited ? "prefill" : "decode"); }));
  s.add(columns::balanced_prefill_per_decode,
        pooled([](const PoolsExplanation& p) { return p.balanced_prefill_per_decode; }));
  s.add(columns::prefill_queue_ms, pooled([](const PoolsExplanation& p) { return ms(p.prefill_queue); }));
  s.add(columns::kv_transfer_ms, pooled([](const PoolsExplanation& p) { return ms(p.kv_transfer); }));
  s.add({"rank", "", "1 = the winner: meets the SLO, then lowest $/Mtok output (highest tok/s per GPU unpriced)"},
        [](const Choice& c) { return c.rank ? Cell(std::int64_t{*c.rank}) : Cell(); });
  s.add({"wins_prefill", "", "most input tokens per GPU-second of prefill among this model's GPUs"},
        [](const Choice& c) { return optional_flag(c.wins_prefill); });
  s.add({"wins_decode", "", "most output tokens per GPU-second of decode among this model's GPUs"},
        [](const Choice& c) { return optional_flag(c.wins_decode); });
  s.add({"decisive", "", "on the winner: the factor that decides against the runner-up, with its figures"},
        [](const Choice& c) { return c.decisive.empty() ? Cell() : Cell(c.decisive); });
}

}  // namespace llmsizer::cli

"""Step 5 (check): recompute the golden logits from the exported folder alone, in numpy, the way an
inference engine does: ternary codes t ∈ {-1,0,1} with one scale per tensor, int8 activations,
exact integer dot products, float32 elsewhere. It reads only work/hf/ and work/golden/, so it also
checks that the exported names, shapes and config describe the model completely.

Prints the largest logit difference from passage_logits.f32. The differences are not only float
rounding: a tiny difference in an activation can move x·s across a .5 boundary, flipping one int8
code, which shifts that projection's output by weight_scale / s. Even torch's own float32 and
float64 forwards differ by up to ~0.5% of the logit range for this reason, so engines should be
compared with a tolerance of about 1-3% of the logit range plus argmax agreement, not bit-exactly.
"""

import json
import os

import numpy as np

from common import GOLDEN_WORK_DIR, HF_DIR
from safetensors_io import read_safetensors


def ternary(w):
    """absmean: codes = clamp(round(W / max(mean|W|, 1e-5)), -1, 1); real weight = code × weight_scale."""
    weight_scale = max(float(np.abs(w).mean()), 1e-5)
    return np.clip(np.round(w / weight_scale), -1, 1).astype(np.int32), np.float32(weight_scale)


def bit_linear(x, codes, weight_scale):
    """x: positions × in (float32) -> positions × out. Per token q = clamp(round(x·s), -128, 127),
    s = 127 / max|x|; y = (q · codesᵀ) / s × weight_scale, the dot product exact in integers."""
    s = np.float32(127.0) / np.maximum(np.abs(x).max(axis=-1, keepdims=True), np.float32(1e-5))
    q = np.clip(np.round(x * s), -128, 127).astype(np.int32)
    return ((q @ codes.T).astype(np.float32) / s * weight_scale).astype(np.float32)


def rms_norm(x, weight, eps):
    return (x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + np.float32(eps)) * weight).astype(np.float32)


def rope(x, theta):
    """x: heads × positions × head_dim; NEOX: pairs (i, i + d/2), angle = position · theta^(-2i/d)."""
    d = x.shape[-1]
    inv_freq = 1.0 / theta ** (np.arange(0, d, 2, dtype=np.float32) / d)
    angles = np.outer(np.arange(x.shape[1], dtype=np.float32), inv_freq)
    cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
    a, b = x[..., : d // 2], x[..., d // 2:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)


def attention(x, p, cfg):
    positions, n_heads, n_kv = x.shape[0], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    head_dim = cfg["hidden_size"] // n_heads
    q = bit_linear(x, *p["q_proj"]).reshape(positions, n_heads, head_dim).transpose(1, 0, 2)
    k = bit_linear(x, *p["k_proj"]).reshape(positions, n_kv, head_dim).transpose(1, 0, 2)
    v = bit_linear(x, *p["v_proj"]).reshape(positions, n_kv, head_dim).transpose(1, 0, 2)
    q, k = rope(q, cfg["rope_theta"]), rope(k, cfg["rope_theta"])
    out = np.empty_like(q)
    future = np.triu(np.ones((positions, positions), dtype=bool), 1)
    for h in range(n_heads):
        kv = h // (n_heads // n_kv)
        scores = q[h] @ k[kv].T / np.float32(np.sqrt(head_dim))
        scores[future] = -np.inf
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        out[h] = (weights / weights.sum(axis=-1, keepdims=True)) @ v[kv]
    out = out.transpose(1, 0, 2).reshape(positions, n_heads * head_dim)
    return bit_linear(rms_norm(out, p["attn_sub_norm"], cfg["rms_norm_eps"]), *p["o_proj"])


def feed_forward(h, p, cfg):
    gate = np.maximum(bit_linear(h, *p["gate_proj"]), 0)
    return bit_linear(rms_norm(gate * gate * bit_linear(h, *p["up_proj"]), p["ffn_sub_norm"], cfg["rms_norm_eps"]),
                      *p["down_proj"])


def forward(ids, tensors, cfg):
    eps = cfg["rms_norm_eps"]
    embed = tensors["model.embed_tokens.weight"]
    x = embed[ids].astype(np.float32)
    for n in range(cfg["num_hidden_layers"]):
        prefix = f"model.layers.{n}."
        p = {name.split(".")[-2]: tensors[name] for name in tensors if name.startswith(prefix)}
        for name in ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"):
            p[name] = ternary(p[name])
        x = x + attention(rms_norm(x, p["input_layernorm"], eps), p, cfg)
        x = x + feed_forward(rms_norm(x, p["post_attention_layernorm"], eps), p, cfg)
    return rms_norm(x, tensors["model.norm.weight"], eps) @ embed.T


def main():
    with open(os.path.join(HF_DIR, "config.json")) as f:
        cfg = json.load(f)
    tensors = read_safetensors(os.path.join(HF_DIR, "model.safetensors"))
    ids = np.fromfile(os.path.join(GOLDEN_WORK_DIR, "passage_tokens.i32"), dtype="<i4")
    golden = np.fromfile(os.path.join(GOLDEN_WORK_DIR, "passage_logits.f32"), dtype="<f4").reshape(len(ids), -1)
    logits = forward(ids, tensors, cfg)
    diff = np.abs(logits - golden)
    same_argmax = (logits.argmax(-1) == golden.argmax(-1)).mean()
    print(f"numpy engine-style forward vs golden logits: max |diff| {diff.max():.3g}, "
          f"mean {diff.mean():.3g}, logit range ±{np.abs(golden).max():.2f}, same argmax {same_argmax:.1%}")
    if diff.max() > 0.03 * max(1.0, np.abs(golden).max()) or same_argmax < 0.95:
        raise SystemExit("exported model does not reproduce the golden logits")


if __name__ == "__main__":
    main()

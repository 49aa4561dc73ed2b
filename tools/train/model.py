"""The BitNet b1.58 graph (as in BitNet b1.58 2B4T), scaled down, with quantization-aware training.

Per layer:
    x += o_proj(attn_sub_norm(attention(input_layernorm(x))))
    h  = post_attention_layernorm(x)
    x += down_proj(ffn_sub_norm(relu(gate_proj(h))² * up_proj(h)))
then logits = model.norm(x) @ embed_tokens.weightᵀ (tied, full precision).

Every q/k/v/o/gate/up/down projection is a BitLinear: in the forward pass its weight is ternarized
per tensor with the absmean rule and its input activations are quantized per token to int8 with
the absmax rule; gradients pass straight through both roundings to the float32 master weights.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int = 4096
    hidden_size: int = 256
    intermediate_size: int = 768
    num_hidden_layers: int = 6
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 256
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads


# ---- quantizers (forward value of each rounding; see BitLinear for the straight-through use) ----

def ternarize(w):
    """absmean: s = 1 / max(mean|W|, 1e-5); W' = clamp(round(W·s), -1, 1) / s."""
    scale = 1.0 / w.abs().mean().clamp(min=1e-5)
    return (w * scale).round().clamp(-1, 1) / scale


def quantize_activations(x):
    """Per token absmax int8: s = 127 / max(max|x|, 1e-5); x' = clamp(round(x·s), -128, 127) / s.
    torch.round rounds half to even, as bitnet.cpp does."""
    scale = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=1e-5)
    return (x * scale).round().clamp(-128, 127) / scale


def straight_through(x, quantize):
    """Forward: quantize(x). Backward: identity."""
    return x + (quantize(x) - x).detach()


class BitLinear(nn.Linear):
    """y = quantize_activations(x) @ ternarize(W)ᵀ, no bias; W is the float32 master weight."""

    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features, bias=False)

    def forward(self, x):
        return F.linear(straight_through(x, quantize_activations), straight_through(self.weight, ternarize))


class RMSNorm(nn.Module):
    """y = x / sqrt(mean(x²) + eps) · weight."""

    def __init__(self, size, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + self.eps) * self.weight


# ---- rotary position embedding, NEOX style: the head's two halves rotate as pairs (i, i + d/2) ----

def rope_tables(head_dim, n_positions, theta):
    """cos, sin of shape positions × head_dim; frequency i (i < d/2) = theta^(-2i/d), repeated for both halves."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    angles = torch.outer(torch.arange(n_positions, dtype=torch.float32), inv_freq)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x):
    first, second = x.chunk(2, dim=-1)
    return torch.cat([-second, first], dim=-1)


def apply_rope(x, cos, sin):
    """x: batch × heads × positions × head_dim."""
    return x * cos + rotate_half(x) * sin


# ---- blocks -----------------------------------------------------------------------------------

class Attention(nn.Module):
    """Grouped-query causal self-attention; attn_sub_norm normalizes the heads' output before o_proj."""

    def __init__(self, cfg):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        self.q_proj = BitLinear(cfg.hidden_size, self.n_heads * self.head_dim)
        self.k_proj = BitLinear(cfg.hidden_size, self.n_kv_heads * self.head_dim)
        self.v_proj = BitLinear(cfg.hidden_size, self.n_kv_heads * self.head_dim)
        self.o_proj = BitLinear(self.n_heads * self.head_dim, cfg.hidden_size)
        self.attn_sub_norm = RMSNorm(self.n_heads * self.head_dim, cfg.rms_norm_eps)

    def split_heads(self, x, n_heads):
        batch, positions, _ = x.shape
        return x.view(batch, positions, n_heads, self.head_dim).transpose(1, 2)

    def forward(self, x, cos, sin, causal_mask):
        batch, positions, _ = x.shape
        q = apply_rope(self.split_heads(self.q_proj(x), self.n_heads), cos, sin)
        k = apply_rope(self.split_heads(self.k_proj(x), self.n_kv_heads), cos, sin)
        v = self.split_heads(self.v_proj(x), self.n_kv_heads)
        group = self.n_heads // self.n_kv_heads  # query head h reads key/value head h // group
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(causal_mask, float("-inf"))
        out = scores.softmax(dim=-1) @ v                      # batch × heads × positions × head_dim
        out = out.transpose(1, 2).reshape(batch, positions, self.n_heads * self.head_dim)
        return self.o_proj(self.attn_sub_norm(out))


class FeedForward(nn.Module):
    """down(ffn_sub_norm(relu(gate(h))² · up(h)))."""

    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = BitLinear(cfg.hidden_size, cfg.intermediate_size)
        self.up_proj = BitLinear(cfg.hidden_size, cfg.intermediate_size)
        self.down_proj = BitLinear(cfg.intermediate_size, cfg.hidden_size)
        self.ffn_sub_norm = RMSNorm(cfg.intermediate_size, cfg.rms_norm_eps)

    def forward(self, h):
        return self.down_proj(self.ffn_sub_norm(F.relu(self.gate_proj(h)).square() * self.up_proj(h)))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = FeedForward(cfg)

    def forward(self, x, cos, sin, causal_mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, causal_mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class BitNetModel(nn.Module):
    """Parameter names match Hugging Face's BitNetForCausalLM after dropping the leading "model."."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers))
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        cos, sin = rope_tables(cfg.head_dim, cfg.max_position_embeddings, cfg.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self.init_weights)

    @staticmethod
    def init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, tokens):
        """tokens: batch × positions (positions ≤ context) -> logits: batch × positions × vocab."""
        positions = tokens.shape[1]
        cos, sin = self.rope_cos[:positions], self.rope_sin[:positions]
        causal_mask = torch.ones(positions, positions, dtype=torch.bool, device=tokens.device).triu(1)
        x = self.embed_tokens(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin, causal_mask)
        return self.norm(x) @ self.embed_tokens.weight.t()  # tied output projection, not quantized

"""Step 4: export the trained model as a Hugging Face style folder, plus golden data and a model card.

Output:
  work/hf/      config.json, model.safetensors (float32 master weights), generation_config.json,
                tokenizer.json, tokenizer_config.json, tokenizer.model
  work/golden/  golden data for the engine tests (formats in its manifest.json and in README.md)
  work/loss_curve.png, work/model_card.md
"""

import csv
import json
import os
import shutil

import common

common.quiet_openmp()

import numpy as np  # noqa: E402
import torch  # noqa: E402

from common import (BOS_ID, CHECKPOINT_DIR, DATA_DIR, EOS_ID, GOLDEN_WORK_DIR, HF_DIR, TOKENIZER_DIR,  # noqa: E402
                    WORK_DIR, ensure_dir, limit_threads, read_lines)
from data import load_tokenizer  # noqa: E402
from golden import greedy, logits_for, perplexity, round_trip_passage  # noqa: E402
from model import BitNetModel, Config  # noqa: E402
from safetensors_io import read_safetensors, write_safetensors  # noqa: E402

PASSAGE_TOKENS = 64
GREEDY_PROMPT = "The state of the Union"
GREEDY_TOKENS = 32
TOKENIZER_CASES = [
    "The state of the Union is strong.",
    "Mr. Speaker, Madam Vice President, our First Lady and Second Gentleman.",
    "In 1790, revenues rose 12.5% — to $4,000,000.",
    "  two  spaces, a tab\there and a newline\nthere",
    "Café, naïve, 30°, “quotes”, emoji 🇺🇸.",
    "",
]


def load_model():
    checkpoint = torch.load(os.path.join(CHECKPOINT_DIR, "last.pt"))
    model = BitNetModel(Config(**checkpoint["config"]))
    model.load_state_dict(checkpoint["model"])
    model.eval()
    return model


# ---- Hugging Face folder ----------------------------------------------------------------------

def hf_config(cfg):
    return {
        "architectures": ["BitNetForCausalLM"],
        "model_type": "bitnet",
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_hidden_layers,
        "num_attention_heads": cfg.num_attention_heads,
        "num_key_value_heads": cfg.num_key_value_heads,
        "head_dim": cfg.head_dim,
        "vocab_size": cfg.vocab_size,
        "max_position_embeddings": cfg.max_position_embeddings,
        "rms_norm_eps": cfg.rms_norm_eps,
        "rope_theta": cfg.rope_theta,
        "hidden_act": "relu2",
        "tie_word_embeddings": True,
        "attention_bias": False,
        "bos_token_id": BOS_ID,
        "eos_token_id": EOS_ID,
        "torch_dtype": "float32",
        "quantization_note": "weights are float32 masters; ternarize with absmean, activations int8 absmax per token",
    }


def export_hf(model):
    ensure_dir(HF_DIR)
    with open(os.path.join(HF_DIR, "config.json"), "w") as f:
        json.dump(hf_config(model.cfg), f, indent=2)
    with open(os.path.join(HF_DIR, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": BOS_ID, "eos_token_id": EOS_ID, "do_sample": False}, f, indent=2)
    tensors = {"model." + name: t.detach().float().numpy() for name, t in model.state_dict().items()}
    path = os.path.join(HF_DIR, "model.safetensors")
    write_safetensors(path, tensors, metadata={"format": "pt"})
    read_back = read_safetensors(path)
    assert read_back.keys() == tensors.keys() and all(np.array_equal(read_back[k], tensors[k]) for k in tensors)
    for name in ("tokenizer.json", "tokenizer_config.json", "tokenizer.model"):
        shutil.copy(os.path.join(TOKENIZER_DIR, name), HF_DIR)
    return sorted(tensors)


# ---- golden data ------------------------------------------------------------------------------

def write_ids(path, ids):
    np.array(ids, dtype="<i4").tofile(path)


def export_golden(model, sp):
    ensure_dir(GOLDEN_WORK_DIR)
    heldout = read_lines(os.path.join(DATA_DIR, "heldout.txt"))
    n_ctx = model.cfg.max_position_embeddings

    passage_ids, passage_text = round_trip_passage(sp, heldout, PASSAGE_TOKENS)
    write_ids(os.path.join(GOLDEN_WORK_DIR, "passage_tokens.i32"), passage_ids)
    with open(os.path.join(GOLDEN_WORK_DIR, "passage.txt"), "w", encoding="utf-8") as f:
        f.write(passage_text)
    logits_for(model, passage_ids).numpy().astype("<f4").tofile(os.path.join(GOLDEN_WORK_DIR, "passage_logits.f32"))

    ppl_text = heldout[-1]
    ppl_tokens = [BOS_ID] + sp.encode(ppl_text)
    chunk_nll, chunk_count, ppl = perplexity(model, ppl_tokens, n_ctx)
    with open(os.path.join(GOLDEN_WORK_DIR, "perplexity_text.txt"), "w", encoding="utf-8") as f:
        f.write(ppl_text)
    write_ids(os.path.join(GOLDEN_WORK_DIR, "perplexity_tokens.i32"), ppl_tokens)

    prompt_ids = [BOS_ID] + sp.encode(GREEDY_PROMPT)
    generated = greedy(model, prompt_ids, GREEDY_TOKENS)
    greedy_record = {"prompt": GREEDY_PROMPT, "prompt_ids": prompt_ids, "generated_ids": generated,
                     "generated_text": sp.decode(generated), "full_text": sp.decode(prompt_ids[1:] + generated)}

    cases = [{"text": t, "ids": sp.encode(t), "pieces": sp.encode(t, out_type=str)} for t in TOKENIZER_CASES]
    manifest = {
        "model": "tools/train (BitNet b1.58, hidden 256, 6 layers); logits use the quantized forward: "
                 "ternary absmean weights, per-token int8 absmax activations, float32 arithmetic",
        "passage": {"tokens": "passage_tokens.i32", "logits": "passage_logits.f32", "text": "passage.txt",
                    "n_tokens": len(passage_ids), "vocab_size": model.cfg.vocab_size,
                    "format": "tokens: int32 little-endian, BOS first; logits: float32 little-endian, "
                              "n_tokens × vocab row-major, row i = logits after reading tokens 0..i in one batch from position 0",
                    "text_note": "passage.txt is the decoded text of tokens[1:]; tokenizing it (with BOS) gives the same ids"},
        "perplexity": {"text": "perplexity_text.txt", "tokens": "perplexity_tokens.i32", "n_ctx": n_ctx,
                       "n_chunks": len(chunk_nll), "chunk_nll": chunk_nll, "chunk_count": chunk_count,
                       "perplexity": ppl,
                       "method": "llama-perplexity: tokens = [BOS] + encode(text) (int32 LE in the tokens file); "
                                 "n_chunks = len(tokens) // n_ctx non-overlapping windows; window[0] := BOS; "
                                 "score logits at positions n_ctx/2 .. n_ctx-2 against the next token "
                                 "(n_ctx/2 - 1 per window); ppl = exp(sum nll / sum count); nll from float64 log-softmax"},
        "greedy": greedy_record | {"note": "argmax (first index on ties) for exactly 32 tokens, no stop at EOS"},
        "tokenizer_cases": cases,
    }
    with open(os.path.join(GOLDEN_WORK_DIR, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    return manifest


# ---- loss curve and model card ----------------------------------------------------------------

def read_log():
    with open(os.path.join(CHECKPOINT_DIR, "train_log.csv")) as f:
        return list(csv.DictReader(f))


def plot_loss(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tokens = [int(r["tokens"]) / 1e6 for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot(tokens, [float(r["train_loss"]) for r in rows], label="train (mean over logged steps)", lw=1)
    held = [(int(r["tokens"]) / 1e6, float(r["heldout_loss"])) for r in rows if r["heldout_loss"]]
    ax.plot(*zip(*held), "o-", label="held-out", ms=4)
    ax.set_xlabel("tokens seen (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title("BitNet b1.58 (hidden 256, 6 layers) on State of the Union addresses")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def recent_train_loss(rows, last_steps=50):
    """Step-weighted mean train loss over the last last_steps steps (a CSV row averages the steps since the previous row)."""
    total, weight, previous = 0.0, 0, 0
    final = int(rows[-1]["step"])
    for row in rows:
        step = int(row["step"])
        if step > final - last_steps:
            total += float(row["train_loss"]) * (step - previous)
            weight += step - previous
        previous = step
    return total / weight


def model_card(summary, manifest, tensor_names, data_manifest, rows):
    g, p = manifest["greedy"], manifest["perplexity"]
    return f"""# bitnet-sotu-tiny (draft model card)

A small BitNet b1.58 model (the BitNet b1.58 2B4T graph scaled down) trained quantization-aware
from scratch on US State of the Union addresses, as a test model for bitnet-gpu. It produces
English-looking text in the style of the addresses; it knows little and is not for any real use.

## Architecture
hidden 256, FFN 768 (ReLU², `hidden_act = relu2`), 6 layers, 4 query heads / 2 key-value heads
(head dim 64), vocabulary 4096, context 256, RMSNorm eps 1e-5 (including attn_sub_norm and
ffn_sub_norm), RoPE NEOX-style (rotate_half over the whole head) base 10000, tied input/output
embedding, no biases. {summary['parameters']:,} parameters ({len(tensor_names)} tensors), stored as
float32 master weights; the q/k/v/o/gate/up/down projections are meant to be ternarized per tensor
with absmean and fed int8 per-token absmax activations, as during training. The embedding /
output projection stays full precision.

## Data and license
`{data_manifest['package']}` from npm (tarball SHA-1 {data_manifest['tarball_sha1']}): {len(data_manifest['train']) + len(data_manifest['heldout'])}
State of the Union addresses, 1790-2021. The addresses are works of the US Government and in the
public domain; the package's data files are PDDL-1.0 / CC0-1.0 and its code Apache-2.0. Held out:
the last {len(data_manifest['heldout'])} addresses by date ({data_manifest['heldout'][0]} .. {data_manifest['heldout'][-1]}).

## Tokenizer
SentencePiece BPE, 4096 pieces, byte fallback, dummy prefix, digits split, no normalization
(Llama 2 style); `<unk>` 0, `<s>` 1, `</s>` 2. Trained on the training split only.

## Training
AdamW (β 0.9/0.95, weight decay {summary['args']['weight_decay']} on matrices), peak learning rate
{summary['args']['lr']}, {summary['args']['warmup_steps']} warmup steps then cosine to 10%, batch
{summary['batch_size']} × {summary['context']} tokens, seed {summary['args']['seed']}, on 2 shared CPU cores
(torch {summary['torch']}, nice 19).
- steps: {summary['steps']}; tokens seen: {summary['tokens_seen']:,} (training split: {summary['train_tokens']:,} tokens)
- wall time: {summary['wall_time_s'] / 60:.1f} minutes ({summary['tokens_seen'] / summary['wall_time_s']:.0f} tokens/s)
- final train loss (mean of the last 50 steps): {recent_train_loss(rows):.3f}; held-out loss: {summary['final_heldout_loss']:.3f}
  ({summary['heldout_eval']})
- held-out perplexity: {p['perplexity']:.2f} (llama-perplexity convention, n_ctx {p['n_ctx']}, {p['n_chunks']} chunks of
  {data_manifest['heldout'][-1]}; see golden/manifest.json)

![loss curve](loss_curve.png)

## Greedy sample
Prompt `{g['prompt']}`, {len(g['generated_ids'])} tokens, argmax:

> {g['full_text']}
"""


def main():
    limit_threads()
    sp = load_tokenizer()
    model = load_model()
    tensor_names = export_hf(model)
    manifest = export_golden(model, sp)
    with open(os.path.join(CHECKPOINT_DIR, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(DATA_DIR, "manifest.json")) as f:
        data_manifest = json.load(f)
    plot_loss(read_log(), os.path.join(WORK_DIR, "loss_curve.png"))
    with open(os.path.join(WORK_DIR, "model_card.md"), "w", encoding="utf-8") as f:
        f.write(model_card(summary, manifest, tensor_names, data_manifest, read_log()))
    print(json.dumps(manifest["greedy"], ensure_ascii=False, indent=1))
    print(f"held-out perplexity {manifest['perplexity']['perplexity']:.3f} over {manifest['perplexity']['n_chunks']} chunks")
    print(f"exported {len(tensor_names)} tensors to {HF_DIR}")


if __name__ == "__main__":
    main()

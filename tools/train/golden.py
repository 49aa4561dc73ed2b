"""Golden data for the engine tests, computed with the same quantized forward the model trains with
(ternary absmean weights, per-token int8 absmax activations, float32 arithmetic, no KV cache)."""

import math

import torch

from common import BOS_ID


@torch.no_grad()
def logits_for(model, ids):
    """ids: list of n token ids -> n × vocab float32 logits (row i: after reading ids[0..i])."""
    return model(torch.tensor([ids]))[0].float()


def round_trip_passage(sp, texts, n_tokens):
    """BOS + the first n_tokens-1 ids of the first text whose prefix decodes and re-encodes to the
    same ids (the cut must fall before a token that starts a new word)."""
    for text in texts:
        ids = sp.encode(text)[: n_tokens - 1]
        passage = sp.decode(ids)
        if sp.encode(passage) == ids:
            return [BOS_ID] + ids, passage
    raise SystemExit("no held-out text gives a clean passage cut")


@torch.no_grad()
def perplexity(model, tokens, n_ctx):
    """llama-perplexity's convention. tokens = [BOS] + encode(text). The tokens are cut into
    n_chunks = len(tokens) // n_ctx non-overlapping windows of n_ctx; each window's first token is
    replaced by BOS; the logits at positions j = n_ctx/2 .. n_ctx-2 are scored against the token at
    j+1 (n_ctx/2 - 1 predictions per window). perplexity = exp(Σ nll / Σ count).
    Returns (per-chunk summed nll, per-chunk count, perplexity)."""
    first = n_ctx // 2
    chunk_nll, chunk_count = [], []
    for chunk in range(len(tokens) // n_ctx):
        window = list(tokens[chunk * n_ctx:(chunk + 1) * n_ctx])
        window[0] = BOS_ID
        log_probs = logits_for(model, window).double().log_softmax(dim=-1)
        targets = torch.tensor(window[first + 1:])
        nll = -log_probs[first:n_ctx - 1].gather(1, targets[:, None]).sum().item()
        chunk_nll.append(nll)
        chunk_count.append(n_ctx - 1 - first)
    return chunk_nll, chunk_count, math.exp(sum(chunk_nll) / sum(chunk_count))


@torch.no_grad()
def greedy(model, prompt_ids, n_new):
    """Argmax decoding of exactly n_new tokens (no stop at EOS), recomputing the whole sequence each step."""
    ids = list(prompt_ids)
    for _ in range(n_new):
        ids.append(int(logits_for(model, ids)[-1].argmax()))
    return ids[len(prompt_ids):]

"""Token streams for training and evaluation.

Each speech becomes <s> ids… </s>; the speeches are concatenated in date order into one stream.
A training example is a window of context+1 tokens starting anywhere in the stream, with its
first token replaced by <s> (the model always sees <s> at position 0, as at inference).
"""

import os

import numpy as np
import sentencepiece as spm
import torch

from common import BOS_ID, DATA_DIR, EOS_ID, TOKENIZER_DIR, read_lines


def load_tokenizer():
    return spm.SentencePieceProcessor(model_file=os.path.join(TOKENIZER_DIR, "tokenizer.model"))


def token_stream(split, sp):
    """All speeches of a split ("train" or "heldout") as one int64 tensor, cached in work/data/."""
    cache = os.path.join(DATA_DIR, f"{split}_ids.npy")
    if not os.path.exists(cache):
        ids = []
        for speech in read_lines(os.path.join(DATA_DIR, f"{split}.txt")):
            ids.extend([BOS_ID] + sp.encode(speech) + [EOS_ID])
        np.save(cache, np.array(ids, dtype=np.int32))
    return torch.from_numpy(np.load(cache).astype(np.int64))


def window_batch(stream, starts, context):
    """batch × (context+1) tokens; inputs are [:, :-1], targets [:, 1:]."""
    batch = torch.stack([stream[s:s + context + 1] for s in starts.tolist()])
    batch[:, 0] = BOS_ID
    return batch


def random_windows(stream, batch_size, context, generator):
    starts = torch.randint(0, len(stream) - context - 1, (batch_size,), generator=generator)
    return window_batch(stream, starts, context)


def evenly_spaced_windows(stream, count, context):
    """A fixed evaluation set: count windows spread evenly over the stream."""
    starts = torch.linspace(0, len(stream) - context - 2, count).long()
    return window_batch(stream, starts, context)

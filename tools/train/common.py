"""Paths and constants shared by the training pipeline scripts."""

import os

TRAIN_DIR = os.path.dirname(os.path.abspath(__file__))
WORK_DIR = os.path.join(TRAIN_DIR, "work")           # git-ignored: downloads, data, checkpoints, exports
DATA_DIR = os.path.join(WORK_DIR, "data")            # train.txt / heldout.txt, one speech per line
TOKENIZER_DIR = os.path.join(WORK_DIR, "tokenizer")  # sentencepiece model + HF tokenizer files
CHECKPOINT_DIR = os.path.join(WORK_DIR, "checkpoints")
HF_DIR = os.path.join(WORK_DIR, "hf")                # the exported Hugging Face style folder
GOLDEN_WORK_DIR = os.path.join(WORK_DIR, "golden")   # golden data for the engine tests
GOLDEN_DIR = os.path.join(TRAIN_DIR, "golden")       # the committed copy of the golden data

UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
UNK, BOS, EOS = "<unk>", "<s>", "</s>"


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def read_lines(path):
    """Reads a UTF-8 text file with one document per line."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def limit_threads():
    """Two threads at most: this machine's two cores are shared with other work.
    OMP_WAIT_POLICY=PASSIVE (set in quiet_openmp before torch loads) keeps OpenMP threads from
    spinning while they wait; on a busy machine spinning made training steps 5-8x slower."""
    import torch
    torch.set_num_threads(2)


def quiet_openmp():
    """Must run before `import torch`."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

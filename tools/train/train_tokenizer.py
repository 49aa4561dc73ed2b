"""Step 2: train a SentencePiece BPE tokenizer (Llama 2 style) and export it for Hugging Face.

Llama 2 style means: BPE with byte fallback (the 256 byte pieces <0x00>..<0xFF> follow the
three specials), a dummy "▁" prefix before the text, spaces shown as "▁", digits split,
no text normalization. Ids: <unk> 0, <s> 1 (bos), </s> 2 (eos).

Output (work/tokenizer/): tokenizer.model (SentencePiece), tokenizer.json and
tokenizer_config.json (Hugging Face, same shape as Llama 2's files).
The script checks that encode -> decode reproduces the held-out text exactly, and that the
exported merges, applied as Hugging Face's BPE applies them, give SentencePiece's ids.
"""

import json
import os
import re

import sentencepiece as spm

from common import BOS, BOS_ID, DATA_DIR, EOS, EOS_ID, TOKENIZER_DIR, UNK, UNK_ID, ensure_dir, read_lines

VOCAB_SIZE = 4096
MAX_LINE_BYTES = 4000  # SentencePiece skips training lines longer than its max_sentence_length
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}"
    "{{ 'User: ' + m['content'] + '\\n' }}{% else %}"
    "{{ 'Assistant: ' + m['content'] + eos_token + '\\n' }}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


# ---- training ---------------------------------------------------------------------------------

def write_sentences(speeches, path):
    """One sentence per line: SentencePiece trains on lines, and whole speeches are too long."""
    with open(path, "w", encoding="utf-8") as f:
        for speech in speeches:
            for sentence in re.split(r"(?<=[.!?]) ", speech):
                if 0 < len(sentence.encode("utf-8")) <= MAX_LINE_BYTES:
                    f.write(sentence + "\n")


def train_sentencepiece(sentences_path, model_prefix):
    spm.SentencePieceTrainer.train(
        input=sentences_path,
        model_prefix=model_prefix,
        model_type="bpe",
        vocab_size=VOCAB_SIZE,
        byte_fallback=True,
        add_dummy_prefix=True,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        character_coverage=0.99995,
        max_sentence_length=MAX_LINE_BYTES,
        unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID, pad_id=-1,
        num_threads=2,
        minloglevel=1,
    )


# ---- Hugging Face export ----------------------------------------------------------------------

def is_mergeable(sp, i):
    return not (sp.is_unknown(i) or sp.is_control(i) or sp.is_byte(i))


def extract_merges(sp):
    """Every split of a normal piece into two pieces of the vocabulary, ranked by the merged piece's
    id (SentencePiece BPE's score order), then by the left and right pieces' ids."""
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size()) if is_mergeable(sp, i)}
    merges = []
    for piece, piece_id in vocab.items():
        for cut in range(1, len(piece)):
            left, right = piece[:cut], piece[cut:]
            if left in vocab and right in vocab:
                merges.append((piece_id, vocab[left], vocab[right], left, right))
    merges.sort()
    return [f"{left} {right}" for _, _, _, left, right in merges]


def special_token(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


def tokenizer_json(sp):
    """The Hugging Face tokenizer.json layout Llama 2 uses (tokenizers 0.13 era)."""
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special_token(UNK_ID, UNK), special_token(BOS_ID, BOS), special_token(EOS_ID, EOS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
        ]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": BOS, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {BOS: {"id": BOS, "ids": [BOS_ID], "tokens": [BOS]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ]},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": UNK,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "vocab": {sp.id_to_piece(i): i for i in range(sp.get_piece_size())},
            "merges": extract_merges(sp),
        },
    }


def tokenizer_config_json():
    added = {str(i): {k: v for k, v in special_token(i, c).items() if k != "id"}
             for i, c in ((UNK_ID, UNK), (BOS_ID, BOS), (EOS_ID, EOS))}
    return {
        "add_bos_token": True,
        "add_eos_token": False,
        "added_tokens_decoder": added,
        "bos_token": BOS,
        "eos_token": EOS,
        "unk_token": UNK,
        "pad_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "legacy": False,
        "model_max_length": 256,
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
    }


# ---- checks -----------------------------------------------------------------------------------

def check_round_trip(sp, texts):
    for text in texts:
        decoded = sp.decode(sp.encode(text))
        if decoded != text:
            at = next(i for i, (a, b) in enumerate(zip(decoded + "\0", text + "\0")) if a != b)
            raise SystemExit(f"round trip differs at char {at}: {text[at-20:at+20]!r} vs {decoded[at-20:at+20]!r}")


def hf_bpe_encode(text, vocab, ranks):
    """Hugging Face's BPE on the normalized text: repeatedly merge the adjacent pair of lowest rank;
    characters missing from the vocabulary fall back to their UTF-8 bytes."""
    parts = list("▁" + text.replace(" ", "▁"))
    while True:
        best = min(range(len(parts) - 1), key=lambda i: ranks.get((parts[i], parts[i + 1]), 1 << 30), default=None)
        if best is None or (parts[best], parts[best + 1]) not in ranks:
            break
        parts[best:best + 2] = [parts[best] + parts[best + 1]]
    ids = []
    for part in parts:
        if part in vocab:
            ids.append(vocab[part])
        else:
            ids.extend(vocab[f"<0x{b:02X}>"] for b in part.encode("utf-8"))
    return ids


def check_merges_match(sp, tok, sentences):
    vocab = tok["model"]["vocab"]
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(tok["model"]["merges"])}
    mismatches = sum(hf_bpe_encode(s, vocab, ranks) != sp.encode(s) for s in sentences)
    print(f"HF-style BPE vs SentencePiece on {len(sentences)} held-out sentences: {mismatches} differ")
    return mismatches


def main():
    ensure_dir(TOKENIZER_DIR)
    sentences_path = os.path.join(TOKENIZER_DIR, "train_sentences.txt")
    write_sentences(read_lines(os.path.join(DATA_DIR, "train.txt")), sentences_path)
    model_prefix = os.path.join(TOKENIZER_DIR, "tokenizer")
    train_sentencepiece(sentences_path, model_prefix)

    sp = spm.SentencePieceProcessor(model_file=model_prefix + ".model")
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.get_piece_size()) == (UNK_ID, BOS_ID, EOS_ID, VOCAB_SIZE)
    tok = tokenizer_json(sp)
    with open(os.path.join(TOKENIZER_DIR, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=2)
    with open(os.path.join(TOKENIZER_DIR, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config_json(), f, ensure_ascii=False, indent=2)

    heldout = read_lines(os.path.join(DATA_DIR, "heldout.txt"))
    check_round_trip(sp, heldout)
    n_tokens = sum(len(sp.encode(t)) for t in heldout)
    print(f"held-out round trip OK: {sum(map(len, heldout))} chars -> {n_tokens} tokens; "
          f"{len(tok['model']['merges'])} merges")
    sentences = [s for t in heldout for s in re.split(r"(?<=[.!?]) ", t)][:400]
    if check_merges_match(sp, tok, sentences):
        raise SystemExit("exported merges do not reproduce SentencePiece's tokenization")


if __name__ == "__main__":
    main()

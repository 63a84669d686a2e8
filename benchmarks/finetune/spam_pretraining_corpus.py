#!/usr/bin/env python3
"""Writes the training mails of the SpamAssassin split as a plain-text corpus for `albert demo --corpus DIR`.

One file per mail (subject, a blank line, body), control characters other than newline and tab replaced by spaces
(a few bodies hold NUL bytes, which the corpus reader refuses as binary). Only train.jsonl is read: dev and test
stay unseen, so pretraining on this corpus is domain-adaptive pretraining on unlabelled training text.

Usage: spam_pretraining_corpus.py SPAM_DATA_DIR OUT_DIR
"""
import json
import re
import sys
from pathlib import Path

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(data / "train.jsonl", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                mail = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{data / 'train.jsonl'}:{number}: not JSON: {e}")
            text = ((mail.get("subject") or "") + "\n\n" + (mail.get("body") or "")).strip()
            text = CONTROL.sub(" ", text)
            if text:
                (out / f"mail{written:05d}.txt").write_text(text + "\n", encoding="utf-8")
                written += 1
    print(f"{written} mails written to {out}")


if __name__ == "__main__":
    main()
